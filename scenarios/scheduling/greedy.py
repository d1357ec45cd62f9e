"""A plan in one pass, without search: the serial schedule-generation scheme (Kolisch, EJOR 90, 1996).

Batches are taken in order of release, then due date, then priority. Each step of a batch goes to the unit that
finishes it first, no sooner than the unit is free and cleaned, outside its closed windows and when enough operators
are free; a step that would leave the intermediate waiting longer than its hold time pushes the steps before it
later. Then each lab test takes the instrument and qualified analyst that can start it first. Units, instruments and
analysts only ever append work, so the plan keeps every rule of :mod:`~scenarios.scheduling.plan` (except the horizon,
which a caller checks with :func:`fits`). It is the hint CP-SAT starts from, and the plan of a window CP-SAT could not
finish in time.
"""
from __future__ import annotations

from collections.abc import Sequence

from scenarios.scheduling.plan import SCRATCH, Operation, Plan, Problem, Start

PUSHES = 200   # hold-time repairs tried per batch before accepting the wait


class Staff:
    """Operators at work over time, never more than ``capacity``."""

    def __init__(self, capacity: int | None) -> None:
        self.capacity, self.work = capacity, []   # work: (start, end, operators)

    def earliest(self, t: int, duration: int, need: int) -> int:
        """The earliest time from ``t`` at which ``need`` operators are free for ``duration``."""
        if not need or self.capacity is None:
            return t
        later = [w for w in self.work if w[1] > t]
        for c in [t] + sorted({e for _, e, _ in later}):
            points = [c] + [s for s, _, _ in later if c < s < c + duration]
            if all(sum(n for s, e, n in later if s <= p < e) + need <= self.capacity for p in points):
                return c
        return t   # (only if a single step needs more than on shift: refused at load)

    def add(self, start: int, end: int, need: int) -> None:
        if need and self.capacity is not None:
            self.work.append((start, end, need))


ANYONE = Staff(None)   # the operators of a step when none are counted


def outside(t: int, length: int, closed: Sequence[tuple[int, int]]) -> int:
    """The earliest time from ``t`` at which ``[t, t + length)`` misses every closed window."""
    moved = True
    while moved:
        moved = False
        for lo, hi in closed:
            if t < hi and lo < t + length:
                t, moved = hi, True
    return t


def place(problem: Problem, free: dict[str, tuple[int, str | None]], staff: dict[str | None, Staff], b: int, k: int,
          est: int) -> Operation:
    """Step ``k`` of batch ``b`` on the unit that finishes it first from ``est`` on, a clean longer than the
    shortest counted twice (it delays this step, and the products that would have followed without it)."""
    product = problem.batches[b].product
    step, best = problem.recipes[product][k], None
    tail = min(problem.cleaning[product].values())
    for unit in step.units:
        t0, last = free.get(unit, (0, None))
        d = step.time_on(unit)
        clean = problem.cleaning[last][product] if last else 0
        t = max(est, t0 + clean)
        while True:
            t = outside(t, d + tail, problem.closed.get(unit, ()))
            s = staff.get(step.crew, ANYONE).earliest(t, d, step.operators)
            if s == t:
                break
            t = s
        score = (t + d + clean - tail, t)   # the clean beyond the shortest counted twice: keep campaigns together
        if best is None or score < best[0]:
            best = score, Operation(b, k, unit, t, t + d)
    return best[1]


def greedy(problem: Problem, start: Start = SCRATCH, batches: Sequence[int] | None = None) -> Plan:
    """The serial schedule of ``batches`` (default: all) from ``start``; objective and bound are left at 0."""
    free: dict[str, tuple[int, str | None]] = {}   # unit -> (free from, product it last ran)
    for op in sorted(start.fixed, key=lambda op: op.end):
        free[op.unit] = (op.end, problem.batches[op.batch].product)
    staff = {crew: Staff(capacity) for crew, capacity in problem.pools().items()}
    for crew, capacity in problem.pools().items():
        for lo, hi in problem.off_shift():
            staff[crew].add(lo, hi, capacity)
    for op in start.fixed:
        step = problem.recipes[problem.batches[op.batch].product][op.step]
        if op.end > start.now:
            staff.get(step.crew, ANYONE).add(op.start, op.end, step.operators)
    busy: dict[str, int] = {}   # lab instruments and analysts -> free from
    for t in start.tests:
        busy[t.unit] = max(busy.get(t.unit, 0), t.end)
        busy["@" + t.analyst] = max(busy.get("@" + t.analyst, 0), t.start + problem.tests[t.step].attended)
    operations = [sorted((op for op in start.fixed if op.batch == b), key=lambda op: op.step)
                  for b in range(len(problem.batches))]
    tests = [sorted((t for t in start.tests if t.batch == b), key=lambda t: t.step)
             for b in range(len(problem.batches))]
    todo = range(len(problem.batches)) if batches is None else batches
    key = {b: (problem.batches[b].release, problem.batches[b].due, -problem.batches[b].priority, b) for b in todo}
    for b in sorted(todo, key=key.get):
        product = problem.batches[b].product
        recipe, done = problem.recipes[product], len(operations[b])
        ready = max(start.now, operations[b][-1].end if done else problem.batches[b].release)

        est = {k: ready for k in range(done, len(recipe))}
        placed: dict[int, Operation] = {}
        k, pushes = done, 0
        while k < len(recipe):
            op = placed[k] = place(problem, free, staff, b, k, est[k])
            hold = recipe[k - 1].hold if k > done else None
            if hold is not None and op.start - placed[k - 1].end > hold and pushes < PUSHES:
                before = placed[k - 1]
                est[k - 1] = max(est[k - 1], op.start - hold - (before.end - before.start), before.start + 1)
                k, pushes = k - 1, pushes + 1
                continue
            if k + 1 < len(recipe):
                est[k + 1] = max(est[k + 1], op.end)
            k += 1
        for k in range(done, len(recipe)):
            op = placed[k]
            operations[b].append(op)
            free[op.unit] = (op.end, product)
            staff.get(recipe[k].crew, ANYONE).add(op.start, op.end, recipe[k].operators)
        made = operations[b][-1].end
        for i, test in enumerate(problem.tests):
            if any(t.step == i for t in tests[b]):
                continue
            options = [(max(made, start.now, busy.get(u, 0), busy.get("@" + a, 0)), u, a)
                       for u in test.instruments or ("",) for a in test.analysts or ("",)]
            s, unit, analyst = min(options)
            tests[b].append(Operation(b, i, unit, s, s + test.time, analyst))
            if unit:
                busy[unit] = s + test.time
            if analyst:
                busy["@" + analyst] = s + test.attended
        tests[b].sort(key=lambda t: t.step)
    return Plan(problem, operations, 0.0, 0.0, False, tests if problem.tests else [])


def fits(plan: Plan, batches: Sequence[int] | None = None) -> bool:
    """Whether ``batches`` of ``plan`` (default: all) start no later than the horizon allows."""
    H = plan.problem.horizon
    todo = range(len(plan.operations)) if batches is None else batches
    return all(op.end <= H for b in todo for op in plan.operations[b]) and all(
        t.start <= H for b in todo for t in (plan.tests[b] if plan.tests else ()))
