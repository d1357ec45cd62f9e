"""Sweep benchmark: 200 replications of the line-capacity example, on 1 and 2 workers, beside bare loops.

``python -m benchmarks.sweep [--replications N] [--rounds R] [--quick]`` prints, in one process:

- the bare peer: the study function called in a plain loop, and mapped over a plain ``ProcessPoolExecutor(2)``;
- the framework: :func:`scenarios.sweep.run_tasks` on 1 worker (in process) and on a pool of 2, then once on Dask
  ``local:2`` (its start-up of a few seconds included);
- the speed-up from 1 to 2 workers (target >= 1.7x on two idle cores) and the framework's own overhead per run:
  wall time beyond the time spent inside the study, as a share of that time (target < 5%);
- the time to write the result folder (Parquet, figures, report), once per sweep.

Everything is warmed up once, then timed in ``R`` rounds, the order of the four contenders rotating from round to
round, so a burst of load from elsewhere hits them all alike; the best round of each counts (as ``timeit`` does).
Wall time needs idle cores; CPU time (this process and its workers, from ``getrusage``) does not, so the speed-up is
also given from CPU: the CPU seconds of 1 worker over half the CPU seconds of the pool of 2 (this process included),
what two idle cores would give if the pool kept both busy to the end. On an idle machine the peer pool's CPU
figure is the machine's own ceiling: if a run costs more CPU while the other core works too (two vCPUs on one
physical core, a shared cache), no pool reaches 2x there.
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
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


def spin(n: int) -> int:
    """Pure-Python arithmetic touching no memory to speak of: what two processes can do at best on this machine."""
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


def machine_ceiling(n: int = 4_000_000) -> float:
    """The speed-up from 1 to 2 processes of :func:`spin` (4 equal pieces): the most any pool can reach here.

    Two vCPUs are not always two cores' worth (shared caches, memory bandwidth, a host's other guests): this number
    says what the machine gives, so the sweep's speed-up can be read against it.
    """
    start = time.perf_counter()
    for _ in range(4):
        spin(n)
    one = time.perf_counter() - start
    with ProcessPoolExecutor(2) as pool:
        list(pool.map(spin, [1, 1]))
        start = time.perf_counter()
        list(pool.map(spin, [n] * 4))
        two = time.perf_counter() - start
    return one / two


def cpu_seconds() -> tuple[float, float]:
    """CPU seconds (user + system) of this process, and of it with its finished child processes."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    mine = own.ru_utime + own.ru_stime
    return mine, mine + children.ru_utime + children.ru_stime


def timed(fn) -> tuple[list, float, float, float]:
    """``fn()``, its wall seconds, the CPU seconds it took here and in the workers it started, and here alone."""
    (mine, cpu), start = cpu_seconds(), time.perf_counter()
    out = fn()
    wall, (mine_after, cpu_after) = time.perf_counter() - start, cpu_seconds()
    return out, wall, cpu_after - cpu, mine_after - mine


def kpis(outcomes: list) -> list[dict]:
    return [(o.run if isinstance(o, Outcome) else o).kpis for o in outcomes]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.sweep", description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=200, help="replications of the example (default 200)")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds of each contender (default 3)")
    parser.add_argument("--quick", action="store_true", help="20 replications over 10 days, one round: a smoke run")
    args = parser.parse_args(argv)
    scenario = load(EXAMPLE)
    params = scenario.variants["base"]
    params["replications"] = 20 if args.quick else args.replications
    rounds = 1 if args.quick else args.rounds
    if args.quick:
        params["horizon"] = 10 * 86400.0
    todo = list(tasks(scenario, ["base"]))
    n = len(todo)
    print(f"{n} replications of {EXAMPLE.name} (base, {params['horizon'] / 86400:g} simulated days each), "
          f"{rounds} rounds; load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")

    warm = kpis([bare(t) for t in todo[:4]])                            # warm caches and both pool start-up paths
    assert kpis(bare_pool(todo[:4], 2)) == kpis(run_tasks(todo[:4], workers=2, progress=False)) == warm
    contenders = {"peer: plain loop, 1 process": lambda: [bare(t) for t in todo],
                  "peer: ProcessPoolExecutor(2).map": lambda: bare_pool(todo, 2),
                  "run_tasks, 1 worker": lambda: run_tasks(todo, workers=1, progress=False),
                  "run_tasks, process pool of 2": lambda: run_tasks(todo, workers=2, progress=False)}
    labels = list(contenders)
    wall: dict[str, list[float]] = {k: [] for k in labels}
    cpu: dict[str, list[float]] = {k: [] for k in labels}
    inside: list[float] = []
    parent: list[float] = []      # CPU of this process while the pool of 2 runs: the part that does not parallelise
    reference = None
    for r in range(rounds):
        for label in labels[r % 4:] + labels[:r % 4]:
            out, w, c, here = timed(contenders[label])
            wall[label].append(w)
            cpu[label].append(c)
            reference = reference or kpis(out)
            assert kpis(out) == reference, f"{label} changed the numbers"
            if label == "run_tasks, process pool of 2":
                parent.append(here)
            if label == "run_tasks, 1 worker":
                inside.append(sum(o.seconds for o in out if isinstance(o, Outcome)))
                one = out
            del out
    dask, t_dask, c_dask, _ = timed(lambda: run_tasks(todo, cluster="local:2", progress=False))
    assert kpis(dask) == reference, "Dask changed the numbers"
    del dask
    with tempfile.TemporaryDirectory() as folder:
        _, t_write, _, _ = timed(lambda: results.write(Path(folder), scenario.settings("base"), one))

    best = {k: min(v) for k, v in wall.items()}
    print(f"{'':<42}{'best wall [s]':>14}{'median [s]':>12}{'per run [ms]':>14}{'CPU [s]':>9}{'vs peer loop':>14}")
    for label in labels:
        print(f"{label:<42}{best[label]:>14.2f}{statistics.median(wall[label]):>12.2f}"
              f"{1000 * best[label] / n:>14.1f}{statistics.median(cpu[label]):>9.2f}"
              f"{best[label] / best[labels[0]]:>13.2f}x")
    print(f"{'run_tasks, Dask local:2 (with start-up)':<42}{t_dask:>14.2f}{'':>12}{1000 * t_dask / n:>14.1f}"
          f"{c_dask:>9.2f}{t_dask / best[labels[0]]:>13.2f}x")
    t1, t2 = best["run_tasks, 1 worker"], best["run_tasks, process pool of 2"]
    cpu1, cpu2 = statistics.median(cpu["run_tasks, 1 worker"]), statistics.median(cpu["run_tasks, process pool of 2"])
    peer1, peer2 = statistics.median(cpu[labels[0]]), statistics.median(cpu[labels[1]])
    ceiling = machine_ceiling()
    print(f"speed-up 1 -> 2 workers, wall:   {t1 / t2:.2f}x   (target >= 1.7x on idle cores; peer pool: "
          f"{best[labels[0]] / best[labels[1]]:.2f}x; this machine's ceiling: {ceiling:.2f}x, two processes of "
          f"pure arithmetic; so {t1 / t2 / ceiling:.0%} of what it gives)")
    print(f"speed-up 1 -> 2 workers, CPU:    {cpu1 / (cpu2 / 2):.2f}x   (1 worker's CPU over half the pool's, "
          f"workers and this process; peer pool: {peer1 / (peer2 / 2):.2f}x)")
    overhead = statistics.median(inside)
    print(f"framework overhead, 1 worker:    {100 * (t1 - min(inside)) / min(inside):.1f}% of the time inside the "
          f"study ({1000 * (t1 - min(inside)) / n:.2f} ms per run; target < 5%)")
    print(f"framework overhead, pool of 2:   {100 * (t2 - best[labels[1]]) / best[labels[1]]:+.1f}% wall and "
          f"{100 * (cpu2 - peer2) / peer2:+.1f}% CPU against the peer pool; this process's share: "
          f"{1000 * statistics.median(parent) / n:.2f} ms CPU per run (forking, sending, receiving)")
    print(f"writing the result folder:       {t_write:.2f} s once ({100 * t_write / overhead:.1f}% of the runs' time)")
    print(f"load average after: {os.getloadavg()[0]:.2f} (wall figures need it below ~0.5 to mean anything)")
    return 0
