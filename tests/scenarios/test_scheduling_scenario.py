"""The scheduling study from its scenario file: `twin run` end to end, the example's variants, and bad input that
names the order, step or tag."""
import json

import numpy as np
import pytest
from scenario_files import ROOT

from scenarios.scenario import load
from scenarios.scheduling import plan_of, problem_of
from scenarios.scheduling.execute import Execution
from scenarios.scheduling.plan import PlanError
from twin.cli import main
from twin.config import ConfigError

SMALL = """\
plant: {plant}
study: scheduling
horizon: 5 d
seed: 3
replications: 4
products:
  PARA:
    steps:
      granulation: {units: [GR-20*], time: 3 h, hold: 2 h}
      drying: {units: [FBD-201], time: 4 h}
      packaging: {units: [PK-601, PK-602], time: 6 h}
  MET:
    steps:
      blending: {units: [BL-301], time: 2 h}
      packaging: {units: [PK-601, PK-602], time: 5 h}
orders:
  - {product: PARA, batches: 2, due: 2 d}
  - {product: MET, batches: 2, release: 4 h, due: 1 d, priority: 2}
cleaning:
  PARA: {PARA: 30 min, MET: 3 h}
  MET: {PARA: 3 h, MET: 30 min}
solver: {time_limit: 5 s}
uncertainty: {duration_cv: 0.1, mtbf: 100 h, mttr: 3 h}
variants:
  dispatching: {policy: dispatch}
"""


def test_run_plans_executes_and_reports(write_scenario, tmp_path):
    scenario = write_scenario(SMALL)
    assert main(["run", str(scenario), "-o", str(tmp_path / "out"), "--workers", "1", "--no-progress"]) == 0
    kpis = json.loads((tmp_path / "out" / "kpis.json").read_text())["kpis"]
    plan = plan_of(load(scenario).variants["base"])
    assert kpis["plan.makespan"]["mean"] == plan.makespan      # the same plan in every replication
    assert len(kpis["makespan"]["values"]) == 4 and len(set(kpis["makespan"]["values"])) == 4   # random times
    assert (tmp_path / "out" / "events.parquet").is_file()
    assert (tmp_path / "out" / "figures" / "gantt.png").is_file()
    assert "alt='gantt'" in (tmp_path / "out" / "report.html").read_text()   # embedded in the report


def test_scenario_plan_with_planned_times_is_reproduced(write_scenario):
    params = load(write_scenario(SMALL)).variants["base"]
    plan = plan_of(params)
    assert [s.name for s in plan.problem.recipes["PARA"]] == ["granulation", "drying", "packaging"]
    assert list(plan.problem.recipes) == ["PARA", "MET"]
    assert {op.unit for ops in plan.operations for op in ops} <= {"GR-201", "GR-202", "FBD-201", "PK-601", "PK-602",
                                                                  "BL-301"}
    assert problem_of(params).recipes["PARA"][0].units == ("GR-201", "GR-202")   # the pattern GR-20*
    execution = Execution(plan, {"duration_cv": 0.0, "mtbf": None, "mttr": None}, "shift_right",
                          np.random.SeedSequence(0))
    execution.run()
    assert all(execution.actual[op.batch, op.step] == (op.unit, op.start, op.end)
               for ops in plan.operations for op in ops)


def test_example_scenario_and_its_variants_validate():
    scenario = load(ROOT / "scenarios" / "scheduling" / "multipurpose_osd.yaml")
    assert scenario.names == ["base", "dispatching", "replanning", "one_more_press", "shorter_major_clean",
                              "one_less_analyst", "four_operators", "two_shifts",
                              "more_demand", "planned_maintenance"]
    press = problem_of(scenario.variants["one_more_press"]).recipes["IBU-400"][4]
    assert press.name == "compression" and press.units == ("TP-401", "TP-402", "TP-403")


@pytest.mark.parametrize(("old", "new", "words"), [
    ("units: [FBD-201]", "units: [FBD-209]", "product 'PARA', step 'drying': no plant unit is 'FBD-209'"),
    ("units: [GR-20*]", "units: [XX-*]", "step 'granulation': no plant unit is 'XX-*'"),
    ("release: 4 h, due: 1 d", "release: 2 d, due: 1 d", "order 1 (MET) is due (24 h) before it is released"),
    ("  MET: {PARA: 3 h, MET: 30 min}\n", "", "no row for product 'MET'"),
    ("PARA: {PARA: 30 min, MET: 3 h}", "PARA: {PARA: 30 min}", "misses the clean from 'PARA' to 'MET'"),
    ("product: MET, batches", "product: MTE, batches", "unknown product 'MTE'"),
    ("horizon: 5 d", "horizon: 12 h", "order 0 (PARA) cannot finish within the horizon"),
    ("mtbf: 100 h, ", "", "breakdowns need both mtbf and mttr"),
    ("{policy: dispatch}", "{policy: dispach}", "did you mean 'dispatch'"),
])
def test_bad_input_names_what_and_where(write_scenario, old, new, words):
    assert old in SMALL
    path = write_scenario(SMALL.replace(old, new))
    with pytest.raises(ConfigError) as caught:
        load(path)
    text = str(caught.value)
    assert str(path) in text and caught.value.line is not None
    assert words in text


def test_a_step_needing_more_operators_than_on_shift_is_named(write_scenario):
    text = SMALL.replace("time: 2 h}", "time: 2 h, operators: 2}")
    path = write_scenario(text + "operators: 1\n")
    with pytest.raises(ConfigError, match="product 'MET', step 'blending' needs 2 operators, only 1 are on shift"):
        load(path)
    assert load(write_scenario(text + "operators: 2\n")).variants["base"]["operators"] == 2


def test_orders_that_do_not_fit_fail_once_with_the_reason(write_scenario, tmp_path, capsys):
    """Each batch fits alone (13 h of route) but not all four in 15 h: the plan fails, the reason is printed."""
    path = write_scenario(SMALL.replace("horizon: 5 d", "horizon: 15 h").replace("due: 2 d", "due: 15 h")
                          .replace("due: 1 d", "due: 15 h"))
    params = load(path).variants["base"]
    with pytest.raises(PlanError, match="do not fit in the horizon of 15 h") as first:
        plan_of(params)
    with pytest.raises(PlanError) as again:
        plan_of(params)
    assert again.value is first.value                            # not searched again for every replication
    assert main(["schedule", "plan", str(path)]) == 2
    assert "do not fit in the horizon of 15 h" in capsys.readouterr().err
