"""The continuous line's typed parameters (scenarios/continuous_manufacturing/params.py): every variant of the flagship
reads field for field as the checked scenario says, the values are frozen, and the simulated plant
(:func:`.plant.apply`) differs from the twin's model exactly where ``truth:`` says (the values written in the
flagship's ``mismatch`` variant, converted to SI by hand)."""
import dataclasses
import doctest
from collections.abc import Mapping

import pytest
from cm_files import flagship_text

from scenarios.continuous_manufacturing import params as cm_params
from scenarios.continuous_manufacturing import plant
from scenarios.continuous_manufacturing.params import CmParams
from scenarios.scenario import load


@pytest.fixture(scope="module")
def flagship(tmp_path_factory):
    path = tmp_path_factory.mktemp("cm") / "flagship.yaml"
    path.write_text(flagship_text(realistic=True))
    return load(path)


def same(typed, given, where="") -> None:
    """``typed`` (a dataclass, dict or tuple of them) holds exactly the values of the scenario's ``given``."""
    if dataclasses.is_dataclass(typed):
        for f in dataclasses.fields(typed):
            same(getattr(typed, f.name), given[f.name], f"{where}.{f.name}")
    elif isinstance(typed, Mapping):
        assert list(typed) == list(given), where
        for key in typed:
            same(typed[key], given[key], f"{where}.{key}")
    elif isinstance(typed, tuple):
        assert len(typed) == len(given), where
        for i, (a, b) in enumerate(zip(typed, given, strict=True)):
            same(a, b, f"{where}[{i}]")
    else:
        assert typed == given and type(typed) is type(given), (where, typed, given)


def test_every_variant_reads_field_for_field(flagship):
    sections = ("feeders", "blender", "press", "pat", "gate", "mpc", "power", "disturbances", "rtrt", "monitor")
    for name, variant in flagship.variants.items():
        p = CmParams.of(variant)
        for key in sections:
            same(getattr(p, key), variant[key], f"{name}: {key}")
        for key in ("horizon", "sample_interval", "margin", "control", "control_interval", "interlock"):
            assert getattr(p, key) == variant[key], (name, key)
        assert p.limits == tuple(variant["limits"])
        assert p.truth == plant.truth(variant) and p.uncertainty == plant.uncertainty(variant)
    assert CmParams.of(flagship.variants["no_weight_control"]).press.weight_control.enabled is False
    assert len(CmParams.of(flagship.variants["fault_feeder_drift"]).monitor.faults) == 1


def test_a_result_s_settings_read_as_the_variant(flagship):
    """A saved result's settings (plain data, plus ``variant`` and ``overrides``) give the same parameters."""
    for name in ("base", "mismatch", "fault_nir_bias"):
        assert CmParams.of(flagship.settings(name)) == CmParams.of(flagship.variants[name])


def test_the_parameters_are_frozen(flagship):
    p = CmParams.of(flagship.variants["base"])
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.blender.tau = 1.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.margin = 0.0


def test_the_plant_differs_from_the_model_where_truth_says(flagship):
    """mismatch: truth {press.feed_frame_tau: 40 s, blender.tau: 117 s, blender.tanks: 4, pat.bias: 1.5 %,
    feeders.LIW-101.feed_factor: 0.96, feeders.LIW-101.load_cell_bias: 0.5 %}; the model keeps the scenario's."""
    model = CmParams.of(flagship.variants["mismatch"])
    real = plant.apply(model)
    liw = dataclasses.replace(model.feeders["LIW-101"], feed_factor=0.96, load_cell_bias=0.005)
    expected = dataclasses.replace(
        model, blender=dataclasses.replace(model.blender, tau=117.0, tanks=4),
        press=dataclasses.replace(model.press, feed_frame_tau=40.0), pat=dataclasses.replace(model.pat, bias=0.015),
        feeders={**model.feeders, "LIW-101": liw})
    assert real == expected and type(real.blender.tanks) is int
    assert (model.blender.tau, model.blender.tanks, model.press.feed_frame_tau) == (90.0, 5, 20.0)
    base = CmParams.of(flagship.variants["base"])
    assert plant.apply(base) == base                     # no truth: the plant is the model


def test_the_docstring_example_runs():
    assert doctest.testmod(cm_params).failed == 0


def test_every_key_of_the_study_is_documented_from_its_schema():
    """Each key of the continuous line's schema says what it means, and the generated YAML reference shows it."""
    from scenarios.continuous_manufacturing.schema import FIELDS
    from scenarios.reference import keys, markdown

    every = dict(keys(FIELDS))
    assert len(every) > 80 and not [k for k, s in every.items() if not s.doc]
    section = markdown().split("## study: continuous_manufacturing")[1].split("\n## ")[0]
    assert all(f"| {s.doc.replace('|', chr(92) + '|')} |" in section for s in every.values())
