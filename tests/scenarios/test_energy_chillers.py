"""Chillers with the water temperatures (EnergyPlus's Chiller:Electric:EIR): the curve sets against their published
reference points, the dispatch at temperature against the same dispatch done by hand at reference conditions, and
the study's chillers against a hand calculation on a constant day.

References: OpenStudio's default ChillerElectricEIR curves (the issue's outside check: condenser water from 24 to
35 degC raises the power per kW of cooling by 31 %); the DOE-2 centrifugal curves of EnergyPlus's Chiller:Electric:EIR
tests, rated at 6.67 degC leaving chilled water and 29.4 degC entering condenser water; EnergyPlus's Input Output
Reference (EIRFPLR is 1 at full load; curve inputs are held inside their ranges).
"""
import textwrap

import numpy as np
import pytest
from test_energy_model import ONE_ROOM as ONE_ROOM_MODEL

from scenarios import scenario
from scenarios.energy import chillers, dispatch, model, psychro, storage

CAPACITY, COP = np.array([300e3, 300e3, 200e3]), np.array([6.0, 5.5, 5.0])
K = 273.15


@pytest.mark.parametrize("name", list(chillers.CURVES))
def test_the_curves_are_one_at_their_reference_and_at_full_load(name):
    curves = chillers.CURVES[name]
    capft, eirft = chillers.factors(curves, *(np.array(curves.reference) + K))
    # the fits' own error at their reference point (EnergyPlus warns beyond 10 %)
    assert capft == pytest.approx(1.0, abs=5e-3) and eirft == pytest.approx(1.0, abs=5e-3)
    assert sum(curves.part_load) == pytest.approx(1.0, rel=1e-15)


def test_a_warmer_condenser_costs_what_openstudio_s_curves_say():
    """6.67 degC chilled water: the condenser entering at 35 instead of 24 degC raises the power per kW of cooling
    at full load (EIRFT EIRFPLR(1) / COP) by 31 % and lowers the capacity."""
    curves = chillers.CURVES["openstudio"]
    (cap24, eir24), (cap35, eir35) = (chillers.factors(curves, 6.67 + K, y + K) for y in (24.0, 35.0))
    assert eir35 / eir24 == pytest.approx(1.315, abs=1e-3)
    assert cap35 < cap24


def test_inputs_outside_the_curves_ranges_are_held_at_their_edge():
    curves = chillers.CURVES["openstudio"]
    assert chillers.factors(curves, 6.67 + K, 15.0 + K) == chillers.factors(curves, 6.67 + K, 24.0 + K)
    assert chillers.factors(curves, 2.0 + K, 40.0 + K) == chillers.factors(curves, 5.0 + K, 35.0 + K)


def hand_power(load, capft, eirft, running):
    """Equal part-load ratio among the first ``running`` chillers in order, by the formula of the module doc."""
    a, b, c = chillers.CURVES["openstudio"].part_load
    available = CAPACITY[:running] * capft
    plr = load / available.sum()
    return sum(q / cop * eirft * (a + b * plr + c * plr**2) for q, cop in zip(available, COP[:running], strict=True))


def test_staged_and_optimal_at_temperature_equal_the_reference_dispatch_scaled():
    """A load of 500 kW at CAPFT 0.9: the two first chillers (540 kW available) run at PLR 0.926; the optimal
    split at temperature equals the split of load / CAPFT at reference, its power times CAPFT EIRFT."""
    curves, load = chillers.CURVES["openstudio"], np.array([500e3])
    capft, eirft = 0.9, 1.2
    reference, unmet = dispatch.staged(load / capft, CAPACITY, COP, curves.part_load)
    assert reference * capft * eirft == pytest.approx(hand_power(500e3, capft, eirft, 2), rel=1e-12)
    assert unmet == pytest.approx(0.0)
    best, _ = dispatch.optimal(load / capft, CAPACITY, COP, curves.part_load)
    assert best * capft * eirft <= reference * capft * eirft * (1 + 1e-12)


def test_the_commitment_at_temperature_is_the_enumeration_at_reference_scaled():
    """Hourly steps, nothing coupling the hours: committed with the factors equals dispatch.optimal of load / CAPFT
    times CAPFT EIRFT, step by step, and the unmet load is in W at temperature."""
    rng = np.random.default_rng(2)
    load, capft, eirft = rng.uniform(0, 850e3, 24), rng.uniform(0.9, 1.05, 24), rng.uniform(0.8, 1.3, 24)
    part_load = chillers.CURVES["openstudio"].part_load
    power, unmet, _ = dispatch.committed(load, CAPACITY, COP, part_load, step=3600.0, price=np.ones(24),
                                         capft=capft, eirft=eirft)
    reference, unmet_reference = dispatch.optimal(load / capft, CAPACITY, COP, part_load)
    assert power == pytest.approx(reference * capft * eirft, rel=1e-9)
    assert unmet == pytest.approx(unmet_reference * capft, abs=1e-6)


def test_the_tank_plan_pays_for_what_it_draws_at_temperature():
    """A flat price and no tank: the plan makes each hour's load and draws CAPFT EIRFT times the hull's power at
    load / CAPFT (the LP's segments scaled as storage.plan's docstring derives)."""
    part_load = chillers.CURVES["openstudio"].part_load
    curve = storage.hull(CAPACITY, COP, part_load)
    load = np.array([200e3, 400e3, 600e3])
    capft, eirft = np.array([1.0, 0.95, 0.9]), np.array([1.0, 1.1, 1.25])
    plan = storage.plan(load, np.ones(3), np.zeros(3), 0.0, curve, 0.0, capft=capft, eirft=eirft)
    assert plan.made == pytest.approx(load, rel=1e-6)
    assert plan.power == pytest.approx(capft * eirft * storage.power_on_hull(load / capft, curve), rel=1e-6)


# test_energy_model's one room, its tower's approach 4 K
ONE_ROOM = ONE_ROOM_MODEL.replace("chillers: {units: {CH-01: {capacity: 60 kW, cop: 5.5}}}",
                                  "chillers: {units: {CH-01: {capacity: 60 kW, cop: 5.5}}, tower: {approach: 4 K}}")
assert "approach: 4 K" in ONE_ROOM


def flows(tmp_path, text):
    path = tmp_path / "energy.yaml"
    path.write_text(textwrap.dedent(text))
    return model.balance(scenario.load(path).variants["base"])


@pytest.mark.parametrize(("condenser", "dew_point"), [("water", 5.0), ("water", 25.0), ("air", 5.0)])
def test_the_study_s_chiller_draws_what_the_eir_model_says(tmp_path, condenser, dew_point):
    """A constant day at 30 degC: the condenser water enters at the wet bulb (by psychro, checked against CoolProp
    elsewhere) plus the tower's 4 K approach, or, air-cooled, at the dry bulb; the chiller at 6.67 degC leaving
    water draws Q_avail / COP EIRFT EIRFPLR(Q / Q_avail) with Q the coil's load plus the pump's 3 %, with the
    default curves of its condenser (the water-cooled centrifugal rated at 29.4 degC, OpenStudio's at 35 degC)."""
    text = ONE_ROOM.replace("dew_point: 5 degC", f"dew_point: {dew_point} degC")
    text = text.replace("tower: {approach: 4 K}", f"tower: {{approach: 4 K}}, condenser: {condenser}")
    assert f"condenser: {condenser}" in text
    out = flows(tmp_path, text)
    w = psychro.saturation_humidity_ratio(min(dew_point, 30.0) + K)
    entering = 30.0 + K if condenser == "air" else float(psychro.wet_bulb(30.0 + K, w)) + 4.0
    curves = chillers.CURVES[chillers.DEFAULT_CURVES[condenser]]
    capft, eirft = chillers.factors(curves, 6.67 + K, entering)
    a, b, c = curves.part_load
    load = out.power.cooling_coils * 1.03
    plr = load / (60e3 * capft)
    expected = 60e3 * capft / 5.5 * eirft * (a + b * plr + c * plr**2)
    assert out.power.chillers == pytest.approx(expected, rel=1e-9)
    if condenser == "air":  # no cooling tower to drive
        assert not out.power.tower_fans.any() and not out.power.condenser_pump.any()


def test_a_warmer_tower_costs_the_chillers_more_for_the_same_cooling(tmp_path):
    """The same day and load with a tower whose water comes 10 K instead of 4 K above the wet bulb (a fouled or
    undersized tower): the condenser enters at about 32 instead of 26 degC (wet bulb 21.7 degC) and the chiller
    draws about 12 % more for the same cooling, which the old model could not show."""
    near = flows(tmp_path, ONE_ROOM.replace("dew_point: 5 degC", "dew_point: 18 degC"))
    far = flows(tmp_path, ONE_ROOM.replace("dew_point: 5 degC", "dew_point: 18 degC").replace("4 K", "10 K"))
    assert far.power.cooling_coils == pytest.approx(near.power.cooling_coils, rel=1e-12)
    assert far.power.chillers.sum() / near.power.chillers.sum() > 1.1
