"""RTD elements against their analytical moments and step responses.

References: Levenspiel, *Chemical Reaction Engineering* (3rd ed.), ch. 11, 13 and 14: tanks in series have mean tau
and variance tau**2 / n, and the step response F(t) = 1 - exp(-n t / tau) * sum_{k<n} (n t / tau)**k / k!; a
closed-closed dispersed plug flow has mean tau and variance tau**2 * (2/Pe - 2/Pe**2 * (1 - exp(-Pe))); an open-open
one mean tau (1 + 2/Pe) and variance tau**2 (2/Pe + 8/Pe**2).
"""
import math

import numpy as np
import pytest

from twin.process import Flowsheet, ProcessModel, Simulator, simulate, solids
from twin.process.units import AxialDispersion, TanksInSeries

C = ("T",)  # one tracer component


def moments(t, E):
    area = np.trapezoid(E, t)
    mean = np.trapezoid(t * E, t) / area
    return area, mean, np.trapezoid((t - mean) ** 2 * E, t) / area


class Pulse(ProcessModel):
    """A tracer source: 1 kg released at t = 0 from a fast first-order tank (time constant eps)."""

    def __init__(self, eps):
        super().__init__("SRC")
        M = self.state("M", 1.0, "kg")
        self.der(M, -M / eps)
        self.outlet("out", solids(C), {"m_T": M / eps})


@pytest.mark.parametrize("n", [1, 3, 8])
def test_tanks_in_series_moments(n):
    tau, eps = 60.0, 0.01
    r = simulate(Pulse(eps), TanksInSeries("BL-1", C, tau=tau, n=n), connect=[("SRC.out", "BL-1.in")],
                 until=tau * 12, dt=0.05)
    area, mean, var = moments(r["t"], r["BL-1.m_T"])
    # trapezoidal moments of a 0.05 s sampled trace: the quadrature, not the model, limits the match to ~1e-3
    assert area == pytest.approx(1.0, rel=1e-3)
    # the source adds its own mean eps and variance eps**2 (moments of convolved RTDs add)
    assert mean == pytest.approx(tau + eps, rel=1e-3)
    assert var == pytest.approx(tau**2 / n + eps**2, rel=2e-3)


def test_tanks_in_series_step_response_is_the_erlang_cdf():
    tau, n, F = 90.0, 4, 2e-3
    fs = Flowsheet(TanksInSeries("BL-1", C, tau=tau, n=n)).boundary("BL-1.in")
    dae = fs.build()
    sim = Simulator(dae, dt=1.0)
    sim.p[dae.p_names.index("BL-1.in.m_T")] = F
    seg = sim.advance(600.0)
    out = seg.y[dae.y_names.index("BL-1.m_T")]
    theta = n * seg.t / tau
    erlang = 1 - np.exp(-theta) * sum(theta**k / math.factorial(k) for k in range(n))
    np.testing.assert_allclose(out / F, erlang, atol=1e-7)


@pytest.mark.parametrize("Pe", [5.0, 20.0])
def test_axial_dispersion_closed_moments(Pe):
    tau, eps = 60.0, 0.01
    r = simulate(Pulse(eps), AxialDispersion("BL-1", C, tau=tau, Pe=Pe, cells=120),
                 connect=[("SRC.out", "BL-1.in")], until=tau * 8, dt=0.05)
    area, mean, var = moments(r["t"], r["BL-1.m_T"])
    assert area == pytest.approx(1.0, rel=1e-4)
    assert mean == pytest.approx(tau + eps, rel=1e-4)
    expected = tau**2 * (2 / Pe - 2 / Pe**2 * (1 - math.exp(-Pe)))
    assert var == pytest.approx(expected, rel=0.01)  # 120 cells: discretisation error well below 1 %


def test_axial_dispersion_open_moments():
    # Levenspiel, ch. 13: open-open vessel, mean tau (1 + 2/Pe), variance tau**2 (2/Pe + 8/Pe**2)
    tau, eps, Pe = 60.0, 0.01, 10.0
    r = simulate(Pulse(eps), AxialDispersion("BL-1", C, tau=tau, Pe=Pe, cells=60, boundaries="open"),
                 connect=[("SRC.out", "BL-1.in")], until=tau * 6, dt=0.1)
    area, mean, var = moments(r["t"], r["BL-1.probe_T"])
    assert mean == pytest.approx(tau * (1 + 2 / Pe) + eps, rel=2e-3)
    assert var == pytest.approx(tau**2 * (2 / Pe + 8 / Pe**2), rel=1e-2)


def test_bad_rtd_parameters_are_explained():
    with pytest.raises(ValueError, match="positive integer"):
        TanksInSeries("BL-1", C, n=0)
    with pytest.raises(ValueError, match="use at least 26 cells"):
        AxialDispersion("BL-1", C, Pe=50, cells=10)
