"""The line's RTD: a tracer pulse through the Twin's blender and feed frame against the analytical moments, and the
study's prediction kernel against the same moments.

Reference: Levenspiel, *Chemical Reaction Engineering* (3rd ed.), ch. 11 and 14: ``n`` tanks in series of total
mean residence time ``tau`` have mean ``tau`` and variance ``tau**2 / n``; one stirred tank (the feed frame,
``tau_ff``) has mean ``tau_ff`` and variance ``tau_ff**2``; in series, means and variances add.
"""
import numpy as np
import pytest

from scenarios.continuous_manufacturing import rtd
from twin import Twin
from twin.process import ProcessModel, solids
from twin.process.units import Blender, TabletPress

C = ("API", "T")   # a carrier and the tracer


class Pulse(ProcessModel):
    """1 kg of tracer released at t = 0 from a fast first-order tank (time constant eps: mean eps, variance eps**2),
    beside a steady carrier flow."""

    def __init__(self, eps: float, carrier: float) -> None:
        super().__init__("SRC")
        M = self.state("M", 1.0, "kg")
        self.der(M, -M / eps)
        self.outlet("out", solids(C), {"m_API": carrier, "m_T": M / eps})


@pytest.mark.parametrize(("tau", "n", "tau_ff"), [(90.0, 5, 20.0), (180.0, 5, 20.0), (60.0, 2, 45.0)])
def test_tracer_pulse_through_the_twin_matches_the_analytical_rtd(tau, n, tau_ff):
    eps, carrier = 0.05, 1e-3
    tw = Twin(sample_interval=0.25)
    tw.add(Pulse(eps, carrier), Blender("BL-101", C, tau=tau, n=n, holdup={"API": carrier * tau}),
           TabletPress("TP-101", C, "API", tau_ff=tau_ff, holdup={"API": carrier * tau_ff}))
    tw.connect("SRC.out", "BL-101.in")
    tw.connect("BL-101.out", "TP-101.in")
    until = 15 * (tau + tau_ff)
    tw.run(until=until)
    t, M, _ = tw.tags.history("TP-101.M_T")
    E = M / tau_ff                                    # the tracer leaving the feed frame, kg/s
    mean, var = rtd.moments(t, E)
    assert np.trapezoid(E, t) == pytest.approx(1.0, rel=1e-3)
    assert mean == pytest.approx(tau + tau_ff + eps, rel=0.01)
    assert var == pytest.approx(tau**2 / n + tau_ff**2 + eps**2, rel=0.01)


@pytest.mark.parametrize(("tau", "n", "tau_ff"), [(90.0, 5, 20.0), (180.0, 5, 20.0), (60.0, 2, 45.0), (40, 2, 20)])
def test_prediction_kernel_has_the_analytical_moments(tau, n, tau_ff):
    """The weights act on step means, so step ``j`` sits at ``(j + 1/2) dt`` on average."""
    dt = 1.0
    w = rtd.kernel(dt, tau, n, tau_ff)
    t = (np.arange(w.size) + 0.5) * dt
    assert w.sum() == pytest.approx(1.0, abs=1e-6)
    mean = (t * w).sum()
    assert mean == pytest.approx(tau + tau_ff, rel=0.01)
    assert ((t - mean) ** 2 * w).sum() == pytest.approx(tau**2 / n + tau_ff**2 + dt**2 / 12, rel=0.01)


def test_propagate_keeps_the_mass():
    """What enters the line leaves it, delayed: the predicted outflow's integral equals the inflow's."""
    dt, steady = 1.0, 2.0
    w = rtd.kernel(dt, 90.0, 5, 20.0)
    grid = np.arange(4001) * dt
    t = np.array([0.0, 500.0, 500.0, 560.0, 560.0, 4000.0])    # a 60 s stoppage at 500 s
    flow = np.array([steady, steady, 0.0, 0.0, steady, steady])
    steps = rtd.step_means(t, flow, grid)
    assert steps.sum() * dt == pytest.approx(steady * 4000 - steady * 60)
    out = rtd.propagate(steps, steady, w)
    assert out[0] == pytest.approx(steady) and out[-1] == pytest.approx(steady)
    assert np.sum(steady - out[1:]) * dt == pytest.approx(steady * 60, rel=1e-6)


@pytest.mark.parametrize(("tau", "n", "tau_ff"), [(90.0, 5, 20.0), (60.0, 2, 45.0)])
def test_prediction_equals_a_state_space_simulation(tau, n, tau_ff):
    """The peer: SciPy's ``signal.lsim`` of the same tanks with inputs held over each step (exact for held inputs,
    as the kernel is): random step flows give the same outflow to round-off."""
    from benchmarks.cm import lsim_prediction

    rng = np.random.default_rng(3)
    steps = np.repeat(rng.uniform(0.0, 2.0, 60), 50)        # a random staircase, 60 levels of 50 s
    ours = rtd.propagate(steps, 1.0, rtd.kernel(1.0, tau, n, tau_ff))
    assert ours == pytest.approx(lsim_prediction(steps, 1.0, 1.0, tau, n, tau_ff), abs=1e-9)


@pytest.mark.slow
def test_benchmark_runs():
    """The flagship timed, the RTD prediction against lsim, and (``--mpc``) the mpc variant and one MPC solve
    against SciPy's SLSQP on the same problem: exit 0 only when the peers agree."""
    from benchmarks.cm import main

    assert main(["--repeat", "1", "--mpc"]) == 0
