"""Sweep benchmark: 200 replications of the line-capacity example, on 1 and 2 workers, beside bare loops.

``python -m benchmarks.sweep [--replications N] [--quick]`` prints, in one process:

- the bare peer: the study function called in a plain loop, and mapped over a plain ``ProcessPoolExecutor(2)``;
- the framework: :func:`scenarios.sweep.run_tasks` on 1 worker (in process), on a pool of 2, on Dask ``local:2``;
- the speed-up from 1 to 2 workers (target >= 1.7x; it needs two idle cores) and the framework's own overhead per
  run: wall time beyond the time spent inside the study, as a share of that time (target < 5%);
- the time to write the result folder (Parquet, figures, report), once per sweep.
"""
from __future__ import annotations

import argparse
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from scenarios import results
from scenarios.registry import Run, get_study
from scenarios.runs import Outcome, tasks
from scenarios.scenario import load
from scenarios.sweep import run_tasks

EXAMPLE = Path(__file__).resolve().parents[2] / "scenarios" / "line_capacity" / "multipurpose_osd.yaml"


def bare(task) -> Run:
    """The peer's unit of work: the study called directly with the task's seed, nothing around it."""
    return get_study(task.study).run(task.params, np.random.SeedSequence(task.seed, spawn_key=(task.replication,)))


def bare_pool(todo, workers: int) -> list[Run]:
    """The peer's parallel path: a plain ``ProcessPoolExecutor.map`` (started inside the timing, as ours is)."""
    with ProcessPoolExecutor(workers) as pool:
        return list(pool.map(bare, todo))


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.sweep", description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=200, help="replications of the example (default 200)")
    parser.add_argument("--quick", action="store_true", help="20 replications over 10 days: a smoke run")
    args = parser.parse_args(argv)
    scenario = load(EXAMPLE)
    params = scenario.variants["base"]
    params["replications"] = 20 if args.quick else args.replications
    if args.quick:
        params["horizon"] = 10 * 86400.0
    todo = list(tasks(scenario, ["base"]))
    n = len(todo)
    print(f"{n} replications of {EXAMPLE.name} (base, {params['horizon'] / 86400:g} simulated days each)")

    bare(todo[0]), run_tasks(todo[:2], workers=2, progress=False)      # warm caches and the pool start-up path
    peer_loop, t_peer1 = timed(lambda: [bare(t) for t in todo])
    peer_pool, t_peer2 = timed(lambda: bare_pool(todo, 2))
    one, t1 = timed(lambda: run_tasks(todo, workers=1, progress=False))
    two, t2 = timed(lambda: run_tasks(todo, workers=2, progress=False))
    dask, t_dask = timed(lambda: run_tasks(todo, cluster="local:2", progress=False))
    assert [o.run.kpis for o in one] == [r.kpis for r in peer_loop] == [r.kpis for r in peer_pool], \
        "the framework changed the numbers"
    assert [o.run.kpis for o in two] == [o.run.kpis for o in one] == [o.run.kpis for o in dask]

    inside = sum(o.seconds for o in one if isinstance(o, Outcome))
    inside2 = sum(o.seconds for o in two if isinstance(o, Outcome))
    with tempfile.TemporaryDirectory() as folder:
        _, t_write = timed(lambda: results.write(Path(folder), scenario.settings("base"), one))

    rows = [("peer: plain loop, 1 process", t_peer1), ("peer: ProcessPoolExecutor(2).map", t_peer2),
            ("run_tasks, 1 worker", t1), ("run_tasks, process pool of 2", t2),
            ("run_tasks, Dask local:2 (with start-up)", t_dask)]
    print(f"{'':<42}{'wall [s]':>10}{'per run [ms]':>14}{'vs peer loop':>14}")
    for label, t in rows:
        print(f"{label:<42}{t:>10.2f}{1000 * t / n:>14.1f}{t / t_peer1:>13.2f}x")
    print(f"speed-up 1 -> 2 workers:         {t1 / t2:.2f}x   (target >= 1.7x; peer pool: {t_peer1 / t_peer2:.2f}x)")
    print(f"framework overhead, 1 worker:    {100 * (t1 - inside) / inside:.1f}% of the time inside the study "
          f"({1000 * (t1 - inside) / n:.2f} ms per run; target < 5%)")
    print(f"framework overhead, pool of 2:   {100 * (t2 - t_peer2) / t_peer2:.1f}% beyond the peer pool "
          f"({100 * (2 * t2 - inside2) / inside2:.1f}% of worker time outside the study: start-up, pickling, tail)")
    print(f"writing the result folder:       {t_write:.2f} s once ({100 * t_write / inside:.1f}% of the runs' time)")
    return 0
