"""Chilled-water storage and the hourly chiller plan (scenarios.energy.storage) against brute-force dynamic
programming, a demand charge worked by hand, and the multipurpose plant pre-cooling against its tariff."""
import functools
from pathlib import Path

import numpy as np
import pytest

from scenarios import scenario
from scenarios.energy import dispatch, model, storage, water
from twin.config import ConfigError

ROOT = Path(__file__).resolve().parents[2]
MULTIPURPOSE = ROOT / "scenarios" / "energy" / "multipurpose_osd.yaml"
CAPACITY, COP = np.array([100e3, 100e3]), np.array([6.0, 5.0])
UNIT = CAPACITY.sum() / (storage.CURVE_POINTS - 1)          # W: the step of the sampled power curve


@functools.cache
def multipurpose():
    s = scenario.load(MULTIPURPOSE)
    return s, {name: model.balance(s.variants[name]) for name in ("optimal_dispatch", "precooling")}


def test_the_hull_is_convex_and_never_above_the_least_power():
    made, drawn = storage.hull(CAPACITY, COP, water.DOE2_EIR)
    slopes = np.diff(drawn) / np.diff(made)
    assert np.all(np.diff(slopes) >= -1e-12)
    q = np.linspace(0, CAPACITY.sum(), storage.CURVE_POINTS)
    least, _ = dispatch.optimal(q, CAPACITY, COP, water.DOE2_EIR)
    assert np.all(storage.power_on_hull(q, (made, drawn)) <= least + 1e-9)
    assert storage.power_on_hull(made, (made, drawn)) == pytest.approx(
        dispatch.optimal(made, CAPACITY, COP, water.DOE2_EIR)[0], rel=1e-12)


def test_the_plan_equals_brute_force_over_every_tank_level():
    # six hours, loads and a 100 kWh tank on the curve's grid (200 kW / 60): dynamic programming over every level
    # of the tank and every production of the chillers, for every starting level, ending where it started
    curve = storage.hull(CAPACITY, COP, water.DOE2_EIR)
    load = np.array([18, 27, 45, 54, 36, 9])                 # in UNITs: 60 .. 180 kW
    price = np.array([0.10, 0.10, 0.30, 0.30, 0.25, 0.10])
    levels = 30                                              # 30 UNIT h = 100 kWh
    plan = storage.plan(load * UNIT, price, np.zeros(6), levels * UNIT * 3600, curve, 0.0)
    made = np.arange(storage.CURVE_POINTS)
    kwh = storage.power_on_hull(made * UNIT, curve) / 1e3     # an hour's kWh at each production
    cost = np.full((levels + 1, levels + 1), np.inf)         # [start level, level now]
    np.fill_diagonal(cost, 0.0)
    for hour in range(6):
        after = np.full_like(cost, np.inf)
        for q in made:
            shift = q - load[hour]                           # the tank's change this hour
            lo, hi = max(0, -shift), min(levels, levels - shift)
            if lo <= hi:
                candidate = cost[:, lo:hi + 1] + price[hour] * kwh[q]
                after[:, lo + shift:hi + shift + 1] = np.minimum(after[:, lo + shift:hi + shift + 1], candidate)
        cost = after
    assert plan.cost == pytest.approx(np.diag(cost).min(), rel=1e-9)
    assert plan.stored.max() <= levels * UNIT * 3600 * (1 + 1e-9)
    assert plan.made[2:5].sum() < load[2:5].sum() * UNIT      # the tank carries part of the dear hours


def test_a_demand_charge_flattens_the_chillers_to_the_mean_load():
    # one price all day, a demand charge, a tank big enough: the cheapest is to make the mean load every hour
    # (the hull is convex, so any other profile costs more energy and a higher peak)
    curve = storage.hull(CAPACITY, COP, water.DOE2_EIR)
    load = np.array([40e3, 160e3, 120e3, 80e3])
    plan = storage.plan(load, np.full(4, 0.2), np.zeros(4), 500 * 3.6e6, curve, 15.0)
    assert plan.made == pytest.approx(np.full(4, 100e3), rel=1e-6)
    power = storage.power_on_hull(100e3, curve)
    assert plan.cost == pytest.approx(4 * 0.2 * power / 1e3 + 15.0 * power / 1e3, rel=1e-6)


def test_precooling_charges_the_tank_at_night_and_beats_the_best_dispatch_without_it():
    s, flows = multipurpose()
    tank, best = flows["precooling"], flows["optimal_dispatch"]
    assert tank.kpis["compliant"] == 1 and not tank.power.unmet_cooling.any()
    assert tank.kpis["cost"] < best.kpis["cost"] and tank.kpis["peak"] < best.kpis["peak"]
    hour = (tank.t % 86400) // 3600
    night, day = hour < 7, (hour >= 7) & (hour < 20)         # the tariff's 0.12 and 0.24 EUR/kWh periods
    assert tank.power.storage_in[night].mean() > 0 > tank.power.storage_in[day].mean()
    # the tank ends as it began: the cold put in is the cold taken out, and the balance closes
    assert abs(tank.power.storage_in.sum()) < 1e-9 * tank.power.cooling_coils.sum()


def test_a_tank_needs_a_step_that_divides_the_hour(tmp_path):
    text = MULTIPURPOSE.read_text().replace("plant: ../../", f"plant: {ROOT}/").replace("step: 5 min", "step: 7 min")
    path = tmp_path / "energy.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match="planned by the hour") as error:
        scenario.load(path)
    assert error.value.key is not None
