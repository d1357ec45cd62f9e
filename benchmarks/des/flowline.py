"""Benchmark (b) written both ways: the data-described flow line (compiled fast path) against SimPy processes.

Model (b): 10 stations in series, one machine each, exponential processing times of mean 0.7; a source with
exponential interarrival times of mean 1.0; an unlimited buffer before station 0 and a buffer of 5 between
consecutive stations; blocking after service; the last station passes to a sink that records flow time.

The process-based version is the shared one of the DES benchmarks (``benchmarks/des/line.py``), run on SimPy and on
``twin.des``; here the same line is described as data and run by ``twin._flowline``. All engines simulate the same
horizon in this process; the ratio is SimPy's wall time over the engine's, and "events/s" counts the events SimPy
schedules for the model (as ``benchmarks/des/run.py`` does), so it compares like with like. The RNGs differ, so the
statistics agree in distribution: each single process-based run is checked against the fast path's 95% prediction
interval for one run (from many fast-path replications).

Run: ``python -m benchmarks.des.flowline [--horizon 12000] [--repeat 3]``
"""
from __future__ import annotations

import argparse
import math
import time
from typing import TYPE_CHECKING

import numpy as np

from benchmarks.des import line as model_b
from benchmarks.des.run import run_model

if TYPE_CHECKING:
    from twin.des.flowline import FlowLine


def fast_line(stations: int = model_b.STATIONS) -> FlowLine:
    """Model (b) as data."""
    from twin.des.flowline import FlowLine, Source, Station, exponential  # here: `twin bench --help` skips SciPy

    return FlowLine(
        sources=[Source("source", exponential(model_b.MEAN_INTERARRIVAL), "job")],
        stations=[Station(f"s{k}", exponential(model_b.MEAN_PROCESS), buffer=None if k == 0 else model_b.BUFFER)
                  for k in range(stations)],
        routes={"job": [f"s{k}" for k in range(stations)]},
    )


def fast_statistics(result) -> dict[str, np.ndarray]:
    """The statistics ``benchmarks/des/line.py`` prints, one value per replication of the fast path."""
    return {
        "jobs completed": result.completed[:, 0],
        "mean flow time": result.mean_flow_time,
        "utilisation min": result.utilisation.min(axis=1),
        "utilisation max": result.utilisation.max(axis=1),
    }


def _best_time(fn, repeat: int):
    best, out = math.inf, None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def _num(value: float, width: int = 12) -> str:
    return f"{value:{width}.0f}" if abs(value) >= 1000 else f"{value:{width}.4f}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.des.flowline", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(parser)
    return run(parser.parse_args(argv))


def add_arguments(parser) -> None:
    """The benchmark's options, shared by ``python -m benchmarks.des.flowline`` and ``twin bench flowline``."""
    parser.add_argument("--horizon", type=float, default=12_000,
                        help="simulated time per run (default 12000: about 1 s of SimPy)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per engine, best kept (default 3)")
    parser.add_argument("--replications", type=int, default=40,
                        help="fast-path replications for the prediction intervals (default 40)")
    parser.set_defaults(func=run)


def run(args) -> int:
    """Time both ways of model (b), print statistics side by side and the ratio to SimPy."""
    from scipy import stats

    H, line = args.horizon, fast_line()

    timings, results = {}, {}
    for engine in ("simpy", "twin.des"):
        try:
            runs = [run_model(model_b, engine, H) for _ in range(args.repeat)]
        except ImportError as exc:         # the compiled DES core may be missing from a partial build
            print(f"({engine} unavailable: {exc})")
            continue
        timings[engine] = min(r[1] for r in runs)  # wall seconds, as the fast path is timed
        results[engine] = runs[0][2]
    events = run_model(model_b, "simpy", H)[3]
    timings["flowline"], fast = _best_time(lambda: line.run(H, seed=1, workers=1), args.repeat)
    reps = line.run(H, seed=2, replications=args.replications, progress=False)

    print(f"model (b): {model_b.STATIONS} stations in series, horizon {H:g}, best of {args.repeat} runs, "
          f"{events:,} SimPy events\n")
    print(f"{'engine':<22}{'wall s':>9}{'events/s':>14}{'x SimPy':>9}")
    for name in timings:
        t = timings[name]
        print(f"{name + (' (fast path)' if name == 'flowline' else ''):<22}{t:9.4f}{events / t:14,.0f}"
              f"{timings['simpy'] / t:9.1f}")
    print(f"(the fast path itself processed {int(fast.events[0]):,} events of its own: one per arrival, end of "
          "processing, failure and repair)\n")

    t = stats.t.ppf(0.975, args.replications - 1) * math.sqrt(1 + 1 / args.replications)
    engines = list(results)
    one, many = fast_statistics(fast), fast_statistics(reps)
    print(f"{'statistic':<18}" + "".join(f"{n:>12}" for n in engines) + f"{'flowline':>12}"
          f"   fast path: mean, 95% prediction interval for one run ({args.replications} runs)")
    misses = 0
    for name, values in many.items():
        mean, half = values.mean(), t * values.std(ddof=1)
        inside = [abs(results[n][name] - mean) <= half for n in engines]
        misses += inside.count(False)
        print(f"{name:<18}" + "".join(_num(results[n][name]) for n in engines) + _num(one[name][0])
              + f"   {_num(mean, 0)} [{_num(mean - half, 0)}, {_num(mean + half, 0)}]"
              + ("" if all(inside) else "  <- outside"))
    print(f"\n{misses} of {len(many) * len(engines)} process-based values outside the 95% prediction interval "
          f"(about 5% expected by chance)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
