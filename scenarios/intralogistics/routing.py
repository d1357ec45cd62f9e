"""Routing under congestion: the fastest path when some zones are busy (time-dependent shortest paths).

A vehicle planning a leg knows, for each busy zone ``z`` (a door, airlock or lift at capacity, or with a queue), the
seconds ``free[z]`` from now until a place in it frees up for one more vehicle (the model estimates them from the
holders' expected leave times and the queue in front: :meth:`~scenarios.intralogistics.traffic.Traffic.free_in`).
Reaching the room before ``z`` at ``t`` seconds from now, the vehicle waits there until ``max(t, free[z])``; every
other edge takes its static time (length at the fleet's speed plus the dwell of the node it enters)::

    fastest(net, "S0", "S1", {"D0|1": 40.0})     # (('S0', 'R0', 'D0|2', ...), 34.0): the detour beats the wait

``free[z]`` may also be a function of ``t`` that never decreases (:meth:`~scenarios.intralogistics.traffic.Traffic.
admission`: the vehicles driving towards ``z`` that ask for it before ``t`` take their places first).
Arriving later never lets a vehicle leave earlier (``max(t, F(t)) + w`` grows with ``t``: a FIFO network), so Dijkstra
on arrival times is exact (Kaufman and Smith, IVHS Journal 1(1), 1993; Dreyfus, Operations Research 17, 1969). With
no busy zone it is Dijkstra on the static weights: the same route as :meth:`Network.route`, which the tests check
against networkx. The times are planning estimates at constant speed; the drive itself follows the trapezoidal
profile and the zones' real queues.
"""
from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Mapping

import numpy as np

from scenarios.intralogistics.network import Network

#: When a zone admits one more vehicle, in seconds from now: a number, or a function of the time the vehicle asks (the
#: vehicles driving towards the zone that ask before it go first) and the room it asks from (a lift's car may stand at
#: another stop); non-decreasing in that time, so still FIFO
Gate = float | Callable[[float, str], float]


def fastest(net: Network, a: str, b: str, free: Mapping[str, Gate], avoid: frozenset[str] = frozenset()) \
        -> tuple[tuple[str, ...], float]:
    """The path from ``a`` to ``b`` that arrives first when zone ``z`` admits no vehicle before ``free[z]`` seconds
    from now (or, for a gate ``free[z](t)``, before that when the vehicle asks at ``t``), passing no node of
    ``avoid`` (another flow's corridors), and its arrival time (s from now)."""
    best, before = {a: 0.0}, {}
    heap, count = [(0.0, 0, a)], 1
    succ = net.graph.succ
    while heap:
        t, _, u = heapq.heappop(heap)
        if u == b:
            break
        if t > best[u]:
            continue
        for w, data in succ[u].items():
            if w in avoid:
                continue
            arrive = max(t, opens(free, w, t, u)) + net.weight(u, w, data)
            if arrive < best.get(w, math.inf):
                best[w], before[w] = arrive, u
                heapq.heappush(heap, (arrive, count, w))
                count += 1
    if b not in best:
        raise ValueError(f"no path from {a} to {b}")
    path = [b]
    while path[-1] != a:
        path.append(before[path[-1]])
    return tuple(reversed(path)), best[b]


def arrival(net: Network, path: tuple[str, ...], free: Mapping[str, float]) -> float:
    """Seconds from now to the end of ``path`` when zone ``z`` admits no vehicle before ``free[z]``."""
    t = 0.0
    graph = net.graph
    for u, w in zip(path, path[1:]):
        t = max(t, opens(free, w, t, u)) + net.weight(u, w, graph.edges[u, w])
    return t


def opens(free: Mapping[str, Gate], zone: str, t: float, before: str) -> float:
    """Seconds from now until ``zone`` admits a vehicle asking at ``t`` in room ``before`` (0 for a zone not in
    ``free``)."""
    gate = free.get(zone)
    return 0.0 if gate is None else gate(t, before) if callable(gate) else gate


def crossing(net: Network, zone: str) -> float:
    """Nominal seconds a vehicle holds ``zone``: its dwell and the mean edge in and out at the fleet's speed."""
    into = [d["length"] for *_, d in net.graph.in_edges(zone, data=True)]
    out = [d["length"] for *_, d in net.graph.out_edges(zone, data=True)]
    return net.graph.nodes[zone]["dwell"] + (float(np.mean(into)) + float(np.mean(out))) / net.speed
