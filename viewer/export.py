"""The scene as files: a PNG, a standalone HTML page a trainee opens offline, an MP4 of a replayed run.

>>> export.screenshot(scene, "plant.png")
>>> export.html(scene, "plant.html")          # one file: the scene and the vtk.js viewer, no server, no internet
>>> export.movie(playback, "run.mp4", fps=20)
>>> export.snapshot(plant, "report/plant.png", recording=Recording.from_result(result), t=3600)  # for a report

The HTML page is made without a server: trame-vtk's serializers turn the render window into the scene description
vtk.js reads, and trame-vtk's standalone viewer page (vtk.js bundled in) carries it base64-embedded. (pyvista 0.49's
``export_html`` goes through a running trame server instead.) vtk.js has no builder for VTK's 2D text actors, so the
title, the legend and the tag labels are left out of the scene and laid over it as HTML: the labels follow the 3D
view, placed every frame from the viewer's own renderer (``worldToNormalizedDisplay``; the page is patched to hand
it out as ``window.twinRenderWindow``). The viewer page's own debug line (``console.log`` of the scene's keys) is taken
out.
"""
from __future__ import annotations

import io
import json
import uuid
import zipfile
from pathlib import Path

import numpy as np

from viewer.scene import PlantScene

DEBUG_LINE = "console.log(Object.keys(s)),"  # in trame-vtk's static viewer: logs ['hashes', 'scene'] on load
HOOK = ("global.renderWindow=n", "global.renderWindow=window.twinRenderWindow=n")  # the viewer's window, for labels


def check_target(path: str | Path, suffix: str) -> Path:
    """``path`` if a file ending in ``suffix`` can be written there, else an error saying why."""
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"{path}: is a folder; name a file in it, e.g. {path / ('plant' + suffix)}")
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
    return scene.screenshot(check_target(path, ".png"))


def html(scene: PlantScene, path: str | Path) -> Path:
    """Write ``scene`` as one self-contained HTML file (vtk.js, works offline in any WebGL browser)."""
    from trame_vtk.tools.vtksz2html import write_html

    path = check_target(path, ".html")
    buffer = io.StringIO()
    write_html(scene_archive(scene), buffer)
    page = buffer.getvalue().replace(DEBUG_LINE, "", 1).replace(*HOOK, 1)
    head, tail = page.rsplit("</body>", 1)  # the page's own end (its bundled script holds the words too)
    path.write_text(head + overlay(scene) + "</body>" + tail, encoding="utf-8")
    return path


def overlay(scene: PlantScene) -> str:
    """The title, legend and tag labels of ``scene`` as HTML over the vtk.js canvas (labels follow the view).

    They are added by a script once the viewer has drawn the scene: the viewer empties the page's body first."""
    from html import escape

    legend = "".join(f'<div><span style="display:inline-block;width:11px;height:11px;margin-right:6px;'
                     f'background:{escape(colour)}"></span>{escape(name)}</div>' for name, colour in scene.legend)
    parts = {"title": escape(scene.title), "legend": legend,
             "labels": [[tag, *map(float, point)] for tag, point in scene.label_points.items()]}
    return f"""<script>
const TWIN = {json.dumps(parts, ensure_ascii=False)};
function twinOverlay() {{
  const rw = window.twinRenderWindow;
  if (!rw || !rw.getRenderers().length) {{ requestAnimationFrame(twinOverlay); return; }}
  const add = (id, style, html) => {{
    const d = document.createElement("div");
    d.id = id; d.style = style; d.innerHTML = html; document.body.appendChild(d); return d;
  }};
  add("twin-title", "position:absolute;top:6px;width:100%;text-align:center;z-index:10;font:16px sans-serif;"
      + "pointer-events:none", TWIN.title);
  add("twin-legend", "position:absolute;right:12px;bottom:12px;z-index:10;background:#fff;border:1px solid #999;"
      + "padding:5px 8px;font:12px sans-serif;line-height:16px", TWIN.legend);
  const layer = add("twin-labels", "position:absolute;left:0;top:0;width:100%;height:100%;z-index:9;"
      + "pointer-events:none;overflow:hidden", "");
  const divs = TWIN.labels.map(([tag]) => {{
    const d = document.createElement("div");
    d.textContent = tag;
    d.className = "twin-label";
    d.style = "position:absolute;transform:translate(-50%,-100%);font:bold 11px sans-serif;color:#1b2631;"
      + "white-space:nowrap";
    layer.appendChild(d);
    return d;
  }});
  const renderer = rw.getRenderers().reduce((a, b) => b.getViewProps().length > a.getViewProps().length ? b : a);
  (function place() {{
    const w = layer.clientWidth, h = layer.clientHeight;
    TWIN.labels.forEach(([tag, x, y, z], i) => {{
      const p = renderer.worldToNormalizedDisplay(x, y, z, w / h);
      divs[i].style.left = (p[0] * w) + "px";
      divs[i].style.top = ((1 - p[1]) * h) + "px";
    }});
    requestAnimationFrame(place);
  }})();
}}
requestAnimationFrame(twinOverlay);
</script>
"""


def scene_archive(scene: PlantScene) -> bytes:
    """The scene as a vtk.js OfflineLocalView archive (a zip holding ``index.json``: scene state and arrays)."""
    plotter = scene.plotter
    plotter.render()
    window = plotter.render_window
    flat = [prop for prop in _props(plotter.renderer) if prop.IsA("vtkActor2D")]  # text: drawn as HTML instead
    for prop in flat:
        plotter.renderer.RemoveViewProp(prop)
    try:
        return _archive(plotter, window)
    finally:
        for prop in flat:
            plotter.renderer.AddViewProp(prop)


def _props(renderer) -> list:
    props = renderer.GetViewProps()
    props.InitTraversal()
    return [props.GetNextProp() for _ in range(props.GetNumberOfItems())]


def _archive(plotter, window) -> bytes:
    from trame_vtk.modules.vtk.serializers import (
        SynchronizationContext,
        extract_array_hash,
        initialize_serializers,
        reference_id,
        serialize,
    )

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
          progress: bool = True, start: float | None = None, end: float | None = None) -> Path:
    """Record ``playback`` (a :class:`viewer.playback.Playback`) as an MP4 at ``path``, from ``start`` to ``end``
    (s; default the whole run). The movie is whole or absent: it is written under a hidden name beside ``path`` and
    moved there at the end, so an error or Ctrl-C midway leaves no cut file (and an earlier movie as it was)."""
    path = check_target(path, ".mp4")
    partial = path.with_name(f".{path.stem}.partial-{uuid.uuid4().hex[:8]}.mp4")
    try:
        playback.movie(partial, fps=fps, seconds=seconds, progress=progress, start=start, end=end)
        partial.replace(path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return path
