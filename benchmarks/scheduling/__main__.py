"""Scheduling benchmark: 4-week plans on ``multipurpose_osd`` (the products, recipes and cleaning matrix of
``scenarios/scheduling/multipurpose_osd.yaml`` in half-size batches, compression on all three presses, 8 operators
on shift; 17 units) of 40 and 200 batches; then the largest plan executed with random times and breakdowns,
replication after replication, on ``twin.des`` and on SimPy in the same run (the same model code, only the DES
module differs; the same seeds, so both make the same KPIs).

For each size it prints the model size; the first feasible plan (the greedy serial schedule) with its time and
objective; and for each time limit the plan CP-SAT makes window by window (a rolling horizon over the releases) with
its wall-clock time, objective and gap to a lower bound. Then the execution's CPU time per replication on each engine
with the ratio SimPy / twin.des. Exit status 1 if a plan misses its time limit by more than 20 %.
"""
from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import simpy
from tqdm import tqdm

import twin.des
from scenarios import scenario
from scenarios.scheduling import horizon, problem_of
from scenarios.scheduling.execute import Execution
from scenarios.scheduling.greedy import greedy
from scenarios.scheduling.plan import HOUR, Batch, Problem

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "scheduling" / "multipurpose_osd.yaml"
DAY = 86400
PRESSES = ("TP-401", "TP-402", "TP-403")


def four_weeks(batches: int, seed: int = 1) -> Problem:
    """The example's products in half-size batches (every step half as long) with ``batches`` batches in orders of
    2-5, released over 3 weeks, due 7-10 d later; 28 d horizon."""
    base = problem_of(scenario.load(SCENARIO).variants["base"])
    recipes = {p: [replace(s, time=s.time // 2, units=PRESSES if s.name == "compression" else s.units)
                   for s in recipe] for p, recipe in base.recipes.items()}
    rng = np.random.default_rng(seed)
    products, out, order = list(recipes), [], 0
    while len(out) < batches:
        product, size = products[rng.integers(len(products))], int(rng.integers(2, 6))
        release = int(rng.integers(0, 21)) * DAY
        due = release + int(rng.integers(7, 11)) * DAY
        out += [Batch(order, product, release, due)] * min(size, batches - len(out))
        order += 1
    out.sort(key=lambda b: (b.release, b.order))
    return Problem(recipes, out, base.cleaning, 28 * DAY, base.weights, operators=8)


def execute(plan, policy, engine, replications: int, uncertainty) -> tuple[float, list[float]]:
    seeds = np.random.SeedSequence(20261125).spawn(replications)
    start = time.process_time()
    spans = [Execution(plan, uncertainty, policy, s, des=engine).run().kpis["makespan"] for s in seeds]
    return (time.process_time() - start) / replications, spans


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scheduling", description=__doc__.split("\n\n")[0],
                                     epilog="example: python -m benchmarks.scheduling --batches 40 200 --limits 10 60 "
                                            "--replications 100")
    parser.add_argument("--batches", type=int, nargs="+", default=[40, 200], help="batches in the 4 weeks "
                        "(default: 40 200)")
    parser.add_argument("--limits", type=float, nargs="+", default=[10.0, 60.0], help="wall-clock seconds of each "
                        "plan (default: 10 60)")
    parser.add_argument("--window", type=int, default=20, help="batches per CP-SAT window (default: 20)")
    parser.add_argument("--replications", type=int, default=100, help="executions per engine (default: 100)")
    parser.add_argument("--workers", type=int, default=2, help="CP-SAT workers (default: 2)")
    args = parser.parse_args(argv)
    if min(*args.batches, args.replications, args.window) < 1 or min(args.limits) <= 0:
        parser.error("--batches, --window and --replications must be >= 1, --limits positive")
    late = False
    for size in args.batches:
        problem = four_weeks(size)
        steps = sum(len(problem.recipes[b.product]) for b in problem.batches)
        print(f"{size} batches, {steps} operations, {len(problem.units())} units, 28 d horizon")
        start = time.perf_counter()
        rough = greedy(problem)
        print(f"  first feasible plan (greedy serial schedule) in {time.perf_counter() - start:.2f} s: "
              f"objective {rough.score():.4g}, makespan {rough.makespan / HOUR:.1f} h, on time "
              f"{rough.kpis()['on_time']:.0%}, {rough.major_cleans()} major cleans")
        for limit in args.limits:
            start = time.perf_counter()
            with tqdm(total=size, desc=f"  CP-SAT {limit:g} s", unit="batch", leave=False) as bar:
                plan = horizon.plan(problem, limit, args.workers, args.window, wall_clock=True, progress=bar.update)
            wall = time.perf_counter() - start
            late |= wall > 1.2 * limit
            kpis = plan.kpis()
            print(f"  CP-SAT {limit:g} s, windows of {args.window}: {wall:.1f} s wall, objective {plan.objective:.4g} "
                  f"({plan.objective / rough.score() - 1:+.1%} on greedy), gap {plan.gap:.1%}; makespan "
                  f"{kpis['makespan'] / HOUR:.1f} h, on time {kpis['on_time']:.0%}, "
                  f"{kpis['major_cleans']} major cleans")
    uncertainty = {"duration_cv": 0.15, "mtbf": 150 * HOUR, "mttr": 4 * HOUR}
    ours, our_spans = execute(plan, "shift_right", twin.des, args.replications, uncertainty)
    peer, peer_spans = execute(plan, "shift_right", simpy, args.replications, uncertainty)
    same = "same KPIs" if our_spans == peer_spans else "KPIs DIFFER"
    print(f"execution of the {len(plan.problem.batches)}-batch plan (shift right), {args.replications} replications: "
          f"twin.des {1000 * ours:.2f} ms, SimPy {1000 * peer:.2f} ms CPU per replication; ratio SimPy/twin.des "
          f"{peer / ours:.2f} ({same}; mean makespan {np.mean(our_spans) / HOUR:.1f} h)")
    return 1 if late else 0


if __name__ == "__main__":
    raise SystemExit(main())
