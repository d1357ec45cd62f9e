"""The three sample plants load from their IFC with every equipment tag, link and grade the generators authored.

The reference for every number here is the generator script of the plant (plant_models/<name>/generate.py): the
tags, rooms, grades, coordinates and pipe runs it writes into the IFC.
"""
import math

import pytest

import twin.plant
from twin.plant import UnknownTagError

OSD_TAGS = {"LIW-101", "LIW-102", "LIW-103", "BL-101", "NIR-101", "DV-101", "BIN-101", "TP-101", "DD-101", "MD-101",
            "AHU-01", "CH-01"}
API_TAGS = {"R-101", "R-102", "D-101", "D-102", "XV-101", "XV-102", "E-101", "E-102", "N2-101", "SC-101", "NF-101",
            "P-101A", "P-101B", "P-102"}
MULTI_TAGS = {"DS-101", "GR-201", "GR-202", "FBD-201", "FBD-202", "BL-301", "BL-302", "BL-303", "TP-401", "TP-402",
              "TP-403", "CT-501", "CT-502", "PK-601", "PK-602", "PK-603", "PK-604", "HPLC-01", "HPLC-02", "HPLC-03",
              "DT-01", "DT-02", "WH-01"}


def pairs(plant):
    return {(link.source, link.target) for link in plant.links}


def test_osd_line_tags_rooms_and_grades(osd):
    assert set(osd.assets) == OSD_TAGS
    assert osd.warnings == []
    assert {a.tag: a.space for a in osd.of_type("LossInWeightFeeder")} == {
        "LIW-101": "U10", "LIW-102": "U10", "LIW-103": "U10"}
    assert [osd.grade(t) for t in ("BL-101", "TP-101", "MD-101", "AHU-01", "CH-01")] == ["C", "C", "C", "CNC", "CNC"]
    assert {s.number: s.grade for s in osd.spaces.values()} == {
        "G01": "D", "G03": "D", "G02": "D", "G10": "C", "G11": "C", "G12": "C", "G20": "CNC", "U02": "D", "U10": "C"}
    assert osd.spaces["G10"].name == "Blending and PAT room"
    assert osd.spaces["U10"].storey == "Feeding level"
    assert osd.spaces["G10"].properties["PharmaTwin_Cleanroom.DifferentialPressure"] == 30
    assert sorted(a.tag for a in osd.with_grade("CNC")) == ["AHU-01", "CH-01"]


def test_osd_line_links_follow_the_powder_path(osd):
    assert pairs(osd) == {
        ("LIW-101", "BL-101"), ("LIW-102", "BL-101"), ("LIW-103", "BL-101"), ("BL-101", "DV-101"),
        ("DV-101", "TP-101"), ("DV-101", "BIN-101"), ("TP-101", "DD-101"), ("DD-101", "MD-101"),
        ("CH-01", "AHU-01"), ("AHU-01", "CH-01")}
    assert all(link.directed and link.kind == "pipe" for link in osd.links)
    accept = next(k for k in osd.links if k.source == "DV-101" and k.target == "TP-101")
    assert (accept.source_port, accept.target_port, accept.medium) == ("accept", "inlet", "Powder transfer")
    assert len(accept.via) == 5  # rise, across x, across y, drop: 3 segments and 2 elbows in generate.py
    assert osd.upstream("TP-101") == {"LIW-101", "LIW-102", "LIW-103", "BL-101", "DV-101"}
    assert osd.downstream("BL-101") == {"DV-101", "TP-101", "BIN-101", "DD-101", "MD-101"}
    assert osd.path("LIW-103", "MD-101") == ["LIW-103", "BL-101", "DV-101", "TP-101", "DD-101", "MD-101"]
    with pytest.raises(ValueError, match="no flow path from MD-101 to LIW-101"):
        osd.path("MD-101", "LIW-101")


def test_osd_line_instruments_and_overlay(osd):
    assert set(osd.instruments) >= {"LIW-101.WT-01", "LIW-101.FT-01", "BL-101.ST-01", "TP-101.FT-01",
                                    "AHU-01.TT-01", "AHU-01.MT-01", "CH-01.TT-01", "NIR-101.API-01"}
    weight = osd["LIW-101.WT-01"]
    assert (weight.type, weight.unit, weight.asset, weight.signal) == ("LoadCell", "kg", "LIW-101", "WT-01")
    assert osd["LIW-101"].behaviour == "liw_feeder"
    # 6 kg/h = 6 / 3600 kg/s; 60 L = 0.06 m3; 20 % = 0.2; 18 degC = 291.15 K (SI conversions by hand)
    assert osd["LIW-101"].params["feed_rate"] == pytest.approx(6 / 3600)
    assert osd["LIW-101"].params["hopper_volume"] == pytest.approx(0.06)
    assert osd["LIW-101"].params["refill_level"] == pytest.approx(0.2)
    assert osd["AHU-01"].params["supply_temperature"] == pytest.approx(291.15)
    assert osd["TP-101"].params["tablet_mass"] == pytest.approx(400e-6)
    assert osd["LIW-101"].properties["PharmaTwin_Equipment.Material"] == "API"


def test_api_bay_equipment_instruments_and_safety_functions(api_bay):
    assert set(api_bay.assets) == API_TAGS
    assert api_bay.warnings == []
    for reactor in ("R-101", "R-102"):
        assert set(api_bay[reactor].instruments) == {f"{reactor}.{s}" for s in
                                                      ("TT-01", "TT-02", "PT-01", "PT-02", "LT-01", "AT-01", "TIC-01")}
    assert api_bay["R-101.TT-01"].type == "TEMPERATURESENSOR"
    assert api_bay["R-101.AT-01"].type == "GASSENSOR"
    assert api_bay["R-101.TIC-01"].type == "PROPORTIONAL"
    sis = {t for t, i in api_bay.instruments.items() if i.properties.get("PharmaTwin_Instrument.Role") == "SIS"}
    assert sis == {"R-101.TT-02", "R-101.PT-02", "R-102.TT-02", "R-102.PT-02"}
    assert api_bay["R-101.TT-02"].properties["trip"] == pytest.approx(348.15)  # 75 degC in K
    assert api_bay["R-101.PT-02"].properties["trip"] == pytest.approx(4e5)  # 4 bar in Pa
    assert api_bay["XV-101"].properties["PharmaTwin_Instrument.Role"] == "SIS final element"
    assert api_bay["XV-101"].predefined_type == "ISOLATING"
    assert api_bay["R-102"].params["jacket_ua"] == pytest.approx(2500.0)  # 2.5 kW/K, via the YAML anchor


def test_api_bay_links_grades_and_distances(api_bay):
    assert len(api_bay.links) == 20
    assert {("D-101", "XV-101"), ("XV-101", "R-101"), ("R-101", "E-101"), ("E-101", "R-101"), ("E-101", "SC-101"),
            ("N2-101", "R-101"), ("N2-101", "NF-101"), ("R-102", "P-102"), ("P-102", "R-101"), ("R-101", "P-101A"),
            ("R-101", "P-101B"), ("P-101A", "NF-101"), ("P-101B", "NF-101"), ("NF-101", "SC-101")} <= pairs(api_bay)
    media = {(k.source, k.target): k.medium for k in api_bay.links}
    assert media[("N2-101", "R-101")] == "Nitrogen"
    assert media[("E-102", "SC-101")] == "Vent to scrubber"
    assert api_bay.path("D-101", "NF-101") == ["D-101", "XV-101", "R-101", "P-101A", "NF-101"]
    assert api_bay.upstream("SC-101") >= {"R-101", "R-102", "E-101", "E-102", "NF-101"}
    assert api_bay.grade("NF-101") == "D" and api_bay.grade("R-101") == "CNC"
    # cylinder r 0.9 h 2.4 at (3, 8, 0) -> centre (3, 8, 1.2); NF-101: r 1.0 h 2.0 at (15, 8, 0) -> (15, 8, 1);
    # centres are of the tessellated polygons' boxes, a few mm off the true circles
    assert api_bay.distance("R-101", "NF-101") == pytest.approx(math.hypot(12.0, 0.2), abs=5e-3)


def test_multipurpose_plant_declared_transfers(multipurpose):
    assert set(multipurpose.assets) == MULTI_TAGS
    counts = multipurpose.counts()
    assert (counts["HighShearGranulator"], counts["FluidBedDryer"], counts["BinBlender"], counts["RotaryTabletPress"],
            counts["PanCoater"], counts["BlisterPackagingLine"], counts["HPLC"], counts["DissolutionTester"]) == \
        (2, 2, 3, 3, 2, 4, 3, 2)
    assert len(multipurpose.links) == 29 and all(k.kind == "transfer" for k in multipurpose.links)
    assert multipurpose.path("DS-101", "HPLC-03") == ["DS-101", "GR-202", "FBD-202", "BL-303", "TP-403", "HPLC-03"]
    assert multipurpose["GR-201"].params["duration"] == pytest.approx(3 * 3600)
    assert {a.tag for a in multipurpose.in_space("Q01")} == {"HPLC-01", "HPLC-02", "HPLC-03", "DT-01", "DT-02"}
    assert multipurpose.grade("TP-402") == "D" and multipurpose.grade("WH-01") == "CNC"


def test_unknown_tags_suggest_the_closest(api_bay):
    with pytest.raises(UnknownTagError, match="did you mean 'NF-101'"):
        api_bay["NF-10l"]
    with pytest.raises(UnknownTagError, match="did you mean 'R-101.TIC-01'"):
        api_bay["R-101.TIC-0l"]
    with pytest.raises(UnknownTagError, match="instrument, not an asset"):
        api_bay.upstream("R-101.TT-01")
    with pytest.raises(ValueError, match="expected one of A, B, C, D, CNC"):
        api_bay.with_grade("E")
    assert "R-101.TT-02" in api_bay and "R-103" not in api_bay


def test_the_ifc_alone_has_the_same_tags_and_links_as_with_overlay(api_bay):
    bare = twin.plant.load(api_bay.source)
    assert set(bare.assets) == set(api_bay.assets)
    assert pairs(bare) == pairs(api_bay)
    assert bare["R-101"].behaviour is None and bare["R-101.TT-01"].unit is None
