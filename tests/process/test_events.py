"""State events located within 1e-6 s of analytically known crossings; discrete changes restart cleanly."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from twin.process import Flowsheet, ProcessModel, Simulator


def decay(k, level, direction=+1):
    m = ProcessModel("TK-1")
    x = m.state("x", 1.0)
    k_ = m.parameter("k", k)
    m.der(x, -k_ * x)
    m.guard("low", level - x, direction)
    return Flowsheet(m).build()


@settings(max_examples=25, deadline=None)
@given(k=st.floats(0.01, 2.0), level=st.floats(0.05, 0.95), dt=st.sampled_from([0.1, 1.0, 7.0]))
def test_crossing_of_an_exponential_decay(k, level, dt):
    sim = Simulator(decay(k, level), dt=dt)
    seg = sim.advance(1e4)
    assert seg.fired == ["TK-1.low"]
    assert abs(seg.t_end - math.log(1 / level) / k) < 1e-6  # x = exp(-k t) = level
    assert np.all(np.diff(seg.t) > 0)


def test_wrong_direction_does_not_fire_and_a_guard_fires_once_per_crossing():
    sim = Simulator(decay(0.5, 0.5, direction=-1), dt=1.0)
    assert sim.advance(100.0).fired == []
    sim = Simulator(decay(0.5, 0.5), dt=1.0)
    assert sim.advance(100.0).fired == ["TK-1.low"]
    again = sim.advance(100.0)  # resumes from the crossing, does not fire again on the same side
    assert again.fired == [] and again.t_end == 100.0


def test_parameter_change_restarts_from_the_current_state():
    dae = decay(0.1, 0.0)
    sim = Simulator(dae, dt=1.0)
    sim.advance(10.0)
    p = sim.p.copy()
    p[dae.p_names.index("TK-1.k")] = 0.3
    seg = sim.advance(20.0, p)
    expected = math.exp(-0.1 * 10) * np.exp(-0.3 * (seg.t - 10))
    np.testing.assert_allclose(seg.y[0], expected, rtol=1e-7)


def test_sample_interval_must_be_positive():
    with pytest.raises(ValueError, match="positive"):
        Simulator(decay(0.1, 0.5), dt=0)
