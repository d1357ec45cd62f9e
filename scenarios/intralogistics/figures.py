"""Report figures of an intralogistics result: congestion hot spots on the floor plan, the fleet in the plant.

``congestion.png``: one panel per storey, the rooms as the plant and the scenario lay them out, the navigation graph's
edges, and each door, airlock and lift coloured by the time vehicles queued for it (hours per day, mean over the
replications, from the ``wait``/``enter`` events of the zone log) and sized by how many passed through it.

``fleet.png``: the plant in 3D with the transport network and every vehicle where it was at the busiest moment of
the first replication (the most containers on vehicles), ``fleet_queue.png`` the same when the most movers waited
for doors, airlocks and lifts, drawn by the viewer from the result folder's
``network.json`` (written here: nodes with their point and kind, edges) and the vehicles' waypoints in the event log
(``at`` rows); ``twin view RESULT_FOLDER --time 10:35`` or ``--movie`` replays them the same way.

A comparison (``twin sweep``, ``twin compare``) gets ``paired.png`` (each variant against the base) and
``best_rule.png`` with ``best_rule.json`` (the optimised dispatch against the best rule, paired:
:mod:`scenarios.intralogistics.versus`).
"""
from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
from matplotlib import colormaps
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from scenarios.figures import add_view
from scenarios.intralogistics import agents
from scenarios.intralogistics.network import ZONES, Network, network_of
from scenarios.intralogistics.params import LogisticsParams


def zone_load(events, replications: int, days: float) -> tuple[dict[str, float], dict[str, float]]:
    """Per zone: hours queued per day and passages per day, means over the replications."""
    waited: dict[str, float] = {}
    passed: dict[str, float] = {}
    asked: dict[tuple, float] = {}
    columns = zip(events["replication"], events["t"], events["source"], events["event"], events["place"])
    for rep, t, source, event, place in columns:
        if event == "wait":
            asked[rep, source, place] = t
        elif event == "enter":
            waited[place] = waited.get(place, 0.0) + t - asked.pop((rep, source, place))
            passed[place] = passed.get(place, 0.0) + 1
    scale = 1.0 / (replications * days)
    return ({z: w / 3600 * scale for z, w in waited.items()}, {z: n * scale for z, n in passed.items()})


def congestion_figure(net: Network, waited: dict[str, float], passed: dict[str, float], title: str = "") -> Figure:
    """The floor plans with the zones' queueing as colours (hours a day) and their traffic as sizes."""
    storeys = sorted({r.storey for r in net.rooms.values()}, key=lambda s: min(r.z for r in net.rooms.values()
                                                                               if r.storey == s))
    fig = Figure(figsize=(6.5 * len(storeys), 5.2), layout="constrained")
    axes = fig.subplots(1, len(storeys), squeeze=False)[0]
    norm = Normalize(0, max([*waited.values(), 1e-9]))
    cmap = colormaps["inferno_r"]
    top = max([*passed.values(), 1.0])
    g = net.graph
    for ax, storey in zip(axes, storeys):
        z = min(r.z for r in net.rooms.values() if r.storey == storey)
        for room in net.rooms.values():
            if room.storey == storey:
                ax.add_patch(Rectangle(room.lo, room.hi[0] - room.lo[0], room.hi[1] - room.lo[1], fill=False,
                                       edgecolor="#888888", linewidth=0.8))
                ax.text(*room.centre[:2], room.number, ha="center", va="center", fontsize=7, color="#555555")
        here = {n for n, d in g.nodes(data=True) if abs(d["xyz"][2] - z) < 0.5}   # stations stand 5 cm up
        for u, v in g.edges:
            if u in here and v in here:
                (x0, y0, _), (x1, y1, _) = g.nodes[u]["xyz"], g.nodes[v]["xyz"]
                ax.plot([x0, x1], [y0, y1], color="#bbbbbb", linewidth=0.6, zorder=1)
        zones = [n for n in here if g.nodes[n]["kind"] in ZONES]
        stations = [n for n in here if g.nodes[n]["kind"] == "station"]
        ax.scatter([g.nodes[n]["xyz"][0] for n in stations], [g.nodes[n]["xyz"][1] for n in stations], s=6,
                   color="#1f77b4", zorder=2)
        ax.scatter([g.nodes[n]["xyz"][0] for n in zones], [g.nodes[n]["xyz"][1] for n in zones],
                   s=[30 + 300 * passed.get(n, 0) / top for n in zones],
                   c=[cmap(norm(waited.get(n, 0.0))) for n in zones], edgecolors="black", linewidths=0.5, zorder=3)
        ax.set_title(storey, fontsize=9)
        ax.set_aspect("equal")
        ax.autoscale_view()
        ax.set_xlabel("x (m)")
        ax.set_ylabel("y (m)")
    fig.colorbar(_mappable(norm, cmap), ax=list(axes), label="queued at the zone (h/day)")
    fig.suptitle(title or "Congestion: doors, airlocks and lifts", fontsize=10)
    return fig


def _mappable(norm, cmap):
    from matplotlib.cm import ScalarMappable

    return ScalarMappable(norm=norm, cmap=cmap)


def figures(result) -> list[Path]:
    """``congestion.png`` in the result folder's ``figures``; ``network.json`` beside and the request for
    ``fleet.png`` (drawn by the viewer after the study's figures)."""
    events = result.events()
    if events is None:
        return []
    events = {k: np.asarray(events.column(k).to_numpy(zero_copy_only=False))
              for k in ("replication", "t", "source", "event", "place")}
    settings = result.settings
    p = LogisticsParams.of(settings)
    replications = max(1, len(set(events["replication"].tolist())))
    days = p.horizon / 86400   # the zone log runs from time 0
    waited, passed = zone_load(events, replications, days)
    path = Path(result.path) / "figures" / "congestion.png"
    net = network_of(settings)
    congestion_figure(net, waited, passed, f"Congestion, {settings.get('variant', 'base')}").savefig(path, dpi=110)
    kinds = agents.kinds_of(p.agents, p.network.stairs, net)
    drawn = network_json(net, p.fleet.battery.chargers if p.fleet.battery else (), [k.net for k in kinds])
    drawn["movers"] = {"AGV": {"size": list(AGV)}} | {k.name.upper(): {"size": list(p.agents[k.name].size)}
                                                      for k in kinds if p.agents[k.name].size}
    (Path(result.path) / "network.json").write_text(json.dumps(drawn), encoding="utf-8")
    rep = int(events["replication"].min())
    first = {k: v[events["replication"] == rep] for k, v in events.items()}
    warmup = p.warmup
    t = busiest(first, warmup)
    add_view(result, "fleet", title=f"vehicles at {_clock(t)}", t=t, fleet=rep)
    t = longest_queue(first, warmup)
    add_view(result, "fleet_queue", title=f"most movers queued, {_clock(t)}", t=t, fleet=rep)
    return [path]


def network_json(net: Network, chargers=(), others: Sequence[Network] = ()) -> dict[str, Any]:
    """The network as the viewer draws it (:mod:`viewer.tracks`): each node's point and kind (``room``, ``door``,
    ``airlock`` for a door with an interlock cycle, ``lift``, ``stairs``, ``station``, ``charger``), the edges one
    way each; with the nodes and edges only ``others`` hold (the stairs of the kinds of movers that climb them)."""
    chargers = set(chargers)
    g = nx.compose_all([net.graph, *(other.graph for other in others)])

    def kind(name: str, node: Mapping[str, Any]) -> str:
        if node["kind"] == "door" and node["dwell"] > 0:
            return "airlock"
        return "charger" if name in chargers else node["kind"]

    nodes = {str(n): {"xyz": [float(c) for c in d["xyz"]], "kind": kind(n, d)} for n, d in g.nodes(data=True)}
    edges = [[str(u), str(v)] for u, v in g.edges if not (g.has_edge(v, u) and str(v) < str(u))]
    return {"nodes": nodes, "edges": edges}


def peak(events: Mapping[str, np.ndarray], step: Mapping[str, int], after: float = 0.0) -> float:
    """The first time at or after ``after`` when the count that each event of ``step`` moves by its value is highest
    in one replication's ``events`` (``after`` if it never rises)."""
    rows = [(float(t), step[e]) for t, e in zip(events["t"], events["event"]) if e in step]
    rows.sort(key=lambda r: (r[0], r[1]))   # at one instant, count the decreases first
    best, when, count, started = 0, after, 0, False
    for t, change in rows:
        if t >= after and not started:
            best, started = count, True   # the count standing at ``after``
        count += change
        if t >= after and count > best:
            best, when = count, t
    return when


def busiest(events: Mapping[str, np.ndarray], after: float = 0.0) -> float:
    """The moment with the most containers on vehicles (between ``loaded`` and ``delivered`` or ``stored``)."""
    return peak(events, {"loaded": 1, "delivered": -1, "stored": -1}, after)


def longest_queue(events: Mapping[str, np.ndarray], after: float = 0.0) -> float:
    """The moment with the most movers waiting for a door, an airlock or a lift (between ``wait`` and ``enter``)."""
    return peak(events, {"wait": 1, "enter": -1}, after)


def _clock(t: float) -> str:
    days, rest = divmod(int(round(t)), 86400)
    return (f"day {days + 1} " if days else "") + f"{rest // 3600:02d}:{rest % 3600 // 60:02d}"


AGV = (2.0, 1.4, 1.0)   # m: the box the viewer draws for an AGV, a little larger than life to be seen

#: The KPIs the paired comparison draws, with their display scale and unit.
PAIRED = (("lead_time", 1 / 60, "min"), ("waiting", 1.0, "s"), ("empty_travel", 100.0, "% of metres"),
          ("on_time", 100.0, "%"))


def paired(base: list[float], variant: list[float]) -> tuple[float, float]:
    """Mean and 95 % half-width (Student's t) of ``variant - base`` paired by replication: replication ``r`` of
    every variant runs on the same seed, so the pairs share their order streams (common random numbers)."""
    from scenarios.results import summarise

    n = min(len(base), len(variant))
    s = summarise(np.asarray(variant[:n], float) - np.asarray(base[:n], float))
    return s["mean"], s["half_width"]


def comparison_figures(results, folder: Path) -> list[Path]:
    """``paired.png``: each variant's difference to the first (the base) in lead time, wait, empty travel and
    on-time share, paired by replication, with its 95 % interval: how much a rule or a fleet changes them;
    ``best_rule.png`` (:func:`best_rule_figure`): the optimised dispatch against the best rule."""
    results = list(results)
    if len(results) < 2 or "lead_time" not in results[0].kpis:
        return []
    base, others = results[0], results[1:]
    fig = Figure(figsize=(12, 0.6 + 0.45 * len(others) + 1.2), layout="constrained")
    axes = fig.subplots(1, len(PAIRED), sharey=True)
    names = [r.name for r in others]
    for ax, (kpi, scale, unit) in zip(axes, PAIRED):
        for y, r in enumerate(others):
            mean, half = paired(base.kpis[kpi]["values"], r.kpis[kpi]["values"])
            ax.errorbar(mean * scale, y, xerr=half * scale if half == half else None, fmt="o", capsize=3,
                        color="tab:blue")
        ax.axvline(0, color="0.5", linewidth=0.8)
        ax.set_yticks(range(len(names)), names)
        ax.set_xlabel(f"{kpi} - {base.name} ({unit})")
        ax.grid(axis="x", alpha=0.3)
    axes[0].invert_yaxis()
    fig.suptitle(f"Paired differences to {base.name} (same order streams per replication, 95 % intervals)",
                 fontsize=10)
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / "paired.png"
    fig.savefig(out, dpi=110)
    return [out, *best_rule_figure(results, folder)]


def best_rule_figure(results, folder: Path) -> list[Path]:
    """``best_rule.png`` and ``best_rule.json``: each optimised dispatch (``optimised``, ``cpsat``) against the
    best rule among the results on its random numbers, in lead time and wait, by how much with its paired 95 %
    interval and p-value (:func:`scenarios.intralogistics.versus.versus_best_rule`); nothing without such a pair."""
    from dataclasses import asdict

    from scenarios.intralogistics.versus import versus_best_rule

    kpis = [(kpi, scale, unit) for kpi, scale, unit in PAIRED if kpi in ("lead_time", "waiting")]
    rows = {kpi: versus_best_rule(results, kpi) for kpi, _, _ in kpis}
    if not rows["lead_time"]:
        return []
    fig = Figure(figsize=(11, 1.4 + 0.6 * len(rows["lead_time"])), layout="constrained")
    for ax, (kpi, scale, unit) in zip(fig.subplots(1, len(kpis), sharey=False), kpis):
        for y, v in enumerate(rows[kpi]):
            ax.errorbar(v.difference * scale, y, xerr=[[(v.difference - v.low) * scale], [(v.high - v.difference)
                                                                                         * scale]],
                        fmt="o", capsize=3, color="tab:green" if v.high < 0 else "tab:blue")
        ax.set_yticks(range(len(rows[kpi])), [f"{v.variant} - {v.rule}\n{v.difference * scale:+.3g} {unit} "
                                              f"[{v.low * scale:.3g}, {v.high * scale:.3g}], p {v.p_value:.2g}"
                                              for v in rows[kpi]], fontsize=8)
        ax.axvline(0, color="0.5", linewidth=0.8)
        ax.invert_yaxis()
        ax.set_xlabel(f"{kpi}: optimised - best rule ({unit})")
        ax.grid(axis="x", alpha=0.3)
    fig.suptitle("Optimised dispatch against the best rule (lowest mean lead time) on the same random numbers, "
                 "paired 95 % intervals", fontsize=10)
    out = folder / "best_rule.png"
    fig.savefig(out, dpi=110)
    (folder / "best_rule.json").write_text(json.dumps({k: [asdict(v) for v in vs] for k, vs in rows.items()},
                                                      indent=2), encoding="utf-8")
    return [out]
