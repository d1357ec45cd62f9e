"""Fixtures of the viewer tests: off-screen rendering, sample plants, a small plant whose layout we know, Chromium.

Picture-reading helpers live in ``pictures.py`` (a module name of its own, unlike ``conftest``).
"""
from __future__ import annotations

import os
import shutil
import subprocess

import pytest
import trimesh
from pictures import SAMPLES

import twin.plant
from viewer.scene import headless

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


def _apt_install(package: str) -> None:
    """Debian's ``package``, installed when allowed here (root, apt, TWIN_NO_APT unset)."""
    if os.environ.get("TWIN_NO_APT") != "1" and shutil.which("apt-get") and os.geteuid() == 0:
        subprocess.run(["apt-get", "update", "-qq"], capture_output=True, timeout=300)
        subprocess.run(["apt-get", "install", "-y", "-qq", package], capture_output=True, timeout=600,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})


@pytest.fixture(scope="session")
def cjk_font():
    """A font with CJK glyphs (Debian's fonts-wqy-microhei, installed when missing and allowed); else skip."""
    from viewer import fonts

    if fonts.font_file() is None:
        _apt_install("fonts-wqy-microhei")
    if fonts.font_file() is None:
        pytest.skip(f"no CJK font here and none could be installed: {fonts.INSTALL}")
    return fonts.font_file()


@pytest.fixture(scope="session")
def chromium():
    """A headless Chromium: Debian's package, installed here when missing and allowed (root, apt); else skip."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        _apt_install("chromium")
        found = shutil.which("chromium")
    if found is None:
        pytest.skip("no Chromium: install Debian's package (apt-get install chromium) to check the HTML export in a "
                    "real browser; it could not be installed here (not root, no apt, or TWIN_NO_APT=1)")
    return found
