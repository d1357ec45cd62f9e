"""Scenario files for the tests: the sample plant, the example, a small line with one variant."""
from pathlib import Path

from scenarios import registry

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



def fails_on_odd_replications(params, seed):
    """A study that breaks on some replications, to see the sweep carry on."""
    if seed.spawn_key[-1] % 2:
        raise RuntimeError("the model diverged")
    return registry.get_study("line_capacity").run(params, seed)
