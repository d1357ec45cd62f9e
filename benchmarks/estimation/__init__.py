"""The estimators' cost per update (``python -m benchmarks.estimation`` or ``twin bench estimation``).

1. Linear: the model of ``tests/process/test_estimation.py`` (two states and an estimated input bias: 3 states),
   two measurements every second. The peer is filterpy's ``KalmanFilter`` given the exact discretisation
   (``F = expm(A h)``, the input term and ``Qd`` precomputed once, as a user of a linear filter would); ours
   integrates the model and its sensitivities with CVODES and computes Van Loan's ``Qd`` at every step. Both
   filters must agree to 1e-9 before their CPU times per update (predict + update) are compared as a ratio.
2. Nonlinear, no peer (filterpy's EKF needs hand-written Jacobians and transition): the CSTR with its UA
   estimated (EKF and UKF); a powder blender as tanks in series (3 components x ``--tanks`` tanks, its tau
   estimated from the outlet's API fraction of a plant with another tau, with CVODES and with RK4 steps of 1 s:
   ``max_step``); the moving-horizon estimator on the CSTR with a 10-instant window (once full), CVODES and RK4.
   CPU time per update.
3. ``twin follow``'s path without the network: an Estimator on a twin whose bus holds ``--hours`` of 5 s
   temperature samples as the bridge writes them; simulated time over wall time (the issue's goal: >= 100x).

The load average is printed with the figures: the machine is shared.
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np


def _cpu_per_call(fn, repeat: int) -> float:
    best = np.inf
    for _ in range(repeat):
        cpu = time.process_time()
        n = fn()
        best = min(best, (time.process_time() - cpu) / n)
    return best


def linear(steps: int, repeat: int) -> tuple[float, float, float]:
    """CPU s per update of ours and filterpy's, and the largest difference of their means."""
    from filterpy.kalman import KalmanFilter
    from scipy.integrate import quad_vec
    from scipy.linalg import expm

    from twin.process import Flowsheet, ProcessModel
    from twin.process.estimation import ExtendedKalmanFilter

    A, B = np.array([[-0.5, 0.3], [0.1, -0.2]]), np.array([1.0, 0.4])
    m = ProcessModel("LIN")
    x1, x2, u, d = m.state("x1", 1.0), m.state("x2", -0.5), m.input("u", 0.2), m.input("d", 0.0)
    m.der(x1, A[0, 0] * x1 + A[0, 1] * x2 + B[0] * u + d)
    m.der(x2, A[1, 0] * x1 + A[1, 1] * x2 + B[1] * u)
    m.output("y", x1 + 0.5 * x2)
    dae = Flowsheet(m).build()

    q, r = np.array([0.05, 0.02, 0.01]), np.array([0.1, 0.3])
    rng = np.random.default_rng(0)
    zs, us = rng.normal(0, 1, (steps, 2)), rng.uniform(-1, 1, steps)
    Aa = np.zeros((3, 3))
    Aa[:2, :2], Aa[0, 2] = A, 1.0
    F = expm(Aa)
    G = quad_vec(lambda s: expm(Aa * s) @ np.array([B[0], B[1], 0.0]), 0, 1)[0][:, None]
    Qd = quad_vec(lambda s: expm(Aa * s) @ np.diag(q**2) @ expm(Aa * s).T, 0, 1)[0]
    out = {}

    def ours():
        ekf = ExtendedKalmanFilter(dae, measurements={"LIN.x1": r[0], "LIN.y": r[1]}, parameters={"LIN.d": 0.4},
                                   process_noise={"LIN.x1": q[0], "LIN.x2": q[1], "LIN.d": q[2]},
                                   std0={"LIN.x1": 0.5, "LIN.x2": 0.7}, x0={"LIN.d": 0.1})
        for k in range(steps):
            ekf.predict(k + 1.0, {"LIN.u": us[k]})
            ekf.update({"LIN.x1": zs[k, 0], "LIN.y": zs[k, 1]})
        out["ours"] = ekf.s
        return steps

    def peer():
        kf = KalmanFilter(dim_x=3, dim_z=2, dim_u=1)
        kf.x, kf.P = np.array([1.0, -0.5, 0.1]), np.diag([0.25, 0.49, 0.16])
        kf.F, kf.B, kf.Q = F, G, Qd
        kf.H, kf.R = np.array([[1.0, 0.0, 0.0], [1.0, 0.5, 0.0]]), np.diag(r**2)
        for k in range(steps):
            kf.predict(u=np.array([us[k]]))
            kf.update(zs[k])
        out["peer"] = kf.x
        return steps

    t_ours, t_peer = _cpu_per_call(ours, repeat), _cpu_per_call(peer, repeat)
    return t_ours, t_peer, float(np.max(np.abs(out["ours"] - out["peer"])))


def nonlinear(steps: int, repeat: int, tanks: int) -> dict[str, float]:
    """CPU s per update: EKF on the CSTR, EKF on a blender, MHE on the CSTR."""
    from twin.process import Flowsheet, Simulator
    from twin.process.estimation import ExtendedKalmanFilter, MovingHorizonEstimator, UnscentedKalmanFilter
    from twin.process.units import CSTR, Blender

    cstr = Flowsheet(CSTR("R-1")).build()
    plant = Simulator(Flowsheet(CSTR("R-1", UA=1000.0)).build())
    T = []
    for k in range(steps):
        plant.advance(15.0 * (k + 1))
        T.append(plant.x[1])
    kw = {"measurements": {"R-1.T": 0.3}, "parameters": {"R-1.UA": 200.0}, "std0": {"R-1.T": 1.0, "R-1.cA": 20.0},
          "process_noise": {"R-1.T": 0.01}}

    def run(make, n):
        def go():
            f = make()
            for k in range(n):
                f.predict(15.0 * (k + 1))
                f.update({"R-1.T": T[k]})
            return n
        return go

    comps, feed = ("API", "MCC", "LAC"), {"API": 0.01, "MCC": 0.05, "LAC": 0.04}

    def blender(tau):
        fs = Flowsheet(Blender("BL", comps, tau=tau, n=tanks, holdup={c: feed[c] * tau for c in comps}))
        return fs.boundary("BL.in").build()

    truth, bdae = Simulator(blender(150.0)), blender(120.0)
    for c in comps:
        truth.p[truth.dae.p_names.index(f"BL.in.m_{c}")] = feed[c]
    api_index = truth.dae.p_names.index("BL.in.m_API")
    w = []
    for k in range(steps):
        truth.p[api_index] = feed["API"] * (1.2 if (k // 30) % 2 else 1.0)
        truth.advance(10.0 * (k + 1))
        w.append(truth.outputs()[truth.dae.y_names.index("BL.w_API")])

    def blend(**options):
        def go():
            f = ExtendedKalmanFilter(bdae, measurements={"BL.w_API": 0.002}, parameters={"BL.tau": 30.0},
                                     inputs={f"BL.in.m_{c}": feed[c] for c in comps}, **options)
            for k in range(steps):
                f.predict(10.0 * (k + 1), {"BL.in.m_API": feed["API"] * (1.2 if (k // 30) % 2 else 1.0)})
                f.update({"BL.w_API": w[k]})
            blend.tau = (f.mean("BL.tau"), f.std("BL.tau"))
            return steps
        return go

    def mhe(**options) -> float:
        """CPU per update once the window is full (its NLP built once, then solved with new data)."""
        f = MovingHorizonEstimator(cstr, horizon=10, **kw, **options)
        for k in range(steps):
            if k == 11:
                cpu = time.process_time()
            f.predict(15.0 * (k + 1))
            f.update({"R-1.T": T[k]})
        return (time.process_time() - cpu) / (steps - 11)

    costs = {f"EKF, blender ({3 * tanks + 1} states), CVODES": _cpu_per_call(blend(), repeat)}
    cvodes = blend.tau
    costs[f"EKF, blender ({3 * tanks + 1} states), RK4 1 s"] = _cpu_per_call(blend(max_step=1.0), repeat)
    print(f"blender tau (plant 150 s, model 120 +/- 30 s): CVODES {cvodes[0]:.3f} +/- {cvodes[1]:.3f} s, "
          f"RK4 {blend.tau[0]:.3f} +/- {blend.tau[1]:.3f} s")
    return costs | {"EKF, CSTR (3 states)": _cpu_per_call(run(lambda: ExtendedKalmanFilter(cstr, **kw), steps), repeat),
                    "UKF, CSTR (3 states)": _cpu_per_call(run(lambda: UnscentedKalmanFilter(cstr, **kw), steps),
                                                          repeat),
            "MHE, CSTR, window 10, CVODES": min(mhe() for _ in range(repeat)),
            "MHE, CSTR, window 10, RK4 3 s": min(mhe(max_step=3.0) for _ in range(repeat))}


def following(hours: float) -> dict[str, float]:
    """The real-time factor of the path ``twin follow`` runs: an Estimator on a twin with no plant model, its bus
    holding ``hours`` of a CSTR's temperature samples every 5 s (as the bridge writes them), a turn every 30 s."""
    from twin import Twin
    from twin.process import Flowsheet, Simulator
    from twin.process.estimation import Estimator, ExtendedKalmanFilter
    from twin.process.units import CSTR

    plant = Simulator(Flowsheet(CSTR("R-1", UA=1000.0)).build())
    times = np.arange(5.0, hours * 3600 + 1, 5.0)
    temps = []
    for t in times:
        plant.advance(t)
        temps.append(plant.x[1])
    model = Flowsheet(CSTR("R-1")).build()
    out = {}
    for label, options in (("CVODES", {}), ("RK4 1 s", {"max_step": 1.0})):
        tw = Twin(sample_interval=30.0)
        tw.tags.define("R-1.T", unit="K")
        tw.tags.record("R-1.T", times, np.array(temps))
        ekf = ExtendedKalmanFilter(model, measurements={"R-1.T": 0.2}, parameters={"R-1.UA": 200.0},
                                   std0={"R-1.T": 1.0, "R-1.cA": 20.0}, process_noise={"R-1.T": 0.01}, **options)
        tw.add(Estimator(ekf, period=30.0))
        wall = time.perf_counter()
        tw.run(until=float(times[-1]))
        out[f"twin follow's path, {hours:g} h of 5 s samples, {label}"] = times[-1] / (time.perf_counter() - wall)
    return out


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--steps", type=int, default=200, help="updates per filter run (default 200)")
    parser.add_argument("--repeat", type=int, default=3, help="best of N CPU times (default 3)")
    parser.add_argument("--tanks", type=int, default=10, help="tanks of the blender model (default 10)")
    parser.add_argument("--hours", type=float, default=24.0, help="plant hours the follower assimilates (24)")
    parser.set_defaults(func=main_with)


def main_with(args) -> int:
    if args.steps < 20 or args.repeat < 1 or args.tanks < 1 or not args.hours > 0:
        raise SystemExit("--steps must be at least 20 (the MHE's window fills in 11), --repeat and --tanks at least 1, "
                         "--hours positive")
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; CPU time per update, best of "
          f"{args.repeat}")
    ours, peer, diff = linear(args.steps, args.repeat)
    if diff > 1e-9:
        raise SystemExit(f"the filters disagree by {diff:.3g}: no timing")
    print(f"linear, 3 states, 2 measurements: twin EKF {ours * 1e6:8.1f} us, filterpy KalmanFilter "
          f"{peer * 1e6:8.1f} us, ratio {ours / peer:.1f} (means agree to {diff:.1e})")
    for name, cost in nonlinear(args.steps, args.repeat, args.tanks).items():
        print(f"{name:32s} {cost * 1e3:8.3f} ms")
    for name, factor in following(args.hours).items():
        print(f"{name}: {factor:,.0f} x real time (wall)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.estimation", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(parser)
    return main_with(parser.parse_args(argv))
