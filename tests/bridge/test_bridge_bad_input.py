"""Bad input at scale and on the wire (issue #21): a mapping of 100,000 tags loads, names a bad entry's line and,
against a server that has few of its nodes, says so in a bounded number of lines while the others flow; a server that
answers with malformed or oversized messages is a network failure, retried, never a traceback or a hang."""
import asyncio
import struct
import time

import pytest
from loopback import ServerThread, free_port, run, until

from bridge.client import SHOWN, Bridge
from bridge.mapping import load_mapping, parse_mapping
from bridge.server import TwinServer
from twin.config import ConfigError
from twin.tags import TagBus

N = 100_000


def big_mapping(path, bad_line: int | None = None):
    lines = ["subscription: {publishing_interval: 0.1}", "tags:"]
    lines += [f"  - {{tag: B-{i // 100:04d}.S{i % 100:02d}, node: 'ns=2;s=B-{i // 100:04d}.S{i % 100:02d}'}}"
              for i in range(N)]
    if bad_line is not None:
        lines[bad_line - 1] = "  - {tag: B-9999.bad, node: 'not a node id'}"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.slow  # 100,000 entries parsed and checked: ~5 s idle (88 s before #21: PyYAML's Python scanner)
def test_a_mapping_of_100000_tags(tmp_path):
    with pytest.raises(ConfigError, match=rf"big.yaml:{N}.*'not a node id' is not a NodeId"):
        load_mapping(big_mapping(tmp_path / "big.yaml", bad_line=N))
    mapping = load_mapping(big_mapping(tmp_path / "big.yaml"))
    assert len(mapping.tags) == N and mapping.tags[-1].where.endswith(f"big.yaml:{N + 2}")
    assert mapping.tags_per_subscription == 2500  # 40 subscriptions (bridge/sizing.py)
    served = TagBus()  # the server holds two of the 100,000 nodes
    for name in ("B-0000.S00", "B-0999.S99"):
        served.define(name, initial=1.0)
    endpoint = f"opc.tcp://127.0.0.1:{free_port()}"
    reported = []

    async def body():
        async with Bridge(TagBus(), mapping, endpoint, time_origin=time.time(), report=reported.append,
                          timeout=30) as bridge:
            await until(bridge.connected.is_set, timeout=120, what="connection")
            return bridge.bus["B-0999.S99"].value, len(bridge.problems)

    with ServerThread(TwinServer(served, endpoint)):
        value, problems = run(body(), timeout=300)
    assert value == 1.0 and problems == N - 2
    assert len(reported) == SHOWN + 1 and "the others are counted" in reported[-1]


async def _garbage_server(port: int, reply: bytes) -> asyncio.AbstractServer:
    async def answer(reader, writer):
        await reader.read(1024)  # the client's Hello
        writer.write(reply)
        await writer.drain()
        await asyncio.sleep(0.2)
        writer.close()

    return await asyncio.start_server(answer, "127.0.0.1", port)


@pytest.mark.parametrize("reply", [
    b"ACKF" + struct.pack("<I", 2**31 - 1) + b"\x00" * 20,       # a header announcing a 2 GB message
    b"\xff" * 64,                                                 # not OPC UA at all
    b"ERRF" + struct.pack("<I", 16) + b"\x00\x00\x00\x80\xff\xff",  # a truncated error message
])
def test_a_server_that_sends_malformed_messages_is_retried_without_traceback(reply):
    port = free_port()
    mapping = parse_mapping("tags:\n  - {tag: C-1.count, node: 'ns=2;s=C-1.count'}\n")

    async def body():
        server = await _garbage_server(port, reply)
        try:
            async with Bridge(TagBus(), mapping, f"opc.tcp://127.0.0.1:{port}", timeout=1.0,
                              backoff=(0.1, 0.2)) as bridge:
                await until(lambda: bridge.problems, timeout=20, what="a problem report")
                await asyncio.sleep(0.5)
                assert not bridge.finished, "a malformed answer is retried as a network failure"
                return list(bridge.problems)
        finally:
            server.close()

    problems = run(body(), timeout=60)
    assert len(problems) >= 1 and all("127.0.0.1" in p for p in problems), problems
