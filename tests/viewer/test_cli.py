"""``twin view`` end to end: plant and result folder to PNG / HTML / MP4, and bad input met with clear messages."""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from pictures import SAMPLES, alarm_mask, non_background
from PIL import Image

from twin.cli import main

PLANT = SAMPLES / "osd_cm_line" / "plant.yaml"


def _png(path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


@pytest.fixture(scope="module")
def result_folder(tmp_path_factory):
    """A result folder as ``twin run`` writes it: two replications; in replication 1 TP-101 is in alarm
    (state index 3) from t = 600 s."""
    folder = tmp_path_factory.mktemp("result")
    t = np.array([0.0, 600.0, 1200.0])
    columns = {"replication": np.repeat(np.array([0, 1], np.int32), 3), "t": np.concatenate([t, t]),
               "TP-101.state": np.array([0.0, 0.0, 0.0, 0.0, 3.0, 3.0]),
               "BL-101.state": np.array([1.0, 0.0, 0.0, 0.0, 0.0, 2.0])}
    pq.write_table(pa.table(columns), folder / "traces.parquet")
    events = {"replication": np.array([1, 1, 1, 1, 1, 1], np.int32),
              "t": np.array([600.0, 0.0, 300.0, 300.0, 700.0, 900.0]),
              "source": ["TP-101", "MD-101", "MD-101", "MD-101", "MD-101", "MD-101"],
              "event": ["overpressure", "start", "end", "start", "breakdown", "repaired"]}
    pq.write_table(pa.table(events), folder / "events.parquet")
    (folder / "scenario.yaml").write_text(yaml.safe_dump({"plant": str(PLANT), "variant": "base"}))
    return folder


def test_view_plant_to_png_and_html(tmp_path, capsys):
    assert main(["view", str(PLANT), "--screenshot", str(tmp_path / "p.png"), "--html", str(tmp_path / "p.html"),
                 "--size", "800x500"]) == 0
    image = _png(tmp_path / "p.png")
    assert image.shape == (500, 800, 3) and non_background(image) > 0.15
    assert (tmp_path / "p.html").stat().st_size > 100_000
    assert "wrote" in capsys.readouterr().out


def test_states_come_from_the_event_log_of_a_result_folder(result_folder):
    from viewer.recording import Recording

    rec = Recording.from_folder(result_folder, replication=1)
    # MD-101: start 0, end and start again at 300 (logged in that order), breakdown 700, repaired 900
    expected = {0: "running", 299: "running", 300: "running", 650: "running", 700: "down", 899: "down", 900: "idle"}
    assert {t: rec.at("MD-101.state", t) for t in expected} == expected
    assert "TP-101.state" in rec.traces and rec.at("TP-101.state", 700) == 3.0  # a recorded trace wins
    assert rec.events[0] == (0.0, "MD-101 start") and len(rec.events) == 6
    assert Recording.from_folder(result_folder, replication=0).events == []
    with pytest.raises(ValueError, match=r"no replication 7; the folder holds replications \[0, 1\]"):
        Recording.from_folder(result_folder, replication=7)


def test_view_result_at_a_time(result_folder, tmp_path):
    before, after = tmp_path / "t0.png", tmp_path / "t15.png"
    args = ["view", str(result_folder), "--replication", "1", "--no-labels", "--size", "800x500"]
    assert main([*args, "--time", "5 min", "--screenshot", str(before)]) == 0
    assert main([*args, "--time", "15 min", "--screenshot", str(after)]) == 0
    assert alarm_mask(_png(after)).sum() - alarm_mask(_png(before)).sum() > 300  # TP-101 in alarm from 10 min


def test_view_result_as_movie(result_folder, tmp_path):
    import imageio.v3 as iio

    movie = tmp_path / "run.mp4"
    assert main(["view", str(result_folder), "--replication", "1", "--movie", str(movie), "--fps", "5",
                 "--seconds", "1", "--size", "640x400"]) == 0
    assert len(list(iio.imiter(movie))) == 5


@pytest.mark.parametrize("args, message", [
    (["plant_models/osd_cm_line/plant.yml"], "file not found"),
    ([str(PLANT), "--size", "big"], "WIDTHxHEIGHT"),
    ([str(PLANT), "--hide-storey", "Process levle"], "did you mean 'Process level'"),
    ([str(PLANT), "--movie", "x.mp4"], "give a result folder"),
    ([str(PLANT), "--screenshot", "out.jpg"], "ending in .png"),
])
def test_bad_input_is_explained(args, message, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path.parent if "plant_models" not in args[0] else SAMPLES.parent)
    if "--screenshot" not in args and "--movie" not in args:
        args = [*args, "--screenshot", str(tmp_path / "x.png")]
    assert main(["view", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("twin view: ") and message in err, err
    assert "Traceback" not in err


@pytest.mark.parametrize("args, message", [
    (["--from", "10 min", "--to", "5 min"], "--from 600 s is not before --to 300 s"),
    (["--from", "10 min", "--to", "10 min"], "is not before"),
    (["--from", "2 h"], "--from 2 h is outside the run, which spans 0 s to 1200 s"),
    (["--to", "30 h"], "--to 30 h is outside the run"),
    (["--time", "100 h"], "--time 100 h is outside the run"),
    (["--from", "5 min", "--no-movie"], "give --movie OUT.mp4 too"),
])
def test_a_window_the_run_does_not_hold_is_refused(result_folder, args, message, tmp_path, capsys):
    """A movie window out of order, past the run's end or without --movie was clamped or ignored silently (a movie
    of the run's frozen last moment, exit 0); now one line, exit 2, before anything is drawn."""
    args = [a for a in args if a != "--no-movie"] + (
        [] if "--no-movie" in args else ["--movie", str(tmp_path / "m.mp4")] if "--time" not in args else [])
    out = ["--screenshot", str(tmp_path / "x.png")] if "--movie" not in args else []
    assert main(["view", str(result_folder), "--replication", "1", *args, *out]) == 2
    err = capsys.readouterr().err
    assert err.startswith("twin view: ") and message in err and len(err.splitlines()) == 1, err
    assert not (tmp_path / "m.mp4").exists() and not (tmp_path / "x.png").exists()


def test_rules_and_results_that_do_not_fit_still_open(result_folder, tmp_path, capsys):
    other = SAMPLES / "api_bay" / "plant.yaml"
    out = tmp_path / "other.png"
    assert main(["view", str(result_folder), "--plant", str(other), "--colour", "stat", "--screenshot",
                 str(out), "--size", "640x400"]) == 0
    err = capsys.readouterr().err
    assert "another plant" in err and "did you mean 'state'" in err
    assert non_background(_png(out)) > 0.1


def test_exercise_with_a_missing_asset_still_opens(tmp_path, capsys):
    exercise = tmp_path / "ex.yaml"
    exercise.write_text("exercise: Line walk\ntime_limit: 3 min\nhazards:\n"
                        "  - {id: H1, kind: leak, asset: TP-101}\n  - {id: H2, kind: leak, asset: TP-110}\n")
    assert main(["view", str(PLANT), "--exercise", str(exercise), "--screenshot", str(tmp_path / "e.png"),
                 "--size", "640x400"]) == 0
    err = capsys.readouterr().err
    assert "ex.yaml:5" in err and "TP-110" in err and "did you mean 'TP-101'" in err
    assert (tmp_path / "e.png").exists()


def test_no_display_no_window(monkeypatch, capsys):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert main(["view", str(PLANT)]) == 2
    assert "--screenshot" in capsys.readouterr().err


def test_help_teaches_with_examples(capsys):
    with pytest.raises(SystemExit):
        main(["view", "--help"])
    text = capsys.readouterr().out
    assert "examples:" in text and "--html" in text and "schematic" in text


def test_an_ifc_without_geometry_is_drawn_as_a_schematic(tmp_path, capsys, monkeypatch):
    """A real IFC delivery whose products have no shape representation (only tags, rooms, ports and pipe runs)."""
    import sys

    monkeypatch.syspath_prepend(str(SAMPLES))
    from authoring import PlantAuthor

    author = PlantAuthor("Paper plant", seed=5)
    author._represent = lambda product, solid: None  # write every product without its shape
    floor = author.storey("Ground floor", 0.0)
    room = author.space(floor, "R1", "Process", origin=(0, 0), size=(10, 8), grade="D")
    system = author.system("Process", "CHEMICAL")
    tank = author.equipment("V-101", "IfcTank", room, (2, 4, 0), cylinder=(0.6, 2.0))
    pump = author.equipment("P-101", "IfcPump", room, (5, 2, 0), box=(0.6, 0.4, 0.5))
    reactor = author.equipment("R-101", "IfcTank", room, (8, 4, 0), cylinder=(1.0, 2.5))
    author.pipe(author.port(tank, (0, 0, 0.1), "SOURCE"), author.port(pump, (0, 0, 0.2), "SINK"), system, room)
    author.pipe(author.port(pump, (0, 0, 0.3), "SOURCE"), author.port(reactor, (0, 0, 2.0), "SINK"), system, room)
    ifc = author.write(tmp_path / "paper.ifc")
    assert "authoring" in sys.modules

    out = tmp_path / "paper.png"
    assert main(["view", str(ifc), "--screenshot", str(out), "--size", "640x400"]) == 0
    err = capsys.readouterr().err
    assert "has no geometry: showing a schematic layout of its 3 assets from the link graph (2 links)" in err
    assert non_background(_png(out)) > 0.02


def test_an_output_that_cannot_be_written_is_one_line_before_loading(tmp_path, capsys):
    plant = str(SAMPLES / "osd_cm_line" / "plant.yaml")
    (tmp_path / "shots.png").mkdir()
    for target, words in ((tmp_path / "no" / "x.png", "does not exist"), (tmp_path / "shots.png", "is a folder"),
                          (tmp_path / "x.jpg", "ending in .png")):
        assert main(["view", plant, "--screenshot", str(target)]) == 2
        err = capsys.readouterr().err.strip()
        assert words in err and len(err.splitlines()) == 1 and "drew" not in err, err  # said before loading
    assert main(["view", plant, "--html", "/proc/plant.html"]) == 2
    assert "twin view: " in capsys.readouterr().err


def test_a_truncated_delivery_is_drawn_and_said_to_be_partial(tmp_path, capsys):
    text = (SAMPLES / "api_bay" / "api_bay.ifc").read_text()
    (tmp_path / "cut.ifc").write_text(text[: len(text) * 6 // 10])
    shot = str(tmp_path / "cut.png")
    assert main(["view", str(tmp_path / "cut.ifc"), "--screenshot", shot, "--size", "320x200"]) == 0
    err = capsys.readouterr().err
    assert "the file ends before END-ISO-10303-21; (truncated?)" in err and "drew " in err
