"""Vehicles on a transport network as a run recorded them: the network's nodes and edges, each vehicle's track.

A study whose things move (the intralogistics study's AGVs) leaves two things in its result folder, and the viewer
reads nothing else of it (it never imports the study):

- ``network.json``: the network's nodes with their point (m) and kind, and its edges::

      {"nodes": {"D-02": {"xyz": [12.0, 8.0, 0.0], "kind": "airlock"}, ...}, "edges": [["W01", "D-02"], ...],
       "movers": {"FORKLIFT": {"size": [2.5, 1.2, 2.2]}, ...}}

  ``movers`` (optional) gives the box drawn for the movers named ``FORKLIFT-<number>``.

  Kinds drawn (:data:`viewer.fleet.KINDS`): ``room`` (a hub vehicles cross), ``door``, ``airlock``, ``lift``,
  ``stairs``, ``station``, ``charger``; any other kind is drawn as a station.
- waypoints in ``events.parquet``: rows ``(t, source = vehicle, event = "at", place = node, holds = what it
  carries or "")``, one on reaching each node and one on leaving a node it stood at. Between two waypoints a
  vehicle moves on the straight line at constant speed; before its first it stands at its first node, after its
  last at its last. A ``lift`` node stands for the shaft: a mover gets in at the floor it came from and out at the
  floor it goes to, riding while it stands there. It is drawn loaded between two waypoints that name the same
  load (on a loaded leg), empty while it stands between legs.

>>> data = FleetData.read("results/intralogistics/multipurpose_osd/base")
>>> data.tracks["AGV-03"].at(10 * 3600 + 35 * 60)     # where AGV-03 was at 10:35: (x, y, z) in m
>>> data.tracks["AGV-03"].carrying(38100.0)           # 'IBC-0007', or '' when empty

:mod:`viewer.fleet` draws them.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

NETWORK = "network.json"
WAYPOINT = "at"


@dataclass(frozen=True)
class Track:
    """One vehicle's waypoints: ``times`` (s, ascending), ``points`` ``(n, 3)`` (m), what it ``holds`` after each."""

    times: np.ndarray
    points: np.ndarray
    holds: tuple[str, ...]
    nodes: tuple[str, ...] = ()   # the network's node of each waypoint

    def at(self, t: float) -> np.ndarray:
        """The point at time ``t``: on the line between the waypoints before and after ``t``."""
        after = int(np.searchsorted(self.times, t, side="right"))
        if after == 0 or after == len(self.times):
            return self.points[0 if after == 0 else -1]
        before = after - 1
        share = (t - self.times[before]) / (self.times[after] - self.times[before])
        return self.points[before] + share * (self.points[after] - self.points[before])

    def leg(self, t: float) -> tuple[str, str]:
        """The nodes of the waypoints before and after ``t`` (the same node while the vehicle stands there)."""
        after = int(np.searchsorted(self.times, t, side="right"))
        if after == 0 or after == len(self.times):
            node = self.nodes[0 if after == 0 else -1]
            return node, node
        return self.nodes[after - 1], self.nodes[after]

    def carrying(self, t: float) -> str:
        """What the vehicle carries at ``t``: the load both waypoints around ``t`` name (a loaded leg, its waits
        and dwells included); nothing while it stands between legs."""
        after = int(np.searchsorted(self.times, t, side="right"))
        if 0 < after < len(self.times) and self.holds[after - 1] == self.holds[after]:
            return self.holds[after]
        return ""


@dataclass(frozen=True)
class FleetData:
    """A transport network (nodes' points and kinds, edges) and the vehicles' tracks on it."""

    points: dict[str, np.ndarray]
    kinds: dict[str, str]
    edges: tuple[tuple[str, str], ...]
    tracks: dict[str, Track]
    sizes: dict[str, tuple[float, float, float]] = field(default_factory=dict)   # by name before its number

    def size(self, mover: str, default: tuple[float, float, float]) -> tuple[float, float, float]:
        """The box (length, width, height in m) drawn for ``mover`` (``FORKLIFT-01``: the size of ``FORKLIFT``)."""
        return self.sizes.get(mover.rsplit("-", 1)[0], default)

    @classmethod
    def read(cls, folder: str | Path, replication: int = 0) -> FleetData | None:
        """From a result folder's ``network.json`` and its ``events.parquet`` (one replication); None without a
        network."""
        import pyarrow.parquet as pq

        folder = Path(folder)
        if not (folder / NETWORK).is_file():
            return None
        events = pq.read_table(folder / "events.parquet").to_pydict() if (folder / "events.parquet").is_file() \
            else {}
        rows = [i for i, r in enumerate(events.get("replication", [])) if r == replication] \
            if "replication" in events else range(len(events.get("t", [])))
        return cls.of(folder / NETWORK, *([events[k][i] for i in rows] if k in events else [] for k in
                                          ("t", "source", "event", "place", "holds")))

    @classmethod
    def of(cls, network: Path, t, source, event, place, holds) -> FleetData:
        """From the file ``network`` and the event log's columns (only the waypoint rows are read)."""
        try:
            spec = json.loads(Path(network).read_text(encoding="utf-8"))
            points = {n: np.asarray(d["xyz"], float) for n, d in spec["nodes"].items()}
            kinds = {n: str(d.get("kind", "station")) for n, d in spec["nodes"].items()}
            edges = tuple((str(u), str(v)) for u, v in spec.get("edges", []))
            sizes = {str(k): tuple(float(x) for x in v["size"]) for k, v in spec.get("movers", {}).items()}
            _check_shapes(points, edges, sizes)
        except (json.JSONDecodeError, AttributeError, KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{network}: not a transport network ({type(exc).__name__}: {exc}); expected "
                             '{"nodes": {NAME: {"xyz": [x, y, z], "kind": KIND}}, "edges": [[A, B], ...]}') from None
        rows: dict[str, list] = {}
        holds = holds or [""] * len(t)
        for ti, who, what, node, held in zip(t, source, event, place, holds):
            if what == WAYPOINT:
                if node not in points:
                    raise ValueError(f"{network}: vehicle {who} passes node '{node}' at t = {ti:g} s, which the "
                                     "network does not hold; was the network written by the same run?")
                rows.setdefault(str(who), []).append((float(ti), str(node), "" if held is None else str(held)))
        tracks = {}
        for who, waypoints in sorted(rows.items()):
            waypoints.sort(key=lambda w: w[0])   # stable: waypoints at one instant keep their logged order
            tracks[who] = Track(np.array([w[0] for w in waypoints]), _shaft([w[1] for w in waypoints], points, kinds),
                                tuple(w[2] for w in waypoints), tuple(w[1] for w in waypoints))
        return cls(points, kinds, edges, tracks, sizes)


def _check_shapes(points: dict[str, np.ndarray], edges, sizes: dict[str, tuple]) -> None:
    """A ValueError naming the first node that is not at three finite coordinates, edge that joins a node the
    network does not hold, or mover size that is not three lengths > 0 (an edited or foreign file)."""
    for name, point in points.items():
        if point.shape != (3,) or not np.isfinite(point).all():
            raise ValueError(f"node '{name}' has xyz {point.tolist()}, not three finite numbers")
    for u, v in edges:
        if u not in points or v not in points:
            raise ValueError(f"edge [{u}, {v}] joins '{v if u in points else u}', which is not in nodes")
    for kind, size in sizes.items():
        if len(size) != 3 or not all(np.isfinite(x) and x > 0 for x in size):
            raise ValueError(f"mover {kind} has size {list(size)}, not three lengths > 0 in m")


def _shaft(nodes: list[str], points: dict[str, np.ndarray], kinds: dict[str, str]) -> np.ndarray:
    """The waypoints' points; at a ``lift`` node a mover gets in at the floor (z) of the node before and out at the
    floor of the node after, so it rides while it stands in the lift."""
    out = np.array([points[n] for n in nodes], dtype=float).reshape(-1, 3)
    for i, node in enumerate(nodes):
        if kinds.get(node) == "lift":
            if i and nodes[i - 1] != node:
                out[i, 2] = out[i - 1, 2]
            if i + 1 < len(nodes) and nodes[i + 1] != node:
                out[i, 2] = points[nodes[i + 1]][2]
    return out
