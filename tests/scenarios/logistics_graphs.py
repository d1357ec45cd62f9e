"""Small transport networks and parameters for the intralogistics tests, built without a plant file."""
from __future__ import annotations

import networkx as nx

from scenarios.intralogistics.network import Network


def grid(rows: int, cols: int, doors: set[tuple[int, int]] | None = None, speed: float = 1.0, spacing: float = 10.0,
         airlock: float = 0.0, lift: tuple[int, int] | None = None, lift_capacity: int = 1) -> Network:
    """Rooms R<i> on a grid ``spacing`` apart, each with a station S<i>; ``doors`` (pairs of neighbouring room
    indices, default all) are capacity-1 zones between them; ``lift`` joins two rooms through a lift zone."""
    graph = nx.DiGraph()
    n = rows * cols
    for i in range(n):
        x, y = (i % cols) * spacing, (i // cols) * spacing
        graph.add_node(f"R{i}", kind="room", xyz=(x, y, 0.0), dwell=0.0, capacity=0, room=f"R{i}")
        graph.add_node(f"S{i}", kind="station", xyz=(x + 2, y, 0.0), dwell=0.0, capacity=0, room=f"R{i}")
        graph.add_edge(f"R{i}", f"S{i}", length=2.0)
        graph.add_edge(f"S{i}", f"R{i}", length=2.0)
    pairs = [(i, i + 1) for i in range(n) if (i + 1) % cols] + [(i, i + cols) for i in range(n - cols)]
    for a, b in pairs if doors is None else doors:
        door = f"D{a}|{b}"
        graph.add_node(door, kind="door", xyz=(0, 0, 0), dwell=airlock, capacity=1, room=None)
        for u, v in ((f"R{a}", door), (door, f"R{b}")):
            graph.add_edge(u, v, length=spacing / 2)
            graph.add_edge(v, u, length=spacing / 2)
    if lift:
        graph.add_node("LIFT", kind="lift", xyz=(0, 0, 0), dwell=30.0, capacity=lift_capacity, room=None)
        for r in lift:
            graph.add_edge(f"R{r}", "LIFT", length=3.0)
            graph.add_edge("LIFT", f"R{r}", length=3.0)
    return Network(graph, {}, speed)


def params(vehicles: int, orders: list, *, horizon: float, warmup: float = 0.0, home: str = "S0",
           park: str = "stay", rule: str = "fifo", speed: float = 1.0, acceleration: float = 0.5,
           handling: float = 30.0, congestion: bool = False, replan: str = "start") -> dict:
    """Resolved scenario parameters (SI) for :class:`scenarios.intralogistics.model.Logistics`."""
    return {"horizon": horizon, "warmup": warmup, "plant": "-", "network": {},
            "fleet": {"vehicles": vehicles, "speed": speed, "acceleration": acceleration, "payload": 1000.0,
                      "mass": 600.0, "home": home, "park": park, "power": {"empty": 400.0, "loaded": 800.0},
                      "battery": None},
            "handling": {"load": handling, "unload": handling}, "warehouse": None, "orders": orders,
            "batches": None, "dispatch": {"rule": rule, "window": 10}, "trace_interval": 3600.0,
            "routing": {"congestion": congestion, "replan": replan}}
