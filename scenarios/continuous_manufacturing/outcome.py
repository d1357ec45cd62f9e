"""What a finished replication of the continuous line reports: its KPIs, traces and event log.

:class:`~scenarios.continuous_manufacturing.model.Line` runs the plant to the horizon; :func:`outcome` then reads
the Twin's records on the sample grid and plays the twin's side over the whole record: the instruments read to the
end, the RTD band from the load cells' flows (:mod:`.monitor`), the NIR carried to the press, the gate's diversion
(:mod:`.release`), the plant's true content (what escaped), the press's tablets and sub-lots (:mod:`.tablets`), the
estimator against the truth, the energy, and the MSPC monitor watching the run (:mod:`.mspc`). Every decision at t
still uses what was known up to t (see :mod:`.model`). The traces are on the grid (s, contents in % LC, mass flows in
kg/h); the events are the gate's switches, the lots' genealogy, the feeders' stops and restarts, the sub-lots'
release and the monitor's alarms, in time order. The line keeps what the tests and the monitor's training read
afterwards: its ``tablets``, ``pressed`` and ``sublots``, and ``mspc_features()``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from scenarios.continuous_manufacturing import instruments, monitor, mspc, release, rtd, tablets
from scenarios.line_capacity.model import stream
from scenarios.registry import Run

if TYPE_CHECKING:
    from scenarios.continuous_manufacturing.model import Line

HOUR = 3600.0
TAU_ROWS = 13        # predictions over the blender's declared range, interpolated to the estimator's tau


def outcome(line: Line) -> Run:
    """KPIs, traces and the event log of ``line``, its Twin run to the horizon."""
    p, tw = line.p, line.twin
    dt = p.sample_interval
    grid = np.arange(round(p.horizon / dt) + 1) * dt
    press = p.press.tag

    def sampled(tag: str) -> np.ndarray:      # on the grid: the last record at or before each point
        t, v, _ = tw.tags.history(tag)
        return v[np.searchsorted(t, grid * (1 + 1e-12), side="right") - 1]

    massflow = sampled(f"{press}.tablet_rate") * p.press.tablet_mass
    feeds = {tag: sampled(f"{tag}.massflow") for tag in line.feeders}
    # the plant's instruments, read to the end (the estimator's last turn too); the plant's true content at the
    # press: the Twin's, plus what the feeders' short-term noise and load-cell bias make of it
    g = line.gauges
    g.read_to(p.horizon)
    read, outlet, samples = g.read, g.outlet, g.samples
    true = true_content(line, sampled(f"{press}.api_ratio"))
    # the twin: the load cells' flows through every RTD its uncertainty allows (row 0: its own model)
    ranges = line.ranges
    cases = monitor.rtds(p, ranges)
    band = monitor.predict(read, line.rates, line.api_feeders, line.target, dt, cases)
    predicted = band[0]
    w = rtd.kernel(dt, *cases[0])
    # the NIR probe at the blender outlet: sampled, noisy, biased; carried to the press by the feed frame
    pat, every, rng, bias = p.pat, g.every, line.rng, g.nir_bias
    held = np.repeat(monitor.hold_last(samples, line.target * (1 + pat.bias)), every)[: grid.size]
    taus = [p.press.feed_frame_tau] + sorted({c[2] for c in cases} - {p.press.feed_frame_tau})
    estimates = None
    if line.estimator is not None:    # its estimates as it published them during the run
        line.estimator.advance(p.horizon)
        estimates = line.estimator.estimates()
        nir_band = np.vstack([monitor.feed_frame(held / scale, line.target, dt, taus)
                              for scale in monitor.bias_scales(estimates, grid, pat.bias)])
        # the content predicted with the blender as the estimator knew it at each instant (added to the band)
        tau = p.blender.tau
        span = ranges.get("blender.tau", (0.7 * tau, 1.3 * tau))
        predicted = monitor.estimated(read, line.rates, line.api_feeders, line.target, dt, cases[0],
                                      np.linspace(*span, TAU_ROWS), monitor.held(estimates, "BL.tau", grid, tau))
        band = np.vstack([band, predicted])
    else:
        nir_band = monitor.feed_frame(held, line.target, dt, taus)
    measured = nir_band[0]
    low, high = p.limits
    gate = p.gate
    lag = int(np.ceil(gate.switch_time / dt - 1e-9))     # whole samples, rounded up (conservative)
    # each step's reported flow against the set point held over that step; flagged at the step's end
    alarm = np.concatenate([[False], monitor.feeder_alarms(
        read, {tag: sampled(f"{tag}.F_sp")[:-1] for tag in line.feeders}, line.rates, stopped_on(line, grid)[:-1],
        gate.alarm)])
    diverted = release.divert(band, nir_band, low, high, p.margin, lag,
                              hold=int(np.ceil(gate.hold / dt)), settle=int(np.ceil(gate.settle / dt)),
                              also=monitor.alarm_windows(alarm, dt, cases))
    out = (true < low) | (true > high)
    kpis, units = production_kpis(line, grid, massflow, diverted, out, true, measured, rng)
    kpis["prediction_error"] = float(np.abs(predicted - true).max() * 100)
    kpis["iae"] = float(np.abs(true - 1).sum() * dt * 100 / 60)
    units |= {"prediction_error": "% LC", "iae": "% LC min"}
    spans = release.windows(diverted)
    kpis["false_diversions"] = float(sum(not out[a:b].any() for a, b in spans))
    kpis["diverted_in_spec"] = float((massflow * dt)[diverted & ~out].sum())
    units |= {"false_diversions": "events", "diverted_in_spec": "kg"}
    if estimates is not None:
        got, got_units = estimation_kpis(line, estimates, grid, outlet, bias)
        kpis |= got
        units |= got_units
    if p.power:
        kpis["energy"] = energy(line) / 3.6e6
        kpis["specific_energy"] = kpis["energy"] / (kpis["throughput"] * p.horizon / HOUR)
        units |= {"energy": "kWh", "specific_energy": "kWh/kg"}
    # the monitor's features of this run, computed when asked (the monitor on, or a training run)
    line.mspc_features = lambda: monitor_features(line, grid, sampled, read, samples, every, bias)
    if p.monitor.enabled:
        got, got_units, got_traces, got_events = watch(line, grid)
        kpis |= got
        units |= got_units
    traces = {"t": grid, "api_true": true * 100, "api_predicted": predicted * 100,
              "api_band_low": band.min(axis=0) * 100, "api_band_high": band.max(axis=0) * 100,
              "api_nir": measured * 100, "diverting": diverted.astype(float),
              **{f"massflow.{tag}": feeds[tag] * HOUR for tag in line.feeders},
              **tablets.traces(p, line.tablets, line.pressed, grid.size)}
    if p.monitor.enabled:
        traces |= got_traces
    events = [(grid[i], p.gate.tag, kind) for s in spans for i, kind in ((s[0], "divert"), (s[1] - 1, "accept"))]
    events += genealogy(line, grid, w) + line.stops
    events += [(lot["start"], "RTRT", f"sub-lot {k} {'released' if lot['released'] else 'rejected'}")
               for k, lot in enumerate(line.sublots)]
    if p.monitor.enabled:
        events += got_events
    events.sort()
    events = {"t": np.array([e[0] for e in events]), "source": np.array([e[1] for e in events], dtype=object),
              "event": np.array([e[2] for e in events], dtype=object)}
    return Run(kpis=kpis, units=units, traces=traces, events=events)


def monitor_features(line: Line, grid: np.ndarray, sampled, read: dict[str, np.ndarray], samples: np.ndarray,
                     every: int, bias: np.ndarray) -> np.ndarray:
    """The MSPC monitor's features of this run (:func:`.mspc.features`) from the plant's instruments."""
    p, b = line.p, line.p.blender
    names = [n for n in line.twin.tags if n.startswith(f"{b.tag}.M_")]
    holdup = sum(sampled(n) for n in names)
    w = rtd.kernel(p.sample_interval, b.tau, b.tanks, None)
    steps = grid.size - 1                      # each value holds over a step, as the load cells' flows
    signals = {"read": read, "setpoint": {tag: sampled(f"{tag}.F_sp")[:-1] for tag in line.feeders},
               "speed": {tag: sampled(f"{tag}.speed")[:-1] for tag in line.feeders},
               "nir": np.repeat(samples, every)[:steps], "target": line.target,
               "predicted": instruments.content(read, line.rates, line.api_feeders, line.target, w)[:-1],
               "holdup": holdup[:-1], "total": line.total}
    return mspc.features(p, signals, stream(line.seed, 9))


def watch(line: Line, grid: np.ndarray):
    """The MSPC monitor (fitted on normal runs of this plant) watching this run: KPIs, traces on the grid,
    events (an alarm naming its top tag, and its clearing)."""
    p = line.p
    model = mspc.fit(p)
    watched = mspc.watch(model, p, line.mspc_features())
    start = min((f.at for f in line.faults), default=None)
    blamed = tuple(t for f in line.faults for t in mspc.blamed(f, p.blender.tag, p.pat.tag))
    kpis, units = mspc.kpis(p, watched, blamed, start)
    every = int(round(p.monitor.period / p.sample_interval))

    def on_grid(x):
        return np.concatenate([[np.nan], np.repeat(np.asarray(x, float), every)])[: grid.size]
    traces = {"mspc_t2": on_grid(watched["t2"]), "mspc_spe": on_grid(watched["spe"]),
              "mspc_alarm": np.nan_to_num(on_grid(watched["alarm"])),
              "mspc_t2_limit": np.full(grid.size, model.t2_limit),
              "mspc_spe_limit": np.full(grid.size, model.spe_limit)}
    period, tag = p.monitor.period, p.monitor.tag
    events = []
    for a, b in release.windows(watched["alarm"]):
        names, counts = np.unique(watched["top"][a:b].astype(str), return_counts=True)
        events += [((a + 1) * period, tag, f"alarm (top {names[np.argmax(counts)]})"),
                   ((b + 1) * period, tag, "clear")]
    return kpis, units, traces, events


def true_content(line: Line, content: np.ndarray) -> np.ndarray:
    """The plant's true content at the press (fraction of target): the Twin's ``content``, plus the RTD's
    response to what the feeders' short-term noise and the load cells' bias changed in the flows
    (:mod:`.instruments`: the line is linear in its flows). Without noise or bias, the Twin's own."""
    g = line.gauges
    if not g.noisy:
        return content
    b, pr = line.plant.blender, line.plant.press
    w = rtd.kernel(line.p.sample_interval, b.tau, b.tanks, pr.feed_frame_tau)
    return content + (instruments.content(g.true_flows, line.rates, line.api_feeders, line.target, w)
                      - instruments.content(g.flows, line.rates, line.api_feeders, line.target, w))


def estimation_kpis(line: Line, est, grid: np.ndarray, outlet: np.ndarray, bias: np.ndarray):
    """The estimator against the plant's truth: RMS error of the blender outlet's content (% LC) and the share
    of updates where it lies within 3 standard deviations; the NIR's bias and the blender's residence time at
    the end, their errors and standard deviations."""
    at = np.searchsorted(grid, est.t)
    error = est.content - outlet[at] / line.target
    tau = line.plant.blender.tau
    kpis = {"estimate_error": float(np.sqrt(np.mean(error ** 2)) * 100),
            "estimate_coverage": float(np.mean(np.abs(error) <= 3 * est.content_std)),
            "nir_bias_error": float(abs(est.mean["NIR.bias"][-1] - bias[at[-1]]) * 100),
            "nir_bias_std": float(est.std["NIR.bias"][-1] * 100),
            "blender_tau_error": float(abs(est.mean["BL.tau"][-1] - tau)),
            "blender_tau_std": float(est.std["BL.tau"][-1])}
    units = {"estimate_error": "% LC", "estimate_coverage": "-", "nir_bias_error": "%", "nir_bias_std": "%",
             "blender_tau_error": "s", "blender_tau_std": "s"}
    return kpis, units


def stopped_on(line: Line, grid: np.ndarray) -> np.ndarray:
    """Where a feeder's screw stood still while others ran (its stoppages; not the interlock's stops of the
    whole line, which keep the blend), one flag per grid point."""
    flag = np.zeros(grid.size, bool)
    if line.p.interlock:
        return flag
    for d in line.p.disturbances:
        if d.kind == "stoppage":
            flag[(grid >= d.at) & (grid < d.at + d.duration)] = True
    return flag


def energy(line: Line) -> float:
    """Electric energy (J) of the units given a ``power``: running power while running, idle power while a
    feeder's screw is stopped (the rest of the line runs throughout)."""
    horizon, total = line.p.horizon, 0.0
    for tag, power in line.p.power.items():
        stopped, since = 0.0, None
        for t, feeder, kind in line.stops:
            if feeder != tag:
                continue
            if kind == "stop":
                since = t
            else:
                stopped, since = stopped + t - since, None
        if since is not None:                 # still stopped at the end
            stopped += horizon - since
        total += power.running * (horizon - stopped) + power.idle * stopped
    return total


def genealogy(line: Line, grid: np.ndarray, w: np.ndarray, share: float = 0.01) -> list[tuple[float, str, str]]:
    """When each raw-material lot reaches the press: first and last time its share of its feeder's material
    there exceeds ``share`` (events ``lot k in`` / ``lot k out``, source the feeder)."""
    events = []
    for tag, f in line.feeders.items():
        shares = rtd.lot_shares(line.outflows(tag, grid), f.rate, w)
        for k, row in enumerate(shares):
            present = np.flatnonzero(row > share)
            if present.size:
                events += [(grid[present[0]], tag, f"lot {k} in"), (grid[present[-1]], tag, f"lot {k} out")]
    return events


def production_kpis(line: Line, t, massflow, diverted, out, true, estimate,
                    rng) -> tuple[dict[str, float], dict[str, str]]:
    """What the press made over the grid ``t``: throughput, yield, mass diverted and escaped (out of the limits,
    not diverted), diversion events, the tablets' weight RSD and the sub-lots' acceptance values and release. The
    tablets (:func:`.tablets.strike`) and sub-lots (:func:`.tablets.release_sublots`) are kept on the line."""
    p = line.p
    dt = p.sample_interval
    mass = massflow * dt                        # kg pressed in each step
    good, waste = mass[~diverted].sum(), mass[diverted].sum()
    escaped = mass[out & ~diverted].sum()
    t_count, count, _ = line.twin.tags.history(f"{p.press.tag}.tablets")   # the press's tablet counter
    line.tablets, line.pressed = tablets.strike(p, np.interp(t, t_count, count), true, stream(line.seed, 4))
    line.sublots = lots = tablets.release_sublots(p, line.tablets, t, true, estimate, diverted, rng)
    avs = np.array([lot["av"] for lot in lots])
    kpis = {"throughput": good / (p.horizon / HOUR), "yield": good / (good + waste), "diverted": waste,
            "escaped": escaped, "diversion_events": float(len(release.windows(diverted))),
            "av_max": float(np.nanmax(avs)) if np.isfinite(avs).any() else np.nan,
            "windows_released": float(np.mean([lot["released"] for lot in lots]))}
    kpis["tablet_weight_rsd"] = float(100 * line.tablets.weight.std()) if line.tablets.weight.size else np.nan
    units = {"throughput": "kg/h", "yield": "-", "diverted": "kg", "escaped": "kg", "diversion_events": "events",
             "av_max": "% LC", "windows_released": "-", "tablet_weight_rsd": "%"}
    if p.rtrt.pat_units:
        pat = np.array([lot["pat_av"] for lot in lots])
        kpis["pat_av_max"] = float(np.nanmax(pat)) if np.isfinite(pat).any() else np.nan
        units["pat_av_max"] = "% LC"
    return kpis, units
