"""The transport network: a navigation graph of the plant's floors, built from its rooms, doors, lifts and stations.

Nodes are points a vehicle passes (``kind``): a ``room`` (its centre: a hub vehicles cross and wait in, never a
reserved zone), a ``door`` between two rooms of one storey (at the middle of their shared wall; a material
``airlock`` between GMP grades holds a vehicle for its interlock cycle), a ``lift`` joining rooms of different
storeys (a reserved zone of its capacity, a ride time), and a ``station``: a plant asset by its tag (at its base, in
its room) or one the scenario declares. Edges carry their length in metres; a one-way door has edges one way only.
Rooms, doors and lifts the scenario lists under ``network.clean`` or ``network.dirty`` serve that flow only (node
attribute ``flow``): a dirty container (waste, used IBCs to the wash) never crosses a clean-only corridor and a clean
one never a dirty-only one (the GMP rule that keeps the flows apart); empty vehicles go anywhere.

Rooms come from the plant (IFC ``IfcSpace`` with their storey, grade and box), doors from its ``IfcDoor`` elements
(each joining the two rooms it touches; between two grades it is an airlock of ``network.airlock`` seconds) and
lifts from its ``IfcTransportElement`` assets (stopping at the rooms its shaft touches, one per storey; the scenario's
``network.lifts.<tag>`` gives ride time and capacity, and the payload where the IFC's property sets have no
``Payload_kg`` or the scenario overrides it). The scenario's ``network:`` adds doors, lifts, rooms
and stations (the sample IFC has neither doors nor a second floor), so a planner edits the layout where the study is
written. Every reserved zone (door, airlock, lift) lies between two rooms, so a
vehicle never waits while it holds a zone: the argument :mod:`scenarios.intralogistics.model` rests its freedom from
deadlock on, and :func:`build` refuses a layout that breaks it.

Routing is Dijkstra (networkx) on the time to cross an edge at the fleet's speed plus the dwell of the node it
enters; the tests check every route against :func:`scipy.sparse.csgraph.shortest_path` on the same weights.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np

from scenarios.intralogistics.params import LogisticsParams, NetworkParams
from twin.config import ConfigError, suggest

ZONES = ("door", "lift")  # node kinds a vehicle reserves before it enters
FLOWS = ("clean", "dirty")   # GMP material flows that must not cross: corridors tagged for one flow only


@dataclass(frozen=True)
class Room:
    """A room's box on its storey: ``lo`` and ``hi`` corners (x, y in m), floor level ``z`` (m), GMP grade."""

    number: str
    storey: str
    lo: tuple[float, float]
    hi: tuple[float, float]
    z: float
    grade: str | None

    @property
    def centre(self) -> tuple[float, float, float]:
        return ((self.lo[0] + self.hi[0]) / 2, (self.lo[1] + self.hi[1]) / 2, self.z)


@dataclass(frozen=True, eq=False)
class Network:
    """The navigation graph and the rooms it was built on; routes at the fleet's ``speed`` (m/s)."""

    graph: nx.DiGraph
    rooms: dict[str, Room]
    speed: float

    def weight(self, u: str, v: str, data: Mapping[str, Any]) -> float:
        """Seconds to go from ``u`` to ``v``: the edge at the fleet's speed plus the dwell of ``v``."""
        return data["length"] / self.speed + self.graph.nodes[v]["dwell"]

    legs: dict = field(default_factory=dict, repr=False)  # (a, b, flow) -> (path, metres, seconds), on demand

    def avoid(self, flow: str | None) -> frozenset[str]:
        """The nodes a container of ``flow`` (``clean``, ``dirty``; None: an empty vehicle) may not pass: those
        tagged for the other flow only."""
        if flow is None:
            return frozenset()
        return frozenset(n for n, f in self.graph.nodes(data="flow") if f is not None and f != flow)

    def leg(self, a: str, b: str, flow: str | None = None) -> tuple[tuple[str, ...], float, float]:
        """The fastest path from node ``a`` to node ``b`` (both ends included) for a container of ``flow``, its
        metres and its seconds at constant speed, dwells included."""
        leg = self.legs.get((a, b, flow))
        if leg is None:
            avoid = self.avoid(flow)
            weight = self.weight if not avoid else (lambda u, v, d: None if v in avoid else self.weight(u, v, d))
            path = tuple(nx.dijkstra_path(self.graph, a, b, weight=weight))
            edges = [(u, v, self.graph.edges[u, v]) for u, v in zip(path, path[1:])]
            leg = self.legs[a, b, flow] = (path, sum(d["length"] for *_, d in edges),
                                           sum(self.weight(u, v, d) for u, v, d in edges))
        return leg

    def route(self, a: str, b: str, flow: str | None = None) -> tuple[str, ...]:
        return self.leg(a, b, flow)[0]

    def length(self, a: str, b: str, flow: str | None = None) -> float:
        """Metres along :meth:`route`."""
        return self.leg(a, b, flow)[1]

    def time(self, a: str, b: str, flow: str | None = None) -> float:
        """Seconds along :meth:`route` at constant speed, dwells included."""
        return self.leg(a, b, flow)[2]

    def metres(self, path: tuple[str, ...]) -> float:
        """The length of ``path`` (any path, not only a route)."""
        return sum(self.graph.edges[u, v]["length"] for u, v in zip(path, path[1:]))

    def zones(self) -> list[str]:
        return [n for n, d in self.graph.nodes(data=True) if d["kind"] in ZONES]


def _located(where: Mapping[str, Any] | None, path: tuple, message: str, **kw) -> ConfigError:
    """The error at ``path`` (keys below ``network``): with its file and line when ``where`` is the checked
    ``network`` mapping, else naming the key."""
    node = where
    for key in path[:-1] if where is not None else ():
        node = node[key]
    if hasattr(node, "error"):
        return node.error(path[-1], message, **kw)
    return ConfigError(message, key="network" + "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in path),
                       **kw)


def plant_rooms(plant) -> dict[str, Room]:
    """The plant's rooms with a box, from their meshes' bounds."""
    rooms = {}
    for space in plant.spaces.values():
        if space.mesh is not None:
            (x0, y0, z0), (x1, y1, _) = space.mesh.bounds
            rooms[space.number] = Room(space.number, space.storey or "", (float(x0), float(y0)), (float(x1), float(y1)),
                                       float(z0), space.grade)
    return rooms


def shared_wall(a: Room, b: Room) -> tuple[float, float] | None:
    """The middle of the wall two rooms of one storey share (at least 1 m of it), or None."""
    if a.storey != b.storey:
        return None
    for axis in (0, 1):
        other = 1 - axis
        for face_a, face_b in ((a.hi[axis], b.lo[axis]), (a.lo[axis], b.hi[axis])):
            if abs(face_a - face_b) < 1e-6:
                lo, hi = max(a.lo[other], b.lo[other]), min(a.hi[other], b.hi[other])
                if hi - lo >= 1.0:
                    point = [0.0, 0.0]
                    point[axis], point[other] = face_a, (lo + hi) / 2
                    return point[0], point[1]
    return None


def _touching(room: Room, box, margin: float = 0.3) -> bool:
    """Whether ``box`` ((x0, y0, z0), (x1, y1, z1)) stands on ``room``'s floor and reaches into or onto it."""
    (x0, y0, z0), (x1, y1, z1) = box
    return z0 - 0.5 <= room.z <= z1 and x0 <= room.hi[0] + margin and x1 >= room.lo[0] - margin \
        and y0 <= room.hi[1] + margin and y1 >= room.lo[1] - margin


def ifc_doors(plant, rooms: dict[str, Room]) -> list[tuple[str, str, str, tuple[float, float, float]]]:
    """The plant's ``IfcDoor`` elements that join exactly two rooms: (name, room, room, centre of the door)."""
    found = []
    for element in plant.elements.values():
        if element.ifc_class == "IfcDoor" and element.mesh is not None:
            box = element.mesh.bounds
            joined = sorted(r.number for r in rooms.values() if _touching(r, box))
            if len(joined) == 2:
                (x0, y0, z0), (x1, y1, _) = map(tuple, box.astype(float).tolist())
                found.append((element.name or element.guid, *joined, ((x0 + x1) / 2, (y0 + y1) / 2, z0)))
    return found


def payload(properties: Mapping[str, Any]) -> float | None:
    """A lift's rated load (kg) from its property sets: the first ``*.Payload_kg`` property, else None."""
    return next((float(v) for k, v in properties.items() if k.lower().endswith(".payload_kg")), None)


def ifc_lifts(plant, rooms: dict[str, Room]) -> dict[str, tuple[list[str], tuple[float, float], float | None]]:
    """The plant's ``IfcTransportElement`` assets by tag: the rooms their shaft touches (one per storey), the
    shaft's centre (x, y) and the payload of their property sets (kg, None if they have none)."""
    lifts = {}
    for asset in plant:
        if asset.ifc_class == "IfcTransportElement" and asset.bounds is not None:
            box = asset.bounds
            stops = {}
            for room in sorted(rooms.values(), key=lambda r: r.number):
                if _touching(room, box):
                    stops.setdefault(room.storey, room.number)
            centre = (float(box[0][0] + box[1][0]) / 2, float(box[0][1] + box[1][1]) / 2)
            lifts[asset.tag] = (list(stops.values()), centre, payload(asset.properties))
    return lifts


def _distance(p, q) -> float:
    return math.dist(p[:2], q[:2])


def build(plant, spec: NetworkParams, speed: float, where: Mapping[str, Any] | None = None) -> Network:
    """The network of ``plant`` (a :class:`twin.plant.Plant`) with the scenario's ``network:`` ``spec``; a layout
    that cannot be built is refused at its key, with its line when ``where`` is the checked ``network`` mapping."""
    rooms = plant_rooms(plant)
    floors = {r.storey: r.z for r in rooms.values()} | dict(spec.floors)
    for number, room in spec.rooms.items():
        if room.storey not in floors:
            raise _located(where, ("rooms", number, "storey"), f"unknown storey '{room.storey}'",
                           expected="a storey of the plant or of network.floors", hint=suggest(room.storey, floors))
        (x, y), (w, d) = room.origin, room.size
        rooms[number] = Room(number, room.storey, (x, y), (x + w, y + d), floors[room.storey], room.grade)
    graph = nx.DiGraph()
    for room in rooms.values():
        graph.add_node(room.number, kind="room", xyz=room.centre, dwell=0.0, capacity=0, room=room.number)

    def two_way(u, v, length, forward_only=False):
        graph.add_edge(u, v, length=length)
        if not forward_only:
            graph.add_edge(v, u, length=length)

    declared = {frozenset(door.between) for door in spec.doors}
    for name, a, b, xyz in ifc_doors(plant, rooms):
        if frozenset((a, b)) not in declared:     # a declared door between the same rooms replaces the IFC's
            dwell = spec.airlock if rooms[a].grade != rooms[b].grade else 0.0
            graph.add_node(name, kind="door", xyz=xyz, dwell=dwell, capacity=1, room=None)
            two_way(a, name, _distance(rooms[a].centre, xyz))
            two_way(name, b, _distance(xyz, rooms[b].centre))
    for i, door in enumerate(spec.doors):
        a, b = door.between
        for k, number in enumerate((a, b)):
            if number not in rooms:
                raise _located(where, ("doors", i, "between", k), f"unknown room '{number}'",
                               expected="a room of the plant or of network.rooms", hint=suggest(number, rooms))
        wall = shared_wall(rooms[a], rooms[b])
        if wall is None:
            raise _located(where, ("doors", i), f"rooms {a} and {b} share no wall on one storey",
                           hint="a door joins neighbouring rooms; join floors with a lift")
        grades = rooms[a].grade, rooms[b].grade
        if grades[0] != grades[1] and not door.airlock > 0:
            raise _located(where, ("doors", i, "between"), f"the door between {a} (grade {grades[0]}) and {b} "
                           f"(grade {grades[1]}) joins two grades without a material airlock",
                           hint="GMP: give it its interlock cycle, e.g. airlock: 90 s")
        name = door.name or f"{a}|{b}"
        xyz = (*wall, rooms[a].z)
        graph.add_node(name, kind="door", xyz=xyz, dwell=door.airlock, capacity=1, room=None)
        two_way(a, name, _distance(rooms[a].centre, xyz), door.one_way)
        two_way(name, b, _distance(xyz, rooms[b].centre), door.one_way)
    in_ifc = ifc_lifts(plant, rooms)
    for name, lift in spec.lifts.items():
        stops, at, rated = lift.stops, lift.at, lift.payload
        if name in in_ifc:      # the scenario's stops, place and payload over the IFC's
            stops, at, rated = stops or tuple(in_ifc[name][0]), at or in_ifc[name][1], rated or in_ifc[name][2]
        for k, number in enumerate(stops):
            if number not in rooms:
                raise _located(where, ("lifts", name, "stops", k), f"unknown room '{number}'",
                               expected="a room of the plant or of network.rooms", hint=suggest(number, rooms))
            if number in stops[:k]:
                raise _located(where, ("lifts", name, "stops", k), f"lift {name} stops at {number} twice",
                               hint="the rooms the lift joins, one on each floor")
        x, y = at
        graph.add_node(name, kind="lift", xyz=(x, y, rooms[stops[0]].z), dwell=lift.ride, capacity=lift.capacity,
                       room=None, payload=rated)
        for number in stops:
            two_way(number, name, _distance(rooms[number].centre, (x, y)))
    stations = {a.tag: (a.space, tuple(map(float, a.base))) for a in plant
                if a.space in rooms and a.tag not in graph}   # a lift's tag is its zone, not a station
    for tag, station in spec.stations.items():
        if station.room not in rooms:
            raise _located(where, ("stations", tag, "room"), f"unknown room '{station.room}'",
                           hint=suggest(station.room, rooms))
        room = rooms[station.room]
        stations[tag] = (room.number, (*station.at, room.z))
    for tag, (number, xyz) in stations.items():
        graph.add_node(tag, kind="station", xyz=xyz, dwell=0.0, capacity=0, room=number)
        two_way(number, tag, _distance(rooms[number].centre, xyz))
    nx.set_node_attributes(graph, None, "flow")
    for flow in FLOWS:
        for k, name in enumerate(getattr(spec, flow)):
            if name not in graph or graph.nodes[name]["kind"] == "station":
                raise _located(where, (flow, k), f"'{name}' is not a room, door or lift of the transport network",
                               hint=suggest(name, [n for n, d in graph.nodes(data=True) if d["kind"] != "station"]))
            if graph.nodes[name]["flow"] not in (None, flow):
                raise _located(where, (flow, k), f"'{name}' is tagged both clean and dirty",
                               hint="a corridor serves one flow: drop it from network.clean or network.dirty")
            graph.nodes[name]["flow"] = flow
    return Network(graph, rooms, speed)


def unreachable(network: Network, places: list[str]) -> tuple[str, str] | None:
    """A pair (a, b) of ``places`` with no path from a to b, or None when every one reaches every other."""
    if not places:
        return None
    first = places[0]
    forward = nx.descendants(network.graph, first) | {first}
    backward = nx.ancestors(network.graph, first) | {first}
    for place in places[1:]:
        if place not in forward:
            return first, place
        if place not in backward:
            return place, first
    return None


_BUILT: dict[tuple[str, str, float], Network] = {}   # (plant, layout, speed) -> network: the last 8 built


def network_of(params: LogisticsParams | Mapping[str, Any]) -> Network:
    """The network of a scenario's parameters (typed, or the checked mapping), built once per process for each
    plant, layout and speed."""
    from twin import plant as plants

    p = params if isinstance(params, LogisticsParams) else LogisticsParams.of(params)
    key = (str(p.plant), repr(p.network), p.fleet.speed)
    if key not in _BUILT:
        while len(_BUILT) >= 8:
            del _BUILT[next(iter(_BUILT))]
        _BUILT[key] = build(plants.load(p.plant), p.network, p.fleet.speed)
    return _BUILT[key]


def as_matrix(network: Network) -> tuple[list[str], np.ndarray]:
    """The nodes and the dense weight matrix (inf where no edge) of the routing problem, for a peer solver."""
    nodes = list(network.graph)
    index = {n: i for i, n in enumerate(nodes)}
    matrix = np.full((len(nodes), len(nodes)), np.inf)
    for u, v, data in network.graph.edges(data=True):
        matrix[index[u], index[v]] = network.weight(u, v, data)
    return nodes, matrix
