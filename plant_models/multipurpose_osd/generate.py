"""Write ``multipurpose_osd.ifc``: a multipurpose secondary (oral solid dose) plant, the planners' test bed.

Batches move between rooms in bins, not pipes, so the IFC holds rooms and equipment and the routes are declared
transfers in ``plant.yaml``: dispensing, two high-shear granulators and two fluid-bed dryers, three bin blenders,
three tablet presses, two coaters, four packaging lines, a QC lab with HPLCs and dissolution testers, a warehouse.

    python plant_models/multipurpose_osd/generate.py   # rewrites multipurpose_osd.ifc next to this script
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from authoring import PlantAuthor  # noqa: E402

EQUIPMENT_PSET = "PharmaTwin_Equipment"


def build() -> PlantAuthor:
    p = PlantAuthor("Multipurpose OSD plant", seed=303)
    floor = p.storey("Production level", 0.0)
    p.slab(floor, origin=(0, 0), size=(72, 40))
    room = {}

    def space(number, name, origin, size, grade, **kw):
        room[number] = p.space(floor, number, name, origin=origin, size=size, height=4.0, grade=grade, **kw)

    def machine(tag, where, xy, box, object_type, name, **props):
        return p.equipment(tag, "IfcUnitaryEquipment", room[where], (*xy, 0.0), box=box, object_type=object_type,
                           name=name, psets={EQUIPMENT_PSET: props} if props else None)

    space("W01", "Warehouse", (0, 0), (20, 40), "CNC")
    space("P01", "Production corridor", (20, 18), (52, 4), "D", pressure_pa=15, air_changes=20)
    space("P10", "Dispensing", (20, 22), (8, 8), "D", pressure_pa=30, air_changes=25)
    space("P21", "Granulation 1", (28, 22), (8, 8), "D", pressure_pa=30, air_changes=25)
    space("P22", "Granulation 2", (36, 22), (8, 8), "D", pressure_pa=30, air_changes=25)
    space("P30", "Blending", (44, 22), (12, 8), "D", pressure_pa=30, air_changes=25)
    space("P40", "Compression", (56, 22), (16, 8), "D", pressure_pa=30, air_changes=25)
    space("P50", "Coating", (56, 30), (16, 10), "D", pressure_pa=30, air_changes=25)
    space("P60", "Packaging hall", (20, 0), (52, 18), "CNC")
    space("Q01", "QC laboratory", (20, 30), (20, 10), "CNC")

    machine("DS-101", "P10", (24, 26), (2.5, 2.0, 2.5), "DownflowBooth", "Dispensing booth")
    for i, x in enumerate((32, 40)):
        machine(f"GR-20{i + 1}", f"P2{i + 1}", (x - 1.5, 26), (2.0, 1.5, 2.0), "HighShearGranulator",
                f"High-shear granulator {i + 1}", BowlVolume_L=600.0)
        machine(f"FBD-20{i + 1}", f"P2{i + 1}", (x + 1.8, 26), (2.0, 2.0, 4.0), "FluidBedDryer",
                f"Fluid-bed dryer {i + 1}", BatchSize_kg=300.0)
    for i in range(3):
        machine(f"BL-30{i + 1}", "P30", (46 + 4 * i, 26), (2.0, 2.0, 3.0), "BinBlender", f"Bin blender {i + 1}",
                BinVolume_L=1200.0)
    for i in range(3):
        machine(f"TP-40{i + 1}", "P40", (59 + 5 * i, 26), (1.5, 1.5, 2.0), "RotaryTabletPress",
                f"Rotary tablet press {i + 1}", Stations=45, Output_tablets_h=200000.0)
    for i in range(2):
        machine(f"CT-50{i + 1}", "P50", (61 + 6 * i, 35), (3.0, 2.5, 2.8), "PanCoater", f"Pan coater {i + 1}",
                PanVolume_L=400.0)
    for i in range(4):
        machine(f"PK-60{i + 1}", "P60", (34 + 10 * i, 9), (8.0, 2.0, 2.0), "BlisterPackagingLine",
                f"Blister packaging line {i + 1}", Speed_blisters_min=300.0)
    for i in range(3):
        machine(f"HPLC-0{i + 1}", "Q01", (23 + 3 * i, 38), (1.0, 0.6, 1.0), "HPLC", f"HPLC system {i + 1}")
    for i in range(2):
        machine(f"DT-0{i + 1}", "Q01", (34 + 3 * i, 38), (1.2, 0.6, 0.8), "DissolutionTester",
                f"Dissolution tester {i + 1}")
    p.equipment("WH-01", "IfcFurniture", room["W01"], (10.0, 20.0, 0.0), box=(16.0, 30.0, 8.0),
                predefined_type="SHELF", name="High-bay racking", psets={EQUIPMENT_PSET: {"PalletPlaces": 1800}})
    return p


if __name__ == "__main__":
    out = build().write(Path(__file__).with_name("multipurpose_osd.ifc"))
    print(f"wrote {out}")
