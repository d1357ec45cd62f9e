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


@pytest.mark.parametrize("module", ["scenarios.line_capacity.params", "scenarios.maintenance.params",
                                    "scenarios.energy.params", "scenarios.scheduling.params"])
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


def _same(typed, given, path="") -> None:
    """Every value of the schema's mapping ``given`` is in ``typed`` under its key (from/to as start/end, set as
    set_point); a mapping of records is a dict, a list a tuple, a product's steps a tuple in their order."""
    renamed = {"from": "start", "to": "end", "set": "set_point"}
    if isinstance(given, dict):
        for key, value in given.items():
            if isinstance(typed, dict):
                _same(typed[key], value, f"{path}.{key}")
            elif key == "steps" and isinstance(typed, tuple):     # batches.products.<p>: its steps in order
                for step, spec in zip(typed, value.values(), strict=True):
                    _same(step, spec, f"{path}.steps")
            else:
                _same(getattr(typed, renamed.get(key, key)), value, f"{path}.{key}")
    elif isinstance(given, list):
        assert len(typed) == len(given), path
        for t, g in zip(typed, given, strict=True):
            _same(t, g, path)
    else:
        assert typed == given, path


@pytest.mark.parametrize("sample", ["osd_cm_line.yaml", "multipurpose_osd.yaml"])
def test_energy_parameters_hold_every_variant(sample):
    from scenarios.energy.params import EnergyParams

    for name, params in load(ROOT / "scenarios" / "energy" / sample).variants.items():
        p = EnergyParams.of(params)
        given = {k: v for k, v in params.items() if k not in ("study", "replications", "variants")}
        given["chillers"] = {**given["chillers"], "storage": given["chillers"]["storage"]["capacity"]}
        _same(p, given, name)
        with pytest.raises(dataclasses.FrozenInstanceError):
            p.chillers.pump = 0.0


def test_scheduling_run_parameters_hold_every_variant():
    from scenarios.scheduling.params import RunParams, Uncertainty

    defaults = dataclasses.asdict(Uncertainty())     # what a None means (no breakdowns: mtbf and mttr stay None)
    for name, params in load(ROOT / "scenarios" / "scheduling" / "multipurpose_osd.yaml").variants.items():
        p = RunParams.of(params)
        assert p.policy == params["policy"], name
        assert dataclasses.asdict(p.planning.solver) == dict(params["solver"]), name
        expected = {k: defaults[k] if v is None else v for k, v in params["uncertainty"].items()}
        assert dataclasses.asdict(p.uncertainty) == expected, name
        with pytest.raises(dataclasses.FrozenInstanceError):
            p.uncertainty.mtbf = 1.0
