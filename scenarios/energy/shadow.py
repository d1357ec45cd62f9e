"""Shadow mode (guide 41): the energy model running beside the live plant on its tags.

The bridge (or a replay of recorded data) fills a :class:`twin.tags.TagBus` with the site's outdoor dry bulb and
dew point and its metered electric power. :func:`compare` runs the scenario's model on the measured weather over the
scenario's window and sets its predicted electricity against the meter, step by step, and judges the model by the
two figures of ASHRAE Guideline 14 on hourly data (the means of each hour): the normalised mean bias error
``NMBE = sum(m - p) / (n mean(m))`` and the coefficient of variation of the RMS error
``CV(RMSE) = sqrt(sum((m - p)**2) / n) / mean(m)`` over the ``n`` hours (no model parameters fitted to the data:
``p = 0`` in the Guideline's ``n - p``); a calibrated model lies within 10% and 30%. Only samples of good quality
are used.

On site: ``twin bridge site.yaml --clock unix --csv site.csv`` records the tags from the plant's OPC UA server, and
``twin energy shadow SCENARIO --tags site.csv --start 2026-11-16T00:00+01:00`` (:mod:`scenarios.energy.cli`) reads the
recording (:func:`recording`) and writes the study's result folder and report with the meter beside the model
(:func:`run`: the KPIs gain ``metered``, ``shadow.nmbe``, ``shadow.cv_rmse``, ``shadow.calibrated``).
"""
from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from scenarios.energy import model
from scenarios.registry import Run
from twin.config import ConfigError
from twin.tags import Quality, TagBus

COLUMNS = ["tag", "t", "value", "quality"]           # a bridge recording, `twin bridge MAP --csv FILE`

GUIDELINE_14 = {"nmbe": 0.10, "cv_rmse": 0.30}     # hourly calibration limits


@dataclass
class Shadow:
    """The prediction against the meter at the model's steps (W), and their agreement on hourly means."""

    t: np.ndarray
    predicted: np.ndarray
    measured: np.ndarray
    nmbe: float
    cv_rmse: float
    flows: model.Flows

    @property
    def calibrated(self) -> bool:
        return abs(self.nmbe) <= GUIDELINE_14["nmbe"] and self.cv_rmse <= GUIDELINE_14["cv_rmse"]


def compare(params: Mapping[str, Any], bus: TagBus, *, dry_bulb: str, dew_point: str, meter: str) -> Shadow:
    """The model on the measured weather (tags ``dry_bulb``, ``dew_point`` in K) against the ``meter`` (W)."""
    dry = _good(bus, dry_bulb, params)
    dew = _good(bus, dew_point, params)
    grid = np.union1d(dry[0], dew[0])
    flows = model.balance(params, measured=(grid, np.interp(grid, *dry), np.interp(grid, *dew)))
    times, watts = _good(bus, meter, params)
    measured = np.interp(flows.t, times, watts)
    predicted = flows.power.electricity
    hour = ((flows.t - flows.t[0]) // model.HOUR).astype(int)
    if params["step"] > model.HOUR or np.bincount(hour).min() != np.bincount(hour).max():
        raise ValueError(f"shadow mode: Guideline 14 judges hourly data: the run's step "
                         f"({params['step']:g} s) must divide an hour and the run last whole hours")
    error = np.bincount(hour, weights=measured - predicted) / np.bincount(hour)     # of each hour's means
    mean = measured.mean()
    return Shadow(flows.t, predicted, measured, nmbe=float(error.sum() / (error.size * mean)),
                  cv_rmse=float(np.sqrt(np.mean(error**2)) / mean), flows=flows)


def _good(bus: TagBus, name: str, params: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """A tag's samples of good quality, which must cover the scenario's window."""
    if name not in bus:
        raise KeyError(f"shadow mode: the tag bus has no tag '{name}' (map it from the plant in the bridge)")
    t, v, q = bus.history(name)
    good = q == Quality.GOOD
    t, v = t[good], np.asarray(v[good], dtype=float)
    if t.size == 0 or t[0] > params["warmup"] or t[-1] < params["horizon"] - params["step"]:
        span = f"{t[0] / 3600:g} h to {t[-1] / 3600:g} h" if t.size else "no good samples"
        raise ValueError(f"shadow mode: tag '{name}' covers {span}, the run needs {params['warmup'] / 3600:g} h "
                         f"to {params['horizon'] / 3600:g} h")
    return t, v


def run(params: Mapping[str, Any], bus: TagBus, *, dry_bulb: str, dew_point: str, meter: str) -> Run:
    """The study's run on the measured weather, its KPIs with the meter's (``metered`` kWh) and the agreement, its
    traces with the metered power (``metered_kW``) beside the predicted (``electricity_kW``)."""
    shadow = compare(params, bus, dry_bulb=dry_bulb, dew_point=dew_point, meter=meter)
    flows = shadow.flows
    kpis = {**flows.kpis, "metered": float(shadow.measured.sum() * params["step"] / model.KWH),
            "shadow.nmbe": shadow.nmbe, "shadow.cv_rmse": shadow.cv_rmse, "shadow.calibrated": float(shadow.calibrated)}
    units = {**flows.units, "metered": "kWh", "shadow.nmbe": "-", "shadow.cv_rmse": "-", "shadow.calibrated": "-"}
    return Run(kpis=kpis, units=units, traces={**flows.traces, "metered_kW": shadow.measured / 1e3},
               events=flows.events)


def recording(path: str | Path, tags: Iterable[str], start: float | None = None) -> TagBus:
    """The ``tags`` of a bridge recording (rows ``tag, t, value, quality``) in a TagBus, on the scenario's clock:
    ``t - start`` (``start``: the UNIX time of the scenario's t = 0, for a recording in UNIX time; None: the
    recording's t is the scenario's). Rows of other tags are skipped. OPC UA reports a value when it changes, so a
    tag's last value holds to the end of the recording (its last sample of any of ``tags``)."""
    wanted = set(tags)
    rows: dict[str, list[tuple[float, float, int]]] = {name: [] for name in wanted}
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        if next(reader, None) != COLUMNS:
            raise ConfigError("not a bridge recording: the first line is not the header tag,t,value,quality",
                              file=path, line=1, hint="record the tags with `twin bridge MAP --clock unix --csv FILE`")
        for line, row in enumerate(reader, start=2):
            if len(row) != 4:
                raise ConfigError(f"a row has {len(row)} fields", file=path, line=line, expected="tag,t,value,quality")
            if row[0] not in wanted:
                continue
            try:
                t, value, quality = float(row[1]), float(row[2]), Quality(int(row[3]))
            except ValueError:
                raise ConfigError(f"tag {row[0]}: t, value or quality is not a number: {','.join(row[1:])}",
                                  file=path, line=line,
                                  expected="seconds, a number and 0 (good), 1 or 2 (bad)") from None
            if not math.isfinite(t) or (rows[row[0]] and t <= rows[row[0]][-1][0]):
                raise ConfigError(f"tag {row[0]}: time {row[1]} does not follow the tag's previous one",
                                  file=path, line=line, expected="each tag's times increasing, as the bridge writes")
            rows[row[0]].append((t, value, quality))
    end = max((samples[-1][0] for samples in rows.values() if samples), default=0.0)
    bus = TagBus()
    for name, samples in rows.items():
        if samples and samples[-1][0] < end:
            samples.append((end, *samples[-1][1:]))      # reported by exception: the last value holds
        bus.define(name)
        for t, value, quality in samples:
            bus.write(name, value, t=t - (start or 0.0), quality=quality)
    return bus
