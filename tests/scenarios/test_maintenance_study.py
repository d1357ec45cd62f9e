"""The maintenance study against renewal-reward theory for Weibull lifetimes (Barlow & Proschan 1965, ch. 4).

The DES replaces each asset at failure or at its planned age; its long-run cost rate, availability and unplanned
stops must equal the renewal-reward ratios of :mod:`scenarios.maintenance.renewal` within their intervals, and the
age the DES finds cheapest must cost what the analytical optimum costs.
"""
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import integrate, stats

from scenarios.maintenance.model import simulate
from scenarios.maintenance.renewal import AgeReplacement
from scenarios.scenario import BASE, load
from twin.config import ConfigError

H = 3600.0
ROOT = Path(__file__).resolve().parents[2]
PRESS = AgeReplacement(shape=2.5, scale=2000 * H, preventive_cost=2000, corrective_cost=12000,
                       preventive_time=4 * H, corrective_time=24 * H)


def params(age: float, asset: AgeReplacement = PRESS, horizon: float = 2_000_000 * H) -> dict:
    action = lambda cost, time: {"cost": cost, "duration": time}  # noqa: E731
    return {"horizon": horizon, "warmup": 0.0, "crew": 1,
            "policy": {"kind": "run_to_failure"} if math.isinf(age) else {"kind": "age", "age": age},
            "assets": {"TP-401": {"shape": asset.shape, "scale": asset.scale,
                                  "corrective": action(asset.corrective_cost, asset.corrective_time),
                                  "preventive": action(asset.preventive_cost, asset.preventive_time)}}}


def replications(age: float, count: int = 12, **kw) -> dict[str, np.ndarray]:
    runs = [simulate(params(age, **kw), s) for s in np.random.SeedSequence(7).spawn(count)]
    return {k: np.array([r.kpis[k] for r in runs]) for k in runs[0].kpis}


def inside(values: np.ndarray, expected: float, confidence: float = 0.999) -> bool:
    low, high = stats.t.interval(confidence, len(values) - 1, values.mean(), stats.sem(values))
    return low <= expected <= high


def test_up_time_is_the_integral_of_the_survival_function():
    for age in (100 * H, 900 * H, 5000 * H, math.inf):
        survival = lambda u: math.exp(-(u**PRESS.shape))  # noqa: E731  (u = t / scale)
        by_quad = PRESS.scale * integrate.quad(survival, 0, age / PRESS.scale)[0]
        assert PRESS.up_time(age) == pytest.approx(by_quad, rel=1e-8)


def test_the_optimum_meets_barlow_and_proschans_condition():
    """Without down times, T* solves r(T) int_0^T R - F(T) = c_p / (c_f - c_p), r the hazard rate."""
    asset = AgeReplacement(2.5, 2000 * H, 2000, 12000)
    t = asset.optimal_age()
    hazard = asset.shape / asset.scale * (t / asset.scale) ** (asset.shape - 1)
    lhs = hazard * asset.up_time(t) - asset.failure_probability(t)
    assert lhs == pytest.approx(2000 / (12000 - 2000), rel=1e-6)
    assert math.isinf(AgeReplacement(1.0, 2000 * H, 2000, 12000).optimal_age())  # no wear-out: never replace


@pytest.mark.parametrize("age", [300 * H, 900 * H, 2500 * H, math.inf])
def test_the_des_cost_rate_availability_and_stops_are_renewal_reward(age):
    kpis = replications(age)
    assert inside(kpis["cost_rate"], PRESS.cost_rate(age))
    assert inside(kpis["availability"], PRESS.availability(age))
    assert inside(kpis["unplanned_stops"], PRESS.failure_rate(age))


def test_the_cheapest_age_of_the_des_costs_the_analytical_optimum():
    """Ages on a grid, the same random numbers for each: the DES's cheapest age costs, by the theory, within 1 % of
    the optimum (the cost curve is flat near it), and the DES's cost there is the theory's within its interval."""
    ages = np.arange(500, 1500, 100) * H
    means = [replications(a, count=8, horizon=200_000 * H)["cost_rate"].mean() for a in ages]
    best = ages[int(np.argmin(means))]
    optimum = PRESS.optimal_age()
    assert abs(best - optimum) <= 300 * H
    assert PRESS.cost_rate(best) <= 1.01 * PRESS.cost_rate(optimum)


def test_condition_based_replacement_is_the_first_passage_to_the_level():
    """Inspected every hour, a Wiener indicator (mean life 2000 h, cv 0.3) is replaced when found at 0.8: it almost
    never fails first, and a cycle lasts the first passage to 0.8 (inverse Gaussian, mean 1600 h) plus half an
    inspection interval on average, plus the preventive time."""
    p = params(math.inf, horizon=300_000 * H)
    p["policy"] = {"kind": "condition", "level": 0.8, "inspect": 1 * H}
    p["assets"]["TP-401"].update(wear={"mean_life": 2000 * H, "cv": 0.3})
    runs = [simulate(p, s) for s in np.random.SeedSequence(8).spawn(6)]
    cost = np.array([r.kpis["cost_rate"] for r in runs])
    cycle = 1600 * H + 0.5 * H + PRESS.preventive_time
    assert inside(cost, PRESS.preventive_cost / cycle)
    assert sum(r.kpis["unplanned_stops"] for r in runs) == 0
    rare = dict(p, policy={"kind": "condition", "level": 0.8, "inspect": 500 * H})  # too seldom: failures come
    assert simulate(rare, np.random.SeedSequence(9)).kpis["unplanned_stops"] > 0


def test_rul_replacement_learns_the_level_that_the_true_parameters_give():
    """Replacing when the estimated P(fail within 48 h) reaches 5 %, the drift and diffusion learnt online from every
    reading: it costs what replacing at the level x* does, x* solving the inverse Gaussian's P(life <= 48 h) = 5 %
    with the true parameters (0.888), within the two runs' intervals (Welch)."""
    from scipy import optimize

    from twin.monitor.degradation import Wiener

    wear = Wiener.from_life(2000 * H, 0.3)
    level = optimize.brentq(lambda x: Wiener(wear.drift, wear.diffusion, 1.0, x).life().cdf(48 * H) - 0.05, 0, 0.999)
    costs = {}
    for policy in ({"kind": "rul", "inspect": 24 * H, "lead": 48 * H, "risk": 0.05},
                   {"kind": "condition", "level": level, "inspect": 24 * H}):
        p = params(math.inf, horizon=300_000 * H)
        p["policy"] = policy
        p["assets"]["TP-401"].update(wear={"mean_life": 2000 * H, "cv": 0.3})
        costs[policy["kind"]] = np.array([simulate(p, s).kpis["cost_rate"] for s in np.random.SeedSequence(3).spawn(6)])
    assert stats.ttest_ind(costs["rul"], costs["condition"], equal_var=False).pvalue > 0.01
    assert costs["rul"].mean() == pytest.approx(costs["condition"].mean(), rel=0.03)


def test_the_sample_scenario_loads_and_its_errors_are_named(tmp_path):
    scenario = load(ROOT / "scenarios" / "maintenance" / "multipurpose_osd.yaml")
    assert scenario.variants[BASE]["policy"]["kind"] == "age" and scenario.variants[BASE]["policy"]["age"] == 900 * H
    assert set(scenario.variants) == {BASE, "run_to_failure", "early", "late"}
    condition = load(ROOT / "scenarios" / "maintenance" / "condition.yaml")
    assert condition.variants["weekly"]["policy"]["inspect"] == 168 * H
    assert condition.variants["rul"]["policy"]["risk"] == 0.05
    text = (ROOT / "scenarios" / "maintenance" / "multipurpose_osd.yaml").read_text()
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("../../plant_models", str(ROOT / "plant_models")).replace("TP-402: *press",
                                                                                             "TP-420: *press"))
    with pytest.raises(ConfigError, match="unknown plant tag 'TP-420'") as error:
        load(bad)
    no_wear = tmp_path / "no_wear.yaml"
    no_wear.write_text(text.replace("../../plant_models", str(ROOT / "plant_models"))
                       .replace("policy: {kind: age, age: 900 h}", "policy: {kind: condition, level: 0.8}"))
    with pytest.raises(ConfigError, match="a condition policy needs the asset's wear process"):
        load(no_wear)
    assert "bad.yaml:18, key 'assets.TP-420'" in str(error.value) and "did you mean" in str(error.value)


def test_lifetimes_come_from_the_plant_overlays_classes_unless_the_scenario_gives_them(tmp_path):
    """The sample scenario gives its presses and coaters no lifetime: plant_models/multipurpose_osd/plant.yaml's
    classes do (RotaryTabletPress 2.5, 2000 h; PanCoater 1.8, 3000 h: the values the scenario carried before)."""
    base = load(ROOT / "scenarios" / "maintenance" / "multipurpose_osd.yaml").variants[BASE]["assets"]
    assert [(base[t]["shape"], base[t]["scale"] / H) for t in ("TP-401", "TP-402", "CT-501", "CT-502")] == [
        (2.5, 2000.0), (2.5, 2000.0), (1.8, 3000.0), (1.8, 3000.0)]
    text = (ROOT / "scenarios" / "maintenance" / "multipurpose_osd.yaml").read_text().replace(
        "../../plant_models", str(ROOT / "plant_models"))
    own = tmp_path / "own.yaml"
    own.write_text(text.replace("  TP-402: *press", "  TP-402: {shape: 3.0, scale: 1000 h, corrective: {cost: 1, "
                                                    "duration: 1 h}, preventive: {cost: 1, duration: 1 h}}"))
    assert load(own).variants[BASE]["assets"]["TP-402"]["shape"] == 3.0   # the scenario's own wins
    ifc = tmp_path / "ifc.yaml"   # the bare IFC has no classes: no lifetime, and the error says where to put one
    ifc.write_text(text.replace("plant_models/multipurpose_osd/plant.yaml", "plant_models/multipurpose_osd/"
                                                                            "multipurpose_osd.ifc"))
    with pytest.raises(ConfigError, match="no lifetime") as error:
        load(ifc)
    assert "key 'assets.TP-401'" in str(error.value) and "plant overlay's classes" in str(error.value)
