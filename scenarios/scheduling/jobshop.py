"""Job-shop instances in the OR-Library format, solved with OR-Tools CP-SAT.

The format (Beasley's OR-Library, ``jobshop1.txt``): a line ``n m`` (jobs, machines), then one line per job of
``machine time`` pairs in processing order, machines numbered from 0. Blank lines and ``#`` comments are skipped::

    # ft06 (Fisher & Thompson 1963), optimal makespan 55
    6 6
    2 1  0 3  1 6  3 7  5 3  4 6
    ...

:func:`solve` returns the best makespan found, CP-SAT's proven lower bound and whether the two meet.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ortools.sat.python import cp_model

from scenarios import cpsat
from twin.config import ConfigError

#: The largest sum of all operation times: CP-SAT reports the makespan as a double, exact up to 2**53 only.
MAX_HORIZON = 2**53
_NUMBER = re.compile(r"[0-9]+")  # ASCII digits: str.isdigit() also takes '²', which int() refuses


@dataclass(frozen=True)
class JobShop:
    """``jobs[j]`` is job j's list of ``(machine, time)`` operations in processing order."""

    jobs: list[list[tuple[int, int]]]
    machines: int


@dataclass(frozen=True)
class Solution:
    makespan: int | None        # None when no schedule was found within the time limit
    lower_bound: int
    optimal: bool
    starts: list[list[int]]     # starts[j][k]: start of job j's k-th operation


def parse(text: str, file: str | Path = "<string>") -> JobShop:
    """The instance written in ``text``; a :class:`ConfigError` names the line and what is wrong with it."""
    rows = [(n, line.split("#")[0].split()) for n, line in enumerate(text.splitlines(), 1)]
    rows = [(n, words) for n, words in rows if words]
    if not rows:
        raise ConfigError("the file holds no instance", file=file, expected="a first line 'n m' (jobs machines)")
    line, head = rows[0]
    if len(head) != 2 or not all(_NUMBER.fullmatch(w) and int(w) > 0 for w in head):
        raise ConfigError(f"bad header {' '.join(head)!r}", file=file, line=line,
                          expected="two positive integers 'n m': the numbers of jobs and machines")
    n, m = map(int, head)
    if len(rows) - 1 != n:
        raise ConfigError(f"the header announces {n} jobs but {len(rows) - 1} job lines follow", file=file,
                          line=line, expected=f"{n} lines of 'machine time' pairs", hint="fix n or the job lines")
    jobs, total = [], 0
    for line, words in rows[1:]:
        if not all(_NUMBER.fullmatch(w) for w in words):
            bad = next(w for w in words if not _NUMBER.fullmatch(w))
            raise ConfigError(f"{bad!r} is not a non-negative integer", file=file, line=line,
                              expected="'machine time' pairs of non-negative integers")
        if len(words) % 2:
            raise ConfigError(f"{len(words)} numbers: an odd count cannot be 'machine time' pairs", file=file,
                              line=line, expected="pairs 'machine time'")
        ops = [(int(words[i]), int(words[i + 1])) for i in range(0, len(words), 2)]
        for machine, _ in ops:
            if machine >= m:
                raise ConfigError(f"machine {machine} does not exist", file=file, line=line,
                                  expected=f"machines numbered 0 to {m - 1}",
                                  hint="machines are numbered from 0; the header may give too few machines")
        total += sum(t for _, t in ops)
        if total > MAX_HORIZON:
            raise ConfigError(f"the times add up to {total:.3g} by this line, beyond what the solver counts exactly",
                              file=file, line=line, expected=f"a sum of all times of at most 2**53 ({MAX_HORIZON:.3g})",
                              hint="give the times in a coarser unit (minutes instead of seconds)")
        jobs.append(ops)
    return JobShop(jobs, m)


def read(path: str | Path) -> JobShop:
    """The instance in the file at ``path``."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"no such file: {path}", expected="a job-shop instance in the OR-Library format")
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")   # a byte-order mark (Notepad) is not part of the header
    except UnicodeDecodeError as exc:
        raise ConfigError(f"byte {data[exc.start]:#04x} is not UTF-8 text", file=path,
                          line=data[:exc.start].count(b"\n") + 1,
                          expected="a text file of 'machine time' pairs (OR-Library format)") from None
    return parse(text, path)


def solve(shop: JobShop, time_limit: float = 10.0, workers: int = 0) -> Solution:
    """Minimise the makespan with CP-SAT (interval per operation, no-overlap per machine, precedence per job)."""
    model = cp_model.CpModel()
    horizon = sum(t for job in shop.jobs for _, t in job)
    starts, ends, by_machine = [], [], [[] for _ in range(shop.machines)]
    for j, job in enumerate(shop.jobs):
        starts.append([model.new_int_var(0, horizon, f"s{j}_{k}") for k in range(len(job))])
        ends.append([])
        for k, (machine, t) in enumerate(job):
            end = starts[j][k] + t
            by_machine[machine].append(model.new_fixed_size_interval_var(starts[j][k], t, f"op{j}_{k}"))
            ends[j].append(end)
            if k:
                model.add(starts[j][k] >= ends[j][k - 1])
    makespan = model.new_int_var(0, horizon, "makespan")
    model.add_max_equality(makespan, [job[-1] for job in ends if job] or [0])
    for intervals in by_machine:
        model.add_no_overlap(intervals)
    model.minimize(makespan)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = workers
    status = cpsat.solve(solver, model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Solution(None, int(solver.best_objective_bound), False, [])
    return Solution(int(solver.objective_value), int(solver.best_objective_bound), status == cp_model.OPTIMAL,
                    [[solver.value(s) for s in job] for job in starts])
