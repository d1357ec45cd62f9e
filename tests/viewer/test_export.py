"""Exports: the PNG as rendered, and the standalone HTML page opened in a real headless browser."""
from __future__ import annotations

import base64
import io
import json
import re
import zipfile

import numpy as np
import pytest
from pictures import alarm_mask, browser_screenshot, non_background
from PIL import Image

from viewer import export
from viewer.scene import GRADE_COLOURS, SPACE_OPACITY, PlantScene


@pytest.fixture(scope="module")
def scene(osd_line):
    scene = PlantScene(osd_line, off_screen=True)
    scene.paint({"TP-101": "alarm"})
    yield scene
    scene.close()


def test_png_is_the_rendered_image(scene, tmp_path):
    image = export.screenshot(scene, tmp_path / "line.png")
    on_disk = np.asarray(Image.open(tmp_path / "line.png").convert("RGB"))
    assert np.array_equal(on_disk, image)
    assert non_background(on_disk) > 0.15


def test_bad_targets_are_explained(scene, tmp_path):
    with pytest.raises(ValueError, match="ending in .png"):
        export.screenshot(scene, tmp_path / "line.jpg")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        export.html(scene, tmp_path / "no" / "such" / "line.html")


def test_html_embeds_every_asset_and_room_without_a_server(scene, tmp_path):
    page = export.html(scene, tmp_path / "line.html").read_text()
    assert re.findall(r'(?:src|href)="(https?:[^"]*)"', page) == []  # nothing fetched from the network
    data = re.search(r'const base64Str = "([^"]+)"', page).group(1)
    with zipfile.ZipFile(io.BytesIO(base64.b64decode(data))) as archive:
        doc = json.loads(archive.read("index.json"))
    points = [h for h in doc["hashes"].values() if h.get("vtk") == "vtkPoints"]
    actors = [d for d in doc["scene"]["dependencies"][0]["dependencies"] if d["type"].endswith("Actor")]
    # two storeys of assets, rooms of grades C, D and CNC, piping: at least 6 meshes with their points
    assert len(actors) >= 6 and len(points) >= 6
    colours = json.dumps(doc["scene"])
    c = np.array([int(GRADE_COLOURS["C"][i:i + 2], 16) / 255 for i in (1, 3, 5)])
    assert any(np.allclose(c, json.loads(m), atol=1e-3)
               for m in re.findall(r'"diffuseColor": (\[[^\]]+\])', colours))


def test_html_page_shows_the_scene_in_a_real_browser(scene, tmp_path, chromium):
    path = export.html(scene, tmp_path / "line.html")
    shot = browser_screenshot(chromium, path, tmp_path / "browser.png")
    assert non_background(shot) > 0.10  # vtk.js drew the plant
    assert alarm_mask(shot).sum() > 200  # the tablet press in alarm, as painted before the export
    yellow = np.array([int(GRADE_COLOURS["C"][i:i + 2], 16) for i in (1, 3, 5)])
    once = SPACE_OPACITY * yellow + (1 - SPACE_OPACITY) * 255.0
    twice = SPACE_OPACITY * yellow + (1 - SPACE_OPACITY) * once  # a room's top and floor over white
    tinted = np.abs(shot.astype(float) - twice).max(axis=-1) <= 6
    assert tinted.sum() > 5000  # grade C rooms, as blended by WebGL in the browser


def test_snapshot_for_a_report(two_rooms, tmp_path):
    from pictures import is_alarm

    from viewer.recording import Recording

    rec = Recording({"T-2.state": (np.array([0.0, 60.0]), np.array(["running", "alarm"], dtype=object))})
    path = export.snapshot(two_rooms, tmp_path / "report.png", recording=rec, t=30.0, size=(640, 400))
    running = np.asarray(Image.open(path).convert("RGB"))
    export.snapshot(two_rooms, tmp_path / "end.png", recording=rec, size=(640, 400))  # t: the end, T-2 in alarm
    end = np.asarray(Image.open(tmp_path / "end.png").convert("RGB"))
    assert (alarm_mask(end).sum() - alarm_mask(running).sum()) > 100
    assert not is_alarm(running[0, 0])


def test_html_holds_title_legend_and_labels_but_no_text_actors(scene, tmp_path):
    page = export.html(scene, tmp_path / "line.html").read_text()
    assert export.DEBUG_LINE not in page and export.HOOK[1] in page
    data = re.search(r'const base64Str = "([^"]+)"', page).group(1)
    with zipfile.ZipFile(io.BytesIO(base64.b64decode(data))) as archive:
        kinds = re.findall(r'"type": "(vtk\w+)"', archive.read("index.json").decode())
    assert not {"vtkTextActor", "vtkActor2D", "vtkLegendBoxActor"} & set(kinds)  # vtk.js: "No builder for" them
    overlay = json.loads(re.search(r"const TWIN = (\{.*\});", page).group(1))
    assert overlay["title"] == "OSD continuous manufacturing line"
    assert {tag for tag, *_ in overlay["labels"]} == set(scene.tags)
    assert "idle" in overlay["legend"] and "#8c8c8c" in overlay["legend"]


def test_html_page_draws_title_legend_and_labels_and_logs_nothing(scene, tmp_path, chromium):
    import subprocess

    path = export.html(scene, tmp_path / "line.html")
    done = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--use-gl=swiftshader",
                           "--enable-unsafe-swiftshader", "--hide-scrollbars", "--window-size=1280,800",
                           "--virtual-time-budget=15000", "--enable-logging=stderr", "--v=0",
                           f"--screenshot={tmp_path / 'shot.png'}", path.as_uri()],
                          capture_output=True, text=True, timeout=180, check=True)
    page_logs = [line for line in done.stderr.splitlines() if ":CONSOLE" in line and "GL Driver Message" not in line]
    assert page_logs == []  # the page logged ['hashes', 'scene'] and "No builder for vtkTextActor" before
    shot = np.asarray(Image.open(tmp_path / "shot.png").convert("RGB"))
    ink = shot.min(axis=-1) < 60  # black text: the title, the legend's words, the labels' #1b2631
    assert ink[:30].sum() > 150  # the title at the top
    assert ink[600:, 1100:].sum() > 150  # the legend in the lower right corner
    column, row = scene.project(scene.label_point("TP-101"))  # the same camera in the browser: the label is there
    assert ink[max(row - 20, 0):row + 4, column - 40:column + 40].sum() > 30
