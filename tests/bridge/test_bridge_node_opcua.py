"""The bridge against an OPC UA server that is not ours: node-opcua (Node.js), installed from the npm registry
at a pinned version into a cache folder outside git on first use (the ``node_opcua`` fixture, conftest.py). The
reference is the peer server's own log of what it served."""
import asyncio
import re
import socket
import subprocess
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from loopback import run, until

from bridge.client import Bridge
from bridge.mapping import parse_mapping
from twin.tags import TagBus

HERE = Path(__file__).parent


@pytest.mark.slow  # Node.js starting node-opcua takes 10-20 s
def test_bridge_follows_a_node_opcua_server(node_opcua):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    origin = int(time.time()) + 1  # whole seconds, in the near future: the first values come after the bridge
    dt_ms, count = 100, 60  # slow enough that node-opcua's sampling sees every value
    peer = subprocess.Popen(["node", str(HERE / "node_opcua_server.js"), str(port), str(origin * 1000), str(dt_ms),
                             str(count)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            env=node_opcua)
    served: dict[int, float] = {}
    ready = threading.Event()

    def read_log():
        for line in peer.stdout:
            if line.startswith("READY"):
                ready.set()
            elif re.fullmatch(r"\d+ \d+", line.strip()):  # node-opcua prints its own notices too
                k, stamp_ms = line.split()
                served[int(k)] = int(stamp_ms) / 1000 - origin

    threading.Thread(target=read_log, daemon=True).start()
    mapping = parse_mapping("""subscription: {publishing_interval: 0.05, sampling_interval: 0.05, queue_size: 100}
tags:
  - {tag: R-101.TT-01, path: "1:R-101/1:TT-01", unit: K}
  - {tag: R-101.state, node: "ns=1;s=R-101.state", type: str}
  - {tag: R-101.wrong, node: "ns=1;s=R-101.state"}
""")
    live = TagBus()

    async def body():
        assert await asyncio.to_thread(ready.wait, 120), "node-opcua did not start within 120 s"
        async with Bridge(live, mapping, f"opc.tcp://127.0.0.1:{port}", time_origin=origin) as bridge:
            await until(lambda: count in served and live["R-101.TT-01"].value == count, timeout=60,
                        what="the peer's last value")
            return bridge.problems

    try:
        problems = run(body(), timeout=240)
    finally:
        peer.kill()
        peer.wait()
    t, v, q = live.history("R-101.TT-01")
    first = int(v[np.isfinite(v) & (v > 0)][0])
    got = [int(x) for x in v if x >= first]
    assert got == list(range(first, count + 1)), "values missing or repeated"
    np.testing.assert_allclose(t[v >= first], [served[k] for k in got], rtol=0, atol=1e-6)
    assert live["R-101.state"].value == "running"
    assert len(problems) == 1 and "does not convert to tag R-101.wrong of type float" in problems[0]
