"""The intralogistics study's model on ``twin.des`` and on SimPy: 50 AGVs for a simulated week with 10,000 transport
orders on the sample plant's network (the logistics variant of the multipurpose OSD plant: airlocks, a lift, an
upper store), the same model code and random numbers on both engines (:class:`scenarios.intralogistics.model.
Logistics` takes the DES module as a parameter).

Prints each engine's wall and CPU time, the events it processed (counted by SimPy's ``step``, the same on both
because the runs are the same: their KPIs are checked equal) and events per second, the ratio, and the machine's
load. The network is built once before the clocks start (the plant's IFC takes seconds to read).
"""
from __future__ import annotations

import dataclasses
import os
import time
from pathlib import Path

import numpy as np

import scenarios
import twin.des
from scenarios.intralogistics.model import Logistics
from scenarios.intralogistics.network import network_of
from scenarios.intralogistics.params import LogisticsParams, Stream

SAMPLE = Path(__file__).resolve().parents[2] / "scenarios" / "intralogistics" / "multipurpose_osd.yaml"
WEEK = 7 * 86400.0


def week_params(vehicles: int = 50, orders: int = 10_000) -> LogisticsParams:
    """The sample scenario with ``vehicles`` AGVs and ``orders`` Poisson orders a week between its stations."""
    base = LogisticsParams.of(scenarios.load(SAMPLE).variants["base"])
    stations = ("WH-01", "WH-02", "DS-101", "GR-201", "GR-202", "BL-301", "BL-302", "TP-401", "TP-402", "CT-501",
                "PK-601", "PK-602", "PK-603", "HPLC-01")
    return dataclasses.replace(base, horizon=WEEK, warmup=0.0, batches=None,
                               orders=(Stream(stations, stations, WEEK / orders, load=200.0, due=3600.0),),
                               fleet=dataclasses.replace(base.fleet, vehicles=vehicles))


def timed(params: LogisticsParams, des, network) -> tuple[float, float, int, dict]:
    """Wall and CPU seconds of one run on ``des``, the events processed (counted on SimPy only), its KPIs."""
    model = Logistics(params, np.random.SeedSequence(1), network=network, des=des)
    steps = 0
    if des is not twin.des:
        step = model.env.step

        def counted():
            nonlocal steps
            steps += 1
            step()
        model.env.step = counted
    wall, cpu = time.perf_counter(), time.process_time()
    run = model.run()
    return time.perf_counter() - wall, time.process_time() - cpu, steps, run.kpis


def main() -> int:
    import simpy

    params = week_params()
    network = network_of(params)
    ours = timed(params, twin.des, network)
    peer = timed(params, simpy, network)
    same = all(ours[3][k] == peer[3][k] or (ours[3][k] != ours[3][k] and peer[3][k] != peer[3][k]) for k in ours[3])
    events = peer[2]
    orders = ours[3]["delivered"] * WEEK
    print(f"50 AGVs, one week, {orders:,.0f} orders delivered; {events:,} events; same KPIs on both: {same}")
    for name, (wall, cpu, *_) in (("twin.des", ours), ("simpy", peer)):
        print(f"  {name:9s} wall {wall:6.2f} s  cpu {cpu:6.2f} s  {events / wall:12,.0f} events/s")
    print(f"  ratio simpy / twin.des (wall): {peer[0] / ours[0]:.2f}; load {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} cores")
    return 0 if same else 1
