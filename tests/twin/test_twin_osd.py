"""The whole osd_cm_line flowsheet (3 feeders, blender, press, refills as events) against SciPy's solve_ivp (BDF).

Reference: :mod:`benchmarks.process.scipy_osd`, the same line written again by hand in NumPy, integrated by
``solve_ivp(method="BDF", rtol=1e-10, atol=1e-12)`` with its own event location for the hopper-low refills.
"""
import numpy as np
import pytest

from benchmarks.process.scipy_osd import I_M, simulate, w_api
from twin import Twin
from twin.examples.osd_cm_line import build


@pytest.fixture(scope="module")
def both():
    t_end = 3 * 3600.0  # two refills of LIW-102 and one of LIW-101
    tw = Twin(sample_interval=1.0)
    build(tw, seed=7, ff_sigma=0.05)
    result = tw.run(until=t_end)
    ts, Y, lows = simulate(t_end, seed=7, ff_sigma=0.05, rtol=1e-10, atol=1e-12)
    return result, ts, Y, lows


def test_refill_events_at_the_same_times(both):
    result, _, _, lows = both
    state = result.events("state")
    assert list(state["name"]) == [f"{tag}.low" for _, tag in lows]
    np.testing.assert_allclose(state["t"], [t for t, _ in lows], atol=1e-6)


def test_trajectories_match_at_every_sample(both):
    result, ts, Y, _ = both
    on_grid = np.flatnonzero(np.isclose(ts % 1.0, 0) | np.isclose(ts % 1.0, 1))
    # SciPy may stop for an event a hair after a sample (a refill ending at 8460 + 3e-11 s): each sample once
    on_grid = on_grid[np.unique(np.round(ts[on_grid]), return_index=True)[1]]
    grid = ts[on_grid]
    table = result.table("*")
    rows = np.searchsorted(table["t"], grid - 1e-6)
    assert np.allclose(table["t"][rows], grid)
    ref = Y[:, on_grid]
    for i, tag in enumerate(("LIW-101", "LIW-102", "LIW-103")):
        np.testing.assert_allclose(table[f"{tag}.m_hopper"][rows], ref[I_M + i], rtol=1e-8, atol=1e-9)
    np.testing.assert_allclose(table["TP-101.w_api"][rows], w_api(ref), rtol=1e-7)
    # the feed-factor changes are visible downstream: the API content moved
    assert np.ptp(table["TP-101.w_api"]) > 1e-4


@pytest.mark.slow
def test_a_whole_day_matches_solve_ivp():
    """The benchmark's run: 24 h, 35 refills, every 1 s sample against SciPy's BDF at the same tolerances."""
    tw = Twin(sample_interval=1.0, rtol=1e-10, atol=1e-12)
    build(tw, seed=1)
    result = tw.run(until=86400.0)
    ts, Y, lows = simulate(86400.0, seed=1, rtol=1e-10, atol=1e-12)
    state = result.events("state")
    assert len(lows) == 35 and list(state["name"]) == [f"{tag}.low" for _, tag in lows]
    np.testing.assert_allclose(state["t"], [t for t, _ in lows], atol=1e-6)
    t_w, w = result.trace("TP-101.w_api")
    np.testing.assert_allclose(np.interp(ts, t_w, w), w_api(Y), rtol=1e-7)
