"""On-disk cache of plants read from IFC files, keyed by the file's SHA-256, so an unchanged file loads fast.

Each entry is two files in ``$TWIN_CACHE_DIR`` (default ``$XDG_CACHE_HOME/pharma-twin/plants``): the tessellated
geometry as one ``.npz`` (all vertices and faces concatenated, with offsets per GlobalId) and the rest of the plant,
meshes stripped, as a pickle. Changing the file, the reading options, the cache format or ifcopenshell's version
changes the key. Delete the folder to clear the cache; it is never part of the repository.
"""
from __future__ import annotations

import hashlib
import logging
import os
import pickle
from pathlib import Path

import ifcopenshell
import numpy as np

from twin.plant.mesh import Mesh
from twin.plant.model import Plant

log = logging.getLogger(__name__)
FORMAT = 6  # bump when what is cached changes meaning (2: fmus, co_simulation; 3: Element.kind; 4: errors;
#             5: volumes; 6: unmeshed)


def folder() -> Path:
    if "TWIN_CACHE_DIR" in os.environ:
        return Path(os.environ["TWIN_CACHE_DIR"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pharma-twin" / "plants"


def key(path: Path, **options) -> str:
    """The cache key of the file at ``path`` read with ``options``."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    digest.update(repr((sorted(options.items()), FORMAT, ifcopenshell.version)).encode())
    return digest.hexdigest()


def load(cache_key: str, source: Path) -> Plant | None:
    """The cached plant for ``cache_key`` (its ``source`` set to where the file is now), or None."""
    base = folder() / cache_key
    if not (base.with_suffix(".pickle").exists() and base.with_suffix(".npz").exists()):
        return None
    try:
        with open(base.with_suffix(".pickle"), "rb") as stream:
            plant: Plant = pickle.load(stream)
        with np.load(base.with_suffix(".npz")) as data:
            guids, vo, fo = data["guids"], data["v_offsets"], data["f_offsets"]
            vertices, faces = data["vertices"], data["faces"]
    except (OSError, ValueError, KeyError, pickle.UnpicklingError, EOFError, AttributeError) as exc:
        log.warning("ignoring an unreadable cache entry %s (%s)", base, exc)
        return None
    meshes = {str(g): Mesh(vertices[vo[i]:vo[i + 1]], faces[fo[i]:fo[i + 1]])
              for i, g in enumerate(guids)}
    for item in plant.parts():
        item.mesh = meshes.get(item.guid)
    plant.source = source
    return plant


def save(cache_key: str, plant: Plant) -> None:
    """Store ``plant`` under ``cache_key``; a cache that cannot be written is logged, never fatal."""
    base = folder() / cache_key
    items = [item for item in plant.parts() if item.mesh is not None]
    meshes = [item.mesh for item in items]
    try:
        base.parent.mkdir(parents=True, exist_ok=True)
        tmp = base.with_suffix(f".{os.getpid()}.tmp")
        np.savez(tmp.with_suffix(".tmp.npz"), guids=np.array([i.guid for i in items], dtype="U22"),
                 v_offsets=np.cumsum([0] + [len(m.vertices) for m in meshes]),
                 f_offsets=np.cumsum([0] + [len(m.faces) for m in meshes]),
                 vertices=np.concatenate([m.vertices for m in meshes]) if meshes else np.empty((0, 3)),
                 faces=np.concatenate([m.faces for m in meshes]) if meshes else np.empty((0, 3), dtype=np.int32))
        for item in items:
            item.mesh = None
        try:
            with open(tmp.with_suffix(".tmp.pickle"), "wb") as stream:
                pickle.dump(plant, stream, protocol=pickle.HIGHEST_PROTOCOL)
        finally:
            for item, mesh in zip(items, meshes):
                item.mesh = mesh
        os.replace(tmp.with_suffix(".tmp.npz"), base.with_suffix(".npz"))  # atomic: readers never see half a file
        os.replace(tmp.with_suffix(".tmp.pickle"), base.with_suffix(".pickle"))
    except OSError as exc:
        log.warning("cannot write the plant cache in %s (%s); set TWIN_CACHE_DIR to a writable folder",
                    base.parent, exc)
