"""Write ``multipurpose_osd_logistics.ifc``: the multipurpose OSD plant's logistics variant, for the intralogistics
study. The same production floor (``../multipurpose_osd/generate.py`` builds it), plus what vehicles need:

- doors (``IfcDoor``) on the walls between the rooms the material moves through; those between two GMP grades are
  the material airlocks (the study gives them their interlock cycle);
- an upper store: a second storey at 6 m with room W02 and its racking WH-02 (packaging materials, finished goods);
- a goods lift (``IfcTransportElement``, ELEVATOR) LIFT-01 in the warehouse's corner, its shaft through both floors.

    python plant_models/multipurpose_osd_logistics/generate.py   # rewrites multipurpose_osd_logistics.ifc here
"""
import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

#: Doors by name: (x, y) of the middle of the shared wall, and the wall's direction ("x": the wall runs along x).
DOORS = {
    "D-01": ((20.0, 9.0), "y"),    # W01 | P60, warehouse to packaging hall
    "D-02": ((20.0, 20.0), "y"),   # W01 | P01, airlock CNC -> D
    "D-03": ((46.0, 18.0), "x"),   # P60 | P01, airlock CNC -> D
    "D-04": ((24.0, 22.0), "x"),   # P01 | P10
    "D-05": ((32.0, 22.0), "x"),   # P01 | P21
    "D-06": ((40.0, 22.0), "x"),   # P01 | P22
    "D-07": ((50.0, 22.0), "x"),   # P01 | P30
    "D-08": ((64.0, 22.0), "x"),   # P01 | P40
    "D-09": ((64.0, 30.0), "x"),   # P40 | P50
    "D-10": ((32.0, 30.0), "x"),   # Q01 | P21, airlock CNC -> D
}


def build():
    p = runpy.run_path(str(HERE.parent / "multipurpose_osd" / "generate.py"))["build"]()
    p.project.Name = p.building.Name = "Multipurpose OSD plant, logistics variant"
    ground = p.file.by_type("IfcBuildingStorey")[0]
    for name, ((x, y), along) in DOORS.items():
        box = (1.6, 0.3, 2.4) if along == "x" else (0.3, 1.6, 2.4)
        p.equipment(name, "IfcDoor", ground, (x, y, 0.0), box=box, predefined_type="DOOR", name=name)
    upper = p.storey("Upper store", 6.0)
    p.slab(upper, origin=(0, 0), size=(20, 40))
    store = p.space(upper, "W02", "Upper store", origin=(0, 0), size=(20, 40), height=4.0, grade="CNC")
    p.equipment("WH-02", "IfcFurniture", store, (10.0, 20.0, 6.0), box=(12.0, 30.0, 3.5), predefined_type="SHELF",
                name="Upper store racking", psets={"PharmaTwin_Equipment": {"PalletPlaces": 600}})
    p.equipment("LIFT-01", "IfcTransportElement", ground, (2.0, 38.0, 0.0), box=(2.4, 2.4, 10.0),
                predefined_type="ELEVATOR", name="Goods lift", psets={"PharmaTwin_Equipment": {"Payload_kg": 2500.0}})
    return p


if __name__ == "__main__":
    out = build().write(HERE / "multipurpose_osd_logistics.ifc")
    print(f"wrote {out}")
