"""The study's own figures of a result folder: API content against the limits with the diversion windows shaded,
the feeders' mass flows, the line's RTD, its disturbance map (funnel plot), the lot genealogy and the line in 3D at
its worst moment (first replication; see :func:`figures`); and, for a comparison of variants, the trade-off between
diverted and escaped mass (:func:`comparison_figures`)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from scenarios.continuous_manufacturing import release, rtd
from scenarios.continuous_manufacturing.params import CmParams
from scenarios.figures import PNG, add_view, save, thinned
from scenarios.figures import ahead as figures_ahead

HOUR = 3600.0


def figures(result) -> list[Path]:
    """Write ``content.png``, ``feeders.png``, ``rtd.png``, ``funnel.png``, ``lots.png``, ``weight.png`` (and
    ``mspc.png`` with the monitor on) into the result folder's
    ``figures/`` and ask for the 3D ``worst.png``; returns the files written."""
    table = result.traces()
    if table is None:
        return []
    first = table.column("replication").to_numpy() == 0
    traces = {k: table.column(k).to_numpy()[first].astype(float) for k in table.column_names if k != "replication"}
    s = result.settings
    p = CmParams.of(s)
    written = [save(Path(result.path) / "figures" / name, chart, key=_key(name, s))
               for name, chart in _of_settings(s).items()]
    charts = [("content.png", lambda: content(traces, p)), ("feeders.png", lambda: feeders(traces))]
    if "mspc_t2" in traces:
        charts.append(("mspc.png", lambda: mspc_charts(traces, p)))
    if "tablet_weight" in traces:
        charts.append(("weight.png", lambda: weight_chart(traces, p)))
    events = result.events()
    if events is not None:
        first_events = events.filter(events.column("replication").to_numpy() == 0).to_pydict()
        charts.append(("lots.png", lambda: lots(first_events, list(p.feeders))))
        worst_moment(result, traces, first_events)
    return written + [save(Path(result.path) / "figures" / name, chart) for name, chart in charts]


def ahead(settings: dict) -> None:
    """Draw the charts of the settings alone (``rtd.png``, ``funnel.png``) before the run is over: the warm process
    of :mod:`scenarios.plugins` does it while the run simulates, :func:`figures` then writes them as drawn."""
    for name, chart in _of_settings(settings).items():
        figures_ahead(_key(name, settings), chart)


def _of_settings(settings: dict) -> dict:
    p = CmParams.of(settings)
    return {"rtd.png": lambda: rtd_curves(p), "funnel.png": lambda: disturbance_map(p)}


def _key(name: str, settings: dict) -> str:
    """What the chart ``name`` of :func:`_of_settings` shows: the settings it reads."""
    shown = {k: settings.get(k) for k in ("feeders", "press", "blender", "limits", "margin", "disturbances")}
    return f"{__name__}:{name}:{json.dumps(shown, sort_keys=True, default=str)}"


def worst_moment(result, traces: dict, events: dict) -> None:
    """Ask for ``worst.png``: the plant in 3D at the moment the true API content at the press strays furthest from
    target, each unit of the line coloured by its state then (:func:`line_states`); the viewer draws it
    (:func:`scenarios.figures.add_view`)."""
    i = int(np.argmax(np.abs(traces["api_true"] - 100)))
    worst = float(traces["t"][i])
    add_view(result, "worst", t=worst, assets=line_states(CmParams.of(result.settings), traces, events, worst),
             title="worst moment")       # short: the time is drawn beside it


def line_states(p: CmParams, traces: dict, events: dict, at: float) -> dict[str, str]:
    """Each unit's state at time ``at`` (s): a feeder stopped then is ``down``; the gate diverting, the NIR probe
    reading outside the tightened band and the press holding out-of-limit content are in ``alarm``; the rest
    ``running``."""
    i = int(np.searchsorted(traces["t"], at))
    low, high = (100 * x for x in p.limits)
    margin = 100 * p.margin
    states = {}
    for tag in p.feeders:
        changes = [e for t, src, e in zip(events["t"], events["source"], events["event"], strict=True)
                   if src == tag and e in ("stop", "restart") and t <= at]
        states[tag] = "down" if changes and changes[-1] == "stop" else "running"
    states[p.blender.tag] = "running"
    states[p.pat.tag] = "alarm" if not low + margin <= traces["api_nir"][i] <= high - margin else "running"
    states[p.gate.tag] = "alarm" if traces["diverting"][i] > 0 else "running"
    states[p.press.tag] = "alarm" if not low <= traces["api_true"][i] <= high else "running"
    return states


def content(traces: dict, p: CmParams, zooms: int = 3) -> Figure:
    """API content at the press: true (Twin), predicted (RTD model) with the band its declared uncertainty allows,
    and NIR, limits, margin and diversion shaded;
    the whole run on top (curves thinned to each bucket's extremes, :func:`scenarios.figures.thinned`), the first
    ``zooms`` diversion windows magnified below from the raw samples."""
    t = traces["t"] / HOUR
    spans = release.windows(traces["diverting"] > 0)
    fig = Figure(figsize=(11, 6.4))
    fig.subplots_adjust(left=0.07, right=0.99, top=0.94, bottom=0.08, hspace=0.45, wspace=0.25)
    shown = spans[:zooms]
    grid = fig.add_gridspec(2, max(1, len(shown)))
    _content_panel(fig.add_subplot(grid[0, :]), traces, p, spans, legend=True)
    for k, (start, end) in enumerate(shown):
        ax = fig.add_subplot(grid[1, k])
        pad = max(t[min(end, t.size - 1)] - t[start], 5 / 60)
        window = np.searchsorted(t, [t[start] - pad, t[min(end, t.size - 1)] + pad]) + [0, 1]
        _content_panel(ax, traces, p, spans, window=slice(*window))
        ax.set_xlim(t[start] - pad, t[min(end, t.size - 1)] + pad)
        ax.xaxis.set_major_locator(MaxNLocator(5))
        ax.set_title(f"diversion at {t[start]:.2f} h", fontsize="small")
    fig.suptitle("API content at the press; red bands: diverted, dotted: limits tightened by the margin",
                 fontsize="medium")
    return fig


def mspc_charts(traces: dict, p: CmParams) -> Figure:
    """The MSPC monitor's T-squared and SPE against their limits (log scale), the fault window shaded from the
    earliest fault on, the alarms marked."""
    fig = Figure(figsize=(10, 5), layout="constrained")
    axes = fig.subplots(2, 1, sharex=True)
    t = traces["t"] / HOUR
    faults = p.monitor.faults
    start = min((f.at for f in faults), default=None)
    alarm = traces["mspc_alarm"] > 0
    for ax, name, label in ((axes[0], "mspc_t2", "Hotelling T$^2$"), (axes[1], "mspc_spe", "SPE (Q)")):
        ax.semilogy(t, traces[name], lw=0.6, color="tab:blue", label=label)
        ax.axhline(traces[f"{name}_limit"][0], color="tab:red", lw=1, ls="--",
                   label=f"limit ({p.monitor.confidence:.0%})")
        ax.plot(t[alarm], traces[name][alarm], ".", ms=1.5, color="tab:red", label="alarm")
        if start is not None:
            ax.axvspan(start / HOUR, t[-1], color="tab:orange", alpha=0.15, lw=0,
                       label="fault: " + ", ".join(f.kind for f in faults))
        ax.set_ylabel(label)
        ax.legend(loc="upper left", fontsize=7)
    axes[1].set_xlabel("time (h)")
    return fig


def weight_chart(traces: dict, p: CmParams, minutes: float = 1.0) -> Figure:
    """The press's weight-control chart: the tablets' mean weight per ``minutes`` with the weight control (blue)
    and what the die fill alone would have given the same tablets (grey), against the target and the control's
    deadband; below, the fill-depth correction (thinned to its extremes, :func:`scenarios.figures.thinned`)."""
    target = p.press.tablet_mass * 1e6
    control = p.press.weight_control
    fig = Figure(figsize=(11, 4.6))
    fig.subplots_adjust(left=0.08, right=0.99, top=0.93, bottom=0.1, hspace=0.1)
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[2, 1])
    t = traces["t"]
    per = max(1, int(round(minutes * 60 / max(t[1] - t[0], 1e-9)))) if t.size > 1 else 1
    blocks = t.size // per
    mid = t[: blocks * per].reshape(blocks, per).mean(axis=1) / HOUR
    for name, color, label in (("tablet_weight_uncontrolled", "0.6", "die fill alone (no control)"),
                               ("tablet_weight", "tab:blue", "pressed (with the weight control)")):
        if name in traces:
            top.plot(mid, traces[name][: blocks * per].reshape(blocks, per).mean(axis=1), lw=0.7, color=color,
                     label=label)
    top.axhline(target, color="k", lw=1, label=f"target {target:g} mg")
    if control.enabled and control.deadband > 0:
        top.axhspan(target * (1 - control.deadband), target * (1 + control.deadband), color="tab:green",
                    alpha=0.2, lw=0, label=f"deadband +-{control.deadband:.1%}")
    top.set_ylabel(f"mean tablet weight\nper {minutes:g} min [mg]")
    top.legend(fontsize="small", loc="upper left", ncols=4)
    top.grid(alpha=0.3)
    (tt, u), _ = thinned(t / HOUR, traces["fill_correction"], np.zeros(t.size))
    bottom.plot(tt, u, lw=0.6, color="tab:orange")
    bottom.set_ylabel("fill depth\ncorrection [%]")
    bottom.set_xlabel("time [h]")
    bottom.grid(alpha=0.3)
    how = (f"PI on the mean of every {control.every} tablets (gain {control.gain:g}, integral "
           f"{control.integral:g})" if control.enabled else "weight control off")
    top.set_title(f"press weight control: {how}", fontsize="medium")
    return fig


def _content_panel(ax, traces: dict, p: CmParams, spans, legend: bool = False, window: slice | None = None) -> None:
    """One panel of :func:`content`: the samples in ``window`` as they are, or (None) the whole run thinned."""
    t = traces["t"] / HOUR
    low, high = (100 * x for x in p.limits)
    margin = 100 * p.margin

    def curve(name: str) -> tuple[np.ndarray, np.ndarray]:
        return (t[window], traces[name][window]) if window else thinned(t, traces[name], np.zeros(t.size))[0]

    for start, end in spans:
        ax.axvspan(t[start], t[min(end, t.size - 1)], color="tab:red", alpha=0.25, lw=0)
    if "api_band_low" in traces and np.any(traces["api_band_high"] > traces["api_band_low"]):
        lo, hi = traces["api_band_low"], traces["api_band_high"]
        band = (t[window], lo[window], hi[window]) if window else thinned(t, (lo + hi) / 2, (hi - lo) / 2)[1]
        ax.fill_between(*band, color="tab:orange", alpha=0.25, lw=0, label="predicted band (declared uncertainty)")
    ax.plot(*curve("api_nir"), lw=0.5, color="0.6", label="NIR (via feed frame)")
    ax.plot(*curve("api_true"), lw=1.2, color="tab:blue", label="true (twin)")
    ax.plot(*curve("api_predicted"), lw=0.8, ls="--", color="tab:orange", label="predicted (RTD)")
    for y in (low, high):
        ax.axhline(y, color="tab:red", lw=1)
    for y in (low + margin, high - margin):
        ax.axhline(y, color="tab:red", lw=0.8, ls=":")
    ax.set_ylim(max(0, low - 15), high + 15)
    ax.set_xlabel("time [h]")
    ax.set_ylabel("API [% label claim]")
    if legend:
        ax.legend(fontsize="small", loc="lower left", ncols=3)
    ax.grid(alpha=0.3)


def feeders(traces: dict) -> Figure:
    """Each feeder's mass flow over the run (thinned to each bucket's extremes)."""
    names = [k for k in traces if k.startswith("massflow.")]
    height = 1.8 * len(names)
    fig = Figure(figsize=(11, height))
    fig.subplots_adjust(left=0.08, right=0.99, top=1 - 0.15 / height, bottom=0.5 / height, hspace=0.15)
    axes = fig.subplots(len(names), 1, sharex=True, squeeze=False)[:, 0]
    for ax, name in zip(axes, names, strict=True):
        ax.plot(*thinned(traces["t"] / HOUR, traces[name], np.zeros(traces["t"].size))[0], lw=0.8)
        ax.set_ylabel(f"{name.removeprefix('massflow.')}\n[kg/h]")
        ax.grid(alpha=0.3)
    axes[-1].set_xlabel("time [h]")
    return fig


def rtd_curves(p: CmParams) -> Figure:
    """``E(t)`` of the blender alone and of blender plus feed frame (the kernel the prediction uses)."""
    tau, n, tau_ff = p.blender.tau, p.blender.tanks, p.press.feed_frame_tau
    dt = 0.5
    fig = Figure(figsize=(6, 3.2))
    fig.subplots_adjust(left=0.13, right=0.97, top=0.9, bottom=0.16)
    ax = fig.subplots()
    for label, w in ((f"blender ({n} tanks, {tau:g} s)", rtd.kernel(dt, tau, n, 1e-6)),
                     (f"+ feed frame ({tau_ff:g} s)", rtd.kernel(dt, tau, n, tau_ff))):
        ax.plot((np.arange(w.size) + 0.5) * dt, w / dt, label=label)
    ax.set_xlim(0, 4 * (tau + tau_ff))
    ax.set_xlabel("time since entry [s]")
    ax.set_ylabel("E(t) [1/s]")
    ax.set_title("residence-time distributions", fontsize="medium")
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    return fig


def disturbance_map(p: CmParams) -> Figure:
    """The funnel plot (:func:`.rtd.funnel`): the API content at the press at its furthest from target after the API
    feeder delivers too much or too little for a while, by the size and length of the upset; the limits' contours
    bound what the line absorbs, beyond them the gate must divert. The scenario's stoppages of the API feeder are
    marked (-100 % for their duration)."""
    feeders, api, share = p.feeders, p.press.api, p.target
    tau, n, tau_ff = p.blender.tau, p.blender.tanks, p.press.feed_frame_tau
    durations = np.geomspace(1.0, max(3600.0, 10 * (tau + tau_ff)), 120)
    magnitudes = np.linspace(-1.0, 1.0, 161)
    content = 100 * rtd.funnel(durations, magnitudes, tau, n, tau_ff, share)
    low, high = (100 * x for x in p.limits)
    margin = 100 * p.margin
    fig = Figure(figsize=(8, 4.6))
    fig.subplots_adjust(left=0.09, right=0.99, bottom=0.11, top=0.93)
    ax = fig.subplots()
    reach = max(high - 100, 100 - low) * 3
    mesh = ax.pcolormesh(durations, 100 * magnitudes, content, cmap="RdBu_r", vmin=100 - reach, vmax=100 + reach,
                         shading="nearest", rasterized=True)
    fig.colorbar(mesh, ax=ax, label="API at the press, furthest from target [% LC]", extend="both")
    lines = ax.contour(durations, 100 * magnitudes, content, levels=[low, high], colors="k", linewidths=1.4)
    ax.clabel(lines, fmt="%g %%", fontsize="small", manual=[(300, 10), (300, -10)])
    if margin > 0:
        ax.contour(durations, 100 * magnitudes, content, levels=[low + margin, high - margin], colors="k",
                   linewidths=0.8, linestyles=":")
    stops = [d.duration for d in p.disturbances if d.kind == "stoppage" and feeders[d.feeder].component == api]
    if stops:
        ax.scatter(stops, [-100] * len(stops), marker="v", s=60, color="k", clip_on=False, zorder=3,
                   label="the scenario's API stoppages")
        ax.legend(fontsize="small", loc="upper left")
    ax.set_xscale("log")
    ax.set_xlabel("duration of the API feeder's upset [s]")
    ax.set_ylabel("API feeder flow off its set point [%]")
    ax.set_title(f"disturbance map: inside the {low:g}-{high:g} % contours the line absorbs the upset "
                 "(dotted: the gate's band)", fontsize="small")
    ax.grid(alpha=0.3, which="both")
    return fig


def lots(events: dict, feeders: list[str]) -> Figure:
    """Lot genealogy: for each feeder, the span in which each of its lots is in the tablets (over 1 % of that
    feeder's material at the press); where two spans overlap, tablets hold both lots."""
    height = 1.2 + 0.55 * len(feeders)
    fig = Figure(figsize=(11, height))
    fig.subplots_adjust(left=0.08, right=0.99, top=1 - 0.35 / height, bottom=0.5 / height)
    ax = fig.subplots()
    spans: dict[tuple[str, str], list[float]] = {}
    for t, source, event in zip(events["t"], events["source"], events["event"], strict=True):
        if event.startswith("lot "):
            spans.setdefault((source, event.rsplit(" ", 1)[0]), []).append(t / HOUR)
    for (source, lot), times in spans.items():
        row = feeders.index(source)
        k = int(lot.split()[1])
        start, end = times[0], times[-1]
        ax.barh(row + (0.15 if k % 2 else -0.15), end - start, left=start, height=0.3,
                color="tab:blue" if k % 2 else "tab:orange")
    ax.set_yticks(range(len(feeders)), feeders)
    ax.invert_yaxis()
    ax.set_xlabel("time at the press [h]")
    ax.set_title("lot genealogy: when each raw-material lot is in the tablets (alternate lots above and below)",
                 fontsize="medium")
    ax.grid(axis="x", alpha=0.3)
    return fig


def comparison_figures(results, folder: Path) -> list[Path]:
    """``tradeoff.png`` for a comparison of variants: diverted mass against escaped mass (the gate's trade-off
    between waste and risk) and how closely each variant held the API content (IAE); with fault variants of the
    MSPC monitor, ``mspc_faults.png`` (:func:`mspc_comparison`); returns the files."""
    rows = [(r.name, r.kpis) for r in results if {"diverted", "escaped"} <= set(r.kpis)]
    if not rows:
        return []
    fig = Figure(figsize=(11, 4.2), layout="constrained")
    left, right = fig.subplots(1, 2, width_ratios=[3, 2])
    for i, (name, k) in enumerate(sorted(rows, key=lambda row: row[1]["diverted"]["mean"])):
        diverted, escaped = k["diverted"]["mean"], k["escaped"]["mean"] * 1000
        left.scatter(diverted, escaped, s=60, color="tab:red" if escaped > 0 else "tab:green", zorder=3)
        left.annotate(name, (diverted, escaped), textcoords="offset points", xytext=(4, 6 + 12 * (i % 3)),
                      fontsize="small", arrowprops={"arrowstyle": "-", "color": "0.6", "lw": 0.6})
    left.margins(x=0.12, y=0.25)
    left.set_xlabel("diverted to waste [kg]")
    left.set_ylabel("out of limits yet accepted (escaped) [g]")
    left.set_title("the gate's trade-off: waste against escape risk (green: nothing escaped)", fontsize="medium")
    left.grid(alpha=0.3)
    names = [name for name, k in rows if "iae" in k]
    right.barh(names, [k["iae"]["mean"] for name, k in rows if "iae" in k], color="tab:blue")
    right.invert_yaxis()
    right.set_xlabel("IAE of the API content [% LC min]")
    right.set_title("how closely the control held the content", fontsize="medium")
    right.grid(axis="x", alpha=0.3)
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / "tradeoff.png"
    fig.savefig(out, **PNG)
    faults = [(r.name, r.kpis) for r in results if "mspc_delay" in r.kpis]
    if not faults:
        return [out]
    fig = mspc_comparison(faults)
    fig.savefig(folder / "mspc_faults.png", **PNG)
    return [out, folder / "mspc_faults.png"]


def mspc_comparison(rows) -> Figure:
    """The MSPC monitor per fault variant: detection delay with its interval, and the share of the window's
    alarms blamed on the fault's tags and of the samples outside it that alarmed."""
    fig = Figure(figsize=(11, 0.6 * len(rows) + 1.8), layout="constrained")
    left, right = fig.subplots(1, 2)
    names = [name for name, _ in rows]
    for ax, key, label in ((left, "mspc_delay", "detection delay [h] (3 alarms in a row)"),
                           (right, "mspc_blame", "share of the window's alarms blamed on the fault's tags")):
        mean = np.array([k[key]["mean"] for _, k in rows])
        low = np.array([k[key]["low"] for _, k in rows])
        high = np.array([k[key]["high"] for _, k in rows])
        ax.barh(names, mean, xerr=[np.nan_to_num(mean - low), np.nan_to_num(high - mean)], color="tab:blue",
                capsize=3)
        ax.invert_yaxis()
        ax.set_xlabel(label)
        ax.grid(axis="x", alpha=0.3)
    for i, (_, k) in enumerate(rows):
        if not np.isfinite(k["mspc_delay"]["mean"]):
            left.annotate("not detected in every run", (0, i), xytext=(4, 0), textcoords="offset points",
                          va="center", fontsize="small", color="tab:red")
        right.annotate(f"false alarms {k['mspc_false_alarm_rate']['mean']:.1%}", (0.02, i), color="white",
                       va="center", fontsize="small")
    right.set_xlim(0, 1)
    return fig
