"""Moist air: saturation pressure, humidity ratio, dew point (ASHRAE Handbook - Fundamentals, chapter 1).

Saturation pressure over liquid water by Hyland and Wexler (ASHRAE Fundamentals 2017, ch. 1, eq. 6), valid from
0 to 200 degC; the humidity ratio ``W = 0.621945 p_w / (p - p_w)`` (eq. 20); the thermodynamic wet bulb from
eq. 35 (the air saturated adiabatically by water at the wet bulb). Saturated moist air holds a little more water
than the ideal gases would (the water vapour's partial pressure is ``f p_ws``, ``f`` about 1.004-1.005 at 1 atm):
the enhancement factor ``f`` is CoolProp's HumidAirProp (Herrmann, Kretzschmar and Gatley, ASHRAE RP-1485, 2009),
tabulated once per pressure every 0.5 K from 0 to 90 degC (its end values beyond; at 1 atm read from CoolProp's
table stored beside this module, since CoolProp takes seconds to import) and interpolated, so that
saturation, relative humidity and the dew point agree with CoolProp above 0 degC (without it the saturation
humidity ratio was 0.4-0.6 % low); below 0 degC the air saturates over supercooled water here, over ice in CoolProp.
Latent heat at a constant ``H_FG = 2.45 MJ/kg`` (water near 20 degC): moisture condensed on a coil carries that
heat with it.
"""
from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:   # SciPy is imported where it is used: the energy study's check imports this module
    from scipy.interpolate import CubicSpline

P_ATM = 101325.0   # Pa
H_FG = 2.45e6      # J/kg
EPSILON = 0.621945
_C = (-5.8002206e3, 1.3914993, -4.8640239e-2, 4.1764768e-5, -1.4452093e-8, 6.5459673)
#: CoolProp's water mole fractions of saturated air at 1 atm on the enhancement factor's grid (``water_fractions``)
SATURATED_AIR_1ATM = Path(__file__).with_name("saturated_air_1atm.json")


def saturation_pressure(t):
    """Saturation vapour pressure (Pa) over liquid water at ``t`` (K)."""
    c8, c9, c10, c11, c12, c13 = _C
    return np.exp(c8 / t + c9 + c10 * t + c11 * t**2 + c12 * t**3 + c13 * np.log(t))


def water_fractions(t, p: float) -> np.ndarray:
    """CoolProp's mole fraction of water in moist air saturated at ``t`` (K) and ``p`` (Pa)."""
    import CoolProp.CoolProp as coolprop

    return np.array([coolprop.HAPropsSI("psi_w", "T", x, "P", p, "R", 1.0) for x in t])


@functools.cache
def _enhancement(p: float) -> CubicSpline:
    from scipy.interpolate import CubicSpline

    t = np.arange(273.15, 363.15 + 0.25, 0.5)
    stored = json.loads(SATURATED_AIR_1ATM.read_text())
    at_table = p == stored["pressure"] and t.tolist() == stored["t"]
    psi = np.array(stored["psi_w"]) if at_table else water_fractions(t, p)
    return CubicSpline(t, psi * p / saturation_pressure(t))


def enhancement(t, p: float = P_ATM):
    """The enhancement factor ``f``: saturated moist air's vapour partial pressure over ``p_ws`` at ``t`` (K)."""
    return _enhancement(float(p))(np.clip(t, 273.15, 363.15))


def saturation_vapour_pressure(t, p: float = P_ATM):
    """The water vapour's partial pressure (Pa) in moist air saturated at ``t`` (K) and total pressure ``p``."""
    return enhancement(t, p) * saturation_pressure(t)


def saturation_humidity_ratio(t, p: float = P_ATM):
    """kg of water per kg of dry air that air at ``t`` (K) holds when saturated."""
    return humidity_ratio(saturation_vapour_pressure(t, p), p)


def relative_humidity(t, w, p: float = P_ATM):
    """Relative humidity (0-1) of air at ``t`` (K) of humidity ratio ``w``."""
    return vapour_pressure(w, p) / saturation_vapour_pressure(t, p)


def humidity_ratio(vapour_pressure, p: float = P_ATM):
    """kg of water per kg of dry air at the vapour pressure ``vapour_pressure`` (Pa)."""
    return EPSILON * vapour_pressure / (p - vapour_pressure)


def vapour_pressure(w, p: float = P_ATM):
    """Vapour pressure (Pa) of air of humidity ratio ``w``."""
    return p * w / (EPSILON + w)


def wet_bulb(t, w, p: float = P_ATM):
    """The thermodynamic wet-bulb temperature (K) of air at ``t`` (K) and humidity ratio ``w`` (arrays allowed)."""
    from scipy.optimize import brentq

    def solve(t, w):
        c = t - 273.15

        def gap(star):
            ws = saturation_humidity_ratio(star + 273.15, p)
            return ((2501 - 2.326 * star) * ws - 1.006 * (c - star)) / (2501 + 1.86 * c - 4.186 * star) - w
        return brentq(gap, -50.0, c, xtol=1e-10) + 273.15 if gap(c) > 0 else t
    return np.vectorize(solve, otypes=[float])(t, w)


def dew_point(w: float, p: float = P_ATM) -> float:
    """The temperature (K) at which air of humidity ratio ``w`` saturates."""
    from scipy.optimize import brentq

    target = vapour_pressure(w, p)
    return brentq(lambda t: saturation_vapour_pressure(t, p) - target, 233.15, 373.15, xtol=1e-10)
