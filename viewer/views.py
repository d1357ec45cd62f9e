"""3D pictures for study reports: the views a result folder asks for, drawn off screen into its ``figures/``.

A study never imports the viewer (scenarios stand on ``twin`` only). It lists the pictures it wants in the result
folder's ``views.json`` (:func:`scenarios.figures.add_view`): the plant at a moment, assets coloured by a value each
and rooms by a number each. When the folder is written, ``scenarios.results`` calls the plug-ins registered under the
entry-point group ``twin.report_figures``; the viewer's is :func:`render`::

    [{"name": "worst", "title": "the line at 5.2 h", "plant": "plant_models/osd_cm_line/plant.yaml", "t": 18720.0,
      "assets": {"LIW-101": "down", "DV-101": "alarm"}, "signal": "state"},
     {"name": "room_energy", "plant": "...", "rooms": {"R-102": 412.0}, "cmap": "YlOrRd", "label": "kWh per m2"},
     {"name": "fleet", "plant": "...", "t": 38100.0, "fleet": 0}]

Assets take ``signal`` (the name shown, ``state`` by default), ``cmap`` and ``clim`` as a :class:`Rule`; without
``cmap`` their values are states (running, idle, down, alarm ...). Rooms are always numbers on ``cmap``. ``fleet``
names a replication whose vehicles are drawn where they were at ``t`` on the folder's transport network
(:mod:`viewer.tracks`, :mod:`viewer.fleet`).
"""
from __future__ import annotations

import functools
import json
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

from twin import plant as plants
from viewer.colouring import Rule
from viewer.export import check_target
from viewer.fleet import Fleet
from viewer.playback import Playback
from viewer.recording import Recording
from viewer.scene import PlantScene, headless
from viewer.tracks import NETWORK, FleetData

FILE = "views.json"
SIZE = (1100, 700)   # pixels of a view


def render(folder: str | Path) -> list[Path]:
    """Draw every view ``folder/views.json`` asks for into ``folder/figures/<name>.png``; returns the files."""
    folder = Path(folder)
    if not (folder / FILE).is_file():
        return []
    try:
        views = json.loads((folder / FILE).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{folder / FILE}: not JSON ({exc}); delete it or write it with scenarios.figures.add_view"
                         ) from None
    return [draw(_plant(view["plant"]), view, folder / "figures" / f"{view['name']}.png", folder=folder)
            for view in views]


@functools.cache
def _loaded(path: str, mtime: int) -> plants.Plant:
    return plants.load(path)


def _plant(path: str) -> plants.Plant:
    """The plant of ``path``, loaded once while its file is unchanged."""
    return _loaded(str(path), Path(path).stat().st_mtime_ns)


_spare: dict[tuple, PlantScene] = {}   # a scene built ahead for the next picture of a (cached) plant, by its id


def warm(plant: str | Path) -> None:
    """Do ahead what every picture of ``plant`` needs: load it, draw a first frame off screen (VTK's first render
    sets up its context and shaders: about 0.5 s of a first picture's 0.7 s) and build the scene of the next picture
    (0.07 s). :mod:`scenarios.plugins` calls it in its drawing process while the run simulates."""
    with tempfile.TemporaryDirectory() as tmp:
        draw(_plant(plant), {"name": "warm"}, Path(tmp) / "warm.png")
    _spare[id(_plant(plant)), True, SIZE] = PlantScene(_plant(plant), labels=True, off_screen=True, window_size=SIZE)


render.warm = warm


def draw(plant: plants.Plant, view: dict, path: Path, size: tuple[int, int] = SIZE,
         folder: Path | None = None) -> Path:
    """One view (a dict as in :data:`views.json <viewer.views>`) of ``plant`` to the PNG ``path``; a ``fleet`` view
    reads the network and the waypoints of the result ``folder``."""
    headless()
    labels = not (view.get("rooms") or view.get("fleet") is not None)   # crowded views: their own labels, not tags
    scene = _spare.pop((id(plant), labels, tuple(size)), None) or PlantScene(plant, labels=labels, off_screen=True,
                                                                          window_size=size)
    try:
        if view.get("title"):
            scene.set_title(f"{plant.name}: {view['title']}")
        if view.get("assets"):
            _colour_assets(scene, view)
        if view.get("rooms"):
            _colour_rooms(scene, view)
        if view.get("fleet") is not None:
            _fleet(scene, view, folder)
        Image.fromarray(scene.screenshot()).save(check_target(path, ".png"), compress_level=1)   # as figures.PNG
    finally:
        scene.close()
    return Path(path)


def _colour_assets(scene: PlantScene, view: dict) -> None:
    """The assets of ``view["assets"]`` in their state's colour or on ``cmap``; the rooms' translucent grade colours
    would tint them, so the rooms are hidden in such a view."""
    if any(layer == "spaces" for layer, _ in scene.layers):
        scene.show_layer("spaces", False)
    signal, t = view.get("signal", "state"), float(view.get("t") or 0.0)
    numeric = view.get("cmap") is not None
    recording = Recording({f"{tag}.{signal}": (np.array([t]), np.array([value], dtype=float if numeric else object))
                           for tag, value in view["assets"].items()})
    clim = tuple(view["clim"]) if view.get("clim") else None
    Playback(scene, recording, [Rule(signal, cmap=view.get("cmap"), clim=clim)]).frame(t)


def _colour_rooms(scene: PlantScene, view: dict) -> None:
    """Each room of ``view["rooms"]`` as a translucent box on ``cmap``, labelled with its value."""
    import pyvista as pv

    rooms = {name: value for name, value in view["rooms"].items() if scene.plant.spaces[name].mesh is not None}
    if not rooms:
        scene.say("none of the rooms of this view has geometry")
        return
    scene.show_layer("spaces", False)
    clim = tuple(view["clim"]) if view.get("clim") else (min(0.0, *rooms.values()), max(rooms.values()) or 1.0)
    for name, value in rooms.items():
        mesh = scene.plant.spaces[name].mesh
        box = pv.PolyData.from_regular_faces(np.asarray(mesh.vertices, float), np.asarray(mesh.faces, np.int64))
        box.cell_data[view.get("label", "value")] = np.full(box.n_cells, value)
        scene.plotter.add_mesh(box, scalars=view.get("label", "value"), cmap=view.get("cmap", "YlOrRd"), clim=clim,
                               opacity=0.55, lighting=False,
                               scalar_bar_args={"title": view.get("label", ""), "color": "black", "vertical": True,
                                                "position_x": 0.04, "position_y": 0.2})
        scene.plotter.add_point_labels([mesh.bounds.mean(axis=0)], [f"{name}\n{value:,.0f}"], font_size=11,
                                       shape_opacity=0.4, always_visible=True)


def _fleet(scene: PlantScene, view: dict, folder: Path | None) -> None:
    """The transport network and the vehicles of replication ``view["fleet"]`` where they were at ``view["t"]``."""
    data = FleetData.read(folder, int(view["fleet"])) if folder is not None else None
    if data is None:
        scene.say(f"view '{view['name']}' asks for vehicles, but the result folder holds no {NETWORK}")
        return
    Fleet(scene, data).frame(float(view.get("t") or 0.0))
