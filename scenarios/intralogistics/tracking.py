"""Material tracking: where a container was, and what it held, at any time of a replication.

Each container's events (``requested`` at its origin, ``loaded`` onto a vehicle, ``delivered`` or ``stored`` at its
target, ``processing`` at a station, ``quarantine`` and ``released`` for finished goods awaiting QC, ``testing``
and ``retest`` for a QC sample at an instrument or an analyst, :mod:`scenarios.intralogistics.qc`) are rows of the
event log; its place at time ``t`` is the place of its last event at or before ``t``::

    where(run.events, "IBC-0042", 10 * 3600 + 35 * 60)   # Sighting(t=..., status='loaded', place='AGV-03', ...)

Vehicles log a waypoint (``at``: the vehicle, a node of the network, the container it carries) at every node they
pass, on arriving and again on leaving after a wait or a dwell; between two waypoints a vehicle moves on a straight
line at constant speed, as the model spreads a leg's time over its edges by length. So the point where a vehicle, or
a container on it, was at any time follows from the log and the nodes' coordinates::

    position(run.events, net.graph.nodes, "AGV-03", 38100.0)    # (x, y, z) in m; in a lift between its floors
    locate(run.events, net.graph.nodes, "IBC-0042", 38100.0)    # on AGV-03: the vehicle's point; else its station's

``events`` is a :class:`scenarios.registry.Run`'s ``events`` (columns as arrays) or a saved result's event table
as a pandas DataFrame of one replication.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

WAYPOINT = "at"
STATUSES = ("requested", "loaded", "delivered", "stored", "processing", "quarantine", "released", "testing",
            "retest")


@dataclass(frozen=True)
class Sighting:
    """A container's last event at or before the time asked: when, what happened, where, what it held."""

    t: float
    status: str
    place: str
    holds: str


def history(events: Any, container: str) -> list[Sighting]:
    """Every event of ``container``, in time order."""
    source = np.asarray(events["source"], dtype=object)
    rows = np.flatnonzero(source == container)
    status = np.asarray(events["event"], dtype=object)
    place, holds, t = (np.asarray(events[k], dtype=object) for k in ("place", "holds", "t"))
    return [Sighting(float(t[i]), str(status[i]), str(place[i]), str(holds[i])) for i in rows if status[i] in STATUSES]


def where(events: Any, container: str, t: float) -> Sighting | None:
    """Where ``container`` was at time ``t`` (s): its last sighting at or before ``t``, None before its first."""
    seen = [s for s in history(events, container) if s.t <= t]
    return seen[-1] if seen else None


def waypoints(events: Any, vehicle: str) -> tuple[np.ndarray, list[str]]:
    """The times and nodes of ``vehicle``'s waypoints, in time order."""
    source, event = np.asarray(events["source"], dtype=object), np.asarray(events["event"], dtype=object)
    rows = np.flatnonzero((source == vehicle) & (event == WAYPOINT))
    t = np.asarray(events["t"], dtype=float)[rows]
    order = np.argsort(t, kind="stable")    # a waypoint is logged when the leg is planned, perhaps before others
    place = np.asarray(events["place"], dtype=object)[rows][order]
    return t[order], [str(p) for p in place]


def position(events: Any, nodes: Mapping[str, Any], vehicle: str, t: float) -> tuple[float, float, float] | None:
    """Where ``vehicle`` was at time ``t`` (s): on the straight line between its waypoints before and after ``t``,
    in proportion to the time between them; at its first waypoint's node before it (it stood there) and at its
    last after it; None for a vehicle with no waypoint. ``nodes[node]["xyz"]`` gives a node's point (m)."""
    times, places = waypoints(events, vehicle)
    if not len(times):
        return None
    points = riding(nodes, places)
    after = int(np.searchsorted(times, t, side="right"))
    if after == 0 or after == len(times):
        return points[0 if after == 0 else -1]
    before = after - 1
    a, b = points[before], points[after]
    share = (t - times[before]) / (times[after] - times[before])
    return tuple(float(p + share * (q - p)) for p, q in zip(a, b))


def riding(nodes: Mapping[str, Any], places: list[str]) -> list[tuple[float, float, float]]:
    """The points of consecutive waypoints ``places``; a lift's node stands for its shaft: a vehicle gets in at the
    floor of the node before and gets out at the floor of the node after, so it rides up or down while it stands
    in the lift (its first and last waypoint there)."""
    points = [_xyz(nodes, p) for p in places]
    for i, place in enumerate(places):
        if nodes[place].get("kind") != "lift":
            continue
        if i and places[i - 1] != place:                          # getting in: the floor it came from
            points[i] = (*points[i][:2], points[i - 1][2])
        if i + 1 < len(places) and places[i + 1] != place:       # getting out: the floor it goes to
            points[i] = (*points[i][:2], points[i + 1][2])
    return points


def locate(events: Any, nodes: Mapping[str, Any], container: str, t: float) -> tuple[float, float, float] | None:
    """The point where ``container`` was at ``t``: its vehicle's while loaded, else its place's; None before its
    first sighting."""
    seen = where(events, container, t)
    if seen is None:
        return None
    if seen.place in nodes:
        return _xyz(nodes, seen.place)
    return position(events, nodes, seen.place, t)


def _xyz(nodes: Mapping[str, Any], node: str) -> tuple[float, float, float]:
    return tuple(float(c) for c in nodes[node]["xyz"])
