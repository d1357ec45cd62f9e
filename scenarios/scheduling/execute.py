"""The plan on the shop floor: one replication of its execution on the discrete-event clock (SimPy's API).

Operations take random times (lognormal around the planned time, coefficient of variation ``duration_cv``) and units
break down (exponential operating time between failures, mean ``mtbf``, and repair, mean ``mttr``; the operation
resumes after the repair). A unit cleans as soon as it finishes, for the time the cleaning matrix gives between the
product it ran and the next. Two policies decide what a unit does next:

- ``shift_right``: keep the plan: each unit runs its planned operations in the planned order, each as soon as the
  batch's previous step is done and not before its planned start. With planned times, the plan is reproduced exactly.
- ``dispatch``: forget the plan: a free unit takes, among the ready steps it may do, the one of the batch due first
  (earliest due date, then priority).
"""
from __future__ import annotations

import math
from types import ModuleType

import numpy as np

import twin.des
from scenarios.line_capacity.model import stream
from scenarios.registry import Run
from scenarios.scheduling.plan import HOUR, Operation, Plan, Problem

POLICIES = ("shift_right", "dispatch")


class Execution:
    """One replication: the DES processes of the units and what they record.

    ``plan`` is a :class:`Plan` to execute, or only its :class:`Problem` for the ``dispatch`` policy (which makes a
    schedule of its own: with planned times, the hint CP-SAT starts from). ``des`` is ``twin.des`` or ``simpy``.
    """

    def __init__(self, plan: Plan | Problem, uncertainty, policy: str, seed: np.random.SeedSequence,
                 des: ModuleType = twin.des) -> None:
        self.plan = plan if isinstance(plan, Plan) else None
        self.problem = plan.problem if self.plan else plan
        self.env = env = des.Environment()
        self.done = [[env.event() for _ in self.recipe(b)] for b in range(len(self.problem.batches))]
        self.actual: dict[tuple[int, int], tuple[str, float, float]] = {}
        units = sorted({u for recipe in self.problem.recipes.values() for step in recipe for u in step.units})
        self.time = {u: dict.fromkeys(("busy", "cleaning", "down"), 0.0) for u in units}
        self.log: list[tuple[float, str, str, int, int]] = []
        cv, self.mtbf, self.mttr = uncertainty["duration_cv"], uncertainty["mtbf"], uncertainty["mttr"]
        self.draw = {u: self.sampler(cv, stream(seed, 1, i)) for i, u in enumerate(units)}
        self.failures = {u: stream(seed, 2, i) for i, u in enumerate(units)}
        self.up_left = {u: self.failures[u].exponential(self.mtbf) if self.mtbf else math.inf for u in units}
        staff = self.problem.operators
        self.staff = des.Container(env, capacity=staff, init=staff) if staff else None
        if policy == "shift_right":
            for unit, sequence in self.plan.sequences().items():
                env.process(self.follow(unit, sequence))
        else:
            self.ready: list[tuple[int, int]] = []
            self.changed = env.event()
            env.process(self.release())
            for unit in units:
                env.process(self.dispatch(unit))

    def recipe(self, b: int):
        return self.problem.recipes[self.problem.batches[b].product]

    @staticmethod
    def sampler(cv: float, rng: np.random.Generator):
        """Times around a planned mean: exactly the plan when ``cv`` is 0, else lognormal with that mean and cv."""
        if cv == 0:
            return lambda mean: mean
        sigma = math.sqrt(math.log1p(cv * cv))
        return lambda mean: mean * rng.lognormal(-sigma * sigma / 2, sigma)

    # -- what every unit does -----------------------------------------------------------------------------------
    def operate(self, unit: str, b: int, k: int):
        """Run step ``k`` of batch ``b`` on ``unit`` with its operators, through breakdowns and repairs."""
        env, operators = self.env, self.recipe(b)[k].operators
        if operators and self.staff is not None:
            yield self.staff.get(operators)
        start = env.now
        self.log.append((start, unit, "start", b, k))
        work = self.draw[unit](self.recipe(b)[k].time)
        while work > 0:
            run = min(work, self.up_left[unit])
            self.time[unit]["busy"] += run
            yield env.timeout(run)
            work -= run
            self.up_left[unit] -= run
            if self.up_left[unit] <= 0:
                repair = self.failures[unit].exponential(self.mttr)
                self.log.append((env.now, unit, "breakdown", b, k))
                self.time[unit]["down"] += repair
                yield env.timeout(repair)
                self.log.append((env.now, unit, "repaired", b, k))
                self.up_left[unit] = self.failures[unit].exponential(self.mtbf)
        if operators and self.staff is not None:
            yield self.staff.put(operators)
        self.log.append((env.now, unit, "end", b, k))
        self.actual[b, k] = (unit, start, env.now)
        self.done[b][k].succeed()

    def clean(self, unit: str, after: int | None, before: int):
        if after is not None:
            batches = self.problem.batches
            t = self.problem.cleaning[batches[after].product][batches[before].product]
            self.time[unit]["cleaning"] += t
            yield self.env.timeout(t)

    # -- the policies ---------------------------------------------------------------------------------------------
    def follow(self, unit: str, sequence):
        """``shift_right``: the planned operations of ``unit`` in the planned order, none before its planned start."""
        previous = None
        for op in sequence:
            yield from self.clean(unit, previous, op.batch)
            if op.step:
                yield self.done[op.batch][op.step - 1]
            if op.start > self.env.now:
                yield self.env.timeout(op.start - self.env.now)
            yield from self.operate(unit, op.batch, op.step)
            previous = op.batch

    def release(self):
        """``dispatch``: batches become ready at their release dates."""
        batches = self.problem.batches
        for b in sorted(range(len(batches)), key=lambda b: batches[b].release):
            if batches[b].release > self.env.now:
                yield self.env.timeout(batches[b].release - self.env.now)
            self.make_ready(b, 0)

    def make_ready(self, b: int, k: int) -> None:
        self.ready.append((b, k))
        changed, self.changed = self.changed, self.env.event()
        changed.succeed()

    def dispatch(self, unit: str):
        """``dispatch``: take the ready step of the batch due first that ``unit`` may do; else wait for a change."""
        batches, previous = self.problem.batches, None
        while True:
            mine = [(batches[b].due, -batches[b].priority, b, k) for b, k in self.ready
                    if unit in self.recipe(b)[k].units]
            if not mine:
                yield self.changed
                continue
            *_, b, k = min(mine)
            self.ready.remove((b, k))
            yield from self.clean(unit, previous, b)
            yield from self.operate(unit, b, k)
            previous = b
            if k + 1 < len(self.recipe(b)):
                self.make_ready(b, k + 1)

    # -- the outcome ----------------------------------------------------------------------------------------------
    def operations(self) -> list[list[Operation]]:
        """What was done, batch by batch and step by step (times rounded to whole seconds)."""
        return [[self.operation(b, k) for k in range(len(self.recipe(b)))] for b in range(len(self.problem.batches))]

    def operation(self, b: int, k: int) -> Operation:
        unit, start, end = self.actual[b, k]
        return Operation(b, k, unit, round(start), round(end))

    def run(self) -> Run:
        self.env.run()
        batches = self.problem.batches
        missing = sum(len(d) for d in self.done) - len(self.actual)
        if missing:
            raise RuntimeError(f"{missing} operations never ran: the execution deadlocked")
        finish = [self.actual[b, len(self.recipe(b)) - 1][2] for b in range(len(batches))]
        late = np.maximum(0.0, np.array(finish) - [b.due for b in batches])
        violations = sum(self.actual[b, k + 1][1] - self.actual[b, k][2] > step.hold
                         for b in range(len(batches)) for k, step in enumerate(self.recipe(b)[:-1])
                         if step.hold is not None)
        makespan = max(finish)
        flow = sum(f - self.actual[b, 0][1] for b, f in enumerate(finish))
        total = makespan * len(self.time)
        kpis = {"makespan": makespan / HOUR, "on_time": float(np.mean(late == 0)),
                "tardiness": float(late.mean()) / HOUR, "tardiness.max": float(late.max()) / HOUR,
                "hold_violations": float(violations), "wip": flow / makespan,
                **{f"utilisation.{kind}": sum(t[kind] for t in self.time.values()) / total
                   for kind in ("busy", "cleaning", "down")},
                "utilisation.idle": 1 - sum(sum(t.values()) for t in self.time.values()) / total,
                **({f"plan.{k}": float(v) for k, v in self.plan.kpis().items()} if self.plan else {})}
        units = {"makespan": "h", "on_time": "-", "tardiness": "h", "tardiness.max": "h", "hold_violations": "-",
                 "wip": "batches", **{k: "-" for k in kpis if k.startswith("utilisation.")},
                 "plan.makespan": "h", "plan.tardiness": "h", "plan.on_time": "-", "plan.major_cleans": "-",
                 "plan.gap": "-"}
        log = self.log
        events = {"t": np.array([e[0] for e in log]) / HOUR, "source": np.array([e[1] for e in log], dtype=object),
                  "event": np.array([e[2] for e in log], dtype=object), "batch": np.array([e[3] for e in log]),
                  "step": np.array([e[4] for e in log])}
        return Run(kpis=kpis, units=units, events=events)
