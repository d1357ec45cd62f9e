"""Chiller performance with the water temperatures: EnergyPlus's Chiller:Electric:EIR.

A chiller of reference capacity ``Q_ref`` and COP ``COP_ref`` has, at chilled water leaving at ``x`` and condenser
water entering at ``y`` (degC; an air-cooled chiller takes the outdoor dry bulb for ``y``), the available capacity
and the electric power::

    Q_avail = Q_ref CAPFT(x, y)
    P       = Q_avail / COP_ref * EIRFT(x, y) * EIRFPLR(PLR),   PLR = Q / Q_avail

with CAPFT and EIRFT biquadratics ``c0 + c1 x + c2 x^2 + c3 y + c4 y^2 + c5 x y`` whose inputs are held inside the
curves' ranges, and EIRFPLR a quadratic in PLR, as EnergyPlus evaluates them (Engineering Reference, "Electric
Chiller Model Based on Condenser Entering Temperature"). The curves are 1 at the reference temperatures; EIRFPLR
is scaled here to be exactly 1 at full load, as EnergyPlus's Input Output Reference asks of it (OpenStudio's
default, as published, gives 1.00138).

All the chillers of a plant share their water loops, so at each step the temperatures scale every chiller alike:
the plant's dispatch is found at reference conditions for the load ``Q / CAPFT`` and its power multiplied by
``CAPFT EIRFT`` (:func:`factors`).

Curve sets (:data:`CURVES`), the default by the condenser (:data:`DEFAULT_CURVES`):

- ``centrifugal``: the DOE-2 water-cooled centrifugal chiller's curves as EnergyPlus's own tests of
  Chiller:Electric:EIR give them (``CentCapFT``, ``CentEIRFT``, ``CentEIRFPLR`` in
  tst/EnergyPlus/unit/ChillerElectricEIR.unit.cc), rated at AHRI 550/590's 6.67 degC leaving chilled water and
  29.4 degC entering condenser water; ranges 5-10 and 24-35 degC. The default with a cooling tower.
- ``openstudio``: the default curves of OpenStudio's ``ChillerElectricEIR`` (the project's part-load curve before
  it had temperatures), whose reference is 6.67 degC and 35 degC, AHRI's air-cooled rating point; ranges 5-10 and
  24-35 degC. The default for ``condenser: air``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ZERO_C = 273.15


@dataclass(frozen=True)
class Curves:
    """One chiller's performance curves (EnergyPlus's coefficients, degC) and the ranges of their inputs."""

    capft: tuple[float, float, float, float, float, float]
    eirft: tuple[float, float, float, float, float, float]
    eirfplr: tuple[float, float, float]
    x_range: tuple[float, float]       # leaving chilled water, degC
    y_range: tuple[float, float]       # entering condenser water (or outdoor air), degC
    reference: tuple[float, float]     # the temperatures at which CAPFT = EIRFT = 1, degC

    @property
    def part_load(self) -> tuple[float, float, float]:
        """EIRFPLR's coefficients scaled to give exactly 1 at full load."""
        full = sum(self.eirfplr)
        return tuple(c / full for c in self.eirfplr)


CURVES = {
    "openstudio": Curves(
        capft=(1.0215158, 0.037035864, 0.0002332476, -0.003894048, -6.52536e-05, -0.0002680452),
        eirft=(0.70176857, -0.00452016, 0.0005331096, -0.005498208, 0.0005445792, -0.0007290324),
        eirfplr=(0.06369119, 0.58488832, 0.35280274), x_range=(5.0, 10.0), y_range=(24.0, 35.0),
        reference=(6.67, 35.0)),
    "centrifugal": Curves(
        capft=(0.257896, 0.0389016, -0.00021708, 0.0468684, -0.00094284, -0.00034344),
        eirft=(0.933884, -0.058212, 0.00450036, 0.00243, 0.000486, -0.001215),
        eirfplr=(0.222903, 0.313387, 0.46371), x_range=(5.0, 10.0), y_range=(24.0, 35.0),
        reference=(6.67, 29.4)),
}
#: The curve set a chiller plant takes when the scenario names none, by its condenser.
DEFAULT_CURVES = {"water": "centrifugal", "air": "openstudio"}


def biquadratic(c, x, y):
    """``c0 + c1 x + c2 x^2 + c3 y + c4 y^2 + c5 x y``."""
    return c[0] + c[1] * x + c[2] * x**2 + c[3] * y + c[4] * y**2 + c[5] * x * y


def factors(curves: Curves, chilled_water, condenser) -> tuple[np.ndarray, np.ndarray]:
    """CAPFT and EIRFT at the leaving chilled water and entering condenser temperatures (K, arrays allowed), their
    inputs held inside the curves' ranges."""
    x = np.clip(np.asarray(chilled_water, dtype=float) - ZERO_C, *curves.x_range)
    y = np.clip(np.asarray(condenser, dtype=float) - ZERO_C, *curves.y_range)
    return biquadratic(curves.capft, x, y), biquadratic(curves.eirft, x, y)
