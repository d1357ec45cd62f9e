"""Read a Plant from plain 3D meshes (glTF/GLB, OBJ, STL, PLY) placed by a YAML layout.

When the delivery is a set of meshes rather than an IFC model, a layout names each mesh's tag, type and place:

.. code-block:: yaml

    name: Packaging hall
    spaces:
      - {number: P60, name: Packaging hall, grade: CNC, origin: [0, 0, 0], size: [52 m, 18 m, 4 m]}
    meshes:
      - tag: PK-601
        file: meshes/blister_line.glb          # relative to this file
        type: BlisterPackagingLine
        position: [10 m, 4 m, 0 m]             # where the mesh's origin goes, in metres
        rotation: 90 deg                       # about the vertical axis
        scale: 0.001                           # e.g. a mesh authored in millimetres

Rooms are boxes; an asset stands in the room whose box holds its base, unless ``space`` names one.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import trimesh

from twin import config
from twin.config import FilePath, ListOf, Number, Quantity, Record, Str
from twin.plant.model import GRADES, Asset, Plant, Space

FORMATS = (".glb", ".gltf", ".obj", ".stl", ".ply")
POINT = ListOf(Quantity("m", "2.5 m", minimum=None), min_items=3)
MESH = Record({"tag": Str(), "file": FilePath(), "type": Str(), "name": Str(), "space": Str(), "position": POINT,
               "rotation": Quantity("radian", "90 deg", minimum=None), "scale": Number(minimum=0)},
              required=["tag", "file", "type"], defaults={"position": [0.0, 0.0, 0.0], "rotation": 0.0, "scale": 1.0},
              name="a mesh entry")
SPACE = Record({"number": Str(), "name": Str(), "grade": Str(GRADES), "origin": POINT, "size": POINT},
               required=["number", "origin", "size"], name="a space")
SCHEMA = Record({"name": Str(), "spaces": ListOf(SPACE), "meshes": ListOf(MESH, min_items=1)},
                required=["meshes"], name="a mesh layout")


def read(path: str | Path) -> Plant:
    """Load the mesh layout at ``path`` into a :class:`Plant` (assets with meshes, box rooms, no links)."""
    path = Path(path)
    layout = config.load(path, SCHEMA)
    plant = Plant(name=layout["name"] or path.stem, source=path)
    for entry in layout["spaces"] or []:
        lo = np.array(entry["origin"][:3])
        box = trimesh.creation.box(bounds=[lo, lo + np.array(entry["size"][:3])])
        size = entry["size"]
        plant.spaces[entry["number"]] = Space(number=entry["number"], name=entry["name"] or "", grade=entry["grade"],
                                              area=size[0] * size[1], volume=size[0] * size[1] * size[2], mesh=box)
    entries = layout["meshes"]
    for i, entry in enumerate(entries):
        tag = entry["tag"]
        if tag in plant.assets:
            raise entries.error(i, f"duplicate tag '{tag}'", hint="each mesh entry needs its own tag")
        if entry["space"] and entry["space"] not in plant.spaces:
            raise entry.error("space", f"unknown space '{entry['space']}'",
                              hint=config.suggest(entry["space"], plant.spaces))
        placement = _placement(entry["position"], entry["rotation"])
        mesh = _read_mesh(entry)
        mesh.apply_transform(placement @ np.diag([entry["scale"]] * 3 + [1.0]))
        asset = Asset(tag=tag, type=entry["type"], name=entry["name"] or "", placement=placement, mesh=mesh,
                      space=entry["space"], properties={"Mesh.File": str(entry["file"])})
        asset.space = asset.space or plant.space_at(asset.base)
        plant.assets[tag] = asset
    return plant


def _placement(position, rotation: float) -> np.ndarray:
    matrix = trimesh.transformations.rotation_matrix(rotation, [0, 0, 1])
    matrix[:3, 3] = position[:3]
    return matrix


def _read_mesh(entry) -> trimesh.Trimesh:
    path: Path = entry["file"]
    if path.suffix.lower() not in FORMATS:
        raise entry.error("file", f"unsupported mesh format '{path.suffix}'",
                          expected=f"one of {', '.join(FORMATS)}", hint="convert the mesh, e.g. to .glb")
    try:
        mesh = trimesh.load(path, force="mesh")
    except Exception as exc:  # trimesh raises many kinds on a damaged file
        raise entry.error("file", f"cannot read mesh {path.name}: {type(exc).__name__}: {exc}",
                          hint="open it in a mesh viewer; re-export it if it is damaged") from None
    if not isinstance(mesh, trimesh.Trimesh) or len(mesh.faces) == 0:
        raise entry.error("file", f"mesh {path.name} holds no triangles", expected="a mesh with faces")
    return mesh

