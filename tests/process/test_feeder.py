"""Loss-in-weight feeder against the closed-form response of its gravimetric control."""
import math

import numpy as np
import pytest
from scipy.optimize import brentq

from twin.process import Flowsheet, Simulator
from twin.process.units import LossInWeightFeeder


def test_feed_factor_step_is_corrected_with_the_closed_loop_time_constant():
    F_sp, tau, ff, m0, m_low = 5e-3, 10.0, 1.1, 20.0, 19.0
    dae = Flowsheet(LossInWeightFeeder("LIW-1", "API", ("API",), F_sp=F_sp, m0=m0, m_low=m_low, tau_c=tau)).build()
    sim = Simulator(dae, dt=1.0)
    sim.p[dae.p_names.index("LIW-1.ff")] = ff
    seg = sim.advance(400.0)
    t = seg.t
    # dF/dt = ff (F_sp - F) / tau with F(0) = ff F_sp  ->  F = F_sp (1 + (ff - 1) exp(-ff t / tau))
    F = F_sp * (1 + (ff - 1) * np.exp(-ff * t / tau))
    m = m0 - F_sp * t - F_sp * (ff - 1) * tau / ff * (1 - np.exp(-ff * t / tau))
    y = dict(zip(dae.y_names, seg.y, strict=True))
    np.testing.assert_allclose(y["LIW-1.massflow"], F, rtol=1e-7)
    np.testing.assert_allclose(y["LIW-1.m_hopper"], m, rtol=1e-9)
    # the 'low' state event stops the integration where the closed form crosses m_low
    t_low = brentq(lambda s: m0 - F_sp * s - F_sp * (ff - 1) * tau / ff * (1 - math.exp(-ff * s / tau)) - m_low,
                   0, 400, xtol=1e-13)
    assert seg.fired == ["LIW-1.low"]
    assert seg.t_end == pytest.approx(t_low, abs=1e-6)
