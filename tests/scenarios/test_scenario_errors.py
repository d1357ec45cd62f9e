"""Bad scenario files: each is refused before anything runs, naming file, line, key and the likely fix."""
import re

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scenario_files import SMALL

from scenarios.scenario import load
from twin.config import ConfigError


def error_of(write_scenario, text: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load(write_scenario(text))
    return info.value


def line_of(text: str, fragment: str) -> int:
    """The 1-based line of ``text`` holding ``fragment`` (the line an error must point at)."""
    return next(i for i, line in enumerate(text.splitlines(), 1) if fragment in line)


def test_the_small_scenario_loads(write_scenario):
    scenario = load(write_scenario())
    assert scenario.names == ["base", "second_blender"]
    assert scenario.variants["base"]["horizon"] == 10 * 86400
    assert scenario.variants["second_blender"]["stages"]["blending"]["units"] == ["BL-301", "BL-302"]
    assert scenario.variants["base"]["stages"]["blending"]["units"] == ["BL-301"]   # the base is left alone
    assert scenario.settings("second_blender")["overrides"] == {"stages.blending.units": ["BL-301", "BL-302"]}


def test_override_of_a_section_left_to_its_defaults(write_scenario):
    """The small scenario says nothing of shifts; a variant may still drop the night shift."""
    text = SMALL + "  two_shifts:\n    shifts.count: 2\n"
    scenario = load(write_scenario(text))
    assert scenario.variants["two_shifts"]["shifts"] == {"count": 2, "length": 8 * 3600.0}
    assert scenario.variants["base"]["shifts"] == {"count": 3, "length": 8 * 3600.0}
    err = error_of(write_scenario, SMALL + "  two_shifts:\n    shifts.cont: 2\n")
    assert "unknown key 'cont'" in str(err) and "did you mean 'count'?" in str(err)
    assert err.line == len(SMALL.splitlines()) + 2 and err.key == "shifts.cont"


def test_unknown_study_suggests_the_closest(write_scenario):
    text = SMALL.replace("study: line_capacity", "study: line_capacty")
    err = error_of(write_scenario, text)
    assert "unknown study 'line_capacty'" in str(err)
    assert err.line == line_of(text, "study:") and err.key == "study"
    assert "did you mean 'line_capacity'?" in str(err)
    assert str(err.file).endswith("scenario.yaml")


def test_unknown_plant_tag_in_an_override(write_scenario):
    text = SMALL.replace("[BL-301, BL-302]", "[BL-301, BL-3O2]")
    err = error_of(write_scenario, text)
    assert "variant 'second_blender'" in str(err) and "unknown plant tag 'BL-3O2'" in str(err)
    assert err.line == line_of(text, "BL-3O2")
    assert "did you mean 'BL-302'?" in str(err)


def test_unknown_plant_tag_in_the_base(write_scenario):
    text = SMALL.replace("units: [GR-201]", "units: [GR-2O1]")
    err = error_of(write_scenario, text)
    assert err.line == line_of(text, "GR-2O1") and err.key == "stages.granulation.units[0]"
    assert "did you mean 'GR-201'?" in str(err)


def test_override_path_that_leads_nowhere(write_scenario):
    text = SMALL.replace("stages.blending.units:", "stages.blendin.units:")
    err = error_of(write_scenario, text)
    assert "leads nowhere" in str(err) and "did you mean 'blending'?" in str(err)
    assert err.line == line_of(text, "stages.blendin.units")


def test_variant_that_changes_nothing(write_scenario):
    text = SMALL.replace("[BL-301, BL-302]", "[BL-301]")
    err = error_of(write_scenario, text)
    assert "variant 'second_blender' changes nothing" in str(err)
    assert err.line == line_of(text, "second_blender:")


def test_override_with_a_wrong_value_points_at_the_override(write_scenario):
    text = SMALL.replace("stages.blending.units: [BL-301, BL-302]", "stages.blending.cleaning: lots")
    err = error_of(write_scenario, text)
    assert "variant 'second_blender'" in str(err) and err.line == line_of(text, "cleaning: lots")


@pytest.mark.parametrize("seed", ["1.5", "'42'", "-3", "true"])
def test_seed_must_be_a_non_negative_integer(write_scenario, seed):
    text = SMALL.replace("seed: 7", f"seed: {seed}")
    err = error_of(write_scenario, text)
    assert err.key == "seed" and err.line == line_of(text, "seed:")
    assert "integer" in err.expected


def test_missing_scenario_file(tmp_path):
    (tmp_path / "line.yaml").write_text("")
    with pytest.raises(ConfigError) as info:
        load(tmp_path / "lines.yaml")
    assert "file not found" in str(info.value) and "did you mean 'line.yaml'?" in str(info.value)


def test_missing_plant_file(write_scenario):
    text = SMALL.replace("plant: {plant}", "plant: no_such_plant.ifc")
    err = error_of(write_scenario, text)
    assert err.key == "plant" and "file not found" in str(err)


def test_malformed_yaml_names_the_line(write_scenario):
    text = SMALL.replace("    process: 2 h\n", "    process: 2 h: 3 h\n")
    err = error_of(write_scenario, text)
    assert "not valid YAML" in str(err) and str(err.file).endswith("scenario.yaml")
    assert err.line == line_of(text, "process: 2 h: 3 h")


def test_unknown_key_suggests_the_closest(write_scenario):
    text = SMALL.replace("replications:", "replication:")
    err = error_of(write_scenario, text)
    assert "unknown key 'replication'" in str(err) and "did you mean 'replications'?" in str(err)


def test_bad_time_distribution(write_scenario):
    text = SMALL.replace("process: [2 h, 3 h, 4 h]", "process: [4 h, 3 h, 2 h]")
    err = error_of(write_scenario, text)
    assert err.key == "stages.granulation.process" and "triangular" in str(err)


def test_breakdowns_need_both_times(write_scenario):
    text = SMALL.replace("    mttr: 2 h\n", "")
    err = error_of(write_scenario, text)
    assert "mtbf and mttr" in str(err) and err.line == line_of(text, "mtbf:")


def test_warmup_must_be_shorter_than_the_horizon(write_scenario):
    err = error_of(write_scenario, SMALL.replace("warmup: 1 d", "warmup: 11 d"))
    assert err.key == "warmup" and "shorter than the horizon" in str(err)


def test_a_unit_serves_one_stage(write_scenario):
    err = error_of(write_scenario, SMALL.replace("units: [BL-301]", "units: [GR-201]"))
    assert "already serves stage 'granulation'" in str(err)


FIELDS = ["seed", "horizon", "replications", "release", "stages.blending.process", "stages.blending.units"]
VALUES = st.recursive(st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False)
                      | st.text(max_size=12), lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=6)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=st.sampled_from(FIELDS), value=VALUES)
def test_any_value_gives_a_config_error_or_a_scenario(write_scenario, field, value):
    """Whatever a key holds, loading either succeeds or raises ConfigError pointing into the file."""
    key = field.rsplit(".", 1)[-1]
    dumped = yaml.safe_dump(value, default_flow_style=True).strip().removesuffix("\n...").replace("\n", " ")
    text = SMALL
    if field.startswith("stages.blending."):
        text = re.sub(rf"(  blending:\n(?:    .*\n)*?    {key}: ).*", lambda m: m.group(1) + dumped, text, count=1)
    else:
        text = re.sub(rf"^{key}: .*$", lambda m: f"{key}: {dumped}", text, count=1, flags=re.M)
    assert f"{key}: {dumped}" in text
    try:
        load(write_scenario(text))
    except ConfigError as err:
        assert err.file is not None and err.line is not None


def test_unreadable_plant_points_at_the_plant_key(write_scenario, tmp_path):
    (tmp_path / "broken.ifc").write_text("ISO-10303-21;\nthis is not IFC\n")
    text = SMALL.replace("plant: {plant}", "plant: broken.ifc")
    err = error_of(write_scenario, text)
    assert err.key == "plant" and err.line == 1 and "cannot load the plant" in str(err)


def test_plant_overlay_yaml_works_as_well(write_scenario):
    from scenario_files import PLANT

    text = SMALL.replace("plant: {plant}", f"plant: {PLANT.with_name('plant.yaml')}")
    assert load(write_scenario(text)).study.name == "line_capacity"
