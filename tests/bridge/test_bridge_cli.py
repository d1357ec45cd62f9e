"""``twin serve`` and ``twin bridge`` as a user runs them: the issue's loop, a simulated osd_cm_line served and a
second twin bridged to it, checked against the server's own history; and the commands' answers to bad input."""
import asyncio
import re
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from asyncua import Client
from loopback import run, until

import twin.plant
from bridge.client import Bridge
from bridge.discover import discover
from bridge.mapping import dump_mapping, parse_mapping
from twin.cli import main
from twin.twin import Twin

ROOT = Path(__file__).resolve().parents[2]
PLANT = ROOT / "plant_models" / "osd_cm_line" / "plant.yaml"
API_BAY = ROOT / "plant_models" / "api_bay" / "plant.yaml"
ORIGIN = [float(int(time.time()))]


def free_ports(n: int) -> list[int]:
    """``n`` distinct free TCP ports on the loopback interface."""
    sockets = [socket.socket() for _ in range(n)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def test_help_teaches_with_examples(capsys):
    for command in ("bridge", "serve"):
        with pytest.raises(SystemExit) as done:
            main([command, "--help"])
        out = capsys.readouterr().out
        assert done.value.code == 0 and "examples:" in out and f"twin {command} " in out


@pytest.mark.parametrize("args, message", [
    (["bridge"], "give a mapping file, or --discover ENDPOINT"),
    (["bridge", "missing.yaml"], "missing.yaml: file not found"),
    (["bridge", "missing.yaml", "--policy", "Basic128"], "unknown security policy 'Basic128'"),
    (["bridge", "missing.yaml", "--user", "operator"], "expected NAME:PASSWORD"),
    (["bridge", "map.yaml", "--serve", "opc.tcp://127.0.0.1:4841"], "--serve serves the shadow twin: give --shadow"),
    (["bridge", "map.yaml", "--shadow", "plant.yaml", "--serve", "opc.tcp://127.0.0.1:4841"], "nobody could log in"),
    (["serve", "missing-plant.yaml"], "serve: "),
    (["serve", str(PLANT), "--policy", "Basic256Sha256,Sign", "--pki", "pki"], "nobody could log in"),
    (["serve", str(PLANT), "--user", "scada:secret", "--duration", "0.1"],
     "--user on policy None: clients would send their passwords in clear text"),  # issue #21: said nothing before
    (["serve", str(PLANT), "--allow-anonymous", "--pki", str(ROOT / "pki")], "lies inside the git work tree"),
    (["bridge", "map.yaml", "--shadow", "plant.yaml", "--serve", "opc.tcp://127.0.0.1:4841", "--serve-user", "a:b"],
     "--serve-user on policy None: clients would send their passwords in clear text"),
    (["bridge", "map.yaml", "http://127.0.0.1:4840"], "'http://127.0.0.1:4840' is not an OPC UA endpoint"),
    (["bridge", "--discover", "http://127.0.0.1:4840"], "'http://127.0.0.1:4840' is not an OPC UA endpoint"),
])
def test_bad_input_gets_a_message_not_a_traceback(args, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    try:
        code = main(args)
    except SystemExit as exit:     # refused by argparse (twin.arguments) before the command runs
        code = exit.code
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err


def test_serve_a_simulated_line_and_bridge_a_second_twin_to_it(tmp_path):
    """The issue's proof: `twin serve` the osd_cm_line, discover it with the plant's tags, bridge a second twin's
    bus to it, and compare with the history the server stored (read back over OPC UA: an independent path)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        endpoint = f"opc.tcp://127.0.0.1:{s.getsockname()[1]}"
    server = subprocess.Popen([sys.executable, "-m", "twin", "serve", str(PLANT), "--endpoint", endpoint,
                               "--allow-anonymous", "--history", str(tmp_path / "h.db"), "--duration", "120"],
                              stderr=subprocess.PIPE, text=True)
    ready = threading.Event()
    threading.Thread(target=lambda: [ready.set() for line in server.stderr if line.startswith("serving")],
                     daemon=True).start()
    plant = twin.plant.load(PLANT)
    second = Twin(plant)  # its bus defines the same tags, with the same units: the bridge writes into it

    async def body():
        assert await asyncio.to_thread(ready.wait, 120), "twin serve did not start"
        mapping = await discover(endpoint, plant_tags=list(second.tags))
        mapping = parse_mapping(dump_mapping(mapping).replace("publishing_interval: 0.5", "publishing_interval: 0.1"))
        assert {m.tag for m in mapping.tags} == set(second.tags) | set(plant.instruments), \
            "discover names every node by its plant tag (instruments too, issue #21)"
        async with Bridge(second.tags, mapping, endpoint, time_origin=ORIGIN[0]) as bridge:
            await until(bridge.connected.is_set, timeout=30, what="connection")
            connected_at = time.time()
            async with Client(endpoint) as client:
                setpoint = client.get_node(next(m.node for m in mapping.tags if m.tag == "LIW-101.F_sp"))
                await setpoint.write_value(0.0025)  # kg/s, from 0.00167: the feeder's mass flow follows
                await until(lambda: second.tags.read("LIW-101.F_sp") == 0.0025, what="the setpoint back")
                await asyncio.sleep(4.0)
                history = {}
                for tag in ("LIW-101.massflow", "LIW-101.m_hopper", "LIW-101.F_sp"):
                    node = client.get_node(next(m.node for m in mapping.tags if m.tag == tag))
                    history[tag] = await node.read_raw_history(datetime(2000, 1, 1, tzinfo=UTC), datetime.now(UTC))
                # a change stored just before the read may still be on its way (publishing interval, a loaded
                # machine): the proof is that it arrives, so wait for each tag's last stored change to be bridged
                for tag, stored in history.items():
                    last = stored[-1].SourceTimestamp.replace(tzinfo=UTC).timestamp()
                    await until(lambda: second.tags.history(tag)[0][-1] + ORIGIN[0] >= last - 2e-6, timeout=30,  # noqa: B023
                                what=f"{tag}'s last stored change to be bridged")
            return connected_at, history, bridge.problems

    try:
        connected_at, history, problems = run(body(), timeout=240)
    finally:
        server.terminate()
        server.wait(30)
    assert problems == []
    for tag, stored in history.items():
        t, v, _ = second.tags.history(tag)
        bridged_t = t + ORIGIN[0]
        # every change the server stored after the bridge connected arrived, with the same value and timestamp
        # (and the last one: a setpoint is stamped with the twin's clock, which may trail the wall clock a little).
        # Timestamps agree to OPC UA's 100 ns tick plus the float rounding of epoch seconds (~2e-7 s): within 2 us.
        served = {dv.SourceTimestamp.replace(tzinfo=UTC).timestamp(): dv.Value.Value for dv in stored
                  if dv.SourceTimestamp.replace(tzinfo=UTC).timestamp() > connected_at or dv is stored[-1]}
        assert len(served) >= (1 if tag.endswith("_sp") else 2), tag
        nearest = [int(np.argmin(np.abs(bridged_t - ts))) for ts in served]
        np.testing.assert_allclose([bridged_t[i] for i in nearest], list(served), rtol=0, atol=2e-6, err_msg=tag)
        np.testing.assert_array_equal([v[i] for i in nearest], list(served.values()), err_msg=tag)
    assert history["LIW-101.F_sp"][-1].Value.Value == 0.0025
    massflow = [dv.Value.Value for dv in history["LIW-101.massflow"]]
    assert massflow[-1] > massflow[0], "the served twin took the new setpoint as its input"


def test_bridge_command_follows_a_server_and_writes_its_record(tmp_path, capsys):
    from loopback import ServerThread

    from bridge.server import TwinServer
    from twin.tags import TagBus

    served = TagBus()
    served.define("R-101.TT-01", unit="K", initial=300.0)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        endpoint = f"opc.tcp://127.0.0.1:{s.getsockname()[1]}"
    (tmp_path / "map.yaml").write_text("subscription: {publishing_interval: 100 ms}\n"
                                       "tags:\n  - {tag: R-101.TT-01, node: 'ns=2;s=R-101.TT-01', unit: K}\n")
    with ServerThread(TwinServer(served, endpoint, time_origin=time.time())):
        code = main(["bridge", str(tmp_path / "map.yaml"), endpoint, "--duration", "2", "--csv",
                     str(tmp_path / "live.csv")])
    assert code == 0
    assert "1 updates, 0 back-filled, 0 gaps marked, 0 lost, 0 problems" in capsys.readouterr().err
    rows = (tmp_path / "live.csv").read_text().splitlines()
    assert rows[0] == "tag,t,value,quality" and rows[1].startswith("R-101.TT-01,") and rows[1].endswith(",300.0,0")


@pytest.mark.slow  # 10 s of shadowing beside a server, plus loading the plant: ~15 s on an idle machine
def test_shadow_command_raises_the_alarm_when_the_live_value_leaves_the_band(tmp_path, capsys):
    """`twin bridge --shadow`: the osd_cm_line's twin runs beside a live feeder. At steady state the twin predicts
    the feeder's mass flow equal to its set point, 1/600 kg/s (the plant's feed_rate: analytical reference).

    1. the live mass flow agrees: deviation 0, no alarm;
    2. it runs at 0.0025 kg/s, outside the 0.0005 kg/s band: deviation 0.0025 - 1/600, alarm raised;
    3. back at 1/600: the alarm clears;
    4. the operator raises the live set point to 0.0025 kg/s: it drives the twin (`--drive`, default `*_sp`), whose
       mass flow follows its first-order lag (tau_c = 10 s: (d2 - d_inf) / (d1 - d_inf) = exp(-(t2 - t1) / 10)
       between any two points), while the live mass flow stays: the deviation falls towards 1/600 - 0.0025.

    Meanwhile the shadow twin is served (`--serve`): during the excursion a client reads the alarm and the deviation
    there, under the feeder's folder of the plant hierarchy."""
    from loopback import ServerThread

    from bridge.server import TwinServer
    from twin.tags import TagBus

    steady, high = 1 / 600, 0.0025
    served = TagBus()
    served.define("LIW-101.massflow", unit="kg/s", initial=steady)
    served.define("LIW-101.F_sp", unit="kg/s", initial=steady)
    endpoint, shadow_endpoint = (f"opc.tcp://127.0.0.1:{port}" for port in free_ports(2))
    (tmp_path / "map.yaml").write_text("subscription: {publishing_interval: 50 ms, sampling_interval: 0}\ntags:\n"
                                       + "".join(f"  - {{tag: {tag}, node: 'ns=2;s={tag}', unit: kg/s}}\n"
                                                 for tag in ("LIW-101.massflow", "LIW-101.F_sp")))
    origin = time.time()
    server = TwinServer(served, endpoint, time_origin=origin)

    seen = {}  # what a client of the served shadow reads during the excursion

    async def read_served_shadow() -> None:
        async with Client(shadow_endpoint) as client:
            alarm = await client.nodes.objects.get_child(["2:OSD continuous manufacturing line", "2:Feeding level",
                                                          "2:U10", "2:LIW-101", "2:massflow.alarm"])
            end = time.monotonic() + 10
            while not await alarm.read_value() and time.monotonic() < end:
                await asyncio.sleep(0.05)
            seen["alarm"] = await alarm.read_value()
            seen["deviation"] = await client.get_node("ns=2;s=LIW-101.massflow.deviation").read_value()

    def plant() -> None:  # once the bridge has subscribed: leave the band, come back, then raise the set point
        subscriptions = server.server.iserver.subscription_service.subscriptions
        end = time.monotonic() + 60
        while not subscriptions and time.monotonic() < end:
            time.sleep(0.05)
        for tag, value in (("LIW-101.massflow", high), ("LIW-101.massflow", steady), ("LIW-101.F_sp", high)):
            time.sleep(1.5)
            served.write(tag, value, t=time.time() - origin)
            if value == high and tag == "LIW-101.massflow":
                asyncio.run(read_served_shadow())

    with ServerThread(server):
        driver = threading.Thread(target=plant)
        driver.start()
        code = main(["bridge", str(tmp_path / "map.yaml"), endpoint, "--shadow", str(PLANT), "--band", "0.0005",
                     "--duration", "10", "--csv", str(tmp_path / "live.csv"), "--serve", shadow_endpoint,
                     "--serve-allow-anonymous"])
        driver.join()
    err = capsys.readouterr().err
    assert code == 0 and "0 problems" in err, err
    assert "shadow: 1 tag compared, alarm raised 1 time" in err, "the set point is driven, not compared"
    assert seen["alarm"] is True and seen["deviation"] == pytest.approx(high - steady, rel=1e-9)
    rows = {}
    for tag, t, value, _ in (r.split(",") for r in (tmp_path / "live.csv").read_text().splitlines()[1:]):
        rows.setdefault(tag, []).append((float(t), value))
    (t1, _), (t2, _) = rows["LIW-101.massflow"][1:]
    (t3, _), = rows["LIW-101.F_sp"][1:]
    deviation = np.array([(t, float(v)) for t, v in rows["LIW-101.massflow.deviation"]])
    alarm = np.array([v == "True" for _, v in rows["LIW-101.massflow.alarm"]])
    t, d = deviation.T
    phase = np.searchsorted([t1, t2, t3], t, side="right")  # 0..3: before, during, after the excursion; set point
    assert set(phase) == {0, 1, 2, 3}, "every phase was seen"
    np.testing.assert_allclose(d[phase == 0], 0.0, atol=1e-12)
    np.testing.assert_allclose(d[phase == 1], high - steady, rtol=1e-9)
    np.testing.assert_allclose(d[phase == 2], 0.0, atol=1e-12)
    assert not alarm[phase != 1].any() and alarm[phase == 1].all()
    following = d < -1e-9  # the twin has taken the new set point
    assert following.sum() >= 3 and np.all(phase[following] == 3) and d[-1] < -1e-4
    d_inf, (tf, df) = steady - high, (t[following], d[following])
    np.testing.assert_allclose((df[1:] - d_inf) / (df[:-1] - d_inf), np.exp(-np.diff(tf) / 10.0), rtol=1e-3)


@pytest.mark.parametrize("plant, unit, message", [
    ("plantt.yaml", "kg/s", r"plantt.yaml: file not found"),
    (str(PLANT), "kg/h", r"different units for LIW-101.massflow \(kg/h in the mapping, kg/s in the twin\).*hint: set "
                         r"`unit:`"),
])
def test_shadow_bad_input_is_a_message_before_connecting(tmp_path, capsys, plant, unit, message):
    (tmp_path / "map.yaml").write_text(f"tags:\n  - {{tag: LIW-101.massflow, node: 'ns=2;s=x', unit: {unit}}}\n")
    code = main(["bridge", str(tmp_path / "map.yaml"), "opc.tcp://127.0.0.1:9", "--shadow", str(tmp_path / plant)])
    err = capsys.readouterr().err
    assert code == 2 and re.search(message, err) and "Traceback" not in err, err


def test_discover_command_writes_a_mapping_named_by_the_plant_tags(tmp_path, capsys):
    """`twin bridge --discover ENDPOINT --plant PLANT -o FILE`: a node `R101/TT_01` (the server's spelling) is mapped
    to the plant's instrument R-101.TT-01, with the unit and type the server states; the file loads back."""
    from loopback import ServerThread

    from bridge.mapping import load_mapping
    from bridge.server import TwinServer
    from twin.tags import TagBus

    served = TagBus()
    served.define("R101.TT_01", unit="K", initial=300.0)
    served.define("R101.batches", dtype=int, initial=3)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        endpoint = f"opc.tcp://127.0.0.1:{s.getsockname()[1]}"
    out = tmp_path / "map.yaml"
    with ServerThread(TwinServer(served, endpoint)):
        code = main(["bridge", "--discover", endpoint, "--plant", str(API_BAY), "-o", str(out)])
    assert code == 0 and "wrote 2 tags to" in capsys.readouterr().err
    mapping = load_mapping(out)
    assert mapping.endpoint == endpoint
    assert {(m.tag, m.node, m.unit, m.dtype) for m in mapping.tags} == {
        ("R-101.TT-01", "ns=2;s=R101.TT_01", "K", float), ("R101.batches", "ns=2;s=R101.batches", "", int)}


def test_discover_an_unreachable_endpoint_is_a_message(capsys):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    assert main(["bridge", "--discover", f"opc.tcp://127.0.0.1:{closed}"]) == 4  # network: exit 4 (--help)
    err = capsys.readouterr().err
    assert f"cannot reach opc.tcp://127.0.0.1:{closed}" in err and "is the server running" in err, err
