"""The README's FMU example runs as written, on FMUs built under the names it uses."""
import re
from pathlib import Path

from twin.fmu.testing import build_fmu

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_fmu_example_runs(tmp_path, monkeypatch):
    section = README.read_text().split("## FMUs from other tools", 1)[1]
    yaml_text = re.search(r"```yaml\n(.*?)```", section, re.S).group(1)
    python_text = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    (tmp_path / "models").mkdir()
    build_fmu("reactor", tmp_path / "models", name="reactor")
    build_fmu("tcu", tmp_path / "models", name="jacket_tcu")
    (tmp_path / "plant_fmus.yaml").write_text(yaml_text)
    monkeypatch.chdir(tmp_path)
    namespace = {}
    exec(compile(python_text, "README.md", "exec"), namespace)
    tw = namespace["tw"]
    times, temperature, _ = tw.tags.history("R-101.TT-01")
    assert times[-1] == 3600.0 and len(times) == 361
    assert abs(temperature[-1] - 330.0) < 3.0, "the controller brought the reactor to its 330 K set point"
