"""A rejected scenario is answered before the heavy libraries load: which modules `twin run` imported by then.

Checked on modules, never on timings (as tests/test_cli_speed.py). Before, every study's package imported its
model and figures with its schema: a scenario with `horizon: -1 d` waited 3.5-17 s (wall, 2 busy cores) for
CasADi, matplotlib, networkx, SciPy's optimisers, OR-Tools or CoolProp before its one-line message. Now `twin run`
checks the file first and the study packages name their model and figures lazily (scenarios.registry.Deferred),
solvers and plotting imported by the functions that use them.
pint (with NumPy, and the dask it probes for) stays: the check converts units.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: Modules a scenario check must not wait for.
HEAVY = ("casadi", "ortools", "ifcopenshell", "trimesh", "networkx", "pyvista", "vtkmodules", "matplotlib", "fmpy",
         "asyncua", "pyarrow", "pandas", "CoolProp", "distributed", "scipy.stats", "scipy.optimize", "scipy.integrate",
         "scipy.sparse", "scipy.linalg")

PROBE = """
import json, sys
from twin.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as stop:
    code = stop.code
print(json.dumps([code, sorted(sys.modules)]))
"""

SAMPLES = {
    "line_capacity": "scenarios/line_capacity/multipurpose_osd.yaml",
    "continuous_manufacturing": "scenarios/continuous_manufacturing/flagship.yaml",
    "safety": "scenarios/safety/api_bay.yaml",
    "scheduling": "scenarios/scheduling/multipurpose_osd.yaml",
    "energy": "scenarios/energy/multipurpose_osd.yaml",
}


def rejected_run(sample: str, tmp_path: Path) -> tuple[str, set[str]]:
    """`twin run` on the sample with `horizon: -1 d`: its message and the modules imported when it answered."""
    sample = ROOT / sample
    copy = tmp_path / sample.relative_to(ROOT)   # the sample's folder copied, plant_models linked: its paths hold
    shutil.copytree(sample.parent, copy.parent, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    (tmp_path / "plant_models").symlink_to(ROOT / "plant_models")
    text = re.sub(r"^horizon: .*$", "horizon: -1 d", sample.read_text(), count=1, flags=re.M)
    assert "horizon: -1 d" in text
    copy.write_text(text)
    (tmp_path / "cwd").mkdir()  # not tmp_path: its scenarios/ folder would shadow the package
    done = subprocess.run([sys.executable, "-c", PROBE, "run", str(copy)], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path / "cwd")
    code, modules = json.loads(done.stdout.strip().splitlines()[-1])
    assert code == 2, done.stderr
    return done.stderr, set(modules)


@pytest.mark.parametrize("sample", SAMPLES.values(), ids=SAMPLES)
def test_a_rejected_scenario_answers_before_the_heavy_imports(sample, tmp_path):
    message, modules = rejected_run(sample, tmp_path)
    assert "key 'horizon'" in message and "must be positive" in message and "Traceback" not in message
    loaded = sorted(m for m in modules if m in HEAVY or m.partition(".")[0] in HEAVY)
    assert not loaded, f"checking {sample} imported {loaded}"
