"""Thermal risk against independent references: TMRad against the adiabatic induction time integrated by SciPy,
TD24 and the MTSR of the reactor model worked by hand, Stoessel's classes from his table."""
import math
from pathlib import Path

import pytest
from scipy.integrate import quad

from scenarios.runs import execute, tasks
from scenarios.safety.thermal import DAY, Decomposition, R, criticality, mtsr
from scenarios.scenario import load
from twin.config import ConfigError
from twin.process import simulate
from twin.process.units import SemiBatchReactor
from twin.process.units.reactor import Contents, Jacket, Kinetics

DECOMPOSITION = Decomposition(q0=10.0, T0=423.15, Ea=100e3, cp=1800.0)  # 10 W/kg at 150 degC


def test_tmr_ad_worked_by_hand():
    """cp R T0^2 / (q0 Ea) = 1800 x 8.314462618 x 423.15^2 / (10 x 1e5) = 2679.76 s at 150 degC."""
    assert DECOMPOSITION.tmr_ad(423.15) == pytest.approx(1800 * 8.314462618 * 423.15**2 / 1e6, rel=1e-12)
    assert DECOMPOSITION.tmr_ad(423.15) == pytest.approx(2679.76, abs=0.01)


@pytest.mark.parametrize("T", [380.0, 423.15, 450.0])
def test_tmr_ad_against_the_adiabatic_induction_time(T):
    """The exact time for a zero-order decomposition to run away adiabatically, int_T^inf cp / q(T') dT' (SciPy),
    agrees with Townsend and Tou's approximation to its first-order error 2 R T / Ea (~7 % here)."""
    d = DECOMPOSITION
    exact, _ = quad(lambda x: d.cp / d.q(x), T, 5000.0, limit=200)
    error = 2 * R * T / d.Ea
    assert d.tmr_ad(T) == pytest.approx(exact, rel=1.5 * error)
    assert abs(d.tmr_ad(T) / exact - 1) > 0.2 * error  # and the approximation is not exact: the test can tell


def test_td24():
    """TMRad is 24 h at TD24; the van 't Hoff / Arrhenius rate there by hand: q = cp R TD24^2 / (Ea x 86400)."""
    td24 = DECOMPOSITION.td24()
    assert DECOMPOSITION.tmr_ad(td24) == pytest.approx(DAY, rel=1e-9)
    assert DECOMPOSITION.q(td24) == pytest.approx(1800 * R * td24**2 / (1e5 * DAY), rel=1e-9)
    assert 360 < td24 < 380  # about 101 degC: 20 K lower each time the TMRad grows ~30 times


@pytest.mark.parametrize(("temperatures", "cls"), [
    ((300, 320, 350, 400), 1), ((300, 320, 400, 350), 2), ((300, 360, 350, 400), 3),
    ((300, 420, 350, 400), 4), ((300, 420, 400, 350), 5), ((300, 380, 400, 350), 5),
])
def test_stoessel_classes(temperatures, cls):
    """(Tp, MTSR, MTT, TD24) orderings from Stoessel (2008), Figure 3.7 and section 3.4."""
    assert criticality(*temperatures) == cls


def test_mtsr_below_the_process_temperature_is_refused():
    with pytest.raises(ValueError, match="cannot lie below"):
        criticality(320, 310, 350, 400)


def reactor_trace(k0: float) -> dict:
    """R-101 at 50 degC: 1.5 m3 of A at 2000 mol/m3, B (5000 mol/m3) dosed at 0.1 L/s for 4000 s, the jacket and
    the dosed solution at the process temperature."""
    r = SemiBatchReactor("R-101", contents=Contents(V0=1.5, cA0=2000.0, T0=323.15, c_dose=5000.0),
                         kinetics=Kinetics(k0=k0, Ea=60e3, dH=-2e5), jacket=Jacket(UA=2.5e3))
    return simulate(r, until=4000, dt=20, inputs={"R-101.F_dose": 1e-4, "R-101.T_cin": 323.15,
                                                  "R-101.T_dose": 323.15})


def test_mtsr_without_reaction_is_the_full_adiabatic_rise():
    """Nothing reacts: at the end of dosing 2000 mol of B (0.4 m3 x 5000) sit in 1.9 m3 with 3000 mol of A:
    MTSR = 323.15 + 2000 x 2e5 / (1000 x 3500 x 1.9) = 323.15 + 60.150 K."""
    value, when = mtsr(reactor_trace(k0=1e-12), "R-101", dH=-2e5, rho=1000.0, cp=3500.0)
    assert value == pytest.approx(323.15 + 2000 * 2e5 / (1000 * 3500 * 1.9), abs=1e-3)
    assert when == pytest.approx(4000.0)


def test_mtsr_of_a_fast_reaction_is_close_to_the_temperature():
    """A fast reaction consumes B as it comes: little accumulates, and the MTSR is far below the full rise."""
    trace = reactor_trace(k0=1e4)
    value, when = mtsr(trace, "R-101", dH=-2e5, rho=1000.0, cp=3500.0)
    i = list(trace["t"]).index(when)
    assert value - trace["R-101.T"][i] < 5.0
    assert 323.15 <= value < 323.15 + 60.15 and math.isfinite(value)


THERMAL = """\
plant: {plant}
study: safety
horizon: 1 yr
seed: 1
replications: 1
lopa: {lopa}
thermal:
  reactor: {reactor}
  chemistry: {{V0: 1.5, cA0: 2000, T0: 50 degC, {chemistry}, Ea: 60 kJ/mol, dH: -200 kJ/mol, c_dose: 5000}}
  dosing: {{flow: 0.1 L/s, time: 4000 s}}
  coolant: 50 degC
  decomposition: {{q0: 10 W/kg, T0: 150 degC, Ea: 100 kJ/mol}}
"""


def thermal_scenario(write_scenario, reactor="R-101", chemistry="k0: 1e-12"):
    root = Path(__file__).resolve().parents[2]
    return write_scenario(THERMAL.format(plant=root / "plant_models" / "api_bay" / "plant.yaml", reactor=reactor,
                                         lopa=root / "scenarios" / "safety" / "api_bay_lopa.yaml",
                                         chemistry=chemistry))


def test_study_thermal_kpis_worked_by_hand(write_scenario):
    """No reaction, everything at 50 degC: MTSR = Tp + dT_ad = 323.15 + 60.150 K; MTT = 80 degC from the plant's
    R-101; TD24 from cp 3500 J/(kg K) (the model's). 353.15 < TD24 < 383.30: MTT < TD24 < MTSR, class 4."""
    [outcome] = [execute(t) for t in tasks(load(thermal_scenario(write_scenario)), ["base"])]
    k = outcome.run.kpis
    rise = 2000 * 2e5 / (1000 * 3500 * 1.9)
    assert k["thermal.dT_ad"] == pytest.approx(rise, rel=1e-9)
    assert k["thermal.MTSR"] == pytest.approx(323.15 + rise, abs=1e-3)
    assert k["thermal.MTT"] == pytest.approx(353.15)
    td24 = Decomposition(q0=10.0, T0=423.15, Ea=100e3, cp=3500.0).td24()
    assert k["thermal.TD24"] == pytest.approx(td24) and 353.15 < td24 < 323.15 + rise
    assert k["thermal.class"] == 4


@pytest.mark.parametrize(("reactor", "chemistry", "message"), [
    ("R-1O1", "k0: 1e-12", "did you mean 'R-101'?"),
    ("D-101", "k0: 1e-12", "not a semi-batch reactor"),
    ("R-101", "k_0: 1e-12", "did you mean 'k0'?"),
    ("R-101", "k0: fast", "expected: a number in m3/(mol s) or a 'value unit' string"),
    ("R-101", "k0: 1e-12, UA: 2.5 kg", "'kg' is not a unit of W/K"),       # accepted as 2.5 W/K before
    ("R-101", "k0: 1e-12, m_jacket: -300 kg", "must be positive"),          # accepted before
])
def test_bad_thermal_sections(write_scenario, reactor, chemistry, message):
    with pytest.raises(ConfigError) as info:
        load(thermal_scenario(write_scenario, reactor, chemistry))
    assert message in str(info.value) and info.value.line in (8, 9)
