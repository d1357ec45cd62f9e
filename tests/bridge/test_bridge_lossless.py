"""Lost updates are always counted and marked (issue #21, failure 2: a server's queues overflowed and the bridge said
"0 gaps, 0 problems"). The bridge's own accounting: the Overflow bit a server sets on the value after those its queue
discarded, and the sequence numbers of the notification messages.

Reference: node-opcua's own log of every value it served (tests/bridge/node_opcua_server.js)."""
import asyncio
import re
import subprocess
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from asyncua import ua
from loopback import free_port, run, until

from bridge.client import Bridge, _Subscription, backoff
from bridge.mapping import parse_mapping
from twin.tags import Quality, TagBus

HERE = Path(__file__).parent


@pytest.mark.slow  # node-opcua takes 5-15 s to start
def test_a_queue_that_overflows_is_counted_and_marked(node_opcua):
    """node-opcua writes 1, 2, ... every 20 ms; the bridge asks for a 2-value queue published every 0.5 s, so the
    server discards most values. Every value missing from the bridge's record lies in a BAD mark's span."""
    port = free_port()
    origin = int(time.time()) + 1
    count = 100
    peer = subprocess.Popen(["node", str(HERE / "node_opcua_server.js"), str(port), str(origin * 1000), "20",
                             str(count)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=node_opcua)
    served, ready = {}, threading.Event()

    def read_log():
        for line in peer.stdout:
            if line.startswith("READY"):
                ready.set()
            elif re.fullmatch(r"\d+ \d+", line.strip()):
                k, stamp_ms = line.split()
                served[int(k)] = int(stamp_ms) / 1000 - origin

    threading.Thread(target=read_log, daemon=True).start()
    mapping = parse_mapping("subscription: {publishing_interval: 0.5, sampling_interval: 0, queue_size: 2}\n"
                            "tags:\n  - {tag: R-101.TT-01, node: 'ns=1;s=R-101.TT-01'}\n")
    live = TagBus()

    async def body():
        assert await asyncio.to_thread(ready.wait, 120), "node-opcua did not start"
        async with Bridge(live, mapping, f"opc.tcp://127.0.0.1:{port}", time_origin=origin) as bridge:
            await until(lambda: live["R-101.TT-01"].value == count, timeout=60, what="the last value")
            return dict(bridge.stats), list(bridge.problems)

    try:
        stats, problems = run(body(), timeout=240)
    finally:
        peer.kill()
        peer.wait()
    t, v, q = live.history("R-101.TT-01")
    good = {int(x): ti for x, ti, qi in zip(v, t, q) if qi == Quality.GOOD and x > 0}
    missing = [k for k in range(min(good), count + 1) if k not in good]
    assert missing, "the test must make the server's queue overflow"
    assert stats["lost"] > 0 and any("queues overflowed" in p for p in problems), (stats, problems)
    bad = t[q == Quality.BAD]
    for k in missing:  # a BAD mark after the last value received before k, at or before k's time
        before = max(j for j in good if j < k)
        assert np.any((bad > good[before]) & (bad <= served[k] + 1e-6)), f"value {k} lost without a mark"


class _Session:
    observer = None


def test_a_gap_in_the_sequence_numbers_is_counted_as_lost():
    """Notification messages 1, 2, then 5: two messages lost; keep-alives (no data) carry the next number unused."""
    lost, counted = asyncio.Event(), []
    sub = _Subscription(_Session(), ua.CreateSubscriptionParameters(), counted.append, lost)

    def message(number: int, data: bool) -> ua.PublishResult:
        notes = [ua.DataChangeNotification(MonitoredItems=[])] if data else []
        return ua.PublishResult(SubscriptionId=1, NotificationMessage=ua.NotificationMessage(
            SequenceNumber=number, NotificationData=notes))

    async def body():
        sub._observe = lambda hook: None
        for number, data in ((1, True), (2, True), (3, False), (3, True), (5, False), (6, True)):
            await sub.publish_callback(message(number, data))

    asyncio.run(body())
    assert counted == [2] and lost.is_set()


def test_reconnection_waits_are_capped_so_an_outage_costs_at_most_the_cap_more():
    """Before #21 the wait doubled to 30 s: a 22 s outage cost 31.5 s of data."""
    waits = backoff(0.5, 2.0)
    assert [next(waits) for _ in range(8)] == [0.5, 1.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0]
    assert Bridge.__init__.__kwdefaults__["backoff"] == (0.5, 2.0)


def test_bad_rows_of_typed_tags_carry_no_value(tmp_path):
    """A gap mark of a bool/str/int tag: the bus holds the last value there, the CSV says nothing (before #21 it
    repeated the last value as if it were data)."""
    from bridge.cli import _write_csv

    bus = TagBus()
    bus.define("P-1.running", dtype=bool)
    bus.define("P-1.state", dtype=str)
    bus.define("P-1.T", unit="K")
    for name, value in (("P-1.running", True), ("P-1.state", "run"), ("P-1.T", 300.0)):
        bus.write(name, value, t=1.0)
        bus.write(name, value if name != "P-1.T" else float("nan"), t=2.0, quality=Quality.BAD)
    _write_csv(tmp_path / "r.csv", [(bus, "*")])
    rows = (tmp_path / "r.csv").read_text().splitlines()[1:]
    assert sorted(rows) == sorted(["P-1.running,1.0,True,0", "P-1.running,2.0,,2", "P-1.state,1.0,run,0",
                                   "P-1.state,2.0,,2", "P-1.T,1.0,300.0,0", "P-1.T,2.0,nan,2"])


@pytest.mark.parametrize("tags, rate, publishing, queue, per_sub", [
    (10_000, 1.0, 0.1, 10, 2500),    # the benchmark: 250 notifications a message, 4 subscriptions
    (100, 1.0, 0.1, 10, 100),        # one subscription
    (1000, 5.0, 0.1, 50, 500),       # 10 s of changes at 5 Hz per queue
    (100_000, 0.1, 0.1, 10, 5000),   # capped: 20 subscriptions
])
def test_subscription_sizing(tags, rate, publishing, queue, per_sub):
    """By hand from bridge/sizing.py's rules: queue = max(10, ceil(rate * 10 s)); tags a subscription =
    min(250 / (rate * publishing), 5000, tags)."""
    from bridge.sizing import plan

    sized = plan(tags, rate)
    assert (sized.publishing_interval, sized.sampling_interval, sized.queue_size, sized.tags_per_subscription) == (
        publishing, 0.0, queue, per_sub)
