"""The reserved zones (doors, airlocks, lifts) as the vehicles share them, and what a vehicle planning its route
knows of them.

Each zone is a ``Resource`` of its capacity: a vehicle asks for it from the room before it, waits there holding no
zone, and gives it back on reaching the room after it (:meth:`Traffic.enter`, :meth:`Traffic.leave`: the one
protocol AGVs and movers cross by, which keeps them free of deadlock). :class:`Traffic` keeps, beside
the resources, who is inside each zone and until when (recorded at entry: the approach, the dwell and the way out),
who will ask for it and when (:meth:`Traffic.expect`, under ``routing.congestion``) and each lift's car
(:class:`~scenarios.intralogistics.lift.Car`). From these it answers how long a vehicle holds a zone once at its door
(:meth:`Traffic.dwell`), when a zone admits one more (:meth:`Traffic.free_in`, :meth:`Traffic.admission`) and the
route a vehicle takes (:meth:`Traffic.plan`: the static one, or the fastest around the busy zones,
:func:`scenarios.intralogistics.routing.fastest`). The AGVs and the other movers
(:mod:`scenarios.intralogistics.agents`) share one :class:`Traffic`.
"""
from __future__ import annotations

import heapq
import math

from scenarios.intralogistics import routing
from scenarios.intralogistics.lift import Car
from scenarios.intralogistics.network import Network


class Traffic:
    """The zones of one replication on the network ``net``: a ``Resource`` each (``zones``), their holders' leave
    times (``inside``: zone -> vehicle -> s), the vehicles' expected asks (``coming``: zone -> vehicle -> s), each
    zone's nominal crossing (``holds``, s) and the lifts' cars (``cars``); ``congestion``: routes around busy zones.
    Crossings are logged to the model's ``log``."""

    def __init__(self, des, env, net: Network, congestion: bool, log: list[tuple]) -> None:
        self.env, self.net, self.congestion, self.log = env, net, congestion, log
        self.zones = {z: des.Resource(env, capacity=net.graph.nodes[z]["capacity"]) for z in net.zones()}
        self.cars: dict[str, Car] = {}   # lift -> its car
        self.inside: dict[str, dict[str, float]] = {z: {} for z in self.zones}   # zone -> vehicle -> leaves at
        self.holds = {z: routing.crossing(net, z) for z in self.zones}
        self.coming: dict[str, dict[str, float]] = {z: {} for z in self.zones}   # zone -> vehicle -> asks at

    def enter(self, v, before: str, zone: str, after: str, approach: float, leave: float, mass: float,
              carried: str):
        """``v`` (a vehicle or mover, of ``mass`` kg with its load ``carried``) standing in room ``before`` asks for
        ``zone`` and waits there for a place, then drives ``approach`` s to it and holds it for its :meth:`dwell`
        towards room ``after``, which it expects to reach ``leave`` s after; logs ``wait``, ``enter`` and its
        waypoints. Returns the place, for :meth:`leave` on reaching ``after``."""
        env, log = self.env, self.log
        self.coming[zone].pop(v.name, None)   # in its queue from now
        request = self.zones[zone].request()
        log.append((env.now, v.name, "wait", zone, ""))
        asked = env.now
        yield request
        log.append((env.now, v.name, "enter", zone, ""))
        if env.now > asked:
            log.append((env.now, v.name, "at", before, carried))   # waited in the room until now
        dwell = self.dwell(zone, before, after, env.now + approach, mass)
        log.append((env.now + approach, v.name, "at", zone, carried))
        self.inside[zone][v.name] = env.now + approach + dwell + leave
        yield env.timeout(approach + dwell)
        if dwell:
            log.append((env.now, v.name, "at", zone, carried))   # out of the airlock or lift
        return request

    def leave(self, v, zone: str, request) -> None:
        """``v`` has reached the room after ``zone``: its place there is free again."""
        self.zones[zone].release(request)
        del self.inside[zone][v.name]
        self.log.append((self.env.now, v.name, "leave", zone, ""))

    def dwell(self, zone: str, before: str, after: str, ready: float | None = None, mass: float = 0.0) -> float:
        """Seconds held in ``zone`` once at its door (at ``ready``, default now) from room ``before`` towards room
        ``after``: an airlock's cycle; for a lift, the wait for its car and the ride (:class:`~scenarios.
        intralogistics.lift.Car`: rides shared up to the capacity and payload, an empty ride to a caller)."""
        node = self.net.graph.nodes[zone]
        if node["kind"] != "lift":
            return node["dwell"]
        ready = self.env.now if ready is None else ready
        car = self.cars.setdefault(zone, Car())
        return car.call(before, after, ready, mass, node["dwell"], node["capacity"],
                        node.get("payload") or math.inf) - ready

    def free_in(self, zone: str) -> float:
        """Seconds from now until ``zone`` admits one more vehicle: the first of its :meth:`places` to free."""
        return self.places(zone)[0]

    def places(self, zone: str) -> list[float]:
        """A heap of the seconds from now until each place of ``zone`` frees: its holders leave at the times they
        entered with, each vehicle queued in front takes the next free place for the zone's nominal crossing."""
        now, hold = self.env.now, self.holds[zone]
        places = [max(0.0, t - now) for t in self.inside[zone].values()]
        places += [0.0] * (self.zones[zone].capacity - len(places))
        heapq.heapify(places)
        for _ in range(len(self.zones[zone].queue)):
            heapq.heappush(places, heapq.heappop(places) + hold)
        return places

    def admission(self, zone: str):
        """None if ``zone`` admits a vehicle whenever it comes (a free place, no queue, nobody driving towards it, for a
        lift no car to wait for); else the gate ``(t, before) -> s`` of :func:`~scenarios.intralogistics.routing.
        fastest`: seconds from now until a vehicle asking at ``t`` s from now in room ``before`` may go on, after the
        holders, the queue and the vehicles that will ask before ``t`` on their routes (:meth:`expect`) have each
        taken the next free place for the nominal crossing, and, at a lift, so that it reaches the door when the car
        can leave from ``before``: free from its booked trips and, standing at another stop, after an empty ride."""
        now, hold = self.env.now, self.holds[zone]
        places = self.places(zone)
        coming = sorted(t - now for t in self.coming[zone].values())
        car = self.cars.get(zone)
        if car is not None and car.at is None:
            car = None                   # never called: it waits at whichever stop is called first
        if places[0] == 0 and not coming and car is None:
            return None
        node, graph = self.net.graph.nodes[zone], self.net.graph

        def gate(t: float, before: str | None = None) -> float:
            free = list(places)
            for c in coming:
                if c >= t:
                    break
                heapq.heappush(free, max(heapq.heappop(free), c) + hold)
            if car is None or before is None:
                return free[0]
            leaves = max(car.free - now, 0.0) + (node["dwell"] if car.at != before else 0.0)
            approach = self.net.weight(before, zone, graph.edges[before, zone]) - node["dwell"]
            return max(free[0], leaves - approach)
        return gate

    def expect(self, v, path: tuple[str, ...] = (), net: Network | None = None) -> None:
        """Under ``routing.congestion``: ``v`` (a vehicle or a mover on its kind's ``net``) will ask for each zone of
        ``path`` when it reaches the room before it, at the static times from now (the other vehicles'
        :meth:`admission` count it); ``()`` forgets its route."""
        if not self.congestion:
            return
        for zones in self.coming.values():
            zones.pop(v.name, None)
        net = net or self.net
        t, graph = self.env.now, net.graph
        for u, w in zip(path, path[1:]):
            if w in self.coming:
                self.coming[w][v.name] = t
            t += net.weight(u, w, graph.edges[u, w])

    def plan(self, a: str, b: str, current: tuple[str, ...] | None = None, flow: str | None = None) \
            -> tuple[str, ...]:
        """The route from ``a`` to ``b`` for a container of ``flow``: the static one, or under ``routing.congestion``
        the fastest given the busy zones' holders, queues and the vehicles driving towards them
        (:meth:`admission`, :func:`~scenarios.intralogistics.routing.fastest`), keeping ``current`` (else the static
        route) unless another path arrives strictly earlier."""
        path = current or self.net.route(a, b, flow)
        if not self.congestion:
            return path
        gates = {z: g for z in self.zones if (g := self.admission(z)) is not None}
        if not any(z in gates for z in path):
            return path      # no wait on it: no path arrives earlier
        best, t = routing.fastest(self.net, a, b, gates, self.net.avoid(flow))
        return best if t < routing.arrival(self.net, path, gates) - 1e-9 else path
