"""``twin.plant.load(path)``: the one front door, choosing the reader by what the file is.

- ``*.ifc``: an IFC model (:mod:`twin.plant.ifc`)
- ``*.yaml`` with a ``plant:`` key: a plant overlay naming its delivery (:mod:`twin.plant.overlay`)
- ``*.yaml`` with a ``meshes:`` key: a mesh layout (:mod:`twin.plant.meshes`)
"""
from __future__ import annotations

from pathlib import Path

from twin import config
from twin.plant import ifc
from twin.plant.model import Plant

YAML = (".yaml", ".yml")
MESHES = (".glb", ".gltf", ".obj", ".stl", ".ply")  # twin.plant.meshes.FORMATS, named here to spare its import


def load(path: str | Path, *, tag_property: str | None = None, grade_property: str = "GMPGrade",
         geometry_cache: bool = True, progress: bool = False) -> Plant:
    """Load a plant from an IFC file, a plant overlay or a mesh layout.

    ``tag_property`` (``"Pset.Property"``) and ``grade_property`` say where an IFC keeps tags and GMP grades;
    ``geometry_cache=False`` re-tessellates instead of reusing the on-disk cache; ``progress`` shows a bar.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".ifc":
        return ifc.read(path, tag_property=tag_property, grade_property=grade_property,
                        geometry_cache=geometry_cache, progress=progress)
    if suffix in YAML:  # overlays and layouts import their stacks (FMUs, trimesh) only when met: an .ifc skips them
        document = config.load(path)
        if isinstance(document, dict) and "plant" in document:
            from twin.plant import overlay  # an overlay on an IFC file needs no trimesh (0.5 s)

            return overlay.read(path, _delivery, grade_property=grade_property, geometry_cache=geometry_cache,
                                progress=progress, **({"tag_property": tag_property} if tag_property else {}))
        if isinstance(document, dict) and "meshes" in document:
            from twin.plant import meshes

            return meshes.read(path)
        raise config.ConfigError("neither a plant overlay nor a mesh layout", file=path, line=1,
                                 expected="a mapping with a 'plant:' key (overlay) or a 'meshes:' key (layout)")
    if suffix in MESHES:
        raise config.ConfigError(f"a bare {suffix} mesh has no tags", file=path,
                                 hint="write a mesh layout YAML naming its tag, type and position "
                                      "(see twin.plant.meshes)")
    if not path.exists():
        raise config.ConfigError("file not found", file=path)
    if path.is_dir():
        raise config.ConfigError("is a folder, not a plant file (an .ifc, a plant overlay .yaml or a mesh layout "
                                 ".yaml)", file=path)
    raise config.ConfigError(f"unknown kind of plant file '{suffix or path.name}'", file=path,
                             expected="an .ifc file, a plant overlay .yaml or a mesh layout .yaml",
                             hint=config.suggest(suffix, [".ifc", *YAML]) if suffix else None)


def _delivery(path: Path, **options) -> Plant:
    """The delivery an overlay names: an IFC file or a mesh layout."""
    if path.suffix.lower() == ".ifc":
        return ifc.read(path, **options)
    if path.suffix.lower() in YAML:
        from twin.plant import meshes

        return meshes.read(path)
    raise config.ConfigError(f"an overlay's plant must be an .ifc file or a mesh layout .yaml, not '{path.name}'",
                             file=path)
