"""Bridge benchmark: N tags changing at 1 Hz on a server, followed over loopback by the bridge and by a bare asyncua
subscription, side by side in one process.

A node-opcua server process (``server.js``: another implementation, so that the server is not what is measured, and
one fast enough for 10,000 changes a second) writes every tag once a second, in ten slices of N/10 tags 100 ms apart,
each value the count ``k`` of that tag's writes and each source timestamp the moment of the write. In this process
the two clients take turns, ``seconds`` each, on the same server:

- **asyncua** (the peer): one subscription, monitored items created in batches of 1000, notifications taken from
  asyncua's event iterator; this is the floor any asyncua client pays.
- **bridge**: :class:`bridge.client.Bridge` into a :class:`twin.tags.TagBus`, latency taken at the bus's change
  notification.

For each: updates counted (and checked: every tag's counts arrive in order without a hole), p50/p99 latency from the
server's write to its arrival, and this process's CPU (process time / wall time, in cores). ``python -m
benchmarks.bridge`` prints them and the ratios bridge / asyncua. Targets (issue #21): p99 < 250 ms, bridge CPU
< 0.5 core.
"""
from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import time
from pathlib import Path

import numpy as np
from asyncua import Client, ua
from asyncua.common.subscription import DataChangeEvent

from benchmarks.bridge import node_opcua
from bridge.client import Bridge
from bridge.mapping import Mapping, TagMap
from bridge.sizing import plan
from twin.tags import TagBus


def _node_opcua() -> dict:
    """The environment in which ``node`` finds node-opcua (pinned, installed on first use)."""
    try:
        return node_opcua.environment()
    except node_opcua.Unavailable as exc:
        raise SystemExit(f"benchmarks.bridge: its node-opcua server: {exc}") from None


def _mapping(n: int) -> Mapping:
    """The mapping `twin bridge --discover` writes for the benchmark's server: its subscription sized by
    :func:`bridge.sizing.plan` for ``n`` tags changing once a second."""
    sized = plan(n)
    return Mapping(tags=tuple(TagMap(tag=f"B-{i // 100:03d}.S{i % 100:02d}",
                                     node=f"ns=1;s=B-{i // 100:03d}.S{i % 100:02d}") for i in range(n)),
                   publishing_interval=sized.publishing_interval, sampling_interval=sized.sampling_interval,
                   queue_size=sized.queue_size, tags_per_subscription=sized.tags_per_subscription)


class _Tally:
    """Counts and latencies of the updates that arrive during the measured window, and holes in the counts."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.last: dict[str, float] = {}
        self.holes = 0
        self.measuring = False

    def add(self, name: str, value: float, stamp: float) -> None:
        arrived = time.time()
        previous = self.last.get(name)
        if previous is not None and value != previous + 1:
            self.holes += 1
        self.last[name] = value
        if self.measuring:
            self.latencies.append(arrived - stamp)


async def _measure(tally: _Tally, seconds: float, connected) -> dict:
    await connected()
    await asyncio.sleep(2.0)  # the first full round, after the initial values
    tally.holes = 0
    tally.measuring = True
    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.sleep(seconds)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    tally.measuring = False
    lat = np.array(tally.latencies) * 1000
    return {"updates": len(lat), "updates_per_s": len(lat) / wall, "holes": tally.holes, "cpu_cores": cpu / wall,
            "p50_ms": float(np.percentile(lat, 50)) if len(lat) else float("nan"),
            "p99_ms": float(np.percentile(lat, 99)) if len(lat) else float("nan")}


async def run_asyncua(endpoint: str, n: int, seconds: float) -> dict:
    """The peer: a bare asyncua subscription on the same nodes."""
    tally = _Tally()
    mapping = _mapping(n)
    async with Client(endpoint, timeout=30, watchdog_intervall=30) as client:
        params = ua.CreateSubscriptionParameters(RequestedPublishingInterval=1000 * mapping.publishing_interval,
                                                 RequestedLifetimeCount=600, RequestedMaxKeepAliveCount=50,
                                                 MaxNotificationsPerPublish=0, PublishingEnabled=True, Priority=0)
        sub = await client.create_subscription(params, handler=None, queue_maxsize=0)
        nodes = [client.get_node(m.node) for m in mapping.tags]
        for i in range(0, n, 1000):
            await sub.subscribe_data_change(nodes[i:i + 1000], queuesize=mapping.queue_size,
                                            sampling_interval=1000 * mapping.sampling_interval)
        names = {node.nodeid: m.tag for node, m in zip(nodes, mapping.tags)}

        async def consume():
            async for event in sub:
                if isinstance(event, DataChangeEvent):
                    dv = event.data.monitored_item.Value
                    tally.add(names[event.node.nodeid], dv.Value.Value, dv.SourceTimestamp.timestamp())

        consumer = asyncio.create_task(consume())

        async def connected():
            return None

        try:
            return await _measure(tally, seconds, connected)
        finally:
            consumer.cancel()


async def run_bridge(endpoint: str, n: int, seconds: float) -> dict:
    """The bridge into a TagBus; latency at the bus's change notification."""
    tally = _Tally()
    bus = TagBus()
    bus.subscribe("*", lambda tag: tally.add(tag.name, tag.value, tag.timestamp))
    bridge = Bridge(bus, _mapping(n), endpoint, timeout=30)
    async with bridge:
        result = await _measure(tally, seconds, bridge.connected.wait)
    result["problems"] = len(bridge.problems)
    result["lost"] = bridge.stats["lost"]
    return result


def main(n: int = 10_000, seconds: float = 20.0) -> dict:
    """Run both sides on one server process; print and return the figures."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(["node", str(Path(__file__).with_name("server.js")), str(port), str(n)],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=_node_opcua())
    try:
        for line in server.stdout:
            if line.startswith("READY"):
                break
        else:
            raise RuntimeError("the node-opcua benchmark server stopped before it was ready")
        endpoint = f"opc.tcp://127.0.0.1:{port}"
        peer = asyncio.run(run_asyncua(endpoint, n, seconds))
        ours = asyncio.run(run_bridge(endpoint, n, seconds))
    finally:
        server.kill()
        server.wait()
    load = os.getloadavg()[0]
    print(f"{n} tags at 1 Hz over loopback, {seconds:g} s measured per side; settings as --discover writes them: "
          f"{_mapping(n).publishing_interval:g} s publishing, sampling {_mapping(n).sampling_interval:g} s, queue "
          f"{_mapping(n).queue_size}, {_mapping(n).tags_per_subscription} tags a subscription; load average "
          f"{load:.2f} on {os.cpu_count()} cores")
    print(f"{'':10} {'updates/s':>10} {'holes':>6} {'p50 ms':>8} {'p99 ms':>8} {'CPU cores':>10}")
    for name, r in (("asyncua", peer), ("bridge", ours)):
        print(f"{name:10} {r['updates_per_s']:10.0f} {r['holes']:6d} {r['p50_ms']:8.1f} {r['p99_ms']:8.1f} "
              f"{r['cpu_cores']:10.2f}")
    print(f"ratios bridge / asyncua: CPU {ours['cpu_cores'] / peer['cpu_cores']:.2f}, "
          f"p99 latency {ours['p99_ms'] / peer['p99_ms']:.2f}")
    print(f"bridge's own count of lost updates: {ours['lost']}")
    print(f"targets: every update delivered ({'met' if ours['holes'] == 0 else 'MISSED'}), p99 < 250 ms "
          f"({'met' if ours['p99_ms'] < 250 else 'MISSED'}), bridge CPU < 0.5 core "
          f"({'met' if ours['cpu_cores'] < 0.5 else 'MISSED'})")
    return {"asyncua": peer, "bridge": ours, "load": load}
