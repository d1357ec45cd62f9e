"""The plant in 3D: a pyvista scene built from a :class:`twin.plant.Plant`.

>>> import twin.plant, viewer
>>> scene = viewer.PlantScene(twin.plant.load("plant_models/api_bay/plant.yaml"))
>>> scene.paint({"R-101": "alarm"})            # a state name, a colour name or an (r, g, b) triple
>>> scene.show_storey("Charging level", False)  # hide a floor
>>> scene.screenshot("api_bay.png")

Assets are one mesh per storey whose cells carry the index of their asset, so recolouring every asset is one NumPy
gather, not one VTK call per asset. Rooms are translucent boxes coloured by GMP grade, links are tubes between the
assets' ports, labels carry the tags. A plant without geometry is laid out as a schematic from its link graph (and the
scene says so in :attr:`PlantScene.messages`).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

import networkx as nx
import numpy as np
import pyvista as pv
from matplotlib.colors import to_rgb

from twin.config import suggest
from twin.plant import Plant
from viewer import fonts

GRADE_COLOURS = {"A": "#c0392b", "B": "#e67e22", "C": "#f1c40f", "D": "#2e86de", "CNC": "#95a5a6"}
STATE_COLOURS = {"running": "#2ca02c", "idle": "#8c8c8c", "down": "#3b3b3b", "alarm": "#ff00ff"}  # >= 3:1 on white
ASSET_COLOUR = "#b8c4cc"
LINK_COLOURS = {None: "#5d6d7e", "water": "#2980b9", "steam": "#e74c3c", "nitrogen": "#16a085"}
BACKGROUND = "white"
SPACE_OPACITY = 0.18
LABEL_SIZE = 11  # points
TITLE_BAND = 32  # pixels at the top kept for the title
DECLUTTER_LIMIT = 60  # labels lifted clear of each other up to this many; beyond, only kept inside the frame
ELEMENT_STYLES = {"distribution": ("#5d6d7e", 1.0), "structure": ("#7f8c8d", 0.12)}  # colour, opacity
STRUCTURE_ALONE_OPACITY = 0.6  # structure is context, faint, unless the model holds nothing else to look at
SCHEMATIC_PITCH = 4.0  # m between assets in a schematic layout
NO_STOREY = ""


def rgb(colour) -> np.ndarray:
    """``"alarm"``, ``"red"``, ``"#ff0000"`` or ``(255, 0, 0)`` / ``(1.0, 0, 0)`` as a uint8 ``[r, g, b]``."""
    if isinstance(colour, str):
        colour = STATE_COLOURS.get(colour, colour)
        try:
            return np.round(np.array(to_rgb(colour)) * 255).astype(np.uint8)
        except ValueError:
            hint = suggest(colour, STATE_COLOURS)
            raise ValueError(f"unknown colour {colour!r}: use a state ({', '.join(STATE_COLOURS)}), a colour name "
                             "or '#rrggbb'" + (f"; {hint}" if hint else "")) from None
    value = np.asarray(colour, float)
    if value.shape != (3,):
        raise ValueError(f"a colour needs three components (r, g, b), got {colour!r}")
    return np.round(value * 255 if value.max() <= 1.0 else value).clip(0, 255).astype(np.uint8)


class PlantScene:
    """A pyvista :class:`~pyvista.Plotter` showing ``plant``; layers can be hidden storey by storey.

    ``labels``: tag labels above the assets; ``off_screen``: render without a window (``None``: pyvista's default);
    ``window_size``: pixels. :attr:`messages` says what the scene had to make do with (no geometry, ...).
    """

    def __init__(self, plant: Plant, *, labels: bool = True, off_screen: bool | None = None,
                 window_size: tuple[int, int] = (1280, 800)) -> None:
        if not isinstance(plant, Plant):
            raise TypeError(f"PlantScene needs a twin.plant.Plant (twin.plant.load(path)), not {type(plant).__name__}")
        self.plant = plant
        self.messages: list[str] = []
        self.plotter = pv.Plotter(off_screen=off_screen, window_size=list(window_size))
        self.plotter.set_background(BACKGROUND)
        self.plotter.render_window.SetMultiSamples(0)  # MSAA costs 5x per frame in software (llvmpipe) rendering
        self.plotter.renderer.SetUseOIT(False)
        self.drawn: dict[str, str] = {}  # what is in the picture: asset tag, room number or GlobalId -> layer
        self.left_out: dict[str, str] = {}  # what has a mesh but is not in the picture -> why
        self.schematic = not any(item.mesh is not None for item in plant.parts())
        self.meshes = _asset_meshes(plant, self._usable)
        if self.schematic:
            self.messages.append(f"plant '{plant.name}' has no geometry: showing a schematic layout of its "
                                 f"{len(plant)} assets from the link graph ({len(plant.links)} links)")
        else:
            missing = [a.tag for a in plant if a.tag not in self.drawn]
            if missing:
                self.messages.append(f"{len(missing)} assets have no geometry and are shown as markers: "
                                     + ", ".join(missing[:8]) + (" ..." if len(missing) > 8 else ""))
        self.tags = list(self.meshes)
        self._index = {tag: i for i, tag in enumerate(self.tags)}
        self.colours = np.tile(rgb(ASSET_COLOUR), (len(self.tags), 1))
        self.layers: dict[tuple[str, str], list[pv.Actor]] = {}  # (layer, storey) -> actors
        self._asset_parts: list[tuple[pv.PolyData, np.ndarray]] = []
        self.label_points: dict[str, np.ndarray] = {}  # where each tag's label is anchored (laid out on screen)
        self._build()
        self.plotter.view_isometric()
        self.plotter.reset_camera()
        self.plotter.camera.zoom(1.15)
        if labels:
            self._add_labels()
        self.say()

    # -- building ---------------------------------------------------------------------------------------------
    def _build(self) -> None:
        self._storeys = storeys = {tag: self._storey_of(tag) for tag in self.tags}
        for storey in dict.fromkeys(storeys.values()):
            tags = [t for t in self.tags if storeys[t] == storey]
            mesh, owner = _merge([self.meshes[t] for t in tags], [self._index[t] for t in tags])
            mesh.cell_data["rgb"] = self.colours[owner]
            actor = self.plotter.add_mesh(mesh, scalars="rgb", rgb=True, smooth_shading=False, pickable=True,
                                          name=f"assets:{storey}")
            self._asset_parts.append((mesh, owner))
            self._add("assets", storey, actor)
        if not self.schematic:
            self._add_spaces()
            self._add_elements()
        self._add_links()
        self._add_legend()
        self.set_title(self.plant.name)

    def _add(self, layer: str, storey: str | None, actor) -> None:
        self.layers.setdefault((layer, storey or NO_STOREY), []).append(actor)

    def _storey_of(self, tag: str) -> str:
        asset = self.plant.assets[tag]
        if asset.storey:
            return asset.storey
        space = self.plant.spaces.get(asset.space or "")
        return (space.storey if space else None) or NO_STOREY

    def _add_spaces(self) -> None:
        groups: dict[tuple[str | None, str], list] = {}
        for space in self.plant.spaces.values():
            if space.mesh is not None and self._usable(space.number, space.mesh, "spaces"):
                groups.setdefault((space.grade, space.storey or NO_STOREY), []).append(space.mesh)
        for (grade, storey), meshes in groups.items():
            mesh = _merged(meshes)
            colour = GRADE_COLOURS.get(grade, GRADE_COLOURS["CNC"])
            actor = self.plotter.add_mesh(mesh, color=colour, opacity=SPACE_OPACITY, lighting=False, pickable=False,
                                          name=f"spaces:{grade}:{storey}")
            self._add("spaces", storey, actor)

    def _add_elements(self) -> None:
        """Pipework and other distribution elements in one colour, structure translucent as context, per storey."""
        groups: dict[tuple[str, str], list] = {}
        for element in self.plant.elements.values():
            kind = element.kind if element.kind in ELEMENT_STYLES else "structure"
            if element.mesh is not None and self._usable(element.guid, element.mesh, kind):
                groups.setdefault((kind, element.storey or NO_STOREY), []).append(element.mesh)
        alone = set(self.drawn.values()) == {"structure"}
        for (kind, storey), meshes in groups.items():
            mesh = _merged(meshes)
            colour, opacity = ELEMENT_STYLES[kind]
            opacity = STRUCTURE_ALONE_OPACITY if alone else opacity
            actor = self.plotter.add_mesh(mesh, color=colour, opacity=opacity, pickable=False,
                                          name=f"{kind}:{storey}")
            self._add(kind, storey, actor)

    def _usable(self, key: str, mesh, layer: str = "assets") -> bool:
        """Whether ``mesh`` can be drawn; records ``key`` in :attr:`drawn` or, with the reason, in :attr:`left_out`."""
        why = _unusable(mesh)
        if why:
            self.left_out[key] = why
        else:
            self.drawn[key] = layer
        return not why

    def _add_links(self) -> None:
        """Links without pipe geometry of their own (transfers, schematic plants) as tubes between the assets."""
        by_medium: dict[str | None, list[pv.PolyData]] = {}
        radius = 0.06 if not self.schematic else 0.12
        for link in self.plant.links:
            if link.via and not self.schematic:
                continue  # its pipe segments are drawn as they are in the model
            if link.source not in self.meshes or link.target not in self.meshes:
                continue
            a, b = self._port(link.source, link.source_port), self._port(link.target, link.target_port)
            if np.allclose(a, b):
                continue
            medium = (link.medium or "").lower() or None
            by_medium.setdefault(medium if medium in LINK_COLOURS else None, []).append(
                pv.Line(a, b).tube(radius=radius, n_sides=10))
        for medium, tubes in by_medium.items():
            actor = self.plotter.add_mesh(pv.merge(tubes), color=LINK_COLOURS[medium], pickable=False,
                                          name=f"links:{medium}")
            self._add("links", None, actor)

    def _port(self, tag: str, port: str | None) -> np.ndarray:
        asset = self.plant.assets[tag]
        for p in asset.ports:
            if p.name == port and p.position is not None and not self.schematic:
                return np.asarray(p.position, float)
        return np.asarray(self.meshes[tag].center, float)

    def _add_labels(self) -> None:
        """Tag labels above the assets, laid out for the first view: inside the frame and clear of each other."""
        shown, font, missing = fonts.drawable(self.tags)
        if missing:
            self.messages.append(missing)
        self.label_points = self._layout_labels(dict(zip(self.tags, shown)), font)
        for storey in dict.fromkeys(self._storeys.values()):
            tags = [t for t in self.tags if self._storeys[t] == storey]
            points = np.array([self.label_points[t] for t in tags], dtype=np.float32)
            actor = self.plotter.add_point_labels(points, [shown[self._index[t]] for t in tags], font_size=LABEL_SIZE,
                                                  bold=True, text_color="#1b2631", font_file=font, shape=None,
                                                  show_points=False, always_visible=True,
                                                  justification_horizontal="center", justification_vertical="bottom",
                                                  name=f"labels:{storey}")  # no label boxes: 3x cheaper
            self._add("labels", storey, actor)

    def _layout_labels(self, texts: Mapping[str, str], font: str | None) -> dict[str, np.ndarray]:
        """Anchors just above each mesh; then, on screen, labels that would overlap one below them lifted until they
        are clear (plants of up to :data:`DECLUTTER_LIMIT` labels: beyond, they cannot all be clear anyway), and the
        camera stepped back and panned until every label is inside the frame (a few rounds of both)."""
        tags = list(texts)
        if not tags:
            return {}
        anchors = np.array([self.label_point(tag) for tag in tags], dtype=float)
        sizes = np.array([label_size(texts[tag], font) for tag in tags], dtype=float)
        width, height = self.plotter.window_size
        for attempt in range(10):
            points = anchors.copy()
            if len(tags) <= DECLUTTER_LIMIT:
                self._declutter(points, sizes)
            boxes = self._label_boxes(points, sizes)
            top, bottom = boxes[:, 1].min(), boxes[:, 3].max()
            if top < TITLE_BAND and bottom + TITLE_BAND - top < height:  # room below: move the picture down
                self._pan_down(TITLE_BAND - top + 2)
                boxes = self._label_boxes(points, sizes)
            inside = (boxes[:, 0] >= 0) & (boxes[:, 1] >= TITLE_BAND) & (boxes[:, 2] < width) & (boxes[:, 3] < height)
            if inside.all() or attempt == 9:
                break
            self.plotter.camera.Dolly(0.8)  # step back (a zoom would widen the lens instead)
            self.plotter.renderer.ResetCameraClippingRange()
        return dict(zip(tags, points))

    def _declutter(self, points: np.ndarray, sizes: np.ndarray) -> None:
        """Lift (in place) each label that overlaps one already placed, from the bottom of the picture up."""
        boxes = self._label_boxes(points, sizes)
        up = self._metres_per_pixel(points) * (sizes[:, 1] + 3)  # one label's height, in metres up at each anchor
        placed: list[int] = []
        for i in np.argsort(-boxes[:, 3], kind="stable"):
            for _ in range(len(points)):
                if not any(_overlap(boxes[i], boxes[j]) for j in placed):
                    break
                points[i, 2] += up[i]
                boxes[i] = self._label_boxes(points[i:i + 1], sizes[i:i + 1])[0]
            placed.append(i)

    def _pan_down(self, pixels: float) -> None:
        """Move the picture ``pixels`` down the screen (the camera up along its view-up vector)."""
        camera = self.plotter.camera
        metres = pixels * 2 * camera.distance * np.tan(np.radians(camera.view_angle) / 2) / self.plotter.window_size[1]
        up = np.asarray(camera.up, float) * metres
        camera.position = np.asarray(camera.position) + up
        camera.focal_point = np.asarray(camera.focal_point) + up

    def _pixels(self, points: np.ndarray) -> np.ndarray:
        """``(column, row)`` pixels (row 0 at the top) of world ``points`` (n x 3), from the camera's matrices."""
        width, height = self.plotter.window_size
        matrix = self.plotter.renderer.GetActiveCamera().GetCompositeProjectionTransformMatrix(width / height, -1, 1)
        m = np.array([[matrix.GetElement(i, j) for j in range(4)] for i in range(4)])
        clip = np.c_[points, np.ones(len(points))] @ m.T
        ndc = clip[:, :2] / clip[:, 3:4]
        return np.c_[(ndc[:, 0] + 1) / 2 * width, (1 - ndc[:, 1]) / 2 * height]

    def _label_boxes(self, points: np.ndarray, sizes: np.ndarray) -> np.ndarray:
        """``[left, top, right, bottom]`` pixels of labels anchored at ``points``, centred above them."""
        pixels = self._pixels(points)
        return np.c_[pixels[:, 0] - sizes[:, 0] / 2, pixels[:, 1] - sizes[:, 1], pixels[:, 0] + sizes[:, 0] / 2,
                     pixels[:, 1]]

    def _metres_per_pixel(self, points: np.ndarray) -> np.ndarray:
        """How far up (m) each of ``points`` moves for one pixel up the screen."""
        rows = self._pixels(points)[:, 1] - self._pixels(points + [0.0, 0.0, 1.0])[:, 1]
        return 1.0 / np.maximum(rows, 1e-3)

    def set_title(self, text: str) -> None:
        """The title at the top of the picture, in a font that can draw it (a Chinese name too)."""
        (shown,), font, missing = fonts.drawable([text])
        if missing:
            self.messages.append(missing)
        self.title = text
        self.plotter.add_text(shown, position="upper_edge", font_size=12, color="black", font_file=font,
                              name="title")

    def _add_legend(self) -> None:
        grades = sorted({s.grade for s in self.plant.spaces.values() if s.grade}, key=lambda g: "ABCDCNC".find(g))
        entries = [[f"grade {g}", GRADE_COLOURS[g]] for g in grades if not self.schematic]
        entries += [[kind, ELEMENT_STYLES[kind][0]] for kind in ELEMENT_STYLES if kind in self.drawn.values()]
        entries += [[state, colour] for state, colour in STATE_COLOURS.items()]
        self.legend = entries
        self.plotter.add_legend(entries, bcolor="white", border=True, size=(0.12, 0.035 * len(entries)),
                                loc="lower right", face="rectangle", name="legend")

    # -- using ------------------------------------------------------------------------------------------------
    def summary(self) -> str:
        """What the picture holds, by layer, and what it left out and why (one line each)."""
        counts = Counter(self.drawn.values())
        markers = len(self.tags) - counts["assets"]
        lines = ["drew " + (", ".join(f"{n} {layer}" for layer, n in counts.items()) or "nothing")
                 + (f", {markers} assets as {'a schematic' if self.schematic else 'markers'}" if markers else "")]
        for why, keys in _grouped({**self.left_out, **self.plant.unmeshed}).items():
            lines.append(f"left out {len(keys)} ({why}): " + ", ".join(keys[:8]) + (" ..." if len(keys) > 8 else ""))
        return "\n".join(lines)

    def say(self, *messages: str) -> None:
        """Add ``messages`` to :attr:`messages` and show them all in the top left corner, below the title."""
        self.messages += messages
        if self.messages:
            self.plotter.add_text("\n\n\n" + "\n".join(self.messages), position="upper_left", font_size=9,
                                  color="#a04000", name="messages")

    def label_point(self, tag: str) -> np.ndarray:
        """Where the label of asset ``tag`` sits: just above the top of its mesh (or where the layout lifted it)."""
        if tag in self.label_points:
            return self.label_points[tag]
        x0, x1, y0, y1, _, z1 = self.meshes[tag].bounds
        return np.array([(x0 + x1) / 2, (y0 + y1) / 2, z1 + 0.3])

    def centre(self, tag: str) -> np.ndarray:
        """The centre of asset ``tag`` as drawn (its bounding box centre, or its place in the schematic)."""
        return np.asarray(self._mesh(tag).center, float)

    def paint(self, colours: Mapping[str, object], render: bool = True) -> None:
        """Colour assets: ``{"R-101": "alarm", "P-101A": "#2ca02c", ...}``; the others keep their colour."""
        for tag, colour in colours.items():
            self.colours[self._position(tag)] = rgb(colour)
        self.repaint(render)

    def paint_all(self, colours: np.ndarray, render: bool = True) -> None:
        """Colour every asset at once from an ``(n_assets, 3)`` uint8 array in the order of :attr:`tags`."""
        self.colours[:] = colours
        self.repaint(render)

    def repaint(self, render: bool = True) -> None:
        """Push :attr:`colours` into the meshes (one gather per storey) and render."""
        for mesh, owner in self._asset_parts:
            mesh.cell_data["rgb"][:] = self.colours[owner]
            mesh.GetCellData().GetArray("rgb").Modified()
        if render:
            self.plotter.render()

    def reset_colours(self) -> None:
        self.paint_all(np.tile(rgb(ASSET_COLOUR), (len(self.tags), 1)))

    @property
    def storeys(self) -> list[str]:
        return [s for s in dict.fromkeys(storey for _, storey in self.layers) if s != NO_STOREY]

    def show_storey(self, storey: str, visible: bool = True) -> None:
        """Show or hide everything standing on ``storey`` (assets, rooms, labels)."""
        if storey not in self.storeys:
            raise KeyError(f"no storey '{storey}' in plant '{self.plant.name}'; its storeys are {self.storeys}"
                           + (f"; {suggest(storey, self.storeys)}" if suggest(storey, self.storeys) else ""))
        for (_, s), actors in self.layers.items():
            if s == storey:
                for actor in actors:
                    actor.SetVisibility(visible)
        self.plotter.render()

    def show_layer(self, layer: str, visible: bool = True) -> None:
        """Show or hide one kind of thing everywhere: ``"assets"``, ``"spaces"``, ``"links"``, ``"distribution"``,
        ``"structure"``, ``"labels"``."""
        known = sorted({name for name, _ in self.layers})
        if layer not in known:
            raise KeyError(f"no layer '{layer}': the scene's layers are {known}")
        for (name, _), actors in self.layers.items():
            if name == layer:
                for actor in actors:
                    actor.SetVisibility(visible)
        self.plotter.render()

    def add_storey_buttons(self) -> None:
        """One check box per storey in the window's lower left, to show or hide that floor."""
        for i, storey in enumerate(self.storeys):
            y = 110 + 40 * i
            self.plotter.add_checkbox_button_widget(lambda on, s=storey: self.show_storey(s, on), value=True,
                                                    position=(10, y), size=28, color_on="#5d6d7e",
                                                    color_off="#eeeeee")
            self.plotter.add_text(storey, position=(45, y + 4), font_size=9, color="black", name=f"storey:{storey}")

    def asset_at(self, point) -> str | None:
        """The tag of the asset whose box holds ``point`` (x, y, z in m; 10 cm slack), the smallest if several."""
        point = np.asarray(point, float)
        best, volume = None, np.inf
        for tag in self.tags:
            x0, x1, y0, y1, z0, z1 = self._mesh(tag).bounds
            lo, hi = np.array([x0, y0, z0]) - 0.1, np.array([x1, y1, z1]) + 0.1
            if np.all(lo <= point) and np.all(point <= hi):
                v = float(np.prod(hi - lo))
                if v < volume:
                    best, volume = tag, v
        return best

    def project(self, point) -> tuple[int, int]:
        """The pixel ``(column, row)`` (row 0 at the top) where the world ``point`` lands in a screenshot."""
        renderer = self.plotter.renderer
        renderer.SetWorldPoint(*np.asarray(point, float), 1.0)
        renderer.WorldToDisplay()
        x, y, _ = renderer.GetDisplayPoint()
        height = self.plotter.window_size[1]
        return int(round(x)), int(round(height - 1 - y))

    def pick(self, column: int, row: int) -> str | None:
        """The asset under the pixel ``(column, row)`` of the rendered image, or None."""
        from vtkmodules.vtkRenderingCore import vtkCellPicker

        picker = vtkCellPicker()
        picker.SetTolerance(0.0005)
        height = self.plotter.window_size[1]
        if not picker.Pick(column, height - 1 - row, 0, self.plotter.renderer):
            return None
        return self.asset_at(picker.GetPickPosition())

    def screenshot(self, path=None, *, transparent: bool = False) -> np.ndarray:
        """Render and return the image as an ``(height, width, 3)`` uint8 array; write a PNG if ``path`` is given."""
        return self.plotter.screenshot(str(path) if path is not None else None, transparent_background=transparent,
                                       return_img=True)

    def show(self, **kwargs) -> None:
        """Open the interactive window (where a display exists)."""
        self.plotter.show(**kwargs)

    def close(self) -> None:
        self.plotter.close()

    def _position(self, tag: str) -> int:
        if tag not in self._index:
            hint = suggest(tag, self.tags)
            raise KeyError(f"no asset '{tag}' in the scene of plant '{self.plant.name}'"
                           + (f": {hint}" if hint else ""))
        return self._index[tag]

    def _mesh(self, tag: str) -> pv.PolyData:
        self._position(tag)
        return self.meshes[tag]


# --- geometry helpers -----------------------------------------------------------------------------------------

def _polydata(mesh) -> pv.PolyData:
    """A trimesh (or anything with ``vertices`` and ``faces``) as pyvista PolyData."""
    return pv.PolyData.from_regular_faces(np.asarray(mesh.vertices, float), np.asarray(mesh.faces, np.int64))


def _merged(meshes: list) -> pv.PolyData:
    """Triangle meshes (anything with ``vertices`` and ``faces``) as one PolyData, joined as NumPy arrays."""
    offsets = np.cumsum([0] + [len(m.vertices) for m in meshes[:-1]])
    points = np.concatenate([np.asarray(m.vertices, float) for m in meshes])
    faces = np.concatenate([np.asarray(m.faces, np.int64) + o for m, o in zip(meshes, offsets)])
    return pv.PolyData.from_regular_faces(points, faces)


def _merge(meshes: list[pv.PolyData], owners: Iterable[int] | None = None) -> tuple[pv.PolyData, np.ndarray]:
    """One PolyData of all ``meshes``, and for each of its cells the owner index of the mesh it came from."""
    owners = list(owners) if owners is not None else list(range(len(meshes)))
    points, faces, owner, offset = [], [], [], 0
    for mesh, who in zip(meshes, owners, strict=True):
        tri = mesh.triangulate() if not mesh.is_all_triangles else mesh
        points.append(tri.points)
        faces.append(tri.regular_faces + offset)
        owner.append(np.full(tri.n_cells, who))
        offset += tri.n_points
    merged = pv.PolyData.from_regular_faces(np.concatenate(points), np.concatenate(faces))
    return merged, np.concatenate(owner).astype(np.intp)


def _asset_meshes(plant: Plant, usable) -> dict[str, pv.PolyData]:
    """Each asset's mesh (``usable(tag, mesh)`` says which can be drawn); markers for the others; a schematic layout
    when nothing in the plant has geometry."""
    if not any(item.mesh is not None for item in plant.parts()):
        return {tag: pv.Cube(center=xyz, x_length=1.2, y_length=1.2, z_length=1.2).triangulate()
                for tag, xyz in schematic_layout(plant).items()}
    return {a.tag: _polydata(a.mesh) if a.mesh is not None and usable(a.tag, a.mesh) else
            pv.Cube(center=a.centre, x_length=0.5, y_length=0.5, z_length=0.5).triangulate() for a in plant}


def label_size(text: str, font: str | None = None) -> tuple[int, int]:
    """Width and height in pixels of a tag label as VTK draws it (its own text renderer measures)."""
    from vtkmodules.vtkCommonCore import VTK_FONT_FILE
    from vtkmodules.vtkRenderingCore import vtkTextProperty, vtkTextRenderer

    prop = vtkTextProperty()
    prop.SetFontSize(LABEL_SIZE)
    prop.SetBold(True)
    if font:
        prop.SetFontFamily(VTK_FONT_FILE)
        prop.SetFontFile(font)
    box = [0, 0, 0, 0]
    vtkTextRenderer.GetInstance().GetBoundingBox(prop, text, box, 72)
    return box[1] - box[0] + 1, box[3] - box[2] + 1


def _overlap(a: np.ndarray, b: np.ndarray, gap: float = 2.0) -> bool:
    """Whether two ``[left, top, right, bottom]`` boxes overlap or come closer than ``gap`` pixels."""
    return a[0] < b[2] + gap and b[0] < a[2] + gap and a[1] < b[3] + gap and b[1] < a[3] + gap


def _grouped(reasons: Mapping[str, str]) -> dict[str, list[str]]:
    """``{key: why}`` as ``{why: [keys]}``."""
    out: dict[str, list[str]] = {}
    for key, why in reasons.items():
        out.setdefault(why, []).append(key)
    return out


def _unusable(mesh) -> str | None:
    """Why ``mesh`` cannot be drawn, or None."""
    if len(mesh.faces) == 0:
        return "its mesh has no triangles"
    if not np.all(np.isfinite(mesh.vertices)):
        return "its mesh has coordinates that are not finite numbers"
    return None


def schematic_layout(plant: Plant) -> dict[str, np.ndarray]:
    """Positions (m) laying the assets out left to right along the flow: one column per generation of the link
    graph (its strongly connected parts kept together), assets without links in a last column."""
    graph = nx.DiGraph(plant.graph)
    condensed = nx.condensation(graph)
    columns: dict[str, int] = {}
    for depth, generation in enumerate(nx.topological_generations(condensed)):
        for node in generation:
            for tag in condensed.nodes[node]["members"]:
                columns[tag] = depth
    isolated = [t for t in plant.assets if graph.degree(t) == 0]
    last = max((columns[t] for t in plant.assets if t not in isolated), default=-1) + 1
    for tag in isolated:
        columns[tag] = last
    rows: dict[int, int] = {}
    positions = {}
    for tag in plant.assets:  # the plant's own order within a column
        column = columns[tag]
        row = rows.get(column, 0)
        rows[column] = row + 1
        positions[tag] = np.array([column * SCHEMATIC_PITCH, -row * SCHEMATIC_PITCH, 0.6])
    return positions


def headless() -> None:
    """Render off screen (no display needed: VTK's EGL or OSMesa window); quiet VTK's X-server probe."""
    from vtkmodules.vtkCommonCore import vtkLogger

    pv.OFF_SCREEN = True
    vtkLogger.SetStderrVerbosity(vtkLogger.VERBOSITY_ERROR)
