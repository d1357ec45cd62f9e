"""Vehicles on a transport network, drawn in the plant from a run's waypoints (:mod:`viewer.tracks`): snapshots,
playback and movies.

>>> fleet = Fleet(scene, FleetData.read("results/intralogistics/multipurpose_osd/base"))
>>> fleet.frame(10 * 3600 + 35 * 60)      # every vehicle where it was at 10:35, coloured loaded or empty
>>> fleet.drawn()["AGV-03"]               # the point (x, y, z) where the picture shows it, on the floor

:class:`viewer.Playback` moves them with its clock when its recording holds them (a result folder with a network).
"""
from __future__ import annotations

import numpy as np
import pyvista as pv

from viewer.scene import NO_STOREY, PlantScene, rgb
from viewer.tracks import FleetData

#: colour and marker radius (m) of each kind of node
KINDS = {"room": ("#7f8c8d", 0.15), "door": ("#5d6d7e", 0.3), "airlock": ("#c0392b", 0.4),
         "lift": ("#8e44ad", 0.5), "station": ("#2471a3", 0.2), "charger": ("#27ae60", 0.4),
         "stairs": ("#b7950b", 0.5)}
EDGE_COLOUR = "#8e44ad"
VEHICLE = (2.0, 1.4, 1.0)   # m: length, width, height of a mover's box unless network.json sizes it
EMPTY, LOADED = "#17a589", "#d35400"
ASSET_OPACITY = 0.35   # the plant's assets, so that vehicles standing at them show


class Fleet:
    """The network and the vehicles of ``data`` in ``scene``: :meth:`frame` puts each vehicle where it was at a
    time, coloured by whether it carries something, labelled with its name and its load (``labels``). The plant's
    assets turn see-through: a vehicle at a station stands inside the asset's footprint."""

    def __init__(self, scene: PlantScene, data: FleetData, labels: bool = True) -> None:
        self.scene, self.data, self.labels = scene, data, labels
        self.names = list(data.tracks)
        plotter = scene.plotter
        for (layer, _), actors in scene.layers.items():
            if layer == "assets":   # a vehicle at a station stands in the asset's footprint: see it through
                for actor in actors:
                    actor.GetProperty().SetOpacity(ASSET_OPACITY)
        self._draw_network()
        cube = pv.Cube(x_length=1.0, y_length=1.0, z_length=1.0).triangulate()
        self._size = np.array([data.size(name, VEHICLE) for name in self.names]).reshape(-1, 3)
        self._corners = np.asarray(cube.points, float)[None, :, :] * self._size[:, None, :]   # (movers, corners, 3)
        n, k = len(self.names), cube.n_points
        faces = cube.faces.reshape(-1, 4)
        faces = np.concatenate([np.column_stack([faces[:, :1], faces[:, 1:] + i * k]) for i in range(n)]) \
            if n else np.zeros((0, 4), int)
        self.mesh = pv.PolyData(np.zeros((n * k, 3)), faces=faces.ravel())
        self._cells = cube.n_cells
        self.mesh.cell_data["rgb"] = np.tile(rgb(EMPTY), (n * self._cells, 1))
        if n:
            actor = plotter.add_mesh(self.mesh, scalars="rgb", rgb=True, pickable=False, name="fleet:vehicles")
            scene._add("fleet", None, actor)
        scene.legend = [*scene.legend, ["vehicle empty", EMPTY], ["vehicle loaded", LOADED]]
        plotter.add_legend(scene.legend, bcolor="white", border=True, size=(0.12, 0.035 * len(scene.legend)),
                           loc="lower right", face="rectangle", name="legend")
        self.time = None
        self._labels = None

    def _draw_network(self) -> None:
        plotter, data = self.scene.plotter, self.data
        lift = np.array([0.0, 0.0, 0.05])   # just above the floor
        done = set()
        lines = []
        for u, v in data.edges:
            if (v, u) not in done and u in data.points and v in data.points:
                done.add((u, v))
                lines.append((data.points[u] + lift, data.points[v] + lift))
        if lines:
            ends = np.array(lines).reshape(-1, 3)
            segments = pv.PolyData(ends, lines=np.column_stack([np.full(len(lines), 2),
                                                                np.arange(0, 2 * len(lines), 2),
                                                                np.arange(1, 2 * len(lines), 2)]).ravel())
            actor = plotter.add_mesh(segments, color=EDGE_COLOUR, line_width=2, pickable=False, name="fleet:edges")
            self.scene._add("fleet", None, actor)
        for kind in sorted(set(data.kinds.values())):
            colour, radius = KINDS.get(kind, KINDS["station"])
            nodes = [data.points[n] + lift for n, k in data.kinds.items() if k == kind]
            glyphs = pv.PolyData(np.array(nodes)).glyph(geom=pv.Sphere(radius=radius, theta_resolution=12,
                                                                      phi_resolution=8), scale=False, orient=False)
            actor = plotter.add_mesh(glyphs, color=colour, pickable=False, name=f"fleet:{kind}")
            self.scene._add("fleet", None, actor)

    def positions(self, t: float) -> dict[str, np.ndarray]:
        """Each vehicle's point (m) at time ``t`` from its track."""
        return {name: self.data.tracks[name].at(t) for name in self.names}

    def frame(self, t: float) -> None:
        """Move every vehicle to where it was at ``t`` (s); the caller renders."""
        self.time = float(t)
        centres = np.array([self.data.tracks[name].at(t) for name in self.names]).reshape(-1, 3)
        centres = centres + self._lift()   # standing on the floor
        self.mesh.points[:] = (centres[:, None, :] + self._corners).reshape(-1, 3)
        self.mesh.GetPoints().Modified()
        held = [self.data.tracks[name].carrying(t) for name in self.names]
        colours = np.array([rgb(LOADED if h else EMPTY) for h in held]).reshape(-1, 3)
        self.mesh.cell_data["rgb"][:] = np.repeat(colours, self._cells, axis=0)
        self.mesh.GetCellData().GetArray("rgb").Modified()
        if self.labels and self.names:
            texts = [f"{name} {h}".strip() for name, h in zip(self.names, held)]
            actor = self.scene.plotter.add_point_labels(
                centres + self._lift(), texts, font_size=11, bold=True, text_color="#1b2631",
                shape_opacity=0.6, shape_color="white", show_points=False, always_visible=True, name="fleet:labels")
            layer = self.scene.layers.setdefault(("fleet", NO_STOREY), [])
            if self._labels is not None and self._labels in layer:
                layer.remove(self._labels)   # the labels are drawn anew each frame, under the same name
            layer.append(actor)
            self._labels = actor

    def at(self, point, slack: float = 0.3) -> str | None:
        """The mover whose box, as drawn now, holds the world ``point`` (``slack`` m around it), or None."""
        point = np.asarray(point, float)
        for name, (x, y, z), size in zip(self.names, self.drawn().values(), self._size):
            lo = np.array([x - size[0] / 2, y - size[1] / 2, z]) - slack
            hi = np.array([x + size[0] / 2, y + size[1] / 2, z + size[2]]) + slack
            if np.all(lo <= point) and np.all(point <= hi):
                return name
        return None

    def describe(self, name: str, t: float) -> str:
        """What ``name`` is doing at ``t``: its load, and the node it stands at or the two it drives between."""
        track = self.data.tracks[name]
        a, b = track.leg(t)
        where = f"at {a}" if a == b else f"from {a} to {b}"
        return f"{name}\n  {where}\n  carrying {track.carrying(t) or 'nothing'}"

    def drawn(self) -> dict[str, np.ndarray]:
        """Each vehicle's point (m) as the picture shows it: its box's centre on the floor, read from the mesh."""
        boxes = np.asarray(self.mesh.points, float).reshape(len(self.names), -1, 3)
        return dict(zip(self.names, boxes.mean(axis=1) - self._lift()))

    def _lift(self) -> np.ndarray:
        """From a mover's point on the floor to its box's centre: half its height up."""
        return np.column_stack([np.zeros((len(self._size), 2)), self._size[:, 2] / 2])
