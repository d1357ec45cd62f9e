"""The intralogistics model: AGVs carry containers between stations on the plant's navigation graph (DES).

Transport orders arrive as Poisson streams (``orders``) and from the production schedule (``batches``: a kit from
the warehouse before each batch, an IBC between stations after each step, finished goods back to the warehouse).
A dispatcher (:mod:`scenarios.intralogistics.dispatch`) gives waiting orders to idle vehicles. A vehicle drives
empty to the pickup, waits for the warehouse's picker if the order comes from the store, loads, drives loaded,
unloads (a put-away at the store), then charges if its battery is low and, with ``park: home``, drives home.
A vehicle takes a job only with the energy for it and for the drive on to the charger nearest its drop (a reserve
that keeps it able to reach a charger); short of that it charges first. A leg that still runs the battery below
zero (a plan :mod:`~scenarios.intralogistics.checks` refuses) logs ``flat``.

Driving follows the route of :class:`~scenarios.intralogistics.network.Network`, or with ``routing.congestion`` the
fastest path given the queues at busy zones when the leg starts (and again in every room with ``replan: room``;
:mod:`scenarios.intralogistics.routing`); a changed route logs ``detour``. Each leg starts and ends at rest
(``d/v + v/a`` for a leg long enough to reach speed ``v`` at acceleration ``a``, ``2 sqrt(d/a)`` otherwise), spread
over its edges by length. A lift has one car (:mod:`scenarios.intralogistics.lift`): called from another floor than
the one it is at, it first rides there empty (one more ride time); vehicles waiting at one stop ride together, up to
the lift's capacity and payload. Doors, airlocks and lifts are reserved zones (a ``Resource`` of the zone's
capacity, :mod:`scenarios.intralogistics.traffic`); a vehicle asks for the next zone from the room before it and
gives it back on reaching the room after it. No deadlock: a vehicle waits only in a room, holding no zone (every
zone lies between two rooms), and each holder leaves its zone in a finite time; so no cycle of vehicles each holding
what the next one waits for can form.

Every container's place and status is an event (``source`` = container, ``event``, ``place``, ``holds``); zones
log ``wait``/``enter``/``leave`` with the vehicle as ``source``; :mod:`scenarios.intralogistics.outcome` turns the
finished replication into KPIs. The parameters are :class:`~scenarios.intralogistics.params.LogisticsParams`.
Times in seconds, energies in joules.
"""
from __future__ import annotations

import heapq
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

import twin.des
from scenarios.intralogistics import agents, dispatch, qc
from scenarios.intralogistics.motion import leg_time, nearest, need
from scenarios.intralogistics.network import ZONES, Network, network_of
from scenarios.intralogistics.outcome import outcome
from scenarios.intralogistics.params import Batches, LogisticsParams, Stream
from scenarios.intralogistics.traffic import Traffic
from scenarios.registry import Run


@dataclass(slots=True)
class Order:
    """One transport order: a container from ``origin`` to ``target`` (graph nodes), wanted by ``due``."""

    number: int
    origin: str
    target: str
    load: float
    created: float
    due: float
    container: str
    holds: str
    flow: str | None = None   # clean or dirty: the corridors it may not cross (network.avoid)
    assigned: float = math.nan
    delivered: float = math.nan
    done: Any = None  # the event a batch waits on


class Vehicle:
    """An AGV: where it is, its battery, what it has done, and its ``wake`` event while idle."""

    def __init__(self, number: int, place: str, battery: float) -> None:
        self.name, self.place, self.battery = f"AGV-{number + 1:02d}", place, battery
        self.job: Order | None = None
        self.wake = None
        self.zone_request = None  # the reservation of the zone it is in
        self.until, self.frees = math.inf, place   # when and where it will be free, once sure (cpsat dispatcher)
        self.busy = self.charging = self.empty_m = self.loaded_m = self.energy = 0.0


class Logistics:
    """One replication: the fleet, the dispatcher, the order streams, the schedule and what they record."""

    def __init__(self, params: LogisticsParams | Mapping[str, Any], seed: np.random.SeedSequence,
                 network: Network | None = None, des=twin.des) -> None:
        if not isinstance(params, LogisticsParams):
            params = LogisticsParams.of(params)
        self.des, self.env = des, des.Environment()
        self.net = network or network_of(params)
        self.p = p = params
        self.fleet, self.handling = p.fleet, p.handling
        self.warmup, self.horizon = p.warmup, p.horizon
        self.rule, self.window = p.dispatch.rule, p.dispatch.window
        self.plan_seconds = p.dispatch.effort
        self.lateness = p.dispatch.objective == "lateness"   # what cpsat minimises
        battery = self.fleet.battery
        self.capacity = battery.capacity if battery else math.inf
        self.vehicles = [Vehicle(i, self.fleet.home, self.capacity) for i in range(self.fleet.vehicles)]
        self.idle = list(self.vehicles)
        self.pending: list[Order] = []
        self.orders: list[Order] = []
        self.log: list[tuple] = []   # (t, source, event, place, holds)
        self.traffic = Traffic(des, self.env, self.net, p.routing.congestion, self.log)   # zones and routes
        self.cleaning = self.fleet.cleaning
        self.replan = p.routing.congestion and p.routing.replan == "room"
        self.chargers = {c: des.Resource(self.env, capacity=1) for c in (battery.chargers if battery else [])}
        store = p.warehouse
        self.store = store.station if store else None
        self.pickers = des.Resource(self.env, capacity=store.pickers) if store else None
        self.store_times = (store.pick, store.put_away) if store else (0.0, 0.0)
        self.counters: dict[str, int] = {}
        self.starved = 0.0
        self.samples: list[tuple] = []
        rng = np.random.default_rng(seed)
        for k, stream in enumerate(p.orders):
            self.env.process(self.poisson(stream, np.random.default_rng(rng.integers(2**63) + k)))
        if p.batches:
            self.stations = {t: des.Resource(self.env, capacity=1) for t in p.batches.route[1:-1]}
            self.env.process(self.schedule(p.batches))
        lab = qc.lab_of(p.qc, [n for n, d in self.net.graph.nodes(data=True) if d["kind"] == "station"])
        self.lab = qc.QCLab(self, lab, seed) if lab else None   # releases from quarantine
        self.agents = agents.pools(self, p)   # forklifts, people: the orders of the containers they carry
        for vehicle in self.vehicles:
            vehicle.wake = self.env.event()
            self.env.process(self.drive_loop(vehicle))
        self.env.process(self.sample(p.trace_interval))

    # -- orders -----------------------------------------------------------------------------------------------------
    def container(self, kind: str) -> str:
        """A new container's name: ``IBC-0042`` is the 42nd IBC."""
        n = self.counters[kind] = self.counters.get(kind, 0) + 1
        return f"{kind}-{n:04d}"

    def order(self, origin: str, target: str, load: float, due: float, container: str, holds: str = "",
              flow: str | None = None) -> Order:
        """A transport order of the container named ``container``, logged as its request and dispatched."""
        o = Order(len(self.orders), origin, target, load, self.env.now, due, container, holds, flow)
        o.done = self.env.event()
        self.orders.append(o)
        self.log.append((self.env.now, o.container, "requested", origin, holds))
        if self.agents is None or not self.agents.take(o):   # a forklift's or a person's, else the AGVs'
            self.pending.append(o)
            self.dispatch()
        return o

    def poisson(self, stream: Stream, rng: np.random.Generator):
        """Orders from a random ``from`` station to a random ``to`` station, exponential gaps of mean ``every``."""
        sources, targets = stream.origins, stream.targets
        while True:
            yield self.env.timeout(rng.exponential(stream.every))
            a = sources[rng.integers(len(sources))]
            b = targets[rng.integers(len(targets))]
            self.order(a, b, stream.load, self.env.now + stream.due, self.container(stream.container),
                       flow=stream.flow)

    def schedule(self, spec: Batches):
        """Release a batch every ``every`` from ``start``; its kit is ordered ``lead`` before the batch is due."""
        number = 0
        yield self.env.timeout(max(0.0, spec.start - spec.lead))
        while True:
            self.env.process(self.batch(number, spec.route, spec))
            number += 1
            yield self.env.timeout(spec.every)

    def batch(self, number: int, route: tuple[str, ...], spec: Batches):
        """One batch: transported along ``route``, processed at each station between its ends."""
        due = self.env.now + spec.lead
        container = self.container(spec.container)
        for k, (a, b) in enumerate(zip(route, route[1:])):
            holds = f"batch {number}" + (f" after {a}" if k else " kit")
            order = self.order(a, b, spec.load, due, container, holds, spec.flow)
            yield order.done
            if k + 1 == len(route) - 1:
                yield from qc.release(self, order.container, b, holds, spec.release)   # finished goods in quarantine
                return
            station = self.stations[b]
            if station.count == 0 and not station.queue and self.env.now > due >= self.warmup:
                self.starved += self.env.now - due
            with station.request() as turn:
                yield turn
                self.log.append((self.env.now, order.container, "processing", b, holds))
                yield self.env.timeout(spec.process[b])
            due = self.env.now + spec.allowance

    def dispatch(self) -> None:
        """Hand waiting orders to idle vehicles by the scenario's rule, among the first orders it would look at
        (the oldest, or the earliest due for ``due``: as many as the window or the idle vehicles)."""
        if not self.idle or not self.pending:
            return
        if self.rule == "cpsat":
            chosen = self.rolling()
        else:
            k = max(self.window, len(self.idle))
            if self.rule == "due":
                candidates = heapq.nsmallest(k, self.pending, key=lambda o: (o.due, o.number))
            else:
                candidates = self.pending[:k]
            time = self.net.time
            cost = np.array([[time(v.place, o.origin) for o in candidates] for v in self.idle])
            pairs = dispatch.assign(self.rule, cost, [o.due for o in candidates], self.window)
            chosen = [(self.idle[i], candidates[j]) for i, j in pairs]
        now = self.env.now
        for vehicle, order in chosen:
            vehicle.job, order.assigned = order, now
            vehicle.wake.succeed()
        taken = {o.number for _, o in chosen}
        busy = {id(v) for v, _ in chosen}
        self.idle = [v for v in self.idle if id(v) not in busy]
        self.pending = [o for o in self.pending if o.number not in taken]

    def service(self, o: Order) -> float:
        """Nominal seconds from reaching ``o``'s pickup to its delivery: picking, loading, the loaded leg, unloading
        and putting away."""
        h = self.handling
        return (h.load + h.unload + self.net.time(o.origin, o.target, o.flow)
                + (self.store_times[0] if o.origin == self.store else 0.0)
                + (self.store_times[1] if o.target == self.store else 0.0))

    def rolling(self) -> list[tuple[Vehicle, Order]]:
        """The ``cpsat`` rule: plan the window's oldest orders over the vehicles that could reach one of them among
        the first three (idle ones where they stand, unloading ones where and when they will be free;
        :mod:`scenarios.intralogistics.cpsat`); dispatch what starts now."""
        from scenarios.intralogistics import cpsat

        now, time, window = self.env.now, self.net.time, self.window
        orders = self.pending[:window]
        free = {id(v) for v in self.idle}
        fleet = self.idle + [v for v in self.vehicles if id(v) not in free and v.until < math.inf]
        ready = np.array([0.0 if id(v) in free else max(0.0, v.until - now) for v in fleet])
        where = [v.place if id(v) in free else v.frees for v in fleet]
        reach = ready[:, None] + np.array([[time(p, o.origin) for o in orders] for p in where])
        keep = sorted(set(np.argsort(reach, axis=0, kind="stable")[:3].ravel().tolist()))
        idle = [k for k in keep if id(fleet[k]) in free]
        if not idle:
            return []
        if len(orders) == 1:     # the optimum is the vehicle that gets there first (idle ones first on ties)
            k = int(np.argmin(reach[keep, 0]))
            return [(fleet[keep[k]], orders[0])] if k < len(idle) else []
        h = cpsat.Horizon(ready=ready[keep], empty=reach[keep] - ready[keep, None],
                          between=np.array([[time(a.target, b.origin) for b in orders] for a in orders]),
                          service=np.array([self.service(o) for o in orders]),
                          due=np.array([o.due - now for o in orders]) if self.lateness else None)
        cost = h.empty[:len(idle)]      # the idle vehicles come first in ``fleet``, so first in ``keep``
        rules = [cpsat.complete(h, dispatch.assign(rule, cost, [o.due for o in orders], window))
                 for rule in ("fifo", "nearest", "due", "optimised")]
        plan = cpsat.solve(h, min(rules, key=lambda p: cpsat.cost(h, p)), self.plan_seconds)
        return [(fleet[keep[i]], orders[plan[i][0]]) for i in range(len(idle)) if plan[i]]

    # -- vehicles ---------------------------------------------------------------------------------------------------
    def drive_loop(self, v: Vehicle):
        """A vehicle's life: wait for a job, do it, charge when low, go home if told, become idle again."""
        env, handling = self.env, self.handling
        while True:
            yield v.wake
            o, start = v.job, env.now
            wash = self.cleaning if o.flow == "dirty" else None    # a vehicle is cleaned after a dirty load
            legs = [(v.place, o.origin, False), (o.origin, o.target, True, o.flow)]
            if wash:
                legs.append((o.target, wash.station, False))
            if self.short(v, *legs):
                yield from self.charge(v)   # the job would leave too little to reach a charger: charge first
            yield from self.drive(v, o.origin, loaded=False)
            if o.origin == self.store:
                yield from self.picker(self.store_times[0])
            yield env.timeout(handling.load)
            self.log.append((env.now, o.container, "loaded", v.name, o.holds))
            yield from self.drive(v, o.target, loaded=True, flow=o.flow)
            if o.target != self.store and not wash:   # only the unloading left (no picker to queue for): a sure end
                v.until, v.frees = env.now + handling.unload, o.target
            yield env.timeout(handling.unload)
            if o.target == self.store:
                yield from self.picker(self.store_times[1])
            o.delivered = env.now
            self.log.append((env.now, o.container, "stored" if o.target == self.store else "delivered", o.target,
                             o.holds))
            o.done.succeed()
            v.job, v.until = None, math.inf
            if wash:
                yield from self.drive(v, wash.station, loaded=False)
                yield env.timeout(wash.time)
                self.log.append((env.now, v.name, "cleaned", wash.station, ""))
            home = self.fleet.park == "home" and v.place != self.fleet.home
            if self.chargers and (v.battery < self.fleet.battery.low * self.capacity
                                  or home and self.short(v, (v.place, self.fleet.home, False))):
                yield from self.charge(v)
            if home:
                yield from self.drive(v, self.fleet.home, loaded=False)
            v.busy += self.in_window(start, env.now)
            v.wake = env.event()
            self.idle.append(v)
            self.dispatch()

    def picker(self, duration: float):
        with self.pickers.request() as turn:
            yield turn
            yield self.env.timeout(duration)

    def short(self, v: Vehicle, *legs: tuple[str, str, bool]) -> bool:
        """Whether ``v``'s battery is too low to drive ``legs`` (from, to, loaded) and then reach the charger nearest
        the last stop: the reserve that keeps every vehicle able to reach a charger after any job."""
        return bool(self.chargers) and v.battery < need(self.net, self.fleet, list(self.chargers), legs)

    def affords(self, v: Vehicle, battery: float, joules: float, target: str, loaded: bool) -> bool:
        """Whether ``battery`` covers ``joules`` to ``target`` and what the job needs after it: the loaded leg if
        ``target`` is the pickup, and the drive on to the charger nearest the drop (the reserve of :meth:`short`)."""
        if not self.chargers:
            return True
        o, chargers = v.job, list(self.chargers)
        if not loaded and o is not None and target == o.origin:
            return battery >= joules + need(self.net, self.fleet, chargers, ((o.origin, o.target, True, o.flow),))
        return battery >= joules + need(self.net, self.fleet, chargers, ((target, target, False),))

    def charge(self, v: Vehicle):
        """Drive to the nearest charging point, queue for it, charge to full."""
        point = nearest(self.net, list(self.chargers), v.place)
        yield from self.drive(v, point, loaded=False)
        with self.chargers[point].request() as turn:
            yield turn
            self.log.append((self.env.now, v.name, "charge", point, ""))
            duration = (self.capacity - v.battery) / self.fleet.battery.power
            v.charging += self.in_window(self.env.now, self.env.now + duration)
            yield self.env.timeout(duration)
            v.battery = self.capacity

    def drive(self, v: Vehicle, target: str, loaded: bool, flow: str | None = None):
        """Drive ``v`` to ``target`` along its route (for a load of ``flow``), reserving each zone from the room before
        it; with ``routing.replan: room`` the rest of the route is planned again in every room on the way."""
        env, net, traffic = self.env, self.net, self.traffic
        power = self.fleet.power.draw(loaded)
        traffic.expect(v)                   # its own last route is not in the way of its plan
        static, path = net.route(v.place, target, flow), traffic.plan(v.place, target, flow=flow)
        if path != static and not self.affords(v, v.battery, power * leg_time(
                net.metres(path), self.fleet.speed, self.fleet.acceleration), target, loaded):
            path = static                # a detour the battery could not afford
        if path != static:
            self.log.append((env.now, v.name, "detour", v.place, ""))
        traffic.expect(v, path)
        metres = net.metres(path)
        if metres == 0:
            return
        nodes, edges = net.graph.nodes, net.graph.edges
        per_metre = leg_time(metres, self.fleet.speed, self.fleet.acceleration) / metres
        moving = 0.0
        ahead = 0.0
        driven = 0.0
        log, carried = self.log, v.job.container if loaded else ""
        mass = self.fleet.mass + (v.job.load if loaded else 0.0)
        log.append((env.now, v.name, "at", path[0], carried))   # waypoints: straight lines between them in time
        i = -1
        while i + 2 < len(path):
            i += 1
            u, w = path[i], path[i + 1]
            if self.replan and i and nodes[u]["kind"] == "room":
                if ahead:
                    yield env.timeout(ahead)     # plan from the room when the vehicle is there
                    moving, ahead = moving + ahead, 0.0
                traffic.expect(v)
                rest = traffic.plan(u, target, path[i:], flow)
                if rest != path[i:] and self.affords(v, v.battery - power * moving,
                                                     power * per_metre * net.metres(rest), target, loaded):
                    log.append((env.now, v.name, "detour", u, ""))
                    path = path[:i] + rest
                    u, w = path[i], path[i + 1]
                traffic.expect(v, path[i:])
            driven += edges[u, w]["length"]
            if nodes[w]["kind"] in ZONES:
                if ahead:
                    yield env.timeout(ahead)
                    moving, ahead = moving + ahead, 0.0
                approach = edges[u, w]["length"] * per_metre
                v.zone_request = yield from traffic.enter(v, u, w, path[i + 2], approach,
                                                          edges[w, path[i + 2]]["length"] * per_metre, mass, carried)
                moving += approach
            else:
                ahead += edges[u, w]["length"] * per_metre
                log.append((env.now + ahead, v.name, "at", w, carried))
                if nodes[u]["kind"] in ZONES:
                    yield env.timeout(ahead)
                    moving, ahead = moving + ahead, 0.0
                    traffic.leave(v, u, v.zone_request)
        if ahead:
            yield env.timeout(ahead)
            moving += ahead
        v.place = target
        v.battery -= power * moving
        if v.battery < -1e-6 * self.capacity:   # flagged: only a plan the check would refuse gets here
            self.log.append((env.now, v.name, "flat", target, ""))
        if env.now >= self.warmup:
            v.energy += power * moving
            if loaded:
                v.loaded_m += driven
            else:
                v.empty_m += driven

    # -- statistics -------------------------------------------------------------------------------------------------
    def in_window(self, t0: float, t1: float) -> float:
        return max(0.0, min(t1, self.horizon) - max(t0, self.warmup))

    def sample(self, interval: float):
        while True:
            batteries = [v.battery for v in self.vehicles]
            self.samples.append((self.env.now, len(self.pending), len(self.vehicles) - len(self.idle),
                                 float(np.mean(batteries)) if batteries else 0.0))
            yield self.env.timeout(interval)

    def run(self) -> Run:
        self.env.run(until=self.horizon)
        return outcome(self)


def simulate(params: Mapping[str, Any], seed: np.random.SeedSequence) -> Run:
    """One replication of the scenario's fleet on its plant (resolved parameters, SI units)."""
    return Logistics(params, seed).run()
