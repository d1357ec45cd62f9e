"""Chiller dispatch: which chillers run, and at which part load, to carry the chilled-water load.

Two strategies, both giving per step the electric power ``sum Q_nom,i / COP_nom,i * EIR(PLR_i)`` of the running
chillers (DOE-2 curve ``EIR = a + b PLR + c PLR**2``) and the load no combination could carry:

- :func:`staged` (rule-based, what a plant controller does): the fewest chillers in the listed order that cover the
  load, sharing it at equal part-load ratio.
- :func:`optimal`: the least power. For each combination of running chillers the best split is found in closed
  form: with ``c > 0`` the problem is convex, so at the optimum every chiller runs at equal marginal power,
  ``k_i (b + 2 c x_i) = lambda Q_i`` with ``k_i = Q_i / COP_i``, i.e. ``x_i = clip((lambda COP_i - b) / (2 c), 0, 1)``,
  and ``lambda`` is found by bisection so that the shares add up to the load; the cheapest combination wins.
  Every step is independent (no storage), so this is the optimum of the whole horizon. Tested against CasADi's
  Bonmin (a mixed-integer solver) on a small instance.
"""
from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

BISECTIONS = 60  # halvings of the bracket of lambda: far below a watt


def staged(load: np.ndarray, capacity: np.ndarray, cop: np.ndarray, eir) -> tuple[np.ndarray, np.ndarray]:
    """Rule-based staging: electric power (W) per step, and the unmet load (W)."""
    cumulative = np.cumsum(capacity)
    running = np.minimum(np.searchsorted(cumulative, load, side="left"), len(capacity) - 1) + 1
    carried = np.minimum(load, cumulative[running - 1])
    plr = np.where(load > 0, carried / cumulative[running - 1], 0.0)
    a, b, c = eir
    power = np.zeros_like(load)
    for i in range(len(capacity)):
        on = (running > i) & (load > 0)
        power += np.where(on, capacity[i] / cop[i] * (a + b * plr + c * plr**2), 0.0)
    return power, load - carried


def optimal(load: np.ndarray, capacity: np.ndarray, cop: np.ndarray, eir) -> tuple[np.ndarray, np.ndarray]:
    """Least-power dispatch: electric power (W) per step, and the unmet load (W) (all chillers at full load)."""
    a, b, c = eir
    if not c > 0:
        raise ValueError(f"the optimal dispatch needs a convex part-load curve (c > 0), got c = {c}")
    carried = np.minimum(load, capacity.sum())
    best = np.where(carried > 0, np.inf, 0.0)
    for combination in _combinations(len(capacity)):
        q, k, cp = capacity[combination], capacity[combination] / cop[combination], cop[combination]
        x = _split(carried, q, cp, b, c)
        power = (k[None, :] * (a + b * x + c * x**2)).sum(axis=1)
        feasible = (carried > 0) & (carried <= q.sum() * (1 + 1e-12))
        best = np.where(feasible & (power < best), power, best)
    return best, load - carried


def _split(load: np.ndarray, q: np.ndarray, cop: np.ndarray, b: float, c: float) -> np.ndarray:
    """Part-load ratios (steps x chillers) at equal marginal power that add up to ``load`` (clipped to [0, 1])."""
    low = np.full(load.shape, b / cop.max())                 # every x is 0 at or below this lambda
    high = np.full(load.shape, (b + 2 * c) / cop.min())      # every x is 1 at or above this one
    for _ in range(BISECTIONS):
        mid = (low + high) / 2
        x = np.clip((mid[:, None] * cop[None, :] - b) / (2 * c), 0.0, 1.0)
        short = (x * q[None, :]).sum(axis=1) < load
        low, high = np.where(short, mid, low), np.where(short, high, mid)
    x = np.clip((high[:, None] * cop[None, :] - b) / (2 * c), 0.0, 1.0)
    return x * (load / np.maximum((x * q[None, :]).sum(axis=1), 1e-300))[:, None]   # exact sum after bisection


def _combinations(n: int) -> Sequence[list[int]]:
    return [list(c) for r in range(1, n + 1) for c in itertools.combinations(range(n), r)]
