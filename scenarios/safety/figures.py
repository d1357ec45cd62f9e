"""Report figures of a safety result: the bow-tie coloured by barrier state, and the Swiss-cheese staircase.

Registered as the study's ``figures`` hook: :func:`write` adds ``bowtie.png`` and ``swiss_cheese.png`` to a result
folder (matplotlib ``Figure`` objects, no pyplot), and ``accident_paths.png`` (the reactor temperature on each
typical accident path against MTSR, MTT and TD24) and ``sampled_paths.png`` (every sampled path's peak against
those lines, sized by its importance weight) when the scenario simulates accident paths, with the first
scenario's unprotected path as a result folder ``replay/`` for the viewer (``twin view <result>/replay``), and with
``barrier_view: true`` ``barriers_3d.png``: the plant in 3D coloured by barrier state at the worst moment of the
timeline, asked for in ``views.json`` and drawn by the viewer (studies never import it). The bow-tie's barrier
states are those at the end of the horizon.
"""
from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from pathlib import Path

import networkx as nx
from matplotlib.figure import Figure

from scenarios.figures import add_view
from scenarios.safety import lopa
from scenarios.safety.bowtie import BowTie
from scenarios.safety.live import LiveBarriers
from scenarios.safety.params import SafetyParams, State
from twin.tags import TagBus

COLOURS = {"threat": "#c7c7c7", "consequence": "#d62728", "event": "#1f77b4"}


def barrier_colour(now: float, nominal: float) -> str:
    """Green healthy, orange degraded (PFD up), red giving no protection (PFD 1)."""
    return "#2ca02c" if now <= nominal else ("#d62728" if now >= 1 else "#ff7f0e")


def bowtie_figure(bt: BowTie, title: str = "") -> Figure:
    """The barrier graph left to right, one row per connected part: barriers coloured by their state, consequences
    red when above their tolerable frequency."""
    g = bt.graph
    layer = {n: depth for depth, nodes in enumerate(nx.topological_generations(g)) for n in nodes}
    pos, row = {}, 0.0
    for part in nx.weakly_connected_components(g):
        height = max(sum(1 for n in part if layer[n] == d) for d in {layer[n] for n in part})
        seen: dict[int, int] = {}
        for n in sorted(part, key=str):
            pos[n] = (layer[n], -(row + seen.get(layer[n], 0)))
            seen[layer[n]] = seen.get(layer[n], 0) + 1
        row += height
    frequencies = bt.frequencies()
    fig = Figure(figsize=(2.2 * (max(layer.values()) + 1), 0.4 + 1.0 * row))
    ax = fig.subplots()

    def colour(n: str, d: dict) -> str:
        if d["kind"] == "barrier":
            return barrier_colour(bt.pfd[d["barrier"]], bt.nominal[d["barrier"]])
        if d["kind"] == "consequence":
            return COLOURS["consequence"] if frequencies[n] > d["tolerable"] * (1 + 1e-12) else "#9edae5"
        return COLOURS[d["kind"]]

    def label(n: str, d: dict) -> str:
        if d["kind"] == "barrier":
            return f"{d['barrier']}\n{bt.pfd[d['barrier']]:.2g}"
        return "\n".join(textwrap.wrap(n.split(":", 1)[-1], 18))

    nodes = list(g.nodes(data=True))
    nx.draw_networkx(g, pos, ax=ax, nodelist=[n for n, _ in nodes], node_color=[colour(n, d) for n, d in nodes],
                     labels={n: label(n, d) for n, d in nodes}, node_size=1400, font_size=6.5, arrowsize=10)
    ax.set_title(title or "barrier graph: threats -> barriers (PFD now; green healthy, orange degraded, red none)"
                          " -> consequences (red: above tolerable)", fontsize="small")
    ax.margins(0.08)
    ax.axis("off")
    fig.tight_layout()
    return fig


def swiss_cheese_figure(study: lopa.Lopa, pfd: dict[str, float]) -> Figure:
    """Per scenario the frequency falling through each barrier in turn (log scale) against its tolerable line."""
    fig = Figure(figsize=(5 * min(3, len(study.hazards)), 3.4))
    axes = fig.subplots(1, len(study.hazards), squeeze=False).ravel()
    for ax, h in zip(axes, study.hazards, strict=True):
        steps = [("initiating", h.frequency * lopa.YEAR)]
        for name, p in h.modifiers.items():
            steps.append((name, steps[-1][1] * p))
        for name in h.pfds:
            steps.append((name, steps[-1][1] * pfd.get(name, h.pfds[name])))
        x = range(len(steps))
        ax.step(x, [f for _, f in steps], where="mid", color="#1f77b4")
        ax.bar(x, [f for _, f in steps], color="#aec7e8", width=0.6)
        ax.axhline(h.tolerable * lopa.YEAR, color="#d62728", ls="--", lw=1, label="tolerable")
        ax.set_yscale("log")
        ax.set_xticks(list(x), [s for s, _ in steps], rotation=30, fontsize="small", ha="right")
        ax.set_title(h.name, fontsize="medium")
        ax.set_ylabel("frequency [1/yr]")
        ax.grid(alpha=0.3, which="both", axis="y")
    axes[0].legend(fontsize="small")
    fig.tight_layout()
    return fig


def top_scale(top: str):
    """How a figure shows the signal a top event watches: (SI -> display, axis label)."""
    from scenarios.safety.path import ATMOSPHERE

    return {"mtt": (lambda x: x - 273.15, "reactor temperature [degC]"),
            "design": (lambda x: (x - ATMOSPHERE) / 1e5, "head pressure [bar gauge]"),
            "flammable": (lambda x: 100 * x, "headspace O2 [%] (dry basis)")}[top]


def top_limits(sampler, mtsr: float) -> list[tuple[float, str]]:
    """The lines a path's peak is read against (SI): MTSR, MTT and TD24; the pressure SIS trip and the design
    pressure; the O2 alarm and the LOC."""
    from scenarios.safety.path import _parameter, design_pressure

    batch, setup = sampler.batch, sampler.setup
    if setup.top == "flammable":
        alarm = _parameter(batch, "O2_alarm")
        return ([] if alarm is None else [(alarm, "O2 alarm")]) + [(setup.gas.loc, "LOC")]
    if setup.top == "design":
        trip_point = _parameter(batch, "P_trip") if setup.gas.pressure_trip else None
        trip = [] if trip_point is None else [(trip_point, "PT-02 trip")]
        relief = [(setup.barriers.relief.set, "relief set")] if setup.barriers.relief else []
        return trip + relief + [(design_pressure(batch), "design pressure")]
    return [(mtsr, "MTSR"), (batch.mtt, "MTT"), (batch.td24, "TD24")]


def sampled_paths_figure(samplers: dict, records: dict, mtsr: float) -> Figure:
    """Every sampled path of each simulated scenario: its peak against the time its initiating event struck, red
    when it reached the top event, the marker's area the path's importance weight (its share of the estimate),
    against the lines of :func:`top_limits`. ``records[name]`` holds the arrays ``t_event`` (s), ``peak`` (SI),
    ``weight`` and ``top`` (bool)."""
    fig = Figure(figsize=(6.2 * len(samplers), 4.2))
    axes = fig.subplots(1, len(samplers), squeeze=False).ravel()
    for ax, (name, sampler) in zip(axes, samplers.items(), strict=True):
        show, label = top_scale(sampler.setup.top)
        r = records[name]
        area = 8 + 120 * r["weight"] / max(float(r["weight"].max()), 1e-300)
        for hit, colour, text in ((False, "#2ca02c", "held"), (True, "#d62728", "top event")):
            chosen = r["top"] == hit
            ax.scatter(r["t_event"][chosen] / 3600, show(r["peak"][chosen]), s=area[chosen], c=colour, alpha=0.6,
                       edgecolors="none", label=f"{text} ({int(chosen.sum())})", gid=f"{name}:{text}")
        for value, text in top_limits(sampler, mtsr):
            ax.axhline(show(value), color="#7f7f7f", ls="--", lw=0.9)
            ax.annotate(text, (ax.get_xlim()[1], show(value)), fontsize="small", ha="right", va="bottom")
        ax.set_title(f"{name}: {len(r['peak'])} sampled paths (area: importance weight)", fontsize="medium")
        ax.set_xlabel(f"{sampler.setup.kind.replace('_', ' ')} at [h into the batch]")
        ax.set_ylabel(f"peak {label}")
        ax.legend(fontsize="x-small", loc="best")
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def sampled_records(events) -> dict[str, dict]:
    """The sampled paths the run logged (``<scenario>.path`` rows of the events table), by scenario."""
    import numpy as np

    table = events.to_pydict()
    out: dict[str, dict] = {}
    for i, source in enumerate(table["source"]):
        if source.endswith(".path"):
            r = out.setdefault(source[:-5], {"t_event": [], "peak": [], "weight": [], "top": []})
            r["t_event"].append(table["t"][i])
            r["peak"].append(table["peak"][i])
            r["weight"].append(table["weight"][i])
            r["top"].append(table["event"][i].startswith("top event"))
    return {name: {k: np.array(v) for k, v in r.items()} for name, r in out.items()}


def typical_cases(sampler) -> list[tuple[str, frozenset[str], float]]:
    """The typical paths of a sampler as ``(label, failed barriers, response time s)``: every barrier working, each
    alone (an operator's also at the 95th percentile of the response time), none."""
    barriers, simulated, headspace = frozenset(sampler.barriers), sampler.setup.barriers, sampler.setup.gas
    median = sampler.response.median
    slow = median * math.exp(1.645 * sampler.response.sigma)
    cases = [("every barrier works", frozenset(), median)]
    for b in sampler.barriers:  # in the order the scenario names them
        relief = simulated.relief is not None and b == simulated.relief.ipl
        answered = b == simulated.alarm or (b == headspace.oxygen and headspace.operator)
        kept = ("operator" if answered else "relief" if relief else "interlock"
                if b in (simulated.interlock, headspace.oxygen) else "SIS")
        cases.append((f"{b} alone ({kept})", barriers - {b}, median))
        if answered:
            cases.append((f"{b} alone, slow operator ({slow / 60:.0f} min)", barriers - {b}, slow))
    return cases + [("no barrier", barriers, median)]


def paths_figure(samplers: dict, mtsr: float) -> Figure:
    """Per simulated LOPA scenario, the reactor temperature on its typical accident paths (:func:`typical_cases`, the
    initiating event a quarter into the dosing) against the batch's MTSR, the MTT and TD24; with a simulated relief
    device, the head pressure too (thin, right axis). A headspace scenario shows its own signal instead: the O2
    against the alarm and the LOC, or the head pressure against the PT-02 trip and the design pressure."""
    fig = Figure(figsize=(6.2 * len(samplers), 4.2))
    axes = fig.subplots(1, len(samplers), squeeze=False).ravel()
    for ax, (name, sampler) in zip(axes, samplers.items(), strict=True):
        _paths_panel(ax, name, sampler, mtsr)
    fig.tight_layout()
    return fig


def _paths_panel(ax, name: str, sampler, mtsr: float) -> None:
    from scenarios.safety.path import ATMOSPHERE, GAS_KINDS, Demand

    batch, setup = sampler.batch, sampler.setup
    t_event = batch.dose_time / 4
    gas = setup.kind in GAS_KINDS
    top = {"mtt": " -> MTT", "design": " -> design pressure", "flammable": " -> LOC"}[setup.top]
    signal = {"mtt": "T", "design": "PT-01", "flammable": "AT-01"}[setup.top if gas else "mtt"]
    show, ylabel = top_scale(setup.top if gas else "mtt")
    head = ax.twinx() if setup.barriers.relief is not None else None
    for label, failed, response in typical_cases(sampler):
        path = sampler.run(Demand(t_event, failed, response), keep_trace=True)
        t = path.trace["t"]
        line, = ax.plot(t / 3600, show(path.trace[f"{batch.reactor}.{signal}"]), lw=1.4,
                        label=label + (top if path.top_event else ""))
        if head is not None:
            head.plot(t / 3600, (path.trace[f"{batch.reactor}.PT-01"] - ATMOSPHERE) / 1e5, lw=0.8, ls=":",
                      color=line.get_color())
    if head is not None:
        head.set_ylabel("head pressure [bar gauge] (dotted)")
    limits = top_limits(sampler, mtsr) if gas else [(mtsr, "MTSR"), (batch.mtt, "MTT"), (batch.td24, "TD24")]
    for value, text in limits:
        ax.axhline(show(value), color="#7f7f7f" if text in ("MTSR", "O2 alarm", "PT-02 trip") else "#d62728",
                   ls="--", lw=1)
        ax.annotate(text, (ax.get_xlim()[1], show(value)), fontsize="small", ha="right", va="bottom")
    ax.axvline(t_event / 3600, color="#7f7f7f", lw=0.8)
    ax.annotate(setup.kind.replace("_", " "), (t_event / 3600, ax.get_ylim()[0]), fontsize="small",
                rotation=90, va="bottom", ha="right")
    ax.set_title(name, fontsize="medium")
    ax.set_xlabel("time in the batch [h]")
    ax.set_ylabel(ylabel)
    ax.legend(fontsize="x-small", loc="best")
    ax.grid(alpha=0.3)


def barrier_scores(live: LiveBarriers) -> dict[str, float]:
    """Per plant asset the worst state of the IPLs standing on it: 0 healthy, 1 degraded, 2 no protection."""
    scores: dict[str, float] = {}
    for name, layer in live.lopa.layers.items():
        now, nominal = live.bowtie.pfd[name], live.bowtie.nominal[name]
        score = 0.0 if now <= nominal else (2.0 if now >= 1 else 1.0)
        asset = layer.tag.split(".", 1)[0]
        scores[asset] = max(scores.get(asset, 0.0), score)
    return scores


def worst_barrier_moment(study: lopa.Lopa, states: Sequence[State]) -> tuple[float, dict[str, float]]:
    """The worst moment of the timeline ``states`` (the first with the most degraded barriers) and each asset's
    barrier score then (:func:`barrier_scores`: 0 healthy, 1 degraded, 2 lost)."""
    bus = TagBus()
    live = LiveBarriers(study, bus)
    worst, at = barrier_scores(live), 0.0
    for state in sorted(states, key=lambda s: s.at):
        bus.write(state.tag, state.bus_value, t=state.at)
        scores = barrier_scores(live)
        if sum(scores.values()) > sum(worst.values()):
            worst, at = scores, state.at
    return at, worst


def barrier_view(result, study: lopa.Lopa, states: Sequence[State]) -> None:
    """Ask for ``barriers_3d.png``: the plant in 3D, each asset coloured by its barriers' worst state at the worst
    moment of the timeline (drawn by the viewer, :func:`scenarios.figures.add_view`)."""
    at, scores = worst_barrier_moment(study, states)
    add_view(result, "barriers_3d", t=at, assets=scores, signal="barrier", cmap="RdYlGn_r", clim=(0.0, 2.0),
             title=f"barriers at {at / 86400:.1f} d (green healthy, red lost)")


def write(result) -> list[Path]:
    """``bowtie.png`` and ``swiss_cheese.png`` for a result folder, the barriers in their state at the horizon."""
    p = SafetyParams.of(result.settings)
    study = lopa.load(p.lopa)
    bus = TagBus()
    live = LiveBarriers(study, bus)
    for state in sorted(p.states, key=lambda s: s.at):
        bus.write(state.tag, state.bus_value, t=state.at)
    folder = Path(result.path) / "figures"
    written = []
    for name, fig in (("bowtie.png", bowtie_figure(live.bowtie)),
                      ("swiss_cheese.png", swiss_cheese_figure(study, live.bowtie.pfd))):
        fig.savefig(folder / name, dpi=100)
        written.append(folder / name)
    if p.barrier_view:
        barrier_view(result, study, p.states)
    if p.accident_paths is not None:
        from scenarios.safety.model import accident_paths, thermal_risk

        samplers = accident_paths(p)
        mtsr = thermal_risk(p.thermal, p.plant).mtsr
        fig = paths_figure(samplers, mtsr)
        fig.savefig(folder / "accident_paths.png", dpi=100)
        written.append(folder / "accident_paths.png")
        events = result.events()
        records = sampled_records(events) if events is not None else {}
        if records:
            sampled_paths_figure({n: samplers[n] for n in records}, records, mtsr).savefig(
                folder / "sampled_paths.png", dpi=100)
            written.append(folder / "sampled_paths.png")
        written.append(replay(next(iter(samplers.values())), Path(result.path) / "replay"))
    return written


def replay(sampler, folder: Path) -> Path:
    """The sampler's typical unprotected path (the event a quarter into the dosing, every simulated barrier failed)
    as a result folder for the viewer: ``twin view <folder>`` or a training hazard's ``replay:``."""
    from scenarios.safety.path import Demand, write_replay

    demand = Demand(sampler.batch.dose_time / 4, frozenset(sampler.barriers), sampler.response.median)
    return write_replay(sampler.run(demand, keep_trace=True), sampler.batch.plant, folder,
                        title=f"{sampler.hazard.name}, no barrier")
