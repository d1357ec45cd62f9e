"""Design defaults by GMP grade: air changes per hour, room overpressure and its lower limit.

Sources. Pressure: EU GMP Annex 1 (2022), para 4.27, "adjacent rooms of different grades should have a pressure
differential of a minimum of 10 Pascals (guidance value)"; the design set-points are a cascade of 15 Pa per grade
step above the unclassified corridor (common design practice, Annex 1's 10 Pa plus margin). Air changes: Annex 1
sets no rates, only particle limits. The one published figure is FDA's Guidance for Industry, Sterile Drug
Products Produced by Aseptic Processing (2004), section IV.A: "For Class 100,000 (ISO 8) supporting rooms, airflow
sufficient to achieve at least 20 air changes per hour is typically acceptable. Significantly higher air change
rates are normally needed for Class 10,000 and Class 100 areas." Hence grade D (ISO 8) at 20 per hour; grades C and
B (ISO 7 in operation, ISO 5 at rest) at 30 and 50, the ranges usually quoted in industry practice (ISO 7: 30-60
per hour; Whyte et al., EJPPS 22(4), 2017, show how to derive them from the contamination a room sees) -- these two
could not be checked against a primary source (the ISPE Good Practice Guide: HVAC is not public). Grade A is
unidirectional flow, sized by its face velocity, not by air changes: EU GMP Annex 1 (2022), section 4, gives a
homogeneous air speed of 0.36-0.54 m/s (guidance value) at the working position; the default is the middle,
0.45 m/s, over the room's floor area (the scenario's ``face_velocity`` and ``face_area`` override). In a 3 m room
that is 540 per hour; the old equivalent of 400 per hour (0.33 m/s) lay below Annex 1's range. Unclassified (CNC)
rooms get 6 per hour of comfort ventilation.

A space's own IFC properties (``PharmaTwin_Cleanroom.AirChangeRate`` / ``DifferentialPressure``) win over this
table, and the scenario's ``rooms:`` overrides win over both.
"""
from __future__ import annotations

from dataclasses import dataclass

ANNEX1_MIN_DP = 10.0  # Pa, EU GMP Annex 1 (2022) 4.27
ANNEX1_FACE_VELOCITY = (0.36, 0.54)  # m/s, EU GMP Annex 1 (2022) section 4, unidirectional airflow (guidance)
GRADE_A_FACE_VELOCITY = sum(ANNEX1_FACE_VELOCITY) / 2


def unidirectional_ach(volume: float, face_area: float, face_velocity: float = GRADE_A_FACE_VELOCITY) -> float:
    """Air changes per hour of a unidirectional zone: ``face_velocity`` (m/s) over ``face_area`` (m2) in a room of
    ``volume`` (m3)."""
    return face_velocity * face_area * 3600.0 / volume


@dataclass(frozen=True)
class GradeDefaults:
    ach: float | None  # air changes per hour at design flow (None: unidirectional, by face velocity)
    dp: float        # Pa, design overpressure against the unclassified corridor
    dp_min: float    # Pa, the limit below which the room is out of compliance


DEFAULTS = {
    "A": GradeDefaults(ach=None, dp=45.0, dp_min=ANNEX1_MIN_DP),  # by its face velocity: unidirectional_ach
    "B": GradeDefaults(ach=50.0, dp=45.0, dp_min=ANNEX1_MIN_DP),
    "C": GradeDefaults(ach=30.0, dp=30.0, dp_min=ANNEX1_MIN_DP),
    "D": GradeDefaults(ach=20.0, dp=15.0, dp_min=ANNEX1_MIN_DP),   # FDA 2004 IV.A: at least 20 for ISO 8
    "CNC": GradeDefaults(ach=6.0, dp=0.0, dp_min=0.0),  # controlled not classified: comfort ventilation, no cascade
}
