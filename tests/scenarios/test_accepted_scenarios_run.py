"""Any scenario the schema accepts runs; any it refuses is refused with file, line and key (hypothesis).

A line_capacity scenario (the fastest study: a two-day horizon, one replication) with its numbers drawn: times
with units (any sign, zero, huge, units of the wrong kind), triangular and named distributions, release patterns,
shift patterns, breakdowns. Loading either raises a ConfigError pointing into the file, or gives parameters whose
replication runs to the end with finite KPIs. Before the sign checks, `mttr: -2 h` loaded and then failed in NumPy
("ValueError: scale < 0") in every replication.

The same for a maintenance scenario (Weibull and wear assets under each policy, two months) and an energy scenario
(two rooms for a day): about 0.1 s a run once the study is imported.
"""
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from scenario_files import SMALL

from scenarios.scenario import BASE, load
from twin.config import ConfigError

UNITS = ["s", "min", "h", "d", "kg", "parsecs", ""]
NUMBERS = st.sampled_from([-1.0, 0.0, 1e-3, 0.5, 1.0, 2.5, 30.0, 1e6, 1e300]) | st.floats(-10, 100, allow_nan=False)
ANY_TIME = st.builds(lambda x, unit: f"{x!r} {unit}".strip(), NUMBERS, st.sampled_from(UNITS))
HOURS = st.floats(0.05, 48)
GOOD_TIME = st.builds(lambda h: f"{h!r} h", HOURS)
TRIANGULAR = st.lists(HOURS, min_size=3, max_size=3).map(lambda t: "[" + ", ".join(f"{h!r} h" for h in sorted(t)) + "]")
NAMED = st.builds(lambda d, a, b: f"{{dist: {d}, mean: {a}, sd: {b}}}",
                  st.sampled_from(["normal", "lognormal", "exponential", "gamma"]), GOOD_TIME, ANY_TIME | GOOD_TIME)
DURATIONS = st.one_of(GOOD_TIME, GOOD_TIME, TRIANGULAR, NAMED, ANY_TIME)  # about half plausible, half anything
FIELDS = {
    "    process: [2 h, 3 h, 4 h]": lambda v: f"    process: {v}",
    "    process: 2 h": lambda v: f"    process: {v}",
    "    mtbf: 50 h": lambda v: f"    mtbf: {v}",
    "    mttr: 2 h": lambda v: f"    mttr: {v}",
    "    cleaning: 1 h": lambda v: f"    cleaning: {v}",
    "release: {pattern: poisson, every: 5 h}": lambda v: f"release: {{pattern: fixed, every: {v}}}",
    "warmup: 1 d": lambda v: f"warmup: {v}",
}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.dictionaries(st.sampled_from(sorted(FIELDS)), DURATIONS, min_size=1, max_size=3))
def test_an_accepted_scenario_runs_and_a_refused_one_is_named(write_scenario, changes):
    text = SMALL.replace("horizon: 10 d", "horizon: 2 d").replace("replications: 3", "replications: 1")
    for field, value in changes.items():
        text = text.replace(field, FIELDS[field](value))
    try:
        scenario = load(write_scenario(text))
    except ConfigError as err:
        assert err.file is not None and err.line is not None and err.key, str(err)
        event("refused")
        return
    event("accepted and run")
    params = scenario.variants[BASE]
    run = scenario.study.run(params, np.random.SeedSequence(scenario.seed))
    assert run.kpis and all(math.isfinite(v) or math.isnan(v) for v in run.kpis.values())


def _accepted_runs(path, answers: tuple[type[Exception], ...] = (), nan_ok: bool = False) -> None:
    """Load the scenario at ``path``: a refusal names file, line and key; an accepted one runs to finite KPIs (or
    NaN where ``nan_ok``: a mean over no orders), or fails with one of the study's ``answers`` (a scheduling plan
    that does not fit: the study says why, not where)."""
    try:
        scenario = load(path)
    except ConfigError as err:
        assert err.file is not None and err.line is not None and err.key, str(err)
        event("refused")
        return
    try:
        run = scenario.study.run(scenario.variants[BASE], np.random.SeedSequence(scenario.seed))
    except answers as err:
        assert str(err), f"a {type(err).__name__} says why"
        event(f"answered: {type(err).__name__}")
        return
    event("accepted and run")
    assert run.kpis and all(math.isfinite(v) or nan_ok and math.isnan(v) for v in run.kpis.values()), run.kpis


NUMBER = NUMBERS.map(repr)


def yaml_number(x: float | int) -> str:
    """``x`` as YAML 1.1 reads a number: 1e+300 is a string there (refused by every numeric key), 1.0e+300 a float."""
    text = repr(x)
    return text.replace("e", ".0e") if "e" in text and "." not in text else text


QUANTITY = st.builds(lambda x, unit: f"{x!r} {unit}".strip(), NUMBERS,
                     st.sampled_from(["h", "d", "degC", "K", "W", "kW", "Pa", "W/m2", "kg", ""]))
MAINTENANCE = """\
plant: {plant}
study: maintenance
horizon: 60 d
warmup: 5 d
seed: 3
replications: 1
policy: {kind: KIND, age: 300 h, level: 0.8, inspect: 24 h, lead: 48 h, risk: 0.05}
crew: 1
assets:
  TP-401:
    shape: 2.5
    scale: 400 h
    corrective: {cost: 12000, duration: 24 h}
    preventive: {cost: 2000, duration: 4 h}
  CT-501:
    wear: {mean_life: 500 h, cv: 0.3}
    corrective: {cost: 8000, duration: 16 h}
    preventive: {cost: 1500, duration: 6 h}
"""
MAINTENANCE_FIELDS = ["2.5", "400 h", "12000", "24 h", "4 h", "500 h", "0.3", "300 h", "0.8", "24 h, lead",
                      "48 h", "0.05", "crew: 1", "warmup: 5 d"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(["run_to_failure", "age", "rul"]),
       changes=st.dictionaries(st.sampled_from(MAINTENANCE_FIELDS), NUMBERS.map(yaml_number) | QUANTITY, min_size=1,
                               max_size=3))
@example(kind="age", changes={"0.3": "2.2e-311"})   # a subnormal cv: its square 0, 'a Wiener degradation needs ...'
def test_an_accepted_maintenance_scenario_runs_and_a_refused_one_is_named(write_scenario, kind, changes):
    """The condition-based policies need the CT-501's wear: with ``rul`` the TP-401's Weibull life is refused."""
    text = MAINTENANCE.replace("KIND", kind)
    for field, value in changes.items():
        key = field.split(":")[0] + ": " if ":" in field else ""
        rest = ", lead" if field.endswith(", lead") else ""
        text = text.replace(field, f"{key}{value}{rest}", 1)
    _accepted_runs(write_scenario(text))


WORN = MAINTENANCE.replace("    shape: 2.5\n    scale: 400 h\n", "    wear: {mean_life: 400 h, cv: 0.5}\n")   # two wear


@pytest.mark.parametrize("cv", ["2.2e-311", "1.0e-160", "1.0e-155", "1.0e+160", "0.005", "10.5"])
def test_a_wear_cv_out_of_its_range_is_refused_at_its_key(write_scenario, cv):
    """The life's cv of a wear process is 0.01 to 10, as the plant's ``wear_cv``. What the run did before: 2.2e-311
    (subnormal) and 1e-160 squared to 0 (ValueError: 'a Wiener degradation needs ... diffusion > 0'), 1e-155 made
    the life's scale infinite (SciPy: domain error), 1e160 squared to inf (ZeroDivisionError); 0.005 and 10.5 ran."""
    with pytest.raises(ConfigError) as err:
        load(write_scenario(WORN.replace("KIND", "age").replace("cv: 0.3", f"cv: {cv}")))
    assert err.value.line == 15 and err.value.key == "assets.CT-501.wear.cv", str(err.value)
    assert ">= 0.01 and <= 10" in str(err.value)


@pytest.mark.parametrize("kind", ["run_to_failure", "age", "condition", "rul"])
def test_wear_at_the_ends_of_its_range_runs_under_every_policy(write_scenario, kind):
    for cv in ("0.01", "10.0"):
        scenario = load(write_scenario(WORN.replace("KIND", kind).replace("cv: 0.3", f"cv: {cv}")))
        run = scenario.study.run(scenario.variants[BASE], np.random.SeedSequence(scenario.seed))
        assert all(math.isfinite(v) for v in run.kpis.values()), (cv, run.kpis)


@pytest.mark.parametrize("kind", ["condition", "rul"])
def test_a_life_far_beyond_the_run_is_read_to_the_run_s_end_only(write_scenario, kind):
    """A wear life of 1e9 h under an inspection policy: its path was simulated and read every 24 h to its end (40
    million readings; still running after minutes). It is read to the run's end now: never stopped in 60 days."""
    scenario = load(write_scenario(WORN.replace("KIND", kind).replace("500 h", "1.0e+9 h")))
    run = scenario.study.run(scenario.variants[BASE], np.random.SeedSequence(scenario.seed))
    assert run.kpis["availability.CT-501"] == 1.0 and run.kpis["cost_rate.CT-501"] == 0.0


ENERGY = """\
plant: {plant}
study: energy
horizon: 1 d
seed: 1
replications: 1
step: 1 h
weather: {max: 30 degC, range: 8 K, dew_point: 12 degC}
room: {set: 21 degC, low: 18 degC, high: 24 degC, rh_high: 0.6, thermal_mass: 5}
production: {start: 6 h, end: 22 h, days_per_week: 5}
gains: {production: 50 W/m2, idle: 8 W/m2}
envelope_ua: 2 W/(m2 K)
control: {coil_leaving: 12 degC, supply_reset: true, setback: {enabled: true, fraction: 0.5, recovery: 1 h}}
ahus:
  AHU-01: {serves: [P21, P22], outside_air: 0.25, fan_pressure: 1200 Pa, fan_efficiency: 0.65}
chillers: {units: {CH-01: {capacity: 60 kW, cop: 5.5}}, pump: 0.03}
boiler: {efficiency: 0.9}
tariff: {demand_charge: 12, periods: [{from: 0 h, to: 7 h, price: 0.12}, {from: 7 h, to: 24 h, price: 0.2}]}
"""
ENERGY_FIELDS = ["30 degC", "8 K", "12 degC", "step: 1 h", "21 degC", "18 degC", "24 degC", "0.6", "thermal_mass: 5",
                 "6 h", "22 h", "days_per_week: 5", "50 W/m2", "8 W/m2", "2 W/(m2 K)", "12 degC, supply",
                 "fraction: 0.5", "recovery: 1 h", "0.25", "1200 Pa", "0.65", "60 kW", "cop: 5.5", "pump: 0.03",
                 "efficiency: 0.9", "demand_charge: 12", "7 h", "0.12"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.dictionaries(st.sampled_from(ENERGY_FIELDS), NUMBER | QUANTITY, min_size=1, max_size=3))
@example(changes={"0.6": "0.001"})        # rh_high: a dew point below the moist-air model (brentq's ValueError)
@example(changes={"30 degC": "0.001"})    # a design day at 0.001 K (NaN electricity)
@example(changes={"cop: 5.5": "0.0"})     # a chiller of COP 0 (NaN electricity)
@example(changes={"0.65": "2.2250738585e-313"})   # a fan efficiency that overflows the fan's power (NaN)
@example(changes={"recovery: 1 h": "1e+300"})     # a recovery lead of 1e300 s (NumPy: dimension exceeded)
@example(changes={"1200 Pa": "1.0e+300 Pa"})      # a fan pressure that overflows the fan's power (NaN)
def test_an_accepted_energy_scenario_runs_and_a_refused_one_is_named(write_scenario, changes):
    """Two rooms of the multipurpose plant on one AHU for a day (setback, supply reset, a tariff of two periods),
    its numbers drawn: each is refused at its line and key, or the day runs to finite KPIs. The examples are what
    the draws found: all six were accepted and then failed or gave NaN KPIs."""
    text = ENERGY
    for field, value in changes.items():
        key = field.split(":")[0] + ": " if ":" in field else ""
        rest = field[field.index(","):] if "," in field else ""
        text = text.replace(field, f"{key}{value}{rest}", 1)
    _accepted_runs(write_scenario(text))



SCHEDULING = """\
plant: {plant}
study: scheduling
horizon: 4 d
seed: 3
replications: 1
products:
  MET:
    steps:
      blending: {units: [BL-30*], time: 2 h, hold: 24 h}
orders:
  - {product: MET, batches: 2, due: 2 d}
cleaning:
  MET: {MET: 30 min}
"""


@pytest.mark.parametrize("field, key", [("hold: 24 h", "hold"), ("30 min", "cleaning.MET.MET"), ("due: 2 d", "due"),
                                        ("time: 2 h", "time")])
def test_a_scheduling_time_too_long_for_the_planner_is_named(write_scenario, field, key):
    """1e300 s was accepted and then failed in CP-SAT ('Unable to cast Python instance of type int'): drawn by a
    property test of scheduling scenarios (too slow to keep: a tiny mtbf replans thousands of times)."""
    value = f"{field.split(':')[0]}: 1e+300 s" if ":" in field else "1e+300 s"
    with pytest.raises(ConfigError, match="too (long|late) for the planner") as err:
        load(write_scenario(SCHEDULING.replace(field, value, 1)))
    assert err.value.line is not None and key in err.value.key
