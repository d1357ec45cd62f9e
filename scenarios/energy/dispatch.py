"""Chiller dispatch: which chillers run, and at which part load, to carry the chilled-water load.

Two strategies, both giving per step the electric power ``sum Q_nom,i / COP_nom,i * EIR(PLR_i)`` of the running
chillers (DOE-2 curve ``EIR = a + b PLR + c PLR**2``) and the load no combination could carry:

- :func:`staged` (rule-based, what a plant controller does): the fewest chillers in the listed order that cover the
  load, sharing it at equal part-load ratio.
- :func:`committed`: the cheapest plan of the week as a mixed-integer programme solved by HiGHS
  (:func:`scipy.optimize.milp`). A binary ``z_ts`` picks the set ``s`` of chillers running in hour ``t`` (one set an
  hour, one able to carry the hour's largest step), and ``y_it = sum of z_ts over the sets holding i`` says whether
  chiller ``i`` runs. A set's power is its least power at the hour's mean load, exactly as :func:`optimal` splits
  it (the DOE-2 curve itself, not a piecewise-linear stand-in). A start ``u_it >= y_it - y_i(t-1)`` costs
  ``start_cost``; a chiller runs at least ``min_on`` hours once started and stays off ``min_off`` hours once stopped
  (the starts of the last ``min_on`` hours ``<= y_it``, the stops of the last ``min_off`` ``<= 1 - y_it``), which no
  hour-by-hour choice can respect. Minimised: the energy at the tariff's price plus the starts. Within each hour the
  running chillers then share every step's load at least power.

:func:`optimal` is the least power step by step (no coupling between steps) by enumeration: for each combination of
running chillers the best split is found in closed form: with ``c > 0`` the problem is convex, so at the optimum
every chiller runs at equal marginal power, ``k_i (b + 2 c x_i) = lambda Q_i`` with ``k_i = Q_i / COP_i``, i.e.
``x_i = clip((lambda COP_i - b) / (2 c), 0, 1)``, and ``lambda`` is found by bisection so that the shares add up to
the load; the cheapest combination wins. It gives the chilled-water tank's power curve (:mod:`storage`) and is the
reference :func:`committed` is tested against (and it against CasADi's Bonmin).
"""
from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

BISECTIONS = 60  # halvings of the bracket of lambda: far below a watt
HOUR, KWH = 3600.0, 3.6e6


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


def committed(load: np.ndarray, capacity: np.ndarray, cop: np.ndarray, eir, *, step: float, price: np.ndarray,
              start_cost: float = 0.0, min_on: int = 1, min_off: int = 1, running: np.ndarray | None = None,
              capft: np.ndarray | float = 1.0, eirft: np.ndarray | float = 1.0,
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The week's unit commitment (see the module docstring): electric power (W) and unmet load (W) per step, and
    which chillers run in each hour (hours x chillers, bool). ``load`` at steps of ``step`` s filling whole hours,
    ``price`` per kWh in each hour, ``min_on``/``min_off`` in hours, ``running``: the chillers on before the first
    hour (default: none); ``capft``, ``eirft``: the water temperatures' factors at each step
    (:mod:`scenarios.energy.chillers`): the plan is made for the load at reference conditions, ``load / capft``, each
    hour's energy weighted by its mean ``capft eirft``, and every step's power scaled by its own."""
    a, b, c = eir
    per_hour = round(HOUR / step)
    load, scale = np.broadcast_arrays(load / capft, np.broadcast_to(capft * eirft, load.shape))
    carried = np.minimum(load, capacity.sum())
    hourly = carried.reshape(-1, per_hour)
    weight = scale.reshape(-1, per_hour).mean(axis=1)
    on = _commit(hourly.mean(axis=1), hourly.max(axis=1), capacity, cop, eir, weight * price * step * per_hour / KWH,
                 start_cost, min_on, min_off, np.zeros(capacity.size, bool) if running is None else running)
    power = np.zeros_like(load)
    for combination in {tuple(row) for row in on}:
        hours = np.flatnonzero((on == combination).all(axis=1))
        steps = (hours[:, None] * per_hour + np.arange(per_hour)).ravel()
        chosen = np.array(combination)
        if not chosen.any():
            continue
        q, k = capacity[chosen], capacity[chosen] / cop[chosen]
        x = _split(carried[steps], q, cop[chosen], b, c)
        power[steps] = (k[None, :] * (a + b * x + c * x**2)).sum(axis=1) * scale[steps]
    return power, (load - carried) * capft, on


def _commit(mean: np.ndarray, peak: np.ndarray, capacity: np.ndarray, cop: np.ndarray, eir, energy_price: np.ndarray,
            start_cost: float, min_on: int, min_off: int, running: np.ndarray) -> np.ndarray:
    """On/off per hour and chiller from the MILP; ``energy_price``: currency per W held through each hour."""
    from scipy import sparse  # here: the energy study's check imports this module
    from scipy.optimize import Bounds, LinearConstraint, milp

    a, b, c = eir
    n, m = mean.size, capacity.size
    sets = np.array(list(itertools.product([False, True], repeat=m)))              # every set of running chillers
    least = np.zeros((n, len(sets)))
    for s, chosen in enumerate(sets):
        if chosen.any():
            k = capacity[chosen] / cop[chosen]
            x = _split(mean, capacity[chosen], cop[chosen], b, c)
            least[:, s] = (k[None, :] * (a + b * x + c * x**2)).sum(axis=1)
    can = peak[:, None] <= (sets @ capacity)[None, :] * (1 + 1e-12)               # carries the hour's largest step
    z = np.arange(n * len(sets)).reshape(n, len(sets))
    y, u, v = (z.size + np.arange(m * n).reshape(m, n) + offset * m * n for offset in range(3))
    size = z.size + 3 * m * n
    cost = np.zeros(size)
    cost[z] = least * energy_price[:, None]
    cost[u] = start_cost
    upper = np.ones(size)
    upper[z] = can
    rows: list[tuple[list, list, float, float]] = []

    def add(columns, coefficients, low, high):
        rows.append((list(columns), list(coefficients), low, high))

    for t in range(n):
        add(z[t], np.ones(len(sets)), 1.0, 1.0)                                      # one set runs each hour
        for i in range(m):
            add([y[i, t], *z[t, sets[:, i]]], [1.0, *-np.ones(sets[:, i].sum())], 0.0, 0.0)   # y: i is in it
            before = [y[i, t - 1]] if t else []
            was = 0.0 if t else float(running[i])
            add([u[i, t], y[i, t], *before], [1.0, -1.0, *[1.0] * len(before)], -was, np.inf)   # a start
            add([v[i, t], y[i, t], *before], [1.0, 1.0, *[-1.0] * len(before)], was, np.inf)    # a stop
            if min_on > 1:
                add([*u[i, max(0, t - min_on + 1):t + 1], y[i, t]], [*np.ones(min(t, min_on - 1) + 1), -1.0],
                    -np.inf, 0.0)
            if min_off > 1:
                add([*v[i, max(0, t - min_off + 1):t + 1], y[i, t]], [*np.ones(min(t, min_off - 1) + 1), 1.0],
                    -np.inf, 1.0)
    matrix = sparse.csr_array((np.concatenate([r[1] for r in rows]),
                               (np.repeat(np.arange(len(rows)), [len(r[0]) for r in rows]),
                                np.concatenate([r[0] for r in rows]))), shape=(len(rows), size))
    integrality = np.zeros(size)
    integrality[z] = 1
    out = milp(cost, constraints=LinearConstraint(matrix, [r[2] for r in rows], [r[3] for r in rows]),
               integrality=integrality, bounds=Bounds(0.0, upper), options={"mip_rel_gap": 1e-9})
    if out.x is None:
        raise ValueError(f"no commitment of the chillers carries the load within their minimum run and off times "
                         f"({out.message})")
    return (out.x[y] > 0.5).T
