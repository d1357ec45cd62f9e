"""Plans of many batches (the greedy serial schedule, CP-SAT window by window), per-unit times and maintenance
windows (scenarios.scheduling.greedy / .horizon / .plan).

References: every rule checked operation by operation on random instances (the greedy plan must keep them all);
brute-force enumeration of unit assignments and sequences on small instances; hand schedules.
"""
import itertools
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.scheduling.__main__ import four_weeks
from scenarios.scheduling import horizon
from scenarios.scheduling.execute import Execution
from scenarios.scheduling.greedy import Staff, fits, greedy, outside
from scenarios.scheduling.plan import HOUR, Batch, PlanError, Problem, Step, batch_count, solve

WEIGHTS = {"makespan": 1.0, "tardiness": 0.0, "major_cleans": 0.0}
CERTAIN = {"duration_cv": 0.0, "mtbf": None, "mttr": None}


def check_rules(plan):
    """check_plan, plus per-unit times, closed windows and operators on shift."""
    check_plan_times(plan)
    p = plan.problem
    ops = [op for ops in plan.operations for op in ops]
    for op in ops:
        tail = min(p.cleaning[p.batches[op.batch].product].values())
        assert all(op.end + tail <= lo or op.start >= hi for lo, hi in p.closed.get(op.unit, ()))
    if p.operators is not None:
        need = {(op.batch, op.step): p.recipes[p.batches[op.batch].product][op.step].operators for op in ops}
        for t in {op.start for op in ops}:
            assert sum(need[op.batch, op.step] for op in ops if op.start <= t < op.end) <= p.operators


def check_plan_times(plan):
    """check_plan with each unit's own time."""
    p = plan.problem
    for batch, ops in zip(p.batches, plan.operations):
        recipe = p.recipes[batch.product]
        assert ops[0].start >= batch.release
        for k, (op, step) in enumerate(zip(ops, recipe)):
            assert op.unit in step.units and op.end - op.start == step.time_on(op.unit)
            if k:
                assert op.start >= ops[k - 1].end
                if recipe[k - 1].hold is not None:
                    assert op.start - ops[k - 1].end <= recipe[k - 1].hold
    for sequence in plan.sequences().values():
        for a, b in zip(sequence, sequence[1:]):
            assert b.start >= a.end + p.cleaning[p.batches[a.batch].product][p.batches[b.batch].product]


@st.composite
def problems(draw):
    """Two products through 2-3 steps on 1-2 units each, holds, closed windows, operators, per-unit times."""
    units = {"mix": ("MX-1", "MX-2"), "press": ("TP-1", "TP-2"), "pack": ("PK-1",)}
    recipes = {}
    for p in ("A", "B"):
        steps = []
        for name in draw(st.sampled_from([("mix", "press", "pack"), ("press", "pack"), ("mix", "pack")])):
            time = draw(st.integers(1, 8))
            times = {units[name][-1]: draw(st.integers(1, 8))} if len(units[name]) > 1 and draw(st.booleans()) else {}
            steps.append(Step(name, units[name], time, draw(st.sampled_from([None, 0, 2, 5])),
                              draw(st.integers(0, 1)), times))
        recipes[p] = steps
    cleaning = {a: {b: draw(st.integers(0, 2)) if a == b else draw(st.integers(1, 6)) for b in "AB"} for a in "AB"}
    batches = [Batch(i, draw(st.sampled_from("AB")), draw(st.integers(0, 10)), 10**6)
               for i in range(draw(st.integers(1, 6)))]
    closed = {u: ((lo, lo + draw(st.integers(1, 6))),) for u in ("TP-1", "PK-1")
              for lo in [draw(st.integers(0, 30))]}
    return Problem(recipes, batches, cleaning, 10**6, WEIGHTS, draw(st.sampled_from([None, 1, 2])), (), closed)


@settings(max_examples=60, deadline=None)
@given(problems())
def test_the_greedy_plan_keeps_every_rule(problem):
    plan = greedy(problem)
    check_rules(plan)
    execution = Execution(plan, CERTAIN, "shift_right", np.random.SeedSequence(0))
    execution.run()   # and the twin reproduces it exactly
    assert all(execution.actual[op.batch, op.step] == (op.unit, op.start, op.end)
               for ops in plan.operations for op in ops)


@settings(max_examples=15, deadline=None)
@given(problems())
def test_cp_sat_keeps_every_rule_and_never_does_worse_than_greedy(problem):
    plan = solve(problem, hint=greedy(problem))
    check_rules(plan)
    assert plan.score() == plan.objective <= greedy(problem).score()


def test_staff_waits_until_enough_operators_are_free():
    staff = Staff(2)
    staff.add(0, 10, 1)
    staff.add(5, 20, 1)
    assert staff.earliest(0, 4, 1) == 0          # one free on [0, 4)
    assert staff.earliest(0, 8, 1) == 10         # [0, 8) would meet both from 5 on
    assert staff.earliest(12, 3, 2) == 20
    assert Staff(None).earliest(3, 100, 5) == 3


def test_outside_skips_closed_windows():
    assert outside(0, 5, [(3, 8)]) == 8 and outside(0, 3, [(3, 8)]) == 0
    assert outside(9, 4, [(3, 8), (10, 12), (14, 20)]) == 20


def test_a_faster_unit_is_chosen_and_its_time_planned():
    """Per-unit time: TP-2 presses in 3 h what TP-1 does in 5 h. Two batches: one on each, makespan 5 h; three:
    TP-2 takes two (6 h), the optimum by enumeration of assignments."""
    step = Step("press", ("TP-1", "TP-2"), 5 * HOUR, times={"TP-2": 3 * HOUR})
    for n, best in ((2, 5), (3, 6)):
        problem = Problem({"X": [step]}, [Batch(i, "X", 0, 10**6) for i in range(n)], {"X": {"X": 0}}, 10**6, WEIGHTS)
        brute = min(max(sum(5 if u == "TP-1" else 3 for u in units if u == unit) for unit in ("TP-1", "TP-2"))
                    for units in itertools.product(("TP-1", "TP-2"), repeat=n))
        plan = solve(problem)
        check_rules(plan)
        assert plan.optimal and plan.makespan == best * HOUR == brute * HOUR


def test_maintenance_window_is_planned_around():
    """A 4 h press with a 1 h clean and maintenance from 6 h to 10 h: batch 1 cannot run 5-9 h (it would meet the
    window), so it waits until 10 h; the plan ends at 14 h (hand schedule: 0-4, clean, 10-14)."""
    problem = Problem({"X": [Step("press", ("TP",), 4 * HOUR)]}, [Batch(0, "X", 0, 10**6)] * 2,
                      {"X": {"X": HOUR}}, 10**6, WEIGHTS, closed={"TP": ((6 * HOUR, 10 * HOUR),)})
    for plan in (solve(problem), greedy(problem)):
        check_rules(plan)
        assert [op.start / HOUR for ops in plan.operations for op in ops] == [0, 10]
    run = Execution(solve(problem), CERTAIN, "shift_right", np.random.SeedSequence(0)).run()
    assert run.kpis["makespan"] == 14 * HOUR and run.kpis["utilisation.down"] == pytest.approx(4 / 14)


def test_windows_keep_every_rule_and_track_the_greedy_plan():
    """20 batches of the benchmark, windows of 5: each window continues from the last; the plan is valid, no worse
    than greedy, its bound below it."""
    problem = four_weeks(20)
    rough = greedy(problem)
    plan = horizon.plan(problem, 0.4, window=5)
    check_rules(plan)
    assert fits(plan) and plan.objective == plan.score() <= rough.score()
    assert 0 < plan.bound <= plan.objective and 0 <= plan.gap < 1
    execution = Execution(plan, CERTAIN, "shift_right", np.random.SeedSequence(0))
    execution.run()   # the windows join up: the twin reproduces the whole plan
    assert all(execution.actual[op.batch, op.step] == (op.unit, op.start, op.end)
               for ops in plan.operations for op in ops)


def test_lower_bound_holds_below_proven_optima():
    for seed in range(3):
        rng = np.random.default_rng(seed)
        recipes = {p: [Step("mix", ("M1", "M2"), int(rng.integers(1, 5)) * HOUR),
                       Step("press", ("TP",), int(rng.integers(1, 5)) * HOUR)] for p in "AB"}
        batches = [Batch(i, str(rng.choice(["A", "B"])), int(rng.integers(0, 5)) * HOUR, 6 * HOUR)
                   for i in range(4)]
        cleaning = {a: {b: 0 if a == b else HOUR for b in "AB"} for a in "AB"}
        problem = Problem(recipes, batches, cleaning, 10**6, {"makespan": 1, "tardiness": 1, "major_cleans": 1})
        plan = solve(problem)
        assert plan.optimal and horizon.lower_bound(problem) <= plan.objective


def test_orders_as_quantities_make_whole_batches():
    products = {"X": {"batch_size": 400.0}}
    assert batch_count({"product": "X", "quantity": 1000.0}, products) == 3
    assert batch_count({"product": "X", "quantity": 800.0}, products) == 2
    assert batch_count({"product": "X", "batches": 5, "quantity": None}, products) == 5


def test_lower_bound_counts_the_product_changes_a_unit_cannot_avoid():
    """Three products through one press: at least two major cleans; through three presses: none needed.
    The makespan part: 3 x 1 h of work on one press, or 1 h on three."""
    weights = {"makespan": 1.0, "tardiness": 0.0, "major_cleans": 1.0}
    cleaning = {a: {b: 0 if a == b else HOUR for b in "ABC"} for a in "ABC"}
    for units, changes, span in ((("TP",), 2, 3), (("TP-1", "TP-2", "TP-3"), 0, 1)):
        recipes = {p: [Step("press", units, HOUR)] for p in "ABC"}
        problem = Problem(recipes, [Batch(i, p, 0, 10**6) for i, p in enumerate("ABC")], cleaning, 10**6, weights)
        assert horizon.lower_bound(problem) == 100 * span * HOUR + 100 * HOUR * changes
        plan = solve(problem)
        assert plan.optimal and plan.major_cleans() == changes and plan.objective >= horizon.lower_bound(problem)


def test_an_infeasible_plan_names_the_rule_that_makes_it_so():
    """One batch, 2 h on M1 then straight (hold 0) 2 h on M2, within 6 h; both units closed 2-4 h. Without the hold:
    M1 0-2 h, M2 4-6 h. With it, M2 must follow at once: 0-2/2-4 meets the window, 4-6/6-8 the horizon."""
    recipes = {"X": [Step("mix", ("M1",), 2 * HOUR, hold=0), Step("press", ("M2",), 2 * HOUR)]}
    closed = {u: ((2 * HOUR, 4 * HOUR),) for u in ("M1", "M2")}
    problem = Problem(recipes, [Batch(0, "X", 0, 6 * HOUR)], {"X": {"X": 0}}, 6 * HOUR, WEIGHTS, closed=closed)
    with pytest.raises(PlanError, match=r"no plan keeps the hold-time limits \(X: mix 0 h\)"):
        solve(problem)
    plan = solve(replace(problem, recipes={"X": [replace(s, hold=None) for s in recipes["X"]]}))
    assert [op.start / HOUR for op in plan.operations[0]] == [0, 4]
