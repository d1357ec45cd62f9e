"""Safety benchmark: the barrier graph recomputed after one barrier changes, and accident paths sampled.

``python -m benchmarks.safety`` prints:

- recomputation of a bow-tie of ``--barriers`` barrier nodes (100 LOPA chains of 5 by default, 25 physical
  barriers each shared by 20 chains) after one barrier's PFD changes: the one-sweep evaluation of
  :class:`scenarios.safety.bowtie.BowTie` against the peer, networkx enumerating every threat-to-consequence path
  (``all_simple_paths``) and summing their products; ratio peer / ours. Target (issue 12): under 10 ms at 500.
- ``--paths`` Monte Carlo paths of the rarest api_bay scenario (runaway on loss of cooling), plain and with
  importance sampling: time, and the variance of the estimator over ``--repeat`` runs (variance ratio = how many
  times more plain paths would be needed for the same precision).
- ``--reactor-paths`` accident paths through the twin's reactor (``scenarios/safety/api_bay_paths.yaml``, the
  cooling loss), split into ``--replications`` tasks run by the scenario framework's process pool on each of
  ``--workers`` (several: the estimates must agree bit for bit), with importance sampling and plain: time, paths
  per second, CPU per path, the estimator's variance over the replications, and the variance-reduction ratio
  (plain / importance sampling; plain's variance also as the exact binomial one, since plain sampling of a rare
  event may see no hit at all).

The issue's benchmark, on two idle cores (about 2 x 15-20 min of CPU per 100,000 paths)::

    python -m benchmarks.safety --reactor-paths 100000 --workers 2 --replications 20
"""
from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import networkx as nx
import numpy as np

from scenarios.safety import lopa
from scenarios.safety.bowtie import BowTie
from scenarios.safety.montecarlo import estimate

LOPA = Path(__file__).resolve().parents[2] / "scenarios" / "safety" / "api_bay_lopa.yaml"
PATHS = LOPA.with_name("api_bay_paths.yaml")


def bowtie(barriers: int, per_chain: int = 5, shared: int = 20) -> BowTie:
    """``barriers / per_chain`` chains threat -> barriers -> consequence; physical barriers shared by ``shared``."""
    bt = BowTie()
    rng = np.random.default_rng(1)
    physical = max(1, barriers // shared)
    pfds = rng.choice([0.1, 0.01, 0.001], physical)
    for c in range(barriers // per_chain):
        chain = [f"T{c}"]
        bt.add_threat(chain[0], 0.1)
        for i in range(per_chain):
            b = int(rng.integers(physical))
            bt.add_barrier(f"C{c}/{i}", float(pfds[b]), barrier=f"B{b}")
            chain.append(f"C{c}/{i}")
        bt.add_consequence(f"C{c}", 1e-5)
        bt.link(*chain, f"C{c}")
    return bt


def by_paths(bt: BowTie) -> dict[str, float]:
    """The peer: every simple path enumerated by networkx, frequency times the PFDs along it."""
    g = bt.graph
    threats = [n for n, k in g.nodes(data="kind") if k == "threat"]
    out = {}
    for c in bt.consequences:
        out[c] = sum(g.nodes[p[0]]["frequency"] * math.prod(bt.pfd[g.nodes[n]["barrier"]] for n in p[1:-1])
                     for t in threats if nx.has_path(g, t, c) for p in nx.all_simple_paths(g, t, c))
    return out


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.safety", description=__doc__.split("\n\n")[0],
                                     epilog="example: python -m benchmarks.safety --barriers 500 --paths 100000")
    parser.add_argument("--barriers", type=int, default=500, help="barrier nodes in the bow-tie (default 500)")
    parser.add_argument("--paths", type=int, default=100_000, help="Monte Carlo paths per run (default 100,000)")
    parser.add_argument("--repeat", type=int, default=20, help="runs for timings and variances (default 20)")
    parser.add_argument("--reactor-paths", type=int, default=800,
                        help="accident paths through the twin's reactor, in all (default 800; 0 skips)")
    parser.add_argument("--replications", type=int, default=8, help="tasks the reactor paths are split into "
                        "(default 8)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="process-pool sizes to run the "
                        "reactor paths on (default: 1 2, which must agree bit for bit)")
    args = parser.parse_args(argv)
    if args.barriers < 5 or args.paths < 1 or args.repeat < 2 or args.replications < 2 or args.reactor_paths < 0:
        parser.error("--barriers must be at least 5, --paths at least 1, --repeat and --replications at least 2")
    if min(args.workers) < 1:
        parser.error("--workers: pool sizes of at least 1, e.g. --workers 2")

    bt = bowtie(args.barriers)
    state = iter(range(10**9))

    def recompute():
        bt.set_pfd("B0", 1.0 if next(state) % 2 else float(bt.nominal["B0"]))
        return bt.frequencies()

    recompute()  # the topological order, once
    ours, peer = best(recompute, args.repeat), best(lambda: by_paths(bt), max(2, args.repeat // 5))
    assert all(math.isclose(a, b, rel_tol=1e-12) for a, b in zip(bt.frequencies().values(), by_paths(bt).values(),
                                                                   strict=True))
    print(f"barrier graph, {args.barriers} barrier nodes, one state change: {ours * 1e3:.2f} ms "
          f"(networkx path enumeration {peer * 1e3:.1f} ms, ratio {peer / ours:.1f}); target < 10 ms")

    hazard = {h.name: h for h in lopa.load(LOPA).hazards}["runaway_cooling_loss"]
    exact = hazard.mitigated * lopa.YEAR
    print(f"Monte Carlo, {args.paths:,} paths of runaway_cooling_loss (exact {exact:.4g} /yr), {args.repeat} runs:")
    results = {}
    for label, bias in (("plain", None), ("importance sampling", 0.5)):
        seeds = iter(range(10**9))
        runs = []
        seconds = best(lambda bias=bias, runs=runs, seeds=seeds: runs.append(
            estimate(hazard, args.paths, np.random.default_rng(next(seeds)), bias=bias)), args.repeat)
        values = np.array([e.frequency for e in runs])
        results[label] = values.var(ddof=1)
        print(f"  {label:20s} {seconds * 1e3:8.1f} ms  mean {values.mean():.4g} /yr  variance {values.var(ddof=1):.3g}"
              f"  paths reaching the consequence {np.mean([e.hits for e in runs]):.1f}")
    # plain sampling is binomial: its variance is known exactly, even when no run saw a single path
    share = hazard.mitigated / hazard.frequency
    plain = (hazard.frequency * lopa.YEAR) ** 2 * share * (1 - share) / args.paths
    print(f"  variance of plain sampling (binomial, exact) {plain:.3g}; ratio to importance sampling "
          f"{plain / results['importance sampling']:.3g} (as many times more plain paths for the same precision)")
    if args.reactor_paths:
        reactor(args.reactor_paths, args.replications, args.workers)
    return 0


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the pool's workers), load-independent."""
    import resource

    return sum(resource.getrusage(who).ru_utime + resource.getrusage(who).ru_stime
               for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))


def reactor(paths: int, replications: int, workers: list[int]) -> None:
    """Accident paths of the cooling loss through the twin on the scenario framework's pool, with importance
    sampling and plain."""
    import dataclasses
    import os

    from scenarios.runs import tasks
    from scenarios.safety.model import accident_paths
    from scenarios.scenario import load
    from scenarios.sweep import run_tasks

    name = "runaway_cooling_loss"
    scenario = load(PATHS)
    per_task = max(2, paths // replications)
    task = next(iter(tasks(scenario, ["base"])))
    spec = task.params["accident_paths"]
    print(f"accident paths through the twin ({name}, api_bay_paths.yaml): {per_task * replications:,} paths in "
          f"{replications} tasks of {per_task}; {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
    variance, mean = {}, {}
    for label, bias in (("importance sampling", spec["bias"]), ("plain", None)):
        params = dict(task.params) | {"replications": replications, "accident_paths": {
            **spec, "paths": per_task, "bias": bias, "trip_limit": False,
            "scenarios": {name: spec["scenarios"][name]}}}
        todo = [dataclasses.replace(task, replication=r, params=params) for r in range(replications)]
        estimates = {}
        for pool in workers:
            start, cpu = time.perf_counter(), _cpu()
            outcomes = run_tasks(todo, workers=pool, progress=True)
            seconds, cpu = time.perf_counter() - start, _cpu() - cpu
            failed = [o for o in outcomes if not hasattr(o, "run")]
            if failed:
                raise SystemExit(f"a task failed: {failed[0]}\n{failed[0].traceback}")
            estimates[pool] = np.array([o.run.kpis[f"dyn_frequency.{name}"] for o in outcomes])
            hits = sum(o.run.kpis[f"dyn_top_events.{name}"] for o in outcomes)
            rate, per_path = per_task * replications / seconds, cpu / (per_task * replications)
            print(f"  {label:20s} {pool} worker{'s' if pool > 1 else ' '} {seconds:8.1f} s  {rate:6.1f} paths/s  "
                  f"CPU {per_path * 1e3:.1f} ms per path (100,000 paths on {pool} idle core"
                  f"{'s' if pool > 1 else ''}: {100_000 * per_path / pool / 60:.0f} min); {hits:.0f} paths reached "
                  "the MTT")
        first = estimates[workers[0]]
        assert all(np.array_equal(first, e) for e in estimates.values()), "the pool changed the estimates"
        variance[label], mean[label] = first.var(ddof=1), first.mean()
        print(f"  {label:20s} mean {first.mean():.3g} /yr (LOPA {outcomes[0].run.kpis[f'frequency.{name}']:.3g}), "
              f"variance over the {replications} tasks {variance[label]:.3g}")
    sampler = accident_paths(todo[0].params)[name]
    scale = sampler.hazard.frequency * lopa.YEAR * sampler.static  # 1/yr per unit probability of the simulated part
    share = mean["importance sampling"] / scale
    binomial = scale**2 * share * (1 - share) / per_task
    measured = variance["plain"] / variance["importance sampling"]
    print(f"  variance reduction (plain / importance sampling): measured {measured:.3g} (plain saw "
          f"{'no' if variance['plain'] == 0 else 'few'} hits: unreliable); plain's exact binomial variance "
          f"{binomial:.3g} (for the importance-sampling mean) gives {binomial / variance['importance sampling']:.3g}")


if __name__ == "__main__":
    raise SystemExit(main())
