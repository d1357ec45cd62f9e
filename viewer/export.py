"""The scene as files: a PNG, a standalone HTML page a trainee opens offline, an MP4 of a replayed run.

>>> export.screenshot(scene, "plant.png")
>>> export.html(scene, "plant.html")          # one file: the scene and the vtk.js viewer, no server, no internet
>>> export.movie(playback, "run.mp4", fps=20)
>>> export.snapshot(plant, "report/plant.png", recording=Recording.from_result(result), t=3600)  # for a report

The HTML page is made without a server: trame-vtk's serializers turn the render window into the scene description
vtk.js reads, and trame-vtk's standalone viewer page (vtk.js bundled in) carries it base64-embedded. (pyvista 0.49's
``export_html`` goes through a running trame server instead.)
"""
from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np

from viewer.scene import PlantScene


def _target(path: str | Path, suffix: str) -> Path:
    path = Path(path)
    if path.suffix.lower() != suffix:
        raise ValueError(f"{path}: expected a file name ending in {suffix}")
    if not path.parent.is_dir():
        raise FileNotFoundError(f"{path}: the folder {path.parent} does not exist (create it first)")
    return path


def snapshot(plant, path: str | Path, *, recording=None, t: float | None = None, rules=None,
             size: tuple[int, int] = (1280, 800)) -> Path:
    """One call for a study's report: ``plant`` off screen to a PNG, coloured by ``recording`` (a
    :class:`viewer.recording.Recording`) at time ``t`` (default: its end) with ``rules`` (default: the state)."""
    from viewer.colouring import Rule
    from viewer.playback import Playback
    from viewer.scene import headless

    headless()
    scene = PlantScene(plant, off_screen=True, window_size=size)
    try:
        if recording is not None:
            playback = Playback(scene, recording, rules or [Rule("state")])
            playback.frame(playback.t1 if t is None else t)
        screenshot(scene, path)
    finally:
        scene.close()
    return Path(path)


def screenshot(scene: PlantScene, path: str | Path) -> np.ndarray:
    """Render ``scene`` off screen to a PNG at ``path``; returns the image (height x width x 3, uint8)."""
    return scene.screenshot(_target(path, ".png"))


def html(scene: PlantScene, path: str | Path) -> Path:
    """Write ``scene`` as one self-contained HTML file (vtk.js, works offline in any WebGL browser)."""
    from trame_vtk.tools.vtksz2html import write_html

    path = _target(path, ".html")
    buffer = io.StringIO()
    write_html(scene_archive(scene), buffer)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def scene_archive(scene: PlantScene) -> bytes:
    """The scene as a vtk.js OfflineLocalView archive (a zip holding ``index.json``: scene state and arrays)."""
    from trame_vtk.modules.vtk.serializers import (
        SynchronizationContext,
        extract_array_hash,
        initialize_serializers,
        reference_id,
        serialize,
    )

    plotter = scene.plotter
    plotter.render()
    window = plotter.render_window
    initialize_serializers()
    context = SynchronizationContext()
    context.set_ignore_last_dependencies(True)
    state = serialize(None, window, reference_id(window), context, 1)
    camera = plotter.renderer.GetActiveCamera()
    state["extra"] = {"vtkRefId": reference_id(window), "centerOfRotation": camera.GetFocalPoint(),
                      "camera": reference_id(camera)}
    arrays = {entry["hash"]: {**entry, "content": context.get_cached_data_array(entry["hash"], False)}
              for entry in extract_array_hash(state)}
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("index.json", json.dumps({"hashes": arrays, "scene": state}), compress_type=zipfile.ZIP_DEFLATED)
    return archive.getvalue()


def movie(playback, path: str | Path, fps: float = 20.0, seconds: float | None = None,
          progress: bool = True) -> Path:
    """Record ``playback`` (a :class:`viewer.playback.Playback`) as an MP4 at ``path``."""
    return playback.movie(_target(path, ".mp4"), fps=fps, seconds=seconds, progress=progress)
