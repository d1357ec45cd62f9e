"""Moist air against CoolProp's HumidAirProp (Herrmann, Kretzschmar and Gatley, ASHRAE RP-1485), the peer: the
saturation humidity ratio, relative humidity and dew point with real moist air's enhancement factor. The ideal-gas
handbook formula without it was 0.4-0.6 % low between 0 and 50 degC."""
import numpy as np
import pytest
from CoolProp.HumidAirProp import HAPropsSI
from hypothesis import assume, given
from hypothesis import strategies as st

from scenarios.energy import psychro


@pytest.mark.parametrize("p", [101325.0, 80000.0])
def test_saturation_humidity_ratio_equals_coolprop(p):
    t = np.linspace(273.4, 323.1, 41)  # between the table's 0.5 K nodes
    ours = psychro.saturation_humidity_ratio(t, p)
    coolprop = np.array([HAPropsSI("W", "T", x, "P", p, "R", 1.0) for x in t])
    assert np.abs(ours / coolprop - 1).max() < 1e-5  # the 0.5 K table interpolated
    ideal = psychro.humidity_ratio(psychro.saturation_pressure(t), p)  # what the study used before
    assert np.abs(ideal / coolprop - 1).max() > 4e-3


@given(t=st.floats(275.0, 320.0), rh=st.floats(0.05, 1.0))
def test_relative_humidity_and_dew_point_equal_coolprop(t, rh):
    w = HAPropsSI("W", "T", t, "P", 101325.0, "R", rh)
    assume(HAPropsSI("D", "T", t, "P", 101325.0, "W", w) > 273.5)  # below 0 degC CoolProp saturates over ice
    assert psychro.relative_humidity(t, w) == pytest.approx(rh, rel=5e-6)
    assert psychro.dew_point(w) == pytest.approx(HAPropsSI("D", "T", t, "P", 101325.0, "W", w), abs=2e-4)


def test_the_enhancement_factor_lies_where_the_handbook_puts_it():
    """About 1.004 near 0 degC rising to about 1.005 at 50 degC at one atmosphere (ASHRAE Fundamentals ch. 1)."""
    f = psychro.enhancement(np.array([273.15, 293.15, 323.15]))
    assert np.all((f > 1.003) & (f < 1.006)) and f[0] < f[2]


def test_the_stored_one_atmosphere_table_is_coolprop_s():
    """At 1 atm the enhancement factor's table is read from ``saturated_air_1atm.json`` instead of asking CoolProp,
    whose import takes seconds (a refused energy scenario waited 3.6 s CPU for it): the file must stay CoolProp's
    values. After a CoolProp upgrade that moves them, rewrite it from ``psychro.water_fractions``."""
    import json

    stored = json.loads(psychro.SATURATED_AIR_1ATM.read_text())
    assert stored["pressure"] == psychro.P_ATM
    np.testing.assert_allclose(stored["psi_w"], psychro.water_fractions(np.array(stored["t"]), psychro.P_ATM),
                               rtol=1e-12, atol=0)
    other = psychro._enhancement(80000.0)  # any other pressure asks CoolProp: the table holds 1 atm only
    assert other(293.15) != psychro._enhancement(psychro.P_ATM)(293.15)


def test_a_refused_energy_scenario_does_not_wait_for_coolprop(tmp_path):
    """The sample with a chiller renamed under a variant's override: refused (exit 2) after the base's checks, which
    read the rooms' saturation humidity. Before, CoolProp was imported for it (2.5 s): 3.6 s CPU, now about 1.2 s
    (the chillers' MILP and the tank's LP import SciPy's optimisers where they solve, not at the check)."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    text = (root / "scenarios/energy/multipurpose_osd.yaml").read_text()
    assert "    CH-03: {capacity" in text and "../../plant_models" in text
    bad = tmp_path / "energy.yaml"
    bad.write_text(text.replace("../../plant_models", str(root / "plant_models"))
                   .replace("    CH-03: {capacity", "    CH-09: {capacity"))
    probe = ("import sys; from twin.cli import main; code = main(['run', sys.argv[1]]); "
             "print(code, 'CoolProp' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", probe, str(bad)], capture_output=True, text=True, cwd=tmp_path)
    assert "CH-03" in done.stderr and "did you mean 'CH-09'" in done.stderr, done.stderr
    assert done.stdout.split("\n")[-2] == "2 False", done.stdout
