"""The utilities beside the chillers: the cooling tower that rejects their heat, the boiler's process steam, and
compressed air. Each turns a demand (W of heat, kg/s of steam, m3/s of free air) into what the plant buys.

- Cooling tower: the condenser water leaves it at the outdoor wet bulb plus the tower's *approach*; its pump
  circulates the design flow ``Q_design / (rho c_p range)`` against ``head`` whenever there is heat to reject
  (``P = rho g H V / eta``); its fan runs at variable speed, the air flow following the heat at a constant approach,
  so ``P = P_design (Q / Q_design)**3`` (affinity law). The design fan power defaults to the least efficient
  tower ASHRAE 90.1 allows: an open axial-fan tower of 40.2 gpm per fan hp at 95/85/75 degF (10 degF range).
- Steam: raised from feed water at ``feed`` to saturated vapour at ``pressure``; fuel
  ``m (h_g(p) - h_f(T_feed)) / efficiency`` with the enthalpies of IAPWS-95 (CoolProp).
- Compressed air: the compressor's shaft work is the isothermal work over its isothermal efficiency,
  ``P = p_atm V_FAD ln(p / p_atm) / eta_iso``; all of it ends as heat in the compressor room.
"""
from __future__ import annotations

import numpy as np

from scenarios.energy.params import Tower

P_ATM = 101325.0
G = 9.80665                 # m/s2
RHO_WATER, CP_WATER = 998.0, 4186.0
GPM = 3.785411784e-3 / 60   # m3/s
HP = 745.699872             # W
F_RANGE = 10 * 5 / 9        # K: the 10 degF range of the ASHRAE 90.1 rating point
ASHRAE_90_1_FAN = HP / (40.2 * GPM * RHO_WATER * CP_WATER * F_RANGE)   # W of fan per W rejected: 0.0127


def tower(heat: np.ndarray, wet_bulb: np.ndarray, design: float, spec: Tower) -> dict[str, np.ndarray]:
    """Fan and pump power (W) of the cooling tower rejecting ``heat`` (W), its condenser-water supply (K)."""
    flow = design / (RHO_WATER * CP_WATER * spec.range)                        # m3/s at design
    on = heat > 0
    return {"fan": spec.fan * design * np.minimum(heat / design, 1.0) ** 3,
            "pump": np.where(on, RHO_WATER * G * spec.head * flow / spec.pump_efficiency, 0.0),
            "supply": wet_bulb + spec.approach}


def steam_heat(pressure: float, feed: float) -> float:
    """J to raise 1 kg of saturated steam at ``pressure`` (Pa) from liquid feed water at ``feed`` (K)."""
    from CoolProp.CoolProp import PropsSI  # here: CoolProp takes seconds to import, a scenario check needs none of it

    return PropsSI("H", "P", pressure, "Q", 1, "Water") - PropsSI("H", "T", feed, "P", pressure, "Water")


def compressor_power(free_air: np.ndarray | float, pressure: float, efficiency: float) -> np.ndarray | float:
    """Electric power (W) to deliver ``free_air`` (m3/s at 1 atm) at the absolute ``pressure`` (Pa)."""
    return P_ATM * free_air * np.log(pressure / P_ATM) / efficiency
