"""The README's worked example runs as written, and trips where the example module (checked against SciPy) does."""
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_readme_reactor_example_runs(monkeypatch, capsys):
    text = (ROOT / "README.md").read_text()
    section = text.split("### Worked example: the API bay's reactor", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    monkeypatch.chdir(ROOT)
    namespace = {}
    exec(compile(code, "README.md", "exec"), namespace)
    state = namespace["result"].events("state")
    times = dict(zip(state["name"], state["t"], strict=True))
    # the figures quoted in the README's comment
    assert times["R-101.at_setpoint"] == pytest.approx(2392.08, abs=0.005)
    assert times["R-101.T_high"] == pytest.approx(5774.91, abs=0.005)
    assert times["R-101.drained"] == pytest.approx(9821.98, abs=0.005)
    assert "R-101.TT-01" in namespace["frame"]


def test_readme_unit_model_example_runs():
    text = (ROOT / "README.md").read_text()
    section = text.split("A unit model of your own is a few declarations", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    namespace = {}
    exec(compile(code, "README.md", "exec"), namespace)
    trace = namespace["trace"]
    # dV/dt = 0.02 - 0.01 sqrt(V) > 0 for V < 4: the tank fills, the level is V / 1.5
    assert trace["t"][-1] == 600 and trace["TK-101.V"][-1] > 1.0
    assert trace["TK-101.level"] == pytest.approx(trace["TK-101.V"] / 1.5)
