"""The scheduling plan cache: a variant's plan is made once per process and shared by whatever plans the same.

It keys on :class:`scenarios.scheduling.params.Planning`: the planned sections of the scenario, the solver's settings
and the content of the files the plan reads (a maintenance plan's scenario). So every solver setting, every planned
section and an edit of that file make a new plan; the policy, the uncertainty, the seed and a comment in the file
do not.
"""
import dataclasses

from scenario_files import PLANT
from test_scheduling_scenario import SMALL  # two products, four batches, a dispatching variant

from scenarios.scenario import load
from scenarios.scheduling import study
from scenarios.scheduling.params import PLANNED, Planning, Solver

SCENARIO = SMALL.replace("solver: {time_limit: 5 s}", "solver: {time_limit: 0.5 s, workers: 1, window: 20}") + """\
  # the plan's own settings and sections: each a new plan
  longer_search: {solver.time_limit: 0.25 s}
  two_workers: {solver.workers: 2}
  small_windows: {solver.window: 1}
  shorter_clean: {cleaning.PARA.MET: 2 h}
  # how the plan is executed: the base's plan
  uncertain: {uncertainty: {duration_cv: 0.2, mtbf: 50 h, mttr: 2 h}}
  replanning: {policy: replan, uncertainty.replan_limit: 0.1 s}
"""
NEW_PLAN = ("longer_search", "two_workers", "small_windows", "shorter_clean")
SAME_PLAN = ("dispatching", "uncertain", "replanning")


def test_every_solver_setting_and_planned_section_is_in_the_key():
    """The typed settings are the schema's, and every section of the study's schema is planned but the three that
    say how the plan is made or executed: a key added to the schema and not here would not reach the key."""
    assert [f.name for f in dataclasses.fields(Solver)] == list(study.SOLVER.fields)
    assert set(study.STUDY.fields) - set(PLANNED) == {"solver", "policy", "uncertainty"}
    assert {"plant", "horizon"} <= set(PLANNED)   # the scenario's own keys, common to every study


def test_the_plan_cache_misses_on_what_makes_the_plan_and_hits_on_the_rest(write_scenario):
    variants = load(write_scenario(SCENARIO)).variants
    study._plan.cache_clear()
    base = study.plan_of(variants["base"])
    for name in NEW_PLAN:
        misses = study._plan.cache_info().misses
        assert study.plan_of(variants[name]) is not base, name
        assert study._plan.cache_info().misses == misses + 1, name
    for name in SAME_PLAN:
        assert Planning.of(variants[name]) == Planning.of(variants["base"]), name
        assert study.plan_of(variants[name]) is base, name
    assert study._plan.cache_info().misses == 1 + len(NEW_PLAN)
    assert Planning.of(variants["two_workers"]).solver == Solver(time_limit=0.5, workers=2, window=20)


def test_a_comment_another_seed_or_a_copy_of_the_file_is_the_same_plan(write_scenario):
    """The key is what the file plans, not its text: the scenario's hash differs, the plan is shared."""
    first = load(write_scenario(SCENARIO)).variants["base"]
    commented = SCENARIO.replace("horizon: 5 d", "horizon: 5 d   # five days").replace("seed: 3", "seed: 4")
    second = load(write_scenario(commented, name="copy.yaml")).variants["base"]
    assert study.plan_of(second) is study.plan_of(first)


MAINTENANCE = """\
plant: {plant}
study: maintenance
horizon: 60 d
seed: 1
policy: {kind: age, age: AGE}
assets:
  BL-301:
    shape: 2.5
    scale: 400 h
    corrective: {cost: 12000, duration: 24 h}
    preventive: {cost: 2000, duration: 4 h}
"""


def test_an_edit_of_the_maintenance_plans_file_is_a_new_plan(write_scenario):
    """The maintenance scenario is read when the plan is made: editing it in a notebook between two runs of one
    process must move the closed windows (the cache used to key on its path alone and kept the old plan)."""
    maintenance = write_scenario(MAINTENANCE.replace("AGE", "30 h"), name="maintenance.yaml")
    path = write_scenario(SCENARIO + "maintenance_plan: {scenario: maintenance.yaml, ages: {BL-301: 20 h}}\n")
    before = study.plan_of(load(path).variants["base"])
    assert before.problem.closed["BL-301"][0] == (10 * 3600, 14 * 3600)   # due at 30 - 20 h, then 4 h down
    maintenance.write_text(MAINTENANCE.replace("AGE", "25 h").replace("{plant}", str(PLANT)))
    after = study.plan_of(load(path).variants["base"])
    assert after.problem.closed["BL-301"][0] == (5 * 3600, 9 * 3600)
