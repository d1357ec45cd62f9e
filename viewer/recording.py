"""A run as the viewer replays it: every tag's trace and the event log, read at any time (sample and hold).

>>> rec = Recording.from_result(result)                 # a twin.result.Result in memory
>>> rec = Recording.from_folder("results/base")         # a result folder written by ``twin run``
>>> rec.at("R-101.state", 3600.0), rec.events_until(3600.0)[-1]
>>> rec.fleet.tracks["AGV-03"].at(3600.0)             # a vehicle's point, when the folder holds a network.json

A folder with a transport network (:mod:`viewer.tracks`) keeps its vehicles' waypoints in :attr:`Recording.fleet`
rather than in the event list.

A tag's value at ``t`` is its last recorded value at or before ``t`` (NaN / None before the first one), as
:meth:`twin.result.Result.table` reads traces.
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from twin.config import ConfigError, suggest, suggest_file
from twin.plant import Plant
from viewer import tracks
from viewer.tracks import FleetData

EVENT_STATES = {"start": "running", "end": "idle", "breakdown": "down", "repaired": "idle", "failure": "down",
                "trip": "alarm", "alarm": "alarm"}


def states_from_events(times, sources, names) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """``ASSET.state`` traces from an event log's ``(t, source, event)`` rows: a ``start`` makes its source
    running, an ``end`` idle, a ``breakdown`` down, a ``trip`` alarm (see :data:`EVENT_STATES`); sources with no
    such event (the line's ``released``) get none."""
    per_source: dict[str, list[tuple[float, str]]] = {}
    for t, source, name in zip(times, sources, names, strict=True):
        state = EVENT_STATES.get(str(name).lower())
        if state is not None:
            per_source.setdefault(str(source), []).append((float(t), state))
    out = {}
    for source, rows in per_source.items():
        rows.sort(key=lambda row: row[0])  # stable: events at one instant keep their logged order
        out[f"{source}.state"] = (np.array([r[0] for r in rows]), np.array([r[1] for r in rows], dtype=object))
    return out


@dataclass
class Recording:
    """``traces``: ``{tag: (times, values)}`` with times ascending; ``events``: ``[(t, text)]`` in time order."""

    traces: dict[str, tuple[np.ndarray, np.ndarray]]
    events: list[tuple[float, str]] = field(default_factory=list)
    units: dict[str, str] = field(default_factory=dict)
    plant_file: Path | None = None
    name: str = "run"
    fleet: FleetData | None = None   # vehicles on a transport network, when the run moved any (viewer.tracks)

    @classmethod
    def from_result(cls, result, name: str = "run") -> Recording:
        """From a :class:`twin.result.Result` (or anything with a ``tags`` TagBus and an ``event_log``)."""
        recording = cls.from_bus(result.tags, name=name)
        recording.events = [(float(t), f"{kind}: {text}") for t, text, kind in getattr(result, "event_log", [])]
        return recording

    @classmethod
    def from_bus(cls, bus, name: str = "live") -> Recording:
        """From the history a :class:`twin.tags.TagBus` has recorded."""
        traces, units = {}, {}
        for tag in bus:
            t, v, _ = bus.history(tag)
            traces[tag], units[tag] = (t, v), bus[tag].unit
        return cls(traces, units=units, name=name)

    @classmethod
    def from_folder(cls, folder: str | Path, replication: int = 0) -> Recording:
        """From a result folder (``traces.parquet``, ``events.parquet``, ``scenario.yaml``), one replication; the
        assets' ``state`` is derived from the event log (:func:`states_from_events`) unless a trace holds it."""
        import pyarrow.parquet as pq

        from twin import config

        folder = Path(folder)
        traces_file = folder / "traces.parquet"
        if not traces_file.is_file():
            raise ConfigError("not a result folder with traces (no traces.parquet)", file=folder,
                              hint="give a folder written by `twin run`, or a plant file to view the plant alone"
                              if folder.is_dir() else suggest_file(folder))
        table = pq.read_table(traces_file).to_pydict()
        rows = np.asarray(table.pop("replication", np.zeros(len(table["t"]))))
        available = sorted(set(rows.tolist()))
        if replication not in available:
            raise ValueError(f"{folder}: no replication {replication}; the folder holds replications {available}")
        keep = rows == replication
        t = np.asarray(table.pop("t"), float)[keep]
        traces = {tag: (t, np.asarray(values, dtype=object if isinstance(values[0], str) else float)[keep])
                  for tag, values in table.items()}
        events, moving = [], None
        if (folder / tracks.NETWORK).is_file() and not (folder / "events.parquet").is_file():
            raise ValueError(f"{folder}: a transport network ({tracks.NETWORK}) but no events.parquet: the vehicles' "
                             "waypoints are missing (was the folder copied in part?); run the scenario again")
        if (folder / "events.parquet").is_file():
            ev = pq.read_table(folder / "events.parquet").to_pydict()
            rows = [i for i, r in enumerate(ev.get("replication", [replication] * len(ev.get("t", []))))
                    if r == replication]
            text = [k for k in ev if k not in ("replication", "t")]
            if (folder / tracks.NETWORK).is_file():   # vehicles' waypoints draw them, they do not fill the event list
                moving = tracks.FleetData.of(folder / tracks.NETWORK, *([ev[k][i] for i in rows] if k in ev else []
                                                                      for k in ("t", "source", "event", "place",
                                                                                "holds")))
                rows = [i for i in rows if ev["event"][i] != tracks.WAYPOINT] if "event" in ev else rows
            events = sorted((float(ev["t"][i]), " ".join(str(ev[k][i]) for k in text)) for i in rows)
            if "source" in ev and "event" in ev:
                for tag, trace in states_from_events([ev["t"][i] for i in rows], [ev["source"][i] for i in rows],
                                                     [ev["event"][i] for i in rows]).items():
                    traces.setdefault(tag, trace)
        settings = {}
        if (folder / "scenario.yaml").is_file():
            settings = config.load(folder / "scenario.yaml") or {}
        plant = settings.get("plant")
        return cls(traces, events, plant_file=Path(plant) if plant else None,
                   name=str(settings.get("variant", folder.name)), fleet=moving)

    # -- reading ----------------------------------------------------------------------------------------------
    @property
    def tags(self) -> list[str]:
        return list(self.traces)

    @property
    def span(self) -> tuple[float, float]:
        """First and last recorded time (s), the vehicles' waypoints included."""
        times = [t for t, _ in self.traces.values()] + [
            track.times for track in (self.fleet.tracks.values() if self.fleet is not None else ())]
        starts = [t[0] for t in times if len(t)] + [e[0] for e in self.events]
        ends = [t[-1] for t in times if len(t)] + [e[0] for e in self.events]
        return (min(starts), max(ends)) if starts else (0.0, 0.0)

    def at(self, tag: str, t: float):
        """The value of ``tag`` at time ``t``: its last sample at or before ``t``."""
        if tag not in self.traces:
            hint = suggest(tag, self.traces)
            raise KeyError(f"no tag '{tag}' in recording '{self.name}'" + (f": {hint}" if hint else ""))
        times, values = self.traces[tag]
        i = int(np.searchsorted(times, t, side="right")) - 1
        if i < 0:
            return math.nan if values.dtype.kind == "f" else None
        return values[i]

    def values(self, tags: Iterable[str], t: float) -> list:
        return [self.at(tag, t) for tag in tags]

    def events_until(self, t: float) -> list[tuple[float, str]]:
        return [e for e in self.events if e[0] <= t]

    def trend(self, tag: str) -> tuple[np.ndarray, np.ndarray]:
        self.at(tag, 0.0)
        return self.traces[tag]

    # -- checking ---------------------------------------------------------------------------------------------
    def check(self, plant: Plant) -> list[str]:
        """What does not fit ``plant``: tags of assets it lacks, a result written for another plant file."""
        messages = []
        if self.plant_file is not None and plant.source is not None \
                and Path(self.plant_file).resolve().parent != Path(plant.source).resolve().parent:
            messages.append(f"recording '{self.name}' was run on {self.plant_file}, not on {plant.source}: "
                            "is it a result of another plant?")
        foreign = [tag for tag in self.traces if tag.split(".", 1)[0] not in plant.assets] \
            if self.fleet is None else []   # a fleet's run traces the whole fleet (waiting orders ...), no asset
        if foreign and len(foreign) == len(self.traces):
            messages.append(f"none of the {len(foreign)} tags of recording '{self.name}' names an asset of plant "
                            f"'{plant.name}' (e.g. {foreign[0]}): is it a result of another plant? Nothing is coloured")
        elif foreign:
            messages.append(f"{len(foreign)} traces of recording '{self.name}' are not signals of the assets of plant "
                            f"'{plant.name}' (e.g. {foreign[0]}); they colour nothing")
        return messages
