"""Dispatch over a rolling horizon with CP-SAT: plan every vehicle's next orders, commit only what starts now.

At each dispatch the planner sees the waiting orders of the window and the vehicles: the idle ones where they stand,
and the busy ones whose end is sure (unloading at their drop) where and when they will be free. (Planning on busy
vehicles' estimated ends, which queues at pickers, airlocks and the lift make late, was measured worse than the
Hungarian rule on the sample plant: orders kept for a vehicle that came late.) It chooses for every vehicle a
sequence of orders (a vehicle may take several, one after another, or none) that minimises the sum of the orders'
completion times, i.e. their mean lead time. Only the first order of each idle vehicle is dispatched; the rest of
the plan (orders kept for a vehicle about to free up nearby, orders second in line) waits for the next event, when
the plan is made again with what has happened since: a rolling horizon.

The model (OR-Tools CP-SAT, one circuit per vehicle over its start and the orders, as in the vehicle-routing
examples of the OR-Tools guide): ``first[k, j]`` (vehicle ``k`` starts with order ``j``), ``next[k, i, j]`` (``j``
after ``i``), ``skip[k, j]`` (``k`` does not take ``j``), each order taken by exactly one vehicle, and completion
times ``C[j] >= ready[k] + empty[k, j] + service[j]`` after a first arc, ``C[j] >= C[i] + between[i, j] +
service[j]`` after a next arc. Times are rounded to :data:`RESOLUTION` seconds.

With ``dispatch.objective: lateness`` each order also has a due time ``due[j]``, and the plan minimises first the
sum of lateness ``L[j] >= C[j] - due[j]``, ``L[j] >= 0`` (tardiness), then the sum of completion times: one integer
objective, ``sum(L) * W + sum(C)`` with ``W`` above any ``sum(C)``, so the second never buys the first.

The rules' plans (each rule's dispatch now, the remaining orders then taken oldest first by the vehicle free
earliest: :func:`complete`) are the hint, and the answer is never worse than the best of them on the planned
objective (:func:`cost`):
whatever the solver's time limit, :func:`solve` returns the better plan. The tests check the solver against brute
force on small instances.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scenarios import cpsat

RESOLUTION = 0.1   # s: the planner's clock tick
Plan = tuple[tuple[int, ...], ...]   # for each vehicle, the orders it takes, in sequence


@dataclass(frozen=True)
class Horizon:
    """What the planner sees, in seconds from now: ``ready[k]`` until vehicle ``k`` is free (0: idle),
    ``empty[k, j]`` from where it frees to order ``j``'s pickup, ``between[i, j]`` from order ``i``'s drop to order
    ``j``'s pickup, ``service[j]`` from reaching ``j``'s pickup to its delivery (load, loaded leg, unload);
    ``due[j]`` until order ``j`` is due (negative: late already), or None to plan on completion times alone."""

    ready: np.ndarray
    empty: np.ndarray
    between: np.ndarray
    service: np.ndarray
    due: np.ndarray | None = None


def finish(h: Horizon, plan: Plan) -> np.ndarray:
    """Each order's completion time under ``plan`` (inf for an order no vehicle takes)."""
    done = np.full(len(h.service), np.inf)
    for k, sequence in enumerate(plan):
        t, at = float(h.ready[k]), None
        for j in sequence:
            t += (h.empty[k, j] if at is None else h.between[at, j]) + h.service[j]
            done[j], at = t, j
    return done


def total(h: Horizon, plan: Plan) -> float:
    """The planned sum of completion times."""
    return float(finish(h, plan).sum())


def lateness(h: Horizon, plan: Plan) -> float:
    """The planned sum of lateness (0 without due times)."""
    return 0.0 if h.due is None else float(np.maximum(finish(h, plan) - h.due, 0.0).sum())


def cost(h: Horizon, plan: Plan) -> tuple[float, float]:
    """What the planner minimises, in order: the sum of lateness (with due times), the sum of completion times."""
    return lateness(h, plan), total(h, plan)


def complete(h: Horizon, first: list[tuple[int, int]]) -> Plan:
    """A rule's plan: its pairs (vehicle, order) now, then the remaining orders oldest first, each to the vehicle
    free earliest."""
    plan = [[] for _ in h.ready]
    for k, j in first:
        plan[k].append(j)
    free = finish(h, tuple(map(tuple, plan)))
    at = [seq[-1] if seq else None for seq in plan]
    when = [free[seq[-1]] if seq else float(h.ready[k]) for k, seq in enumerate(plan)]
    taken = {j for _, j in first}
    for j in range(len(h.service)):
        if j in taken:
            continue
        k = min(range(len(when)), key=lambda k: (when[k], k))
        when[k] += (h.empty[k, j] if at[k] is None else h.between[at[k], j]) + h.service[j]
        at[k] = j
        plan[k].append(j)
    return tuple(map(tuple, plan))


def solve(h: Horizon, hint: Plan, seconds: float = 1.0) -> Plan:
    """The plan of least :func:`cost` CP-SAT finds from ``hint`` (never worse than ``hint``)."""
    from ortools.sat.python import cp_model  # ortools: only for this rule

    vehicles, orders = h.empty.shape
    tick = lambda x: int(np.ceil(x / RESOLUTION - 1e-9))   # noqa: E731
    ready, empty = [tick(x) for x in h.ready], [[tick(x) for x in row] for row in h.empty]
    between, service = [[tick(x) for x in row] for row in h.between], [tick(x) for x in h.service]
    bound = max(ready) + sum(max(max(col) for col in zip(*empty, *between)) + s for s in service)
    model = cp_model.CpModel()
    done = [model.new_int_var(0, bound, f"C{j}") for j in range(orders)]
    arcs = {}
    for k in range(vehicles):
        circuit = [(0, 0, model.new_bool_var(f"idle{k}"))]
        for j in range(orders):
            arcs[k, None, j] = first = model.new_bool_var(f"first{k}_{j}")
            model.add(done[j] >= ready[k] + empty[k][j] + service[j]).only_enforce_if(first)
            arcs[k, j, None] = last = model.new_bool_var(f"last{k}_{j}")
            arcs[k, j, j] = skip = model.new_bool_var(f"skip{k}_{j}")
            circuit += [(0, j + 1, first), (j + 1, 0, last), (j + 1, j + 1, skip)]
            for i in range(orders):
                if i != j:
                    arcs[k, i, j] = after = model.new_bool_var(f"next{k}_{i}_{j}")
                    model.add(done[j] >= done[i] + between[i][j] + service[j]).only_enforce_if(after)
                    circuit.append((i + 1, j + 1, after))
        model.add_circuit(circuit)
    for j in range(orders):
        model.add_exactly_one(arcs[k, j, j].Not() for k in range(vehicles))
    if h.due is None:
        model.minimize(sum(done))
    else:
        due = [int(np.floor(x / RESOLUTION + 1e-9)) for x in h.due]
        late = [model.new_int_var(0, bound + max(0, -min(due)), f"L{j}") for j in range(orders)]
        for j in range(orders):
            model.add(late[j] >= done[j] - due[j])
        model.minimize(sum(late) * (orders * bound + 1) + sum(done))
    for k, sequence in enumerate(hint):
        used = {(k, None, sequence[0])} if sequence else set()
        used |= {(k, i, j) for i, j in zip(sequence, sequence[1:])} | {(k, j, j) for j in range(orders)
                                                                       if j not in sequence}
        if sequence:
            used.add((k, sequence[-1], None))
        for key, var in arcs.items():
            if key[0] == k:
                model.add_hint(var, key in used)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1                    # one worker and a deterministic limit: reproducible
    solver.parameters.max_deterministic_time = seconds
    solver.parameters.random_seed = 0
    if cpsat.solve(solver, model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return hint
    plan = []
    for k in range(vehicles):
        sequence, at = [], None
        while True:
            nxt = next((j for j in range(orders) if j != at and solver.value(arcs[k, at, j])), None)
            if nxt is None:
                break
            sequence.append(nxt)
            at = nxt
        plan.append(tuple(sequence))
    plan = tuple(plan)
    return plan if cost(h, plan) <= cost(h, hint) else hint

