"""Scheduling benchmark: a 4-week plan on ``multipurpose_osd`` (the products, recipes and cleaning matrix of
``scenarios/scheduling/multipurpose_osd.yaml``, 17 units) with many batches, solved by CP-SAT; then the plan
executed with random times and breakdowns, replication after replication, on ``twin.des`` and on SimPy in the same
run (the same model code, only the DES module differs; the same seeds, so both make the same KPIs).

Prints the model size, whether a feasible plan came within the first time limit and its gap, the gap after the
second, and the execution's CPU time per replication on each engine with the ratio SimPy / twin.des (the plan
kept, shift right; if CP-SAT found none, the earliest-due-date dispatching rule, and exit status 1).
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import simpy

import twin.des
from scenarios import scenario
from scenarios.scheduling import problem_of
from scenarios.scheduling.execute import Execution
from scenarios.scheduling.plan import HOUR, Batch, Problem, solve

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "scheduling" / "multipurpose_osd.yaml"
DAY = 86400


def four_weeks(batches: int, seed: int = 1) -> Problem:
    """The example's recipes with ``batches`` batches in orders of 2-5, released over 3 weeks, due 7-10 d later."""
    base = problem_of(scenario.load(SCENARIO).variants["base"])
    rng = np.random.default_rng(seed)
    products, out, order = list(base.recipes), [], 0
    while len(out) < batches:
        product, size = products[rng.integers(len(products))], int(rng.integers(2, 6))
        release = int(rng.integers(0, 21)) * DAY
        due = release + int(rng.integers(7, 11)) * DAY
        out += [Batch(order, product, release, due)] * min(size, batches - len(out))
        order += 1
    out.sort(key=lambda b: (b.release, b.order))
    return Problem(base.recipes, out, base.cleaning, 28 * DAY, base.weights)


def execute(plan, policy, engine, replications: int, uncertainty) -> tuple[float, list[float]]:
    seeds = np.random.SeedSequence(20261125).spawn(replications)
    start = time.process_time()
    spans = [Execution(plan, uncertainty, policy, s, des=engine).run().kpis["makespan"] for s in seeds]
    return (time.process_time() - start) / replications, spans


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scheduling", description=__doc__.split("\n\n")[0],
                                     epilog="example: python -m benchmarks.scheduling --batches 200 --first 10 "
                                            "--then 60 --replications 100")
    parser.add_argument("--batches", type=int, default=200, help="batches in the 4 weeks (default: 200)")
    parser.add_argument("--first", type=float, default=10.0, help="seconds to the first report (default: 10)")
    parser.add_argument("--then", type=float, default=60.0, help="seconds of the long search (default: 60)")
    parser.add_argument("--replications", type=int, default=100, help="executions per engine (default: 100)")
    parser.add_argument("--workers", type=int, default=2, help="CP-SAT workers (default: 2)")
    args = parser.parse_args(argv)
    if min(args.batches, args.replications) < 1 or min(args.first, args.then) <= 0:
        parser.error("--batches and --replications must be >= 1, --first and --then positive")
    problem = four_weeks(args.batches)
    steps = sum(len(problem.recipes[b.product]) for b in problem.batches)
    units = {u for r in problem.recipes.values() for s in r for u in s.units}
    print(f"{len(problem.batches)} batches, {steps} operations, {len(units)} units, 28 d horizon")
    plans = {}
    for limit in (args.first, args.then):
        start = time.perf_counter()
        try:
            plans[limit] = plan = solve(problem, limit, args.workers, wall_clock=True)
        except ValueError as exc:
            print(f"CP-SAT {limit:g} s: no plan ({exc})")
            continue
        print(f"CP-SAT {limit:g} s (wall {time.perf_counter() - start:.1f} s incl. model building): makespan "
              f"{plan.makespan / HOUR:.1f} h, on time {plan.kpis()['on_time']:.0%}, gap {plan.gap:.1%}"
              f"{' (optimal)' if plan.optimal else ''}")
    # the best plan kept (shift right), or without one the earliest-due-date rule on the same model
    plan, policy = (plans[max(plans)], "shift_right") if plans else (problem, "dispatch")
    uncertainty = {"duration_cv": 0.15, "mtbf": 150 * HOUR, "mttr": 4 * HOUR}
    ours, our_spans = execute(plan, policy, twin.des, args.replications, uncertainty)
    peer, peer_spans = execute(plan, policy, simpy, args.replications, uncertainty)
    same = "same KPIs" if our_spans == peer_spans else "KPIs DIFFER"
    print(f"execution ({policy}), {args.replications} replications: twin.des {1000 * ours:.2f} ms, SimPy "
          f"{1000 * peer:.2f} ms CPU per replication; ratio SimPy/twin.des {peer / ours:.2f} ({same}; mean makespan "
          f"{np.mean(our_spans):.1f} h)")
    return 0 if plans else 1


if __name__ == "__main__":
    raise SystemExit(main())
