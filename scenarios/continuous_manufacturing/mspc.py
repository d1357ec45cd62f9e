"""Multivariate monitoring of the line (MSPC): a PCA monitor fitted on normal runs watches the plant's instruments.

The line's raw tags are not stationary (every refill brings a new feed factor and the screw speeds follow it), so a
PCA fitted on them alarms most of the time on normal operation. The monitor watches features that are, computed
every ``period`` from what the plant's instruments report over that period (:func:`features`):

- per feeder ``F.flow_dev``: the load cells' flow minus the set point, relative to the nominal rate (period mean);
- ``F.ff``: the feed factor the feeder measures (reported flow over screw speed times full-speed flow) minus 1;
- ``F.cell_sd``: the natural log of the spread of the reported flow about its set point within the period
  (relative to the rate; the log makes the skewed sample spread nearly normal, floored at 1e-6): a load cell that
  sticks reports no noise at all;
- ``NIR.dev``: the NIR's content minus target (relative); ``NIR.residual``: the NIR's content minus what the
  twin's RTD predicts at the blender outlet from the load cells' flows;
- ``BL.holdup``: the blender's weighed hold-up (a blender on load cells, white noise ``holdup_noise``; a stated
  assumption) over what its model residence time holds, minus 1: fouling lengthens the residence time and the
  hold-up with it, which the content alone does not show at steady flow.

Training (:func:`fit`): ``training.runs`` runs of ``training.hours`` of the same plant (its ``truth:``) without the
scenario's disturbances and without faults, each on its own seed, pooled (many refill cycles and lots). The limits
are twin.monitor's empirical ones, the training statistics' own ``confidence`` quantiles (``limits: empirical``,
the default; kept in the monitor's model file like any other), not the F and
Jackson-Mudholkar limits of normal data (``limits: theoretical``): the features are not normal (the load cells' log
spreads skewed and heavy-tailed, the feed factors of a few lots), so on the training runs themselves the
theoretical limits alarm 2.8 % of the samples (T2 1.3 %, SPE 1.5 %) where a normal sample of the same covariance
alarms 1.9 %; on held-out normal days they gave 3.1 % [2.4, 3.7] (95 % t interval over 6 days) against the nominal
1 - 0.99**2 = 1.99 %, the empirical limits 2.2 % [1.7, 2.7]. The alarms are not clustered (the alarm indicator's
lag-1 autocorrelation is 0.01), so a day's rate is near binomial.
The monitor (:class:`twin.monitor.Monitor`) then watches the run's features replayed on a TagBus in time order, as
the bridge feeds a live one, and its T2, SPE, alarm and top tag are the traces and events of the run.

Faults (the plant side, as ``truth:``; :class:`Fault`): ``feeder_drift`` (the feeder's feed factor drifts linearly to
``feed_factor`` times its value over ``duration``; the gravimetric loop hides it in the flow, the speed shows it),
``nir_bias`` (a step of ``bias`` in the NIR's readings), ``load_cell_stuck`` (the feeder's reported flow freezes at
its value at ``at``; the plant's own gravimetric loop is not modelled to follow the stuck signal), ``blender_fouling``
(the blender's residence time creeps linearly to ``factor`` times its value over ``duration``). KPIs
(:func:`kpis`) judge the monitor against the fault window (from the earliest fault's ``at`` to the end).
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from scenarios.continuous_manufacturing.params import CmParams, Fault


def blamed(fault: Fault, blender: str, nir: str) -> tuple[str, ...]:
    """The monitor's tags that point at ``fault`` (a :class:`.params.Fault`, see the module's docstring)."""
    if fault.kind in ("feeder_drift", "load_cell_stuck"):
        return tuple(f"{fault.feeder}.{f}" for f in FEEDER_FEATURES)
    if fault.kind == "nir_bias":
        return tuple(f"{nir}.{f}" for f in NIR_FEATURES)
    return (f"{blender}.holdup",)


def faults(p: CmParams) -> list[Fault]:
    """The faults of an enabled ``monitor:`` (none when it is off)."""
    return list(p.monitor.faults) if p.monitor.enabled else []


def check(params: Mapping[str, Any]) -> None:
    """With the monitor on: its period is a multiple of the sample interval; a fault names a feeder of the scenario
    where it needs one; ramps have a duration; components and confidence make sense; training has enough samples."""
    m = params["monitor"]
    if not m["enabled"]:
        return
    dt = params["sample_interval"]
    if m["period"] < dt or abs(m["period"] / dt - round(m["period"] / dt)) > 1e-9:
        raise m.error("period", f"the monitor samples every {m['period']:g} s but the twin records every {dt:g} s",
                      expected=f"a multiple of the sample interval ({dt:g} s)",
                      hint=f"period: {max(1, round(m['period'] / dt)) * dt:g} s")
    for i, f in enumerate(m["faults"]):
        where = m["faults"][i]
        if f["kind"] in ("feeder_drift", "load_cell_stuck") and f.get("feeder") not in params["feeders"]:
            raise where.error("feeder", f"a {f['kind']} needs one of the scenario's feeders, got "
                              f"'{f.get('feeder')}'", expected=f"one of {', '.join(params['feeders'])}")
        if f["kind"] in ("feeder_drift", "blender_fouling") and not f["duration"] > 0:
            raise where.error("duration", f"a {f['kind']} ramps over a positive duration",
                              expected="a time such as 2 h")
    tags = len(feature_names(params["feeders"], params["pat"]["tag"], params["blender"]["tag"]))
    if not m["components"] < tags:
        raise m.error("components", f"{m['components']} components for {tags} monitored tags",
                      expected=f"fewer than {tags}, e.g. 4")
    if not 0 < m["confidence"] < 1:
        raise m.error("confidence", f"confidence {m['confidence']:g}", expected="between 0 and 1, e.g. 0.99")
    samples = m["training"]["runs"] * m["training"]["hours"] / m["period"]
    if samples < 10 * tags:
        raise m["training"].error("hours", f"{samples:.0f} training samples for {tags} tags",
                                  expected=f"at least {10 * tags} (runs x hours / period)", hint="hours: 6 h")


FEEDER_FEATURES = ("flow_dev", "ff", "cell_sd")
SPREAD_FLOOR = 1e-6   # the smallest relative spread told apart (a stuck cell reads exactly none)
DETECT_RUN = 3   # alarms in a row that make a detection (a single alarm is a false one at the rate 1 - confidence)
NIR_FEATURES = ("dev", "residual")


def feature_names(feeders: Iterable[str], nir: str, blender: str) -> list[str]:
    """The monitored tags of a line with ``feeders`` (tags), NIR probe ``nir`` and ``blender``, in column order."""
    names = [f"{tag}.{f}" for tag in feeders for f in FEEDER_FEATURES]
    names += [f"{nir}.{f}" for f in NIR_FEATURES]
    return names + [f"{blender}.holdup"]


def _names(p: CmParams) -> list[str]:
    return feature_names(p.feeders, p.pat.tag, p.blender.tag)


def period_means(x: np.ndarray, every: int) -> np.ndarray:
    """Means of ``x`` over consecutive blocks of ``every`` samples (NaN ignored; NaN where a block has none)."""
    n = x.size // every
    blocks = x[: n * every].reshape(n, every)
    count = np.sum(~np.isnan(blocks), axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, np.nansum(blocks, axis=1) / np.maximum(count, 1), np.nan)


def features(params: CmParams, signals: Mapping[str, Any], rng: np.random.Generator) -> np.ndarray:
    """The monitored features, one row per ``period`` (the period ending at each row's time), from the run's
    instrument ``signals``, one value per sample step: ``read`` (load cells, per feeder), ``setpoint``, ``speed``
    (fraction), ``nir`` (samples held on the grid, NaN in a dropout), ``predicted`` (RTD at the outlet, fraction of
    target), ``holdup`` (the blender's mass, kg)."""
    every = int(round(params.monitor.period / params.sample_interval))
    cols = []
    for tag, f in params.feeders.items():
        rate, read, sp = f.rate, signals["read"][tag], signals["setpoint"][tag]
        dev = (read - sp) / rate
        flow = period_means(dev, every)
        with np.errstate(invalid="ignore", divide="ignore"):
            ff = period_means(read, every) / period_means(signals["speed"][tag] * 3 * rate, every) - 1
        spread = np.sqrt(np.maximum(period_means(dev ** 2, every) - flow ** 2, 0.0))
        cols += [flow, ff, np.log(np.maximum(spread, SPREAD_FLOOR))]
    target = signals["target"]
    nir = signals["nir"] / target - 1
    cols += [period_means(nir, every), period_means(nir - (signals["predicted"] - 1), every)]
    held = signals["holdup"] / (signals["total"] * params.blender.tau) - 1
    held = period_means(held, every)
    cols.append(held + params.monitor.holdup_noise * rng.standard_normal(held.size))
    return np.column_stack(cols)


def normal_params(p: CmParams) -> CmParams:
    """The scenario's plant as the training sees it: same line and ``truth:``, no disturbances, no monitor."""
    return dataclasses.replace(p, disturbances=(), horizon=p.monitor.training.hours,
                               monitor=dataclasses.replace(p.monitor, enabled=False, faults=()))


FITTED: dict[str, Any] = {}   # repr of the training's parameters -> the monitor fitted on them (this process's)
KEEP = 8                      # fitted monitors kept


def fit(p: CmParams):
    """The PCA monitor fitted on the training runs (cached per training set within a process)."""
    normal = normal_params(p)
    key = repr(normal)
    if key not in FITTED:
        while len(FITTED) >= KEEP:
            FITTED.pop(next(iter(FITTED)))
        FITTED[key] = _fit(normal)
    return FITTED[key]


def _fit(p: CmParams):
    from scenarios.continuous_manufacturing.model import Line
    from twin.monitor import fit_pca

    m = p.monitor
    rows = []
    for k in range(m.training.runs):
        line = Line(p, np.random.SeedSequence([m.training.seed, k]))
        line.run()
        rows.append(line.mspc_features())
    x = np.vstack(rows)
    x = x[np.isfinite(x).all(axis=1)]
    # empirical limits by default: the features are not normal (see above)
    return fit_pca(x, _names(p), components=m.components, confidence=m.confidence, limits=m.limits)


def watch(model, params: CmParams, x: np.ndarray) -> dict[str, np.ndarray]:
    """The monitor on a TagBus: each row of ``x`` written as the tags' values at its period's end, then the
    monitor steps (as on live tags); its T2, SPE, alarm and top tag per row."""
    from twin.monitor import Monitor
    from twin.tags import TagBus

    m, bus = params.monitor, TagBus()
    names = _names(params)
    for name in names:
        bus.define(name)
    monitor = Monitor(model, m.tag, period=m.period).bind(bus)
    out = {"t2": np.full(len(x), np.nan), "spe": np.full(len(x), np.nan), "alarm": np.zeros(len(x), bool),
           "top": np.empty(len(x), dtype=object)}
    for k, row in enumerate(x):
        t = (k + 1) * m.period
        for name, value in zip(names, row):
            bus.write(name, float(value), t)
        monitor.step(t)
        out["t2"][k], out["spe"][k] = bus.read(monitor.tag_of("T2")), bus.read(monitor.tag_of("SPE"))
        out["alarm"][k], out["top"][k] = bus.read(monitor.tag_of("alarm")) == 1.0, bus.read(monitor.tag_of("top"))
    return out


def kpis(params: CmParams, watched: Mapping[str, np.ndarray], blamed: tuple[str, ...] | None,
         start: float | None) -> tuple[dict[str, float], dict[str, str]]:
    """``mspc_false_alarm_rate``: the share of samples alarmed outside the fault window (all of them without a
    fault); with a fault from ``start``: ``mspc_detected`` (1 if the window holds :data:`DETECT_RUN` alarms in a
    row), ``mspc_delay`` (h, from ``start`` to the first of them; NaN if none), ``mspc_alarm_rate`` (share of the
    window alarmed) and ``mspc_blame`` (share of the window's alarms whose top tag is one of ``blamed``)."""
    period = params.monitor.period
    t = (np.arange(len(watched["alarm"])) + 1) * period
    alarm = watched["alarm"]
    inside = t > start if start is not None else np.zeros(t.size, bool)
    k = {"mspc_false_alarm_rate": float(alarm[~inside].mean()) if (~inside).any() else np.nan}
    units = {"mspc_false_alarm_rate": "-"}
    if start is not None:
        hits = alarm & inside
        run = np.convolve(hits, np.ones(DETECT_RUN, int), "full")[: hits.size] == DETECT_RUN
        first = np.flatnonzero(run) - (DETECT_RUN - 1)      # the first of DETECT_RUN alarms in a row
        k["mspc_detected"] = float(first.size > 0)
        k["mspc_delay"] = float((t[first[0]] - start) / 3600) if first.size else np.nan
        k["mspc_alarm_rate"] = float(hits.sum() / max(inside.sum(), 1))
        k["mspc_blame"] = float(np.isin(watched["top"][hits], blamed).mean()) if hits.any() else np.nan
        units |= {"mspc_detected": "-", "mspc_delay": "h", "mspc_alarm_rate": "-", "mspc_blame": "-"}
    return k, units
