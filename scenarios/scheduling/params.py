"""The scheduling study's run parameters as typed, frozen values: how the plan is made and how it is executed.

What is planned (products and their steps, orders, cleaning, the lab, closed windows, shifts and crews) becomes a
typed :class:`scenarios.scheduling.plan.Problem` (``Step``, ``Batch``, ``LabTest``), through
:func:`scenarios.scheduling.study.problem_of`; how the plan is made and executed is here. :meth:`RunParams.of` turns
the scenario's checked mapping into these::

    >>> from scenarios.scheduling.params import Uncertainty
    >>> u = Uncertainty(duration_cv=0.1, mtbf=200 * 3600.0, mttr=4 * 3600.0)
    >>> u.breaks, u.retest, u.replan_limit
    (True, 0.0, 1.0)
    >>> Uncertainty.of({"duration_cv": 0.0, "mtbf": None, "mttr": None}).breaks
    False

A variant's plan is made once per process and shared by its replications and by every variant that plans the same
(its policy and uncertainty may differ): :class:`Planning`, what the plan is made of, is the plan cache's key
(:func:`scenarios.scheduling.study.plan_of`).
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scenarios.scenario import plain

PLANNED = ("plant", "products", "orders", "cleaning", "horizon", "objective", "operators", "lab", "maintenance",
           "maintenance_plan", "shift", "crews")   # the sections a plan is made of (besides the solver's settings)


@dataclass(frozen=True)
class Uncertainty:
    """``uncertainty``: the coefficient of variation of every operation's time (lognormal, mean as planned); the
    units' mean time between failures and to repair (s; None: they never fail); the probability that a lab test must
    be repeated and that an operator is absent from a shift; and for the ``replan`` policy, the breakdown that
    triggers a new plan (s; 0: any) and the solver's time limit for it (s)."""

    duration_cv: float = 0.0
    mtbf: float | None = None
    mttr: float | None = None
    retest: float = 0.0
    absence: float = 0.0
    replan_after: float = 0.0
    replan_limit: float = 1.0

    @property
    def breaks(self) -> bool:
        """Whether the units break down."""
        return bool(self.mtbf)

    @classmethod
    def of(cls, given: Mapping[str, Any]) -> Uncertainty:
        """From the checked ``uncertainty`` mapping; a key left out or None takes its default (a hand-built mapping
        may give only ``duration_cv``, ``mtbf`` and ``mttr``)."""
        return cls(duration_cv=given["duration_cv"], mtbf=given["mtbf"], mttr=given["mttr"],
                   retest=given.get("retest") or 0.0, absence=given.get("absence") or 0.0,
                   replan_after=given.get("replan_after") or 0.0, replan_limit=given.get("replan_limit") or 1.0)


@dataclass(frozen=True)
class Solver:
    """``solver``: CP-SAT's time limit per window (s), its worker threads, and the batches planned per window."""

    time_limit: float = 10.0
    workers: int = 1
    window: int = 20

    @classmethod
    def of(cls, given: Mapping[str, Any]) -> Solver:
        """From the checked ``solver`` mapping (its defaults filled in)."""
        return cls(given["time_limit"], given["workers"], given["window"])


@dataclass(frozen=True)
class Planning:
    """What a variant's plan is made of, hashable: the plan cache's key. ``problem`` holds the scenario's planned
    sections (:data:`PLANNED`) as JSON in the file's order (a recipe's steps are in order); ``sources`` the SHA-256 of
    the files they name whose content the plan reads (a ``maintenance_plan``'s scenario, so an edit of it in a
    notebook is a new plan). The typed :class:`~scenarios.scheduling.plan.Problem` is made from them only when the
    plan is, as it needs the plant and those files loaded: comparing these costs microseconds."""

    problem: str
    solver: Solver = field(default_factory=Solver)
    sources: tuple[str, ...] = ()

    @classmethod
    def of(cls, params: Mapping[str, Any]) -> Planning:
        """The planning of a checked scenario mapping (``Scenario.variants[name]``)."""
        sections = {k: params[k] for k in PLANNED}
        plan = params.get("maintenance_plan")
        files = [Path(plan["scenario"])] if plan else []
        return cls(json.dumps(plain(sections)), Solver.of(params["solver"]),
                   tuple(hashlib.sha256(f.read_bytes()).hexdigest() for f in files))


@dataclass(frozen=True)
class RunParams:
    """How a variant's plan is made (``planning``) and executed: the ``policy`` (``shift_right``, ``replan`` or
    ``dispatch``) under the ``uncertainty``."""

    planning: Planning
    policy: str = "shift_right"
    uncertainty: Uncertainty = field(default_factory=Uncertainty)

    @classmethod
    def of(cls, params: Mapping[str, Any]) -> RunParams:
        """The typed run parameters of a checked scenario mapping (``Scenario.variants[name]``)."""
        return cls(Planning.of(params), params["policy"], Uncertainty.of(params["uncertainty"]))
