"""Material tracking: where a container was, and what it held, at any time of a replication.

Each container's events (``requested`` at its origin, ``loaded`` onto a vehicle, ``delivered`` or ``stored`` at its
target, ``processing`` at a station, ``quarantine`` and ``released`` for finished goods awaiting QC) are rows of the
event log; its place at time ``t`` is the place of its last event at or before ``t``::

    where(run.events, "IBC-0042", 10 * 3600 + 35 * 60)   # Sighting(t=..., status='loaded', place='AGV-03', ...)

``events`` is a :class:`scenarios.registry.Run`'s ``events`` (columns as arrays) or a saved result's event table
as a pandas DataFrame of one replication.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

STATUSES = ("requested", "loaded", "delivered", "stored", "processing", "quarantine", "released")


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
