"""The production plan: batches of orders through their recipes' steps on plant units, optimised with CP-SAT.

Each step of a batch is one interval, placed on one of its eligible units by a presence literal per unit (exactly
one true). A unit is a route through its operations (``add_circuit``): an arc from operation i to j
means j follows i, and its literal enforces the cleaning time ``cleaning[product_i][product_j]`` in between
(a minor clean within a product campaign, a major clean between products). Steps follow each other within a batch,
no sooner than the batch's release and no later than the step's hold-time limit allows; the operators at work never
outnumber those on shift (``add_cumulative``). Times are whole seconds.

The objective weighs the makespan, the priority-weighted tardiness and the number of major cleans (each counted as
one hour, so the weights compare like with like).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ortools.sat.python import cp_model

HOUR = 3600


class PlanError(ValueError):
    """No plan exists, or none was found in the time limit; the message says why and what to change."""


@dataclass(frozen=True)
class Step:
    name: str
    units: tuple[str, ...]
    time: int
    hold: int | None = None     # longest wait allowed between this step's end and the next step's start
    operators: int = 0          # operators the step needs while it runs


@dataclass(frozen=True)
class Batch:
    order: int
    product: str
    release: int
    due: int
    priority: float = 1.0


@dataclass(frozen=True)
class Problem:
    recipes: dict[str, list[Step]]
    batches: list[Batch]
    cleaning: dict[str, dict[str, int]]
    horizon: int
    weights: Mapping[str, float]
    operators: int | None = None    # operators on shift (None: as many as needed)

    @classmethod
    def from_params(cls, params: Mapping[str, Any], units_of: Mapping[tuple[str, str], list[str]]) -> Problem:
        """The problem of a validated scenario; ``units_of[product, step]`` are the plant tags eligible."""
        recipes = {p: [Step(name, tuple(units_of[p, name]), round(s["time"]),
                            None if s["hold"] is None else round(s["hold"]), s["operators"])
                       for name, s in spec["steps"].items()] for p, spec in params["products"].items()}
        batches = [Batch(i, o["product"], round(o["release"]), round(o["due"]), float(o["priority"]))
                   for i, o in enumerate(params["orders"]) for _ in range(o["batches"])]
        cleaning = {a: {b: round(t) for b, t in row.items()} for a, row in params["cleaning"].items()}
        return cls(recipes, batches, cleaning, round(params["horizon"]), dict(params["objective"]),
                   params["operators"])


@dataclass(frozen=True)
class Operation:
    batch: int
    step: int
    unit: str
    start: int
    end: int


@dataclass(frozen=True)
class Plan:
    problem: Problem
    operations: list[list[Operation]]   # operations[b][k]: batch b's k-th step
    objective: float
    bound: float
    optimal: bool

    @property
    def makespan(self) -> int:
        return max(ops[-1].end for ops in self.operations)

    @property
    def gap(self) -> float:
        return (self.objective - self.bound) / self.objective if self.objective else 0.0

    def sequences(self) -> dict[str, list[Operation]]:
        """Each unit's operations in the order it does them."""
        units: dict[str, list[Operation]] = {}
        for op in sorted((op for ops in self.operations for op in ops), key=lambda op: op.start):
            units.setdefault(op.unit, []).append(op)
        return units

    def kpis(self) -> dict[str, float]:
        """Makespan and tardiness (h), on-time fraction and major cleans of the plan as made."""
        late = [max(0, ops[-1].end - b.due) for b, ops in zip(self.problem.batches, self.operations)]
        products = [b.product for b in self.problem.batches]
        majors = sum(products[a.batch] != products[b.batch] for seq in self.sequences().values()
                     for a, b in zip(seq, seq[1:]))
        return {"makespan": self.makespan / HOUR, "tardiness": sum(late) / len(late) / HOUR,
                "on_time": sum(t == 0 for t in late) / len(late), "major_cleans": majors, "gap": self.gap}


def solve(problem: Problem, time_limit: float = 10.0, workers: int = 1, seed: int = 0,
          hint: list[list[Operation]] | None = None, wall_clock: bool = False) -> Plan:
    """The best plan CP-SAT finds in ``time_limit`` deterministic seconds (reproducible run to run; wall-clock
    seconds if ``wall_clock``), starting the search from ``hint`` if given (a schedule such as a dispatching rule's;
    it need not be feasible)."""
    m = cp_model.CpModel()
    H = problem.horizon
    starts, ends, on_unit = [], [], {}
    for b, batch in enumerate(problem.batches):
        recipe = problem.recipes[batch.product]
        starts.append([m.new_int_var(batch.release, H, f"s{b}_{k}") for k in range(len(recipe))])
        ends.append([m.new_int_var(batch.release, H, f"e{b}_{k}") for k in range(len(recipe))])
        for k, step in enumerate(recipe):
            m.add(ends[b][k] == starts[b][k] + step.time)
            present = []
            for unit in step.units:
                x = m.new_bool_var(f"x{b}_{k}_{unit}")
                on_unit.setdefault(unit, []).append((b, k, x))
                present.append(x)
            m.add_exactly_one(present)
            if k:
                m.add(starts[b][k] >= ends[b][k - 1])
                if recipe[k - 1].hold is not None:
                    m.add(starts[b][k] - ends[b][k - 1] <= recipe[k - 1].hold)
    if problem.operators is not None:   # at no time more operators at work than on shift
        staffed = [(b, k, step) for b, batch in enumerate(problem.batches)
                   for k, step in enumerate(problem.recipes[batch.product]) if step.operators]
        at_work = [m.new_fixed_size_interval_var(starts[b][k], step.time, f"o{b}_{k}") for b, k, step in staffed]
        m.add_cumulative(at_work, [step.operators for *_, step in staffed], problem.operators)
    for b, (a, c) in enumerate(zip(problem.batches, problem.batches[1:])):
        if a.order == c.order:   # batches of one order are interchangeable: take them in turn
            m.add(starts[b][0] <= starts[b + 1][0])
    majors = []
    for ops in on_unit.values():
        arcs = [(0, 0, m.new_bool_var(""))]   # the unit does nothing
        for i, (b, k, x) in enumerate(ops, 1):
            arcs += [(0, i, m.new_bool_var("")), (i, 0, m.new_bool_var("")), (i, i, ~x)]
            for j, (c, n, _) in enumerate(ops, 1):
                if i == j or b == c:
                    continue
                lit = m.new_bool_var("")
                pa, pc = problem.batches[b].product, problem.batches[c].product
                m.add(starts[c][n] >= ends[b][k] + problem.cleaning[pa][pc]).only_enforce_if(lit)
                arcs.append((i, j, lit))
                if pa != pc:
                    majors.append(lit)
        m.add_circuit(arcs)
    for ops in hint or ():
        for op in ops:
            m.add_hint(starts[op.batch][op.step], op.start)
    for unit, ops in on_unit.items() if hint else ():
        for b, k, x in ops:
            m.add_hint(x, hint[b][k].unit == unit)
    makespan = m.new_int_var(0, H, "makespan")
    m.add_max_equality(makespan, [e[-1] for e in ends])
    tardiness = []
    for b, batch in enumerate(problem.batches):
        late = m.new_int_var(0, H, f"late{b}")
        m.add(late >= ends[b][-1] - batch.due)
        tardiness.append(round(100 * problem.weights["tardiness"] * batch.priority) * late)
    w = problem.weights
    m.minimize(round(100 * w["makespan"]) * makespan + sum(tardiness)
               + round(100 * w["major_cleans"] * HOUR) * sum(majors))
    solver = cp_model.CpSolver()
    if wall_clock:
        solver.parameters.max_time_in_seconds = time_limit
    else:
        solver.parameters.max_deterministic_time = time_limit
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    status = solver.solve(m)
    if status == cp_model.INFEASIBLE:
        raise PlanError(infeasible_reason(problem))
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise PlanError(f"no plan found within the time limit of {time_limit:g} s; raise solver.time_limit")
    unit_of = {(b, k): unit for unit, ops in on_unit.items() for b, k, x in ops if solver.value(x)}
    operations = [[Operation(b, k, unit_of[b, k], solver.value(starts[b][k]), solver.value(ends[b][k]))
                   for k in range(len(problem.recipes[batch.product]))] for b, batch in enumerate(problem.batches)]
    return Plan(problem, operations, solver.objective_value, solver.best_objective_bound,
                status == cp_model.OPTIMAL)


def infeasible_reason(problem: Problem) -> str:
    """Why no plan fits: the work of the busiest step against the horizon, or a batch that cannot make it alone."""
    for batch in problem.batches:
        route = sum(s.time for s in problem.recipes[batch.product])
        if batch.release + route > problem.horizon:
            return (f"order {batch.order} ({batch.product}): released at {batch.release / HOUR:g} h, its fastest "
                    f"route takes {route / HOUR:g} h, past the horizon of {problem.horizon / HOUR:g} h; "
                    "lengthen the horizon or release the order earlier")
    load: dict[tuple[str, ...], int] = {}
    for batch in problem.batches:
        for step in problem.recipes[batch.product]:
            load[step.units] = load.get(step.units, 0) + step.time
    units, work = max(load.items(), key=lambda kv: kv[1] / len(kv[0]))
    return (f"the orders do not fit in the horizon of {problem.horizon / HOUR:g} h: units {', '.join(units)} have "
            f"{work / HOUR:g} h of work between them (before cleaning); lengthen the horizon, add units or "
            "drop orders")
