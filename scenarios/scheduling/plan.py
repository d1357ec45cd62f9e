"""The production plan: batches of orders through their recipes' steps on plant units, then their release tests in
the QC lab, optimised with CP-SAT.

Each step of a batch is one interval, placed on one of its eligible units by a presence literal per unit (exactly
one true), each unit with its own time if it has one. A unit's intervals never overlap (``add_no_overlap``; each
lengthened by the shortest clean that can follow it, and the unit's closed windows -- planned maintenance -- among
them) and a unit is a route through its operations (``add_circuit``): an arc from operation i to j means j follows i,
and its literal enforces the cleaning time ``cleaning[product_i][product_j]`` in between (a minor clean within a
product campaign, a major clean between products). Steps follow each other within a batch, no sooner than the
batch's release and no later than the step's hold-time limit allows; the operators at work never outnumber those on
shift (``add_cumulative``). After the last step, each release test of the QC lab runs on one instrument and one
qualified analyst (the analyst busy for the test's hands-on time); the batch is released when its tests are done.
Times are whole seconds.

The objective weighs the makespan, the priority-weighted tardiness of release, the number of major cleans (each
counted as one hour, so the weights compare like with like) and the release times of the batches (their sum: the
lab's part in getting batches out early; not the lead time after packaging, which a plan could shorten by making
batches later).

A plan may start from a state (:class:`Start`): operations done or under way are kept, units continue from their last
operation (cleaning from its product), batches from their last step done. :mod:`~scenarios.scheduling.horizon` uses it
to plan many batches window by window and to re-plan from the shop floor's state.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from scenarios import cpsat

HOUR = 3600
DAY = 24 * HOUR


class PlanError(ValueError):
    """No plan exists, or none was found in the time limit; the message says why and what to change."""


@dataclass(frozen=True)
class Step:
    name: str
    units: tuple[str, ...]
    time: int
    hold: int | None = None     # longest wait allowed between this step's end and the next step's start
    operators: int = 0          # operators the step needs while it runs
    times: Mapping[str, int] = field(default_factory=dict)   # a unit's own time where it differs from ``time``
    crew: str | None = None     # the crew (operators of one skill) its operators come from; None: the general pool

    def time_on(self, unit: str) -> int:
        return self.times.get(unit, self.time)

    @property
    def fastest(self) -> int:
        return min(self.time_on(u) for u in self.units)


@dataclass(frozen=True)
class LabTest:
    """A release test of the QC lab, run on every batch after its last step."""
    name: str
    instruments: tuple[str, ...]
    time: int
    analysts: tuple[str, ...]     # the analysts qualified for it
    hands_on: int | None = None   # the analyst's part of ``time`` (from its start); None: all of it

    @property
    def attended(self) -> int:
        return self.time if self.hands_on is None else self.hands_on


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
    tests: tuple[LabTest, ...] = ()    # the QC lab's release tests of every batch
    closed: Mapping[str, tuple[tuple[int, int], ...]] = field(default_factory=dict)   # unit -> (from, to) windows
    shift: tuple[int, int] | None = None   # operators at work daily from..to (seconds of the day); None: always
    crews: Mapping[str, int] = field(default_factory=dict)   # operators by skill: crew -> people on shift

    def pools(self) -> dict[str | None, int]:
        """The operators on shift by crew (None: the general pool of ``operators``)."""
        return {**({None: self.operators} if self.operators is not None else {}), **self.crews}

    def off_shift(self) -> list[tuple[int, int]]:
        """The times no operator is at work, to the horizon: each night outside the daily shift."""
        if self.shift is None:
            return []
        start, end = self.shift
        end += DAY if end <= start else 0   # (a night shift ends the next day)
        return [(max(0, (d - 1) * DAY + end), d * DAY + start) for d in range(self.horizon // DAY + 2)
                if d * DAY + start > max(0, (d - 1) * DAY + end)]

    @classmethod
    def from_params(cls, params: Mapping[str, Any], units_of: Mapping[tuple[str, str], list[str]],
                    instruments_of: Mapping[str, list[str]] | None = None) -> Problem:
        """The problem of a validated scenario; ``units_of[product, step]`` are the plant tags eligible,
        ``instruments_of[test]`` those of a lab test."""
        recipes = {p: [Step(name, tuple(units_of[p, name]), round(s["time"]),
                            None if s["hold"] is None else round(s["hold"]), s["operators"],
                            {u: round(t) for u, t in s["times"].items()}, s.get("crew"))
                       for name, s in spec["steps"].items()] for p, spec in params["products"].items()}
        batches = [Batch(i, o["product"], round(o["release"]), round(o["due"]), float(o["priority"]))
                   for i, o in enumerate(params["orders"]) for _ in range(batch_count(o, params["products"]))]
        cleaning = {a: {b: round(t) for b, t in row.items()} for a, row in params["cleaning"].items()}
        lab = params.get("lab") or {"tests": {}, "analysts": {}}
        tests = tuple(LabTest(name, tuple(instruments_of[name]), round(t["time"]),
                           tuple(a for a, skills in lab["analysts"].items() if name in skills),
                           None if t["hands_on"] is None else round(t["hands_on"]))
                      for name, t in lab["tests"].items())
        closed = {u: tuple((round(w["from"]), round(w["to"])) for w in windows)
                  for u, windows in (params.get("maintenance") or {}).items()}
        weights = {"lab": 0.0, **params["objective"]}
        shift = params.get("shift")
        shift = (round(shift["start"]), round(shift["end"])) if shift else None
        return cls(recipes, batches, cleaning, round(params["horizon"]), weights, params["operators"], tests, closed,
                   shift, dict(params.get("crews") or {}))

    def units(self) -> list[str]:
        """Every production unit of the recipes."""
        return sorted({u for recipe in self.recipes.values() for step in recipe for u in step.units})


def batch_count(order: Mapping[str, Any], products: Mapping[str, Any]) -> int:
    """An order's batches: as given (default 1), or its quantity in batches of the product's size (the last one may
    be smaller but takes as long)."""
    if order.get("quantity") is None:
        return order.get("batches") or 1
    size = products[order["product"]]["batch_size"]
    return int(-(-order["quantity"] // size))


@dataclass(frozen=True)
class Operation:
    batch: int
    step: int          # the recipe step, or for a lab test its index in ``Problem.tests``
    unit: str          # the plant unit, or for a lab test the instrument
    start: int
    end: int
    analyst: str = ""  # for a lab test: who runs it


@dataclass(frozen=True)
class Start:
    """Where a plan starts: the time now and the operations done or under way (kept as they are, with their
    expected end). Units continue from their last operation, batches from their last step done."""
    now: int = 0
    fixed: tuple[Operation, ...] = ()   # production steps
    tests: tuple[Operation, ...] = ()   # lab tests


SCRATCH = Start()   # nothing done yet


@dataclass(frozen=True)
class Plan:
    problem: Problem
    operations: list[list[Operation]]   # operations[b][k]: batch b's k-th step
    objective: float
    bound: float
    optimal: bool
    tests: list[list[Operation]] = field(default_factory=list)   # tests[b][i]: batch b's i-th lab test

    @property
    def makespan(self) -> int:
        return max(ops[-1].end for ops in self.operations if ops)

    @property
    def gap(self) -> float:
        return (self.objective - self.bound) / self.objective if self.objective else 0.0

    def released(self, b: int) -> int:
        """When batch ``b`` is released: its last test done, or without a lab its last step."""
        return max((t.end for t in self.tests[b]), default=self.operations[b][-1].end) if self.tests else \
            self.operations[b][-1].end

    def sequences(self) -> dict[str, list[Operation]]:
        """Each unit's (and lab instrument's) operations in the order it does them."""
        units: dict[str, list[Operation]] = {}
        ops = [op for ops in self.operations for op in ops] + [t for tests in self.tests for t in tests]
        for op in sorted(ops, key=lambda op: op.start):
            if op.unit:   # (a lab test without an instrument is on no row)
                units.setdefault(op.unit, []).append(op)
        return units

    def major_cleans(self) -> int:
        products, units = [b.product for b in self.problem.batches], set(self.problem.units())
        return sum(products[a.batch] != products[b.batch] for unit, seq in self.sequences().items() if unit in units
                   for a, b in zip(seq, seq[1:]))

    def score(self) -> float:
        """The objective of this plan as CP-SAT counts it (weights x 100, times in seconds)."""
        w, problem = self.problem.weights, self.problem
        late = sum(round(100 * w["tardiness"] * b.priority) * max(0, self.released(i) - b.due)
                   for i, b in enumerate(problem.batches))
        lab = sum(self.released(i) for i in range(len(problem.batches))) if self.tests else 0
        return (round(100 * w["makespan"]) * self.makespan + late + round(100 * w["major_cleans"] * HOUR)
                * self.major_cleans() + round(100 * w.get("lab", 0.0)) * lab)

    def kpis(self) -> dict[str, float]:
        """Makespan and tardiness (s), on-time fraction, major cleans, gap and lab lead time (s) of the plan."""
        late = [max(0, self.released(i) - b.due) for i, b in enumerate(self.problem.batches)]
        kpis = {"makespan": float(self.makespan), "tardiness": sum(late) / len(late),
                "on_time": sum(t == 0 for t in late) / len(late), "major_cleans": self.major_cleans(),
                "gap": self.gap}
        if self.tests:
            leads = [self.released(i) - ops[-1].end for i, ops in enumerate(self.operations)]
            kpis["lab_lead_time"] = sum(leads) / len(leads)
        return kpis


def solve(problem: Problem, time_limit: float = 10.0, workers: int = 1, seed: int = 0,
          hint: Plan | list[list[Operation]] | None = None, wall_clock: bool = False, start: Start = SCRATCH,
          batches: Sequence[int] | None = None) -> Plan:
    """The best plan CP-SAT finds in ``time_limit`` deterministic seconds (reproducible run to run; wall-clock
    seconds if ``wall_clock``), starting the search from ``hint`` if given (a schedule such as a dispatching rule's;
    it need not be feasible).

    From a ``start``, only the remaining steps and tests of ``batches`` (default: every batch) are planned; the
    plan returned holds the fixed operations, the planned ones and, for batches neither fixed nor planned, none.
    """
    model = Model(problem, start, range(len(problem.batches)) if batches is None else batches)
    if hint is not None:
        model.hint(hint if isinstance(hint, Plan) else Plan(problem, hint, 0, 0, False))
    return model.solve(time_limit, workers, seed, wall_clock)


class Model:
    """The CP-SAT model of a plan: variables by operation, constraints by resource, the weighted objective."""

    def __init__(self, problem: Problem, start: Start, batches: Sequence[int]) -> None:
        from ortools.sat.python import cp_model  # here, not at the top: a scenario check needs no solver

        self.problem, self.start, self.batches = problem, start, list(batches)
        self.m = m = cp_model.CpModel()
        H = problem.horizon
        self.fixed: dict[int, list[Operation]] = {}
        for op in sorted(start.fixed, key=lambda op: op.step):
            self.fixed.setdefault(op.batch, []).append(op)
        self.fixed_tests: dict[int, list[Operation]] = {}
        for t in start.tests:
            self.fixed_tests.setdefault(t.batch, []).append(t)
        self.after: dict[str, Operation] = {}   # each unit's last fixed operation: where the new ones continue
        for op in start.fixed:
            if op.unit not in self.after or op.end > self.after[op.unit].end:
                self.after[op.unit] = op
        self.var: dict[tuple[int, int], tuple[Any, Any]] = {}          # (b, k) -> (start, end)
        self.on: dict[str, list[tuple[int, int, Any]]] = {}             # unit -> [(b, k, presence)]
        self.intervals: dict[str, list[Any]] = {}
        staffed: dict[str | None, list[tuple[Any, int]]] = {}   # crew -> (interval, operators)
        pools = problem.pools()
        for b in self.batches:
            batch, recipe = problem.batches[b], problem.recipes[problem.batches[b].product]
            done = self.fixed.get(b, [])
            ready = max(start.now, done[-1].end if done else batch.release)
            for k in range(len(done), len(recipe)):
                step = recipe[k]
                times = sorted({step.time_on(u) for u in step.units})
                if ready + times[0] > H:   # (a replan late in the run: the shop floor is past what fits)
                    raise PlanError(f"batch {b} cannot finish step {step.name} by the horizon ({H / HOUR:g} h): it "
                                    f"can start at {ready / HOUR:g} h and takes {times[0] / HOUR:g} h")
                s = m.new_int_var(ready, H, f"s{b}_{k}")
                e = m.new_int_var(ready + times[0], H, f"e{b}_{k}")
                d = m.new_int_var_from_domain(cp_model.Domain.from_values(times), f"d{b}_{k}")
                master = m.new_interval_var(s, d, e, f"op{b}_{k}")
                self.var[b, k] = (s, e)
                if step.operators and step.crew in pools:
                    staffed.setdefault(step.crew, []).append((master, step.operators))
                tail = min(problem.cleaning[batch.product].values())
                present = []
                for unit in step.units:
                    x = m.new_bool_var(f"x{b}_{k}_{unit}")
                    m.add(d == step.time_on(unit)).only_enforce_if(x)
                    self.intervals.setdefault(unit, []).append(
                        m.new_optional_fixed_size_interval_var(s, step.time_on(unit) + tail, x, f"i{b}_{k}_{unit}"))
                    self.on.setdefault(unit, []).append((b, k, x))
                    present.append(x)
                    if unit in self.after:   # the unit is first cleaned from the product it ran last
                        last = problem.batches[self.after[unit].batch].product
                        m.add(s >= self.after[unit].end + problem.cleaning[last][batch.product]).only_enforce_if(x)
                m.add_exactly_one(present)
                if k > len(done):
                    m.add(s >= self.var[b, k - 1][1])
                    if recipe[k - 1].hold is not None:
                        m.add(s - self.var[b, k - 1][1] <= recipe[k - 1].hold)
                elif done and recipe[k - 1].hold is not None and done[-1].end + recipe[k - 1].hold >= start.now:
                    m.add(s - done[-1].end <= recipe[k - 1].hold)   # (a hold already overrun is not planned)
        for op in start.fixed:
            step = problem.recipes[problem.batches[op.batch].product][op.step]
            if step.operators and step.crew in pools and op.end > start.now:
                staffed.setdefault(step.crew, []).append(
                    (m.new_fixed_size_interval_var(op.start, op.end - op.start, ""), step.operators))
        for crew, capacity in pools.items():   # at no time more operators at work than on shift, none at night
            work = staffed.get(crew, []) + [(m.new_fixed_size_interval_var(lo, hi - lo, "night"), capacity)
                                            for lo, hi in problem.off_shift()]
            m.add_cumulative([i for i, _ in work], [n for _, n in work], capacity)
        for a, c in zip(self.batches, self.batches[1:]):
            pa, pc = problem.batches[a], problem.batches[c]
            if pa.order == pc.order and a not in self.fixed and c not in self.fixed:
                m.add(self.var[a, 0][0] <= self.var[c, 0][0])   # batches of one order are interchangeable
        self.majors = []
        self.arcs: dict[str, list[tuple[int, int, Any]]] = {}
        for unit, ops in self.on.items():
            for lo, hi in problem.closed.get(unit, ()):
                self.intervals[unit].append(m.new_fixed_size_interval_var(lo, hi - lo, f"closed {unit}"))
            m.add_no_overlap(self.intervals[unit])
            self.route(unit, ops)
        self.lab()
        self.objective()

    def product(self, b: int) -> str:
        return self.problem.batches[b].product

    def route(self, unit: str, ops: list[tuple[int, int, Any]]) -> None:
        """The unit's sequence as a circuit whose arcs carry the cleaning times (not needed if every clean between
        its products is the shortest, already inside the no-overlap intervals, and no major clean is counted)."""
        m, cleaning = self.m, self.problem.cleaning
        products = {self.product(b) for b, _, _ in ops}
        last = self.product(self.after[unit].batch) if unit in self.after else None
        tails = {p: min(cleaning[p].values()) for p in products}
        if len(products | {last} - {None}) == 1 and all(cleaning[p][q] == tails[p] for p in products for q in products):
            return
        arcs = [(0, 0, m.new_bool_var(""))]   # the unit does nothing
        for i, (b, k, x) in enumerate(ops, 1):
            first = m.new_bool_var("")
            arcs += [(0, i, first), (i, 0, m.new_bool_var("")), (i, i, ~x)]
            if last is not None and last != self.product(b):
                self.majors.append(first)
            for j, (c, n, _) in enumerate(ops, 1):
                if i == j or (b == c and n < k):
                    continue
                lit = m.new_bool_var("")
                pb, pc = self.product(b), self.product(c)
                m.add(self.var[c, n][0] >= self.var[b, k][1] + cleaning[pb][pc]).only_enforce_if(lit)
                arcs.append((i, j, lit))
                if pb != pc:
                    self.majors.append(lit)
        m.add_circuit(arcs)
        self.arcs[unit] = arcs

    def lab(self) -> None:
        """Each batch's release tests after its last step, on an instrument and a qualified analyst each."""
        m, problem, H = self.m, self.problem, self.problem.horizon
        self.tests: dict[tuple[int, int], Any] = {}
        self.test_on: dict[tuple[int, int], list[tuple[str, Any]]] = {}
        self.by_analyst: dict[tuple[int, int], list[tuple[str, Any]]] = {}
        self.release: dict[int, Any] = {}
        instruments: dict[str, list[Any]] = {}
        analysts: dict[str, list[Any]] = {}
        now = self.start.now
        for t in self.start.tests:   # tests under way keep their instrument and analyst until they are done
            if t.end > now and t.unit:
                instruments.setdefault(t.unit, []).append(m.new_fixed_size_interval_var(now, t.end - now, ""))
            if t.start + problem.tests[t.step].attended > now and t.analyst:
                analysts.setdefault(t.analyst, []).append(
                    m.new_fixed_size_interval_var(now, t.start + problem.tests[t.step].attended - now, ""))
        for b in self.batches if problem.tests else ():
            last = len(problem.recipes[self.product(b)]) - 1
            made = self.var[b, last][1] if (b, last) in self.var else self.fixed[b][-1].end
            done = {t.step: t for t in self.fixed_tests.get(b, [])}
            ends = [t.end for t in done.values()]
            for i, test in enumerate(problem.tests):
                if i in done:
                    continue
                if self.start.now > H:   # (a replan after the horizon: a batch late past it waits for its tests)
                    raise PlanError(f"batch {b}'s release test {test.name} cannot start by the horizon "
                                    f"({H / HOUR:g} h): the plan is made at {self.start.now / HOUR:g} h")
                s = m.new_int_var(self.start.now, H, f"t{b}_{i}")
                m.add(s >= made)
                self.tests[b, i] = s
                ends.append(s + test.time)
                self.test_on[b, i] = [(u, m.new_bool_var("")) for u in test.instruments]
                self.by_analyst[b, i] = [(a, m.new_bool_var("")) for a in test.analysts]
                for group, pool, size in ((self.test_on[b, i], instruments, test.time),
                                          (self.by_analyst[b, i], analysts, test.attended)):
                    if group:
                        m.add_exactly_one(x for _, x in group)
                    for name, x in group:
                        pool.setdefault(name, []).append(m.new_optional_fixed_size_interval_var(s, size, x, ""))
            release = m.new_int_var(0, H + max(t.time for t in problem.tests), f"r{b}")
            m.add_max_equality(release, ends)
            self.release[b] = release
        for pool in (*instruments.values(), *analysts.values()):
            m.add_no_overlap(pool)

    def finish(self, b: int):
        """When batch ``b`` is released (a variable, or a number if all of it is fixed)."""
        if b in self.release:
            return self.release[b]
        last = len(self.problem.recipes[self.product(b)]) - 1
        return self.var[b, last][1] if (b, last) in self.var else self.fixed[b][-1].end

    def objective(self) -> None:
        m, problem, H = self.m, self.problem, self.problem.horizon
        w = problem.weights
        ends = [self.var[b, len(problem.recipes[self.product(b)]) - 1][1] for b in self.batches
                if (b, len(problem.recipes[self.product(b)]) - 1) in self.var]
        ends += [op.end for ops in self.fixed.values() for op in ops[-1:]]
        self.makespan = m.new_int_var(0, H, "makespan")
        m.add_max_equality(self.makespan, ends)
        terms = [round(100 * w["makespan"]) * self.makespan]
        self.late = {}
        for b in self.batches:
            batch = problem.batches[b]
            late = self.late[b] = m.new_int_var(0, 2 * H, f"late{b}")
            m.add(late >= self.finish(b) - batch.due)
            terms.append(round(100 * w["tardiness"] * batch.priority) * late)
        terms.append(round(100 * w["major_cleans"] * HOUR) * sum(self.majors))
        if w.get("lab") and self.release:
            terms.append(round(100 * w["lab"]) * sum(self.release.values()))
        m.minimize(sum(terms))

    def hint(self, plan: Plan) -> None:
        """Start the search from ``plan``'s starts, units, sequences and tests (complete if the plan covers the
        batches planned)."""
        m, ops = self.m, plan.operations
        for (b, k), (s, e) in self.var.items():
            if b < len(ops) and k < len(ops[b]):
                m.add_hint(s, ops[b][k].start)
                m.add_hint(e, ops[b][k].end)
        for unit, on in self.on.items():
            for b, k, x in on:
                if b < len(ops) and k < len(ops[b]):
                    m.add_hint(x, ops[b][k].unit == unit)
        for unit, arcs in self.arcs.items():
            sequence = [(op.batch, op.step) for op in plan.sequences().get(unit, [])
                        if (op.batch, op.step) in self.var]
            node = {(b, k): i for i, (b, k, _) in enumerate(self.on[unit], 1)}
            used = {(node[a], node[c]) for a, c in zip(sequence, sequence[1:])}
            if sequence:
                used |= {(0, node[sequence[0]]), (node[sequence[-1]], 0)}
            else:
                used.add((0, 0))
            for i, j, lit in arcs:
                if i != j or not i:   # (a unit's self-loop is its presence literal, hinted above)
                    m.add_hint(lit, (i, j) in used)
        m.add_hint(self.makespan, plan.makespan)
        for b, late in self.late.items():
            m.add_hint(late, max(0, plan.released(b) - self.problem.batches[b].due))
        for b, release in self.release.items():
            m.add_hint(release, plan.released(b))
        tests = plan.tests
        for (b, i), s in self.tests.items():
            if b < len(tests) and i < len(tests[b]):
                t = tests[b][i]
                m.add_hint(s, t.start)
                for name, x in self.test_on[b, i]:
                    m.add_hint(x, name == t.unit)
                for name, x in self.by_analyst[b, i]:
                    m.add_hint(x, name == t.analyst)

    def solve(self, time_limit: float, workers: int, seed: int, wall_clock: bool) -> Plan:
        from ortools.sat.python import cp_model  # here, not at the top: a scenario check needs no solver

        solver = cp_model.CpSolver()
        if wall_clock:
            solver.parameters.max_time_in_seconds = time_limit
        else:
            solver.parameters.max_deterministic_time = time_limit
        solver.parameters.num_workers = workers
        solver.parameters.random_seed = seed
        solver.parameters.cp_model_probing_level = 0   # probing costs seconds on big models and finds little here
        status = cpsat.solve(solver, self.m)
        if status == cp_model.INFEASIBLE:
            raise PlanError(infeasible_reason(self.problem, time_limit))
        if status == cp_model.MODEL_INVALID:
            raise RuntimeError(f"invalid CP-SAT model: {self.m.validate()}")
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            raise PlanError(f"no plan found within the time limit of {time_limit:g} s; raise solver.time_limit")
        problem, value = self.problem, solver.value
        unit_of = {(b, k): unit for unit, ops in self.on.items() for b, k, x in ops if value(x)}
        operations: list[list[Operation]] = [list(self.fixed.get(b, [])) for b in range(len(problem.batches))]
        for (b, k), (s, e) in sorted(self.var.items()):
            operations[b].append(Operation(b, k, unit_of[b, k], value(s), value(e)))
        tests: list[list[Operation]] = [sorted(self.fixed_tests.get(b, []), key=lambda t: t.step)
                                        for b in range(len(problem.batches))]
        for (b, i), s in sorted(self.tests.items()):
            instrument = next((u for u, x in self.test_on[b, i] if value(x)), "")
            analyst = next((a for a, x in self.by_analyst[b, i] if value(x)), "")
            tests[b].append(Operation(b, i, instrument, value(s), value(s) + problem.tests[i].time, analyst))
        for t in tests:
            t.sort(key=lambda t: t.step)
        return Plan(problem, operations, solver.objective_value, solver.best_objective_bound,
                    status == cp_model.OPTIMAL, tests if problem.tests else [])


def relaxations(problem: Problem):
    """The problem without each kind of rule in turn, named: hold times, maintenance, operators, the lab."""
    holds = [f"{p}: {s.name} {s.hold / HOUR:g} h" for p, r in problem.recipes.items() for s in r[:-1]
             if s.hold is not None]
    if holds:
        yield (f"the hold-time limits ({'; '.join(holds)})",
               replace(problem, recipes={p: [replace(s, hold=None) for s in r] for p, r in problem.recipes.items()}))
    if problem.closed:
        yield (f"the maintenance windows of {', '.join(sorted(problem.closed))}", replace(problem, closed={}))
    if problem.pools():
        yield ("the operators on shift" + (" and their daily shift" if problem.shift else ""),
               replace(problem, operators=None, crews={}, shift=None))
    if problem.tests:
        yield "the lab's tests within the horizon", replace(problem, tests=())


def feasible(problem: Problem, time_limit: float = 2.0) -> bool:
    """Whether CP-SAT finds any plan within ``time_limit`` deterministic seconds."""
    from ortools.sat.python import cp_model

    solver = cp_model.CpSolver()
    solver.parameters.max_deterministic_time = time_limit
    solver.parameters.stop_after_first_solution = True
    solver.parameters.num_workers = 1
    status = cpsat.solve(solver, Model(problem, SCRATCH, range(len(problem.batches))).m)
    return status in (cp_model.OPTIMAL, cp_model.FEASIBLE)


def infeasible_reason(problem: Problem, time_limit: float = 2.0) -> str:
    """Why no plan fits: a batch that cannot make it alone, an idle resource of the lab, a kind of rule without
    which a plan exists (each looked for in the plan's ``time_limit``, at most 2 deterministic seconds), or the
    work of the busiest step against the horizon."""
    for batch in problem.batches:
        route = sum(s.fastest for s in problem.recipes[batch.product])
        if batch.release + route > problem.horizon:
            return (f"order {batch.order} ({batch.product}): released at {batch.release / HOUR:g} h, its fastest "
                    f"route takes {route / HOUR:g} h, past the horizon of {problem.horizon / HOUR:g} h; "
                    "lengthen the horizon or release the order earlier")
    for test in problem.tests:
        if not test.analysts:
            return f"no analyst is qualified for the lab test '{test.name}'; qualify one in lab.analysts"
    for rule, relaxed in relaxations(problem):
        if feasible(relaxed, min(time_limit, 2.0)):
            return f"no plan keeps {rule}; without them one exists: relax them or lengthen the horizon"
    load: dict[tuple[str, ...], int] = {}
    for batch in problem.batches:
        for step in problem.recipes[batch.product]:
            load[step.units] = load.get(step.units, 0) + step.fastest
    units, work = max(load.items(), key=lambda kv: kv[1] / len(kv[0]))
    return (f"the orders do not fit in the horizon of {problem.horizon / HOUR:g} h: units {', '.join(units)} have "
            f"{work / HOUR:g} h of work between them (before cleaning); lengthen the horizon, add units or "
            "drop orders")
