"""Worked examples that are also tested: the continuous OSD line and the API-bay reactor interlock."""
