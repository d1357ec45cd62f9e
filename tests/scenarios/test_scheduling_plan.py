"""The CP-SAT production plan and its execution in the DES twin (scenarios.scheduling.plan / .execute).

References: Johnson's rule (S.M. Johnson, Naval Res. Logist. Q. 1, 1954) for the two-machine flow shop; brute-force
enumeration of every sequence for sequence-dependent cleaning and for hold time zero (no-wait flow shop); the mean
of a compound Poisson sum for breakdowns (failures during W hours of work ~ Poisson(W / mtbf), each a repair of
mean mttr).
"""
import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scenarios.scheduling.execute import Execution
from scenarios.scheduling.plan import HOUR, Batch, PlanError, Problem, Start, Step, solve

WEIGHTS = {"makespan": 1.0, "tardiness": 0.0, "major_cleans": 0.0}
CERTAIN = {"duration_cv": 0.0, "mtbf": None, "mttr": None}


def flow_shop(times, hold=None, horizon=10**6):
    """Batch i is product 'P<i>' with two steps: time a_i on M1, then b_i on M2; no cleaning."""
    recipes = {f"P{i}": [Step("first", ("M1",), a, hold), Step("second", ("M2",), b)] for i, (a, b) in enumerate(times)}
    zero = {p: dict.fromkeys(recipes, 0) for p in recipes}
    return Problem(recipes, [Batch(i, f"P{i}", 0, horizon) for i in range(len(times))], zero, horizon, WEIGHTS)


def check_plan(plan):
    """Each step on an eligible unit, in recipe order, after release, within hold times; units never overlap and
    clean between batches for the matrix's time."""
    p = plan.problem
    for batch, ops in zip(p.batches, plan.operations):
        recipe = p.recipes[batch.product]
        assert ops[0].start >= batch.release
        for k, (op, step) in enumerate(zip(ops, recipe)):
            assert op.unit in step.units and op.end - op.start == step.time
            if k:
                assert op.start >= ops[k - 1].end
                if recipe[k - 1].hold is not None:
                    assert op.start - ops[k - 1].end <= recipe[k - 1].hold
    for sequence in plan.sequences().values():
        for a, b in zip(sequence, sequence[1:]):
            clean = p.cleaning[p.batches[a.batch].product][p.batches[b.batch].product]
            assert b.start >= a.end + clean


def johnson(times):
    first = sorted((i for i, (a, b) in enumerate(times) if a < b), key=lambda i: times[i][0])
    last = sorted((i for i, (a, b) in enumerate(times) if a >= b), key=lambda i: -times[i][1])
    m1 = m2 = 0
    for i in first + last:
        m1 += times[i][0]
        m2 = max(m2, m1) + times[i][1]
    return m2


times_lists = st.lists(st.tuples(st.integers(1, 20), st.integers(1, 20)), min_size=2, max_size=6)


@settings(max_examples=10, deadline=None)
@given(times_lists)
def test_two_machine_flow_shop_matches_johnsons_rule(times):
    plan = solve(flow_shop(times))
    check_plan(plan)
    assert plan.optimal and plan.makespan == johnson(times)


@settings(max_examples=10, deadline=None)
@given(times_lists)
def test_hold_time_zero_is_the_no_wait_flow_shop(times):
    def no_wait(order):
        m1 = m2 = 0
        for i in order:
            a, b = times[i]
            start = max(m1, m2 - a)          # the batch must go straight from M1 to M2
            m1, m2 = start + a, start + a + b
        return m2
    plan = solve(flow_shop(times, hold=0))
    check_plan(plan)
    assert plan.optimal and plan.makespan == min(map(no_wait, itertools.permutations(range(len(times)))))


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_sequence_dependent_cleaning_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    products = ["A", "B", "C"]
    recipes = {p: [Step("press", ("TP",), int(rng.integers(1, 10)))] for p in products}
    cleaning = {a: {b: int(rng.integers(0, 3) if a == b else rng.integers(2, 12)) for b in products} for a in products}
    batches = [Batch(i, str(p), 0, 10**6) for i, p in enumerate(rng.choice(products, 5))]
    plan = solve(Problem(recipes, batches, cleaning, 10**6, WEIGHTS))
    check_plan(plan)

    def makespan(order):
        work = sum(recipes[batches[i].product][0].time for i in order)
        return work + sum(cleaning[batches[i].product][batches[j].product] for i, j in zip(order, order[1:]))
    assert plan.optimal and plan.makespan == min(map(makespan, itertools.permutations(range(5))))


def pharma():
    """Two products on parallel units with hold times, cleaning, releases and due dates."""
    recipes = {
        "X": [Step("granulation", ("GR-1", "GR-2"), 3 * HOUR, hold=2 * HOUR), Step("drying", ("FBD-1",), 4 * HOUR),
              Step("packaging", ("PK-1", "PK-2"), 5 * HOUR)],
        "Y": [Step("granulation", ("GR-1", "GR-2"), 2 * HOUR, hold=1 * HOUR), Step("drying", ("FBD-1",), 3 * HOUR),
              Step("packaging", ("PK-1", "PK-2"), 6 * HOUR)],
    }
    cleaning = {"X": {"X": 1800, "Y": 4 * HOUR}, "Y": {"X": 3 * HOUR, "Y": 1800}}
    batches = [Batch(0, "X", 0, 30 * HOUR), Batch(0, "X", 0, 30 * HOUR), Batch(1, "Y", 5 * HOUR, 40 * HOUR, 2.0),
               Batch(1, "Y", 5 * HOUR, 40 * HOUR, 2.0), Batch(2, "X", 10 * HOUR, 60 * HOUR)]
    weights = {"makespan": 1.0, "tardiness": 1.0, "major_cleans": 1.0}
    return Problem(recipes, batches, cleaning, 200 * HOUR, weights)


def test_pharma_plan_keeps_every_rule():
    plan = solve(pharma())
    check_plan(plan)
    assert plan.optimal and plan.bound == plan.objective


def test_planned_times_reproduce_the_plan_exactly():
    plan = solve(pharma())
    execution = Execution(plan, CERTAIN, "shift_right", np.random.SeedSequence(1))
    run = execution.run()
    for ops in plan.operations:
        for op in ops:
            assert execution.actual[op.batch, op.step] == (op.unit, op.start, op.end)
    assert run.kpis["makespan"] == run.kpis["plan.makespan"] == plan.makespan
    assert run.kpis["hold_violations"] == 0 and run.kpis["utilisation.down"] == 0
    units = {u for recipe in plan.problem.recipes.values() for step in recipe for u in step.units}
    work = sum(op.end - op.start for ops in plan.operations for op in ops)
    sequences = plan.sequences().values()
    cleaning = sum(plan.problem.cleaning[plan.problem.batches[a.batch].product][plan.problem.batches[b.batch].product]
                   for seq in sequences for a, b in zip(seq, seq[1:]))
    assert run.kpis["utilisation.busy"] == pytest.approx(work / (plan.makespan * len(units)))
    assert run.kpis["utilisation.cleaning"] == pytest.approx(cleaning / (plan.makespan * len(units)))
    assert run.kpis["utilisation.idle"] == pytest.approx(1 - (work + cleaning) / (plan.makespan * len(units)))


def chain(n=4, time=10 * HOUR, clean=HOUR):
    recipes = {"X": [Step("press", ("TP",), time)]}
    return Problem(recipes, [Batch(0, "X", 0, 10**6)] * n, {"X": {"X": clean}}, 10**6, WEIGHTS)


def test_breakdowns_add_the_expected_repair_time():
    """4 batches of 10 h and 1 h cleans: 43 h, plus 40 h / mtbf 50 h = 0.8 failures of mean 5 h: 47 h on average."""
    plan = solve(chain())
    uncertain = {"duration_cv": 0.0, "mtbf": 50 * HOUR, "mttr": 5 * HOUR}
    seeds = np.random.SeedSequence(7).spawn(3000)
    spans = np.array([Execution(plan, uncertain, "shift_right", s).run().kpis["makespan"] for s in seeds]) / HOUR
    assert plan.makespan == 43 * HOUR
    sd = math.sqrt(0.8 * 2 * 5**2)   # compound Poisson: variance = rate x E[repair^2]
    assert abs(spans.mean() - 47) < 4 * sd / math.sqrt(len(spans))
    assert spans.min() >= 43


def test_random_durations_keep_their_mean_under_dispatching():
    """One unit never waiting: the makespan is the sum of the durations (mean 40 h) plus three 1 h cleans."""
    plan = solve(chain())
    seeds = np.random.SeedSequence(8).spawn(2000)
    runs = [Execution(plan, {**CERTAIN, "duration_cv": 0.3}, "dispatch", s).run().kpis for s in seeds]
    spans = np.array([r["makespan"] for r in runs]) / HOUR
    sd = math.sqrt(4) * 0.3 * 10
    assert abs(spans.mean() - 43) < 4 * sd / math.sqrt(len(spans))
    assert spans.std() == pytest.approx(sd, rel=0.1)


def test_dispatching_takes_the_batch_due_first():
    recipes = {"X": [Step("press", ("TP",), 2 * HOUR)]}
    batches = [Batch(0, "X", 0, 30 * HOUR), Batch(1, "X", 0, 5 * HOUR), Batch(2, "X", 0, 2 * HOUR)]
    plan = solve(Problem(recipes, batches, {"X": {"X": 0}}, 10**6, WEIGHTS))
    execution = Execution(plan, CERTAIN, "dispatch", np.random.SeedSequence(1))
    run = execution.run()
    assert [execution.actual[b, 0][1] / HOUR for b in range(3)] == [4, 2, 0]
    assert run.kpis["on_time"] == 1 and run.kpis["makespan"] == 6 * HOUR


def test_orders_that_cannot_fit_say_why():
    problem = flow_shop([(5, 5), (5, 5), (5, 5)], horizon=16)
    with pytest.raises(PlanError, match="M1 have 15 h|do not fit in the horizon"):
        solve(problem)


def test_a_dispatching_hint_leads_to_the_same_optimum():
    problem = pharma()
    rule = Execution(problem, CERTAIN, "dispatch", np.random.SeedSequence(0))
    rule.run()
    hint = rule.operations()
    assert [op.step for op in hint[0]] == [0, 1, 2] and hint[0][1].start >= hint[0][0].end
    with_hint, without = solve(problem, hint=hint), solve(problem)
    check_plan(with_hint)
    assert with_hint.optimal and without.optimal and with_hint.objective == without.objective


def staffed(operators):
    """Six 2 h batches on three parallel presses, each needing one operator."""
    recipes = {"X": [Step("press", ("TP-1", "TP-2", "TP-3"), 2 * HOUR, operators=1)]}
    return Problem(recipes, [Batch(i, "X", 0, 10**6) for i in range(6)], {"X": {"X": 0}}, 10**6, WEIGHTS, operators)


@pytest.mark.parametrize(("operators", "hours"), [(None, 4), (3, 4), (2, 6), (1, 12)])
def test_operators_limit_how_much_runs_at_once(operators, hours):
    """With c operators the six batches need ceil(6 / min(c, 3)) rounds of 2 h."""
    plan = solve(staffed(operators))
    check_plan(plan)
    assert plan.optimal and plan.makespan == hours * HOUR
    execution = Execution(plan, CERTAIN, "shift_right", np.random.SeedSequence(0))
    execution.run()
    assert all(execution.actual[op.batch, op.step] == (op.unit, op.start, op.end)
               for ops in plan.operations for op in ops)
    dispatched = Execution(plan.problem, CERTAIN, "dispatch", np.random.SeedSequence(0)).run()
    assert dispatched.kpis["makespan"] == hours * HOUR


def test_a_replan_later_than_a_step_can_finish_is_a_plan_error():
    """A replan late in a run (found with `policy: replan` and a tiny mtbf): a 10 h step that can start only at 40 h
    of a 48 h horizon. It was an invalid CP-SAT model (RuntimeError: the step's end had an empty domain); a
    PlanError lets the running plan stand, as Execution.replan does for any plan it cannot better."""
    problem = Problem({"X": [Step("press", ("TP-401",), 10 * HOUR)]}, [Batch(0, "X", 0, 10**6)],
                      {"X": {"X": 0}}, 48 * HOUR, {**WEIGHTS, "lab": 0.0})
    with pytest.raises(PlanError, match="cannot finish step press by the horizon"):
        solve(problem, 1.0, start=Start(now=40 * HOUR))


def test_why_no_plan_fits_is_searched_within_the_plan_s_time_limit(monkeypatch):
    """Two 10 h steps on two presses, one operator, a 15 h horizon: no plan, and without the operator limit one.
    Each relaxation was searched for 2 deterministic seconds whatever the plan's own limit (a scenario held to 0.1 s
    of CP-SAT spent 8 s on its answer, found by the scheduling property test); now for at most the plan's limit."""
    from scenarios.scheduling import horizon, plan

    asked = []
    feasible = plan.feasible
    monkeypatch.setattr(plan, "feasible", lambda problem, limit=2.0: asked.append(limit) or feasible(problem, limit))
    problem = Problem({"X": [Step("press", ("TP-401", "TP-402"), 10 * HOUR, operators=1)]},
                      [Batch(0, "X", 0, 10**6), Batch(1, "X", 0, 10**6)], {"X": {"X": 0}}, 15 * HOUR,
                      {**WEIGHTS, "lab": 0.0}, operators=1)
    with pytest.raises(PlanError, match="no plan keeps the operators on shift"):
        horizon.plan(problem, 0.1)
    assert asked and max(asked) <= 0.1
