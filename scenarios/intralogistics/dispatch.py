"""Dispatching: which idle vehicle takes which waiting transport order, when one arrives or a vehicle frees up.

Every rule answers with pairs (vehicle index, order index) into the lists it is given; ``cost[i, j]`` is the time
vehicle ``i`` needs to reach order ``j``'s pickup (empty travel). Orders come oldest first.

- ``fifo``: the oldest orders, each to the vehicle idle longest (the list's order);
- ``nearest``: the oldest orders, each to the nearest idle vehicle;
- ``due``: the orders with the earliest due times, each to the nearest idle vehicle;
- ``optimised``: the assignment of the ``window`` oldest orders to the idle vehicles with the least total empty
  travel (Kuhn-Munkres, :func:`scipy.optimize.linear_sum_assignment`), made again at each event: a rolling horizon.
- ``cpsat``: a plan of each vehicle's next orders, busy vehicles included, of least total completion time
  (:mod:`scenarios.intralogistics.cpsat`, never worse on that plan than the rules' plans); it is made by the model,
  which knows the busy vehicles, not by :func:`assign`.

The optimised assignment's empty travel is never more than ``fifo``'s or ``nearest``'s (its window holds the orders
they take, and it is the optimum over all assignments of as many pairs), nor ``due``'s when the window holds every
waiting order; ``tests/scenarios/test_intralogistics_dispatch.py`` checks it on random costs.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

RULES = ("fifo", "nearest", "due", "optimised", "cpsat")


def greedy(cost: np.ndarray, order: Sequence[int], nearest: bool) -> list[tuple[int, int]]:
    """Orders in ``order`` each take the nearest free vehicle (or the first free one)."""
    free = list(range(cost.shape[0]))
    pairs = []
    for j in order:
        if not free:
            break
        i = min(free, key=lambda i: cost[i, j]) if nearest else free[0]
        free.remove(i)
        pairs.append((i, j))
    return pairs


def assign(rule: str, cost: np.ndarray, due: Sequence[float], window: int) -> list[tuple[int, int]]:
    """The pairs (vehicle, order) ``rule`` dispatches now; ``cost`` is vehicles x orders (oldest order first)."""
    vehicles, orders = cost.shape
    if vehicles == 0 or orders == 0:
        return []
    if rule == "fifo":
        return greedy(cost, range(orders), nearest=False)
    if rule == "nearest":
        return greedy(cost, range(orders), nearest=True)
    if rule == "due":
        return greedy(cost, sorted(range(orders), key=lambda j: (due[j], j)), nearest=True)
    if rule == "optimised":
        from scipy.optimize import linear_sum_assignment  # scipy: not before a scenario is checked

        columns = min(orders, max(window, vehicles))
        rows, cols = linear_sum_assignment(cost[:, :columns])
        return sorted(zip(rows.tolist(), cols.tolist()), key=lambda p: p[1])
    raise ValueError(f"unknown dispatch rule {rule!r}")


def empty_travel(cost: np.ndarray, pairs: Sequence[tuple[int, int]]) -> float:
    """Total empty travel of an assignment."""
    return float(sum(cost[i, j] for i, j in pairs))
