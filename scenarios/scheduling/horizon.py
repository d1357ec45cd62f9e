"""Plans of many batches, and plans made again: CP-SAT window by window (a rolling horizon over the releases).

:func:`plan` cuts the batches, in order of release, into windows of ``window`` batches. Each window is planned by
CP-SAT once the windows before it are fixed (its units continue from where those leave them), starting from the
greedy schedule of the window (:mod:`~scenarios.scheduling.greedy`), for its share of the time limit; if CP-SAT finds
nothing in that time the greedy schedule stands. The same function re-plans from the shop floor's state (a
:class:`~scenarios.scheduling.plan.Start`: what is done or under way stays, the rest is planned again).

A windowed plan is not proven optimal; its gap is measured against :func:`lower_bound`, a bound that holds for any
plan: no batch is released before its fastest route (and its longest lab test) is over, no group of
interchangeable units finishes its work sooner than shared out evenly between them, and a group of u units through
which p products pass changes product at least p - u times.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from scenarios.scheduling.greedy import fits, greedy
from scenarios.scheduling.plan import HOUR, SCRATCH, Plan, PlanError, Problem, Start, infeasible_reason, solve


def plan(problem: Problem, time_limit: float = 10.0, workers: int = 1, window: int = 20, wall_clock: bool = False,
         start: Start = SCRATCH, batches: Sequence[int] | None = None, seed: int = 0,
         progress: Callable[[int], None] | None = None) -> Plan:
    """The plan of ``batches`` (default: every batch not done in ``start``), ``window`` batches at a time, in
    ``time_limit`` seconds shared out by batches (deterministic seconds of search, or if ``wall_clock`` seconds
    on the clock, model building included); ``progress(n)`` is called as each window of ``n`` is planned."""
    done = {op.batch for op in start.fixed if op.step == len(problem.recipes[problem.batches[op.batch].product]) - 1}
    if problem.tests:
        done = {b for b in done if sum(t.batch == b for t in start.tests) == len(problem.tests)}
    todo = [b for b in (range(len(problem.batches)) if batches is None else batches) if b not in done]
    order = problem.batches
    todo.sort(key=lambda b: (order[b].release, order[b].due, -order[b].priority, b))
    fixed, tests = list(start.fixed), list(start.tests)
    result, windows = None, [todo[i:i + window] for i in range(0, len(todo), window)]
    deadline, left = time.perf_counter() + time_limit, len(todo)
    for part in windows:
        here = Start(start.now, tuple(fixed), tuple(tests))
        rough = greedy(problem, here, part)
        share = ((deadline - time.perf_counter()) / left if wall_clock else time_limit / len(todo)) * len(part)
        left -= len(part)
        try:
            result = solve(problem, max(share, 0.05), workers, seed, rough, wall_clock, here, part)
        except PlanError:
            if not fits(rough, part):
                raise PlanError(infeasible_reason(problem, time_limit)) from None
            result = rough
        fixed += [op for b in part for op in result.operations[b] if op not in start.fixed]
        tests += [t for b in part for t in (result.tests[b] if result.tests else ()) if t not in start.tests]
        if progress:
            progress(len(part))
    if result is None:
        raise PlanError("nothing to plan: every batch is done")
    whole = Plan(problem, result.operations, 0.0, 0.0, False, result.tests)
    score = whole.score()
    if len(windows) == 1 and not start.fixed and result.objective == score:   # one CP-SAT model said it all
        return result
    return Plan(problem, result.operations, score, min(score, lower_bound(problem)), False, result.tests)


def lower_bound(problem: Problem) -> float:
    """A bound on the objective of any plan (in :meth:`Plan.score`'s units): each batch alone on its fastest route
    and lab, each group of interchangeable units sharing its work evenly from the first release, and changing product
    no fewer times than it has products beyond its units (groups sharing a unit with another are left out)."""
    w, lab = problem.weights, max((t.time for t in problem.tests), default=0)
    finish, made = [], []
    for batch in problem.batches:
        route = sum(s.fastest for s in problem.recipes[batch.product])
        made.append(batch.release + route)
        finish.append(batch.release + route + lab)
    makespan = max(made)
    work: dict[tuple[str, ...], list[int]] = {}
    for batch in problem.batches:
        recipe = problem.recipes[batch.product]
        for k, step in enumerate(recipe):
            head = batch.release + sum(s.fastest for s in recipe[:k])
            tail = sum(s.fastest for s in recipe[k + 1:])
            work.setdefault(step.units, []).append((head, step.fastest, tail))
    for units, jobs in work.items():
        makespan = max(makespan, min(h for h, _, _ in jobs) + -(-sum(d for _, d, _ in jobs) // len(units))
                       + min(t for _, _, t in jobs))
    late = sum(round(100 * w["tardiness"] * b.priority) * max(0, f - b.due) for b, f in zip(problem.batches, finish))
    groups: dict[tuple[str, ...], set[str]] = {}   # products through each group of interchangeable units
    for batch in problem.batches:
        for step in problem.recipes[batch.product]:
            groups.setdefault(step.units, set()).add(batch.product)
    shared = {u for units in groups for u in units if sum(u in g for g in groups) > 1}
    majors = sum(max(0, len(products) - len(units)) for units, products in groups.items() if not set(units) & shared)
    lab_term = round(100 * w.get("lab", 0.0)) * sum(finish) if problem.tests else 0
    return round(100 * w["makespan"]) * makespan + late + lab_term + round(100 * w["major_cleans"] * HOUR) * majors
