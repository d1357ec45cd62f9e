"""`twin serve` for clients nobody here wrote: node-opcua's client (Node.js) and asyncua's command-line tools read the
plant's instrument tags (issue #21, failure 4: they came back BadNodeIdUnknown), and the help's first example runs
(failure 8: it failed with "nobody could log in").

References: the feeders' mass flow at steady state is the plant file's feed rate (LIW-101: 6 kg/h = 1/600 kg/s,
plant_models/osd_cm_line/plant.yaml), and an instrument serves, at the same source time, the value of the model
variable it reads (read in the same request)."""
import json
import shlex
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from loopback import free_port

from bridge.cli import SERVE_EXAMPLES
from bridge.server import NAMESPACE
from twin.cli import main

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
PLANT = ROOT / "plant_models" / "osd_cm_line" / "plant.yaml"
PAIRS = [("LIW-101.FT-01", "LIW-101.massflow"), ("LIW-101.WT-01", "LIW-101.m_hopper"),
         ("NIR-101.API-01", "BL-101.w_API"), ("CH-01.TT-01", "CH-01.T_supply")]


def test_the_first_help_example_serves(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    command = SERVE_EXAMPLES.splitlines()[1].strip().split("  ")[0]
    args = shlex.split(command)[1:] + ["--endpoint", f"opc.tcp://127.0.0.1:{free_port()}", "--duration", "0.2"]
    assert main(args) == 0, capsys.readouterr().err
    assert "instruments of OSD continuous manufacturing line" in capsys.readouterr().err


@pytest.fixture(scope="module")
def served():
    """`twin serve` of the osd_cm_line, anonymous, as a subprocess: its endpoint once it serves."""
    endpoint = f"opc.tcp://127.0.0.1:{free_port()}"
    server = subprocess.Popen([sys.executable, "-m", "twin", "serve", str(PLANT), "--endpoint", endpoint,
                               "--allow-anonymous", "--duration", "120"], stderr=subprocess.PIPE, text=True, cwd=ROOT)
    ready = threading.Event()
    lines = []

    def read() -> None:
        for line in server.stderr:
            lines.append(line)
            if line.startswith("serving"):
                ready.set()

    threading.Thread(target=read, daemon=True).start()
    assert ready.wait(120), f"twin serve did not start: {''.join(lines)}"
    yield endpoint
    server.terminate()
    server.wait(30)


@pytest.mark.slow  # `twin serve` in a subprocess: ~10 s to start
def test_asyncua_uaread_reads_an_instrument_tag(served):
    uaread = Path(sys.executable).with_name("uaread")
    values = {}
    for tag in ("LIW-101.FT-01", "LIW-101.massflow"):
        done = subprocess.run([str(uaread), "-u", served, "-n", f"ns=2;s={tag}"], capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 0, done.stderr
        values[tag] = float(done.stdout.strip().splitlines()[-1])
    assert values["LIW-101.FT-01"] == pytest.approx(1 / 600, rel=1e-6) == values["LIW-101.massflow"]


@pytest.mark.slow
def test_node_opcua_client_reads_instruments_as_their_model_variables(served, node_opcua):
    tags = [tag for pair in PAIRS for tag in pair]
    done = subprocess.run(["node", str(HERE / "node_opcua_client.js"), served, NAMESPACE, *tags], capture_output=True,
                          text=True, timeout=120, env=node_opcua)
    assert done.returncode == 0, done.stderr
    (line,) = [line for line in done.stdout.splitlines() if line.startswith("JSON ")]
    read = {r["tag"]: r for r in json.loads(line[5:])}
    for instrument, variable in PAIRS:
        assert read[instrument]["status"] == "Good", read[instrument]
        assert (read[instrument]["value"], read[instrument]["source_ms"]) == (read[variable]["value"],
                                                                              read[variable]["source_ms"])
    assert read["LIW-101.FT-01"]["value"] == pytest.approx(1 / 600, rel=1e-6)
