"""The studies' typed, frozen parameters (``<study>/params.py``): each reads every variant of its samples as the
schema resolved them, field for field, cannot be changed in place, and its docstring's example runs.

That a study's KPIs, traces and events stayed the same when its model moved from the mapping to these was checked
once, bit for bit, on every variant of its samples through ``scenarios.run`` before and after (see the commits)."""
import dataclasses
import doctest
import importlib
from pathlib import Path

import pytest

from scenarios.scenario import load

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("module", ["scenarios.line_capacity.params", "scenarios.maintenance.params"])
def test_the_docstring_example_runs(module):
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize("sample", ["multipurpose_osd.yaml", "condition.yaml"])
def test_maintenance_parameters_hold_every_variant(sample):
    from scenarios.maintenance.params import MaintenanceParams

    for name, params in load(ROOT / "scenarios" / "maintenance" / sample).variants.items():
        p = MaintenanceParams.of(params)
        assert (p.horizon, p.warmup, p.crew) == (params["horizon"], params["warmup"], params["crew"])
        policy = params["policy"]
        assert dataclasses.asdict(p.policy) == {k: policy.get(k) for k in ("kind", "age", "level", "inspect", "lead",
                                                                           "risk")}, name
        assert list(p.assets) == list(params["assets"])
        for tag, asset in params["assets"].items():
            typed = p.assets[tag]
            for kind in ("corrective", "preventive"):
                assert dataclasses.asdict(getattr(typed, kind)) == dict(asset[kind]), (name, tag)
            assert (typed.shape, typed.scale) == (asset.get("shape"), asset.get("scale"))
            assert (None if typed.wear is None else dataclasses.asdict(typed.wear)) == asset.get("wear")
        with pytest.raises(dataclasses.FrozenInstanceError):
            p.crew = 2
