"""Bad input to the energy study: each problem named with file, line and a way to fix it; the EPW reader."""
import dataclasses
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scenarios import scenario
from scenarios.energy import model, tariff, water, weather
from scenarios.energy.params import EnergyParams, Tariff
from twin import plant as plants
from twin.cli import main
from twin.config import ConfigError, loads

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "scenarios" / "energy" / "osd_cm_line.yaml"
PLANT = ROOT / "plant_models" / "osd_cm_line" / "osd_cm_line.ifc"
SCENARIO = f"""\
plant: {PLANT}
study: energy
horizon: 1 d
seed: 1
ahus:
  AHU-01: {{serves: [G10, G11]}}
chillers: {{units: {{CH-01: {{capacity: 60 kW}}}}}}
tariff:
  periods:
    - {{from: 0 h, to: 8 h, price: 0.1}}
    - {{from: 8 h, to: 24 h, price: 0.2}}
"""


def load(tmp_path, text: str = SCENARIO, **replace):
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / "energy.yaml"
    path.write_text(text)
    return scenario.load(path)


def error(tmp_path, **replace) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, **replace)
    return info.value


def test_an_ahu_serving_a_room_the_plant_does_not_have(tmp_path):
    exc = error(tmp_path, **{"[G10, G11]": "[G10, G1l]"})
    assert "AHU-01 serves room 'G1l'" in str(exc) and exc.line == 6 and "did you mean 'G1" in str(exc)
    assert exc.file == tmp_path / "energy.yaml" or str(exc.file).endswith("energy.yaml")


def test_a_room_served_twice(tmp_path):
    exc = error(tmp_path, **{"AHU-01: {serves: [G10, G11]}": "AHU-01: {serves: [G10]}\n  AHU-02: {serves: [G10]}"})
    assert "already served by AHU-01" in str(exc) and exc.line == 7


def test_a_tariff_with_a_gap_or_short_of_the_day(tmp_path):
    exc = error(tmp_path, **{"from: 8 h, to: 24 h": "from: 9 h, to: 24 h"})
    assert "leaves a gap from 8 h" in str(exc) and exc.line == 11 and "start this period at 8 h" in str(exc)
    exc = error(tmp_path, **{"from: 8 h, to: 24 h": "from: 8 h, to: 20 h"})
    assert "does not cover the day" in str(exc) and "add a period from 20 h to 24 h" in str(exc)


def test_an_infeasible_comfort_band_and_an_unknown_room(tmp_path):
    exc = error(tmp_path, **{"seed: 1\n": "seed: 1\nroom: {set: 25 degC, high: 24 degC}\n"})
    assert "comfort band is infeasible" in str(exc) and exc.line == 5
    exc = error(tmp_path, **{"seed: 1\n": "seed: 1\nrooms: {G99: {ach: 10}}\n"})
    assert "unknown room 'G99'" in str(exc)


def test_chiller_capacity_from_the_plant_or_a_clear_error(tmp_path):
    s = load(tmp_path, **{"CH-01: {capacity: 60 kW}": "CH-01: {cop: 5.0}"})
    # CH-01's IFC: CoolingCapacity_kW 120
    assert water.capacities(EnergyParams.of(s.variants["base"])) == pytest.approx([120e3])
    exc = error(tmp_path, **{"CH-01: {capacity: 60 kW}": "CH-09: {cop: 5.0}"})
    assert "chiller CH-09 has no capacity" in str(exc) and exc.line == 7 and "{capacity: 150 kW}" in str(exc)


def test_the_commitment_refuses_negative_minimum_times_and_steps_off_the_hour(tmp_path):
    chillers = "chillers: {units: {CH-01: {capacity: 60 kW}}}"
    exc = error(tmp_path, **{chillers: "chillers: {units: {CH-01: {capacity: 60 kW}}, dispatch: optimal, "
                                       "min_on: -2 h}"})
    assert "key 'chillers.min_on': got str '-2 h': it cannot be negative" in str(exc) and exc.line == 7
    exc = error(tmp_path, **{chillers: "chillers: {units: {CH-01: {capacity: 60 kW}}, start_cost: -1}"})
    assert "start_cost" in str(exc)
    exc = error(tmp_path, **{chillers: "chillers: {units: {CH-01: {capacity: 60 kW}}, dispatch: optimal}\n"
                                       "step: 7 min"})
    assert "the optimal dispatch are planned by the hour" in str(exc) and "step: 5 min" in str(exc)


def test_a_room_without_volume_names_the_room_and_the_fix(tmp_path, monkeypatch):
    real = plants.load(PLANT)
    spaces = {**real.spaces, "G10": dataclasses.replace(real.spaces["G10"], volume=None)}
    monkeypatch.setattr(model.plants, "load", lambda path: dataclasses.replace(real, spaces=spaces))
    exc = error(tmp_path)
    assert "room G10 (Blending and PAT room) has no volume" in str(exc) and "rooms: {G10: {volume: ...}}" in str(exc)
    assert str(exc.file).endswith("osd_cm_line.ifc")


EPW_HEADER = ["LOCATION,Somewhere,,,,0,0,0,0"] + [f"HEADER {i}" for i in range(2, 9)]


def epw_line(month: int, day: int, hour: int, dry_bulb: float, fields: int = 35) -> str:
    return ",".join([str(2001), str(month), str(day), str(hour), "60", "?9?9?9", f"{dry_bulb:.1f}"]
                    + ["0"] * (fields - 7))


def write_epw(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(EPW_HEADER + lines) + "\n")
    return path


def two_days() -> list[str]:
    # 31 January into 1 February: the month rolls over at midnight
    return ([epw_line(1, 31, h, 10.0 + h / 2) for h in range(1, 25)]
            + [epw_line(2, 1, h, 5.0 + h / 4) for h in range(1, 25)])


def test_epw_reader_reads_the_dry_bulb_of_a_real_layout(tmp_path):
    temps, dew = weather.read_epw(write_epw(tmp_path / "w.epw", two_days()), 48)
    assert dew == pytest.approx(np.full(49, 273.15))                         # the lines' dew point: 0 degC
    # hour k of the run is the line of the hour ending at k; hour 0 repeats the first line
    assert temps.size == 49 and temps[0] == temps[1] == pytest.approx(283.65) and temps[-1] == pytest.approx(284.15)


@pytest.mark.parametrize("damage, message, line", [
    (lambda ls: ls[:5] + ls[6:], "gap in the weather: 31/01 hour 5 is followed by 31/01 hour 7", 14),
    (lambda ls: ls[:3] + [epw_line(1, 31, 4, 99.9)] + ls[4:], "missing dry-bulb temperature at 31/01 hour 4", 12),
    (lambda ls: ls[:2] + [epw_line(1, 31, 3, 12.0, fields=30)] + ls[3:], "a data line has 30 fields", 11),
    (lambda ls: ls[:30], "the weather file covers 30 hours, the run needs 48", 38),
    (lambda ls: ls[:23] + ls[24:], "gap in the weather: 31/01 hour 23 is followed by 01/02 hour 1", 32),
])
def test_epw_reader_names_the_file_and_line_of_bad_weather(tmp_path, damage, message, line):
    path = write_epw(tmp_path / "w.epw", damage(two_days()))
    with pytest.raises(ConfigError) as info:
        weather.read_epw(path, 48)
    assert message in str(info.value) and info.value.line == line and str(path) in str(info.value)


def test_a_file_that_is_no_epw(tmp_path):
    path = tmp_path / "w.epw"
    path.write_text("t,T\n0,20\n")
    with pytest.raises(ConfigError, match="not an EPW weather file"):
        weather.read_epw(path, 1)


def test_the_scenario_runs_on_an_epw_file_and_reads_its_hours(tmp_path):
    epw = write_epw(tmp_path / "w.epw", two_days())
    s = load(tmp_path, **{"seed: 1\n": f"seed: 1\nstep: 1 h\nweather: {{epw: {epw.name}}}\n"})
    flows = model.balance(s.variants["base"])
    # hour k of the run is the hour ending at k in the file (10.0 + k / 2 degC); hour 0 repeats hour 1
    assert flows.traces["T_out"][:24] == pytest.approx([10.5] + [10.0 + h / 2 for h in range(1, 24)])


PERIODS = st.lists(st.integers(1, 23), max_size=6, unique=True).map(sorted)


@settings(max_examples=60, deadline=None)
@given(cuts=PERIODS, prices=st.lists(st.floats(0, 1), min_size=7, max_size=7), drop=st.integers(0, 6))
def test_tariff_periods_cover_the_day_or_are_refused(cuts, prices, drop):
    bounds = [0, *cuts, 24]
    periods = [{"from": a * 3600.0, "to": b * 3600.0, "price": p} for a, b, p in zip(bounds, bounds[1:], prices)]
    text = "periods:\n" + "".join(f"  - {{from: {p['from']}, to: {p['to']}, price: {p['price']}}}\n"
                                  for p in periods)
    spec = loads(text)
    spec["demand_charge"], spec["currency"] = 0.0, "EUR"
    tariff.check(spec)
    t = np.arange(0, 86400.0, 600.0)
    expected = [next(p["price"] for p in periods if p["from"] <= x < p["to"]) for x in t]
    assert tariff.prices(Tariff.of(spec), t) == pytest.approx(expected)
    if len(periods) > 1:  # take one period out: a gap, or a day that ends early
        del spec["periods"][drop % len(periods)]
        with pytest.raises(ConfigError, match="gap|does not cover"):
            tariff.check(spec)


def test_twin_run_writes_the_result_folder_of_a_variant(tmp_path):
    out = tmp_path / "result"
    assert main(["run", str(EXAMPLE), "--variant", "night_setback", "-o", str(out), "--workers", "1",
                 "--no-progress"]) == 0
    assert (out / "report.html").exists() and (out / "figures" / "traces.png").exists()
    assert (out / "figures" / "energy_balance.png").exists()                 # the study's own Sankey figure
    assert (out / "figures" / "room_energy.png").exists()                    # and the rooms in 3D by kWh/m2
    assert (out / "figures" / "load_profiles.png").exists() and (out / "figures" / "room_conditions.png").exists()
    assert "violation_minutes" in (out / "kpis.json").read_text()


def test_a_week_of_more_than_seven_production_days(tmp_path):
    """``days_per_week: 9`` was accepted and ran as 7 (the schedule compares the day of the week with it)."""
    exc = error(tmp_path, **{"seed: 1\n": "seed: 1\nproduction: {days_per_week: 9}\n"})
    assert "days_per_week" in str(exc) and "<= 7" in str(exc) and exc.line == 5
    assert load(tmp_path, **{"seed: 1\n": "seed: 1\nproduction: {days_per_week: 7}\n"})
