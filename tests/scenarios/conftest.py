"""Scenario files for the tests: the sample plant, a small line, written to a temporary folder."""
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PLANT = ROOT / "plant_models" / "multipurpose_osd" / "multipurpose_osd.ifc"
EXAMPLE = ROOT / "scenarios" / "line_capacity" / "multipurpose_osd.yaml"

SMALL = """\
plant: {plant}
study: line_capacity
horizon: 10 d
warmup: 1 d
seed: 7
replications: 3
release: {pattern: poisson, every: 5 h}
stages:
  granulation:
    units: [GR-201]
    process: [2 h, 3 h, 4 h]
    mtbf: 50 h
    mttr: 2 h
  blending:
    units: [BL-301]
    process: 2 h
    cleaning: 1 h
variants:
  second_blender:
    stages.blending.units: [BL-301, BL-302]
"""


@pytest.fixture
def write_scenario(tmp_path):
    """``write_scenario(text)`` -> path of a scenario file holding ``text`` ({plant} = the sample plant)."""
    def write(text: str = SMALL, name: str = "scenario.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).replace("{plant}", str(PLANT)))
        return path
    return write
