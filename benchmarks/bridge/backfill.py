"""Back-fill benchmark: after an outage, the history of N tags read by the bridge's batched HistoryRead
(:func:`bridge.client.read_history`, up to 1,000 nodes a request) against asyncua's ``Node.read_raw_history``, one
request per node (the peer), side by side in one process, on the same server over loopback.

The server is a :class:`bridge.server.TwinServer` storing every change in SQLite, in the same process and event loop
(so both ends' work per request is counted); each of the N tags holds ``values`` changes. The two readers alternate,
best of two each. Both must read the same values, node for node (checked). ``python -m benchmarks.bridge.backfill
[tags [values]]`` prints both times and the ratio peer / bridge.
"""
from __future__ import annotations

import asyncio
import socket
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from asyncua import Client

from bridge.client import BATCH, read_history
from bridge.server import TwinServer
from twin.tags import TagBus


async def measure(n: int = 1000, values: int = 10) -> dict:
    """Serve ``n`` tags of ``values`` changes each, then read their whole history both ways; times in seconds."""
    names = [f"H-{i // 100:03d}.S{i % 100:02d}" for i in range(n)]
    bus = TagBus()
    for name in names:
        bus.define(name, initial=0.0)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        endpoint = f"opc.tcp://127.0.0.1:{s.getsockname()[1]}"
    origin = float(int(time.time()))
    start, end = datetime.fromtimestamp(origin - 1, UTC), datetime.fromtimestamp(origin + values + 1, UTC)
    with tempfile.TemporaryDirectory() as folder:
        async with TwinServer(bus, endpoint, history=Path(folder) / "h.db", time_origin=origin) as server:
            for k in range(1, values + 1):
                for name in names:
                    bus.write(name, float(k), t=float(k))
            nodes = [server.node_id(name) for name in names]
            async with Client(endpoint, timeout=60, watchdog_intervall=60) as client:
                last = client.get_node(nodes[-1])
                while len(await last.read_raw_history(start, end, return_bounds=False)) < values + 1:
                    await asyncio.sleep(0.1)  # the server is still storing

                async def per_node():
                    return [await client.get_node(node).read_raw_history(start, end, return_bounds=False)
                            for node in nodes]

                async def batched():
                    return [values for i in range(0, n, BATCH)
                            for values in await read_history(client, nodes[i:i + BATCH], start, end)]

                times, read_back = {per_node: [], batched: []}, {}
                for read in (per_node, batched, per_node, batched):  # alternating, best of two: caches warm alike
                    t0 = time.perf_counter()
                    read_back[read] = await read()
                    times[read].append(time.perf_counter() - t0)
                t_peer, t_bridge = min(times[per_node]), min(times[batched])
                peer, ours = read_back[per_node], read_back[batched]
    for name, theirs, mine in zip(names, peer, ours, strict=True):
        got, expected = [dv.Value.Value for dv in mine], [dv.Value.Value for dv in theirs]
        if got != expected or len(got) != values + 1:
            raise AssertionError(f"{name}: the batched read gave {got}, the per-node read {expected}")
    return {"tags": n, "values": values, "asyncua": t_peer, "bridge": t_bridge, "requests": (n, -(-n // BATCH))}


def main(n: int = 1000, values: int = 10) -> dict:
    result = asyncio.run(measure(n, values))
    peer_requests, bridge_requests = result["requests"]
    print(f"back-fill of {n} tags x {values + 1} values (same values both ways, checked):")
    print(f"  asyncua read_raw_history, per node   {result['asyncua']:8.3f} s  {peer_requests} requests")
    print(f"  bridge read_history, batched        {result['bridge']:8.3f} s  {bridge_requests} requests")
    print(f"  ratio asyncua / bridge              {result['asyncua'] / result['bridge']:8.1f}")
    return result


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
