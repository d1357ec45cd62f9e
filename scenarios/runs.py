"""Replications: independent seeds from one SeedSequence, one task per (variant, replication).

Replication ``r`` of every variant runs on the child ``r`` of ``SeedSequence(seed)``: the same seed reproduces the
same result bit for bit, wherever the task runs, and variants share their random numbers (common random numbers:
the difference between two variants is the effect of the change, not of luck). A task that raises becomes a
:class:`Failure` naming its variant and seed, and the others carry on.
"""
from __future__ import annotations

import time
import traceback
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from scenarios.registry import Run, get_study
from scenarios.scenario import Scenario, plain


@dataclass(frozen=True)
class Task:
    """One replication of one variant: everything a worker needs, as plain picklable data."""

    study: str
    variant: str
    replication: int
    seed: int
    params: Mapping[str, Any]

    @property
    def seed_sequence(self) -> np.random.SeedSequence:
        return np.random.SeedSequence(self.seed, spawn_key=(self.replication,))

    def describe(self) -> str:
        return f"variant '{self.variant}', replication {self.replication} (seed {self.seed}, spawn key " \
               f"({self.replication},))"


@dataclass(frozen=True)
class Outcome:
    """A finished task: its :class:`Run`, and the seconds the study itself took."""

    task: Task
    run: Run
    seconds: float


@dataclass(frozen=True)
class Failure:
    """A task that raised: which one, and the error with its traceback."""

    task: Task
    error: str
    traceback: str

    def __str__(self) -> str:
        return f"{self.task.describe()} failed: {self.error}"


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during a run: ``done`` holds the tasks finished before it (in task order), out of ``total``.

    :func:`scenarios.run` adds ``partial``: the :class:`scenarios.api.Results` of those, marked incomplete. It is a
    ``KeyboardInterrupt``, so a notebook or a script stops as on any Ctrl-C.
    """

    def __init__(self, done: list, total: int):
        super().__init__(f"interrupted after {len(done)} of {total} replications")
        self.done, self.total, self.partial = done, total, None


def tasks(scenario: Scenario, variants: list[str] | None = None) -> Iterator[Task]:
    """The tasks of ``variants`` (default: all, base first), replication by replication."""
    for name in variants or scenario.names:
        params = plain({k: v for k, v in scenario.variants[name].items() if k != "variants"})
        for r in range(params["replications"]):
            yield Task(scenario.study.name, name, r, scenario.seed, params)


def execute(task: Task) -> Outcome | Failure:
    """Run one task; never raises (a failure is returned, so it cannot sink a sweep)."""
    try:
        study = get_study(task.study)
        start = time.perf_counter()
        run: Run = study.run(task.params, task.seed_sequence)
        return Outcome(task, run, time.perf_counter() - start)
    except Exception as exc:
        return Failure(task, f"{type(exc).__name__}: {exc}", traceback.format_exc())
