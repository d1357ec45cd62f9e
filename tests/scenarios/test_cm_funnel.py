"""Disturbance propagation through the continuous line, side by side with a published peer tool.

Reference: rtdpy 0.6.1 (Merck; Vural Kaymaz et al., JOSS 4 (2019) 1621, doi:10.21105/joss.01621). ``Ncstr`` is the
analytical tanks-in-series exit age (Levenspiel, *Chemical Reaction Engineering*, 3rd ed., ch. 14), ``Elist``
convolves models in series, ``output`` convolves an input signal with an RTD and ``funnelplot`` is the disturbance
map of Garcia-Munoz et al., AIChE J. 64 (2018) 511-525: the largest outlet deviation after a square disturbance of
given magnitude and duration at the inlet. rtdpy integrates by the rectangle rule, an error proportional to its
time step, so it runs at 0.02 s here. (Its ``integral``/``mrt``/``sigma`` call ``np.trapz``, gone in NumPy 2.4; they
are not used.)

Compared: the exit age of the blender, of the feed frame and of the line (the study's :mod:`.rtd` and the Twin's
CasADi units) with rtdpy's; the Twin's API content at the press after a square upset of the API feeder with
rtdpy's ``output``; the study's funnel and the Twin's diversion decisions with rtdpy's ``funnelplot``.
"""
import numpy as np
import pytest
from cm_files import flagship_text
from hypothesis import given, settings
from hypothesis import strategies as st
from test_cm_rtd import C, Pulse

from scenarios.continuous_manufacturing import rtd
from scenarios.continuous_manufacturing.model import Line
from scenarios.scenario import load, plain
from twin import Twin
from twin.process.units import Blender, TabletPress

rtdpy = pytest.importorskip("rtdpy")

DT = 0.02                           # rtdpy's time step (s)
END = 2500.0                        # rtdpy's time span (s): the flagship line's RTD is below 1e-9 after it
TAU, N, TAU_FF, SHARE = 90.0, 5, 20.0, 0.3        # the flagship: 5 tanks of 90 s, 20 s feed frame, API 6/20 kg/h
AT = 60.0                                         # the upset starts (s)


def peer_line(tau=TAU, n=N, tau_ff=TAU_FF, end=END):
    return rtdpy.Elist([rtdpy.Ncstr(n=n, tau=tau, dt=DT, time_end=end), rtdpy.Ncstr(n=1, tau=tau_ff, dt=DT,
                                                                                   time_end=end)])


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    path = tmp_path_factory.mktemp("funnel") / "flagship.yaml"
    path.write_text(flagship_text())
    return plain(load(path).variants["base"])


def upset(base: dict, magnitude: float, duration: float) -> dict:
    """The flagship line with one square upset: from ``AT`` the API feeder delivers ``1 + magnitude`` times its
    rate for ``duration`` s (-100 %: its screw stops). The feeder runs volumetric (its gravimetric loop off, as
    during a refill), so a feed-factor step is a step of its flow; no noise, NIR bias, ratio control, margin or gate
    delay."""
    feeders = {tag: dict(f, ff_sd=0.0) for tag, f in base["feeders"].items()}
    feeders["LIW-101"]["control_time"] = 1e12
    upsets = [{"kind": "step", "at": AT, "feed_factor": 1 + magnitude},
              {"kind": "step", "at": AT + duration, "feed_factor": 1 / (1 + magnitude)}] if magnitude > -1 else [
              {"kind": "stoppage", "at": AT, "duration": duration}]
    return base | {"feeders": feeders, "pat": dict(base["pat"], noise=0.0, bias=0.0), "margin": 0.0,
                   "gate": dict(base["gate"], switch_time=0.0), "control": "none", "power": {},
                   "horizon": AT + duration + 900.0,
                   "disturbances": [{"feeder": "LIW-101", "duration": 0.0, "feed_factor": 1.0} | u for u in upsets]}


@pytest.mark.parametrize(("tau", "n", "tau_ff"), [(TAU, N, TAU_FF), (180.0, 5, 20.0), (60.0, 2, 45.0)])
def test_each_unit_and_the_line_have_rtdpys_exit_age(tau, n, tau_ff):
    blender, frame, line = (rtdpy.Ncstr(n=n, tau=tau, dt=DT, time_end=END),
                            rtdpy.Ncstr(n=1, tau=tau_ff, dt=DT, time_end=END), peer_line(tau, n, tau_ff))
    steps = blender.time.size - 1
    # one unit: the same closed form (the matrix exponential of the tanks), to round-off
    np.testing.assert_allclose(rtd.exit_age(DT, steps, tau, n), blender.exitage, rtol=0, atol=1e-12)
    np.testing.assert_allclose(rtd.exit_age(DT, steps, tau_ff, 1), frame.exitage, rtol=0, atol=1e-12)
    # the line: rtdpy convolves numerically, within its rectangle rule's error
    ours = rtd.exit_age(DT, steps, tau, n, tau_ff)
    np.testing.assert_allclose(ours, line.exitage, rtol=0, atol=2e-3 * ours.max())
    assert np.abs(ours - blender.exitage).max() > 0.05 * ours.max()        # the feed frame counts


def test_twin_tracer_pulse_has_rtdpys_exit_age():
    """The Twin's CasADi blender and press fed a tracer pulse from a 5 s tank: the tracer leaving the feed frame is
    rtdpy's exit age of the three tanks in series, point by point (rtdpy's rectangle rule, convolving the source's
    jump at t = 0, is off by about ``DT / (2 * 5 s)`` of the curve)."""
    eps, carrier = 5.0, 1e-3
    tw = Twin(sample_interval=0.5)
    tw.add(Pulse(eps, carrier), Blender("BL-101", C, tau=TAU, n=N, holdup={"API": carrier * TAU}),
           TabletPress("TP-101", C, "API", tau_ff=TAU_FF, holdup={"API": carrier * TAU_FF}))
    tw.connect("SRC.out", "BL-101.in")
    tw.connect("BL-101.out", "TP-101.in")
    tw.run(until=1500.0)
    t, M, _ = tw.tags.history("TP-101.M_T")
    peer = rtdpy.Elist([rtdpy.Ncstr(n=1, tau=eps, dt=DT, time_end=1600.0), *peer_line(end=1600.0).elist])
    expected = np.interp(t, peer.time, peer.exitage)
    np.testing.assert_allclose(M / TAU_FF, expected, rtol=0, atol=3e-3 * expected.max())


@pytest.mark.parametrize(("magnitude", "duration"), [(0.3, 30.0), (-0.5, 300.0), (1.0, 120.0)])
def test_twin_response_to_an_api_feeder_upset_is_rtdpys_output(base, magnitude, duration):
    """rtdpy's ``output`` of the API flow and of the total flow (their upset is the same) at the press; their ratio is
    the content, against the Twin's press."""
    run = Line(upset(base, magnitude, duration), np.random.SeedSequence(1)).run()
    t = np.arange(round(run.traces["t"][-1] / DT) + 1) * DT
    extra = np.where((t >= AT - DT / 2) & (t < AT + duration - DT / 2), magnitude * SHARE, 0.0)   # of the total
    line = peer_line(end=t[-1] + DT)
    deviation = line.output(t, extra)[: t.size]
    content = (SHARE + deviation) / (1 + deviation) / SHARE
    expected = np.interp(run.traces["t"], t, content) * 100
    assert run.traces["api_true"] == pytest.approx(expected, abs=0.05)
    assert np.abs(expected - 100).max() > 2                       # the upset is seen at the press


MAGNITUDES = np.array([-1.0, -0.5, -0.2, -0.1, 0.1, 0.2, 0.5, 1.0])
DURATIONS = np.array([5.0, 20.0, 60.0, 300.0])


@pytest.fixture(scope="module")
def peer_funnel():
    """rtdpy's funnel plot of the flagship line for the API feeder's flow (relative upsets at the inlet, the largest
    relative deviation of the API flow at the press), as API content: ``(1 + r) / (1 + SHARE r)`` of target."""
    _, _, r = peer_line().funnelplot(DURATIONS, MAGNITUDES)
    return (1 + r) / (1 + SHARE * r)


def test_the_studys_funnel_is_rtdpys_funnelplot(peer_funnel):
    ours = rtd.funnel(DURATIONS, MAGNITUDES, TAU, N, TAU_FF, SHARE)
    assert ours * 100 == pytest.approx(peer_funnel * 100, abs=0.1)
    # an upset much longer than the residence time passes whole (+100 %: twice the API, 2 / 1.3 of target); a
    # 5 s one moves it less than a tenth as far
    assert rtd.funnel([3000.0], [1.0], TAU, N, TAU_FF, SHARE)[0, 0] == pytest.approx(2 / (1 + SHARE), rel=1e-9)
    assert ours[-1, 0] - 1 < 0.1 * (ours[-1, -1] - 1)


def test_the_twin_diverts_where_rtdpys_funnel_leaves_the_limits(base, peer_funnel):
    """Each upset of the map run on the Twin (gate at the limits, no noise): it diverts if and only if rtdpy's
    funnel puts the content outside 95-105 %, and its worst content is rtdpy's."""
    out = (peer_funnel < 0.95) | (peer_funnel > 1.05)
    clear = np.minimum(np.abs(peer_funnel - 0.95), np.abs(peer_funnel - 1.05)) > 0.002
    assert out.any() and (~out).any() and clear.mean() > 0.9
    for i, magnitude in enumerate(MAGNITUDES):
        for j, duration in enumerate(DURATIONS):
            run = Line(upset(base, magnitude, duration), np.random.SeedSequence(1)).run()
            worst = run.traces["api_true"][np.argmax(np.abs(run.traces["api_true"] - 100))]
            assert worst == pytest.approx(peer_funnel[i, j] * 100, abs=0.1), (magnitude, duration)
            if clear[i, j]:
                assert (run.kpis["diverted"] > 0) == out[i, j], (magnitude, duration)
                assert run.kpis["escaped"] == 0


@pytest.mark.slow
@settings(max_examples=8, deadline=None)
@given(tau=st.floats(30.0, 240.0), n=st.integers(1, 10), tau_ff=st.floats(5.0, 60.0), share=st.floats(0.05, 0.6))
def test_any_lines_funnel_is_rtdpys(tau, n, tau_ff, share):
    """Any blender (1-10 tanks, 30 s - 4 min), feed frame and API share: the study's map equals rtdpy's. Compared as
    the API flow's deviation at the press (the content ``C`` gives it back, ``r = (C - 1) / (1 - share C)``), within
    rtdpy's rectangle rule: ``DT`` times the fastest tank's rate."""
    end = tau * (1 + 10 / np.sqrt(n)) + 25 * tau_ff + 600.0
    durations, magnitudes = np.array([10.0, 60.0, 600.0]), np.array([-1.0, -0.3, 0.3, 1.0])
    _, _, r = peer_line(tau, n, tau_ff, end=end).funnelplot(durations, magnitudes)
    content = rtd.funnel(durations, magnitudes, tau, n, tau_ff, share)
    ours = (content - 1) / (1 - share * content)
    assert ours == pytest.approx(r, abs=DT / min(tau / n, tau_ff))
    assert np.abs(ours).max() > 0.5
