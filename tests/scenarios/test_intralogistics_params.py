"""The intralogistics study's typed, frozen parameters (``scenarios/intralogistics/params.py``): every key of the
schema has its field and the same default, every variant of the sample is held value for value, they cannot be
changed in place, and the docstring's example runs.

That the model's KPIs, traces and events stayed bit for bit the same when it moved from the mapping to these was
checked on every variant of the sample, the 50-AGV benchmark week and runs on the test grids, before and after
(see the commits and notes/issue-18-logistics-params.md)."""
import dataclasses
import doctest
from collections.abc import Mapping
from pathlib import Path

import pytest

import scenarios.intralogistics as study
from scenarios.intralogistics import agents, params, qc
from scenarios.intralogistics.params import LogisticsParams
from scenarios.scenario import load

SAMPLE = Path(__file__).resolve().parents[2] / "scenarios" / "intralogistics" / "multipurpose_osd.yaml"
RENAMED = {params.Stream: {"from": "origins", "to": "targets"}, params.QcRelease: {"from": "source"}}
PAIRS = [(study.FLEET, params.Fleet), (study.POWER, params.Power), (study.BATTERY, params.Battery),
         (study.CLEANING, params.Cleaning), (study.HANDLING, params.Handling), (study.WAREHOUSE, params.Warehouse),
         (study.STREAM, params.Stream), (study.BATCHES, params.Batches), (study.DISPATCH, params.Dispatch),
         (study.ROUTING, params.Routing), (agents.KIND, params.Agent), (study.ROOM, params.Room),
         (study.DOOR, params.Door), (study.LIFT, params.Lift), (agents.STAIRS, params.Staircase),
         (study.STATION, params.Station), (study.NETWORK, params.NetworkParams), (qc.QC, params.QcRelease)]


def plain(value):
    """``value`` as the schema writes it: dataclasses as mappings, tuples as lists."""
    if dataclasses.is_dataclass(value):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


@pytest.mark.parametrize("record,cls", PAIRS, ids=[c.__name__ for _, c in PAIRS])
def test_every_key_of_the_schema_has_its_field_and_default(record, cls):
    renamed = RENAMED.get(cls, {})
    fields = {f.name: f for f in dataclasses.fields(cls)}
    assert sorted(fields) == sorted(renamed.get(k, k) for k in record.fields), cls.__name__
    for key in record.fields:
        f = fields[renamed.get(key, key)]
        default = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
        if key in record.required:
            continue
        if key in record.defaults:
            assert plain(default) == plain(record.defaults[key]), (cls.__name__, key)
        else:   # the schema leaves it None or empty: so does the class
            assert default is not dataclasses.MISSING and not default, (cls.__name__, key, default)
    top = {f.name for f in dataclasses.fields(LogisticsParams)}
    assert top == set(study.STUDY.fields) | {"horizon", "warmup", "plant"}


def held(typed, given, path="") -> None:
    """Every key of the checked mapping ``given`` is in ``typed`` with the same value."""
    if dataclasses.is_dataclass(typed):
        assert isinstance(given, Mapping), path
        renamed = RENAMED.get(type(typed), {})
        for key, value in given.items():
            if isinstance(typed, params.NetworkParams) and key == "floors":
                assert dict(typed.floors) == {k: f["elevation"] for k, f in value.items()}, path
                continue
            assert hasattr(typed, renamed.get(key, key)), f"{path}.{key}"
            held(getattr(typed, renamed.get(key, key)), value, f"{path}.{key}")
    elif isinstance(typed, Mapping) and isinstance(given, Mapping):
        assert list(typed) == list(given), path
        for key in given:
            held(typed[key], given[key], f"{path}.{key}")
    elif isinstance(typed, tuple):
        assert len(typed) == len(given), path
        for i, (a, b) in enumerate(zip(typed, given)):
            held(a, b, f"{path}[{i}]")
    elif typed is None:
        assert not given, path      # an empty list read as None (a lift's place from the IFC, no size)
    else:
        assert typed == given and type(typed) is type(given), (path, typed, given)


def test_every_variant_of_the_sample_is_held_value_for_value():
    variants = load(SAMPLE).variants
    assert {"base", "qc_lab", "forklift_and_people"} <= set(variants)
    for name, given in variants.items():
        p = LogisticsParams.of(given)
        held(p, {k: v for k, v in given.items() if k in {f.name for f in dataclasses.fields(p)}}, name)
    p = LogisticsParams.of(variants["forklift_and_people"])
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.fleet.vehicles = 5
    assert dataclasses.replace(p, fleet=dataclasses.replace(p.fleet, vehicles=5)).fleet.vehicles == 5


def test_the_docstring_example_runs():
    result = doctest.testmod(params, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def test_a_drive_power_given_in_part_takes_the_default_for_the_rest(tmp_path):
    """``power: {empty: 500 W}`` left ``loaded`` None: the battery check then failed with a TypeError traceback
    (None * float) while loading the scenario. Now the missing one is the default 800 W, as the schema's and the
    typed defaults agree (the test above)."""
    text = SAMPLE.read_text().replace("power: {empty: 400 W, loaded: 800 W}", "power: {empty: 500 W}")
    text = text.replace("../../plant_models/", f"{SAMPLE.parents[2]}/plant_models/").replace(
        "../scheduling/", f"{SAMPLE.parents[1]}/scheduling/")
    (tmp_path / "s.yaml").write_text(text)
    power = LogisticsParams.of(load(tmp_path / "s.yaml").variants["base"]).fleet.power
    assert (power.empty, power.loaded) == (500.0, 800.0)


def test_every_key_of_the_study_is_documented_from_its_schema():
    """Each key of the schema, nested ones included, says what it means, and the generated YAML reference's
    intralogistics section shows it (the study's parameters documented from the schema, as issue 18 asks)."""
    from scenarios.reference import keys, markdown

    every = dict(keys(study.STUDY.fields))
    assert len(every) > 90 and not [k for k, s in every.items() if not s.doc]
    section = markdown().split("## study: intralogistics")[1].split("\n## ")[0]
    assert all(f"| {s.doc.replace('|', chr(92) + '|')} |" in section for s in every.values())
