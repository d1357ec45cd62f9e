"""Naming discovered nodes by plant tags, and a twin kept in step with the wall clock."""
import asyncio
import time

import pytest

from bridge.discover import guess_tag
from bridge.realtime import run_in_real_time
from twin.tags import TAG_NAME
from twin.twin import Twin

PLANT_TAGS = {"r101.tt01": "R-101.TT-01", "liw101.fsp": "LIW-101.F_sp"}


@pytest.mark.parametrize("path, tag", [
    (["Reactors", "R101", "TT_01"], "R-101.TT-01"),          # case, dashes and underscores do not matter
    (["Line", "liw-101", "F SP"], "LIW-101.F_sp"),
    (["Line", "Press 1", "rate (tabs/h)"], "Press_1.rate_tabs_h"),  # no plant tag: made from the names
    (["flow"], "Objects.flow"),
])
def test_node_names_are_matched_to_plant_tags(path, tag):
    assert guess_tag(path, PLANT_TAGS) == tag and TAG_NAME.match(tag)


def test_real_time_runs_the_twin_to_the_end_time_and_refuses_bad_speeds():
    tw = Twin(sample_interval=1.0)
    asyncio.run(run_in_real_time(tw, speed=50.0, step=0.02, until=10.0))
    assert tw.now == 10.0
    with pytest.raises(ValueError, match="speed and step must be positive"):
        asyncio.run(run_in_real_time(tw, speed=0.0))


def test_a_twin_slower_than_asked_still_lets_clients_in():
    """A twin that computes 2 ms per simulated second (500x at best) served at 100,000x: it falls behind, and a
    client in another thread still connects and reads between its slices (one catch-up to the wall clock, 60 s of
    computing here, starved it: its connect timed out)."""
    import socket
    import threading

    from asyncua import Client

    from bridge.server import NAMESPACE, TwinServer
    from twin.unit import DiscreteUnit

    class Busy(DiscreteUnit):
        def attach(self, twin):
            super().attach(twin)
            twin.tags.define("B-1.count")

        def process(self, twin):
            n = 0
            while True:
                time.sleep(0.002)
                n += 1
                twin.tags.write("B-1.count", float(n), t=twin.now)
                yield twin.env.timeout(1.0)

    tw = Twin()
    tw.add(Busy("B-1"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        endpoint = f"opc.tcp://127.0.0.1:{s.getsockname()[1]}"
    read = {}

    async def client():
        async with Client(endpoint, timeout=4) as c:
            ns = await c.get_namespace_index(NAMESPACE)
            read["count"] = await c.get_node(f"ns={ns};s=B-1.count").read_value()

    def reader():
        time.sleep(1.0)
        try:
            asyncio.run(client())
        except (OSError, TimeoutError) as exc:
            read["error"] = exc

    async def body():
        async with TwinServer(tw.tags, endpoint, clock=lambda: tw.now):
            thread = threading.Thread(target=reader)
            thread.start()
            clock = asyncio.create_task(run_in_real_time(tw, speed=100_000.0, step=0.05, until=30_000.0))
            while thread.is_alive():
                await asyncio.sleep(0.05)
            clock.cancel()

    asyncio.run(body())
    assert "error" not in read and read["count"] > 10, read
