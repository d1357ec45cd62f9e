"""``twin monitor live`` end to end on loopback: a virtual plant's tags served by TwinServer (normal operation, then a
bias step on one tag), watched over OPC UA through the bridge's feed (entry-point group twin.live_feeds); the live
monitor writes what the batch check computes on the same samples, alarms after the step and names the tag."""
import asyncio
import time

import numpy as np
import pytest
from loopback import free_port, run

from bridge.feed import feed
from bridge.realtime import run_in_real_time
from bridge.server import TwinServer
from twin import Twin
from twin.cli import main
from twin.monitor import Monitor, fit_pca
from twin.monitor.live import watch
from twin.monitor.modelfile import save
from twin.tags import TagBus

TAGS = ["FD-1.rate", "FD-2.rate", "BL-1.speed", "NIR-1.api", "TP-1.force"]
W = np.random.default_rng(42).normal(size=(2, 5))


def samples(seed: int, n: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 2)) @ W + 0.2 * rng.normal(size=(n, 5)) + 10


def plant(rows: np.ndarray) -> Twin:
    tw = Twin()
    for j, name in enumerate(TAGS):
        tw.tags.define(name, initial=float(rows[0, j]))

    def writer(tw):
        for row in rows[1:]:
            yield tw.env.timeout(1.0)
            for j, name in enumerate(TAGS):
                tw.set(name, float(row[j]))

    tw.env.process(writer(tw))
    return tw


@pytest.mark.slow
def test_the_live_monitor_on_a_served_plant_alarms_on_the_step_and_names_the_tag():
    port = free_port()
    model = fit_pca(samples(0, 2000), TAGS, components=2)
    rows = samples(1, 121)
    rows[60:, 3] += 3.0  # the NIR reads 3 high from t = 60 s
    truth = plant(rows)

    async def body():
        async with TwinServer(truth.tags, f"opc.tcp://127.0.0.1:{port}", time_origin=time.time(),
                              clock=lambda: truth.now):
            stop = asyncio.Event()
            monitor = Monitor(model, "MSPC-01", period=1.0)
            steps = []

            def on_step(t, alarm):
                steps.append((t, alarm))
                if len(steps) >= 100:
                    stop.set()

            task = asyncio.create_task(watch(monitor, TagBus(), feed, f"opc.tcp://127.0.0.1:{port}",
                                             on_step=on_step, stop=stop, duration=60))
            await asyncio.sleep(1.0)  # connected before the plant starts
            clock = asyncio.create_task(run_in_real_time(truth, speed=10.0, step=0.02, until=120.5))
            bus = await task
            clock.cancel()
            return bus

    bus = run(body(), timeout=90)
    _, t2, _ = bus.history("MSPC-01.T2")
    _, alarm, _ = bus.history("MSPC-01.alarm")
    _, top, _ = bus.history("MSPC-01.top")
    check = model.check(rows)
    assert len(t2) >= 80
    # each live sample is one of the plant's rows: its T-squared is that row's
    assert np.isin(np.round(t2, 8), np.round(check.t2, 8)).mean() > 0.95
    before, after = alarm[: len(alarm) // 3], alarm[-len(alarm) // 3:]
    assert before.mean() < 0.2 and after.mean() > 0.8
    assert top[-1] == "NIR-1.api"


def test_live_command_refuses_bad_input(tmp_path, capsys):
    save(fit_pca(samples(0, 200), TAGS, components=2), tmp_path / "m.json")
    with pytest.raises(SystemExit) as refused:     # by argparse (twin.arguments.endpoint), before anything loads
        main(["monitor", "live", str(tmp_path / "m.json"), "--endpoint", "http://plc:80"])
    code = refused.value.code
    assert code == 2 and "is not an OPC UA endpoint; expected opc.tcp://host:port" in capsys.readouterr().err
    code = main(["monitor", "live", str(tmp_path / "none.json"), "--endpoint", "opc.tcp://127.0.0.1:1"])
    assert code == 2 and "no such model file" in capsys.readouterr().err
