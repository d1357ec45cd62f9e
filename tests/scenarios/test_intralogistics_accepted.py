"""Any intralogistics scenario the schema accepts runs; any it refuses is refused with file, line and key (hypothesis).

A small scenario on the multipurpose OSD plant (two floors joined by a lift, doors and an airlock, a battery, a
cleaning station, the warehouse's pickers, a clean and a dirty order stream; six hours) with up to three of its
numbers drawn: any sign, zero, tiny, huge, units of the wrong kind; and the same with production batches, a forklift,
two operators on the stairs and the QC lab, their numbers drawn. Loading either raises a ConfigError pointing into the
file, or gives parameters whose replication runs to its horizon with KPIs that are finite or NaN (NaN: nothing
delivered to average over). Order gaps and the trace interval are drawn at 30 s or more (or refused values): a
scenario that orders every millisecond is valid and runs, only for hours. Before the schema's power defaults,
``power: {empty: 5 W}`` was accepted and failed with a TypeError traceback in the battery check.
"""

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from scenario_files import ROOT
from test_accepted_scenarios_run import _accepted_runs

PLANT = ROOT / "plant_models" / "multipurpose_osd" / "plant.yaml"
TEXT = f"""\
plant: {PLANT}
study: intralogistics
horizon: 6 h
warmup: 1 h
seed: 1
replications: 1
network:
  airlock: 90 s
  floors: {{Upper: {{elevation: 6 m}}}}
  rooms: {{W02: {{storey: Upper, origin: [0, 0], size: [20, 40], grade: CNC}}}}
  doors:
    - {{between: [W01, P60]}}
    - {{between: [W01, P01], airlock: 60 s}}
    - {{between: [P01, P10]}}
  lifts:
    LIFT-01: {{stops: [W01, W02], at: [2, 38], payload: 2000 kg, ride: 40 s, capacity: 1}}
  stations:
    WH-02: {{room: W02, at: [10, 20]}}
fleet:
  vehicles: 2
  speed: 1 m/s
  acceleration: 0.5 m/s**2
  payload: 1000 kg
  mass: 600 kg
  home: WH-01
  power: {{empty: 400 W, loaded: 800 W}}
  battery: {{capacity: 2 kWh, low: 0.2, power: 2 kW, chargers: [WH-01]}}
  cleaning: {{station: WH-01, time: 10 min}}
handling: {{load: 1 min, unload: 50 s}}
warehouse: {{station: WH-01, pickers: 1, pick: 3 min, put_away: 2 min}}
orders:
  - {{from: [WH-02], to: [DS-101], every: 20 min, load: 300 kg, due: 1 h}}
  - {{from: [DS-101], to: [WH-01], every: 30 min, load: 100 kg, due: 2 h, flow: dirty}}
dispatch: {{rule: nearest, window: 10}}
trace_interval: 1 h
"""
FIELDS = ["horizon: 6 h", "warmup: 1 h", "airlock: 90 s", "elevation: 6 m", "airlock: 60 s", "payload: 2000 kg",
          "ride: 40 s", "capacity: 1}", "vehicles: 2", "speed: 1 m/s", "acceleration: 0.5 m/s**2",
          "payload: 1000 kg", "mass: 600 kg", "empty: 400 W", "loaded: 800 W", "capacity: 2 kWh", "low: 0.2",
          "power: 2 kW", "time: 10 min", "load: 1 min", "unload: 50 s", "pickers: 1", "pick: 3 min",
          "put_away: 2 min", "load: 300 kg", "due: 1 h", "load: 100 kg", "window: 10"]
SLOW = ["every: 20 min", "every: 30 min", "trace_interval: 1 h"]   # how often: many events when tiny
NUMBERS = st.sampled_from([-1.0, 0.0, 1e-3, 0.5, 1.0, 2.5, 30.0, 1e6, 1e300]) | st.floats(-10, 100, allow_nan=False)
UNITS = st.sampled_from(["s", "min", "h", "m", "m/s", "m/s**2", "kg", "t", "W", "kW", "kWh", "J", "", "parsecs"])
ANY = st.builds(lambda x, unit: f"{x!r} {unit}".strip(), NUMBERS, UNITS)
SPARSE = st.builds(lambda x, unit: f"{x!r} {unit}".strip(), st.sampled_from([-1.0, 0.0, 30.0, 1e6, 1e300]),
                   st.sampled_from(["s", "min", "h", "kg", ""]))


STAIRS = "  stairs: {ST-01: {stops: [W01, W02], at: [18 m, 38 m], climb: 30 s}}\n"
PRODUCTION = TEXT.replace("    - {between: [P01, P10]}\n", "    - {between: [P01, P10]}\n    - {between: [W01, Q01]}\n")
PRODUCTION = PRODUCTION.replace("  stations:\n", STAIRS + "  stations:\n").replace("dispatch:", """\
  - {from: [WH-01], to: [DS-101], every: 40 min, load: 200 kg, due: 1 h, container: PM}
  - {from: [DS-101], to: [HPLC-01], every: 45 min, load: 2 kg, due: 1 h, container: SAMPLE}
dispatch:""") + """\
batches:
  route: [WH-01, DS-101, PK-601, WH-02]
  every: 3 h
  start: 1 h
  lead: 30 min
  allowance: 20 min
  process: {DS-101: 1 h, PK-601: 2 h}
  load: 400 kg
  release: 2 h
agents:
  forklift: {count: 1, speed: 2 m/s, acceleration: 0.8 m/s**2, payload: 800 kg, mass: 900 kg, home: WH-01,
             containers: [PM], avoid: [C]}
  operator: {count: 2, speed: 1.2 m/s, payload: 25 kg, home: WH-01, containers: [SAMPLE, QC], stairs: true,
             lifts: false}
qc:
  lab: {tests: {assay: {instruments: [HPLC-0*], time: 2 h, hands_on: 30 min}, micro: {time: 4 h}},
        analysts: {Li: [assay, micro]}}
  retest: 0.2
  sample: 1 kg
  due: 45 min
"""
MADE = ["every: 3 h", "start: 1 h", "lead: 30 min", "allowance: 20 min", "DS-101: 1 h", "release: 2 h",
        "load: 400 kg", "count: 1", "speed: 2 m/s", "acceleration: 0.8 m/s**2", "payload: 800 kg", "mass: 900 kg",
        "count: 2", "speed: 1.2 m/s", "payload: 25 kg", "time: 2 h", "hands_on: 30 min", "time: 4 h",
        "retest: 0.2", "sample: 1 kg", "due: 45 min", "climb: 30 s", "load: 2 kg", "load: 200 kg"]


def edited(text: str, changes: dict[str, str]) -> str:
    """``text`` with the value of each field ``key: value`` replaced (a field is unique in the text)."""
    for field, value in changes.items():
        assert text.count(field) == 1, field
        key, _, rest = field.partition(": ")
        text = text.replace(field, f"{key}: {value}" + ("}" if rest.endswith("}") else ""))
    return text


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.dictionaries(st.sampled_from(FIELDS), ANY, min_size=1, max_size=3)
       | st.dictionaries(st.sampled_from(SLOW), SPARSE, min_size=1, max_size=1))
@example(changes={"loaded: 800 W": ""})   # a drive power given in part (was a TypeError)
def test_an_accepted_logistics_scenario_runs_and_a_refused_one_is_named(write_scenario, changes):
    _accepted_runs(write_scenario(edited(TEXT, changes).replace("loaded: }", "}").replace(", }", "}")), nan_ok=True)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.dictionaries(st.sampled_from(MADE), ANY, max_size=3))
def test_an_accepted_scenario_with_batches_movers_and_the_lab_runs(write_scenario, changes):
    """A hunt of 1,300 examples of this one (plausible units half the time) found nothing the check let through."""
    _accepted_runs(write_scenario(edited(PRODUCTION, changes)), nan_ok=True)
