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
no stairs, and a kind's payload bounds its loads: :func:`scenarios.intralogistics.checks.check_agents` refuses an
order it could not carry or reach).

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

import networkx as nx
import numpy as np

from scenarios.intralogistics.network import ZONES, Network
from scenarios.intralogistics.params import Agent, LogisticsParams, Staircase
from twin.config import Boolean, Integer, ListOf, MapOf, Quantity, Record, Str

STAIRS = Record({"stops": ListOf(Str(), min_items=2).described("the rooms they join, one per storey"),
                 "at": ListOf(Quantity("m", "12 m", minimum=None), min_items=2, max_items=2).described(
                     "where they stand (x, y)"),
                 "climb": Quantity("s", "30 s").described("one flight up or down")},
                required=("stops", "at"), defaults={"climb": 30.0}, name="a staircase")
KIND = Record({"count": Integer(minimum=1).described("how many movers of this kind"),
               "speed": Quantity("m/s", "1.2 m/s", positive=True).described("walking or driving speed"),
               "acceleration": Quantity("m/s**2", "1 m/s**2", positive=True).described("acceleration and braking"),
               "payload": Quantity("kg", "25 kg", positive=True).described("the heaviest load one carries"),
               "home": Str().described("the station they start at"),
               "containers": ListOf(Str(), min_items=1).described("the container kinds they carry instead of the "
                                                                  "AGVs"),
               "avoid": ListOf(Str()).described("room grades they never enter"),
               "stairs": Boolean().described("they take the stairs of network.stairs"),
               "lifts": Boolean().described("they take the lifts"),
               "size": ListOf(Quantity("m", "1.8 m", positive=True), min_items=3, max_items=3).described(
                   "the box the viewer draws: length, width, height"),
               "mass": Quantity("kg", "3 t").described("one's own mass (with its load, against a lift's payload)")},
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
