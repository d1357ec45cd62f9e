"""Any value of a known plant parameter is refused with file, line and key, or the plant's twin runs (hypothesis).

The osd_cm_line overlay with one parameter replaced by a drawn value (any sign, zero, huge, units of the wrong
kind): loading raises a ConfigError pointing into plant.yaml, or the Twin built from the plant runs two minutes.
Found by this test: `feed_rate: 0` divided by zero in the feeder's start-up speed and `cooling_capacity: 0` gave
the chiller NaN, `cooling_capacity: 1e-9` (1 nW) made it too stiff to integrate; now refused (twin/plant/parameters.py).
The draws are 15 parameters x 20 values: 300 examples see nearly all of them.
"""
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from twin import Twin
from twin.config import ConfigError
from twin.plant import load

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "plant_models" / "osd_cm_line"
VALUES = st.sampled_from(["0", "-1", "0.5", "1e-9", "1e9", ".inf", "20 %", "150 %", "60 L", "0 L", "6 kg/h", "0 kg/h",
                          "90 s", "0 s", "400 mg", "2 parsecs", "5", "-40 degC", "[1, 2]", "fast"])
FIELDS = ["feed_rate", "hopper_volume", "refill_level", "mean_residence_time", "tablet_mass", "interval", "api_target",
          "api_tolerance", "switch_time", "cooling_capacity", "supply_temperature", "supply_airflow", "turret_speed",
          "stations", "impeller_speed"]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("plant")
    shutil.copy(SOURCE / "osd_cm_line.ifc", folder)
    return folder


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=st.sampled_from(FIELDS), value=VALUES)
def test_a_parameter_is_refused_where_it_is_written_or_the_twin_runs(folder, field, value):
    text, found = re.subn(rf"{field}: [^,}}]+", f"{field}: {value}", (SOURCE / "plant.yaml").read_text(), count=1)
    assert found == 1, field
    (folder / "plant.yaml").write_text(text)
    try:
        plant = load(folder / "plant.yaml")
    except ConfigError as err:
        line = next(i for i, row in enumerate(text.splitlines(), 1) if f"{field}: {value}" in row)
        assert err.line == line and err.key.endswith(f".params.{field}"), str(err)
        return
    Twin(plant, sample_interval=10.0).run(until=120)
