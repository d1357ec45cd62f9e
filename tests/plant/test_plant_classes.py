"""An overlay's ``classes:``: parameters every asset of a type shares (degradation lifetimes among them), checked for
unit and sign where they are read, with file, line and key."""
import shutil
from pathlib import Path

import pytest

import twin.plant
from twin.config import ConfigError

API_IFC = Path(__file__).resolve().parents[2] / "plant_models" / "api_bay" / "api_bay.ifc"

PUMPS = """\
plant: api_bay.ifc
classes:
  Pump: {params: {weibull_shape: 1.5, weibull_scale: 8000 h, wear_mean_life: 8760 h, wear_cv: 0.3}}
assets:
  P-102: {params: {weibull_scale: 500 h}}
"""


def load(tmp_path, text: str):
    shutil.copy(API_IFC, tmp_path / "api_bay.ifc")
    (tmp_path / "plant.yaml").write_text(text)
    return twin.plant.load(tmp_path / "plant.yaml", geometry_cache=False)


def test_every_asset_of_the_class_gets_its_params_and_its_own_win(tmp_path):
    plant = load(tmp_path, PUMPS)
    a, b, c = (plant.assets[t].params for t in ("P-101A", "P-101B", "P-102"))
    assert a == b == {"weibull_shape": 1.5, "weibull_scale": 8000 * 3600.0, "wear_mean_life": 8760 * 3600.0,
                      "wear_cv": 0.3}
    assert c["weibull_scale"] == 500 * 3600.0 and c["weibull_shape"] == 1.5   # the asset's own value wins
    assert "weibull_shape" not in plant.assets["R-101"].params


@pytest.mark.parametrize("old, new, line, key, words", [
    ("Pump:", "Pumps:", 3, "classes.Pumps", ["no asset of the delivery is of type 'Pumps'", "did you mean 'Pump'"]),
    ("weibull_shape: 1.5", "weibull_shape: -1", 3, "classes.Pump.params.weibull_shape", ["got int -1", ">= 0.05"]),
    ("8000 h", "8000 m", 3, "classes.Pump.params.weibull_scale", ["8000 m", "in s"]),
    ("wear_cv: 0.3", "wear_cv: 0", 3, "classes.Pump.params.wear_cv", ["got int 0"]),
    # a cv of 1e160 squared to inf: the maintenance study divided by zero (its own wear.cv has the same range)
    ("wear_cv: 0.3", "wear_cv: 1.0e+160", 3, "classes.Pump.params.wear_cv", ["got float 1e+160", "<= 10"]),
    ("500 h", "0 h", 5, "assets.P-102.params.weibull_scale", ["positive"]),
    # a subnormal life (2.2e-313 s) passed as positive: the wear drift 1 / life overflowed, the DES divided by zero
    ("wear_mean_life: 8760 h", "wear_mean_life: 2.2e-313 s", 3, "classes.Pump.params.wear_mean_life", ["below 1 s"]),
    # a known name one typo off was a free parameter: the lifetime stayed unset, the maintenance study said later
    # that the pumps have none
    ("weibull_shape: 1.5", "weibul_shape: 1.5", 3, "classes.Pump.params.weibul_shape",
     ["'weibul_shape' is not a known parameter", "did you mean 'weibull_shape'?"]),
    ("500 h", "500 h, wear_mean_lfe: 1 h", 5, "assets.P-102.params.wear_mean_lfe", ["did you mean 'wear_mean_life'"]),
])
def test_bad_class_parameters_are_named_with_file_line_and_key(tmp_path, old, new, line, key, words):
    assert old in PUMPS
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, PUMPS.replace(old, new))
    error = caught.value
    assert (Path(error.file).name, error.line, error.key) == ("plant.yaml", line, key)
    assert all(w in str(error) for w in words), str(error)
