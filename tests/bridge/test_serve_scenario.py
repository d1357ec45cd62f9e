"""`twin serve SCENARIO.yaml`: the study's own twin of a scenario served over OPC UA, as a plant's twin is.

The bridge finds the twin through the entry-point group ``twin.twins`` (scenarios registers
``scenarios.twins:scenario_twin``), never importing ``scenarios``. References: the same scenario's twin run offline
(a second twin, built by ``scenarios.twins`` directly) and the feeders' hopper masses, which fall at the feed rates
the scenario states (6 kg/h and 13.5 kg/h) until the first refill at 70 min: m(t) = m0 - rate * t.
"""
import asyncio
import subprocess
import sys
import threading
from datetime import UTC
from pathlib import Path

import pytest
from asyncua import Client, ua
from loopback import ServerThread, run

from bridge.cli import twin_of
from bridge.server import NAMESPACE, TwinServer, hierarchy_of
from scenarios.twins import scenario_twin
from twin.cli import main

ROOT = Path(__file__).resolve().parents[2]
FLAGSHIP = ROOT / "scenarios" / "continuous_manufacturing" / "flagship.yaml"
RATE_101, RATE_102 = 6 / 3600, 13.5 / 3600   # kg/s: the scenario's feed rates of LIW-101 and LIW-102
HOPPER_101 = 10.0                             # kg: LIW-101's hopper at t = 0


@pytest.fixture
def scenario(tmp_path) -> Path:
    """The flagship scenario, its plant named by an absolute path so that the copy loads from anywhere."""
    text = FLAGSHIP.read_text().replace("../../plant_models", str(ROOT / "plant_models"))
    path = tmp_path / "flagship.yaml"
    path.write_text(text)
    return path


async def read(endpoint: str, tags: list[str]) -> list[ua.DataValue]:
    async with Client(endpoint) as client:
        ns = await client.get_namespace_index(NAMESPACE)
        nodes = [client.get_node(ua.NodeId(tag, ns)) for tag in tags]
        return [await node.read_data_value() for node in nodes]


def test_served_scenario_twin_reads_as_the_same_twin_run_offline(scenario, port):
    tw = twin_of(str(scenario))          # through the entry point, as `twin serve` gets it
    assert tw.plant is not None and tw.plant.name == "OSD continuous manufacturing line"
    tw.run(until=300.0)
    offline = scenario_twin(scenario)
    offline.run(until=300.0)
    endpoint = f"opc.tcp://127.0.0.1:{port}"
    tags = ["LIW-101.m_hopper", "LIW-102.massflow", "TP-101.api_ratio", "BL-101.w_API"]
    with ServerThread(TwinServer(tw.tags, endpoint, name=tw.plant.name, hierarchy=hierarchy_of(tw.plant))):
        values = run(read(endpoint, tags), timeout=60)
    for tag, dv in zip(tags, values):
        assert dv.Value.Value == offline.tags.read(tag), tag   # the same twin, the same time: the same number
        t_change = offline.tags.history(tag)[0][-1]
        assert abs(dv.SourceTimestamp.replace(tzinfo=UTC).timestamp() - t_change) < 1e-6, tag  # stamped at its t
    assert values[0].Value.Value == pytest.approx(HOPPER_101 - RATE_101 * 300.0, rel=1e-12)
    assert values[1].Value.Value == pytest.approx(RATE_102, rel=1e-9)


def test_twin_serve_command_serves_the_scenario_in_real_time(scenario, port):
    """`twin serve SCENARIO.yaml` in its own process at 100x: two reads of the hoppers a second apart fall at the
    scenario's feed rates against the served timestamps (the twin's clock), and a served value agrees with the
    offline twin run to the time it was stamped with."""
    endpoint = f"opc.tcp://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "twin", "serve", str(scenario), "--endpoint", endpoint,
                               "--allow-anonymous", "--speed", "100", "--duration", "120"],
                              stderr=subprocess.PIPE, text=True)
    ready = threading.Event()
    threading.Thread(target=lambda: [ready.set() for line in server.stderr if line.startswith("serving")],
                     daemon=True).start()

    async def body():
        assert await asyncio.to_thread(ready.wait, 120), "twin serve did not start"
        first = await read(endpoint, ["LIW-101.m_hopper", "LIW-102.m_hopper"])
        await asyncio.sleep(1.5)
        return first, await read(endpoint, ["LIW-101.m_hopper", "LIW-102.m_hopper"])

    try:
        first, second = run(body(), timeout=180)
    finally:
        server.terminate()
        server.wait(30)
    stamp = [[dv.SourceTimestamp.replace(tzinfo=UTC).timestamp() for dv in read_] for read_ in (first, second)]
    for i, rate in enumerate((RATE_101, RATE_102)):
        dt = stamp[1][i] - stamp[0][i]
        assert dt > 10, "the twin ran on between the reads (100 simulated seconds per second)"
        assert (second[i].Value.Value - first[i].Value.Value) / dt == pytest.approx(-rate, rel=1e-6)
    # the twin time of LIW-101's served value, from m(t) = m0 - rate t, dates LIW-102's value: the offline twin
    # run to that time holds the same mass
    origin = stamp[1][0] - (HOPPER_101 - second[0].Value.Value) / RATE_101
    t = stamp[1][1] - origin
    offline = scenario_twin(scenario)
    offline.run(until=t)
    assert second[1].Value.Value == pytest.approx(offline.tags.read("LIW-102.m_hopper"), rel=1e-9)


def test_a_file_that_is_neither_plant_nor_scenario(tmp_path, capsys):
    (tmp_path / "notes.yaml").write_text("shopping: [milk, eggs]\n")
    assert main(["serve", str(tmp_path / "notes.yaml"), "--allow-anonymous"]) == 2
    err = capsys.readouterr().err
    assert "notes.yaml:1: neither a plant overlay nor a mesh layout" in err
    assert "or a scenario .yaml whose study builds a twin" in err and "Traceback" not in err


def test_a_scenario_whose_study_builds_no_twin(capsys):
    energy = ROOT / "scenarios" / "energy" / "osd_cm_line.yaml"
    assert main(["serve", str(energy), "--allow-anonymous"]) == 2
    err = capsys.readouterr().err
    assert f"{energy}:5, key 'study': the energy study builds no twin to serve" in err
    assert "expected: a scenario of a study with a twin: continuous_manufacturing" in err
    assert "hint: serve the scenario's plant instead: twin serve " in err and "osd_cm_line.ifc" in err


def test_a_bad_scenario_names_file_line_and_key(scenario, capsys):
    scenario.write_text(scenario.read_text().replace("blender: {tag: BL-101", "blender: {tag: BL-999"))
    assert main(["serve", str(scenario), "--allow-anonymous"]) == 2
    err = capsys.readouterr().err
    assert f"{scenario}:" in err and "BL-999" in err and "Traceback" not in err


def test_plants_and_other_files_are_not_scenarios(tmp_path):
    assert scenario_twin(ROOT / "plant_models" / "api_bay" / "plant.yaml") is None
    assert scenario_twin(ROOT / "plant_models" / "api_bay" / "api_bay.ifc") is None
    (tmp_path / "list.yaml").write_text("- 1\n- 2\n")
    assert scenario_twin(tmp_path / "list.yaml") is None
