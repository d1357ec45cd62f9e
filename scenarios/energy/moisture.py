"""Moisture storage: the water vapour the rooms' air (and what buffers it) holds, so that their humidity moves
between steps instead of jumping to its steady state.

The rooms of one AHU share one humidity ratio ``w`` (the same supply, no moisture sources) and one moisture
capacity ``M = moisture_mass * rho * V`` (kg of dry air; ``moisture_mass`` 1 is the air alone, as EnergyPlus'
humidity capacity multiplier, more for what buffers moisture with it). With supply ``m`` (kg/s) the rooms follow
``M dw/dt = m (w_s - w)``; the supply is the mix ``f w_out + (1 - f) w`` of outside and return air (outside-air
fraction ``f``), but no wetter than saturation at the coil, ``w_c``. Where the mix is drier the coil stays dry and
``dw/dt = r f (w_out - w)``, else it condenses and ``dw/dt = r (w_c - w)``, ``r = m / M``: both first order, with
the boundary at ``w* = (w_c - f w_out) / (1 - f)``, which the rooms cross at most once a step. Each step is solved
exactly, piece by piece (a loop over the steps: a model with moisture storage runs slower).
"""
from __future__ import annotations

import math

import numpy as np


def respond(start: float, w_out: np.ndarray, w_c: np.ndarray, f: float, rate: np.ndarray,
            dt: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The rooms' humidity ratio at the end of each step, its mean over the step and the supply's mean, from
    ``start``; ``w_out``, ``w_c`` and ``rate`` (``m / M``, 1/s) per step."""
    n = len(w_out)
    end, mean, supply = np.empty(n), np.empty(n), np.empty(n)
    w = float(start)
    for k in range(n):
        w, mean[k], supply[k] = _step(w, float(w_out[k]), float(w_c[k]), f, float(rate[k]), dt)
        end[k] = w
    return end, mean, supply


def _step(w: float, w_out: float, w_c: float, f: float, r: float, dt: float) -> tuple[float, float, float]:
    """One step: the end, the mean of ``w`` and the mean of the supply's ``w_s``."""
    star = (w_c - f * w_out) / (1 - f) if f < 1 else (-math.inf if w_out >= w_c else math.inf)
    condensing = w > star or (w == star and w_c >= star)            # on the boundary: the way it heads
    left, area, supplied = dt, 0.0, 0.0
    while left > 0:
        target, k = (w_c, r) if condensing else (w_out, r * f)
        piece = left
        if k > 0 and (w - star) * (target - star) < 0:              # heading across the boundary this step?
            piece = min(left, math.log((w - target) / (star - target)) / k)
        decay = math.exp(-k * piece)
        covered = target * piece + (w - target) * (-math.expm1(-k * piece) / k if k > 0 else piece)
        area += covered
        supplied += w_c * piece if condensing else f * w_out * piece + (1 - f) * covered
        w = target + (w - target) * decay if piece == left else star
        left -= piece
        condensing = not condensing
    return w, area / dt, supplied / dt
