"""Write ``api_bay.ifc``: an API synthesis bay with two jacketed glass-lined semi-batch reactors.

Each reactor R-10x is fed from a dosing vessel D-10x above it through a shut-off valve XV-10x (the final element of
its safety instrumented function), refluxes through a condenser E-10x whose vent goes to the scrubber SC-101, and
is blanketed from the nitrogen header N2-101. Pump P-102 transfers R-102 into R-101; the duty/standby pumps
P-101A/B empty R-101 into the nutsche filter-dryer NF-101. Reactors carry temperature, pressure, level and oxygen
instruments; TT-02 and PT-02 are the SIS sensors.

    python plant_models/api_bay/generate.py            # rewrites api_bay.ifc next to this script
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from authoring import PlantAuthor  # noqa: E402

EQUIPMENT_PSET = "PharmaTwin_Equipment"
INSTRUMENT_PSET = "PharmaTwin_Instrument"


def build() -> PlantAuthor:
    p = PlantAuthor("API synthesis bay", seed=202)
    ground, charging = p.storey("Reactor level", 0.0), p.storey("Charging level", 4.0)
    for storey in (ground, charging):
        p.slab(storey, origin=(0, 0), size=(18, 12))
    bay = p.space(ground, "R01", "Reactor bay", origin=(0, 4), size=(12, 8), height=4.0, grade="CNC")
    isolation = p.space(ground, "R02", "Isolation room (filtration and drying)", origin=(12, 4), size=(6, 8),
                        height=4.0, grade="D", pressure_pa=15, air_changes=20)
    p.space(ground, "R03", "Corridor", origin=(0, 2), size=(18, 2), height=4.0, grade="CNC")
    utilities = p.space(ground, "R04", "Utilities and vent treatment", origin=(0, 0), size=(18, 2), height=4.0,
                        grade="CNC")
    deck = p.space(charging, "C01", "Charging deck", origin=(0, 4), size=(12, 8), height=4.0, grade="CNC")

    liquid = p.system("Process liquid", "CHEMICAL", "reaction mass and dosing lines")
    vapour = p.system("Reactor vapour and reflux", "VENT")
    nitrogen = p.system("Nitrogen", "GAS", "inerting and blanketing, 0.5 barg")
    vent = p.system("Vent to scrubber", "EXHAUST")

    header = p.equipment("N2-101", "IfcDistributionChamberElement", utilities, (9.0, 1.0, 2.8), box=(8.0, 0.2, 0.2),
                         object_type="NitrogenHeader", name="Nitrogen header",
                         psets={EQUIPMENT_PSET: {"Medium": "Nitrogen", "SupplyPressure_barg": 0.5}})
    p.instrument("PT-01", header, predefined_type="PRESSURESENSOR", offset=(0, 0.2, 0.2), name="Header pressure")
    scrubber = p.equipment("SC-101", "IfcFilter", utilities, (16.5, 1.0, 0.0), cylinder=(0.5, 3.0),
                           object_type="VentScrubber", name="Vent scrubber",
                           psets={EQUIPMENT_PSET: {"ScrubbingLiquid": "NaOH 10 %", "GasFlow_m3_h": 200.0}})
    p.instrument("PT-01", scrubber, predefined_type="PRESSURESENSOR", offset=(0.6, 0, 2.5))

    reactors = {}
    for i, x in enumerate((3.0, 8.0)):
        n = 101 + i
        reactor = p.equipment(f"R-{n}", "IfcTank", bay, (x, 8.0, 0.0), cylinder=(0.9, 2.4),
                              object_type="JacketedGlassLinedReactor", name=f"Reactor {n}, 4 m3 glass-lined",
                              psets={EQUIPMENT_PSET: {"NominalVolume_m3": 4.0, "DesignPressure_barg": 6.0,
                                                      "JacketArea_m2": 9.5, "Lining": "glass"}})
        p.instrument("TT-01", reactor, predefined_type="TEMPERATURESENSOR", offset=(0.95, 0, 0.8),
                     name="Reaction mass temperature (BPCS)")
        p.instrument("TT-02", reactor, predefined_type="TEMPERATURESENSOR", offset=(0.95, 0.2, 0.8),
                     name="Reaction mass temperature (SIS)",
                     psets={INSTRUMENT_PSET: {"Role": "SIS", "SafetyFunction": f"SIF-{n}", "SIL": 2}})
        p.instrument("PT-01", reactor, predefined_type="PRESSURESENSOR", offset=(0, 0.5, 2.45), name="Head pressure")
        p.instrument("PT-02", reactor, predefined_type="PRESSURESENSOR", offset=(0, -0.5, 2.45),
                     name="Head pressure (SIS)",
                     psets={INSTRUMENT_PSET: {"Role": "SIS", "SafetyFunction": f"SIF-{n}", "SIL": 2}})
        p.instrument("LT-01", reactor, predefined_type="LEVELSENSOR", offset=(0.4, 0.4, 2.45), name="Radar level")
        p.instrument("AT-01", reactor, predefined_type="GASSENSOR", offset=(-0.4, 0.4, 2.45),
                     name="Headspace oxygen")
        p.instrument("TIC-01", reactor, ifc_class="IfcController", predefined_type="PROPORTIONAL",
                     offset=(1.0, -0.4, 1.2), name="Jacket temperature controller")
        doser = p.equipment(f"D-{n}", "IfcTank", deck, (x - 1.0, 7.0, 4.0), cylinder=(0.5, 1.2),
                            predefined_type="VESSEL", object_type="DosingVessel", name=f"Dosing vessel {n}",
                            psets={EQUIPMENT_PSET: {"NominalVolume_m3": 0.8}})
        p.instrument("LT-01", doser, predefined_type="LEVELSENSOR", offset=(0, 0, 1.25))
        valve = p.equipment(f"XV-{n}", "IfcValve", bay, (x - 1.0, 7.0, 3.0), box=(0.3, 0.3, 0.3),
                            predefined_type="ISOLATING", name=f"Dosing shut-off valve {n}",
                            psets={INSTRUMENT_PSET: {"Role": "SIS final element", "SafetyFunction": f"SIF-{n}",
                                                     "FailPosition": "closed"}})
        condenser = p.equipment(f"E-{n}", "IfcHeatExchanger", deck, (x + 1.2, 9.0, 4.5), box=(2.0, 0.5, 0.5),
                                predefined_type="SHELLANDTUBE", object_type="RefluxCondenser",
                                name=f"Reflux condenser {n}",
                                psets={EQUIPMENT_PSET: {"HeatTransferArea_m2": 6.0, "Coolant": "brine -10 degC"}})
        p.instrument("TT-01", condenser, predefined_type="TEMPERATURESENSOR", offset=(1.1, 0, 0.25),
                     name="Vent gas temperature")

        p.pipe(p.port(doser, (0, 0, 0), "SOURCE"), p.port(valve, (0, 0, 0.3), "SINK"), liquid, bay, diameter=0.04)
        p.pipe(p.port(valve, (0, 0, 0), "SOURCE"), p.port(reactor, (-0.5, -0.5, 2.4), "SINK", name="dosing inlet"),
               liquid, bay, diameter=0.04, rack_height=2.7)
        p.pipe(p.port(reactor, (0.5, 0, 2.4), "SOURCE", name="vapour"), p.port(condenser, (-1.0, 0, 0.25), "SINK"),
               vapour, bay, diameter=0.1)
        p.pipe(p.port(condenser, (-0.6, 0, 0), "SOURCE", name="condensate"),
               p.port(reactor, (0.3, 0.4, 2.4), "SINK", name="reflux"), vapour, bay, diameter=0.05,
               rack_height=3.6)
        p.pipe(p.port(condenser, (1.0, 0, 0.5), "SOURCE", name="vent"), p.port(scrubber, (0, 0, 2.0), "SINK",
                                                                             name=f"vent inlet {n}"),
               vent, bay, diameter=0.08, rack_height=5.5)
        p.pipe(p.port(header, (x - 9.0, 0.1, 0), "SOURCE", name=f"to R-{n}"),
               p.port(reactor, (-0.3, 0.5, 2.4), "SINK", name="nitrogen"), nitrogen, bay, diameter=0.025,
               rack_height=3.3)
        reactors[n] = reactor

    pump_102 = p.equipment("P-102", "IfcPump", bay, (5.5, 6.0, 0.0), box=(0.6, 0.4, 0.5), predefined_type="ENDSUCTION",
                           name="Transfer pump R-102 to R-101", psets={EQUIPMENT_PSET: {"RatedFlow_m3_h": 8.0}})
    p.pipe(p.port(reactors[102], (0, -0.6, 0), "SOURCE", name="bottom outlet"),
           p.port(pump_102, (0.3, 0, 0.25), "SINK"), liquid, bay, diameter=0.05, rack_height=0.2)
    p.pipe(p.port(pump_102, (-0.3, 0, 0.25), "SOURCE"), p.port(reactors[101], (0.6, -0.6, 2.4), "SINK",
                                                                name="transfer inlet"),
           liquid, bay, diameter=0.05, rack_height=2.9)
    dryer = p.equipment("NF-101", "IfcFilter", isolation, (15.0, 8.0, 0.0), cylinder=(1.0, 2.0),
                        object_type="NutscheFilterDryer", name="Nutsche filter-dryer",
                        psets={EQUIPMENT_PSET: {"FilterArea_m2": 2.0, "NominalVolume_m3": 3.0}})
    p.instrument("TT-01", dryer, predefined_type="TEMPERATURESENSOR", offset=(1.05, 0, 1.0), name="Cake temperature")
    p.instrument("PT-01", dryer, predefined_type="PRESSURESENSOR", offset=(0, 0.5, 2.05), name="Vessel pressure")
    for k, (tag, y) in enumerate((("P-101A", 6.0), ("P-101B", 5.0))):
        pump = p.equipment(tag, "IfcPump", bay, (10.5, y, 0.0), box=(0.6, 0.4, 0.5), predefined_type="ENDSUCTION",
                           name=f"Filter feed pump ({'duty' if k == 0 else 'standby'})",
                           psets={EQUIPMENT_PSET: {"RatedFlow_m3_h": 10.0}})
        p.pipe(p.port(reactors[101], (0.3 * k, -0.6, 0), "SOURCE", name=f"bottom outlet {k + 1}"),
               p.port(pump, (-0.3, 0, 0.25), "SINK"), liquid, bay, diameter=0.05, rack_height=0.2 + 0.15 * k)
        p.pipe(p.port(pump, (0.3, 0, 0.25), "SOURCE"), p.port(dryer, (-0.5 + k, 0, 2.0), "SINK",
                                                              name=f"slurry inlet {k + 1}"),
               liquid, bay, diameter=0.05, rack_height=3.0 + 0.2 * k)
    p.pipe(p.port(header, (6.0, 0.1, 0), "SOURCE", name="to NF-101"),
           p.port(dryer, (0.5, 0.5, 2.0), "SINK", name="nitrogen"), nitrogen, isolation, diameter=0.025,
           rack_height=3.3)
    p.pipe(p.port(dryer, (-0.5, -0.5, 2.0), "SOURCE", name="vent"), p.port(scrubber, (0, 0.3, 2.0), "SINK",
                                                                            name="vent inlet NF"),
           vent, isolation, diameter=0.08, rack_height=3.7)
    return p


if __name__ == "__main__":
    out = build().write(Path(__file__).with_name("api_bay.ifc"))
    print(f"wrote {out}")
