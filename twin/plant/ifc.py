"""Read a Plant from an IFC file (IFC2X3, IFC4, IFC4X3) with ifcopenshell.

What becomes what:

- **assets**: every physical element that is not building structure, pipework, an opening or a port: equipment,
  valves, sensors standing on their own, furniture, proxies. The tag is the property named by ``tag_property``
  (``"Pset_Name.Property"``) when one is given and set (authoring tools often fill ``Tag`` with their own ids),
  else the element's ``Tag`` attribute, else its ``Name``, else its GlobalId.
- **instruments**: sensors, controllers and actuators bound to an asset by ``IfcRelFlowControlElements``, tagged
  ``ASSET.TAG`` (``R-101.TT-01``).
- **spaces**: ``IfcSpace`` by ``Name`` (the room number), GMP grade from any property called ``grade_property``.
- **properties**: every property and quantity set flattened to ``Pset.Property``, lengths, areas and volumes in SI
  (:mod:`twin.plant.properties`).
- **links**: from each asset port, ``IfcRelConnectsPorts`` is followed through pipe/duct segments and fittings to
  the port of the next asset; the whole run becomes one link, directed by the ports' ``FlowDirection``.
- **geometry**: one mesh per asset, space and other element, from :mod:`twin.plant.geometry`.

Parts of the file that cannot be read (a truncated file, lines the parser rejects, entities the declared schema
does not have) become ``plant.errors``, and the rest is loaded; what was read but looks wrong (a duplicate tag, an
element the geometry kernel cannot tessellate) becomes ``plant.warnings``; problems that leave nothing to load
raise :class:`IfcError`.
"""
from __future__ import annotations

import logging
from pathlib import Path

import ifcopenshell
import ifcopenshell.util.element
import ifcopenshell.util.placement
import ifcopenshell.util.system
import ifcopenshell.util.unit
import numpy as np

from twin.plant import cache, geometry
from twin.plant.mesh import Mesh
from twin.plant.model import GRADES, Asset, Element, Instrument, Link, Plant, Port, Space
from twin.plant.properties import Properties

log = logging.getLogger(__name__)
SCHEMAS = ("IFC2X3", "IFC4", "IFC4X3")
PIPEWORK = ("IfcFlowSegment", "IfcFlowFitting")  # IFC4's pipe/duct/cable segments and fittings derive from these
STRUCTURE = ("IfcBuildingElement", "IfcBuiltElement", "IfcCivilElement", "IfcGeographicElement")
NOT_PHYSICAL = ("IfcFeatureElement", "IfcVirtualElement", "IfcElementAssembly")
DIRECTIONS = {"SOURCE": "out", "SINK": "in", "SOURCEANDSINK": "both"}


class IfcError(ValueError):
    """An IFC file that cannot be loaded at all: the message says what and how to fix it."""


def read(path: str | Path, *, tag_property: str | None = None, grade_property: str = "GMPGrade",
         geometry_cache: bool = True, with_geometry: bool = True, progress: bool = False) -> Plant:
    """Load the IFC file at ``path`` into a :class:`Plant` (see the module docstring for the mapping).

    With ``geometry_cache`` (the default) an unchanged file read with the same options comes back from
    :mod:`twin.plant.cache` without being parsed or tessellated again.
    """
    path = Path(path)
    options = {"tag_property": tag_property, "grade_property": grade_property}
    cache_key = cache.key(path, **options) if geometry_cache and with_geometry and path.is_file() else None
    if cache_key and (cached := cache.load(cache_key, path)) is not None:
        return cached
    ifc, errors = open_ifc(path)
    plant = Plant(name=_project_name(ifc, path), source=path)
    if errors:
        plant.error(f"{path.name}: {len(errors)} parse errors, the model may be incomplete; first: {errors[0]}")
    if not _complete(path):
        plant.error(f"{path.name}: the file ends before END-ISO-10303-21; (truncated?): "
                    f"loaded the {len(list(ifc))} entities read so far")
    scale = ifcopenshell.util.unit.calculate_unit_scale(ifc)
    meshes = None
    if with_geometry:  # the geometry iterator's threads tessellate in the background while the model is read here
        meshes = geometry.begin(path, ifc, scale=scale, progress=progress, warn=plant.warn)
    properties = Properties(ifc)
    _read_spaces(ifc, plant, grade_property, properties)
    assets = _read_assets(ifc, plant, tag_property, _Placements(scale), properties)
    _read_instruments(ifc, plant, assets, tag_property, properties)
    _read_links(ifc, plant, assets)
    if meshes is not None:
        _attach_geometry(ifc, plant, assets, meshes())
    if cache_key:
        cache.save(cache_key, plant)
    return plant


def open_ifc(path: Path) -> tuple[ifcopenshell.file, list[str]]:
    """``ifcopenshell.open`` with errors a person can act on; also the parser's error messages, if any."""
    if not path.exists():
        raise IfcError(f"{path}: file not found")
    if path.is_dir():
        raise IfcError(f"{path}: is a folder, expected an .ifc file")
    with open(path, "rb") as stream:
        head = stream.read(64)
    if not head.lstrip().startswith(b"ISO-10303-21"):
        kind = "a ZIP archive (.ifcZIP? unzip it first)" if head.startswith(b"PK") else (
            "XML (ifcXML is not supported: export IFC-SPF .ifc)" if head.lstrip().startswith(b"<") else
            "not an IFC-SPF (STEP) file")
        raise IfcError(f"{path}: {kind}: an .ifc file starts with 'ISO-10303-21;'")
    ifcopenshell.get_log()  # forget what earlier files logged
    try:
        ifc = ifcopenshell.open(str(path))
    except ifcopenshell.SchemaError as exc:
        raise IfcError(f"{path}: {exc}: supported schemas are {', '.join(SCHEMAS)}; "
                       "re-export the model from the authoring tool as IFC4") from None
    except (ifcopenshell.Error, RuntimeError) as exc:
        raise IfcError(f"{path}: cannot parse the IFC file ({exc}): is it damaged or truncated?") from None
    if ifc.schema_identifier.upper() not in SCHEMAS and ifc.schema not in SCHEMAS:
        raise IfcError(f"{path}: schema {ifc.schema_identifier} is not supported: expected {', '.join(SCHEMAS)}")
    if not ifc.by_type("IfcProduct"):
        raise IfcError(f"{path}: no IfcProduct in the file: nothing to build a plant from (damaged file?)")
    errors = [line.split("] ")[-1] for line in ifcopenshell.get_log().splitlines() if line.startswith("[error]")]
    return ifc, errors


def _complete(path: Path) -> bool:
    with open(path, "rb") as stream:
        stream.seek(max(0, path.stat().st_size - 256))
        return b"END-ISO-10303-21" in stream.read()


def _project_name(ifc, path: Path) -> str:
    projects = ifc.by_type("IfcProject")
    return (projects[0].Name if projects and projects[0].Name else None) or path.stem


class _Placements:
    """World matrices of ``IfcLocalPlacement`` chains in metres, each placement computed once."""

    def __init__(self, scale: float) -> None:
        self.scale, self.memo = scale, {}

    def __call__(self, placement) -> np.ndarray:
        if placement is None:
            return np.eye(4)
        key = placement.id()
        if key not in self.memo:
            if not placement.is_a("IfcLocalPlacement"):  # grid or linear placements: the general routine
                matrix = ifcopenshell.util.placement.get_local_placement(placement)
                matrix[:3, 3] *= self.scale
            else:
                matrix = self(placement.PlacementRelTo) @ self._relative(placement.RelativePlacement)
            self.memo[key] = matrix
        return self.memo[key]

    def _relative(self, axes) -> np.ndarray:
        if axes.is_a("IfcAxis2Placement3D") and axes.Axis is None and axes.RefDirection is None:
            matrix = np.eye(4)  # the common case: a pure translation
            matrix[:3, 3] = axes.Location.Coordinates
        else:
            matrix = ifcopenshell.util.placement.get_axis2placement(axes)
        matrix[:3, 3] *= self.scale
        return matrix


# --- spaces ------------------------------------------------------------------------------------------------------

def _storey_of(element) -> str | None:
    node = ifcopenshell.util.element.get_container(element) or ifcopenshell.util.element.get_aggregate(element)
    while node is not None and not node.is_a("IfcBuildingStorey"):
        node = ifcopenshell.util.element.get_aggregate(node) or ifcopenshell.util.element.get_container(node)
    return node.Name if node is not None else None


def _read_spaces(ifc, plant: Plant, grade_property: str, properties: Properties) -> None:
    plant.storeys = [s.Name or s.GlobalId for s in sorted(ifc.by_type("IfcBuildingStorey"),
                                                         key=lambda s: s.Elevation or 0.0)]
    for space in ifc.by_type("IfcSpace"):
        number = (space.Name or "").strip() or space.GlobalId
        if number in plant.spaces:
            plant.warn(f"space {space.GlobalId}: number '{number}' is used twice; kept as '{number}#{space.id()}'")
            number = f"{number}#{space.id()}"
        props = properties(space)
        grade = next((str(v).strip().upper() for k, v in props.items() if k.split(".", 1)[1] == grade_property), None)
        if grade is not None and grade not in GRADES:
            plant.warn(f"space {number}: GMP grade '{grade}' is not one of {', '.join(GRADES)}; ignored")
            grade = None
        area = next((props[k] for k in props if k.endswith((".NetFloorArea", ".GrossFloorArea"))), None)
        volume = next((props[k] for k in props if k.endswith((".NetVolume", ".GrossVolume"))), None)
        plant.spaces[number] = Space(number=number, name=space.LongName or "", storey=_storey_of(space), grade=grade,
                                     area=area, volume=volume, properties=props, guid=space.GlobalId)


# --- assets ------------------------------------------------------------------------------------------------------

def _tag(element, tag_property: str | None) -> str:
    tag = getattr(element, "Tag", None)
    if tag_property:
        pset, _, prop = tag_property.partition(".")
        tag = ifcopenshell.util.element.get_pset(element, pset, prop) or tag
    return str(tag or "").strip()


def _type(element) -> str:
    """What the element is: its ObjectType when the author named one, else its IFC class without 'Ifc'."""
    return (element.ObjectType or "").strip() or element.is_a()[3:]


def _predefined_type(element) -> str | None:
    predefined = ifcopenshell.util.element.get_predefined_type(element)
    return None if predefined in (None, "NOTDEFINED", "USERDEFINED") else predefined


def _is_asset(element) -> bool:
    if element.is_a("IfcBuildingElementProxy"):
        return True
    return not any(element.is_a(c) for c in (*PIPEWORK, *STRUCTURE, *NOT_PHYSICAL)) and not _controls(element)


def _controls(element):
    """The flow element an instrument is bound to, or None."""
    for rel in getattr(element, "AssignedToFlowElement", None) or ():
        return rel.RelatingFlowElement
    return None


def _read_assets(ifc, plant: Plant, tag_property: str | None, placements: _Placements,
                 properties: Properties) -> dict[int, Asset]:
    """Every asset by IFC entity id; the plant gets them by tag (duplicates and blanks renamed, with a warning)."""
    assets: dict[int, Asset] = {}
    spaces = {space.guid: space.number for space in plant.spaces.values()}
    for element in ifc.by_type("IfcElement"):
        if not _is_asset(element):
            continue
        tag = _tag(element, tag_property)
        if not tag:
            tag = (element.Name or "").strip() or element.GlobalId
            if element.is_a("IfcDistributionElement"):
                plant.warn(f"{element.is_a()} {element.GlobalId} has no tag: using '{tag}'")
        if tag in plant.assets:
            first = plant.assets[tag]
            renamed = f"{tag}#{element.id()}"
            plant.warn(f"duplicate tag '{tag}': {first.ifc_class} {first.guid} and {element.is_a()} "
                       f"{element.GlobalId}; the second is kept as '{renamed}' (fix the Tag in the model)")
            tag = renamed
        container = ifcopenshell.util.element.get_container(element)
        asset = Asset(tag=tag, type=_type(element), ifc_class=element.is_a(),
                      predefined_type=_predefined_type(element), name=element.Name or "",
                      description=element.Description or "", guid=element.GlobalId,
                      properties=properties(element),
                      space=spaces.get(container.GlobalId) if container is not None else None,
                      storey=_storey_of(element), ports=_ports(element, placements),
                      placement=placements(element.ObjectPlacement))
        plant.assets[tag] = asset
        assets[element.id()] = asset
    return assets


def _ports(element, placements: _Placements) -> list[Port]:
    ports = []
    for port in ifcopenshell.util.system.get_ports(element):
        position = placements(port.ObjectPlacement)[:3, 3] if port.ObjectPlacement is not None else None
        ports.append(Port(name=port.Name or port.GlobalId, direction=DIRECTIONS.get(port.FlowDirection, "unknown"),
                          position=position, guid=port.GlobalId))
    return ports


def _read_instruments(ifc, plant: Plant, assets: dict[int, Asset], tag_property: str | None,
                      properties: Properties) -> None:
    for element in ifc.by_type("IfcDistributionControlElement"):
        owner = _controls(element)
        if owner is None:
            continue
        asset = assets.get(owner.id())
        signal = _tag(element, tag_property) or (element.Name or "").strip() or element.GlobalId
        if asset is None:
            plant.warn(f"instrument '{signal}' ({element.GlobalId}) is bound to {owner.is_a()} {owner.GlobalId}, "
                       "which is not an asset: skipped")
            continue
        tag = signal if signal.startswith(asset.tag + ".") else f"{asset.tag}.{signal}"
        if tag in asset.instruments:
            plant.warn(f"duplicate instrument tag '{tag}' ({element.GlobalId}): skipped")
            continue
        kind = _predefined_type(element) or _type(element)
        asset.instruments[tag] = Instrument(tag=tag, type=kind, name=element.Name or "",
                                            properties=properties(element), guid=element.GlobalId)


# --- links -------------------------------------------------------------------------------------------------------

def _read_links(ifc, plant: Plant, assets: dict[int, Asset]) -> None:
    """Follow every asset port through pipework to the asset ports it reaches; each pair becomes one link."""
    seen: set[frozenset] = set()
    for element_id, asset in assets.items():
        element = ifc.by_id(element_id)
        for port in ifcopenshell.util.system.get_ports(element):
            for end, via in _follow(port):
                other = assets.get(ifcopenshell.util.system.get_port_element(end).id())
                key = frozenset((port.id(), end.id()))
                if other is None or key in seen:
                    continue
                seen.add(key)
                plant.links.append(_link(plant, asset, port, other, end, via))


def _follow(start):
    """Ports of non-pipework elements reachable from ``start`` through connected pipework, with the pieces passed."""
    ends, stack, visited = [], [(start, ())], {start.id()}
    while stack:
        port, via = stack.pop()
        other = ifcopenshell.util.system.get_connected_port(port)
        if other is None or other.id() in visited:
            continue
        visited.add(other.id())
        element = ifcopenshell.util.system.get_port_element(other)
        if element is None:
            continue
        if not any(element.is_a(c) for c in PIPEWORK):
            ends.append((other, via))
            continue
        for onward in ifcopenshell.util.system.get_ports(element):
            if onward.id() not in visited:
                visited.add(onward.id())
                stack.append((onward, (*via, element)))
    return ends


def _link(plant: Plant, asset: Asset, port, other: Asset, end, via) -> Link:
    medium = None
    for piece in (*via, ifcopenshell.util.system.get_port_element(port)):
        systems = ifcopenshell.util.system.get_element_systems(piece)
        if systems:
            medium = systems[0].Name
            break
    out_here, out_there = port.FlowDirection == "SOURCE", end.FlowDirection == "SOURCE"
    in_here, in_there = port.FlowDirection == "SINK", end.FlowDirection == "SINK"
    if (out_here and out_there) or (in_here and in_there):
        plant.warn(f"link {asset.tag} - {other.tag}: both ports have flow direction {port.FlowDirection}; "
                   "kept as a link of unknown direction")
    forward = (out_here or in_there) and not (in_here or out_there)
    backward = (in_here or out_there) and not (out_here or in_there)
    source, target, s_port, t_port = (other, asset, end, port) if backward else (asset, other, port, end)
    return Link(source=source.tag, target=target.tag, source_port=s_port.Name or s_port.GlobalId,
                target_port=t_port.Name or t_port.GlobalId, medium=medium, kind="pipe",
                via=tuple(p.GlobalId for p in via), directed=forward or backward)


# --- geometry ----------------------------------------------------------------------------------------------------

def _attach_geometry(ifc, plant: Plant, assets: dict[int, Asset], meshes: geometry.Meshes) -> None:
    def mesh(guid):
        vertices, faces = meshes.pop(guid)
        return Mesh(vertices, faces)

    for asset in assets.values():
        if asset.guid in meshes:
            asset.mesh = mesh(asset.guid)
    for space in plant.spaces.values():
        if space.guid in meshes:
            space.mesh = mesh(space.guid)
            if space.mesh.is_watertight:
                _check_volume(plant, space, float(space.mesh.volume))
    for guid in list(meshes):
        element = _by_guid(ifc, guid)
        if element is not None and element.is_a("IfcFeatureElement"):
            continue  # openings are already cut out of their host's mesh
        plant.elements[guid] = Element(guid=guid, ifc_class=element.is_a() if element else "?",
                                       name=(element.Name or "") if element else "", mesh=mesh(guid),
                                       kind=_kind(element), storey=_storey_of(element) if element else None)
    for asset in assets.values():
        if asset.mesh is None and not ifc.by_guid(asset.guid).Representation:
            plant.warn(f"asset {asset.tag}: no mesh: it has no 3D representation")
        if asset.space is None:
            asset.space = plant.space_at(asset.base)  # models that contain equipment in storeys only
    tags = {a.guid: a.tag for a in assets.values()}
    drawn = {*plant.elements, *(a.guid for a in assets.values() if a.mesh is not None),
             *(s.guid for s in plant.spaces.values() if s.mesh is not None)}
    others: dict[str, list[str]] = {}  # annotations, grids, ports ...: one warning per class
    for product in ifc.by_type("IfcProduct"):
        if not product.Representation or product.GlobalId in drawn or product.is_a("IfcFeatureElement"):
            continue
        if product.is_a("IfcElement") or product.is_a("IfcSpace"):
            name = f"asset {tags[product.GlobalId]}" if product.GlobalId in tags else \
                f"{product.is_a()} {product.GlobalId}"
            plant.warn(f"{name}: no mesh: the geometry kernel produced none from its representation "
                       "(no 3D body, or one it cannot tessellate; ifcopenshell's log says which)")
            plant.unmeshed[product.GlobalId] = "the geometry kernel made no mesh of its representation"
        else:
            others.setdefault(product.is_a(), []).append(product.GlobalId)
            plant.unmeshed[product.GlobalId] = f"an {product.is_a()} without a 3D body"
    for ifc_class, guids in others.items():
        plant.warn(f"{len(guids)} {ifc_class}: no mesh (no 3D body: drawings, axes or symbols are not drawn): "
                   + ", ".join(guids))


def _check_volume(plant: Plant, space: Space, meshed: float) -> None:
    """Take the volume of the room's own mesh where the file declares none or one off by a unit factor (a Revit
    export writing dm3 as m3: 166,884 for 166.9), and flag a declared volume that disagrees with the mesh."""
    declared = space.volume
    if declared is None or meshed <= 0:
        space.volume = space.volume if meshed <= 0 else meshed
        return
    ratio = declared / meshed
    decades = np.log10(ratio) if ratio > 0 else 0.0
    if round(decades) != 0 and round(decades) % 3 == 0 and abs(decades - round(decades)) < 0.02:
        space.volume = meshed
        factor = f"{ratio:,.0f}x" if ratio > 1 else f"1/{1 / ratio:,.0f} of"
        plant.warn(f"space {space.number}: the file declares a volume of {declared:,.3g} m3, {factor} the "
                   f"{meshed:,.1f} m3 of the room's own mesh (a unit mix-up in the export?): took the mesh's volume")
    elif abs(ratio - 1) > 0.25:
        plant.warn(f"space {space.number}: the file declares a volume of {declared:,.1f} m3, the room's own mesh "
                   f"holds {meshed:,.1f} m3 ({ratio:.2f}x): kept the declared volume; check the model")


def _kind(element) -> str:
    """How the viewer draws a non-asset element: pipework and other distribution elements, or structure."""
    if element is not None and any(element.is_a(c) for c in (*PIPEWORK, "IfcDistributionElement")):
        return "distribution"
    return "structure"


def _by_guid(ifc, guid: str):
    try:
        return ifc.by_guid(guid)
    except RuntimeError:
        return None

