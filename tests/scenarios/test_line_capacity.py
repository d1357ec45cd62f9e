"""The line-capacity runner's KPIs against independent references: cases worked out by hand, queueing theory
(M/M/1), renewal theory for breakdowns, the bottleneck bound, and the compiled flow-line kernel as a peer."""
import math

import numpy as np
import pytest
from scipy import stats

from scenarios.results import summarise
from scenarios.runs import execute, tasks
from scenarios.scenario import load

HOUR, DAY = 3600.0, 86400.0


def kpis(write_scenario, text: str, variant: str = "base") -> dict[str, dict]:
    """Run every replication of ``variant`` in this process; each KPI summarised (mean, 95% CI)."""
    scenario = load(write_scenario(text))
    runs = [execute(t) for t in tasks(scenario, [variant])]
    assert all(hasattr(r, "run") for r in runs), [str(r) for r in runs if not hasattr(r, "run")]
    return {k: summarise([r.run.kpis[k] for r in runs]) for k in runs[0].run.kpis}


DETERMINISTIC = """\
plant: {plant}
study: line_capacity
horizon: 10 d
warmup: 1 d
seed: 1
replications: 2
release: {pattern: fixed, every: 4 h}
stages:
  granulation: {units: [GR-201], process: 2 h, cleaning: 30 min}
  drying: {units: [FBD-201], process: 3 h}
  blending: {units: [BL-301, BL-302], process: 5 h, cleaning: 1 h}
"""


def test_deterministic_line_worked_by_hand(write_scenario):
    """Batches every 4 h through 2.5 h, 3 h and 6 h (on two blenders, so each sees a batch every 8 h): nobody waits.

    By hand: flow time 2.5 + 3 + 6 = 11.5 h; the 9-day window holds 54 whole release periods, so 54 batches leave
    it (6 a day), WIP = 11.5 / 4 (Little), and utilisations are 2.5/4, 3/4 and 6/8.
    """
    k = kpis(write_scenario, DETERMINISTIC)
    assert k["throughput"]["mean"] == pytest.approx(6.0 / DAY, rel=1e-12)     # KPIs are SI: batches/s, seconds
    assert k["flow_time"]["mean"] == pytest.approx(11.5 * HOUR, rel=1e-12)
    assert k["wip"]["mean"] == pytest.approx(11.5 / 4, rel=1e-12)
    assert k["utilisation.granulation"]["mean"] == pytest.approx(2.5 / 4, rel=1e-12)
    assert k["utilisation.drying"]["mean"] == pytest.approx(3 / 4, rel=1e-12)
    assert k["utilisation.blending"]["mean"] == pytest.approx(6 / 8, rel=1e-12)
    assert k["down.blending"]["mean"] == 0
    assert k["throughput"]["sd"] == 0     # no randomness: replications agree exactly


def test_shift_pattern_worked_by_hand(write_scenario):
    """Two 8-hour shifts, a 5-hour batch always waiting: work pauses at 16:00 and resumes at midnight.

    By hand: 16 working hours a day give 16/5 = 3.2 batches a day; in the window [1 d, 51 d] the unit works from
    hour 16 to hour 816 of working time, finishing the batches at working hours 20, 25, ..., 815: 160 batches.
    """
    text = DETERMINISTIC.replace("horizon: 10 d", "horizon: 51 d").replace(
        "release: {pattern: fixed, every: 4 h}", "release: {pattern: saturated}\nshifts: {count: 2, length: 8 h}")
    text = text.split("  granulation")[0] + "  blending: {units: [BL-301], process: 5 h}\n"
    k = kpis(write_scenario, text)
    assert k["throughput"]["mean"] == pytest.approx(160 / 50 / DAY, rel=1e-12)
    assert k["utilisation.blending"]["mean"] == pytest.approx(16 / 24, rel=1e-12)


MM1 = """\
plant: {plant}
study: line_capacity
horizon: 3000 h
warmup: 200 h
seed: 2026
replications: 12
release: {pattern: poisson, every: 1 h}
stages:
  compression: {units: [TP-401], process: {dist: exponential, mean: 48 min}}
"""


def test_mm1_queue_matches_queueing_theory(write_scenario):
    """Poisson batches (1/h) on one unit with exponential times (mean 0.8 h) form an M/M/1 queue:
    utilisation rho = 0.8, mean time in system W = 1/(mu - lambda) = 4 h, mean number in system L = rho/(1-rho) = 4
    (e.g. Kleinrock, Queueing Systems I, ch. 3). Each 95% interval must hold the theoretical value."""
    k = kpis(write_scenario, MM1)
    for kpi, theory in (("utilisation.compression", 0.8), ("flow_time", 4 * HOUR), ("wip", 4.0),
                        ("throughput", 1 / HOUR)):
        assert k[kpi]["low"] <= theory <= k[kpi]["high"], (kpi, k[kpi], theory)


def test_breakdowns_match_renewal_theory(write_scenario):
    """A 2 h job on a unit failing after exponential operating time (MTBF 20 h), repaired in exponential time
    (MTTR 2 h): failures during a job are Poisson with mean 2/20, so a job occupies the unit 2 + 0.1 x 2 = 2.2 h on
    average. Saturated, the unit makes 24/2.2 batches a day, processes 2/2.2 and is under repair 0.2/2.2 of the
    time."""
    text = MM1.replace("release: {pattern: poisson, every: 1 h}", "release: {pattern: saturated}").replace(
        "process: {dist: exponential, mean: 48 min}}", "process: 2 h, mtbf: 20 h, mttr: 2 h}")
    k = kpis(write_scenario, text)
    for kpi, theory in (("throughput", 1 / (2.2 * HOUR)), ("utilisation.compression", 2 / 2.2),
                        ("down.compression", 0.2 / 2.2)):
        assert k[kpi]["low"] <= theory <= k[kpi]["high"], (kpi, k[kpi], theory)


@pytest.mark.slow
def test_saturated_line_runs_at_its_bottleneck(write_scenario):
    """Saturated, the line's throughput is its slowest stage's capacity: units x 24 h / (mean time x (1 + MTTR/MTBF))
    (operating-time failures). Here drying is the bottleneck: 2 x 24 / (5 x 1.05) = 9.14 batches a day."""
    text = """\
plant: {plant}
study: line_capacity
horizon: 400 d
warmup: 20 d
seed: 11
replications: 10
release: {pattern: saturated}
stages:
  granulation: {units: [GR-201, GR-202], process: [2 h, 3 h, 4 h], mtbf: 40 h, mttr: 2 h}
  drying: {units: [FBD-201, FBD-202], process: {dist: exponential, mean: 4 h}, cleaning: 1 h, mtbf: 100 h, mttr: 5 h}
  blending: {units: [BL-301, BL-302, BL-303], process: 6 h}
"""
    capacity = {"granulation": 2 * 24 / (3 * 1.05), "drying": 2 * 24 / (5 * 1.05), "blending": 3 * 24 / 6}
    k = kpis(write_scenario, text)
    bound = min(capacity.values()) / DAY
    assert k["throughput"]["low"] <= bound <= k["throughput"]["high"], (k["throughput"], bound)
    assert k["utilisation.drying"]["mean"] == pytest.approx(1 / 1.05, rel=0.01)


def flowline_peer(params: dict, replications: int, seed: int):
    """The same line on the compiled flow-line kernel (twin.des.flowline), written independently of this runner."""
    from twin.des.flowline import Breakdowns, Distribution, FlowLine, Source, Station

    def shifted(spec: dict, by: float) -> Distribution:
        p = {k: v for k, v in spec.items() if k != "dist"}
        if spec["dist"] == "deterministic":
            return Distribution("deterministic", {"value": p["value"] + by})
        assert spec["dist"] == "triangular"
        return Distribution("triangular", {k: v + by for k, v in p.items()})

    stations = [Station(name, shifted(s["process"], s["cleaning"]), capacity=len(s["units"]),
                        breakdowns=Breakdowns(s["mtbf"], s["mttr"], "operating") if s["mtbf"] else None)
                for name, s in params["stages"].items()]
    line = FlowLine([Source("orders", Distribution("deterministic", {"value": params["release"]["every"]}), "batch")],
                    stations, {"batch": list(params["stages"])})
    return line.run(horizon=params["horizon"], warmup=params["warmup"], seed=seed, replications=replications,
                    progress=False)


def test_example_scenario_agrees_with_the_flowline_kernel():
    """The example scenario (three shifts, so the kernel can model it) on both engines: the means of throughput,
    flow time and every stage's utilisation and downtime agree (Welch's t-test does not reject at 1%)."""
    from scenario_files import EXAMPLE

    scenario = load(EXAMPLE)
    params = scenario.variants["base"]
    ours = [execute(t).run.kpis for t in tasks(scenario, ["base"])]
    peer = flowline_peer(params, len(ours), seed=99)
    stages = list(params["stages"])
    pairs = {"throughput": peer.throughput[:, 0], "flow_time": peer.flow_time[:, 0],      # both in SI units
             **{f"utilisation.{s}": peer.utilisation[:, i] for i, s in enumerate(stages)},
             **{f"down.{s}": peer.down[:, i] for i, s in enumerate(stages)}}
    for kpi, theirs in pairs.items():
        mine = np.array([k[kpi] for k in ours])
        p = stats.ttest_ind(mine, theirs, equal_var=False).pvalue
        assert p > 0.01 or math.isclose(mine.mean(), theirs.mean(), rel_tol=1e-3), (kpi, mine.mean(), theirs.mean(), p)


def test_typed_parameters_hold_the_scenario_and_run_the_same_line():
    """LineParams.of reads every variant of the sample as the schema resolved it, and a Line built from the typed
    values gives the replication the checked mapping gives, bit for bit."""
    from scenario_files import EXAMPLE

    from scenarios.line_capacity.model import Line
    from scenarios.line_capacity.params import LineParams

    scenario = load(EXAMPLE)
    for name, params in scenario.variants.items():
        p = LineParams.of(params)
        window = (params["horizon"], params["warmup"], params["trace_interval"])
        assert (p.horizon, p.warmup, p.trace_interval) == window
        assert (p.release.pattern, p.release.every) == (params["release"]["pattern"], params["release"]["every"])
        assert p.staffed == params["shifts"]["count"] * params["shifts"]["length"]
        assert list(p.stages) == list(params["stages"])
        for stage, s in params["stages"].items():
            typed = p.stages[stage]
            assert (list(typed.units), typed.cleaning, typed.mtbf, typed.mttr) == \
                   (s["units"], s["cleaning"], s["mtbf"], s["mttr"]), (name, stage)
    params = dict(scenario.variants["second_blender"], horizon=20 * 86400.0)
    a = Line(params, np.random.SeedSequence(5, spawn_key=(0,))).run()
    b = Line(LineParams.of(params), np.random.SeedSequence(5, spawn_key=(0,))).run()
    assert a.kpis == b.kpis and all(np.array_equal(a.traces[k], b.traces[k]) for k in a.traces)
