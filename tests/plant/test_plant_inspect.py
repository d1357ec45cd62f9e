"""``twin inspect``: the table, --json, --export and errors, run as a user runs them (through ``twin.cli``)."""
import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from twin.cli import main

MODELS = Path(__file__).resolve().parents[2] / "plant_models"
OSD = MODELS / "osd_cm_line" / "plant.yaml"


def test_table_counts_and_warnings(capsys):
    assert main(["inspect", str(OSD)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("OSD continuous manufacturing line (osd_cm_line.ifc): 12 assets, 9 spaces, 10 links")
    row = next(line for line in out.splitlines() if line.startswith("BL-101 "))
    assert row.split()[:5] == ["BL-101", "ContinuousBlender", "G10", "C", "4"]
    assert "LIW-101, LIW-102, LIW-103" in row and row.rstrip().endswith("DV-101")
    assert "     3  LossInWeightFeeder" in out
    assert out.rstrip().endswith("warnings: 0")


def test_json_is_complete(capsys):
    assert main(["inspect", str(MODELS / "api_bay" / "plant.yaml"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data["assets"]) == 14 and len(data["links"]) == 20 and len(data["spaces"]) == 5
    reactor = next(a for a in data["assets"] if a["tag"] == "R-101")
    assert (reactor["space"], reactor["grade"], reactor["behaviour"]) == ("R01", "CNC", "semi_batch_reactor")
    assert reactor["params"]["volume"] == 4.0
    assert {i["tag"]: i["unit"] for i in reactor["instruments"]}["R-101.PT-01"] == "Pa"
    assert data["counts"]["Pump"] == 3


@pytest.mark.parametrize("suffix", ["csv", "json"])
def test_export_master_data(tmp_path, capsys, suffix):
    target = tmp_path / f"master.{suffix}"
    assert main(["inspect", str(MODELS / "multipurpose_osd" / "plant.yaml"), "--export", str(target)]) == 0
    assert "wrote master data of 23 assets" in capsys.readouterr().err
    if suffix == "csv":
        with open(target, newline="") as stream:
            rows = {row["tag"]: row for row in csv.DictReader(stream)}
        assert rows["TP-402"]["grade"] == "D" and rows["TP-402"]["upstream"] == "BL-302"
        assert rows["TP-402"]["downstream"] == "CT-501 CT-502 HPLC-02"
        assert rows["TP-402"]["PharmaTwin_Equipment.Stations"] == "45"
        assert float(rows["WH-01"]["x"]) == pytest.approx(10.0)
    else:
        data = json.loads(target.read_text())
        assert [a["tag"] for a in data["assets"]][:3] == ["BL-301", "BL-302", "BL-303"]


def test_errors_exit_2_with_a_message(tmp_path, capsys):
    assert main(["inspect", str(tmp_path / "missing.ifc")]) == 2
    assert "file not found" in capsys.readouterr().err
    bad = tmp_path / "plant.yaml"
    bad.write_text("plant: nowhere.ifc\n")
    assert main(["inspect", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("twin inspect: ") and "plant.yaml:1" in err
    assert main(["inspect", str(OSD), "--export", str(tmp_path / "master.xlsx")]) == 2
    assert "use a .csv or .json" in capsys.readouterr().err


def test_help_teaches_with_examples(tmp_path):
    out = subprocess.run([sys.executable, "-m", "twin", "inspect", "--help"], capture_output=True, text=True,
                         check=True, cwd=tmp_path).stdout  # away from the source tree's own metadata
    assert "examples:" in out and "--export master.csv" in out and "--tag-property" in out
