"""Every bad input named in issue 5 gets a clear error that says what, where, and how to fix it."""
import re
import shutil
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from twin.config import ConfigError
from twin.fmu import FMUError, FMUUnit, from_yaml, read
from twin.fmu.binding import resolve
from twin.twin import Twin


def rewrite(source, target, change):
    """Copy the FMU ``source`` to ``target`` with ``change(name, data) -> (name, data) or None`` on each member."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            member = change(info.filename, old.read(info))
            if member is not None:
                new.writestr(*member)
    return target


def test_missing_file_suggests_the_nearest(fmu, tmp_path):
    shutil.copy(fmu("reactor"), tmp_path / "reactor.fmu")
    with pytest.raises(FMUError, match=r"reactr\.fmu: FMU file not found\n  hint: did you mean 'reactor\.fmu'\?"):
        FMUUnit("R-101", tmp_path / "reactr.fmu")


def test_not_a_zip(tmp_path):
    (tmp_path / "model.fmu").write_text("<fmiModelDescription/>")
    with pytest.raises(FMUError, match="not an FMU: an FMU is a zip archive"):
        read(tmp_path / "model.fmu")


def test_zip_without_model_description(fmu, tmp_path):
    path = rewrite(fmu("reactor"), tmp_path / "r.fmu", lambda n, d: None if n == "modelDescription.xml" else (n, d))
    with pytest.raises(FMUError, match="has no modelDescription.xml"):
        read(path)


def test_malformed_model_description(fmu, tmp_path):
    path = rewrite(fmu("reactor"), tmp_path / "r.fmu",
                   lambda n, d: (n, d[:200]) if n == "modelDescription.xml" else (n, d))
    with pytest.raises(FMUError, match="not well-formed XML"):
        read(path)


def test_no_binary_for_this_platform(fmu, tmp_path):
    path = rewrite(fmu("reactor"), tmp_path / "win.fmu",
                   lambda n, d: (n.replace("linux64", "win64").replace(".so", ".dll"), d))
    with pytest.raises(FMUError, match=r"no binary for this platform \(linux64\); the FMU has binaries for: win64"):
        read(path)


def test_unsupported_fmi_version(fmu, tmp_path):
    path = rewrite(fmu("reactor"), tmp_path / "old.fmu",
                   lambda n, d: (n, d.replace(b'fmiVersion="2.0"', b'fmiVersion="1.0"')))
    with pytest.raises(FMUError, match="FMI version 1.0 is not supported: the twin runs FMI 2.0 and FMI 3.0"):
        read(path)


def test_missing_interface(fmu):
    with pytest.raises(FMUError, match="has no ModelExchange interface; it has: CoSimulation"):
        FMUUnit("G-1", fmu("gain", 2, interfaces=("CoSimulation",)), interface="ModelExchange")


def test_unknown_variable_suggests_the_nearest(fmu):
    with pytest.raises(FMUError, match=r"(?s)'T_jaket' is not a variable of reactor .*did you mean 'T_jacket'\?"):
        FMUUnit("R-101", fmu("reactor"), inputs={"T_jaket": "R-101.TT-02"})


def test_variable_on_the_wrong_side(fmu):
    with pytest.raises(FMUError, match="(?s)'T_jacket' is an input of reactor.*bind it under inputs:"):
        FMUUnit("R-101", fmu("reactor"), outputs={"T_jacket": "R-101.TT-02"})


def test_parameter_of_the_wrong_type(fmu):
    with pytest.raises(FMUError, match="'UA' is a Real variable; 'high' \\(str\\) does not fit"):
        FMUUnit("R-101", fmu("reactor"), parameters={"UA": "high"})


def test_tag_of_another_type_than_the_variable(fmu):
    tw = Twin()
    tw.tags.define("R-101.XA-01", unit="", dtype=float)
    with pytest.raises(FMUError, match="output 'alarm' is a Boolean variable but tag R-101.XA-01 holds float"):
        tw.add(FMUUnit("R-101", fmu("reactor"), outputs={"alarm": "R-101.XA-01"}))


def test_tag_in_another_unit_than_the_variable(fmu):
    tw = Twin()
    tw.tags.define("R-101.TT-02", unit="degC")
    with pytest.raises(FMUError, match="input 'T_jacket' is in K but tag R-101.TT-02 is in degC"):
        tw.add(FMUUnit("R-101", fmu("reactor"), inputs={"T_jacket": "R-101.TT-02"}))


def test_bool_output_reaches_a_bool_tag(fmu):
    """The right types pass: the reactor's Boolean alarm goes to a bool tag (and rises once T passes 345 K)."""
    tw = Twin(sample_interval=10.0)
    tw.tags.define("R-101.TT-02", unit="K", initial=400.0)
    tw.add(FMUUnit("R-101", fmu("reactor"), inputs={"T_jacket": "R-101.TT-02"},
                   outputs={"alarm": "R-101.XA-01", "T": "R-101.TT-01"}, step=10.0))
    tw.run(until=3600.0)
    assert tw.tags["R-101.XA-01"].dtype is bool and tw.tags.read("R-101.XA-01") is True


def write_binding(tmp_path, fmu, inputs="{T_jacket: R-101.TT-02}"):
    shutil.copy(fmu("reactor"), tmp_path / "reactor.fmu")
    path = tmp_path / "fmus.yaml"
    path.write_text(f"fmus:\n  R-101:\n    fmu: reactor.fmu\n    inputs: {inputs}\n"
                    "    parameters: {UA: 25 kW/K}\nco_simulation: {step: 1 min}\n")
    return path


def test_yaml_binding_error_names_file_line_and_key(fmu, tmp_path):
    path = write_binding(tmp_path, fmu, inputs="{T_jaket: R-101.TT-02}")
    with pytest.raises(ConfigError) as err:
        from_yaml(path)
    assert re.search(r"fmus\.yaml:4, key 'fmus\.R-101\.inputs\.T_jaket': 'T_jaket' is not a variable", str(err.value))
    assert "did you mean 'T_jacket'?" in str(err.value)


def test_yaml_binding_and_scenario_overrides(fmu, tmp_path):
    master = from_yaml(write_binding(tmp_path, fmu), parameters={"R-101": {"dT_max": 5.0}})
    (unit,) = master.units
    assert master.step == 60.0 and unit.parameters == {"UA": 25000.0, "dT_max": 5.0}
    with pytest.raises(FMUError, match="(?s)no FMU is bound to asset 'R-10'.*did you mean 'R-101'"):
        from_yaml(write_binding(tmp_path, fmu), parameters={"R-10": {}})


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.text(max_size=12), st.text(max_size=12), max_size=3),
       st.sampled_from(["inputs", "outputs", "parameters"]))
def test_any_binding_is_accepted_or_refused_clearly(fmu, mapping, side):
    """Whatever names and values a binding holds, the answer is a binding or an FMUError, never a crash."""
    md = read(fmu("reactor"))
    try:
        inputs, outputs, parameters = resolve(md, "R-101", **{side: mapping})
    except FMUError as exc:
        assert str(exc).startswith(side)
    else:
        assert set(inputs) == {"T_jacket"} and outputs
