"""The model-predictive controller of the continuous line, checked against an independent solution and in closed loop.

- First move: the same optimal-control problem written out by hand (the feeders' gravimetric loops, the blender's
  tanks and the feed frame as a linear ODE from their textbook equations, discretised with zero-order hold by
  ``scipy.signal.cont2discrete``, the objective in NumPy) and solved by ``scipy.optimize.minimize`` (SLSQP) gives
  the same first move as the controller's CasADi/Ipopt solution on the Twin's own flowsheet.
- Closed loop: on the same seed and disturbances, MPC holds the API content closer to target than ratio control
  (smaller IAE), and lets no out-of-limit material through.
"""
import os
import threading
from pathlib import Path

import numpy as np
import pytest
from cm_files import flagship_text
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import optimize, signal
from threadpoolctl import threadpool_limits

from scenarios.continuous_manufacturing.model import Line
from scenarios.continuous_manufacturing.mpc import Mpc
from scenarios.scenario import load, plain

SHARES = {"API": 0.3, "excipient": 0.675, "lubricant": 0.025}       # 6, 13.5 and 0.5 kg/h of 20 kg/h


def flagship_params(tmp_path, **changes) -> dict:
    path = tmp_path / "flagship.yaml"
    path.write_text(flagship_text())
    return plain(load(path).variants["base"]) | changes


def measured_inputs(line: Line, dae) -> np.ndarray:
    """The flowsheet's inputs and parameters now, with each feeder's feed factor as its load cell sees it."""
    tw = line.twin
    p = np.array([tw.tags.read(n) for n in dae.p_names], float)
    for tag in line.feeders:
        p[dae.p_names.index(f"{tag}.ff")] = tw.tags.read(f"{tag}.massflow") / (
            tw.tags.read(f"{tag}.speed") * tw.tags.read(f"{tag}.F_max"))
    return p


def reference_first_move(line: Line, p: np.ndarray, dae, interval: float, steps: int, moves: int,
                         rate_weight: float, move_weight: float, api: str, band: tuple[float, float],
                         band_weight: float) -> tuple[np.ndarray, float]:
    """The MPC problem from first principles, solved by SciPy: returns the relative set points of the first move
    and the optimal objective. Per component: screw speed ``s`` with ``s' = (u - ff k s) / (k tau_c)``, the
    blender's ``n`` tanks ``M_j' = (n/tau) (M_{j-1} - M_j)`` fed by ``ff k s``, the feed frame
    ``M_f' = (n/tau) M_n - M_f / tau_ff``; how far the API content leaves ``band``, priced by ``band_weight``,
    written out (the slack variables' value at the optimum), gradients by hand."""
    prm = dict(zip(dae.p_names, p, strict=True))
    tau, n, tau_ff = line.p.blender.tau, line.p.blender.tanks, line.p.press.feed_frame_tau
    tw = line.twin
    feeders = list(line.feeders)
    size = 1 + n + 1                                  # states per component
    A = np.zeros((3 * size, 3 * size))
    B = np.zeros((3 * size, 3))
    x0 = np.zeros(3 * size)
    for c, tag in enumerate(feeders):
        comp, o = line.feeders[tag].component, c * size
        k, tau_c, ff = prm[f"{tag}.F_max"], prm[f"{tag}.tau_c"], prm[f"{tag}.ff"]
        A[o, o], B[o, c] = -ff / tau_c, 1 / (k * tau_c)
        A[o + 1, o] = ff * k
        for j in range(1, n + 1):
            A[o + j, o + j] = -n / tau
            if j > 1:
                A[o + j, o + j - 1] = n / tau
        A[o + n + 1, o + n], A[o + n + 1, o + n + 1] = n / tau, -1 / tau_ff
        x0[o] = tw.tags.read(f"{tag}.speed")
        x0[o + 1: o + n + 1] = [tw.tags.read(f"BL-101.M_{comp}_{j}") for j in range(1, n + 1)]
        x0[o + n + 1] = tw.tags.read(f"TP-101.M_{comp}")
    Ad, Bd, *_ = signal.cont2discrete((A, B, np.eye(3 * size), np.zeros((3 * size, 3))), interval, method="zoh")
    nominal = np.array([line.rates[t] for t in feeders])
    shares = np.array([SHARES[line.feeders[t].component] for t in feeders])
    full = tau_ff * nominal.sum()
    v_prev = p[[dae.p_names.index(f"{t}.F_sp") for t in feeders]] / nominal
    frame = [c * size + n + 1 for c in range(3)]

    a = [line.feeders[t].component for t in feeders].index(api)
    m = 3 * moves

    def contents(flat):                 # the feed frame's hold-ups, one row per interval
        v, x, out = flat[:m].reshape(moves, 3), x0, []
        for k in range(steps):
            x = Ad @ x + Bd @ (v[min(k, moves - 1)] * nominal)
            out.append(x[frame])
        return np.array(out)

    # they are affine in the set points: y = y0 + L v (columns by unit steps of each set point), so the objective's
    # gradient follows by the chain rule, exact (SLSQP's finite differences are too coarse for the penalty's kinks)
    y0 = contents(np.zeros(m))
    L = np.stack([contents(np.eye(m)[i]) - y0 for i in range(m)], axis=-1)     # (steps, 3, m)

    def objective(v):                   # the exact penalty written out: band_weight * how far the content leaves
        y = y0 + L @ v
        total = y.sum(axis=1, keepdims=True)
        q = y / (total * shares) - 1
        r = y[:, a] / (total[:, 0] * shares[a])
        out = np.maximum(r - band[1], 0) + np.maximum(band[0] - r, 0)
        dq = 2 * q / (total * shares)
        dq[:, a] += band_weight * ((r > band[1]) * 1.0 - (r < band[0])) / (total[:, 0] * shares[a])
        dy = dq - (dq * y).sum(axis=1, keepdims=True) / total + 2 * rate_weight * (total / full - 1) / full
        moved = np.diff(np.vstack([v_prev, v.reshape(moves, 3)]), axis=0)
        dv = 2 * move_weight * (moved - np.vstack([moved[1:], np.zeros(3)]))
        J = np.sum(q**2) + rate_weight * np.sum((total / full - 1) ** 2) + move_weight * np.sum(moved**2)
        return J + band_weight * out.sum(), np.einsum("kc,kcm->m", dy, L) + dv.ravel()

    upper = np.array([prm[f"{t}.F_max"] for t in feeders]) / nominal
    best = optimize.minimize(objective, np.tile(v_prev, moves), jac=True, method="SLSQP",
                             bounds=[(0, u) for u in np.tile(upper, moves)], options={"ftol": 1e-15, "maxiter": 1000})
    assert best.success, best.message
    return best.x[:3], best.fun


@pytest.mark.parametrize("kind", ["API screw stopped", "API feed factor +10 %"])
def test_first_move_matches_scipy_on_the_same_problem(tmp_path, kind):
    disturbance = ({"kind": "stoppage", "feeder": "LIW-101", "at": 60.0, "duration": 600.0, "feed_factor": 1.0}
                   if kind.endswith("stopped") else
                   {"kind": "step", "feeder": "LIW-101", "at": 60.0, "duration": 0.0, "feed_factor": 1.1})
    params = flagship_params(tmp_path, horizon=600.0, control="none", disturbances=[disturbance])
    line = Line(params, np.random.SeedSequence(1))
    line.twin.run(until=75.0)                         # 15 s into the disturbance; no refill under way
    dae = line.twin.flowsheet.build()
    settings = {"interval": 10.0, "steps": 30, "moves": 4, "rate_weight": 0.1, "move_weight": 0.01,
                "band": (0.96, 1.04), "band_weight": 10.0, "api": "API"}
    mpc = Mpc(dae, line.rates, "TP-101", SHARES, **settings)
    p = measured_inputs(line, dae)
    x = np.array([line.twin.tags.read(n) for n in dae.x_names], float)
    plan = mpc.plan(x, p)
    ours = plan[0] / np.array(list(line.rates.values()))
    reference, best = reference_first_move(line, p, dae, **settings)
    assert mpc.solver.stats()["success"]
    assert float(mpc.solver.stats()["iterations"]["obj"][-1]) == pytest.approx(best, rel=1e-5, abs=1e-8)
    np.testing.assert_allclose(ours, reference, atol=2e-3)       # relative set points, 0.2 % of the rate
    if kind.endswith("stopped"):
        assert ours[1] < 0.8 and ours[2] < 0.8                    # the others cut back to keep the recipe
        content = mpc.forecast[:, 0] / mpc.forecast.sum(axis=1) / SHARES["API"]
        assert content.min() < settings["band"][0]                # and the band's penalty is in play
    else:
        assert ours[0] < 0.99                                     # the API screw eases off ahead of its loop


def test_mpc_at_steady_state_holds_the_set_points(tmp_path):
    params = flagship_params(tmp_path, horizon=600.0, control="none", disturbances=[])
    line = Line(params, np.random.SeedSequence(1))
    line.twin.run(until=30.0)
    dae = line.twin.flowsheet.build()
    mpc = Mpc(dae, line.rates, "TP-101", SHARES, interval=10.0, steps=30)
    plan = mpc.plan(np.array([line.twin.tags.read(n) for n in dae.x_names], float), measured_inputs(line, dae))
    np.testing.assert_allclose(plan, np.tile(list(line.rates.values()), (6, 1)), rtol=1e-6)
    assert mpc.at_rest()
    assert mpc.states == sorted(mpc.states) and len(mpc.states) == 3 * (1 + 5 + 1)   # no hoppers, no counter


def test_mpc_holds_the_content_closer_to_target_than_ratio_control(tmp_path):
    """40 min with a 10 % heavier API lot at 5 min and a 1 min API screw stoppage at 20 min, same seed: MPC's
    integral of absolute content error is less than ratio control's, and nothing out of limits escapes."""
    disturbances = [{"kind": "step", "feeder": "LIW-101", "at": 300.0, "duration": 0.0, "feed_factor": 1.1},
                    {"kind": "stoppage", "feeder": "LIW-101", "at": 1200.0, "duration": 60.0, "feed_factor": 1.0}]
    runs = {}
    for control in ("ratio", "mpc"):
        params = flagship_params(tmp_path, horizon=2400.0, control=control, disturbances=disturbances)
        runs[control] = Line(params, np.random.SeedSequence(7)).run()
    ratio, mpc = runs["ratio"].kpis, runs["mpc"].kpis
    for run in runs.values():      # the KPI is the integral of |true - 100 %| over the run, in % LC min
        assert run.kpis["iae"] == pytest.approx(np.abs(run.traces["api_true"] - 100).sum() / 60, rel=1e-9)
    assert mpc["iae"] < 0.8 * ratio["iae"]
    assert mpc["escaped"] == 0 and ratio["escaped"] == 0
    t, true = runs["mpc"].traces["t"], runs["mpc"].traces["api_true"]
    step = (t > 300) & (t < 1200)
    assert np.abs(true[step] - 100).max() < np.abs(runs["ratio"].traces["api_true"][step] - 100).max()


def test_the_content_stays_inside_the_limits_when_the_api_screw_restarts(tmp_path):
    """The API screw stops for 2 min just as the lubricant hopper calls for a refill (its screw volumetric for the
    refill's minute), as at 12 h in the flagship. Without the band, the controller kept the lubricant's share by
    feeding excipient, diluting the API to 30 % LC, then fed the API flat out on the restart and overshot to 107 % LC;
    with it, the content comes back to the gate's band (104 %) and no further."""
    base = flagship_params(tmp_path)
    feeders = base["feeders"] | {"LIW-103": base["feeders"]["LIW-103"] | {"hopper": 0.3}}    # refills at 360 s
    stop = {"kind": "stoppage", "feeder": "LIW-101", "at": 360.0, "duration": 120.0, "feed_factor": 1.0}
    line = Line(base | {"horizon": 1200.0, "control": "mpc", "feeders": feeders, "disturbances": [stop]},
                np.random.SeedSequence(7))
    run = line.run()
    assert line.refilled["LIW-103"][0] == pytest.approx(360.0, abs=1.0)
    t, true = run.traces["t"], run.traces["api_true"]
    assert true[t > 480].max() < 104.5            # the band's edge, give or take the content between plan points
    assert true.min() > 50
    assert run.kpis["escaped"] == 0


def cpu_ticks_per_thread() -> dict[str, int]:
    """User + system CPU ticks of each of this process's threads (Linux ``/proc``)."""
    ticks = {}
    for tid in os.listdir("/proc/self/task"):
        fields = Path(f"/proc/self/task/{tid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks[tid] = int(fields[11]) + int(fields[12])
    return ticks


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads each thread's CPU time from Linux /proc")
def test_a_solve_keeps_to_one_core(tmp_path):
    """NumPy's and SciPy's OpenBLAS start a thread per core; left to them, the MPC's tiny products had their second
    thread spin for as long as the solver worked (as much CPU as the main thread). Held to one thread, the other
    threads stay idle while 40 plans are made."""
    step = {"kind": "step", "feeder": "LIW-101", "at": 60.0, "duration": 0.0, "feed_factor": 1.1}
    line = Line(flagship_params(tmp_path, horizon=600.0, control="none", disturbances=[step]),
                np.random.SeedSequence(1))
    line.twin.run(until=75.0)
    dae = line.twin.flowsheet.build()
    mpc = Mpc(dae, line.rates, "TP-101", SHARES, interval=10.0, steps=30, api="API", band=(0.96, 1.04))
    x, p = np.array([line.twin.tags.read(n) for n in dae.x_names], float), measured_inputs(line, dae)
    with threadpool_limits(2, user_api="blas"):          # two cores, as on the CI machine, whatever this one has
        before = cpu_ticks_per_thread()
        for _ in range(40):
            mpc.last = None
            mpc.plan(x, p)
        after = cpu_ticks_per_thread()
    main = str(threading.get_native_id())
    others = sum(n - before.get(tid, 0) for tid, n in after.items() if tid != main)
    assert after[main] - before[main] > 20                  # the solves took a while
    assert others <= 0.1 * (after[main] - before[main])


@pytest.mark.slow
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(feeder=st.sampled_from(["LIW-101", "LIW-102", "LIW-103"]), factor=st.floats(0.85, 1.15),
       after=st.integers(3, 40))
def test_first_move_matches_scipy_for_any_feed_factor_step(tmp_path, feeder, factor, after):
    """Any feeder, any feed-factor step of up to 15 %, solved any time in the first 40 s after it: Ipopt's first
    move on the Twin's flowsheet equals SciPy's on the hand-written problem."""
    step = {"kind": "step", "feeder": feeder, "at": 60.0, "duration": 0.0, "feed_factor": factor}
    params = flagship_params(tmp_path, horizon=600.0, control="none", disturbances=[step])
    line = Line(params, np.random.SeedSequence(1))
    line.twin.run(until=60.0 + after)
    dae = line.twin.flowsheet.build()
    settings_ = {"interval": 10.0, "steps": 30, "moves": 4, "rate_weight": 0.1, "move_weight": 0.01,
                 "band": (0.96, 1.04), "band_weight": 10.0, "api": "API"}
    mpc = Mpc(dae, line.rates, "TP-101", SHARES, **settings_)
    p = measured_inputs(line, dae)
    plan = mpc.plan(np.array([line.twin.tags.read(n) for n in dae.x_names], float), p)
    reference, _ = reference_first_move(line, p, dae, **settings_)
    np.testing.assert_allclose(plan[0] / np.array(list(line.rates.values())), reference, atol=2e-3)
