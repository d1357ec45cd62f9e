"""The QC lab in the plan and in its execution, and re-planning at a breakdown (scenarios.scheduling).

References: brute-force enumeration of the lab's schedules (every order of the tests and every choice of analyst,
each placed as early as its resources allow: for a regular objective such as the sum of release times, the
semi-active schedules this generates hold an optimum; Kolisch, EJOR 90, 1996); the geometric number of runs of a
test retested with probability p (mean 1 / (1 - p)); a hand schedule of a breakdown under each policy.
"""
import itertools
import math
from dataclasses import replace

import numpy as np
import pytest

from scenarios.scenario import load
from scenarios.scheduling import plan_of
from scenarios.scheduling.execute import Execution
from scenarios.scheduling.greedy import greedy
from scenarios.scheduling.plan import HOUR, Batch, LabTest, Problem, Step, solve
from twin.cli import main
from twin.config import ConfigError

CERTAIN = {"duration_cv": 0.0, "mtbf": None, "mttr": None}
WEIGHTS = {"makespan": 10.0, "tardiness": 0.0, "major_cleans": 0.0, "lab": 1.0}   # packing never put off


def lab_problem(analysts, hplc=("HPLC-1",)):
    """Three batches packed one after another (2 h each, ends at 2, 4, 6 h); each needs an assay (HPLC, 3 h, 1 h of
    it hands-on) and a dissolution test (DT, 2 h, all hands-on). ``analysts``: who may run each test."""
    tests = (LabTest("assay", hplc, 3 * HOUR, analysts["assay"], HOUR),
             LabTest("dissolution", ("DT-1",), 2 * HOUR, analysts["dissolution"]))
    return Problem({"X": [Step("pack", ("PK",), 2 * HOUR)]}, [Batch(i, "X", 0, 10**6) for i in range(3)],
                   {"X": {"X": 0}}, 10**6, WEIGHTS, None, tests)


def brute_force_lead(problem):
    """The least total lab lead time over every order of the six tests and every choice of analyst."""
    made = [2 * HOUR, 4 * HOUR, 6 * HOUR]
    jobs = [(b, i) for b in range(3) for i in range(2)]
    choices = [problem.tests[i].analysts for _, i in jobs]
    best = math.inf
    for order in itertools.permutations(range(6)):
        for who in itertools.product(*choices):
            free: dict[str, int] = {}
            release = list(made)
            for j in order:
                b, i = jobs[j]
                test = problem.tests[i]
                start = max(made[b], free.get(test.instruments[0], 0), free.get(who[j], 0))
                free[test.instruments[0]] = start + test.time
                free[who[j]] = start + test.attended
                release[b] = max(release[b], start + test.time)
            best = min(best, sum(r - m for r, m in zip(release, made)))
    return best


@pytest.mark.parametrize("analysts", [
    {"assay": ("Ann",), "dissolution": ("Ann",)},             # one analyst for both
    {"assay": ("Ann", "Bob"), "dissolution": ("Ann",)},       # one more, qualified for the assay
])
def test_lab_plan_matches_brute_force_and_the_twin_reproduces_it(analysts):
    problem = lab_problem(analysts)
    plan = solve(problem)
    lead = sum(plan.released(b) - ops[-1].end for b, ops in enumerate(plan.operations))
    assert plan.optimal and plan.makespan == 6 * HOUR and lead == brute_force_lead(problem)
    for b, tests in enumerate(plan.tests):   # each test after packaging, on its instrument, by a qualified analyst
        for t in tests:
            assert t.start >= plan.operations[b][-1].end and t.analyst in problem.tests[t.step].analysts
    for name in ("HPLC-1", "DT-1", "Ann", "Bob"):
        busy = sorted((t.start, t.start + (problem.tests[t.step].attended if name in analysts["assay"] +
                                          analysts["dissolution"] else problem.tests[t.step].time))
                      for tests in plan.tests for t in tests if name in (t.unit, t.analyst))
        assert all(a[1] <= b[0] for a, b in zip(busy, busy[1:]))
    execution = Execution(plan, CERTAIN, "shift_right", np.random.SeedSequence(0))
    run = execution.run()
    for tests in plan.tests:
        for t in tests:
            assert execution.lab[t.batch, t.step] == (t.unit, t.analyst, t.start, t.end)
    assert run.kpis["lab_lead_time"] == pytest.approx(lead / 3) == run.kpis["plan.lab_lead_time"]


def test_one_less_analyst_lengthens_the_lab_lead_time():
    """Two HPLCs. Two analysts: nobody waits, each batch is released 3 h after packing (its assay). Ann alone
    (hand schedule): batch 0 assay 2-5 h (her hour 2-3), dissolution 3-5; batch 1 assay 5-8 (5-6), dissolution 6-8;
    batch 2 assay 8-11, dissolution 9-11: released 3, 4 and 5 h after packing, 4 h on average."""
    hplc = ("HPLC-1", "HPLC-2")
    two = solve(lab_problem({"assay": ("Ann", "Bob"), "dissolution": ("Ann", "Bob")}, hplc)).kpis()["lab_lead_time"]
    one = solve(lab_problem({"assay": ("Ann",), "dissolution": ("Ann",)}, hplc)).kpis()["lab_lead_time"]
    assert two == pytest.approx(3 * HOUR) and one == pytest.approx(4 * HOUR)


def test_the_greedy_lab_plan_is_valid_and_reproduced():
    plan = greedy(lab_problem({"assay": ("Ann", "Bob"), "dissolution": ("Ann",)}))
    execution = Execution(plan, CERTAIN, "shift_right", np.random.SeedSequence(0))
    execution.run()
    assert all(execution.lab[t.batch, t.step] == (t.unit, t.analyst, t.start, t.end)
               for tests in plan.tests for t in tests)


def test_retests_take_the_geometric_number_of_runs():
    """One batch, one 4 h test failing with probability 0.25: 4 / 0.75 h after packaging on average, standard
    deviation 4 sqrt(0.25) / 0.75 h."""
    problem = Problem({"X": [Step("pack", ("PK",), HOUR)]}, [Batch(0, "X", 0, 10**6)], {"X": {"X": 0}}, 10**6,
                      WEIGHTS, None, (LabTest("assay", ("HPLC-1",), 4 * HOUR, ("Ann",)),))
    plan = solve(problem)
    seeds = np.random.SeedSequence(11).spawn(1500)
    leads = np.array([Execution(plan, {**CERTAIN, "retest": 0.25}, "shift_right", s).run().kpis["lab_lead_time"]
                      for s in seeds]) / HOUR
    sd = 4 * math.sqrt(0.25) / 0.75
    assert abs(leads.mean() - 4 / 0.75) < 4 * sd / math.sqrt(len(leads))
    assert set(np.round(leads / 4, 9)) <= {1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0}


def test_dispatching_runs_the_lab_by_due_date():
    problem = lab_problem({"assay": ("Ann",), "dissolution": ("Ann",)})
    run = Execution(problem, CERTAIN, "dispatch", np.random.SeedSequence(0)).run()
    assert run.kpis["makespan"] == 6 * HOUR and run.kpis["lab_lead_time"] >= 3 * HOUR


class Fixed:
    """A stand-in for a random stream whose draws are given."""

    def __init__(self, *values):
        self.values = list(values)

    def exponential(self, mean):
        return self.values.pop(0)


def breakdown(policy):
    """Four 10 h batches on two presses (planned: two each, makespan 20 h); TP-1 breaks down 5 h into its first
    batch for 30 h. Kept plan: TP-1 finishes at 40 h, its second batch at 50 h. Re-planned at the breakdown: TP-2
    takes both batches not begun (10-20 h, 20-30 h); the plan ends with the repaired batch at 40 h. Dispatching does
    the same by itself."""
    problem = Problem({"X": [Step("press", ("TP-1", "TP-2"), 10 * HOUR)]}, [Batch(i, "X", 0, 10**6) for i in range(4)],
                      {"X": {"X": 0}}, 10**6, {"makespan": 1.0, "tardiness": 0.0, "major_cleans": 0.0})
    plan = solve(problem)
    assert plan.makespan == 20 * HOUR
    uncertain = {**CERTAIN, "mtbf": 100 * HOUR, "mttr": 1 * HOUR, "replan_after": 8 * HOUR}
    execution = Execution(plan if policy != "dispatch" else problem, uncertain, policy, np.random.SeedSequence(0))
    execution.failures = {"TP-1": Fixed(30 * HOUR, math.inf), "TP-2": Fixed(math.inf)}
    execution.up_left = {"TP-1": 5 * HOUR, "TP-2": math.inf}
    return execution.run().kpis


@pytest.mark.parametrize(("policy", "hours", "replans"), [("shift_right", 50, None), ("replan", 40, 1),
                                                         ("dispatch", 40, None)])
def test_a_long_breakdown_is_planned_around(policy, hours, replans):
    kpis = breakdown(policy)
    assert kpis["makespan"] == hours * HOUR and kpis["utilisation.down"] == pytest.approx(30 / (2 * hours))
    assert kpis.get("replans") == replans


LAB = """\
plant: {plant}
study: scheduling
horizon: 5 d
seed: 5
replications: 2
products:
  MET:
    batch_size: 400
    steps:
      blending: {units: [BL-301], time: 2 h}
      packaging: {units: [PK-60*], time: 5 h, times: {PK-601: 4.5 h}, operators: 1}
orders:
  - {product: MET, quantity: 1000, due: 2 d}
cleaning:
  MET: {MET: 30 min}
maintenance:
  BL-301: [{from: 3 h, to: 5 h}]
lab:
  tests:
    assay: {instruments: [HPLC-0*], time: 4 h, hands_on: 1 h}
    dissolution: {instruments: [DT-01], time: 3 h}
  analysts: {Ann: [assay, dissolution], Bob: [assay]}
objective: {lab: 1}
solver: {time_limit: 2 s}
policy: replan
uncertainty: {duration_cv: 0.1, mtbf: 50 h, mttr: 10 h, retest: 0.1, replan_after: 8 h, replan_limit: 0.5 s}
variants:
  one_less_analyst: {lab.analysts: {Ann: [assay, dissolution]}}
"""


def test_a_scenario_with_lab_quantities_and_maintenance_plans_and_runs(write_scenario, capsys):
    path = write_scenario(LAB)
    scenario = load(path)
    plan = plan_of(scenario.variants["base"])
    assert len(plan.problem.batches) == 3                        # 1000 in batches of 400
    assert plan.problem.recipes["MET"][1].time_on("PK-601") == 4.5 * HOUR
    assert plan.problem.closed == {"BL-301": ((3 * HOUR, 5 * HOUR),)}
    assert {t.unit for tests in plan.tests for t in tests} <= {"HPLC-01", "HPLC-02", "HPLC-03", "DT-01"}
    fewer = plan_of(scenario.variants["one_less_analyst"])
    assert fewer.kpis()["lab_lead_time"] >= plan.kpis()["lab_lead_time"]
    run = Execution(plan, scenario.variants["base"]["uncertainty"], "replan", np.random.SeedSequence(4)).run()
    assert run.kpis["lab_lead_time"] >= 4 * HOUR and "replans" in run.kpis
    assert main(["schedule", "plan", str(path)]) == 0   # the same plan, printed with its lab tests
    out = capsys.readouterr().out
    assert "    lab assay HPLC-0" in out and "    lab dissolution DT-01" in out
    assert f"lab lead time: {plan.kpis()['lab_lead_time'] / HOUR:g} h" in out


@pytest.mark.parametrize(("old", "new", "words"), [
    ("instruments: [DT-01]", "instruments: [DT-09]", "lab test 'dissolution': no plant instrument is 'DT-09'"),
    ("Bob: [assay]", "Bob: [asay]", "analyst 'Bob': no lab test 'asay'"),
    ("{Ann: [assay, dissolution], Bob: [assay]}", "{Ann: [assay], Bob: [assay]}",
     "no analyst is qualified for the lab test 'dissolution'"),
    ("time: 4 h, hands_on: 1 h", "time: 4 h, hands_on: 5 h", "hands-on time longer than the test"),
    ("    batch_size: 400\n", "", "order 0 gives a quantity but product 'MET' has no batch_size"),
    ("quantity: 1000,", "quantity: 1000, batches: 2,", "gives both batches and quantity"),
    ("BL-301: [{from", "BL-309: [{from", "no plant unit is 'BL-309'"),
    ("to: 5 h}", "to: 2 h}", "maintenance of BL-301: the window ends before it starts"),
    ("times: {PK-601: 4.5 h}", "times: {BL-301: 4 h}", "a time for 'BL-301', which is not one of the step's units"),
    ("retest: 0.1", "retest: 1", "a retest probability of 1 never ends"),
    ("retest: 0.1", "retest: 0.1, absence: 1.5", "an absence probability of 1.5"),
    ("policy: replan", "policy: re-plan", "did you mean 'replan'"),
    ("policy: replan", "policy: replan\nshift: {start: 6 h, end: 22 h}", "a shift without operators"),
    ("policy: replan", "policy: replan\noperators: 2\nshift: {start: 6 h, end: 10 h}",
     "step 'packaging' needs operators for longer than the 4 h shift"),
    ("policy: replan", "policy: replan\noperators: 2\nshift: {start: 6 h, end: 30 h}", "the shift's end is not a time"),
])
def test_bad_lab_and_calendar_input_names_what_and_where(write_scenario, old, new, words):
    assert old in LAB
    path = write_scenario(LAB.replace(old, new))
    with pytest.raises(ConfigError) as caught:
        load(path)
    assert str(path) in str(caught.value) and caught.value.line is not None
    assert words in str(caught.value)


def test_operator_absence_delays_by_whole_days_geometrically():
    """One operator, absent each day with probability 0.3; a 2 h step needing them, released at 0: it starts on
    the first day they come, after 24 h x 0.3 / 0.7 on average (a geometric number of days)."""
    problem = Problem({"X": [Step("press", ("TP",), 2 * HOUR, operators=1)]}, [Batch(0, "X", 0, 10**6)],
                      {"X": {"X": 0}}, 10**6, WEIGHTS, operators=1)
    plan = solve(problem)
    seeds = np.random.SeedSequence(12).spawn(1500)
    waits = np.array([Execution(plan, {**CERTAIN, "absence": 0.3}, "shift_right", s).run().kpis["makespan"] / HOUR - 2
                      for s in seeds])
    sd = 24 * math.sqrt(0.3) / 0.7
    assert set(np.round(waits / 24, 9)) <= set(range(20))
    assert abs(waits.mean() - 24 * 0.3 / 0.7) < 4 * sd / math.sqrt(len(waits))


def test_replanning_at_every_breakdown_runs_each_operation_once():
    """Frequent long breakdowns, a re-plan at each: every step and test runs exactly once, in recipe order, and no
    unit or instrument ever does two things at once."""
    recipes = {p: [Step("mix", ("MX-1", "MX-2"), 3 * HOUR, hold=4 * HOUR), Step("press", ("TP-1", "TP-2"), 5 * HOUR),
                   Step("pack", ("PK-1",), 2 * HOUR)] for p in "AB"}
    cleaning = {a: {b: HOUR // 2 if a == b else 2 * HOUR for b in "AB"} for a in "AB"}
    tests = (LabTest("assay", ("HPLC-1", "HPLC-2"), 3 * HOUR, ("Ann", "Bob"), HOUR),)
    problem = Problem(recipes, [Batch(i, "AB"[i % 2], 0, 60 * HOUR) for i in range(4)], cleaning, 10**6,
                      {"makespan": 1.0, "tardiness": 1.0, "major_cleans": 1.0, "lab": 0.0}, 2, tests)
    plan = solve(problem, time_limit=0.5)
    uncertain = {"duration_cv": 0.2, "mtbf": 10 * HOUR, "mttr": 3 * HOUR, "replan_after": 0.0,
                 "replan_limit": 0.05}
    for seed in np.random.SeedSequence(5).spawn(3):
        execution = Execution(plan, uncertain, "replan", seed)
        kpis = execution.run().kpis
        assert kpis["replans"] >= 1 and len(execution.actual) == 12 and len(execution.lab) == 4
        by_unit: dict[str, list] = {}
        for (b, k), (unit, start, end) in execution.actual.items():
            by_unit.setdefault(unit, []).append((start, end))
            if k:
                assert start >= execution.actual[b, k - 1][2]
        for (b, _), (unit, _, start, end) in execution.lab.items():
            by_unit.setdefault(unit, []).append((start, end))
            assert start >= execution.actual[b, 2][2]
        for spans in by_unit.values():
            spans.sort()
            assert all(a[1] <= b[0] + 1e-9 for a, b in zip(spans, spans[1:]))


def test_operators_on_a_day_shift_plan_and_run_by_day():
    """One operator on shift 6-22 h; three 10 h steps needing them on one press: 6-16 h, then the next fits only the
    next day's shift, 30-40 h, then 54-64 h (hand schedule). The twin, sending the operator home at 22 h and back
    at 6 h, reproduces it."""
    problem = Problem({"X": [Step("press", ("TP",), 10 * HOUR, operators=1)]}, [Batch(i, "X", 0, 10**6)
                      for i in range(3)], {"X": {"X": 0}}, 10**6, WEIGHTS, operators=1, shift=(6 * HOUR, 22 * HOUR))
    assert problem.off_shift()[:3] == [(0, 6 * HOUR), (22 * HOUR, 30 * HOUR), (46 * HOUR, 54 * HOUR)]
    for plan in (solve(problem), greedy(problem)):
        assert sorted(op.start / HOUR for ops in plan.operations for op in ops) == [6, 30, 54]
        execution = Execution(plan, CERTAIN, "shift_right", np.random.SeedSequence(0))
        execution.run()
        assert all(execution.actual[op.batch, op.step] == (op.unit, op.start, op.end)
                   for ops in plan.operations for op in ops)
    night = Problem({}, [], {}, 2 * 86400, WEIGHTS, operators=1, shift=(22 * HOUR, 6 * HOUR))
    assert night.off_shift()[:2] == [(6 * HOUR, 22 * HOUR), (30 * HOUR, 46 * HOUR)]


def test_crews_by_skill_limit_each_step_to_its_own_people():
    """Two batches: granulation (2 h, two granulators) by the one granulation operator, packing (3 h, two lines) by
    the one packer. Hand schedule: granulations 0-2 h and 2-4 h, packings 2-5 h and 5-8 h: 8 h. The same two people
    as one pool of any skill: both granulations 0-2 h, both packings 2-5 h: 5 h."""
    recipes = {"X": [Step("granulation", ("GR-1", "GR-2"), 2 * HOUR, operators=1, crew="granulation"),
                     Step("packing", ("PK-1", "PK-2"), 3 * HOUR, operators=1, crew="packing")]}
    batches = [Batch(i, "X", 0, 10**6) for i in range(2)]
    crews = Problem(recipes, batches, {"X": {"X": 0}}, 10**6, WEIGHTS, crews={"granulation": 1, "packing": 1})
    anyone = Problem({"X": [replace(s, crew=None) for s in recipes["X"]]}, batches, {"X": {"X": 0}}, 10**6, WEIGHTS,
                     operators=2)
    for problem, hours in ((crews, 8), (anyone, 5)):
        for plan in (solve(problem), greedy(problem)):
            assert plan.makespan == hours * HOUR
            execution = Execution(plan, CERTAIN, "shift_right", np.random.SeedSequence(0))
            execution.run()
            assert all(execution.actual[op.batch, op.step] == (op.unit, op.start, op.end)
                       for ops in plan.operations for op in ops)
        assert Execution(problem, CERTAIN, "dispatch", np.random.SeedSequence(0)).run().kpis["makespan"] == hours * HOUR


@pytest.mark.parametrize(("crew", "crews", "words"), [
    ("packers", "{pack: 2}", "no crew 'packers'"),
    ("pack", "{pack: 1}", "needs 2 operators, crew 'pack' has 1"),
])
def test_a_step_names_a_crew_that_can_staff_it(write_scenario, crew, crews, words):
    text = LAB.replace("operators: 1}", f"operators: 2, crew: {crew}}}").replace("policy: replan",
                                                                              f"policy: replan\ncrews: {crews}")
    with pytest.raises(ConfigError, match=words):
        load(write_scenario(text))


def test_no_operation_starts_off_shift():
    """Dispatching, one operator on shift 6-22 h, three 10 h steps on two presses: 6-16 h, 16-26 h (overtime: it
    started on shift), and the third, waiting since 16 h, gets the operator back at 26 h, off shift: it starts at
    30 h when the shift does (hand schedule), not at 26 h."""
    problem = Problem({"X": [Step("press", ("TP-1", "TP-2"), 10 * HOUR, operators=1)]},
                      [Batch(i, "X", 0, 10**6) for i in range(3)], {"X": {"X": 0}}, 10**6, WEIGHTS, operators=1,
                      shift=(6 * HOUR, 22 * HOUR))
    execution = Execution(problem, CERTAIN, "dispatch", np.random.SeedSequence(0))
    assert execution.run().kpis["makespan"] == 40 * HOUR
    assert sorted(start / HOUR for _, start, _ in execution.actual.values()) == [6, 16, 30]


def test_a_replan_after_the_horizon_with_tests_to_run_is_a_plan_error():
    """A run whose last step ended past the horizon (breakdowns) and then replans: the batch's release test can no
    longer start by the horizon. It was an invalid CP-SAT model (RuntimeError: 't0_0' has no domain; found by the
    scheduling property test with `policy: replan` and a 30 s mtbf); a PlanError lets the running plan stand."""
    from scenarios.scheduling import horizon
    from scenarios.scheduling.plan import Operation, PlanError, Start

    problem = Problem({"X": [Step("press", ("TP-401",), 10 * HOUR)]}, [Batch(0, "X", 0, 10**6)], {"X": {"X": 0}},
                      48 * HOUR, {"makespan": 1.0, "tardiness": 0.0, "major_cleans": 0.0, "lab": 0.0},
                      tests=(LabTest("assay", ("HPLC-01",), 4 * HOUR, ("Li",)),))
    late = Start(now=50 * HOUR, fixed=(Operation(0, 0, "TP-401", 0, 50 * HOUR),))
    with pytest.raises(PlanError, match="release test assay cannot start by the horizon"):
        solve(problem, 1.0, start=late)
    with pytest.raises(PlanError, match="lab's tests within the horizon"):   # as Execution.replan asks
        horizon.plan(problem, 1.0, start=late)
