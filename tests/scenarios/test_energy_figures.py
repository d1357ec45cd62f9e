"""The energy study's figures: the two-stage energy balance closes at every node, against the KPIs the model
computes independently (electricity and gas as metered, kWh by grade as billed to the rooms); the load profiles
add up to the metered electricity; the room conditions drawn against their limits agree with the violation KPI."""
import functools
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from scenarios import scenario
from scenarios.energy import air, figures, model
from tests.scenarios.test_energy_model import example_flows

MULTIPURPOSE = Path(__file__).resolve().parents[2] / "scenarios" / "energy" / "multipurpose_osd.yaml"

UTILITIES = ("chilled-water plant", "boiler", "AHUs")


@functools.cache
def kpis_of(variant: str) -> dict:
    if variant == "precooling":        # the multipurpose plant with a chilled-water tank (3 chillers, 4 AHUs)
        return model.balance(scenario.load(MULTIPURPOSE).variants[variant]).kpis
    return example_flows()[variant].kpis


def flows_of(variant: str) -> tuple[dict, list]:
    kpis = kpis_of(variant)
    return kpis, figures.balance_flows(kpis)


def into(flows, node):
    return sum(v for _, b, v in flows if b == node)


def out_of(flows, node):
    return sum(v for a, _, v in flows if a == node)


@pytest.mark.parametrize("variant", ["base", "night_setback", "setback_and_reset", "precooling"])
def test_every_utility_node_balances_and_the_sources_match_what_was_bought(variant):
    kpis, flows = flows_of(variant)
    # the sources: what leaves the grid and the gas meter is what the model metered
    assert out_of(flows, "grid electricity") == pytest.approx(kpis["electricity"], rel=1e-9)
    assert out_of(flows, "gas") == pytest.approx(kpis["gas"], rel=1e-9)
    # each utility: in == out + losses (the chilled-water plant's power while no coil needs cold)
    for node in UTILITIES:
        losses = into(flows, figures.IDLE) if node == "chilled-water plant" else 0.0
        assert into(flows, node) == pytest.approx(out_of(flows, node) + losses, rel=1e-9), node
    # the AHUs deliver to the rooms by grade exactly what the model billed to each grade
    for key, kwh in kpis.items():
        if key.startswith("kwh.grade."):
            assert into(flows, f"grade {key.removeprefix('kwh.grade.')} rooms") == pytest.approx(kwh, rel=1e-12)
    # the boiler splits its gas by the heat each takes: the coils' share equals gas for coils at 90% efficiency
    heat = kpis["kwh.reheat"] + kpis["kwh.preheat"]
    assert dict(((a, b), v) for a, b, v in flows)[("boiler", "AHUs")] == pytest.approx(heat / 0.9, rel=1e-9)
    # every use is reached: no energy ends in a utility
    uses = {b for _, b, _ in flows} - set(UTILITIES)
    assert sum(into(flows, u) for u in uses) == pytest.approx(kpis["electricity"] + kpis["gas"], rel=1e-9)


def test_a_tank_charged_with_no_coil_load_is_the_chilled_water_plants_loss():
    # by hand: 100 kWh of water-plant power, 30 of them while no coil needed cold; 10 kWh of fans; no heat
    kpis = {"electricity": 110.0, "gas": 0.0, "kwh.chillers": 80.0, "kwh.pump": 10.0, "kwh.tower_fans": 6.0,
            "kwh.condenser_pump": 4.0, "kwh.fans": 10.0, "kwh.chilled_water_idle": 30.0, "kwh.grade.C": 80.0}
    flows = {(a, b): v for a, b, v in figures.balance_flows(kpis)}
    assert flows == {("grid electricity", "chilled-water plant"): 100.0, ("grid electricity", "AHUs"): 10.0,
                     ("chilled-water plant", "AHUs"): 70.0, ("chilled-water plant", figures.IDLE): 30.0,
                     ("AHUs", "grade C rooms"): 80.0}


def traces_table(variant: str) -> pa.Table:
    traces = example_flows()[variant].traces
    return pa.table({"replication": np.zeros(traces["t"].size, dtype=int), **traces})


@pytest.mark.parametrize("variant", ["base", "night_setback"])
def test_the_load_profiles_by_utility_add_up_to_the_metered_electricity(variant):
    t, profiles = figures.utility_profiles(traces_table(variant))
    flows = example_flows()[variant]
    assert t == pytest.approx(flows.t)
    # the model meters electricity as one sum (model.balance); the utilities' profiles are drawn from their parts
    assert sum(profiles.values()) == pytest.approx(flows.power.electricity / 1e3, rel=1e-12)
    assert profiles["AHU fans"] == pytest.approx(flows.power.fans / 1e3, rel=1e-12)


@pytest.mark.parametrize("variant", ["base", "night_setback", "setback_losing_pressure"])
def test_the_room_conditions_drawn_against_their_limits_agree_with_the_violation_minutes(variant):
    flows = example_flows()[variant]
    traces, step = flows.traces, flows.t[1] - flows.t[0]
    assert np.all(traces["T_room_min"] <= traces["T_room_max"])
    # the example's limits: 18..24 degC, at most 60% relative humidity, pressures at least at their limits
    outside = ((traces["T_room_min"] < 18) | (traces["T_room_max"] > 24) | (traces["RH_room_max"] > 60 + 1e-7)
               | (traces["dp_margin_min"] < -air.DP_TOLERANCE))
    if flows.kpis["compliant"]:
        assert not outside.any()
    else:   # the violation KPI counts room-minutes: at least one room for every step a trace is over its limit
        assert outside.any() and flows.kpis["violation_minutes"] >= outside.sum() * step / 60
