"""Planned maintenance windows from the maintenance study, planned around by the scheduling study.

References: the maintenance DES itself (:mod:`scenarios.maintenance.model`: with lifetimes far beyond the age its
preventive stops and restorations are the plan's windows, crew queueing included); windows and makespans worked by
hand; the scheduling plan's operations checked against every window (hypothesis).
"""
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scenarios.maintenance.model import Maintenance
from scenarios.maintenance.params import Action, Asset, MaintenanceParams, Policy
from scenarios.maintenance.windows import NotPlanned, merged, planned
from scenarios.scenario import load
from scenarios.scheduling import plan_of
from scenarios.scheduling.plan import HOUR, Batch, Problem, Step, solve
from twin.config import ConfigError

WEIGHTS = {"makespan": 1.0, "tardiness": 0.0, "major_cleans": 0.0, "lab": 0.0}


def asset(duration_h: float, scale_h: float = 1e9) -> Asset:
    return Asset(Action(10.0, 8 * HOUR), Action(1.0, duration_h * HOUR), shape=3.0, scale=scale_h * HOUR)


def maintenance(age_h: float, durations_h: dict[str, float], crew: int = 1, horizon_h: float = 0.0):
    return MaintenanceParams(horizon=horizon_h * HOUR, warmup=0.0, crew=crew, policy=Policy("age", age=age_h * HOUR),
                             assets={tag: asset(d) for tag, d in durations_h.items()})


def hours(windows):
    return {tag: [(a / HOUR, b / HOUR) for a, b in w] for tag, w in windows.items()}


def test_one_crew_works_on_one_asset_at_a_time_by_hand():
    """Three assets due at 100 h, one crew: 100-104 h, 104-110 h (waits 4 h), 110-112 h; each then runs 100 h again
    from the end of its work: TP-401 due at 204 h, CT-501 at 210 h, TP-402 at 212 h, which waits for CT-501's work
    (210-216 h) and is down 212-218 h."""
    p = maintenance(100, {"TP-401": 4, "CT-501": 6, "TP-402": 2})
    assert hours(planned(p, until=250 * HOUR)) == {"TP-401": [(100, 104), (204, 208)],
                                                   "CT-501": [(100, 110), (210, 216)],
                                                   "TP-402": [(100, 112), (212, 218)]}
    assert hours(planned(p, until=250 * HOUR, ages={"CT-501": 30 * HOUR}))["CT-501"] == [(70, 76), (176, 182)]
    assert hours(planned(maintenance(100, {"A": 4, "B": 6}, crew=2), until=150 * HOUR)) == {"A": [(100, 104)],
                                                                                             "B": [(100, 106)]}


@pytest.mark.parametrize("crew", [1, 2])
def test_windows_are_the_des_preventive_stops_when_nothing_fails(crew):
    """The maintenance DES with lifetimes of 1e9 h: its preventive events and restorations, asset by asset, are the
    planned windows (waiting for the crew included)."""
    p = maintenance(50, {"TP-401": 4, "TP-402": 7, "CT-501": 3, "CT-502": 5}, crew=crew, horizon_h=2000)
    run = Maintenance(p, np.random.SeedSequence(3)).run()
    events = run.events
    assert run.kpis["unplanned_stops"] == 0
    windows = planned(p, until=2000 * HOUR)
    for tag in p.assets:
        stops = events["t"][(events["source"] == tag) & (events["event"] == "preventive")]
        ends = events["t"][(events["source"] == tag) & (events["event"] == "restored")]
        plan = np.array(windows[tag])
        assert len(plan) == len(stops) and np.allclose(plan[:, 0], stops, rtol=0, atol=1e-6)
        assert np.allclose(plan[: len(ends), 1], ends, rtol=0, atol=1e-6) and len(plan) - len(ends) in (0, 1)


def test_other_policies_plan_nothing_ahead():
    p = maintenance(100, {"TP-401": 4})
    assert planned(MaintenanceParams(0.0, 0.0, p.assets, Policy("run_to_failure")), until=1e9) == {"TP-401": []}
    with pytest.raises(NotPlanned, match="a condition policy replaces an asset when an inspection says so"):
        planned(MaintenanceParams(0.0, 0.0, p.assets, Policy("condition", level=0.8)), until=1e9)
    assert merged({"A": [(0, 2), (5, 6)]}, {"A": [(1, 3)], "B": [(4, 5)]}) == {"A": [(0, 3), (5, 6)], "B": [(4, 5)]}


def test_makespan_with_the_planned_windows_by_hand():
    """Two batches of 10 h on TP-401. Replaced every 12 h of operation, 3 h of work, 7 h old at the start: windows
    5-8 h, 20-23 h, 35-38 h. A 10 h batch fits only in 8-18 h and 23-33 h: the makespan is 33 h (20 h without)."""
    p = maintenance(12, {"TP-401": 3})
    windows = planned(p, until=48 * HOUR, ages={"TP-401": 7 * HOUR})
    assert hours(windows) == {"TP-401": [(5, 8), (20, 23), (35, 38)]}
    problem = Problem({"X": [Step("press", ("TP-401",), 10 * HOUR)]}, [Batch(0, "X", 0, 10**6)] * 2,
                      {"X": {"X": 0}}, 48 * HOUR, WEIGHTS)
    closed = {u: tuple((round(a), round(b)) for a, b in w) for u, w in windows.items()}
    assert solve(problem, 2.0).makespan == 20 * HOUR
    assert solve(Problem(**{**problem.__dict__, "closed": closed}), 2.0).makespan == 33 * HOUR


@settings(max_examples=25, deadline=None)
@given(age=st.integers(6, 30), work=st.lists(st.integers(1, 5), min_size=2, max_size=2),
       old=st.lists(st.integers(0, 30), min_size=2, max_size=2), batches=st.integers(1, 3))
def test_no_operation_runs_into_a_planned_window(age, work, old, batches):
    """Random age policies, work durations and ages at the start over two presses and a packer: no operation of the
    plan meets a window of its unit."""
    p = maintenance(age, {"TP-1": work[0], "PK-1": work[1]})
    windows = planned(p, until=400 * HOUR, ages={"TP-1": old[0] * HOUR, "PK-1": old[1] * HOUR})
    closed = {u: tuple((round(a), round(b)) for a, b in w) for u, w in windows.items()}
    recipe = [Step("press", ("TP-1",), 4 * HOUR), Step("pack", ("PK-1",), 3 * HOUR)]
    problem = Problem({"X": recipe}, [Batch(i, "X", 0, 10**6) for i in range(batches)], {"X": {"X": HOUR}},
                      400 * HOUR, WEIGHTS, closed=closed)
    plan = solve(problem, 2.0)
    ops = [op for ops in plan.operations for op in ops]
    assert len(ops) == 2 * batches
    for op in ops:
        assert all(op.end <= lo or op.start >= hi for lo, hi in closed[op.unit]), (op, closed[op.unit])


MAINTENANCE = """\
plant: {plant}
study: maintenance
horizon: 365 d
seed: 1
policy: {kind: age, age: 100 h}
assets:
  BL-301: {shape: 2.5, scale: 2000 h, corrective: {cost: 10, duration: 8 h}, preventive: {cost: 1, duration: 5 h}}
variants:
  cbm: {policy: {kind: condition, level: 0.8}, assets.BL-301.wear: {mean_life: 2000 h, cv: 0.3}}
"""

SCHEDULING = """\
plant: {plant}
study: scheduling
horizon: 7 d
seed: 1
products:
  MET:
    steps:
      blending: {units: [BL-301], time: 2 h}
orders:
  - {product: MET, batches: 2, due: 2 d}
cleaning:
  MET: {MET: 30 min}
maintenance:
  BL-301: [{from: 1 h, to: 2 h}]
maintenance_plan: {scenario: maintenance.yaml, ages: {BL-301: 99 h}}
solver: {time_limit: 2 s}
"""


def test_a_scheduling_scenario_plans_around_the_maintenance_scenarios_windows(write_scenario):
    """BL-301, 99 h old, replaced at 100 h for 5 h: closed 1-6 h (the hand window 1-2 h merged into it), then every
    105 h; the two 2 h blends (30 min clean between) run 6-8 h and 8.5-10.5 h."""
    write_scenario(MAINTENANCE, "maintenance.yaml")
    plan = plan_of(load(write_scenario(SCHEDULING)).variants["base"])
    assert plan.problem.closed == {"BL-301": ((1 * HOUR, 6 * HOUR), (106 * HOUR, 111 * HOUR))}
    assert sorted((op.start, op.end) for ops in plan.operations for op in ops) == [
        (6 * HOUR, 8 * HOUR), (8.5 * HOUR, 10.5 * HOUR)]


def test_the_scheduling_samples_planned_maintenance_variant_closes_the_presses_and_a_coater():
    """scenarios/scheduling/multipurpose_osd.yaml's planned_maintenance: the maintenance sample's age policy (900 h,
    presses 4 h, coaters 6 h, one crew) from TP-401 850 h, TP-402 700 h and CT-501 800 h old gives 50-54 h, 200-204 h
    and 100-106 h by hand (TP-402's hand window 3-3.5 d stays; CT-502, new, is not due in the 14 d horizon)."""
    from scenarios.scheduling.study import closed_windows

    root = Path(__file__).resolve().parents[2]
    params = load(root / "scenarios" / "scheduling" / "multipurpose_osd.yaml").variants["planned_maintenance"]
    closed = {u: [(w["from"] / HOUR, w["to"] / HOUR) for w in ws] for u, ws in closed_windows(params).items()}
    assert closed == {"TP-401": [(50, 54)], "TP-402": [(72, 84), (200, 204)], "CT-501": [(100, 106)]}


@pytest.mark.parametrize(("old", "new", "key", "words"), [
    ("ages: {BL-301: 99 h}", "variant: cbm", "maintenance_plan.variant", "a condition policy replaces an asset"),
    ("ages: {BL-301: 99 h}", "variant: late", "maintenance_plan.variant", "has no variant 'late'"),
    ("{BL-301: 99 h}", "{BL-302: 99 h}", "maintenance_plan.ages.BL-302", "has no asset 'BL-302'"),
    ("scenario: maintenance.yaml", "scenario: nothing.yaml", "maintenance_plan.scenario", "file not found"),
    # the scheduling file naming itself: was a RecursionError traceback (each load checked its plan by loading it)
    ("scenario: maintenance.yaml", "scenario: scenario.yaml", "maintenance_plan.scenario", "is a scheduling scenario"),
])
def test_a_bad_maintenance_plan_is_named_with_file_line_and_key(write_scenario, old, new, key, words):
    write_scenario(MAINTENANCE, "maintenance.yaml")
    path = write_scenario(SCHEDULING.replace(old, new))
    with pytest.raises(ConfigError) as caught:
        load(path)
    assert str(path) in str(caught.value) and caught.value.line == 15 and caught.value.key == key
    assert words in str(caught.value)
