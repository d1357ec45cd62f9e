"""Tessellate an IFC file into one triangle mesh per product, on all cores, cached on disk by file hash.

ifcopenshell's geometry iterator does the work (OpenCASCADE, one thread per core, world coordinates in metres);
this module only gathers its output as ``{GlobalId: (vertices, faces)}`` NumPy arrays and keeps them in
``$TWIN_CACHE_DIR`` (default ``~/.cache/pharma-twin/geometry``) under the SHA-256 of the file, so opening the same
file again skips tessellation. Set ``TWIN_CACHE_DIR`` to move the cache; delete the folder to clear it.
"""
from __future__ import annotations

import hashlib
import logging
import multiprocessing
import os
from collections.abc import Callable
from pathlib import Path

import ifcopenshell
import ifcopenshell.geom
import numpy as np
from tqdm import tqdm

log = logging.getLogger(__name__)
CACHE_FORMAT = 1  # bump when the cached arrays change meaning

Meshes = dict[str, tuple[np.ndarray, np.ndarray]]


def cache_dir() -> Path:
    """Where tessellated geometry is kept: ``$TWIN_CACHE_DIR``, else ``$XDG_CACHE_HOME/pharma-twin/geometry``."""
    if "TWIN_CACHE_DIR" in os.environ:
        return Path(os.environ["TWIN_CACHE_DIR"])
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "pharma-twin" / "geometry"


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def settings() -> ifcopenshell.geom.settings:
    s = ifcopenshell.geom.settings()
    s.set("use-world-coords", True)
    return s


def tessellate(ifc: ifcopenshell.file, *, threads: int | None = None, progress: bool = False) -> Meshes:
    """Run the multi-core geometry iterator over every product of ``ifc``: ``{GlobalId: (vertices, faces)}``."""
    return _drain(_start(ifc, threads), progress)


def begin(path: Path, ifc: ifcopenshell.file, *, scale: float = 1.0, cache: bool = True, progress: bool = False,
          warn: Callable[[str], None] = log.warning) -> Callable[[], Meshes]:
    """Start getting the meshes of the IFC file at ``path``; call the returned function to have them.

    From the cache if this exact file was tessellated before; otherwise the iterator's threads start now and work
    in the background (they need no Python), so the caller can read the rest of the model meanwhile. ``scale`` is
    the file's length unit in metres: if the geometry kernel read the unit differently, meshes are rescaled to
    metres and ``warn`` is told.
    """
    where = cache_dir() / f"{file_hash(path)}-v{CACHE_FORMAT}-{ifcopenshell.version}.npz" if cache else None
    if where is not None and where.exists():
        try:
            meshes = _read(where)
            return lambda: meshes
        except (OSError, ValueError, KeyError) as exc:
            log.warning("ignoring unreadable geometry cache %s (%s)", where, exc)
    iterator = _start(ifc)

    def finish() -> Meshes:
        meshes = _drain(iterator, progress)
        kernel = iterator.unit_magnitude() if iterator is not None else scale
        if meshes and abs(kernel - scale) > 1e-9 * scale:
            warn(f"{path.name}: the geometry kernel read the length unit as {kernel:g} m, the file declares "
                 f"{scale:g} m ({iterator.unit_name()} vs the project's units): meshes rescaled to metres")
            meshes = {guid: (v * (scale / kernel), f) for guid, (v, f) in meshes.items()}
        if where is not None:
            try:
                _write(where, meshes)
            except OSError as exc:  # a read-only home must not stop a load
                log.warning("cannot write geometry cache %s (%s); set TWIN_CACHE_DIR to a writable folder", where, exc)
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


def _write(where: Path, meshes: Meshes) -> None:
    """All meshes in one ``.npz``: concatenated vertices and faces, with the offsets where each product starts."""
    where.parent.mkdir(parents=True, exist_ok=True)
    guids = list(meshes)
    vertices = [meshes[g][0] for g in guids]
    faces = [meshes[g][1] for g in guids]
    tmp = where.with_suffix(f".{os.getpid()}.tmp.npz")
    np.savez(tmp, guids=np.array(guids, dtype="U22"),
             v_offsets=np.cumsum([0] + [len(v) for v in vertices]),
             f_offsets=np.cumsum([0] + [len(f) for f in faces]),
             vertices=np.concatenate(vertices) if vertices else np.empty((0, 3)),
             faces=np.concatenate(faces) if faces else np.empty((0, 3), dtype=np.int32))
    os.replace(tmp, where)  # atomic: a concurrent reader never sees half a file


def _read(where: Path) -> Meshes:
    with np.load(where) as data:
        guids, vo, fo = data["guids"], data["v_offsets"], data["f_offsets"]
        vertices, faces = data["vertices"], data["faces"]
    return {str(g): (vertices[vo[i]:vo[i + 1]], faces[fo[i]:fo[i + 1]]) for i, g in enumerate(guids)}
