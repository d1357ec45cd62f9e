"""Bad intralogistics input is refused before anything runs, in one message naming the file, the line and the key of
the culprit with a fix: a station not on the graph, an unreachable station, a charging point nowhere reachable, a
lift smaller than the load, a fleet of zero, a negative speed, two grades without an airlock, a door through no
wall. Each case edits one line of a small valid scenario, which loads."""
import pytest
from scenario_files import ROOT

import scenarios
from twin.config import ConfigError

PLANT = ROOT / "plant_models" / "multipurpose_osd" / "plant.yaml"
VALID = f"""\
plant: {PLANT}
study: intralogistics
horizon: 1 d
seed: 1
replications: 1
network:
  floors: {{Upper: {{elevation: 6 m}}}}
  rooms: {{W02: {{storey: Upper, origin: [0, 0], size: [20, 40], grade: CNC}}}}
  doors:
    - {{between: [W01, P60]}}
    - {{between: [W01, P01], airlock: 90 s}}
    - {{between: [P01, P10]}}
  lifts:
    LIFT-01: {{stops: [W01, W02], at: [2, 38], payload: 2000 kg, ride: 40 s}}
  stations:
    WH-02: {{room: W02, at: [10, 20]}}
fleet:
  vehicles: 2
  speed: 1 m/s
  home: WH-01
  battery: {{capacity: 2 kWh, power: 2 kW, chargers: [WH-01]}}
orders:
  - {{from: [WH-02], to: [DS-101], every: 20 min, load: 300 kg}}
"""


def load(tmp_path, text):
    path = tmp_path / "logistics.yaml"
    path.write_text(text)
    return scenarios.load(path)


def test_the_valid_scenario_loads(tmp_path):
    assert load(tmp_path, VALID).study.name == "intralogistics"


CASES = [  # (old, new: the edit on the culprit's line; its key, words of the message, words of the fix)
    ("to: [DS-101]", "to: [DS-110]", "orders[0].to[0]", "'DS-110' is not on the transport network",
     "did you mean 'DS-101'?"),
    ("to: [DS-101]", "to: [HPLC-01]", "orders[0].to[0]", "no route from 'WH-01' to 'HPLC-01'", "join room Q01"),
    ("chargers: [WH-01]", "chargers: [TP-401]", "fleet.battery.chargers[0]",
     "charging point 'TP-401' is nowhere reachable", "add a door"),
    ("payload: 2000 kg", "payload: 800 kg", "network.lifts.LIFT-01.payload", "lift LIFT-01 lifts 800 kg",
     "at least 1600 kg"),
    ("vehicles: 2", "vehicles: 0", "fleet.vehicles", "a fleet of 0 vehicles moves nothing", "sweep"),
    ("speed: 1 m/s", "speed: -1 m/s", "fleet.speed", "must be positive", None),
    ("[W01, P01], airlock: 90 s", "[W01, P01]", "network.doors[1].between", "without a material airlock",
     "airlock: 90 s"),
    ("[P01, P10]", "[P10, P40]", "network.doors[2]", "share no wall", "lift"),
    ("load: 300 kg}", "load: 1300 kg}", "orders[0].load", "more than the vehicles' payload", "split"),
    ("at: [10, 20]}", "at: [10, 20, 3]}", "network.stations.WH-02.at", "got a list of 3", "(exactly 2)"),
    ("size: [20, 40]", "size: [20, 40, 3]", "network.rooms.W02.size", "got a list of 3", "(exactly 2)"),
    ("power: 2 kW, chargers", "low: 1.5, power: 2 kW, chargers", "fleet.battery.low", "got float 1.5", "<= 1"),
    # the layout's own errors, raised where the typed network is built (network.build) and located in the file
    ("storey: Upper,", "storey: Attic,", "network.rooms.W02.storey", "unknown storey 'Attic'", "network.floors"),
    ("[W01, P60]", "[W01, P61]", "network.doors[0].between[1]", "unknown room 'P61'", "did you mean"),
    ("stops: [W01, W02]", "stops: [W01, W03]", "network.lifts.LIFT-01.stops[1]", "unknown room 'W03'",
     "did you mean 'W02'?"),
    ("{room: W02, at", "{room: W20, at", "network.stations.WH-02.room", "unknown room 'W20'", "did you mean 'W02'?"),
    # a door between three rooms: a ValueError traceback (too many values to unpack) before the schema said 2
    ("[W01, P60]", "[W01, P60, P10]", "network.doors[0].between", "got a list of 3", "(exactly 2)"),
    # a lift stopping twice in one room: blamed on the first order stream ('no route from WH-01 to WH-02') before
    ("stops: [W01, W02]", "stops: [W01, W01]", "network.lifts.LIFT-01.stops[1]", "stops at W01 twice",
     "one on each floor"),
]


@pytest.mark.parametrize("old,new,key,message,hint", CASES, ids=[c[2] for c in CASES])
def test_bad_input_is_named(tmp_path, old, new, key, message, hint):
    assert old in VALID
    line = 1 + next(i for i, text in enumerate(VALID.splitlines()) if old in text)
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, VALID.replace(old, new, 1))
    error = caught.value
    assert str(error.file).endswith("logistics.yaml") and error.line == line and error.key == key, str(error)
    assert message in error.message, str(error)
    if hint:
        assert hint in str(error), str(error)


def test_a_trip_a_full_battery_cannot_make_is_refused(tmp_path):
    """A 20 Wh battery (72 kJ) against the trip WH-02 -> DS-101 (down the lift, through the airlock): refused on the
    stream's line, naming the trip, the energy it needs and the fix."""
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, VALID.replace("capacity: 2 kWh", "capacity: 0.02 kWh"))
    error = caught.value
    line = 1 + next(i for i, text in enumerate(VALID.splitlines()) if "from: [WH-02]" in text)
    assert error.line == line and error.key == "orders[0].to", str(error)
    assert "a trip from WH-02 to DS-101 needs" in error.message and "more than the battery's 0.02 kWh" in error.message
    assert "fleet.battery.capacity" in str(error)


def test_a_container_that_must_cross_the_other_flow_is_refused(tmp_path):
    """Corridor P01 dirty-only: the clean order stream WH-02 -> DS-101 has no other way (through W01, P01)."""
    text = VALID.replace("  stations:\n", "  dirty: [P01]\n  stations:\n")
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, text)
    error = caught.value
    line = 1 + next(i for i, t in enumerate(text.splitlines()) if "from: [WH-02]" in t)
    assert error.line == line and error.key == "orders[0].to", str(error)
    assert "no route for a clean container from WH-02 to DS-101 that keeps out of the dirty-only corridors (P01)" \
        in error.message and "network.dirty" in str(error)
    assert load(tmp_path, text.replace("load: 300 kg}", "load: 300 kg, flow: dirty}"))   # its own flow passes


def test_an_unknown_corridor_in_a_flow_is_named(tmp_path):
    text = VALID.replace("  stations:\n", "  clean: [P10, P011]\n  stations:\n")
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, text)
    error = caught.value
    assert error.key == "network.clean[1]" and "'P011' is not a room, door or lift" in error.message, str(error)
    assert "did you mean 'P01'" in str(error)


def test_a_cleaning_station_not_on_the_network_is_named(tmp_path):
    """``fleet.cleaning.station`` is checked as every station is: on the graph (with the nearest name) and reachable."""
    text = VALID.replace("  home: WH-01\n", "  home: WH-01\n  cleaning: {station: WH-03, time: 5 min}\n", 1)
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, text)
    message = str(caught.value)
    assert "fleet.cleaning.station" in message and "'WH-03' is not on the transport network" in message
    line = 1 + text.splitlines().index("  cleaning: {station: WH-03, time: 5 min}")
    assert f"logistics.yaml:{line}, key" in message
    assert load(tmp_path, text.replace("WH-03", "WH-02")).study.name == "intralogistics"
