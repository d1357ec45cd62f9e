"""Internal gains from a batch campaign and energy per batch (scenarios.energy.batches): the campaign on twin.des
against SimPy, the room's heat and the attribution worked by hand, and the closure sum(batches) + unattributed ==
energy bought."""
import functools
import textwrap
from pathlib import Path

import numpy as np
import pytest
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from scenarios import scenario
from scenarios.energy import batches, model
from scenarios.energy.params import BatchPlan
from twin import plant as plants
from twin.config import ConfigError

ROOT = Path(__file__).resolve().parents[2]
PLANT = ROOT / "plant_models" / "osd_cm_line" / "osd_cm_line.ifc"
MULTIPURPOSE = ROOT / "scenarios" / "energy" / "multipurpose_osd.yaml"
HOUR, KWH = 3600.0, 3.6e6

# one grade-C room (G10, 56 m2, 168 m3 at 25 air changes) with its blender BL-101; two blends of 2 h, each
# followed by 1 h of cleaning; the second is released at 02:00 and waits for the blender until 04:00
BLENDS = f"""
plant: {PLANT}
study: energy
horizon: 1 d
seed: 1
step: 1 h
weather: {{max: 30 degC, range: 0 K, dew_point: 5 degC}}
production: {{start: 8 h, end: 9 h, days_per_week: 7}}
gains: {{production: 50 W/m2, idle: 50 W/m2}}
envelope_ua: 2 W/(m2 K)
ahus:
  AHU-01: {{serves: [G10], outside_air: 0.25, fan_pressure: 1200 Pa, fan_efficiency: 0.65}}
chillers: {{units: {{CH-01: {{capacity: 60 kW, cop: 5.5}}}}}}
tariff: {{periods: [{{from: 0 h, to: 24 h, price: 0.2}}]}}
leakage: {{doors: [[G10, outside]]}}
batches:
  products:
    BLEND: {{steps: {{blend: {{units: [BL-101], time: 2 h, clean: 1 h}}}}}}
  orders: [{{product: BLEND, batches: 2, release: 1 h, every: 1 h}}]
equipment:
  BL-101: {{running: 10 kW, idle: 1 kW, cleaning: 2 kW, to_room: 0.6}}
"""


def load(tmp_path, text: str = BLENDS, **replace):
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / "energy.yaml"
    path.write_text(textwrap.dedent(text))
    return scenario.load(path)


@functools.cache
def multipurpose():
    return scenario.load(MULTIPURPOSE)


def test_the_campaign_runs_the_same_on_twin_des_and_simpy():
    params = multipurpose().variants["base"]
    tags = list(plants.load(params["plant"]).assets)
    nominal = BatchPlan.of({**params["batches"], "duration_cv": 0.0})
    ours = batches.run(nominal, tags, params["horizon"])
    peer = batches.run(nominal, tags, params["horizon"], des=simpy)
    assert ours == peer and len(ours.intervals) > 100
    plan = BatchPlan.of(params["batches"])
    varied = [batches.run(plan, tags, params["horizon"], des=des, rng=np.random.default_rng(5))
              for des in (None, simpy)]
    assert varied[0] == varied[1] != ours
    first = [(i.unit, i.start / HOUR, i.end / HOUR) for i in ours.intervals if i.batch == 0 and i.state == "running"]
    # by hand from the recipe: dispensing 2 h, granulation 3 h, drying 4 h, blending 1.5 h, compression 10 h, ...
    assert first[:4] == [("DS-101", 0, 2), ("GR-201", 2, 5), ("FBD-201", 5, 9), ("BL-301", 9, 10.5)]
    assert all(np.isfinite(ours.finished()))          # every batch done within the four weeks


def test_equipment_heats_its_room_and_every_kwh_goes_to_a_batch_or_to_nobody(tmp_path):
    params = load(tmp_path).variants["base"]
    flows = model.balance(params)
    p = flows.power
    running, idle = [1, 2, 4, 5], [0, 7, 12, 23]            # hours of the day (steps of 1 h)
    # the blender's heat in the room: 60% of 10 kW running, of 1 kW idle: the reheat coil makes up the difference
    assert p.reheat[idle] - p.reheat[running[0]] == pytest.approx(0.6 * (10e3 - 1e3), rel=1e-9)
    assert p.process_exhaust[running] == pytest.approx(0.4 * 10e3)
    assert p.equipment[[3, 6]] == pytest.approx(2e3)    # cleaning at 03:00 and 06:00
    # batch 0 blends at 01-03 h and is cleaned after at 03-04 h; batch 1 waits for the blender until 04:00
    room = p.by_grade["C"] + 50 * 56                           # the room's HVAC share (all of the AHU) and lighting
    units = (10 * 2 + 2 * 1) * KWH
    events = flows.events
    assert events["kwh_units"] * KWH == pytest.approx([units, units], rel=1e-12)
    assert events["kwh_rooms"] * KWH == pytest.approx([room[1:4].sum() * HOUR, room[4:7].sum() * HOUR], rel=1e-12)
    assert events["t"] == pytest.approx([3 * 3600, 6 * 3600])   # the end of each batch's last step, s
    idle_energy = 1e3 * 18 * HOUR + (room.sum() - room[1:7].sum()) * HOUR
    assert flows.kpis["kwh.unattributed"] == pytest.approx(idle_energy / KWH, rel=1e-12)
    bought = flows.kpis["electricity"] + flows.kpis["gas"]
    assert flows.kpis["kwh.attributed"] + flows.kpis["kwh.unattributed"] == pytest.approx(bought, rel=1e-12)
    assert flows.kpis["batches"] == 2
    assert flows.kpis["kwh_per_batch.BLEND"] == pytest.approx(events["kwh_units"].mean() + events["kwh_rooms"].mean())


def test_a_room_in_use_keeps_its_full_air_through_a_setback(tmp_path):
    params = load(tmp_path, **{"leakage:": "control: {setback: {enabled: true, recovery: 1 h}}\nleakage:"})
    fans = model.balance(params.variants["base"]).power.fans
    design = 25 * 168 / 3600 * 1200 / 0.65
    # in use 01-07 h (blending and cleaning), full air from 00:00 (an hour's recovery before); the production
    # window 08-09 h from 07:00; set back to half the air (an eighth of the fan power) the rest of the day
    full = np.zeros(24, dtype=bool)
    full[0:9] = True
    assert fans[full] == pytest.approx(design, rel=1e-12)
    assert fans[~full] == pytest.approx(design * 0.5**3, rel=1e-12)


@pytest.mark.parametrize("variant", ["base", "night_setback", "optimal_dispatch"])
def test_the_batches_and_the_unattributed_energy_add_up_to_what_the_plant_bought(variant):
    kpis = model.simulate(multipurpose().variants[variant]).kpis
    assert kpis["batches"] == 16 and kpis["compliant"] == 1
    assert kpis["kwh.attributed"] + kpis["kwh.unattributed"] == pytest.approx(kpis["electricity"] + kpis["gas"],
                                                                            rel=1e-9)
    # and the rooms' bills (HVAC share, lighting, their units) add up to it too
    rooms = sum(v for k, v in kpis.items() if k.startswith("kwh.room."))
    assert rooms == pytest.approx(kpis["electricity"] + kpis["gas"], rel=1e-9)
    # a coated, wet-granulated tablet takes more than a direct-compression one
    assert kpis["kwh_per_batch.PARA-500"] > kpis["kwh_per_batch.MET-850"] > 0


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2), st.sampled_from(["U1", "U2", "U3"]), st.sampled_from(batches.STATES),
                          st.floats(0, 20), st.floats(0, 6)), max_size=12),
       st.floats(0.3, 2.0))
def test_attribution_closes_for_any_campaign(rows, step):
    # any intervals (even overlapping ones, which a DES never makes), units in two rooms and one unpowered unit
    intervals = [batches.Interval(b, unit, state, start, start + length) for b, unit, state, start, length in rows]
    campaign = batches.Campaign(["X", "Y", "Z"], intervals)
    t = np.arange(0.0, 24.0, step)
    power = {"U1": {"running": 5.0, "idle": 1.0, "cleaning": 2.0}, "U2": {"running": 3.0, "idle": 0.0,
                                                                          "cleaning": 0.5}}
    room_of = {"U1": "R1", "U2": "R1", "U3": "R2"}
    room_power = {"R1": 1 + np.sin(t) ** 2, "R2": np.full(t.size, 0.7)}
    from_units, from_rooms, unattributed = batches.attribute(campaign, power, room_of, room_power, t, step)
    drawn = sum(w.sum() * step for w in batches.unit_power(campaign, power, t, step).values())
    rooms = sum(w.sum() * step for w in room_power.values())
    assert from_units.sum() + from_rooms.sum() + unattributed == pytest.approx(drawn + rooms, rel=1e-9, abs=1e-9)
    assert (from_rooms >= 0).all() and unattributed >= -1e-9


@pytest.mark.parametrize("replace, message", [
    ({"[{product: BLEND,": "[{product: BLENDS,"}, "order of an unknown product 'BLENDS'"),
    ({"units: [BL-101]": "units: [BL-1O1]"}, "no unit of the plant is 'BL-1O1'"),
    ({"  BL-101: {running": "  TP-101: {running: 1 kW}\n  BL-101: {running"}, "TP-101 stands in room G11"),
    ({"to_room: 0.6": "to_room: 1.5"}, "must lie in \\[0, 1\\]"),
    ({"equipment:": "people: {shifts: [{from: 6 h, to: 14 h, rooms: {G11: 2}}]}\nequipment:"},
     "people in room 'G11', which no AHU serves"),
    ({"equipment:": "people: {shifts: [{from: 14 h, to: 6 h, rooms: {G10: 2}}]}\nequipment:"},
     "a shift runs from a time of day to a later one"),
])
def test_a_bad_campaign_is_refused_with_the_line(tmp_path, replace, message):
    with pytest.raises(ConfigError, match=message) as error:
        load(tmp_path, **replace)
    assert error.value.line is not None and str(error.value.file).endswith("energy.yaml")


def test_random_step_times_have_mean_one_and_the_cv_asked_and_repeat_with_the_seed(tmp_path):
    spec = load(tmp_path, **{"batches: 2, release: 1 h, every: 1 h": "batches: 400"}).variants["base"]["batches"]
    spec = BatchPlan.of({**spec, "duration_cv": 0.2})
    tags = list(plants.load(PLANT).assets)
    draw = functools.partial(batches.run, spec, tags, 1e9)
    ours = draw(rng=np.random.default_rng(11))
    factor = np.array([(i.end - i.start) / (2 * HOUR) for i in ours.intervals if i.state == "running"])
    # lognormal with sigma^2 = ln(1 + cv^2), mu = -sigma^2 / 2: mean 1, cv 0.2; 400 draws: 3 standard errors
    assert factor.size == 400
    assert factor.mean() == pytest.approx(1.0, abs=3 * 0.2 / np.sqrt(400))
    assert factor.std(ddof=1) == pytest.approx(0.2, abs=3 * 0.2 / np.sqrt(2 * 399))
    assert draw(rng=np.random.default_rng(11)) == ours == draw(des=simpy, rng=np.random.default_rng(11))
    assert draw(rng=np.random.default_rng(12)) != ours
