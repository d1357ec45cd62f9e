"""The public helpers of twin.config that other packages build on: the pint registry, unit-to-unit conversion, and
validation of a document after loading (a scenario variant, a CSV cell) with errors still pointing at file and line.

References are exact definitions (SI brochure, NIST SP 811): t(K) = t(degC) + 273.15, t(degC) = (t(degF) - 32) * 5/9,
1 bar = 1e5 Pa, 1 psi = 6894.757293168361 Pa (1 lbf/in2 with g_n = 9.80665 m/s2, 1 lb = 0.45359237 kg).
"""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from twin import config
from twin.config import ConfigError, Integer, Quantity, Record, Str


@settings(deadline=None)  # the first call loads pint's unit registry
@given(st.floats(-200, 1000, allow_nan=False))
def test_convert_handles_offsets_and_factors(value):
    assert config.convert(value, "degC", "K") == pytest.approx(value + 273.15, abs=1e-9)
    assert config.convert(value, "degF", "degC") == pytest.approx((value - 32) * 5 / 9, abs=1e-9)
    assert config.convert(value, "psi", "bar") == pytest.approx(value * 6894.757293168361 / 1e5, rel=1e-12)


def test_convert_errors_name_both_units():
    with pytest.raises(ValueError, match="cannot convert 'bar' to 'K': they measure different things"):
        config.convert(1.0, "bar", "K")
    with pytest.raises(ValueError, match="cannot convert 'furlongz' to 'm'"):
        config.convert(1.0, "furlongz", "m")


def test_units_is_the_one_registry():
    assert config.units() is config.units()
    assert config.units().Quantity(2.5, "m**3").to("L").magnitude == pytest.approx(2500.0)


SCHEMA = Record({"plant": Str(), "volume": Quantity("m**3"), "batches": Integer(minimum=1)}, required=["plant"])


def test_validate_a_changed_document_points_at_its_file_and_line():
    doc = config.loads("plant: api_bay.yaml\nvolume: 2 m3\nbatches: 3\n", file="scenario.yaml")
    assert config.validate(doc, SCHEMA)["volume"] == 2.0
    doc["volume"] = "2 K"  # as a variant's override would set it
    with pytest.raises(ConfigError, match=r"scenario.yaml:2, key 'volume'(.|\n)*expected: a number in m\*\*3"):
        config.validate(doc, SCHEMA)
    doc["volume"], doc["batches"] = 1.0, 0
    with pytest.raises(ConfigError, match=r"scenario.yaml:3, key 'batches': got int 0(.|\n)*an integer >= 1"):
        config.validate(doc, SCHEMA)


def test_validate_a_value_read_from_elsewhere_names_the_given_place():
    assert config.validate("1.2 bar", Quantity("Pa"), file="layers.csv", line=7, key="p_set") == pytest.approx(1.2e5)
    with pytest.raises(ConfigError, match=r"layers.csv:7, key 'p_set'.*unknown unit 'barr'"):
        config.validate("1.2 barr", Quantity("Pa"), file="layers.csv", line=7, key="p_set")
