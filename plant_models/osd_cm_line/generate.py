"""Write ``osd_cm_line.ifc``: an oral-solid-dose continuous direct-compression line in a graded cleanroom suite.

Three loss-in-weight feeders (API, excipient, lubricant) on the feeding floor drop into a continuous blender below;
an NIR probe watches the blend, a diversion gate sends out-of-spec powder to a reject bin and good blend to the
tablet press, then a de-duster and a metal check. An AHU served by a chiller conditions the suite.

    python plant_models/osd_cm_line/generate.py            # rewrites osd_cm_line.ifc next to this script
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from authoring import PlantAuthor  # noqa: E402

EQUIPMENT_PSET = "PharmaTwin_Equipment"


def build() -> PlantAuthor:
    p = PlantAuthor("OSD continuous manufacturing line", seed=101)
    ground, upper = p.storey("Process level", 0.0), p.storey("Feeding level", 4.5)
    for storey in (ground, upper):
        p.slab(storey, origin=(0, 0), size=(20, 12.5))

    # Rooms: people and material enter through airlocks, the process rooms are grade C, the corridor grade D.
    p.space(ground, "G01", "Gowning airlock", origin=(0, 0), size=(4, 3), grade="D", pressure_pa=15, air_changes=20)
    p.space(ground, "G03", "Material airlock", origin=(4, 0), size=(4, 3), grade="D", pressure_pa=15, air_changes=20)
    p.space(ground, "G02", "Corridor", origin=(0, 3), size=(20, 2.5), grade="D", pressure_pa=15, air_changes=20)
    blending = p.space(ground, "G10", "Blending and PAT room", origin=(0, 5.5), size=(8, 7), grade="C",
                       pressure_pa=30, air_changes=25)
    compression = p.space(ground, "G11", "Compression room", origin=(8, 5.5), size=(7, 7), grade="C",
                          pressure_pa=30, air_changes=25)
    handling = p.space(ground, "G12", "Tablet handling room", origin=(15, 5.5), size=(5, 7), grade="C",
                       pressure_pa=30, air_changes=25)
    technical = p.space(ground, "G20", "Technical room", origin=(8, 0), size=(12, 3), grade="CNC")
    p.space(upper, "U02", "Upper corridor", origin=(0, 3), size=(8, 2.5), grade="D", pressure_pa=15, air_changes=20)
    feeding = p.space(upper, "U10", "Feeding room", origin=(0, 5.5), size=(8, 7), grade="C", pressure_pa=30,
                      air_changes=25)

    feeders = []
    for i, (material, rate) in enumerate([("API", 6.0), ("Excipient", 13.5), ("Lubricant", 0.5)]):
        feeder = p.equipment(f"LIW-10{i + 1}", "IfcUnitaryEquipment", feeding, (2.0 + 2 * i, 9.0, 4.5),
                             box=(0.8, 0.8, 1.4), object_type="LossInWeightFeeder",
                             name=f"Loss-in-weight feeder, {material.lower()}",
                             psets={EQUIPMENT_PSET: {"Material": material, "NominalFeedRate_kg_h": rate,
                                                     "HopperVolume_L": 60.0}})
        p.instrument("WT-01", feeder, predefined_type="USERDEFINED", object_type="LoadCell", offset=(0.5, 0, 0.3),
                     name=f"{feeder.Tag} hopper weight")
        feeders.append(feeder)
    blender = p.equipment("BL-101", "IfcUnitaryEquipment", blending, (4.0, 9.0, 0.0), box=(2.0, 0.6, 1.2),
                          object_type="ContinuousBlender", name="Continuous blender",
                          psets={EQUIPMENT_PSET: {"ImpellerSpeed_rpm": 250.0, "HoldUp_kg": 0.9}})
    p.instrument("ST-01", blender, predefined_type="USERDEFINED", object_type="SpeedSensor", offset=(-1.1, 0, 0.6))
    p.equipment("NIR-101", "IfcSensor", blending, (5.5, 9.3, 0.9), box=(0.15, 0.15, 0.3), object_type="NIRProbe",
                name="NIR probe (PAT), blend uniformity",
                psets={EQUIPMENT_PSET: {"MeasurementInterval_s": 5.0, "Model": "PLS blend uniformity"}})
    gate = p.equipment("DV-101", "IfcValve", blending, (6.5, 9.0, 0.3), box=(0.4, 0.4, 0.5),
                       predefined_type="DIVERTING", object_type="DiversionGate", name="Diversion gate")
    bin_ = p.equipment("BIN-101", "IfcTank", blending, (6.5, 11.0, 0.0), cylinder=(0.35, 0.8),
                       predefined_type="STORAGE", object_type="RejectBin", name="Reject bin")
    press = p.equipment("TP-101", "IfcUnitaryEquipment", compression, (11.5, 9.0, 0.0), box=(1.3, 1.3, 2.0),
                        object_type="RotaryTabletPress", name="Rotary tablet press",
                        psets={EQUIPMENT_PSET: {"Stations": 36, "TurretSpeed_rpm": 60.0, "TabletMass_mg": 400.0}})
    p.instrument("FT-01", press, predefined_type="USERDEFINED", object_type="ForceSensor", offset=(0.8, 0, 1.0),
                 name="Main compression force")
    deduster = p.equipment("DD-101", "IfcUnitaryEquipment", handling, (16.5, 9.0, 0.0), box=(0.6, 0.6, 1.2),
                           object_type="Deduster", name="Tablet de-duster")
    checker = p.equipment("MD-101", "IfcUnitaryEquipment", handling, (18.5, 9.0, 0.0), box=(0.6, 0.8, 1.2),
                          object_type="MetalDetector", name="Metal check")
    p.instrument("XS-01", checker, predefined_type="USERDEFINED", object_type="MetalSensor", offset=(0, 0.5, 1.0))
    ahu = p.equipment("AHU-01", "IfcUnitaryEquipment", technical, (11.0, 1.5, 0.0), box=(4.0, 1.8, 2.2),
                      predefined_type="AIRHANDLER", object_type="AirHandlingUnit",
                      name="Air handling unit, cleanroom suite",
                      psets={EQUIPMENT_PSET: {"SupplyAirflow_m3_h": 12000.0, "FilterClass": "H14"}})
    p.instrument("TT-01", ahu, predefined_type="TEMPERATURESENSOR", offset=(2.2, 0, 1.8), name="Supply air temperature")
    p.instrument("MT-01", ahu, predefined_type="HUMIDITYSENSOR", offset=(2.2, 0.3, 1.8), name="Supply air humidity")
    chiller = p.equipment("CH-01", "IfcChiller", technical, (17.0, 1.5, 0.0), box=(2.5, 1.4, 1.8),
                          predefined_type="AIRCOOLED", name="Chiller",
                          psets={EQUIPMENT_PSET: {"CoolingCapacity_kW": 120.0}})
    p.instrument("TT-01", chiller, predefined_type="TEMPERATURESENSOR", offset=(1.4, 0, 1.5),
                 name="Chilled water supply temperature")

    # Powder path: feeders drop into the blender, then gate, press, de-duster, metal check.
    powder = p.system("Powder transfer", "CONVEYING", "closed gravity chutes, direct compression blend")
    for i, feeder in enumerate(feeders):
        p.pipe(p.port(feeder, (0, 0, 0), "SOURCE"), p.port(blender, (-0.6 + 0.6 * i, 0, 1.2), "SINK",
                                                             name=f"inlet {i + 1}"), powder, blending, diameter=0.1)
    p.pipe(p.port(blender, (1.0, 0, 0.4), "SOURCE"), p.port(gate, (0, 0, 0.5), "SINK"), powder, blending,
           diameter=0.1)
    p.pipe(p.port(gate, (0.2, 0, 0.1), "SOURCE", name="accept"), p.port(press, (0, 0, 2.0), "SINK"), powder,
           blending, diameter=0.1, rack_height=2.6)
    p.pipe(p.port(gate, (0, 0.2, 0.1), "SOURCE", name="reject"), p.port(bin_, (0, 0, 0.8), "SINK"), powder,
           blending, diameter=0.1, rack_height=1.0)
    tablets = p.system("Tablet transfer", "CONVEYING", "tablet chutes after compression")
    p.pipe(p.port(press, (0.65, 0, 0.9), "SOURCE"), p.port(deduster, (0, 0, 1.2), "SINK"), tablets, compression,
           diameter=0.08, rack_height=1.4)
    p.pipe(p.port(deduster, (0.3, 0, 0.4), "SOURCE"), p.port(checker, (0, 0, 1.2), "SINK"), tablets, handling,
           diameter=0.08, rack_height=1.4)
    chilled = p.system("Chilled water", "CHILLEDWATER")
    p.pipe(p.port(chiller, (-1.25, 0, 0.5), "SOURCE", name="CHW supply"),
           p.port(ahu, (2.0, 0, 0.5), "SINK", name="CHW inlet"), chilled, technical, diameter=0.08, rack_height=2.6)
    p.pipe(p.port(ahu, (2.0, 0.4, 0.3), "SOURCE", name="CHW outlet"),
           p.port(chiller, (-1.25, 0.4, 0.3), "SINK", name="CHW return"), chilled, technical, diameter=0.08,
           rack_height=2.8)
    return p


if __name__ == "__main__":
    out = build().write(Path(__file__).with_name("osd_cm_line.ifc"))
    print(f"wrote {out}")
