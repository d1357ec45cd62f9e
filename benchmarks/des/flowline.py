"""Benchmark (b) written both ways: the data-described flow line (compiled fast path) against SimPy processes.

Model (b): 10 stations in series, one machine each, exponential processing times of mean 0.7; a source with
exponential interarrival times of mean 1.0; an unlimited buffer before station 0 and a buffer of 5 between
consecutive stations; blocking after service; the last station passes to a sink that records flow time.

The process-based version is written here as plain SimPy (generators, ``Store`` buffers) and also runs on
``twin.des`` by changing the module. Both engines simulate the same horizon in this process; the ratio is SimPy's
wall time over the engine's. Their statistics are printed side by side: the RNGs differ, so they agree in
distribution, and each single process-based run is checked against the fast path's 95% prediction interval for one
run (from many fast-path replications).

Run: ``python -m benchmarks.des.flowline [--horizon 12000] [--repeat 3]``
"""
from __future__ import annotations

import argparse
import importlib
import math
import random
import time

import numpy as np
from scipy import stats

from twin.des.flowline import FlowLine, Source, Station, exponential

STATIONS, MEAN_INTERARRIVAL, MEAN_PROCESS, BUFFER = 10, 1.0, 0.7, 5


def fast_line(stations: int = STATIONS) -> FlowLine:
    """Model (b) as data."""
    return FlowLine(
        sources=[Source("source", exponential(MEAN_INTERARRIVAL), "job")],
        stations=[Station(f"s{k}", exponential(MEAN_PROCESS), buffer=None if k == 0 else BUFFER)
                  for k in range(stations)],
        routes={"job": [f"s{k}" for k in range(stations)]},
    )


def process_line(sim, horizon: float, seed: int, stations: int = STATIONS) -> dict:
    """Model (b) as SimPy processes on ``sim`` (the ``simpy`` module, or ``twin.des``); its statistics."""
    env = sim.Environment()
    rnd = random.Random(seed)
    stores = [sim.Store(env)] + [sim.Store(env, capacity=BUFFER) for _ in range(stations - 1)]
    busy = [0.0] * stations
    sink = {"completed": 0, "flow_time": 0.0}

    def source():
        while True:
            yield env.timeout(rnd.expovariate(1 / MEAN_INTERARRIVAL))
            yield stores[0].put(env.now)          # a job is its arrival time

    def machine(k):
        get = stores[k].get
        put = stores[k + 1].put if k + 1 < stations else None
        while True:
            arrived = yield get()
            start = env.now
            yield env.timeout(rnd.expovariate(1 / MEAN_PROCESS))
            busy[k] += env.now - start
            if put is None:
                sink["completed"] += 1
                sink["flow_time"] += env.now - arrived
            else:
                yield put(arrived)                # blocking after service: the machine waits for room

    env.process(source())
    for k in range(stations):
        env.process(machine(k))
    env.run(until=horizon)
    return {
        "throughput": sink["completed"] / horizon,
        "mean_flow_time": sink["flow_time"] / sink["completed"],
        "utilisation": np.array(busy) / horizon,
        "events": next(env._eid) if hasattr(env, "_eid") else None,   # SimPy numbers every scheduled event
    }


def _best_time(fn, repeat: int):
    best, out = math.inf, None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.des.flowline", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--horizon", type=float, default=12_000,
                        help="simulated time per run (default 12000: about 1 s of SimPy)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per engine, best kept (default 3)")
    parser.add_argument("--replications", type=int, default=40,
                        help="fast-path replications for the prediction intervals (default 40)")
    args = parser.parse_args(argv)
    H = args.horizon

    line = fast_line()
    engines = {"simpy": importlib.import_module("simpy")}
    try:
        engines["twin.des"] = importlib.import_module("twin.des")
    except ImportError as exc:            # the compiled core may be missing from a partial build
        print(f"(twin.des unavailable: {exc})")

    timings, results = {}, {}
    for name, sim in engines.items():
        timings[name], results[name] = _best_time(lambda sim=sim: process_line(sim, H, seed=1), args.repeat)
    timings["flowline"], fast = _best_time(lambda: line.run(H, seed=1, workers=1), args.repeat)
    reps = line.run(H, seed=2, replications=args.replications, progress=False)

    print(f"model (b): {STATIONS} stations in series, horizon {H:g}, best of {args.repeat} runs\n")
    print(f"{'engine':<22}{'wall s':>9}{'events':>12}{'events/s':>13}{'x SimPy':>9}")
    rows = [(n, results[n]["events"]) for n in engines] + [("flowline (fast path)", int(fast.events[0]))]
    for name, events in rows:
        t = timings[name.split()[0]]
        counted = f"{events:12d}{events / t:13,.0f}" if events else f"{'-':>12}{'-':>13}"
        print(f"{name:<22}{t:9.3f}{counted}{timings['simpy'] / t:9.1f}")
    print("(events are each engine's own: SimPy counts every Timeout, Store get/put and process resumption; the "
          "fast path one event per arrival, end of processing, failure and repair. The ratio compares wall time "
          "for the same simulated horizon.)\n")

    # statistics side by side: each single process-based run against the fast path's prediction interval
    t = stats.t.ppf(0.975, args.replications - 1) * math.sqrt(1 + 1 / args.replications)
    metrics = [("throughput", reps.throughput[:, 0], lambda r: r["throughput"]),
               ("mean flow time", reps.mean_flow_time, lambda r: r["mean_flow_time"])]
    metrics += [(f"utilisation s{k}", reps.utilisation[:, k], lambda r, k=k: r["utilisation"][k])
                for k in range(STATIONS)]
    print(f"{'statistic':<18}" + "".join(f"{n:>12}" for n in engines)
          + f"{'flowline':>12}   fast path: mean, 95% prediction interval for one run ({args.replications} runs)")
    misses = 0
    for label, values, get in metrics:
        mean, half = values.mean(), t * values.std(ddof=1)
        inside = [abs(get(results[n]) - mean) <= half for n in engines]
        misses += inside.count(False)
        one = fast.throughput[0, 0] if label == "throughput" else (
            fast.mean_flow_time[0] if label == "mean flow time" else fast.utilisation[0, int(label[13:])])
        print(f"{label:<18}" + "".join(f"{get(results[n]):12.4f}" for n in engines) + f"{one:12.4f}"
              f"   {mean:.4f} [{mean - half:.4f}, {mean + half:.4f}]"
              + ("" if all(inside) else "  <- outside"))
    print(f"\n{misses} of {len(metrics) * len(engines)} process-based values outside the 95% prediction interval "
          f"(about 5% expected by chance)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
