"""Other kinds of movers beside the AGV fleet: forklifts and people, each kind with its speed, payload, the
containers it carries and where it may go.

::

    agents:
      forklift: {count: 1, speed: 2 m/s, payload: 1500 kg, home: WH-01, containers: [PM], avoid: [C, D]}
      operator: {count: 2, speed: 1.2 m/s, payload: 25 kg, home: HPLC-01, containers: [SAMPLE], stairs: true,
                 lifts: false, size: [0.6 m, 0.6 m, 1.8 m]}   # size: the box the viewer draws
    network:
      stairs:                       # only kinds with stairs: true climb them
        ST-01: {stops: [W01, W02], at: [18 m, 38 m], climb: 30 s}

An order whose container a kind carries goes to that kind's movers (``FORKLIFT-01``, ``OPERATOR-02`` ...) instead
of the AGVs; the idle mover nearest the pickup takes it, a mover coming free takes the oldest waiting order. Each
kind drives on its own copy of the network (:func:`kind_network`): without the rooms of the grades it ``avoid``\\ s
and their stations, without lifts unless ``lifts``, with the stairs if ``stairs``. So a forklift never enters a
grade C or D room and a person carrying a sample may take the stairs, while no IBC ever does (the AGVs' network has
no stairs, and a kind's payload bounds its loads: :func:`check` refuses an order it could not carry or reach).

Movers drive as the AGVs do (a trapezoidal leg from rest to rest spread over its edges by length) and reserve the
same doors, airlocks and lifts, waiting in a room, never holding one zone while asking for the next; they log the
same events (``loaded`` onto the mover, ``delivered``, waypoints ``at``) so tracking and the viewer follow them.
What they leave out: batteries, congestion-aware routing and GMP flow separation (their routes are static on their
own network), and the expected leave times the AGVs' congestion estimate keeps (a zone a mover holds looks free
to it until the mover leaves).

KPIs per kind: ``<kind>.utilisation`` (share of the window busy) and ``<kind>.lead_time`` (s, order to delivery).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np

from scenarios.intralogistics.network import ZONES, Network
from scenarios.intralogistics.params import Agent, LogisticsParams, NetworkParams, Staircase
from twin.config import Boolean, Integer, ListOf, MapOf, Quantity, Record, Str

XY = ListOf(Quantity("m", "12 m", minimum=None), min_items=2, max_items=2)
STAIRS = Record({"stops": ListOf(Str(), min_items=2), "at": XY, "climb": Quantity("s", "30 s")},
                required=("stops", "at"), defaults={"climb": 30.0}, name="a staircase")
KIND = Record({"count": Integer(minimum=1), "speed": Quantity("m/s", "1.2 m/s", positive=True),
               "acceleration": Quantity("m/s**2", "1 m/s**2", positive=True),
               "payload": Quantity("kg", "25 kg", positive=True), "home": Str(),
               "containers": ListOf(Str(), min_items=1), "avoid": ListOf(Str()), "stairs": Boolean(),
               "lifts": Boolean(), "size": ListOf(Quantity("m", "1.8 m", positive=True), min_items=3, max_items=3),
               "mass": Quantity("kg", "3 t")},
              required=("count", "speed", "payload", "home", "containers"),
              defaults={"acceleration": 1.0, "avoid": [], "stairs": False, "lifts": True, "mass": 0.0},
              name="a kind of mover")
AGENTS = MapOf(KIND)


@dataclass(frozen=True)
class Kind:
    """A kind of mover: how many, how fast, how much, what it carries, its own network."""

    name: str
    count: int
    speed: float
    acceleration: float
    payload: float
    home: str
    containers: frozenset[str]
    net: Network
    mass: float = 0.0    # kg, its own: with its load against a lift's payload


def forbidden(base: Network, avoid) -> set[str]:
    """The nodes in rooms of the grades ``avoid``: the rooms and their stations."""
    rooms = {number for number, room in base.rooms.items() if room.grade in set(avoid)}
    return {n for n, d in base.graph.nodes(data=True) if d.get("room") in rooms}


def kind_network(base: Network, spec: Agent, stairs: Mapping[str, Staircase], speed: float) -> Network:
    """``base`` as a kind of mover may use it: less the rooms of the grades it avoids (and their stations), less
    the lifts unless it takes lifts, plus the stairs if it climbs them (a node of kind ``stairs`` whose dwell is
    the climb, joined to the room centre of each stop)."""
    graph = base.graph.copy()
    gone = forbidden(base, spec.avoid)
    if not spec.lifts:
        gone |= {n for n, d in graph.nodes(data=True) if d["kind"] == "lift"}
    graph.remove_nodes_from(gone)
    if spec.stairs:
        for name, flight in stairs.items():
            stops = [s for s in flight.stops if s in graph]
            x, y = flight.at
            z = base.rooms[flight.stops[0]].z if flight.stops[0] in base.rooms else 0.0
            graph.add_node(name, kind="stairs", xyz=(x, y, z), dwell=flight.climb,
                           capacity=0, room=None)
            for stop in stops:
                (cx, cy, _) = graph.nodes[stop]["xyz"]
                length = float(np.hypot(cx - x, cy - y))
                graph.add_edge(stop, name, length=length)
                graph.add_edge(name, stop, length=length)
    return Network(graph, base.rooms, speed)


def kinds_of(agents: Mapping[str, Agent], stairs: Mapping[str, Staircase], base: Network) -> list[Kind]:
    """The scenario's kinds of movers (``agents``) on the network ``base`` with the scenario's ``stairs``."""
    return [Kind(name, k.count, k.speed, k.acceleration, k.payload, k.home, frozenset(k.containers),
                 kind_network(base, k, stairs, k.speed), k.mass)
            for name, k in agents.items()]


def reachable(kind: Kind, a: str, b: str) -> bool:
    g = kind.net.graph
    return a in g and b in g and nx.has_path(g, a, b)


def check(params: Mapping[str, Any], base: Network) -> None:
    """Each kind's home on its network; every lift on it able to lift the kind's mass and payload; every order a
    kind carries within its payload and between stations its network joins; no container carried by two kinds.
    Errors name the stream's or the kind's key."""
    agents = params.get("agents") or {}
    stairs = NetworkParams.of(params.get("network")).stairs
    kinds = {k.name: k for k in kinds_of({name: Agent.of(a) for name, a in agents.items()}, stairs, base)}
    owner: dict[str, str] = {}
    for name, kind in kinds.items():
        spec = agents[name]
        if kind.home not in kind.net.graph:
            raise _error(spec, "home", f"{name}: home '{kind.home}' is not on its network"
                         + _why(base, spec, kind.home), hint="a station in a room this kind may enter")
        for i, container in enumerate(spec["containers"]):
            if container in owner:
                raise _error(spec["containers"], i, f"{name}: container {container} is carried by {owner[container]}"
                             " already", hint="give each container kind to one kind of mover")
            owner[container] = name
        for lift, rated in kind.net.graph.nodes(data="payload"):
            if rated is not None and rated < kind.mass + kind.payload:
                raise _error(spec, "mass", f"{name}: lift {lift} lifts {rated:g} kg, less than a {name} with its "
                             f"payload ({kind.mass:g} kg + {kind.payload:g} kg)",
                             hint=f"lighter {name}s or a lower payload, or lifts: false to keep them out of lifts")
    legs = [(stream, "to", stream["container"], stream["load"], [(a, b) for a in stream["from"] for b in stream["to"]])
            for stream in params.get("orders") or []]
    batches = params.get("batches")
    if batches:
        route = list(batches["route"])
        legs.append((batches, "route", batches["container"], batches["load"], list(zip(route, route[1:]))))
        if params.get("qc") is not None:   # the sample goes from the store to the lab
            from scenarios.intralogistics.qc import lab_of

            lab = lab_of(params["qc"], [n for n, d in base.graph.nodes(data=True) if d["kind"] == "station"])
            legs.append((params["qc"], "container", lab.container, lab.sample, [(route[-1], lab.station)]))
    for spec, key, container, load, pairs in legs:
        kind = kinds.get(owner.get(container, ""))
        if kind is None:
            continue
        if load > kind.payload:
            raise _error(spec, "load" if "load" in spec else key, f"{kind.name} carries {container}, but {load:g} kg "
                         f"is over its payload of {kind.payload:g} kg",
                         hint=f"raise agents.{kind.name}.payload or let the AGVs carry it")
        for a, b in pairs:
            for start, end in ((kind.home, a), (a, b)):
                if not reachable(kind, start, end):
                    where = end if start in kind.net.graph else start
                    raise _error(spec, key, f"{kind.name} carries {container}, but cannot go from {start} to {end}"
                                 + _why(base, agents[kind.name], where),
                                 hint=f"let the AGVs carry {container}, or open a way for the {kind.name}")
    _check_names(params, base)


def _check_names(params: Mapping[str, Any], base: Network) -> None:
    """What a typo would make silently useless: a grade that is none (the kind would enter the grade meant), a
    container nothing carries (the kind would stand idle), a staircase stop that is no room (dropped), a stop
    twice, a staircase named as a node of the network (it would replace that node in the kind's network), a kind
    whose movers would be named as the AGVs or another kind's."""
    from twin.config import suggest
    from twin.plant.model import GRADES

    grades = sorted({room.grade for room in base.rooms.values() if room.grade} | set(GRADES))
    used = sorted(_containers(params))
    movers = {"AGV": "the AGVs"}   # a mover's name: its kind's in capitals and a number (AGV-01, FORKLIFT-02)
    for name, spec in (params.get("agents") or {}).items():
        if name.upper() in movers:
            raise _error(params["agents"], name, f"the movers of kind '{name}' would be named as those of "
                         f"{movers[name.upper()]} ({name.upper()}-01, ...), their tracks and KPIs mixed",
                         hint="give the kind a name of its own")
        movers[name.upper()] = f"kind '{name}'"
        for i, grade in enumerate(spec.get("avoid") or ()):
            if grade not in grades:   # a GMP grade this plant has no room of is a rule kept for other plants
                raise _error(spec["avoid"], i, f"{name}: '{grade}' is neither a GMP grade nor a grade of a room of "
                             "the network", hint=suggest(grade, grades) or f"one of {', '.join(grades)}")
        for i, container in enumerate(spec["containers"]):
            if container not in used:
                raise _error(spec["containers"], i, f"{name}: nothing carries a container '{container}' (no order "
                             "stream, batch or QC sample), so this kind would stand idle",
                             hint=suggest(container, used) or f"the containers carried: {', '.join(used)}")
    for name, flight in ((params.get("network") or {}).get("stairs") or {}).items():
        if name in base.graph:
            raise _error(params["network"]["stairs"], name, f"stairs '{name}' are named as a "
                         f"{base.graph.nodes[name]['kind']} of the network", hint="give the stairs a name of their "
                         "own, e.g. ST-01")
        for i, stop in enumerate(flight["stops"]):
            if stop not in base.rooms:
                raise _error(flight["stops"], i, f"stairs {name}: '{stop}' is not a room of the network",
                             hint=suggest(stop, base.rooms) or "a stop is a room the stairs join")
            if stop in flight["stops"][:i]:
                raise _error(flight["stops"], i, f"stairs {name} stop at {stop} twice",
                             hint="the rooms the stairs join, one on each floor")


def _containers(params: Mapping[str, Any]) -> set[str]:
    """The kinds of container the scenario moves: its order streams', its batches' and the QC sample's."""
    out = {stream["container"] for stream in params.get("orders") or []}
    if params.get("batches"):
        out.add(params["batches"]["container"])
        if params.get("qc") is not None:
            out.add(params["qc"]["container"])
    return out


def _why(base: Network, spec: Mapping[str, Any], node: str) -> str:
    room = base.graph.nodes[node].get("room") if node in base.graph else None
    grade = base.rooms[room].grade if room in base.rooms else None
    if grade and grade in set(spec.get("avoid") or ()):
        return f" ({node} is in {room}, grade {grade}, which it avoids)"
    return ""


def _error(spec, key, message: str, **kw):
    from twin.config import ConfigError

    if hasattr(spec, "error"):
        return spec.error(key, message, **kw)
    return ConfigError(message, key=str(key), **kw)


class Mover:
    """One forklift or person: where it is, its job, and the time it has been busy."""

    def __init__(self, kind: Kind, number: int) -> None:
        self.kind, self.name, self.place = kind, f"{kind.name.upper()}-{number + 1:02d}", kind.home
        self.job = None
        self.wake = None
        self.busy = 0.0


class Pools:
    """The movers of every kind in the running model ``m`` (a :class:`~scenarios.intralogistics.model.Logistics`)."""

    def __init__(self, m, kinds: list[Kind]) -> None:
        self.m = m
        self.kinds = kinds
        self.of = {c: k for k in kinds for c in k.containers}
        self.movers = {k.name: [Mover(k, i) for i in range(k.count)] for k in kinds}
        self.idle = {k.name: list(self.movers[k.name]) for k in kinds}
        self.pending: dict[str, list] = {k.name: [] for k in kinds}
        self.orders: dict[str, list] = {k.name: [] for k in kinds}
        for movers in self.movers.values():
            for mover in movers:
                mover.wake = m.env.event()
                m.env.process(self.work(mover))

    def take(self, order) -> bool:
        """Give ``order`` to the kind that carries its container (True), or leave it to the AGVs (False)."""
        kind = self.of.get(order.container.rsplit("-", 1)[0])
        if kind is None:
            return False
        self.orders[kind.name].append(order)
        self.pending[kind.name].append(order)
        self.assign(kind)
        return True

    def assign(self, kind: Kind) -> None:
        """Oldest waiting orders first, each to the idle mover nearest its pickup."""
        idle, pending = self.idle[kind.name], self.pending[kind.name]
        while idle and pending:
            order = pending.pop(0)
            mover = min(idle, key=lambda v: kind.net.time(v.place, order.origin))
            idle.remove(mover)
            mover.job, order.assigned = order, self.m.env.now
            mover.wake.succeed()

    def work(self, v: Mover):
        """A mover's life: wait for a job, fetch the load, carry it, become idle again where it is."""
        m = self.m
        env, handling = m.env, m.handling
        while True:
            yield v.wake
            o, start = v.job, env.now
            yield from self.drive(v, o.origin, "", v.kind.mass)
            if o.origin == m.store:
                yield from m.picker(m.store_times[0])
            yield env.timeout(handling.load)
            m.log.append((env.now, o.container, "loaded", v.name, o.holds))
            yield from self.drive(v, o.target, o.container, v.kind.mass + o.load)
            yield env.timeout(handling.unload)
            if o.target == m.store:
                yield from m.picker(m.store_times[1])
            o.delivered = env.now
            m.log.append((env.now, o.container, "stored" if o.target == m.store else "delivered", o.target, o.holds))
            o.done.succeed()
            v.job = None
            v.busy += m.in_window(start, env.now)
            v.wake = env.event()
            self.idle[v.kind.name].append(v)
            self.assign(v.kind)

    def drive(self, v: Mover, target: str, carried: str, mass: float):
        """Drive ``v`` (of ``mass`` kg with its load) to ``target`` on its kind's network, reserving the AGVs'
        zones it crosses from the room before them, booking a lift's car as an AGV does (when at the lift door, with
        its mass) and holding a zone in the model's :class:`~scenarios.intralogistics.traffic.Traffic` so that the
        congestion estimate sees it; logs its waypoints."""
        from scenarios.intralogistics.motion import leg_time

        m, net, traffic = self.m, v.kind.net, self.m.traffic
        env, log = m.env, m.log
        path, metres, _ = net.leg(v.place, target)
        if metres == 0:
            return
        nodes, edges = net.graph.nodes, net.graph.edges
        per_metre = leg_time(metres, v.kind.speed, v.kind.acceleration) / metres
        traffic.expect(v, path, net)   # the AGVs' congestion estimate counts it where it will ask
        log.append((env.now, v.name, "at", path[0], carried))
        ahead, held = 0.0, None
        for i, (u, w) in enumerate(zip(path, path[1:])):
            if nodes[w]["kind"] in ZONES:
                if ahead:
                    yield env.timeout(ahead)
                    ahead = 0.0
                held = yield from traffic.enter(v, u, w, path[i + 2], edges[u, w]["length"] * per_metre,
                                                edges[w, path[i + 2]]["length"] * per_metre, mass, carried)
            else:
                ahead += edges[u, w]["length"] * per_metre
                log.append((env.now + ahead, v.name, "at", w, carried))
                if nodes[u]["kind"] in ZONES:
                    yield env.timeout(ahead)
                    ahead = 0.0
                    traffic.leave(v, u, held)
                elif nodes[w]["kind"] == "stairs":
                    yield env.timeout(ahead + nodes[w]["dwell"])   # the climb
                    ahead = 0.0
                    log.append((env.now, v.name, "at", w, carried))
        if ahead:
            yield env.timeout(ahead)
        v.place = target


def pools(m, params: LogisticsParams) -> Pools | None:
    """The movers of the scenario's ``agents`` in the model ``m``, or None without any."""
    kinds = kinds_of(params.agents, params.network.stairs, m.net)
    return Pools(m, kinds) if kinds else None


def kpis(p: Pools | None, warmup: float, horizon: float) -> dict[str, float]:
    """Per kind: ``<kind>.utilisation`` and ``<kind>.lead_time`` (orders created after the warm-up)."""
    values = {}
    for kind in p.kinds if p is not None else ():
        movers = p.movers[kind.name]
        done = [o.delivered - o.created for o in p.orders[kind.name]
                if o.created >= warmup and o.delivered == o.delivered]
        values[f"{kind.name}.utilisation"] = sum(v.busy for v in movers) / (len(movers) * (horizon - warmup))
        values[f"{kind.name}.lead_time"] = float(np.mean(done)) if done else float("nan")
    return values


def units(p: Pools | None) -> dict[str, str]:
    """The units of :func:`kpis`."""
    return {f"{k.name}.{kpi}": unit for k in (p.kinds if p is not None else ())
            for kpi, unit in (("utilisation", "-"), ("lead_time", "s"))}
