"""The utilities beside the chillers (scenarios.energy.utilities) against textbook numbers: ASHRAE 90.1's cooling
tower rating in US units, steam tables, the isothermal work of compression, CoolProp's wet bulb; and the plant
with all of them balancing."""
import functools
from pathlib import Path

import numpy as np
import pytest
from CoolProp.HumidAirProp import HAPropsSI

from scenarios import scenario
from scenarios.energy import batches, model, psychro, utilities
from scenarios.energy.params import BatchPlan, Tower
from twin import plant as plants

ROOT = Path(__file__).resolve().parents[2]
MULTIPURPOSE = ROOT / "scenarios" / "energy" / "multipurpose_osd.yaml"
TOWER = {"approach": 4.0, "range": 10 * 5 / 9, "fan": utilities.ASHRAE_90_1_FAN, "head": 20.0,
         "pump_efficiency": 0.7}


@functools.cache
def multipurpose():
    params = scenario.load(MULTIPURPOSE).variants["base"]
    return params, model.balance(params)


def test_the_tower_fan_at_design_is_the_ashrae_90_1_rating_in_us_units():
    # 1000 kW rejected = 3,412,142 Btu/h; at a 10 degF range the water is Q / (500 x 10) = 682.4 gpm (the HVAC
    # "500": 8.33 lb/gal x 60 min/h x 1 Btu/(lb degF)); at the ASHRAE 90.1 minimum of 40.2 gpm per fan hp the fan
    # takes 682.4 / 40.2 = 16.98 hp = 12.66 kW
    design = 1000e3
    gpm = design * 3.412142 / (500 * 10)
    fan_kw = gpm / 40.2 * 0.7457
    out = utilities.tower(np.array([design, design / 2, 0.0]), np.full(3, 295.0), design, Tower(**TOWER))
    assert out["fan"][0] / 1e3 == pytest.approx(fan_kw, rel=2e-3)
    assert out["fan"][1] == pytest.approx(out["fan"][0] / 8, rel=1e-12)       # affinity law: half the air
    # pump: the design flow (1000 kW over 5.56 K: 43.0 L/s) against 20 m at 70%: rho g H V / eta = 12.0 kW
    flow = design / (998.0 * 4186.0 * 10 * 5 / 9)
    assert out["pump"][:2] == pytest.approx(998.0 * 9.80665 * 20 * flow / 0.7, rel=1e-12)
    assert out["pump"][2] == 0 and out["fan"][2] == 0
    assert out["supply"] == pytest.approx(299.0)                                # wet bulb + approach


@pytest.mark.parametrize("t, w", [(305.15, 0.012), (295.15, 0.005), (280.15, 0.003)])
def test_wet_bulb_against_coolprop(t, w):
    # CoolProp's humid air includes the enhancement factor of real moist air: a few hundredths of a kelvin apart
    assert psychro.wet_bulb(t, w) == pytest.approx(HAPropsSI("B", "T", t, "P", 101325, "W", w), abs=0.06)


def test_steam_heat_against_the_steam_tables():
    # Cengel & Boles, Thermodynamics, tables A-4/A-5 (IAPWS): saturated vapour at 1 MPa h_g = 2777.1 kJ/kg;
    # saturated liquid at 80 degC h_f = 335.02 kJ/kg (compressed to 1 MPa: +0.6 kJ/kg, within the tolerance)
    assert utilities.steam_heat(1e6, 353.15) == pytest.approx((2777.1 - 335.02) * 1e3, rel=5e-4)


def test_compressor_power_is_the_isothermal_work_over_its_efficiency():
    # 1 m3/min of free air to 8 bar absolute: p1 V ln(p2 / p1) = 101325 / 60 x ln(7.895) = 3.49 kW ideal;
    # at 55% isothermal efficiency 6.34 kW, i.e. 6.3 kW per m3/min (screw compressors at 7 bar(g): 6-7)
    ideal = 101325 / 60 * np.log(8e5 / 101325)
    assert ideal == pytest.approx(3489.5, rel=1e-4)
    assert utilities.compressor_power(1 / 60, 8e5, 0.55) == pytest.approx(ideal / 0.55, rel=1e-12)


def test_the_plant_with_steam_and_compressed_air_balances_and_meters_them():
    params, flows = multipurpose()
    p = flows.power
    energy_in = sum(getattr(p, k).sum() for k in ("electricity", "gas", "outside_air_in", "envelope_in",
                                                  "people_in"))
    energy_out = sum(getattr(p, k).sum() for k in ("tower", "flue_loss", "exhaust_out", "process_exhaust",
                                                   "process_steam", "compressor_heat", "stored"))
    assert abs(energy_in - energy_out) / energy_in < 1e-3
    # steam and air by hand from the campaign: each interval's duration times its unit's rate
    campaign = batches.run(BatchPlan.of(params["batches"]), list(plants.load(params["plant"]).assets),
                           params["horizon"], rng=np.random.default_rng(np.random.SeedSequence(params["seed"])))
    steam = {"FBD": {"running": 150 / 3600, "cleaning": 40 / 3600}, "CT-": {"running": 60 / 3600, "cleaning": 0}}
    kg = sum(steam[i.unit[:3]][i.state] * (min(i.end, params["horizon"]) - i.start)
             for i in campaign.intervals if i.unit[:3] in steam)
    assert flows.kpis["steam"] == pytest.approx(kg / 1e3, rel=1e-9)
    assert kg > 1000
    # packaging lines take 5 m3/h of air idle (4 lines x 28 days), 40 running and none while cleaned
    running = {"GR-": 30, "FBD": 20, "TP-": 15, "PK-": 40}
    m3 = 4 * 5 * 28 * 24 + sum(
        ((running[i.unit[:3]] if i.state == "running" else 0) - (5 if i.unit.startswith("PK") else 0)) / 3600
        * (min(i.end, params["horizon"]) - i.start) for i in campaign.intervals if i.unit[:3] in running)
    assert flows.kpis["compressed_air"] == pytest.approx(m3, rel=1e-9)
    assert flows.kpis["kwh.compressors"] == pytest.approx(
        utilities.compressor_power(m3, 8e5, 0.55) / 3.6e6, rel=1e-9)
