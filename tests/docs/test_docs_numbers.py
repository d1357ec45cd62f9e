"""The manual's examples print what their pages say, checked against references worked out by hand.

tests/docs/test_docs_code.py runs every block; the blocks below are marked ``<!-- run by this file -->`` there and
run here instead, because each needs files built for it or its numbers checked.
"""
import re
from pathlib import Path

import pytest
from test_docs_code import blocks

from twin.fmu.testing import build_fmu

DOCS = Path(__file__).resolve().parents[2] / "docs"


def example(page: str, starts: str) -> str:
    """The python block of ``docs/page`` (or ``../README.md``) whose code starts with ``starts``."""
    found = [code for _, lang, _, code in blocks((DOCS / page).read_text(encoding="utf-8"))
             if lang == "python" and code.startswith(starts)]
    assert len(found) == 1, f"docs/{page} lost its example starting {starts!r}"
    return found[0]


def run(page: str, starts: str, namespace: dict | None = None) -> dict:
    namespace = {} if namespace is None else namespace
    exec(compile(example(page, starts), f"docs/{page}", "exec"), namespace)
    return namespace


def test_des_example_statistics(capsys):
    run("des.md", "import twin.des as simpy")
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines[:5]] == ["3.5", "3.5", "7.0", "7.0", "10.5"]
    # Two presses, five 3.5-minute batches in 20 minutes: busy 17.5 of 40 press-minutes; B-2, B-3 wait 3.5 and
    # B-4 waits 7, so the queue integrates to 14 over 20 minutes and the mean wait is 14 / 5.
    utilization, mean_queue, mean_wait = map(float, lines[-1].split())
    assert (utilization, mean_queue, mean_wait) == pytest.approx((17.5 / 40, 14 / 20, 14 / 5))


def test_flowline_example_prints_its_table(capsys):
    run("des.md", "from twin.des.flowline import")
    out = capsys.readouterr().out
    assert "50 replications" in out and "coater" in out


def test_fmu_example_runs_on_fmus_built_under_its_names(tmp_path, monkeypatch):
    page = (DOCS / "fmu_plant.md").read_text(encoding="utf-8")
    (tmp_path / "models").mkdir()
    build_fmu("reactor", tmp_path / "models", name="reactor")
    build_fmu("tcu", tmp_path / "models", name="jacket_tcu")
    (tmp_path / "plant_fmus.yaml").write_text(re.search(r"```yaml\n(.*?)```", page, re.S).group(1))
    monkeypatch.chdir(tmp_path)
    tw = run("fmu_plant.md", "from twin.fmu import")["tw"]
    times, temperature, _ = tw.tags.history("R-101.TT-01")
    assert times[-1] == 3600.0 and len(times) == 361
    assert abs(temperature[-1] - 330.0) < 3.0, "the controller brought the reactor to its 330 K set point"


def test_reactor_example_trips_where_the_page_says(monkeypatch):
    """The crossings quoted in the page's comment (the example module checks them against SciPy, to 1e-6 s)."""
    monkeypatch.chdir(DOCS.parent)
    namespace = run("process.md", "from twin import Twin")
    state = namespace["result"].events("state")
    times = dict(zip(state["name"], state["t"], strict=True))
    assert times["R-101.at_setpoint"] == pytest.approx(2392.08, abs=0.005)
    assert times["R-101.T_high"] == pytest.approx(5774.91, abs=0.005)
    assert times["R-101.drained"] == pytest.approx(9821.98, abs=0.005)
    assert "R-101.TT-01" in namespace["frame"]


def test_unit_model_example_fills_the_tank():
    trace = run("process.md", "from twin.process import ProcessModel")["trace"]
    # dV/dt = 0.02 - 0.01 sqrt(V) > 0 for V < 4: the tank fills, the level is V / 1.5
    assert trace["t"][-1] == 600 and trace["TK-101.V"][-1] > 1.0
    assert trace["TK-101.level"] == pytest.approx(trace["TK-101.V"] / 1.5)


def test_readme_simpy_drop_in():
    """Five 3.5-minute batches on two presses in 20 minutes: busy 17.5 of 40 press-minutes (by hand)."""
    env = run("../README.md", "import twin.des as simpy")["press"]
    assert env.stats.utilization == pytest.approx(17.5 / 40)


def test_readme_twin_from_a_plant(monkeypatch):
    """The API feeder at 7 kg/h beside 13.5 + 0.5 kg/h of excipient and lubricant: the tablets hold 7 / 21 API
    once the blender has washed out (mass balance by hand; the blender's residence time is 90 s, the run 1 h)."""
    monkeypatch.chdir(DOCS.parent)
    result = run("../README.md", "from twin import Twin")["result"]
    assert result.table("TP-101.*")["TP-101.w_api"][-1] == pytest.approx(7 / 21, rel=1e-9)
