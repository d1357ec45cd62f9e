"""Tessellate an IFC file into one triangle mesh per product, on all cores.

ifcopenshell's geometry iterator does the work (OpenCASCADE, one thread per core, world coordinates); this module
starts it, lets it run in the background while the caller reads the rest of the model, and gathers its output as
``{GlobalId: (vertices, faces)}`` NumPy arrays in metres.
"""
from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Callable
from pathlib import Path

import ifcopenshell
import ifcopenshell.geom
import numpy as np
from tqdm import tqdm

log = logging.getLogger(__name__)

Meshes = dict[str, tuple[np.ndarray, np.ndarray]]


def settings() -> ifcopenshell.geom.settings:
    s = ifcopenshell.geom.settings()
    s.set("use-world-coords", True)
    return s


def tessellate(ifc: ifcopenshell.file, *, threads: int | None = None, progress: bool = False) -> Meshes:
    """Run the multi-core geometry iterator over every product of ``ifc``: ``{GlobalId: (vertices, faces)}``."""
    return _drain(_start(ifc, threads), progress)


def begin(path: Path, ifc: ifcopenshell.file, *, scale: float = 1.0, progress: bool = False,
          warn: Callable[[str], None] = log.warning) -> Callable[[], Meshes]:
    """Start tessellating ``ifc`` (read from ``path``); call the returned function to have the meshes.

    The iterator's threads start now and work in the background (they need no Python), so the caller can read the
    rest of the model meanwhile. ``scale`` is the file's length unit in metres: if the geometry kernel read the
    unit differently, the meshes are rescaled to metres and ``warn`` is told.
    """
    iterator = _start(ifc)

    def finish() -> Meshes:
        meshes = _drain(iterator, progress)
        kernel = iterator.unit_magnitude() if iterator is not None else scale
        if meshes and abs(kernel - scale) > 1e-9 * scale:
            warn(f"{path.name}: the geometry kernel read the length unit as {kernel:g} m ({iterator.unit_name()}), "
                 f"the file declares {scale:g} m: meshes rescaled to metres")
            meshes = {guid: (v * (scale / kernel), f) for guid, (v, f) in meshes.items()}
        return meshes

    return finish


def _start(ifc: ifcopenshell.file, threads: int | None = None):
    iterator = ifcopenshell.geom.iterator(settings(), ifc, threads or multiprocessing.cpu_count())
    return iterator if iterator.initialize() else None


def _drain(iterator, progress: bool) -> Meshes:
    meshes: Meshes = {}
    if iterator is None:
        return meshes
    with tqdm(total=100, disable=not progress, desc="tessellating", unit="%", leave=False) as bar:
        while True:
            shape = iterator.get()
            geometry = shape.geometry
            vertices = np.frombuffer(geometry.verts_buffer, dtype=np.float64).reshape(-1, 3)
            faces = np.frombuffer(geometry.faces_buffer, dtype=np.int32).reshape(-1, 3)
            meshes[shape.guid] = (vertices, faces)
            bar.update(iterator.progress() - bar.n)
            if not iterator.next():
                break
    return meshes
