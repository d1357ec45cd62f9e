"""The plan on the shop floor: one replication of its execution on the discrete-event clock (SimPy's API).

Operations take random times (lognormal around the planned time, coefficient of variation ``duration_cv``) and units
break down (exponential operating time between failures, mean ``mtbf``, and repair, mean ``mttr``; the operation
resumes after the repair); operators work the daily shift, and each day one stays away with probability
``absence``. Before an operation a unit is cleaned for its product, for the time the cleaning matrix gives from the
product it ran last; it starts nothing that would run into a closed window (planned maintenance).
When a batch's last step is done its samples go to the QC lab: each test runs on an instrument with a qualified
analyst (the analyst busy for the hands-on part), and is run again with probability ``retest``; the batch is
released when all its tests pass. Three policies decide what a unit or instrument does next:

- ``shift_right``: keep the plan: each runs its planned operations in the planned order, each as soon as the
  batch is ready and not before its planned start. With planned times, the plan is reproduced exactly.
- ``replan``: as ``shift_right``, but a breakdown whose repair takes longer than ``replan_after`` re-plans every
  operation not yet started with CP-SAT from the state of the shop floor (what is done, what runs and until when
  it is expected to run), for ``replan_limit`` deterministic seconds; then the new plan is kept, shift right.
- ``dispatch``: forget the plan: a free unit takes, among the ready steps it may do, the one of the batch due first
  (earliest due date, then priority); a free instrument likewise among the waiting tests, with the first free
  qualified analyst.
"""
from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from types import ModuleType
from typing import Any

import numpy as np

import twin.des
from scenarios.line_capacity.model import stream
from scenarios.registry import Run
from scenarios.scheduling import horizon
from scenarios.scheduling.greedy import outside
from scenarios.scheduling.params import Uncertainty
from scenarios.scheduling.plan import DAY, Operation, Plan, PlanError, Problem, Start

POLICIES = ("shift_right", "replan", "dispatch")


class Execution:
    """One replication: the DES processes of the units, instruments and analysts, and what they record.

    ``plan`` is a :class:`Plan` to execute, or only its :class:`Problem` for the ``dispatch`` policy (which makes a
    schedule of its own). ``des`` is ``twin.des`` or ``simpy``.
    """

    def __init__(self, plan: Plan | Problem, uncertainty: Uncertainty | Mapping[str, Any], policy: str,
                 seed: np.random.SeedSequence, des: ModuleType = twin.des) -> None:
        self.plan = plan if isinstance(plan, Plan) else None
        self.problem = problem = plan.problem if self.plan else plan
        self.policy = policy
        self.env = env = des.Environment()
        n = len(problem.batches)
        self.done = [[env.event() for _ in self.recipe(b)] for b in range(n)]
        self.actual: dict[tuple[int, int], tuple[str, float, float]] = {}
        self.lab: dict[tuple[int, int], tuple[str, str, float, float]] = {}   # (b, test) -> instrument, analyst, ...
        self.running: dict[tuple[int, int], tuple[str, float, float]] = {}   # under way: unit, start, expected end
        self.testing: dict[tuple[int, int], Operation] = {}
        units = problem.units()
        instruments = sorted({u for t in problem.tests for u in t.instruments})
        self.time = {u: dict.fromkeys(("busy", "cleaning", "down"), 0.0) for u in units + instruments}
        self.log: list[tuple[float, str, str, int, int]] = []
        u = uncertainty if isinstance(uncertainty, Uncertainty) else Uncertainty.of(uncertainty)
        cv, self.mtbf, self.mttr = u.duration_cv, u.mtbf, u.mttr
        self.retest, self.replan_after, self.replan_limit = u.retest, u.replan_after, u.replan_limit
        self.replans = 0
        self.draw = {u: self.sampler(cv, stream(seed, 1, i)) for i, u in enumerate(units + instruments)}
        self.failures = {u: stream(seed, 2, i) for i, u in enumerate(units)}
        self.tests_rng = stream(seed, 3)
        self.up_left = {u: self.failures[u].exponential(self.mtbf) if self.mtbf else math.inf for u in units}
        self.last: dict[str, str | None] = dict.fromkeys(units)        # product a unit ran last
        self.clean_for: dict[str, str | None] = dict.fromkeys(units)   # product it is cleaned for
        self.staff = {crew: crew_of(des)(env, capacity=n, init=n) for crew, n in problem.pools().items()}
        absence = u.absence
        for i, (crew, n) in enumerate(problem.pools().items()):   # (the general pool first, as before crews)
            if problem.shift:
                env.process(self.shifts(self.staff[crew], n, absence, stream(seed, 4, i)))
            elif absence:
                env.process(self.absences(self.staff[crew], n, absence, stream(seed, 4, i)))
        self.analysts = des.FilterStore(env)
        self.analysts.items.extend(sorted({a for t in problem.tests for a in t.analysts}))
        if policy == "dispatch":
            self.ready: list[tuple[int, int]] = []
            self.waiting: list[tuple[int, int]] = []   # lab tests whose samples are in
            self.changed = env.event()
            env.process(self.release())
            for unit in units:
                env.process(self.dispatch(unit))
            for instrument in instruments:
                env.process(self.dispatch_tests(instrument))
        else:
            self.replanned = env.event()
            self.queue = self.queues(self.plan)
            for name in units + instruments:
                env.process(self.follow(name))
            for t in (t for tests in self.plan.tests for t in tests if not t.unit):
                env.process(self.standalone(t))   # a test without an instrument runs on its own

    def recipe(self, b: int):
        return self.problem.recipes[self.problem.batches[b].product]

    @staticmethod
    def sampler(cv: float, rng: np.random.Generator):
        """Times around a planned mean: exactly the plan when ``cv`` is 0, else lognormal with that mean and cv."""
        if cv == 0:
            return lambda mean: mean
        sigma = math.sqrt(math.log1p(cv * cv))
        return lambda mean: mean * rng.lognormal(-sigma * sigma / 2, sigma)

    def queues(self, plan: Plan) -> dict[str, list[Operation]]:
        """Each unit's and instrument's planned operations not begun yet, in planned order."""
        begun, tested = self.actual.keys() | self.running.keys(), self.lab.keys() | self.testing.keys()
        return {name: [op for op in sequence if (op.batch, op.step) not in (begun if name in self.last else tested)]
                for name, sequence in plan.sequences().items() if name}

    # -- what every unit does -----------------------------------------------------------------------------------
    def operate(self, unit: str, b: int, k: int):
        """Run step ``k`` of batch ``b`` on ``unit`` with its operators, through breakdowns and repairs."""
        env, step = self.env, self.recipe(b)[k]
        product = self.problem.batches[b].product
        yield from self.clean(unit, product)
        closed = self.problem.closed.get(unit, ())
        ready = outside(env.now, step.time_on(unit) + min(self.problem.cleaning[product].values()), closed)
        if ready > env.now:   # not into planned maintenance
            yield env.timeout(ready - env.now)
        crew = self.staff.get(step.crew) if step.operators else None
        while crew is not None:
            yield crew.get(step.operators)
            wait = self.off_shift(env.now)
            if not wait:
                break
            yield crew.put(step.operators)   # (handed back after the shift's end by someone's overtime)
            yield env.timeout(wait)
        start = env.now
        self.log.append((start, unit, "start", b, k))
        work = self.draw[unit](step.time_on(unit))
        self.running[b, k] = (unit, start, start + work)
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
                self.running[b, k] = (unit, start, env.now + repair + work)
                if self.policy == "replan" and repair > self.replan_after:
                    self.replan()
                yield env.timeout(repair)
                self.log.append((env.now, unit, "repaired", b, k))
                self.up_left[unit] = self.failures[unit].exponential(self.mtbf)
        if crew is not None:
            yield crew.put(step.operators)
        self.log.append((env.now, unit, "end", b, k))
        del self.running[b, k]
        self.actual[b, k] = (unit, start, env.now)
        self.last[unit], self.clean_for[unit] = product, None
        self.done[b][k].succeed()

    def clean(self, unit: str, product: str):
        """Clean ``unit`` for ``product`` unless it is clean for it (a new unit is)."""
        last = self.last[unit]
        if last is not None and self.clean_for[unit] != product:
            t = self.problem.cleaning[last][product]
            self.time[unit]["cleaning"] += t
            self.clean_for[unit] = product
            yield self.env.timeout(t)

    def test(self, instrument: str, b: int, i: int, analyst: str | None = None):
        """Run lab test ``i`` of batch ``b`` on ``instrument`` with ``analyst`` (or the first qualified one free),
        again while it fails."""
        env, test = self.env, self.problem.tests[i]
        self.testing[b, i] = Operation(b, i, instrument, round(env.now), round(env.now + test.time), analyst or "")
        who = yield self.analysts.get(lambda a: a == analyst if analyst else a in test.analysts)
        start = env.now
        self.testing[b, i] = Operation(b, i, instrument, round(start), round(start + test.time), who)
        self.log.append((start, instrument or who, "test", b, i))
        while True:
            time = self.draw[instrument](test.time) if instrument else test.time
            attended = min(time, time * test.attended / test.time) if test.time else 0.0   # (x * 3 / 3 > x)
            yield env.timeout(attended)
            yield self.analysts.put(who)
            yield env.timeout(time - attended)
            if instrument:
                self.time[instrument]["busy"] += time
            if self.tests_rng.random() >= self.retest:
                break
            self.log.append((env.now, instrument or who, "retest", b, i))
            who = yield self.analysts.get(lambda a, again=who: a == again)
        self.lab[b, i] = (instrument, who, start, env.now)
        del self.testing[b, i]

    def absences(self, staff, capacity: int, p: float, rng: np.random.Generator):
        """Each day each operator on shift stays away with probability ``p`` (taken from the pool as they come free;
        those back the next day return before anyone waiting is served), until the last step is done."""
        steps, away = sum(len(d) for d in self.done), 0
        while len(self.actual) < steps:
            today = int(rng.binomial(capacity, p))
            if today > away:
                yield staff.leave(today - away)
            elif today < away:
                yield staff.put(away - today)
            away = today
            yield self.env.timeout(DAY - self.env.now % DAY)

    def off_shift(self, t: float) -> float:
        """How long until the operators' shift starts again (0 while it runs, or without a shift)."""
        if not self.problem.shift:
            return 0.0
        start, end = self.problem.shift
        phase = (t - start) % DAY
        return 0.0 if phase < ((end - start) % DAY or DAY) else DAY - phase

    def shifts(self, staff, capacity: int, p: float, rng: np.random.Generator):
        """Operators come at the shift's start (each absent that day with probability ``p``) and go home at its end,
        each after the operation in hand (overtime), until the last step is done."""
        env, steps = self.env, sum(len(d) for d in self.done)
        start, end = self.problem.shift
        length = (end - start) % DAY or DAY
        at_work = capacity - (int(rng.binomial(capacity, p)) if p else 0)
        if (env.now - start) % DAY >= length:   # the pool starts full: off shift at time 0, all go home
            at_work = 0
        if at_work < capacity:
            yield staff.leave(capacity - at_work)
        while len(self.actual) < steps:
            phase = (env.now - start) % DAY % DAY   # (-7e-12 % DAY is DAY in floats: the shift's start, not its end)
            if phase < length:   # on shift until it ends
                yield env.timeout(length - phase)
                if at_work:
                    yield staff.leave(at_work)
                at_work = 0
            else:
                yield env.timeout(DAY - phase)
                at_work = capacity - (int(rng.binomial(capacity, p)) if p else 0)
                if at_work:
                    yield staff.put(at_work)

    # -- the policies ---------------------------------------------------------------------------------------------
    def follow(self, name: str):
        """``shift_right`` and ``replan``: the planned operations of a unit or instrument in the planned order, none
        before its planned start (what is planned changes when the plan does)."""
        env, lab = self.env, name not in self.last
        while True:
            queue = self.queue.get(name)
            if not queue:
                if self.policy != "replan":
                    return
                yield self.replanned
                continue
            op = queue[0]
            if not lab:
                yield from self.clean(name, self.problem.batches[op.batch].product)
            ready = self.done[op.batch][-1 if lab else op.step - 1] if lab or op.step else None
            if self.policy != "replan":
                if ready is not None:
                    yield ready
                if op.start > env.now:
                    yield env.timeout(op.start - env.now)
            else:
                wait = [ready] if ready is not None and not ready.triggered else []
                if op.start > env.now:
                    wait.append(env.timeout(op.start - env.now))
                if wait:
                    yield env.all_of(wait) | self.replanned
                    if not all(e.processed for e in wait):
                        continue   # re-planned before it was ready
            if self.queue.get(name) is not queue or queue[0] is not op:
                continue   # re-planned meanwhile
            queue.pop(0)
            if lab:
                yield from self.test(name, op.batch, op.step, op.analyst)
            else:   # begun: a re-plan leaves it where it is
                expected = env.now + self.recipe(op.batch)[op.step].time_on(name)
                self.running[op.batch, op.step] = (name, env.now, expected)
                yield from self.operate(name, op.batch, op.step)

    def standalone(self, t: Operation):
        """A planned test without an instrument: once the batch is made and its planned start is due."""
        yield self.done[t.batch][-1]
        if t.start > self.env.now:
            yield self.env.timeout(t.start - self.env.now)
        yield from self.test("", t.batch, t.step, t.analyst)

    def replan(self) -> None:
        """``replan``: plan again every operation not started, from what is done and what runs now."""
        now = round(self.env.now)
        fixed = [Operation(b, k, u, round(s), round(e)) for (b, k), (u, s, e) in self.actual.items()]
        fixed += [Operation(b, k, u, round(s), max(now, round(e))) for (b, k), (u, s, e) in self.running.items()]
        tests = [Operation(b, i, u, round(s), round(e), a) for (b, i), (u, a, s, e) in self.lab.items()]
        tests += [replace_end(t, now) for t in self.testing.values()]
        try:
            plan = horizon.plan(self.problem, self.replan_limit, start=Start(now, tuple(fixed), tuple(tests)))
        except PlanError:
            return   # (nothing better found: the plan stands)
        self.replans += 1
        self.log.append((self.env.now, "planner", "replan", -1, -1))
        self.queue = self.queues(plan)
        replanned, self.replanned = self.replanned, self.env.event()
        replanned.succeed()

    def release(self):
        """``dispatch``: batches become ready at their release dates."""
        batches = self.problem.batches
        for b in sorted(range(len(batches)), key=lambda b: batches[b].release):
            if batches[b].release > self.env.now:
                yield self.env.timeout(batches[b].release - self.env.now)
            self.make_ready(b, 0)

    def make_ready(self, b: int, k: int) -> None:
        if k < len(self.recipe(b)):
            self.ready.append((b, k))
        for i, test in enumerate(self.problem.tests if k == len(self.recipe(b)) else ()):
            if test.instruments:
                self.waiting.append((b, i))
            else:   # (a test without an instrument needs only its analyst)
                self.env.process(self.test("", b, i))
        changed, self.changed = self.changed, self.env.event()
        changed.succeed()

    def dispatch(self, unit: str):
        """``dispatch``: take the ready step of the batch due first that ``unit`` may do; else wait for a change."""
        batches = self.problem.batches
        while True:
            mine = [(batches[b].due, -batches[b].priority, b, k) for b, k in self.ready
                    if unit in self.recipe(b)[k].units]
            if not mine:
                yield self.changed
                continue
            *_, b, k = min(mine)
            self.ready.remove((b, k))
            yield from self.operate(unit, b, k)
            self.make_ready(b, k + 1)

    def dispatch_tests(self, instrument: str):
        """``dispatch``: the waiting test of the batch due first that ``instrument`` may run."""
        batches, tests = self.problem.batches, self.problem.tests
        while True:
            mine = [(batches[b].due, -batches[b].priority, b, i) for b, i in self.waiting
                    if instrument in tests[i].instruments]
            if not mine:
                yield self.changed
                continue
            *_, b, i = min(mine)
            self.waiting.remove((b, i))
            yield from self.test(instrument, b, i)

    # -- the outcome ----------------------------------------------------------------------------------------------
    def operations(self) -> list[list[Operation]]:
        """What was done, batch by batch and step by step (times rounded to whole seconds)."""
        return [[self.operation(b, k) for k in range(len(self.recipe(b)))] for b in range(len(self.problem.batches))]

    def operation(self, b: int, k: int) -> Operation:
        unit, start, end = self.actual[b, k]
        return Operation(b, k, unit, round(start), round(end))

    def run(self) -> Run:
        self.env.run()
        batches, tests = self.problem.batches, self.problem.tests
        missing = sum(len(d) for d in self.done) - len(self.actual) + len(batches) * len(tests) - len(self.lab)
        if missing:
            raise RuntimeError(f"{missing} operations never ran: the execution deadlocked")
        made = [self.actual[b, len(self.recipe(b)) - 1][2] for b in range(len(batches))]
        finish = [max([made[b]] + [self.lab[b, i][3] for i in range(len(tests))]) for b in range(len(batches))]
        late = np.maximum(0.0, np.array(finish) - [b.due for b in batches])
        violations = sum(self.actual[b, k + 1][1] - self.actual[b, k][2] > step.hold
                         for b in range(len(batches)) for k, step in enumerate(self.recipe(b)[:-1])
                         if step.hold is not None)
        makespan = max(made)
        for unit, windows in self.problem.closed.items():   # planned maintenance counts as down time
            if unit in self.time:
                self.time[unit]["down"] += sum(max(0, min(hi, makespan) - lo) for lo, hi in windows)
        flow = sum(f - self.actual[b, 0][1] for b, f in enumerate(made))
        production = [u for u in self.time if u in self.last]
        total = makespan * len(production)
        kpis = {"makespan": float(makespan), "on_time": float(np.mean(late == 0)),
                "tardiness": float(late.mean()), "tardiness.max": float(late.max()),
                "hold_violations": float(violations), "wip": flow / makespan,
                **{f"utilisation.{kind}": sum(self.time[u][kind] for u in production) / total
                   for kind in ("busy", "cleaning", "down")},
                "utilisation.idle": 1 - sum(sum(self.time[u].values()) for u in production) / total}
        units = {"makespan": "s", "on_time": "-", "tardiness": "s", "tardiness.max": "s", "hold_violations": "-",
                 "wip": "batches", **{k: "-" for k in kpis if k.startswith("utilisation.")}}
        if tests:
            kpis["lab_lead_time"] = float(np.mean(np.array(finish) - made))
            kpis["lab_lead_time.max"] = float(np.max(np.array(finish) - made))
            units |= {"lab_lead_time": "s", "lab_lead_time.max": "s"}
        if self.policy == "replan":
            kpis["replans"] = float(self.replans)
            units["replans"] = "-"
        if self.plan:
            plan = {f"plan.{k}": float(v) for k, v in self.plan.kpis().items()}
            kpis |= plan
            units |= {k: "-" if k.split(".")[1] in ("on_time", "major_cleans", "gap") else "s" for k in plan}
        log = self.log
        events = {"t": np.array([e[0] for e in log], dtype=float),
                  "source": np.array([e[1] for e in log], dtype=object),
                  "event": np.array([e[2] for e in log], dtype=object), "batch": np.array([e[3] for e in log]),
                  "step": np.array([e[4] for e in log])}
        return Run(kpis=kpis, units=units, events=events)


@functools.cache
def crew_of(des: ModuleType) -> type:
    """The class of a crew on ``des``: a Container of operators whose requests are served first come, first served,
    but from which those going home or staying away (:meth:`leave`) are taken as soon as they are free, even past
    a step waiting for more operators than are in (which would otherwise block them, and the day, for ever).

    With steps of one operator each, or without absences, a request that cannot be met means nobody is free, so
    leaving out of turn never happens and the order is the Container's."""

    class Crew(des.Container):
        leaving = None   # the pending request of those leaving (at most one: one process per crew takes them)

        def leave(self, amount: int):
            """Take ``amount`` operators out of the pool; triggered when they are free (after the work in hand)."""
            self.leaving = self.get(amount)
            self.serve_leaving()
            return self.leaving

        def _trigger_get(self, put_event):
            super()._trigger_get(put_event)
            self.serve_leaving()

        def serve_leaving(self) -> None:
            event = self.leaving
            if event is not None and not event.triggered and self.level >= event.amount:
                self.get_queue.remove(event)
                self._level -= event.amount
                event.succeed()

    return Crew


def replace_end(t: Operation, now: int) -> Operation:
    """A test under way, expected to end no sooner than now."""
    return Operation(t.batch, t.step, t.unit, t.start, max(now, t.end), t.analyst)
