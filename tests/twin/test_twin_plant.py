"""Twin(plant): behaviours and parameters from the plant YAML, models joined along the plant's links."""
from pathlib import Path

import pytest

from twin import Twin
from twin.behaviours import BehaviourError
from twin.plant import load

OSD = Path(__file__).resolve().parents[2] / "plant_models" / "osd_cm_line" / "plant.yaml"


@pytest.fixture(scope="module")
def osd():
    return load(OSD)


def test_the_osd_line_is_assembled_from_its_yaml(osd):
    tw = Twin(osd, sample_interval=1.0)
    wiring = sorted((a.path, b.path) for a, b in tw.flowsheet.connections)
    # LIW-10x -> BL-101 directly; BL-101 -> DV-101 (no model) -> TP-101
    assert wiring == [("BL-101.out", "TP-101.in"), ("LIW-101.out", "BL-101.in"), ("LIW-102.out", "BL-101.in"),
                      ("LIW-103.out", "BL-101.in")]
    assert tw.tags["LIW-101.F_sp"].value == pytest.approx(6 / 3600)  # feed_rate: 6 kg/h
    assert tw.tags["BL-101.tau"].value == 90.0  # mean_residence_time: 90 s
    assert tw.tags["TP-101.tablet_mass"].value == pytest.approx(4e-4)  # tablet_mass: 400 mg
    # the press's API target is the API share of the feeders' set points: 6 / (6 + 13.5 + 0.5)
    assert tw.tags["TP-101.api_target"].value == pytest.approx(0.3)
    assert tw.tags["CH-01.T_set"].value == pytest.approx(279.15)  # supply_temperature: 6 degC
    assert {"NIR-101", "DV-101"} <= set(tw.static)
    result = tw.run(until=1800.0)
    # mass balance of the line over the run: what left the hoppers is in the blender, the feed frame or tablets
    fed = sum(result.trace(f"{f}.m_hopper")[1][0] - result.tags[f"{f}.m_hopper"].value
              for f in ("LIW-101", "LIW-102", "LIW-103"))
    held = sum(result.tags[n].value for n in result.tags.names("BL-101.M_*") + result.tags.names("TP-101.M_*"))
    pressed = result.tags["TP-101.tablets"].value * 4e-4
    assert fed == pytest.approx(held + pressed, rel=1e-7)


def test_misspelt_behaviour_and_unknown_params_are_named(osd):
    osd.assets["BL-101"].behaviour = "continous_blender"
    try:
        with pytest.raises(BehaviourError, match="BL-101: behaviour 'continous_blender' is not known; did you mean "
                                                 "'continuous_blender'"):
            Twin(osd)
    finally:
        osd.assets["BL-101"].behaviour = "continuous_blender"
    with pytest.raises(BehaviourError, match="params given for \\['BL-1O1'\\].*did you mean BL-101"):
        Twin(osd, params={"BL-1O1": {"tau": 60}})
    with pytest.raises(BehaviourError, match="BL-101 \\(continuous_blender\\): .*'volume'.*check the params"):
        Twin(osd, params={"BL-101": {"volume": 1.0}})
