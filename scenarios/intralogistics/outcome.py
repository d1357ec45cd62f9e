"""What a finished replication of the intralogistics model reports: its KPIs, traces and event log.

KPIs over the window from the warm-up to the horizon (orders created in it): throughput, lead time, wait for a
vehicle, lateness and the share on time, backlog, the stations' starvation, the fleet's utilisation, empty travel,
power and charging, and the mean queue at lifts, airlocks and doors (from the zones' ``wait``/``enter`` events);
with them the QC lab's (:func:`scenarios.intralogistics.qc.kpis`) and the other movers'
(:func:`scenarios.intralogistics.agents.kpis`). The traces sample the waiting orders, busy vehicles and mean battery
every ``trace_interval``; the events are the model's log, one column each.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from scenarios.intralogistics import agents, qc
from scenarios.registry import Run

if TYPE_CHECKING:
    from scenarios.intralogistics.model import Logistics


def zone_waits(log: list[tuple]) -> dict[str, list[float]]:
    """Each zone's waiting times (from ``wait`` to ``enter`` of one vehicle)."""
    asked: dict[tuple[str, str], float] = {}
    waits: dict[str, list[float]] = {}
    for t, source, event, place, _ in log:
        if event == "wait":
            asked[source, place] = t
        elif event == "enter":
            waits.setdefault(place, []).append(t - asked.pop((source, place)))
    return waits


def outcome(m: Logistics) -> Run:
    """KPIs, traces and the event log of a finished replication."""
    window = m.horizon - m.warmup
    counted = [o for o in m.orders if o.created >= m.warmup]
    done = [o for o in counted if o.delivered == o.delivered]
    lead = [o.delivered - o.created for o in done]
    late = [max(0.0, o.delivered - o.due) for o in done]
    fleet = max(1, len(m.vehicles))
    travelled = sum(v.empty_m + v.loaded_m for v in m.vehicles)
    kinds = {z: m.net.graph.nodes[z] for z in m.traffic.zones}
    waits = zone_waits(m.log)

    def mean_wait(test) -> float:
        values = [w for z, ws in waits.items() if test(kinds[z]) for w in ws]
        return float(np.mean(values)) if values else 0.0

    nan = math.nan
    kpis = {
        "delivered": len(done) / window,
        "lead_time": float(np.mean(lead)) if lead else nan,
        "waiting": float(np.mean([o.assigned - o.created for o in done])) if done else nan,
        "lateness": float(np.mean(late)) if late else nan,
        "on_time": float(np.mean([x == 0 for x in late])) if late else nan,
        "backlog": float(len(counted) - len(done)),
        "starved": m.starved / window,
        "utilisation": sum(v.busy for v in m.vehicles) / (fleet * window),
        "empty_travel": sum(v.empty_m for v in m.vehicles) / travelled if travelled else 0.0,
        "energy": sum(v.energy for v in m.vehicles) / window,
        "charging": sum(v.charging for v in m.vehicles) / (fleet * window),
        "lift_wait": mean_wait(lambda d: d["kind"] == "lift"),
        "airlock_wait": mean_wait(lambda d: d["kind"] == "door" and d["dwell"] > 0),
        "door_wait": mean_wait(lambda d: d["kind"] == "door" and d["dwell"] == 0),
    }
    units = {"delivered": "orders/s", "lead_time": "s", "waiting": "s", "lateness": "s", "on_time": "-",
             "backlog": "orders", "starved": "-", "utilisation": "-", "empty_travel": "-", "energy": "W",
             "charging": "-", "lift_wait": "s", "airlock_wait": "s", "door_wait": "s"}
    kpis |= qc.kpis(m.log, m.warmup, m.horizon)
    units |= qc.UNITS
    kpis |= agents.kpis(m.agents, m.warmup, m.horizon)
    units |= agents.units(m.agents)
    rows = np.array(m.samples, dtype=float).reshape(-1, 4)
    traces = {"t": rows[:, 0], "waiting_orders": rows[:, 1], "busy_vehicles": rows[:, 2], "battery": rows[:, 3]}
    columns = list(zip(*m.log)) if m.log else [(), (), (), (), ()]
    events = {"t": np.array(columns[0], dtype=float)}
    for name, column in zip(("source", "event", "place", "holds"), columns[1:]):
        events[name] = np.array(column, dtype=object)
    return Run(kpis=kpis, units=units, traces=traces, events=events)
