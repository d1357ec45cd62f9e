"""The Plant: assets keyed by tag, rooms with their GMP grade, the links between assets, and their geometry.

A Plant is what the digital delivery says about the factory, whatever file it came from (IFC, meshes, YAML)::

    plant["R-101"].space                 # 'R01'          the room an asset stands in
    plant.grade("R-101")                 # 'CNC'          the GMP grade of that room
    plant["R-101.TT-02"].properties      # an instrument, addressed as ASSET.SIGNAL
    plant.upstream("NF-101")             # {'R-101', 'P-101A', ...}  everything that can flow into NF-101
    plant.path("D-101", "NF-101")        # ['D-101', 'XV-101', 'R-101', 'P-101A', 'NF-101']
    plant.distance("R-101", "NF-101")    # 12.0 (m, between bounding-box centres)

Meshes are in world coordinates (metres): :class:`twin.plant.mesh.Mesh` from IFC (trimesh's interface, built on
first use beyond bounds, closure and volume), ``trimesh.Trimesh`` from mesh layouts. The Plant knows nothing of the
twin that runs on it.
"""
from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

from twin.config import suggest

GRADES = ("A", "B", "C", "D", "CNC")  # EU GMP Annex 1 cleanroom grades, and "controlled not classified"


class UnknownTagError(KeyError):
    """A tag the plant does not hold; the message suggests the closest one."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass
class Port:
    """A connection point of an asset: ``direction`` is "out", "in", "both" or "unknown"."""

    name: str
    direction: str = "unknown"
    position: np.ndarray | None = None
    guid: str | None = None


@dataclass
class Instrument:
    """A sensor, controller or actuator of an asset, addressed as ``ASSET.SIGNAL`` (``R-101.TT-01``)."""

    tag: str
    type: str
    name: str = ""
    properties: dict[str, Any] = field(default_factory=dict)
    unit: str | None = None
    guid: str | None = None

    @property
    def asset(self) -> str:
        return self.tag.split(".", 1)[0]

    @property
    def signal(self) -> str:
        return self.tag.split(".", 1)[1]


@dataclass
class Asset:
    """A piece of equipment: its tag, what it is, where it stands, its ports, instruments and mesh."""

    tag: str
    type: str
    ifc_class: str | None = None
    predefined_type: str | None = None
    name: str = ""
    description: str = ""
    guid: str | None = None
    properties: dict[str, Any] = field(default_factory=dict)
    space: str | None = None
    storey: str | None = None
    ports: list[Port] = field(default_factory=list)
    instruments: dict[str, Instrument] = field(default_factory=dict)
    placement: np.ndarray = field(default_factory=lambda: np.eye(4))
    mesh: Any = None  # twin.plant.mesh.Mesh or trimesh.Trimesh in world coordinates, or None
    behaviour: str | None = None
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def bounds(self) -> np.ndarray | None:
        """``[[xmin, ymin, zmin], [xmax, ymax, zmax]]`` of the mesh (m), None without geometry."""
        return None if self.mesh is None else self.mesh.bounds

    @property
    def base(self) -> np.ndarray:
        """A point just above the middle of the mesh's underside: where the asset stands."""
        if self.mesh is None:
            return self.placement[:3, 3]
        (x0, y0, z0), (x1, y1, _) = self.mesh.bounds
        return np.array([(x0 + x1) / 2, (y0 + y1) / 2, z0 + 0.05])

    @property
    def centre(self) -> np.ndarray:
        """Centre of the bounding box, or the placement origin when there is no mesh."""
        return self.placement[:3, 3] if self.mesh is None else self.mesh.bounds.mean(axis=0)


@dataclass
class Space:
    """A room: its number, name, storey, GMP grade (A/B/C/D/CNC), floor area (m2), volume (m3) and mesh."""

    number: str
    name: str = ""
    storey: str | None = None
    grade: str | None = None
    area: float | None = None
    volume: float | None = None
    properties: dict[str, Any] = field(default_factory=dict)
    guid: str | None = None
    mesh: Any = None


@dataclass
class Link:
    """Flow from ``source`` to ``target``: a pipe run (``via`` lists its segments and fittings) or a transfer."""

    source: str
    target: str
    source_port: str | None = None
    target_port: str | None = None
    medium: str | None = None
    kind: str = "pipe"
    via: tuple[str, ...] = ()
    directed: bool = True


@dataclass
class Element:
    """Geometry that is not equipment, kept for the 3D view: ``kind`` is "distribution" (pipe and duct segments,
    fittings, terminals bound to no asset) or "structure" (walls, slabs, columns, roofs, the site: context)."""

    guid: str
    ifc_class: str
    name: str = ""
    mesh: Any = None
    kind: str = "structure"
    storey: str | None = None


@dataclass
class Plant:
    """Assets by tag, spaces by number, links, other elements, and what was met while loading: ``errors`` (parts of
    the file that could not be read: the model is incomplete) and ``warnings`` (what was read but looks wrong)."""

    name: str
    source: Path | None = None
    assets: dict[str, Asset] = field(default_factory=dict)
    spaces: dict[str, Space] = field(default_factory=dict)
    links: list[Link] = field(default_factory=list)
    elements: dict[str, Element] = field(default_factory=dict)
    storeys: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    unmeshed: dict[str, str] = field(default_factory=dict)  # GlobalId -> why a product with a body got no mesh
    fmus: list = field(default_factory=list)  # twin.fmu.binding.Binding of the overlay's fmus: entry, by asset
    co_simulation: dict = field(default_factory=dict)  # the overlay's co_simulation: options (step, ordering...)

    # --- lookup ----------------------------------------------------------------------------------------------

    def __getitem__(self, tag: str) -> Asset | Instrument:
        """An asset by tag, or an instrument by ``ASSET.SIGNAL``."""
        if tag in self.assets:
            return self.assets[tag]
        asset, _, _signal = tag.partition(".")
        if asset in self.assets and tag in self.assets[asset].instruments:
            return self.assets[asset].instruments[tag]
        hint = suggest(tag, [*self.assets, *self.instruments])
        raise UnknownTagError(f"no asset or instrument tagged '{tag}' in plant '{self.name}'"
                              + (f": {hint}" if hint else ""))

    def __contains__(self, tag: str) -> bool:
        try:
            self[tag]
        except UnknownTagError:
            return False
        return True

    def __iter__(self) -> Iterator[Asset]:
        return iter(self.assets.values())

    def __len__(self) -> int:
        return len(self.assets)

    @property
    def instruments(self) -> dict[str, Instrument]:
        return {tag: inst for asset in self.assets.values() for tag, inst in asset.instruments.items()}

    def parts(self) -> Iterator[Asset | Space | Element]:
        """Every asset, space and other element: all that may carry a mesh."""
        yield from self.assets.values()
        yield from self.spaces.values()
        yield from self.elements.values()

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    def error(self, message: str) -> None:
        """Note a part of the delivery that could not be read (loading goes on with the rest)."""
        self.errors.append(message)

    # --- queries a designer asks -----------------------------------------------------------------------------

    def of_type(self, kind: str) -> list[Asset]:
        """Assets whose type or IFC class is ``kind`` (case-insensitive): ``plant.of_type("IfcPump")``."""
        kind = kind.lower()
        return [a for a in self if a.type.lower() == kind or (a.ifc_class or "").lower() == kind]

    def in_space(self, number: str) -> list[Asset]:
        self._space(number)
        return [a for a in self if a.space == number]

    def with_grade(self, grade: str) -> list[Asset]:
        """Assets standing in rooms of GMP ``grade``."""
        if grade not in GRADES:
            raise ValueError(f"unknown GMP grade '{grade}': expected one of {', '.join(GRADES)}")
        return [a for a in self if self.grade(a.tag) == grade]

    def grade(self, tag: str) -> str | None:
        """The GMP grade of the room the asset ``tag`` stands in (None if unknown)."""
        space = self._asset(tag).space
        return self.spaces[space].grade if space in self.spaces else None

    def space_at(self, point) -> str | None:
        """The number of the room whose bounding box holds ``point`` (x, y, z in m), or None."""
        point = np.asarray(point, float)
        for space in self.spaces.values():
            if space.mesh is not None and np.all(space.mesh.bounds[0] <= point) \
                    and np.all(point <= space.mesh.bounds[1]):
                return space.number
        return None

    def counts(self) -> Counter:
        """Number of assets of each type."""
        return Counter(a.type for a in self)

    @functools.cached_property
    def graph(self) -> nx.MultiDiGraph:
        """The link graph: one node per asset, one edge per link (both ways for links of unknown direction)."""
        graph = nx.MultiDiGraph()
        graph.add_nodes_from(self.assets)
        for link in self.links:
            graph.add_edge(link.source, link.target, link=link)
            if not link.directed:
                graph.add_edge(link.target, link.source, link=link)
        return graph

    def upstream(self, tag: str) -> set[str]:
        """Every asset from which material can flow to ``tag``."""
        return nx.ancestors(self.graph, self._asset(tag).tag)

    def downstream(self, tag: str) -> set[str]:
        """Every asset to which material can flow from ``tag``."""
        return nx.descendants(self.graph, self._asset(tag).tag)

    def path(self, source: str, target: str) -> list[str]:
        """The shortest chain of assets from ``source`` to ``target`` along the flow direction."""
        try:
            return nx.shortest_path(self.graph, self._asset(source).tag, self._asset(target).tag)
        except nx.NetworkXNoPath:
            raise ValueError(f"no flow path from {source} to {target} (try plant.path({target!r}, {source!r}))") \
                from None

    def distance(self, a: str, b: str) -> float:
        """Straight-line distance (m) between the centres of two assets."""
        return float(np.linalg.norm(self._asset(a).centre - self._asset(b).centre))

    def add_link(self, link: Link) -> None:
        self.links.append(link)
        self.__dict__.pop("graph", None)

    def _asset(self, tag: str) -> Asset:
        asset = self[tag]
        if not isinstance(asset, Asset):
            raise UnknownTagError(f"'{tag}' is an instrument, not an asset: use '{asset.asset}'")
        return asset

    def _space(self, number: str) -> Space:
        if number not in self.spaces:
            hint = suggest(number, self.spaces)
            raise UnknownTagError(f"no space '{number}' in plant '{self.name}'" + (f": {hint}" if hint else ""))
        return self.spaces[number]
