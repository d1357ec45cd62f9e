"""twin.config: YAML with line numbers, the declarative schema, and 'value unit' strings in SI.

Unit references are exact definitions (SI brochure, NIST SP 811): 1 bar = 1e5 Pa, 1 min = 60 s, 1 h = 3600 s,
1 L = 1e-3 m3, 1 in = 0.0254 m, 1 lb = 0.45359237 kg, t(K) = t(degC) + 273.15, 1 kW = 1e3 W, 1 mg = 1e-6 kg.
"""
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from twin.config import (
    ConfigError,
    FilePath,
    Integer,
    ListOf,
    MapOf,
    Mapping,
    Number,
    Param,
    Quantity,
    Record,
    Str,
    load,
    loads,
    suggest,
    to_si,
)

FACTORS = {"m": ("m", 1.0), "mm": ("m", 1e-3), "in": ("m", 0.0254), "bar": ("Pa", 1e5), "kPa": ("Pa", 1e3),
           "min": ("s", 60.0), "h": ("s", 3600.0), "L": ("m**3", 1e-3), "m3": ("m**3", 1.0), "lb": ("kg", 0.45359237),
           "mg": ("kg", 1e-6), "kW": ("W", 1e3), "kg/h": ("kg/s", 1 / 3600), "m3/h": ("m**3/s", 1 / 3600),
           "L/min": ("m**3/s", 1e-3 / 60)}


@settings(deadline=None)  # the first call loads pint's unit registry
@given(value=st.floats(-1e6, 1e6, allow_nan=False), unit=st.sampled_from(sorted(FACTORS)))
def test_unit_strings_convert_to_si(value, unit):
    si_unit, factor = FACTORS[unit]
    assert to_si(f"{value!r} {unit}", si_unit) == pytest.approx(value * factor, rel=1e-12, abs=1e-300)


@settings(deadline=None)
@given(value=st.floats(-200, 1000, allow_nan=False))
def test_celsius_is_an_offset(value):
    assert to_si(f"{value} degC", "K") == pytest.approx(value + 273.15, abs=1e-9)
    assert to_si(f"{value} °C", "K") == pytest.approx(value + 273.15, abs=1e-9)


@settings(deadline=None)
@given(text=st.text(max_size=12))
def test_any_string_converts_or_says_why(text):
    try:
        result = to_si(text)
    except ValueError as error:
        assert str(error)
    else:
        assert isinstance(result, float) and not math.isnan(result) or text.strip().lower().startswith(("nan", "+nan"))


def test_unit_errors_are_readable():
    with pytest.raises(ValueError, match="'kg' is not a unit of m"):
        to_si("2 kg", "m")
    with pytest.raises(ValueError, match="unknown unit 'blorps'"):
        to_si("2 blorps")
    with pytest.raises(ValueError, match="does not start with a number"):
        to_si("about 3 m")
    assert to_si(7) == 7.0 and to_si("7") == 7.0


def test_the_expected_unit_is_written_as_the_values_are():
    """'kg/m3' as the expected unit, as the safety chemistry's rho and a value are written (it was 'unknown unit')."""
    assert to_si("1000 kg/m3", "kg/m3") == 1000.0 and to_si("1 g/cm3", "kg/m3") == pytest.approx(1000.0)
    assert to_si("2 m3", "m3") == 2.0


SCHEMA = Record({"plant": Str(), "volume": Quantity("m**3", "2.5 m3"), "count": Integer(minimum=1),
                 "kind": Str(["reactor", "dryer"]), "tags": ListOf(Str()), "params": MapOf(Param()),
                 "file": FilePath()}, required=["plant"])


def test_schema_converts_and_fills_defaults():
    data = loads("plant: x\nvolume: 500 L\ntags: [a, b]\nparams: {t: 30 min, n: 3, label: 2nd shift}\n", SCHEMA)
    assert data["volume"] == pytest.approx(0.5)
    assert data["params"] == {"t": 1800.0, "n": 3, "label": "2nd shift"}
    assert data["count"] is None and data["kind"] is None and data["tags"] == ["a", "b"]
    assert isinstance(data, Mapping) and data.lines == {"plant": 1, "volume": 2, "tags": 3, "params": 4}


@pytest.mark.parametrize("text, line, key, words", [
    ("plant: x\nvolum: 2\n", 2, "volum", ["unknown key 'volum'", "did you mean 'volume'?"]),
    ("volume: 2\n", 1, None, ["missing key 'plant'", "add 'plant: ...'"]),
    ("plant: x\nvolume: 2 kg\n", 2, "volume", ["not a unit of m**3", "like '2.5 m3'"]),
    ("plant: x\ncount: 0\n", 2, "count", ["expected: an integer >= 1"]),
    ("plant: x\ncount: 2.5\n", 2, "count", ["expected: an integer >= 1"]),
    ("plant: x\nkind: reactr\n", 2, "kind", ["one of reactor, dryer", "did you mean 'reactor'?"]),
    ("plant: x\ntags:\n  - a\n  - {b: 1}\n", 4, "tags[1]", ["got a mapping", "expected: a string"]),
    ("plant: x\nparams: {a: {b: 1}}\n", 2, "params.a", ["got a mapping"]),
    ("plant: x\nfile: nowhere.ifc\n", 2, "file", ["file not found"]),
    ("plant: [x\n", 2, None, ["not valid YAML"]),
    ("plant: x\nplant: y\n", 2, "plant", ["duplicate key", "first 'plant' is on line 1"]),
    ("- a list\n", 1, None, ["got a list", "expected: a mapping"]),
    ("", 1, None, ["nothing (empty value)"]),
    ("plant: !!python/object:os.system x\n", 1, None, ["not valid YAML"]),
])
def test_errors_name_file_line_key_and_fix(text, line, key, words):
    with pytest.raises(ConfigError) as caught:
        loads(text, SCHEMA, file="scenario.yaml")
    error = caught.value
    assert (error.file, error.line, error.key) == ("scenario.yaml", line, key)
    assert str(error).startswith(f"scenario.yaml:{line}")
    for word in words:
        assert word in str(error)


def test_a_list_of_a_fixed_length_refuses_extra_items():
    """A point [x, y] given a third value is refused by length, not cut to two (or unpacked into a traceback)."""
    point = ListOf(Quantity("m", "2 m", minimum=None), min_items=2, max_items=2)
    schema = Record({"at": point}, required=("at",))
    assert loads("at: [1 m, 2 m]\n", schema)["at"] == [1.0, 2.0]
    for text in ("at: [1 m, 2 m, 3 m]\n", "at: [1 m]\n"):
        with pytest.raises(ConfigError) as caught:
            loads(text, schema, file="s.yaml")
        assert caught.value.key == "at" and "(exactly 2)" in str(caught.value), str(caught.value)
    assert "a list of 3" in str(pytest.raises(ConfigError, loads, "at: [1, 2, 3]\n", schema).value)
    assert "(1 to 3)" in ListOf(Str(), min_items=1, max_items=3).expected


def test_a_number_bounded_above_refuses_more():
    """A fraction (a battery's low mark) as Number(0, 1): 1.5 was taken (only a minimum could be said)."""
    schema = Record({"low": Number(minimum=0, maximum=1)}, required=("low",))
    assert loads("low: 0.25\n", schema)["low"] == 0.25 and loads("low: 1\n", schema)["low"] == 1
    with pytest.raises(ConfigError, match=r"got float 1.5(.|\n)*expected: a number >= 0 and <= 1"):
        loads("low: 1.5\n", schema)


def test_later_checks_point_at_the_right_line():
    data = loads("plant: x\nparams:\n  alpha: 1\n  beta: 2\n", SCHEMA, file="p.yaml")
    error = data["params"].error("beta", "not used by this unit", choices=["bet", "gamma"])
    assert (error.line, error.key, error.hint) == (4, "params.beta", "did you mean 'bet'?")


def test_files(tmp_path):
    with pytest.raises(ConfigError, match="file not found") as caught:
        load(tmp_path / "scenari.yaml")
    (tmp_path / "scenario.yaml").write_text("plant: x\nfile: scenario.yaml\n")
    with pytest.raises(ConfigError, match="did you mean 'scenario.yaml'"):
        load(tmp_path / "scenari.yaml")
    assert caught.value.file == tmp_path / "scenari.yaml"
    data = load(tmp_path / "scenario.yaml", SCHEMA)
    assert data["file"] == tmp_path / "scenario.yaml"  # relative to the YAML file's folder
    (tmp_path / "binary.yaml").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ConfigError, match="cannot read the file"):
        load(tmp_path / "binary.yaml")


def test_suggest():
    assert suggest("R-1O1", ["R-101", "P-101A"]) == "did you mean 'R-101'?"
    assert suggest("XYZ", ["R-101"]) is None
