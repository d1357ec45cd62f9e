"""FMUs declared in the plant overlay (``fmus:``): ``Twin(plant)`` runs them, and bad entries are named by line.

The reference is fmpy's own simulation loop (``fmpy.simulate_fmu``) on the same FMU with the same parameter values
and communication step, run side by side: the twin's trace must equal it at every communication point.
"""
from pathlib import Path

import fmpy
import pytest

import twin.plant
from twin.config import ConfigError
from twin.fmu.testing import build_fmu
from twin.twin import Twin

IFC = Path(__file__).resolve().parents[2] / "plant_models" / "api_bay" / "api_bay.ifc"
STEP, STOP = 10.0, 1800.0


@pytest.fixture(scope="module")
def reactor_fmu(tmp_path_factory) -> Path:
    return build_fmu("reactor", tmp_path_factory.mktemp("fmus"), fmi_version=2)


def overlay(folder: Path, fmu: Path, body: str) -> Path:
    path = folder / "plant.yaml"
    path.write_text(f"plant: {IFC}\n" + body.replace("FMU", str(fmu)))
    return path


GOOD = """\
fmus:
  R-101:
    fmu: FMU
    parameters: {UA: 30000.0, T_alarm: 70 degC}
co_simulation: {step: 10 s}
"""


@pytest.mark.parametrize("params", [None, {"R-101": {"UA": 1.5e4}}], ids=["overlay", "overridden"])
def test_an_fmu_of_the_overlay_runs_like_fmpy(reactor_fmu, tmp_path, params):
    plant = twin.plant.load(overlay(tmp_path, reactor_fmu, GOOD))
    assert plant.assets["R-101"].behaviour == "fmu" and [b.asset for b in plant.fmus] == ["R-101"]
    ua = (params or {}).get("R-101", {}).get("UA", 3.0e4)
    reference = fmpy.simulate_fmu(str(reactor_fmu), fmi_type="CoSimulation", stop_time=STOP, output_interval=STEP,
                                  start_values={"UA": ua, "T_alarm": 343.15})  # 70 degC in K
    with Twin(plant, params=params, sample_interval=STEP) as tw:
        assert "R-101" not in tw.static, "an asset an FMU drives is not static"
        tw.run(until=STOP)
        times, temperatures, _ = tw.tags.history("R-101.T")
        released = tw.tags.history("R-101.Q_rxn")[1]
    expected = {t: (T, Q) for t, T, Q in zip(reference["time"], reference["T"], reference["Q_rxn"], strict=True)}
    assert len(times) == round(STOP / STEP) + 1 and all(t in expected for t in times)
    assert list(temperatures) == pytest.approx([expected[t][0] for t in times], abs=1e-9)
    assert list(released) == pytest.approx([expected[t][1] for t in times], rel=1e-9, abs=1e-6)
    assert plant.fmus[0].parameters == {"UA": 3.0e4, "T_alarm": pytest.approx(343.15)}, "params leave the plant as is"


@pytest.mark.parametrize("body, message", [
    ("fmus:\n  R-10:\n    fmu: FMU\n",
     r"plant.yaml:3, key 'fmus.R-10'.*unknown tag 'R-10'(.|\n)*did you mean 'R-10[12]'"),
    ("fmus:\n  R-101:\n    fmu: missing.fmu\n", r"plant.yaml:4, key 'fmus.R-101.fmu': file not found"),
    ("fmus:\n  R-101:\n    fmu: FMU\n    parameters: {UA_: 20000.0}\n",
     r"plant.yaml:5, key 'fmus.R-101.parameters.UA_'.*not a variable(.|\n)*did you mean 'UA'"),
    ("fmus:\n  R-101:\n    fmu: FMU\n    inputs: {T: R-101.TT-01}\n",
     r"key 'fmus.R-101.inputs.T'.*'T' is an output of reactor(.|\n)*bind it under outputs:"),
    ("fmus:\n  R-101:\n    fmu: FMU\n    parameters: {UA: hot}\n",
     r"fmus.R-101.parameters.UA'.*'hot' \(str\) does not fit"),
    ("assets:\n  R-101: {behaviour: semi_batch_reactor}\nfmus:\n  R-101:\n    fmu: FMU\n",
     r"plant.yaml:5, key 'fmus.R-101'.*behaviour 'semi_batch_reactor' \(line 3\) and an FMU(.|\n)*remove one"),
    ("fmus:\n  R-101:\n    fmu: FMU\nco_simulation: {step: fast}\n", r"key 'co_simulation.step'(.|\n)*10 s"),
    ("fmus:\n  R-101: FMU\n", r"plant.yaml:3, key 'fmus.R-101'(.|\n)*expected: an FMU entry"),
])
def test_bad_fmu_entries_are_named_by_file_line_and_key(reactor_fmu, tmp_path, body, message):
    with pytest.raises(ConfigError, match=message):
        twin.plant.load(overlay(tmp_path, reactor_fmu, body))


def test_params_for_an_asset_without_an_fmu_or_behaviour_are_refused(reactor_fmu, tmp_path):
    plant = twin.plant.load(overlay(tmp_path, reactor_fmu, GOOD))
    with pytest.raises(ValueError, match="R-1O1"):
        Twin(plant, params={"R-1O1": {"UA": 1.0}})
