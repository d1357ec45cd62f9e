"""End to end on loopback: a TwinServer serves a bus, a Bridge copies it into a second bus.

The reference is the served bus itself (or, for the server process that a test kills, the log of every value it
wrote): what arrives must equal what was written, value for value and timestamp for timestamp.
"""
import asyncio
import math
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from loopback import Proxy, ServerThread, run, until

from bridge.client import Bridge, Refused
from bridge.mapping import parse_mapping
from bridge.security import ClientSecurity
from bridge.server import TwinServer
from twin.tags import Quality, TagBus

HERE = Path(__file__).parent
FAST = "subscription: {publishing_interval: 0.02, sampling_interval: 0, queue_size: 100}\n"
ORIGIN = float(int(time.time()))  # whole seconds: timestamps survive the trip to the microsecond


MANY = [f"C-1.n{i:02d}" for i in range(12)]  # historized tags of the batched back-fill test


def now() -> float:
    return round(time.time() - ORIGIN, 6)


@pytest.fixture(scope="module")
def plant(tmp_path_factory):
    """One served bus for the module's tests: each test writes its own tags, at the current time."""
    bus = TagBus()
    bus.define("R-101.TT-01", unit="K", initial=293.15)
    bus.define("R-101.state", dtype=str, initial="idle")
    bus.define("R-101.batches", dtype=int, initial=0)
    bus.define("C-1.count", initial=0.0)
    bus.define("C-2.count", initial=0.0)
    for name in MANY:
        bus.define(name, initial=0.0)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = TwinServer(bus, f"opc.tcp://127.0.0.1:{port}", history=tmp_path_factory.mktemp("h") / "h.db",
                        historize="C-1.*", time_origin=ORIGIN)
    with ServerThread(server):
        yield bus, server.endpoint


def test_values_timestamps_and_quality_arrive_equal(plant):
    served, endpoint = plant
    mapping = parse_mapping(FAST + """tags:
  - {tag: R-101.TT-01, node: "ns=2;s=R-101.TT-01", unit: K}
  - {tag: R-101.state, path: "2:pharma-twin/2:R-101/2:state", type: str}
  - {tag: R-101.batches, node: "ns=2;s=R-101.batches", type: int}
""")
    live = TagBus()
    start = now()

    async def body():
        async with Bridge(live, mapping, endpoint, time_origin=ORIGIN) as bridge:
            await until(bridge.connected.is_set, what="connection")
            for k in range(1, 41):  # every write a change: the bus notifies (and OPC UA reports) changes only
                t = now()
                served.write("R-101.TT-01", 293.15 + math.sin(k), t=t,
                             quality=Quality.UNCERTAIN if k == 7 else Quality.GOOD)
                if k % 10 == 1:
                    served.write("R-101.state", f"phase-{k}", t=t)
                    served.write("R-101.batches", k // 10 + 1, t=t)
                await asyncio.sleep(0.013)
            await until(lambda: live["R-101.TT-01"].timestamp == pytest.approx(t, abs=1e-6), what="last value")
            await until(lambda: live["R-101.batches"].value == 4, what="last batch count")
            assert bridge.problems == []

    run(body())
    for name in ("R-101.TT-01", "R-101.state", "R-101.batches"):
        t_in, v_in, q_in = served.history(name)
        t_out, v_out, q_out = live.history(name)
        written = t_in >= start
        np.testing.assert_allclose(t_out[1:], t_in[written], rtol=0, atol=1e-6)  # [0]: the value on connection
        assert list(v_out[1:]) == list(v_in[written]) and list(q_out[1:]) == list(q_in[written])


def test_network_outage_is_back_filled_from_the_server_history(plant):
    """The server keeps running (and historizing) while the network is down: every value must arrive, once."""
    served, endpoint = plant
    mapping = parse_mapping(FAST + "tags:\n  - {tag: C-1.count, node: 'ns=2;s=C-1.count'}\n")
    live = TagBus()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        proxy_port = s.getsockname()[1]
    start = now()

    async def body():
        proxy = Proxy(proxy_port, int(endpoint.rsplit(":", 1)[1]))
        await proxy.start()
        async with Bridge(live, mapping, f"opc.tcp://127.0.0.1:{proxy_port}", time_origin=ORIGIN,
                          backoff=(0.2, 0.5)) as bridge:
            await until(bridge.connected.is_set, what="connection")
            for k in range(1, 61):
                if k == 20:
                    await proxy.cut()
                if k == 40:
                    await proxy.start()
                served.write("C-1.count", float(k), t=now())
                await asyncio.sleep(0.02)
            await until(lambda: live["C-1.count"].value == 60.0, timeout=15, what="the last value")
            assert bridge.stats["reconnects"] >= 1 and bridge.stats["backfilled"] > 0
            assert bridge.stats["gaps"] == 0

    run(body())
    t_in, v_in, _ = served.history("C-1.count")
    t_out, v_out, q_out = live.history("C-1.count")
    written = t_in >= start
    assert list(v_out[1:]) == list(v_in[written]), "missing or duplicated values"
    np.testing.assert_allclose(t_out[1:], t_in[written], rtol=0, atol=1e-6)
    assert set(q_out) == {Quality.GOOD}


def test_back_fill_reads_the_history_of_many_tags_in_one_request(plant, monkeypatch):
    """After an outage the history of all the tags comes in one HistoryRead (not one per tag), and it is complete:
    every value the server wrote arrives once, with its timestamp (the served bus is the reference)."""
    from asyncua.client.ua_session import UaSession

    served, endpoint = plant
    mapping = parse_mapping(FAST + "tags:\n" + "".join(f"  - {{tag: {n}, node: 'ns=2;s={n}'}}\n" for n in MANY))
    requests = []  # nodes per HistoryRead request the bridge sends
    history_read = UaSession.history_read

    async def counted(session, params):
        requests.append(len(params.NodesToRead))
        return await history_read(session, params)

    monkeypatch.setattr(UaSession, "history_read", counted)
    live = TagBus()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        proxy_port = s.getsockname()[1]
    start = now()

    async def body():
        proxy = Proxy(proxy_port, int(endpoint.rsplit(":", 1)[1]))
        await proxy.start()
        async with Bridge(live, mapping, f"opc.tcp://127.0.0.1:{proxy_port}", time_origin=ORIGIN,
                          backoff=(0.2, 0.5)) as bridge:
            await until(bridge.connected.is_set, what="connection")
            for k in range(1, 41):
                if k == 10:
                    await proxy.cut()
                if k == 30:
                    await proxy.start()
                t = now()
                for name in MANY:
                    served.write(name, float(k), t=t)
                await asyncio.sleep(0.02)
            await until(lambda: all(live[n].value == 40.0 for n in MANY), timeout=15, what="the last values")
            assert bridge.stats["reconnects"] >= 1 and bridge.stats["gaps"] == 0
            assert not [p for p in bridge.problems if "history" in p], bridge.problems
            return bridge.stats["backfilled"]

    backfilled = run(body())
    assert backfilled >= len(MANY), "the outage was back-filled"
    assert requests and requests[0] == len(MANY), f"the first HistoryRead asks for every tag: {requests}"
    assert len(requests) < len(MANY), f"not one request per tag: {requests}"
    for name in MANY:
        t_in, v_in, _ = served.history(name)
        t_out, v_out, q_out = live.history(name)
        written = t_in >= start
        assert list(v_out[1:]) == list(v_in[written]), f"{name}: missing or duplicated values"
        np.testing.assert_allclose(t_out[1:], t_in[written], rtol=0, atol=1e-6)
        assert set(q_out) == {Quality.GOOD}


def test_bad_nodes_and_types_are_reported_and_the_other_tags_keep_flowing(plant):
    served, endpoint = plant
    mapping = parse_mapping(FAST + """tags:
  - {tag: C-2.count, node: "ns=2;s=C-2.count"}
  - {tag: X-1.missing, node: "ns=2;s=NO-SUCH.node"}
  - {tag: X-2.missing, path: "2:pharma-twin/2:NO-SUCH/2:node"}
  - {tag: X-3.wrongtype, node: "ns=2;s=R-101.state"}
""", source="plant.yaml")
    live = TagBus()

    async def body():
        async with Bridge(live, mapping, endpoint, time_origin=ORIGIN) as bridge:
            await until(bridge.connected.is_set, what="connection")
            for k in range(1, 11):
                served.write("C-2.count", float(k), t=now())
                await asyncio.sleep(0.02)
            await until(lambda: live["C-2.count"].value == 10.0, what="the good tag")
            return bridge.problems

    problems = run(body())
    assert len(problems) == 3, problems
    assert "plant.yaml:4: node ns=2;s=NO-SUCH.node does not exist" in problems[1] + problems[0]
    text = "\n".join(problems)
    assert "plant.yaml:5: browse path 2:pharma-twin/2:NO-SUCH/2:node does not exist" in text
    assert re.search(r"plant.yaml:6: node ns=2;s=R-101.state sent '.*' \(str\), which does not convert to tag "
                     r"X-3.wrongtype of type float; hint: set `type:`", text)
    assert list(live.history("C-2.count")[1][1:]) == [float(k) for k in range(1, 11)]


def test_unreachable_endpoint_is_reported_and_retried():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]  # nobody listens once the socket is closed
    mapping = parse_mapping("tags:\n  - {tag: C-1.count, node: 'ns=2;s=C-1.count'}\n")

    async def body():
        async with Bridge(TagBus(), mapping, f"opc.tcp://127.0.0.1:{closed}", backoff=(0.05, 0.1)) as bridge:
            await until(lambda: bridge.problems, what="a problem report")
            await asyncio.sleep(0.3)
            return bridge.problems

    problems = run(body())
    assert len(problems) == 1, "a failure that repeats is reported once"
    assert f"cannot reach opc.tcp://127.0.0.1:{closed}" in problems[0] and "is the server running" in problems[0]


def test_wrong_security_policy_is_explained(plant, tmp_path):
    _, endpoint = plant  # offers policy None only
    mapping = parse_mapping("tags:\n  - {tag: C-1.count, node: 'ns=2;s=C-1.count'}\n")
    security = ClientSecurity("Basic256Sha256", "Sign", pki=tmp_path / "pki")

    async def body():
        async with Bridge(TagBus(), mapping, endpoint, security=security, backoff=(0.1, 0.2)) as bridge:
            await until(lambda: bridge.finished, what="the refusal")

    with pytest.raises(Refused, match="offers no endpoint with policy Basic256Sha256 / Sign"):
        run(body())


@pytest.mark.slow  # two server processes, each slow to start (asyncua builds its whole address space)
@pytest.mark.parametrize("history", [True, False], ids=["with-history", "without-history"])
def test_server_killed_and_restarted(port, tmp_path, history):
    """Kill the server process mid-run and restart it: the bridge recovers; with the server's history it back-fills
    what it missed, without it marks the gap; every value the server wrote outside the marked gap arrives, once."""
    origin = float(int(time.time()))
    log = tmp_path / "written.txt"
    command = [sys.executable, str(HERE / "counter_server.py"), str(port), str(origin), "--dt", "0.05",
               "--log", str(log)] + (["--history", str(tmp_path / "h.db")] if history else [])
    mapping = parse_mapping("subscription: {publishing_interval: 0.2, sampling_interval: 0, queue_size: 100}\n"
                            "tags:\n  - {tag: C-1.count, node: 'ns=2;s=C-1.count'}\n")
    live = TagBus()
    processes = []

    async def body():
        processes.append(subprocess.Popen(command))
        async with Bridge(live, mapping, f"opc.tcp://127.0.0.1:{port}", time_origin=origin,
                          backoff=(0.2, 0.5)) as bridge:
            await until(lambda: bridge.stats["updates"] >= 10, timeout=30, what="first values")
            processes[-1].kill()
            processes[-1].wait()
            await asyncio.sleep(1.0)
            processes.append(subprocess.Popen(command))
            await until(lambda: bridge.stats["reconnects"] >= 1, timeout=30, what="reconnection")
            after = bridge.stats["updates"]
            await until(lambda: bridge.stats["updates"] >= after + 10, timeout=30, what="values after restart")

    try:
        run(body(), timeout=90)
    finally:
        for p in processes:
            p.kill()
            p.wait()
    written = {int(k): float(t) for k, t in (line.split() for line in log.read_text().splitlines())}
    t_out, v_out, q_out = live.history("C-1.count")
    good = q_out == Quality.GOOD
    received = v_out[good].astype(int)
    assert np.all(np.diff(t_out) > 0), "a timestamp repeats or goes back: a duplicate"
    assert np.all(np.diff(received) > 0), "a value repeats: a duplicate"
    for k, t in zip(received, t_out[good]):
        assert written[k] == pytest.approx(t, abs=1e-6), f"value {k} arrived with the wrong timestamp"
    missing = sorted(set(range(received[0], received[-1] + 1)) & set(written) - set(received))
    markers = t_out[~good]
    if history:
        assert len(markers) == 0
        import sqlite3

        with sqlite3.connect(tmp_path / "h.db") as db:
            stored = {int(float(v)) for (v,) in db.execute('SELECT Value FROM "2_C-1.count"')}
        assert not (stored & set(missing)), f"values in the server's history were not back-filled: {missing}"
    else:
        assert len(markers) == 1 and math.isnan(v_out[~good][0]), "the gap is not marked"
        for k in missing:  # whatever is missing lies inside the marked gap
            before = t_out[t_out < written[k]]
            assert len(before) and not good[len(before) - 1], f"value {k} is missing outside the marked gap"
