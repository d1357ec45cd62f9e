"""Room thermal mass: each room is one lumped heat capacity ``C`` (its air times a factor for what warms and cools
with it: furnishings, equipment, the inner layer of walls and floor), so its temperature moves between steps.

Over a step ``dt`` with constant supply ``T_s`` the room balance ``C dT/dt = m cp (T_s - T) + Q + UA (T_o - T)``
has the exact solution ``T(dt) = T_ss + (T_0 - T_ss) a``, ``a = exp(-dt / tau)``, ``tau = C / (m cp + UA)``,
``T_ss = (m cp T_s + Q + UA T_o) / (m cp + UA)``. The reheat coil sets the supply that brings the room to its
set-point by the end of the step; where that supply would be colder than the duct air, the supply is the duct
air and the room ends above its set-point. So ``T_1 = max(T_set, a T_0 + (1 - a) T_float)`` with ``T_float``
the steady state on duct air. Maps ``x -> max(c, a x + b)`` with ``a >= 0`` compose into one of the same form, so
the whole horizon is a prefix scan (``log2(steps)`` vector passes) rather than a loop over the steps. ``C = 0``
is the quasi-steady room (``a = 0``).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

THERMAL_MASS = 5.0   # the rooms' heat capacity as a multiple of their air's: an assumption, not a measurement.
#                      EnergyPlus multiplies the zone air's capacity the same way for furnishings
#                      (ZoneCapacitanceMultiplier:ResearchSpecial, default 1 = the air alone); a cleanroom with
#                      steel furniture and panel walls holds several times its air's heat. Override per scenario
#                      (room: {thermal_mass: ...}) or per room (rooms: {G10: {thermal_mass: ...}}).


def track(a: np.ndarray, b: np.ndarray, floor: np.ndarray | float, start: np.ndarray | float,
          held: np.ndarray | None = None) -> np.ndarray:
    """``x[k] = max(floor, a[k] x[k-1] + b[k])`` from ``x[-1] = start`` along the first axis, by a prefix scan of
    the maps (Hillis-Steele): after the pass with ``shift`` each row holds the composition of itself and the
    ``2 shift - 1`` maps before it. ``held``: where the map is known to give ``floor`` whatever ``x``; the scan
    then needs only enough passes to reach back over the longest stretch between two such rows."""
    a, b, c = a.astype(float), b.astype(float), np.broadcast_to(floor, a.shape).astype(float)
    reach = len(a)
    if held is not None:
        a[held], b[held] = 0.0, c[held]
        rows = np.arange(len(a)).reshape(-1, *([1] * (a.ndim - 1)))
        last = np.maximum.accumulate(np.where(held, rows, -1), axis=0)     # the last held row at or before each
        reach = int((rows - last + (last >= 0)).max())                    # maps from there to here, inclusive
    shift = 1
    while shift < reach:
        later, earlier = slice(shift, None), slice(None, -shift)
        composed = (a[later] * a[earlier], a[later] * b[earlier] + b[later],
                    np.maximum(c[later], a[later] * c[earlier] + b[later]))
        a[later], b[later], c[later] = composed
        shift *= 2
    return np.maximum(c, a * start + b)


@dataclass
class Rooms:
    """The rooms over the steps (steps x rooms): temperatures at the start and end of each step and their mean
    over it (K), the supply after the reheat (K) and the heat the rooms store (W)."""

    begin: np.ndarray
    end: np.ndarray
    mean: np.ndarray
    supply: np.ndarray
    stored: np.ndarray


def respond(capacity: np.ndarray, flow: np.ndarray, ua: np.ndarray, gains: np.ndarray, t_out: np.ndarray,
            duct: np.ndarray, t_set: float, dt: float) -> Rooms:
    """Each room's temperature over the steps from ``t_set``, the reheat holding it at ``t_set`` where the duct air
    is cold enough (see the module docstring). ``capacity`` (J/K, per room), ``flow`` (m cp, W/K), ``ua`` (W/K),
    ``gains`` (W) and ``t_out`` (K) are steps x rooms; ``duct`` (K) is per step."""
    conductance = flow + ua
    with np.errstate(divide="ignore"):
        tau = capacity / conductance
        rest = -np.expm1(-dt / tau)                                # 1 - a, exact for long time constants
    a = 1.0 - rest
    t_float = (flow * duct[:, None] + gains + ua * t_out) / conductance
    highest = max(t_set, float(t_float.max()))         # each step mixes the room with t_float: it never gets warmer
    end = track(a, rest * t_float, t_set, t_set, held=a * highest + rest * t_float <= t_set)
    begin = np.vstack([np.full((1, end.shape[1]), t_set), end[:-1]])
    target = (t_set - a * begin) / rest                          # the steady state that ends the step at t_set
    supply = np.maximum((target * conductance - gains - ua * t_out) / flow, duct[:, None])
    t_ss = (flow * supply + gains + ua * t_out) / conductance
    end = t_ss + (begin - t_ss) * a
    mean = t_ss + (begin - t_ss) * rest * tau / dt                # the step's mean: its energy balance is exact
    return Rooms(begin, end, mean, supply, capacity * (end - begin) / dt)



def recovery(full: np.ndarray, t_room: np.ndarray, high: float, dt: float) -> float:
    """The longest time (s) a room took, after its air came back to full (``full``: steps x rooms), to cool back
    below its upper limit ``high`` (``t_room`` at the end of each step); 0 if every room was below it when the air
    returned; the rest of the run if one never came back. A setback's lead must be at least this long."""
    n = len(full)
    steps = np.arange(n)[:, None]
    back = t_room <= high
    first_back = np.minimum.accumulate(np.where(back, steps, n)[::-1], axis=0)[::-1]   # at or after each step
    resumed = full & ~np.vstack([np.ones((1, full.shape[1]), bool), full[:-1]])        # air back to full here
    warm = ~np.vstack([np.ones((1, back.shape[1]), bool), back[:-1]])                   # ... in a room too warm
    took = np.where(resumed & warm, np.minimum(first_back + 1, n) - steps, 0)
    return float(took.max(initial=0) * dt)
