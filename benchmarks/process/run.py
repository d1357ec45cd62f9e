"""24 h of the osd_cm_line: the twin (CasADi/CVODES, DES refills, TagBus at 1 s) against SciPy's solve_ivp (BDF).

Both run the same line with the same refill logic and random feed factors, at the same tolerances, in one process;
the benchmark first checks that they agree (event times, API content), then reports CPU times (this process only,
so that other work on a shared machine disturbs the comparison less; both are single-threaded), the ratio and the
twin's real-time factor. Targets (issue 4): ratio >= 5, real-time factor >= 10,000.
"""
from __future__ import annotations

import argparse
import time

import numpy as np

HOURS = 24.0


def run_twin(t_end: float, seed: int, rtol: float, atol: float, compiled: bool = False):
    from twin import Twin
    from twin.examples.osd_cm_line import build

    tw = Twin(sample_interval=1.0, rtol=rtol, atol=atol, compiled=compiled)
    build(tw, seed=seed)
    tw.run(until=0.0)  # build the integrators (and compile, or load the cached library) outside the timing
    start = time.process_time()
    result = tw.run(until=t_end)
    return time.process_time() - start, result


def run_scipy(t_end: float, seed: int, rtol: float, atol: float):
    from benchmarks.process import scipy_osd

    start = time.process_time()
    out = scipy_osd.simulate(t_end, seed=seed, rtol=rtol, atol=atol)
    return time.process_time() - start, out


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--hours", type=float, default=HOURS, help="simulated time (default 24 h)")
    parser.add_argument("--rtol", type=float, nargs="+", default=[1e-8, 1e-10], help="relative tolerances to run")
    parser.add_argument("--repeat", type=int, default=3, help="best of N CPU times (default 3)")
    parser.add_argument("--seed", type=int, default=1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.process", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(parser)
    return main_with(parser.parse_args(argv))


def main_with(args: argparse.Namespace) -> int:
    from benchmarks.process import scipy_osd

    t_end = args.hours * 3600
    print(f"osd_cm_line, {args.hours:g} h simulated, outputs every 1 s, feeder refills as events\n")
    print(f"{'rtol':>6} {'mode':>9} {'twin [s]':>9} {'SciPy BDF [s]':>14} {'ratio':>7} {'real-time factor':>17} "
          f"{'events':>7} {'max |dt_event|':>15} {'max |dw_API|':>13}")
    for rtol, compiled in [(r, c) for r in args.rtol for c in (False, True)]:
        atol = rtol * 1e-2
        tw_times, sp_times = [], []
        for _ in range(args.repeat):
            wall, result = run_twin(t_end, args.seed, rtol, atol, compiled)
            tw_times.append(wall)
            wall, (ts, Y, lows) = run_scipy(t_end, args.seed, rtol, atol)
            sp_times.append(wall)
        state = result.events("state")
        if list(state["name"]) != [f"{tag}.low" for _, tag in lows]:
            raise SystemExit("the twin and SciPy disagree on the refill events: the benchmark compares nothing")
        dt_event = np.max(np.abs(state["t"] - [t for t, _ in lows])) if lows else 0.0
        t_w, w = result.trace("TP-101.w_api")
        dw = np.max(np.abs(np.interp(ts, t_w, w) - scipy_osd.w_api(Y)))
        tw_best, sp_best = min(tw_times), min(sp_times)
        mode = "compiled" if compiled else "SX"
        print(f"{rtol:>6.0e} {mode:>9} {tw_best:>9.2f} {sp_best:>14.2f} {sp_best / tw_best:>6.1f}x "
              f"{t_end / tw_best:>16,.0f}x {len(lows):>7} {dt_event:>15.1e} {dw:>13.1e}")
    print("\ntimes: CPU seconds, best of --repeat; ratio = SciPy / twin (target >= 5x); real-time factor = simulated "
          "time / twin's CPU time "
          "(target >= 10,000x);\nmode SX: CasADi's virtual machine; compiled: generated C built by gcc, cached")
    return 0
