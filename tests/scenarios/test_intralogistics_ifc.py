"""Doors and lifts read from the IFC: a two-storey plant authored here with ifcopenshell (two rooms below, one above,
an IfcDoor in the wall between the lower rooms, an IfcTransportElement shaft through both floors) gives a network
with the door on that wall, an airlock of network.airlock between grades, and the lift stopping on both storeys;
a declared door between the same rooms replaces the IFC's; the lift's payload comes from its property set
(Payload_kg) unless the scenario overrides it, and a lift too small for a vehicle with its load is refused by name;
an IFC lift without its ride time is refused by name."""
import sys

import pytest
from scenario_files import ROOT

import scenarios
from scenarios.intralogistics.network import build
from scenarios.intralogistics.params import NetworkParams
from twin import plant as plants
from twin.config import ConfigError

sys.path.insert(0, str(ROOT / "plant_models"))
from authoring import PlantAuthor  # noqa: E402


@pytest.fixture(scope="module")
def ifc(tmp_path_factory):
    p = PlantAuthor("Two floors", seed=1)
    ground, upper = p.storey("Ground", 0.0), p.storey("Upper", 5.0)
    a = p.space(ground, "A", "Store", origin=(0, 0), size=(10, 10), grade="CNC")
    p.space(ground, "B", "Process", origin=(10, 0), size=(10, 10), grade="D")
    c = p.space(upper, "C", "Upper store", origin=(0, 0), size=(10, 10), grade="CNC")
    p.equipment("BOX-1", "IfcFurniture", a, (5.0, 5.0, 0.0), box=(1.0, 1.0, 1.0))
    p.equipment("BOX-2", "IfcFurniture", c, (5.0, 5.0, 5.0), box=(1.0, 1.0, 1.0))
    p.equipment("D-1", "IfcDoor", ground, (10.0, 4.0, 0.0), box=(0.2, 1.2, 2.1))
    p.equipment("LIFT-9", "IfcTransportElement", ground, (1.0, 9.0, 0.0), box=(1.6, 1.6, 8.0),
                predefined_type="ELEVATOR", psets={"PharmaTwin_Equipment": {"Payload_kg": 1200.0}})
    return p.write(tmp_path_factory.mktemp("ifc") / "two_floors.ifc")


def test_the_network_takes_doors_and_lifts_from_the_ifc(ifc):
    plant = plants.load(ifc)
    net = build(plant, NetworkParams.of({"airlock": 75.0, "lifts": {"LIFT-9": {"payload": 2000.0, "ride": 30.0}}}),
                1.0)
    door = net.graph.nodes["D-1"]
    assert door["kind"] == "door" and door["dwell"] == 75.0 and door["xyz"][:2] == pytest.approx((10.0, 4.0))
    assert set(net.graph.predecessors("D-1")) == {"A", "B"}
    assert set(net.graph.successors("LIFT-9")) == {"A", "C"}
    assert net.route("BOX-2", "B") == ("BOX-2", "C", "LIFT-9", "A", "D-1", "B")
    declared = build(plant, NetworkParams.of({"doors": [{"between": ["A", "B"], "airlock": 10.0}],
                                              "lifts": {"LIFT-9": {"payload": 2000.0, "ride": 30.0}}}), 1.0)
    assert "D-1" not in declared.graph and declared.graph.nodes["A|B"]["dwell"] == 10.0


def test_the_ifc_lift_needs_its_ride_time(ifc, tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(f"plant: {ifc}\nstudy: intralogistics\nhorizon: 1 d\nseed: 1\nnetwork: {{}}\n"
                    "fleet: {vehicles: 1, speed: 1 m/s, home: BOX-1}\n")
    with pytest.raises(ConfigError) as caught:
        scenarios.load(path)
    assert caught.value.line == 5 and caught.value.key == "network.lifts" and "LIFT-9" in str(caught.value)
    assert "has no ride time" in caught.value.message
    path.write_text(path.read_text().replace("network: {}", "network: {lifts: {LIFT-9: {payload: 2 t, ride: 30 s}}}"))
    assert scenarios.load(path).variants["base"]["network"]["lifts"]["LIFT-9"]["payload"] == 2000.0


def test_the_lift_payload_comes_from_the_ifc_unless_overridden(ifc, tmp_path):
    """1200 kg in the IFC's Pset, read onto the lift node; a 600 kg AGV with its 1000 kg payload is refused on the
    lift's line, the message naming the property set; the scenario's 2 t overrides it."""
    plant = plants.load(ifc)
    assert build(plant, NetworkParams.of({"lifts": {"LIFT-9": {"ride": 30.0}}}), 1.0).graph.nodes["LIFT-9"][
        "payload"] == 1200.0
    path = tmp_path / "s.yaml"
    path.write_text(f"plant: {ifc}\nstudy: intralogistics\nhorizon: 1 d\nseed: 1\n"
                    "network: {lifts: {LIFT-9: {ride: 30 s}}}\nfleet: {vehicles: 1, speed: 1 m/s, home: BOX-1}\n")
    with pytest.raises(ConfigError) as caught:
        scenarios.load(path)
    error = caught.value
    assert error.line == 5 and error.key == "network.lifts.LIFT-9", str(error)
    assert "lift LIFT-9 lifts 1200 kg (Payload_kg of its IFC property sets)" in error.message
    assert "at least 1600 kg" in str(error) and "overrides the IFC" in str(error)
    path.write_text(path.read_text().replace("ride: 30 s", "ride: 30 s, payload: 2 t"))
    assert scenarios.load(path).variants["base"]["network"]["lifts"]["LIFT-9"]["payload"] == 2000.0


def test_a_typed_layout_built_without_its_file_names_the_key(ifc):
    """Built from typed parameters alone (a notebook's NetworkParams, no file), a bad layout still names its key."""
    bad = NetworkParams.of({"doors": [{"between": ["A", "Z"], "airlock": 10.0}],
                            "lifts": {"LIFT-9": {"payload": 2000.0, "ride": 30.0}}})
    with pytest.raises(ConfigError) as caught:
        build(plants.load(ifc), bad, 1.0)
    assert caught.value.key == "network.doors[0].between[1]" and "unknown room 'Z'" in caught.value.message
