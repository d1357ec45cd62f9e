"""The osd_cm_line of :mod:`twin.examples.osd_cm_line` written again by hand for SciPy's ``solve_ivp`` (BDF).

Same equations, same refill logic and the same random feed factors (the same seed spawns the same per-feeder
streams), but plain NumPy and SciPy's event handling: the independent reference for the twin's trajectory and the
peer in the speed benchmark.
"""
from __future__ import annotations

import numpy as np
from scipy.integrate import solve_ivp

from twin.examples.osd_cm_line import BLENDER_N, BLENDER_TAU, FEEDERS, PRESS_TAU, REFILL_TIME, TAU_C, THROUGHPUT

NF, NB = len(FEEDERS), BLENDER_N
F_SP = np.array([f.F_sp for f in FEEDERS])
F_MAX = 3 * F_SP
M0 = np.array([f.m0 for f in FEEDERS])
M_LOW = np.array([f.m_low for f in FEEDERS])
TABLET_MASS = 2.5e-4
# state layout: hopper masses (3), screw speeds (3), blender holdups (component-major, 3 x 5), feed frame (3), tablets
I_M, I_S, I_B, I_P, I_N = 0, NF, 2 * NF, 2 * NF + NF * NB, 2 * NF + NF * NB + NF


def initial_state() -> np.ndarray:
    y = np.zeros(I_N + 1)
    y[I_M:I_S], y[I_S:I_B] = M0, F_SP / F_MAX
    y[I_B:I_P] = np.repeat(F_SP * BLENDER_TAU / NB, NB)
    y[I_P:I_N] = F_SP * PRESS_TAU
    return y


def rhs(t, y, refill, ff):
    dy = np.empty_like(y)
    s = y[I_S:I_B]
    F = ff * F_MAX * s
    dy[I_M:I_S] = refill - F
    dy[I_S:I_B] = np.where(refill > 0, 0.0, (F_SP - F) / (F_MAX * TAU_C))
    M = y[I_B:I_P].reshape(NF, NB)
    out = M * (NB / BLENDER_TAU)
    inflow = np.hstack([F[:, None], out[:, :-1]])
    dy[I_B:I_P] = (inflow - out).ravel()
    P = y[I_P:I_N]
    dy[I_P:I_N] = out[:, -1] - P / PRESS_TAU
    dy[I_N] = P.sum() / PRESS_TAU / TABLET_MASS
    return dy


def w_api(Y: np.ndarray) -> np.ndarray:
    """API mass fraction of the tablets from states (columns are times)."""
    P = Y[I_P:I_N]
    return P[0] / P.sum(axis=0)


def simulate(t_end: float, seed: int = 0, ff_sigma: float = 0.03, dt: float = 1.0, rtol: float = 1e-8,
             atol: float = 1e-10):
    """Integrate to ``t_end``; returns sample times, states at them (one column each) and the refill start times."""
    rngs = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(NF)]
    y, t = initial_state(), 0.0
    refill, ff = np.zeros(NF), np.ones(NF)
    ends = np.full(NF, np.inf)  # time each running refill ends
    lows = []
    grid = np.arange(dt, t_end + dt / 2, dt)
    ts, ys = [np.array([0.0])], [y[:, None]]

    def low(i):
        def event(t, y, *args):
            return y[I_M + i] - M_LOW[i]

        event.terminal, event.direction = True, -1
        return event

    events = [low(i) for i in range(NF)]
    while t < t_end:
        t_stop = min(t_end, ends.min())
        on_grid = grid[(grid > t) & (grid < t_stop)]
        armed = [e for i, e in enumerate(events) if refill[i] == 0]
        sol = solve_ivp(rhs, (t, t_stop), y, method="BDF", t_eval=np.append(on_grid, t_stop), events=armed,
                        args=(refill, ff.copy()), rtol=rtol, atol=atol)
        if not sol.success:
            raise RuntimeError(sol.message)
        if sol.status == 1:  # a hopper ran low: stop there and start its refill
            hit = next(k for k, te in enumerate(sol.t_events) if len(te))
            i = [j for j in range(NF) if refill[j] == 0][hit]
            t, y = sol.t_events[hit][0], sol.y_events[hit][0]
            refill[i] = (M0[i] - M_LOW[i]) / REFILL_TIME
            ends[i] = t + REFILL_TIME
            lows.append((float(t), FEEDERS[i].tag))
        else:
            t, y = t_stop, sol.y[:, -1]
            for i in np.flatnonzero(ends <= t):  # refills that end now; the new lot's feed factor
                refill[i], ends[i] = 0.0, np.inf
                ff[i] = 1.0 + ff_sigma * rngs[i].standard_normal()
        keep = np.isin(sol.t, on_grid) | np.isclose(sol.t % dt, 0) & (sol.t > ts[-1][-1])
        ts.append(sol.t[keep])
        ys.append(sol.y[:, keep])
    return np.concatenate(ts), np.hstack(ys), lows


__all__ = ["THROUGHPUT", "simulate", "w_api"]
