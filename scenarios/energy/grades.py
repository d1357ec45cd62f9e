"""Design defaults by GMP grade: air changes per hour, room overpressure and its lower limit.

Sources. Pressure: EU GMP Annex 1 (2022), para 4.27, "adjacent rooms of different grades should have a pressure
differential of a minimum of 10 Pascals (guidance value)"; the design set-points are a cascade of 15 Pa per grade
step above the unclassified corridor (common design practice, Annex 1's 10 Pa plus margin). Air changes: Annex 1
sets no rates, only particle limits; the rates are the middle of the ranges usually quoted in industry guidance
(e.g. ISPE Good Practice Guide: HVAC) for grades B, C and D (40-60, 20-40, 10-20 per hour); grade A is
unidirectional flow (Annex 1: 0.36-0.54 m/s at the work position), here an equivalent 400 per hour.

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
    "D": GradeDefaults(ach=15.0, dp=15.0, dp_min=ANNEX1_MIN_DP),
    "CNC": GradeDefaults(ach=6.0, dp=0.0, dp_min=0.0),  # controlled not classified: comfort ventilation, no cascade
}
