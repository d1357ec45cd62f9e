"""The intralogistics study's vehicles in the viewer: a result folder written by the study (network.json, waypoints
in events.parquet) is replayed by ``Playback`` as ``twin view`` does it, and every vehicle is drawn exactly where
the study's own tracking query (:func:`scenarios.intralogistics.tracking.position`) puts it, at moments spread over
the run (moving, waiting at doors, dwelling in airlocks and the lift); a container on a vehicle is drawn with it.
The report's snapshot shows the vehicles; a broken network file is refused in one line."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from pictures import hue_of, project
from PIL import Image

import scenarios
from scenarios.intralogistics.network import network_of
from scenarios.intralogistics.tracking import locate, position, where
from viewer import tracks
from viewer.fleet import EMPTY, LOADED, Fleet
from viewer.playback import Playback
from viewer.recording import Recording
from viewer.scene import PlantScene

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """The sample scenario for 10 h (1 h warm-up), one replication, written with its report."""
    text = (ROOT / "scenarios" / "intralogistics" / "multipurpose_osd.yaml").read_text()
    for old, new in (("../../plant_models", str(ROOT / "plant_models")), ("horizon: 7 d", "horizon: 10 h"),
                     ("warmup: 1 d", "warmup: 1 h"), ("replications: 5", "replications: 1"),
                     ("../scheduling", str(ROOT / "scenarios" / "scheduling"))):
        assert old in text, old
        text = text.replace(old, new)
    here = tmp_path_factory.mktemp("fleet")
    (here / "short.yaml").write_text(text)
    result = scenarios.run(scenarios.load(here / "short.yaml"), variants="base", workers=1)["base"]
    result.report(here / "base")
    return here / "base"


@pytest.fixture(scope="module")
def replay(folder):
    import twin.plant

    recording = Recording.from_folder(folder)
    scene = PlantScene(twin.plant.load(recording.plant_file), labels=False, off_screen=True, window_size=(900, 600))
    yield recording, Playback(scene, recording)
    scene.close()


@pytest.fixture(scope="module")
def nodes(folder):
    import scenarios.results

    return network_of(scenarios.results.read(folder).settings).graph.nodes


def events_of(folder):
    import pyarrow.parquet as pq

    table = pq.read_table(folder / "events.parquet").to_pandas()
    return table[table.replication == 0]


def test_every_vehicle_is_drawn_where_the_tracking_query_puts_it(folder, replay, nodes):
    recording, play = replay
    events = events_of(folder)
    waits = events[events.event == "enter"].t.to_numpy()      # a vehicle just let into a door, airlock or lift
    rides = events[(events.event == "enter") & (events.place == "LIFT-01")].t.to_numpy()
    moments = np.concatenate([np.linspace(0, 10 * 3600, 23), waits[:: max(1, len(waits) // 20)] + 3.0,
                              rides[:10] + 30.0])                # in the lift's car, between the floors
    assert play.fleet is not None and len(play.fleet.names) == 4
    moved = 0
    for t in moments:
        play.frame(t)
        drawn = play.fleet.drawn()
        for name in play.fleet.names:
            assert drawn[name] == pytest.approx(position(events, nodes, name, t), abs=1e-6), (name, t)
        moved += len({tuple(np.round(p, 3)) for p in drawn.values()})
    assert moved > 2 * len(moments)      # the vehicles are not all standing at one spot


def test_a_container_on_a_vehicle_is_drawn_with_it(folder, replay, nodes):
    """IBC-0001 (the first batch's kit) while on its vehicle, half-way through its ride."""
    recording, play = replay
    events = events_of(folder)
    mine = events[(events.source == "IBC-0001") & events.event.isin(["loaded", "delivered"])].t.to_numpy()
    t = (mine[0] + mine[1]) / 2
    vehicle = where(events, "IBC-0001", t).place
    play.frame(t)
    assert vehicle.startswith("AGV-") and play.fleet.data.tracks[vehicle].carrying(t) == "IBC-0001"
    assert play.fleet.drawn()[vehicle] == pytest.approx(locate(events, nodes, "IBC-0001", t), abs=1e-6)


def test_waypoints_draw_the_vehicles_and_stay_out_of_the_event_list(replay):
    recording, _ = replay
    assert recording.events and not any(text.split()[1:2] == ["at"] for _, text in recording.events)
    assert set(recording.fleet.kinds.values()) >= {"room", "door", "airlock", "lift", "station", "charger"}


def test_the_report_snapshot_shows_the_vehicles(folder, replay):
    """fleet.png (drawn by the report plug-in at the busiest moment): each vehicle's colour (empty teal, loaded
    orange) at the pixel where the camera puts its box."""
    import twin.plant

    view = next(v for v in json.loads((folder / "views.json").read_text()) if v["name"] == "fleet")
    image = np.asarray(Image.open(folder / "figures" / "fleet.png").convert("RGB"))
    recording, _ = replay
    scene = PlantScene(twin.plant.load(recording.plant_file), labels=False, off_screen=True, window_size=(1100, 700))
    try:
        scene.set_title("x")
        fleet = Fleet(scene, recording.fleet, labels=False)
        fleet.frame(view["t"])
        scene.screenshot()
        seen = 0
        for name, point in fleet.drawn().items():
            column, row = project(scene, point + np.array([0.0, 0.0, 0.5]))
            want = hue_of(_rgb(LOADED if fleet.data.tracks[name].carrying(view["t"]) else EMPTY))[0]
            patch = image[max(0, row - 4):row + 5, max(0, column - 4):column + 5].reshape(-1, 3)
            seen += any(abs(hue_of(p)[0] - want) < 12 and hue_of(p)[1] > 0.4 for p in patch)
    finally:
        scene.close()
    assert seen >= len(fleet.names) - 1     # one may hide behind a machine or the upper floor


def _rgb(colour: str):
    return [int(colour[i:i + 2], 16) for i in (1, 3, 5)]


def test_a_network_file_that_does_not_fit_is_refused_in_one_line(tmp_path):
    (tmp_path / tracks.NETWORK).write_text('{"nodes": {"A": {"xyz": [0, 0, 0]}}, "edges": []}')
    with pytest.raises(ValueError, match=r"vehicle AGV-01 passes node 'B' at t = 5 s, which the network does not"):
        tracks.FleetData.of(tmp_path / tracks.NETWORK, [5.0], ["AGV-01"], ["at"], ["B"], [""])
    (tmp_path / tracks.NETWORK).write_text('{"nodes": [1, 2]}')
    with pytest.raises(ValueError, match=r"not a transport network .*expected \{\"nodes\""):
        tracks.FleetData.of(tmp_path / tracks.NETWORK, [], [], [], [], [])


@pytest.mark.parametrize("spec, words", [
    ({"nodes": {"A": {"xyz": [0, 0]}}}, "node 'A' has xyz [0.0, 0.0], not three finite numbers"),
    ({"nodes": {"A": {"xyz": ["NaN", 0, 0]}}}, "node 'A' has xyz [nan, 0.0, 0.0]"),
    ({"nodes": {"A": {"xyz": [0, 0, 0]}}, "edges": [["A", "B"]]}, "edge [A, B] joins 'B', which is not in nodes"),
    ({"nodes": {"A": {"xyz": [0, 0, 0]}}, "movers": {"AGV": {"size": [2, -1, 1]}}}, "mover AGV has size"),
])
def test_an_edited_network_file_is_refused_by_its_culprit(tmp_path, spec, words):
    """A node at two coordinates was a NumPy 'inhomogeneous shape' error naming no file; a NaN point, an edge to
    no node and a negative size were drawn silently."""
    (tmp_path / tracks.NETWORK).write_text(json.dumps(spec))
    with pytest.raises(ValueError, match="not a transport network") as caught:
        tracks.FleetData.of(tmp_path / tracks.NETWORK, [], [], [], [], [])
    assert str(tmp_path / tracks.NETWORK) in str(caught.value) and words in str(caught.value)


def test_a_fleet_result_without_its_event_log_is_refused(folder, tmp_path):
    """Copied without events.parquet, a fleet's result folder showed the plant with no network and no vehicle, and
    said nothing."""
    import shutil

    part = tmp_path / "part"
    shutil.copytree(folder, part)
    (part / "events.parquet").unlink()
    with pytest.raises(ValueError, match=r"network.json\) but no events.parquet: the vehicles' waypoints are missing"):
        Recording.from_folder(part)


def test_each_kind_of_mover_is_drawn_at_its_size_standing_on_the_floor(two_rooms, tmp_path):
    """A person (0.6 x 0.6 x 1.8 m, as network.json sizes OPERATOR) half-way from A (1, 1) to B (7, 1) at t = 5 of
    10 s stands at (4, 1) from z = 0 to 1.8 m; an AGV, not sized, gets the default box."""
    (tmp_path / tracks.NETWORK).write_text(json.dumps({
        "nodes": {"A": {"xyz": [1, 1, 0], "kind": "station"}, "B": {"xyz": [7, 1, 0], "kind": "stairs"}},
        "edges": [["A", "B"]], "movers": {"OPERATOR": {"size": [0.6, 0.6, 1.8]}}}))
    data = tracks.FleetData.of(tmp_path / tracks.NETWORK, [0.0, 10.0, 0.0], ["OPERATOR-01", "OPERATOR-01", "AGV-01"],
                               ["at", "at", "at"], ["A", "B", "B"], ["", "", ""])
    scene = PlantScene(two_rooms, labels=False, off_screen=True, window_size=(400, 300))
    try:
        fleet = Fleet(scene, data, labels=False)
        fleet.frame(5.0)
        assert fleet.drawn()["OPERATOR-01"] == pytest.approx([4.0, 1.0, 0.0])
        boxes = np.asarray(fleet.mesh.points).reshape(2, -1, 3)
        person, agv = (boxes[fleet.names.index(n)] for n in ("OPERATOR-01", "AGV-01"))
        assert person.min(axis=0) == pytest.approx([3.7, 0.7, 0.0]) and person.max(axis=0) == pytest.approx(
            [4.3, 1.3, 1.8])
        assert agv.max(axis=0)[2] - agv.min(axis=0)[2] == pytest.approx(1.0) and agv.min(axis=0)[2] == 0.0
    finally:
        scene.close()


def test_a_movie_of_an_hour_of_the_run(folder, tmp_path):
    """twin view RESULT --movie --from 2 h --to 3 h --fps 5 --seconds 1: an MP4 of 5 frames (counted by ffmpeg)."""
    import imageio_ffmpeg

    from twin.cli import main

    out = tmp_path / "hour.mp4"
    assert main(["view", str(folder), "--movie", str(out), "--from", "2 h", "--to", "3 h", "--fps", "5",
                 "--seconds", "1", "--size", "320x200"]) == 0
    assert imageio_ffmpeg.count_frames_and_secs(str(out))[0] == 5


def test_movie_frames_span_the_window_asked(replay):
    _, play = replay
    assert play.times(5, 1, 7200.0, 10800.0) == pytest.approx(np.linspace(7200.0, 10800.0, 5))
    assert play.times(5, 1, -50.0, 1e9)[[0, -1]] == pytest.approx([play.t0, play.t1])   # kept inside the run


def test_a_vehicle_shows_its_load_on_the_loaded_leg_only():
    """Empty from A to B (0-10 s), loading at B (10-40 s), loaded from B to C (40-50 s), unloaded after."""
    track = tracks.Track(np.array([0.0, 10.0, 40.0, 50.0]), np.zeros((4, 3)), ("", "", "IBC-0001", "IBC-0001"))
    assert [track.carrying(t) for t in (5.0, 20.0, 45.0, 60.0)] == ["", "", "IBC-0001", ""]


def test_a_click_on_a_vehicle_says_what_it_is_doing(folder, replay):
    """IBC-0001 half-way through its ride: a click on its vehicle's box names the vehicle, the two nodes it drives
    between and its load; a click on empty floor far from every vehicle names none."""
    recording, play = replay
    events = events_of(folder)
    mine = events[(events.source == "IBC-0001") & events.event.isin(["loaded", "delivered"])].t.to_numpy()
    t = (mine[0] + mine[1]) / 2
    play.frame(t)
    vehicle = where(events, "IBC-0001", t).place
    assert play.clicked(play.fleet.drawn()[vehicle] + np.array([0.3, 0.2, 0.5])) == vehicle
    text = play.fleet.describe(vehicle, t)
    a, b = play.fleet.data.tracks[vehicle].leg(t)
    assert text.startswith(vehicle) and "carrying IBC-0001" in text and (f"from {a} to {b}" in text or a == b)
    assert play.fleet.at(np.array([-500.0, -500.0, 0.0])) is None
