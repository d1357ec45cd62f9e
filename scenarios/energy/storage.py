"""Chilled-water storage and the multi-period chiller dispatch it allows: pre-cooling against the tariff.

With a tank, the chillers need not follow the coils hour by hour: they may make cold water when electricity is
cheap and the tank carries the coils when it is dear. The plan is a linear programme over the hours of the run,
solved by HiGHS (:func:`scipy.optimize.linprog`):

    minimise   sum_t price_t P_t dt + demand_charge * peak
    such that  P_t >= a_k Q_t + b_k           for every segment k of the chiller plant's power curve
               s_t = s_(t-1) + (Q_t - L_t) dt, 0 <= s_t <= capacity, s_T = s_0 (the tank ends as it began)
               0 <= Q_t <= the chillers' capacity,  peak >= P_t + (the rest of the site's power)_t

where ``L_t`` is the coils' load in hour ``t`` and ``Q_t`` what the chillers make. The plant's power curve is the
least power of :func:`scenarios.energy.dispatch.optimal` at each load; a plant with a tank can share an hour
between two of its operating points, so the curve the plan may follow is that curve's lower convex hull, which
makes the programme linear (HiGHS's interior point with crossover: the simplex takes minutes once the demand
charge couples the hours). The tank is lossless and mixed hour by hour (its losses are small against its
throughput; give ``capacity`` as its usable cold, in kWh).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scenarios.energy import dispatch

HOUR, KWH = 3600.0, 3.6e6
CURVE_POINTS = 61            # loads at which the plant's least power is taken (every 1/60 of its capacity)


@dataclass(frozen=True)
class Plan:
    """Per hour: what the chillers make (W), their power (W), the tank's cold at the end of the hour (J)."""

    made: np.ndarray
    power: np.ndarray
    stored: np.ndarray
    cost: float


def hull(capacity: np.ndarray, cop: np.ndarray, eir) -> tuple[np.ndarray, np.ndarray]:
    """The lower convex hull of the plant's least power over its load: breakpoints (W made, W drawn)."""
    q = np.linspace(0.0, capacity.sum(), CURVE_POINTS)
    p, _ = dispatch.optimal(q, capacity, cop, eir)
    points: list[tuple[float, float]] = []
    for point in zip(q, p):                       # Andrew's monotone chain, lower half
        while len(points) >= 2 and _cross(points[-2], points[-1], point) <= 0:
            points.pop()
        points.append(point)
    made, drawn = np.array(points).T
    return made, drawn


def _cross(o, a, b) -> float:
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def power_on_hull(made: np.ndarray, curve: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """The plant's power (W) making ``made`` (W) on the hull (sharing the hour between two operating points)."""
    return np.interp(made, *curve)


def plan(load: np.ndarray, price: np.ndarray, other: np.ndarray, capacity: float, curve: tuple[np.ndarray, np.ndarray],
         demand_charge: float, capft: np.ndarray | float = 1.0, eirft: np.ndarray | float = 1.0) -> Plan:
    """The cheapest hourly plan for the coils' hourly ``load`` (W) with a tank of ``capacity`` (J); ``price`` per
    kWh, ``other``: the rest of the site's power (W) for the peak, ``demand_charge`` per kW of the peak; ``curve``
    at reference conditions, ``capft`` and ``eirft`` the water temperatures' factors in each hour
    (:mod:`scenarios.energy.chillers`): making ``Q`` then draws ``capft eirft curve(Q / capft)``, so each segment
    ``P >= a_k Q + b_k`` of the curve becomes ``P_t >= eirft_t a_k Q_t + capft_t eirft_t b_k``."""
    from scipy import sparse  # here: the energy study's check imports this module
    from scipy.optimize import linprog

    n = load.size
    made, drawn = curve
    capft, eirft = np.broadcast_to(capft, (n,)), np.broadcast_to(eirft, (n,))
    slopes = np.diff(drawn) / np.diff(made)
    intercepts = drawn[:-1] - slopes * made[:-1]
    # variables: Q (n), P (n), s (n, the end of each hour), s0, peak
    q, p, s, s0, peak = np.arange(n), n + np.arange(n), 2 * n + np.arange(n), 3 * n, 3 * n + 1
    size = 3 * n + 2
    cost = np.zeros(size)
    cost[p] = price * HOUR / KWH
    cost[peak] = demand_charge / 1e3
    rows, cols, vals, upper = [], [], [], []
    for k in range(slopes.size):                  # a_k Q_t - P_t <= -b_k
        r = k * n + np.arange(n)
        rows += [r, r]
        cols += [q, p]
        vals += [slopes[k] * eirft, np.full(n, -1.0)]
        upper.append(-intercepts[k] * capft * eirft)
    r = slopes.size * n + np.arange(n)            # P_t - peak <= -other_t
    rows += [r, r]
    cols += [p, np.full(n, peak)]
    vals += [np.ones(n), np.full(n, -1.0)]
    upper.append(-other)
    a_ub = sparse.csr_array((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                            shape=(sum(u.size for u in upper), size))
    # s_t - s_(t-1) - Q_t dt = -L_t dt, with s_(-1) = s0; and s_(n-1) = s0
    r = np.arange(n)
    previous = np.concatenate([[s0], s[:-1]])
    a_eq = sparse.csr_array((np.concatenate([np.ones(n), -np.ones(n), np.full(n, -HOUR), [1.0, -1.0]]),
                             (np.concatenate([r, r, r, [n, n]]), np.concatenate([s, previous, q, [s[-1], s0]]))),
                            shape=(n + 1, size))
    b_eq = np.concatenate([-load * HOUR, [0.0]])
    bounds = np.zeros((size, 2))
    bounds[q, 1] = made[-1] * capft
    bounds[p, 1] = np.inf
    bounds[s, 1] = bounds[s0, 1] = capacity
    bounds[peak] = (0.0, np.inf)
    out = linprog(cost, A_ub=a_ub, b_ub=np.concatenate(upper), A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs-ipm")
    if out.status != 0:
        raise ValueError(f"no plan carries the load with this tank and these chillers ({out.message})")
    x = out.x
    return Plan(made=x[q], power=capft * eirft * power_on_hull(x[q] / capft, curve), stored=x[s],
                cost=float(out.fun))
