"""Shared fixtures of the viewer tests: off-screen rendering, sample plants, a small plant whose layout we know."""
from __future__ import annotations

import colorsys
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import trimesh

import twin.plant
from viewer.scene import headless

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "plant_models"

headless()


@pytest.fixture(scope="session")
def osd_line():
    return twin.plant.load(SAMPLES / "osd_cm_line" / "plant.yaml")


@pytest.fixture(scope="session")
def api_bay():
    return twin.plant.load(SAMPLES / "api_bay" / "plant.yaml")


LAYOUT = """\
name: Two rooms
spaces:
  - {number: A1, name: Aseptic filling, grade: A, origin: [0, 0, 0], size: [6 m, 6 m, 3 m]}
  - {number: C1, name: Preparation, grade: C, origin: [6 m, 0, 0], size: [6 m, 6 m, 3 m]}
meshes:
  - {tag: T-1, file: box.stl, type: Tank, position: [1 m, 1 m, 0 m]}
  - {tag: T-2, file: box.stl, type: Tank, position: [7 m, 1 m, 0 m]}
  - {tag: P-1, file: box.stl, type: Pump, position: [4 m, 1 m, 0 m], scale: 0.5}
"""


@pytest.fixture(scope="session")
def two_rooms(tmp_path_factory):
    """Rooms A1 (grade A, x 0..6 m) and C1 (grade C, x 6..12 m), 1 m box tanks at (1..2, 1..2) and (7..8, 1..2)."""
    folder = tmp_path_factory.mktemp("two_rooms")
    trimesh.creation.box(bounds=[[0, 0, 0], [1, 1, 1]]).export(folder / "box.stl")
    (folder / "layout.yaml").write_text(LAYOUT)
    return twin.plant.load(folder / "layout.yaml")


def project(scene, point) -> tuple[int, int]:
    """Pixel (column, row) of a world point, from the camera's own matrices (OpenGL's clip -> NDC -> window
    mapping), independently of the scene's :meth:`project`."""
    width, height = scene.plotter.window_size
    camera = scene.plotter.renderer.GetActiveCamera()
    matrix = camera.GetCompositeProjectionTransformMatrix(width / height, -1, 1)
    m = np.array([[matrix.GetElement(i, j) for j in range(4)] for i in range(4)])
    clip = m @ np.append(np.asarray(point, float), 1.0)
    ndc = clip[:3] / clip[3]
    return int((ndc[0] + 1) / 2 * width), int((1 - ndc[1]) / 2 * height)


def hue_of(pixel) -> tuple[float, float, float]:
    """(hue in degrees, saturation, value) of an RGB pixel."""
    h, s, v = colorsys.rgb_to_hsv(*(np.asarray(pixel[:3], float) / 255))
    return h * 360, s, v


def is_alarm(pixel) -> bool:
    """Magenta (the alarm colour, hue 300 deg), whatever the shading or a translucent room in front does to it."""
    h, s, v = hue_of(pixel)
    return 285 <= h <= 330 and s > 0.45 and v > 0.3


def alarm_mask(image) -> np.ndarray:
    """:func:`is_alarm` for every pixel of ``image``."""
    from matplotlib.colors import rgb_to_hsv

    hsv = rgb_to_hsv(image[..., :3] / 255.0)
    return (hsv[..., 0] * 360 >= 285) & (hsv[..., 0] * 360 <= 330) & (hsv[..., 1] > 0.45) & (hsv[..., 2] > 0.3)


def non_background(image) -> float:
    """Share of pixels that are not the white background."""
    return float(np.mean(np.any(image[..., :3] < 245, axis=-1)))


@pytest.fixture(scope="session")
def chromium():
    """A headless Chromium: Debian's package, installed here when missing and allowed (root, apt); else skip."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None and os.environ.get("TWIN_NO_APT") != "1" and shutil.which("apt-get") and os.geteuid() == 0:
        subprocess.run(["apt-get", "update", "-qq"], capture_output=True, timeout=300)
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], capture_output=True, timeout=600,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
        found = shutil.which("chromium")
    if found is None:
        pytest.skip("no Chromium: install Debian's package (apt-get install chromium) to check the HTML export in a "
                    "real browser; it could not be installed here (not root, no apt, or TWIN_NO_APT=1)")
    return found


def browser_screenshot(chromium: str, page: Path, out: Path, size=(1280, 800)) -> np.ndarray:
    """Open ``page`` in headless Chromium (software WebGL) and return its screenshot."""
    from PIL import Image

    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--use-gl=swiftshader",
                    "--enable-unsafe-swiftshader", "--hide-scrollbars", f"--window-size={size[0]},{size[1]}",
                    "--virtual-time-budget=15000", f"--screenshot={out}", page.as_uri()],
                   capture_output=True, timeout=180, check=True)
    return np.asarray(Image.open(out).convert("RGB"))
