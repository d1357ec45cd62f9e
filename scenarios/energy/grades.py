"""Design defaults by GMP grade: air changes per hour, room overpressure and its lower limit.

Sources. Pressure: EU GMP Annex 1 (2022), para 4.27, "adjacent rooms of different grades should have a pressure
differential of a minimum of 10 Pascals (guidance value)"; the design set-points are a cascade of 15 Pa per grade
step above the unclassified corridor (common design practice, Annex 1's 10 Pa plus margin). Air changes: Annex 1
sets no rates, only particle limits. The one published figure is FDA's Guidance for Industry, Sterile Drug
Products Produced by Aseptic Processing (2004), section IV.A: "For Class 100,000 (ISO 8) supporting rooms, airflow
sufficient to achieve at least 20 air changes per hour is typically acceptable. Significantly higher air change
rates are normally needed for Class 10,000 and Class 100 areas." Hence grade D (ISO 8) at 20 per hour; grades C and
B (ISO 7 in operation, ISO 5 at rest) at 30 and 50, the ranges usually quoted in industry practice (ISO 7: 30-60
per hour) -- these two could not be checked against a primary source (the ISPE Good Practice Guide: HVAC is not
public). Grade A is unidirectional flow (Annex 1 (2022) 4.x: 0.36-0.54 m/s at the work position), here an
equivalent 400 per hour. Unclassified (CNC) rooms get 6 per hour of comfort ventilation.

A space's own IFC properties (``PharmaTwin_Cleanroom.AirChangeRate`` / ``DifferentialPressure``) win over this
table, and the scenario's ``rooms:`` overrides win over both.
"""
from __future__ import annotations

from dataclasses import dataclass

ANNEX1_MIN_DP = 10.0  # Pa, EU GMP Annex 1 (2022) 4.27


@dataclass(frozen=True)
class GradeDefaults:
    ach: float       # air changes per hour at design flow
    dp: float        # Pa, design overpressure against the unclassified corridor
    dp_min: float    # Pa, the limit below which the room is out of compliance


DEFAULTS = {
    "A": GradeDefaults(ach=400.0, dp=45.0, dp_min=ANNEX1_MIN_DP),
    "B": GradeDefaults(ach=50.0, dp=45.0, dp_min=ANNEX1_MIN_DP),
    "C": GradeDefaults(ach=30.0, dp=30.0, dp_min=ANNEX1_MIN_DP),
    "D": GradeDefaults(ach=20.0, dp=15.0, dp_min=ANNEX1_MIN_DP),   # FDA 2004 IV.A: at least 20 for ISO 8
    "CNC": GradeDefaults(ach=6.0, dp=0.0, dp_min=0.0),  # controlled not classified: comfort ventilation, no cascade
}
