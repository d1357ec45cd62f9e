"""``twin inspect`` as a delivery check: clean JSON whatever the libraries print, exit statuses as documented in
twin/plant/inspect.py (0 loaded, 2 nothing loaded or written, 3 loaded with errors under --strict), and one clear
line for each kind of bad input, never a traceback."""
import json
import os
from pathlib import Path

import pytest

import twin.plant.loading
from twin.cli import main

ROOT = Path(__file__).resolve().parents[2]
PUBLIC = ROOT / "tests" / "data" / "public_ifc"
API_IFC = ROOT / "plant_models" / "api_bay" / "api_bay.ifc"
WALL = PUBLIC / "revit2011_wall1.ifc"


def test_json_stays_clean_when_the_kernel_writes_to_file_descriptor_1(monkeypatch, capfd, tmp_path):
    load = twin.plant.loading.load

    def noisy(*args, **kwargs):  # what ifcopenshell's C++ kernel does on some IFC4X3 files: print past sys.stdout
        os.write(1, b"Warning: unsupported curve segment, approximated\n")
        print("a Python library's print")
        return load(*args, **kwargs)

    monkeypatch.setattr(twin.plant.loading, "load", noisy)
    monkeypatch.setenv("TWIN_CACHE_DIR", str(tmp_path))  # a cold cache: the geometry kernel runs
    assert main(["inspect", str(WALL), "--json"]) == 0
    out, err = capfd.readouterr()
    assert json.loads(out)["name"] == "number"  # the Revit file's project name
    assert "unsupported curve segment" in err and "a Python library's print" in err


def _cut(tmp_path) -> Path:
    path = tmp_path / "cut.ifc"
    text = API_IFC.read_text()
    path.write_text(text[: len(text) * 6 // 10])
    return path


def test_a_truncated_file_loads_and_strict_makes_it_fail(tmp_path, capsys):
    cut = _cut(tmp_path)
    assert main(["inspect", str(cut), "--json", "--no-cache"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["assets"] and any("truncated" in e for e in data["errors"])
    assert main(["inspect", str(cut), "--strict", "--no-cache"]) == 3
    out, err = capsys.readouterr()
    assert "errors: 2" in out and "loaded with 2 errors (--strict)" in err
    assert main(["inspect", str(API_IFC), "--strict"]) == 0


def test_entities_of_another_schema_are_errors(capsys):
    """A public file declaring IFC4X3 but written with IFC4's IfcBeamStandardCase: 57 entities dropped."""
    assert main(["inspect", str(PUBLIC / "beam-standard-case.ifc"), "--strict"]) == 3
    err = capsys.readouterr().err
    assert "57 parse errors" in err and "IFCBEAMSTANDARDCASE" in err


def _empty(tmp_path):
    (tmp_path / "empty.ifc").write_bytes(b"")
    return tmp_path / "empty.ifc"


def _binary(tmp_path):
    (tmp_path / "blob.ifc").write_bytes(bytes(range(256)) * 16)
    return tmp_path / "blob.ifc"


def _schema(tmp_path):
    (tmp_path / "ifc5.ifc").write_text(API_IFC.read_text().replace("FILE_SCHEMA(('IFC4'));", "FILE_SCHEMA(('IFC5'));"))
    return tmp_path / "ifc5.ifc"


def _folder(tmp_path):
    (tmp_path / "delivery").mkdir()
    return tmp_path / "delivery"


BAD = {  # what is given -> (exit status, words of the one line)
    "missing path": (lambda t: t / "nowhere", 2, "nowhere: file not found"),
    "missing .ifc": (lambda t: t / "nowhere.ifc", 2, "nowhere.ifc: file not found"),
    "folder": (_folder, 2, "delivery: is a folder"),
    "empty": (_empty, 2, "not an IFC-SPF (STEP) file"),
    "binary": (_binary, 2, "not an IFC-SPF (STEP) file"),
    "wrong schema": (_schema, 2, "IFC5"),
    "truncated": (_cut, 3, "loaded with 2 errors"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_gets_one_line_and_the_documented_status(case, tmp_path, capsys):
    make, status, words = BAD[case]
    assert main(["inspect", str(make(tmp_path)), "--strict", "--no-cache"]) == status
    err = capsys.readouterr().err.strip()
    assert words in err and "Traceback" not in err
    assert len(err.splitlines()) == 1, err


@pytest.mark.parametrize("target, words", [
    ("missing/master.csv", "the folder {tmp}/missing does not exist (create it first)"),
    (".", "it is a folder; name a file in it"),
    ("/proc/master.csv", "cannot export master data to /proc/master.csv: "),
])
def test_an_export_that_cannot_be_written_is_one_line(target, words, tmp_path, capsys):
    path = target if target.startswith("/") else str(tmp_path / target)
    assert main(["inspect", str(WALL), "--export", path]) == 2
    err = capsys.readouterr().err.strip()
    assert words.format(tmp=tmp_path) in err and len(err.splitlines()) == 1, err


def test_geometry_the_kernel_cannot_mesh_is_a_warning_not_a_failure(capsys):
    assert main(["inspect", str(PUBLIC / "building_service_element_air-terminal.ifc"), "--strict"]) == 0
    assert "no mesh: the geometry kernel produced none" in capsys.readouterr().out
