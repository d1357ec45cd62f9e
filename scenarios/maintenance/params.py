"""The maintenance study's parameters as typed, frozen values: what the model reads, named and in SI units.

The scenario's schema (:mod:`scenarios.maintenance`) checks the file and fills in the defaults;
:meth:`MaintenanceParams.of` turns the checked mapping into these, so the model reads ``asset.corrective.cost``
instead of ``params["assets"][tag]["corrective"]["cost"]``, and a notebook can build one by hand::

    >>> from scenarios.maintenance.params import Action, Asset, MaintenanceParams, Policy
    >>> press = Asset(corrective=Action(cost=12000.0, duration=8 * 3600.0),
    ...               preventive=Action(cost=3000.0, duration=4 * 3600.0), shape=2.5, scale=2000 * 3600.0)
    >>> p = MaintenanceParams(horizon=365 * 86400.0, warmup=0.0, assets={"TP-401": press},
    ...                       policy=Policy("age", age=800 * 3600.0))
    >>> p.replacement_age / 3600, p.assets["TP-401"].wear is None
    (800.0, True)
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any


@dataclass(frozen=True)
class Action:
    """A replacement: what it costs (currency) and how long the asset is down for it (s)."""

    cost: float
    duration: float


@dataclass(frozen=True)
class Wear:
    """A wear indicator rising from 0 (new) to 1 (failed) as a Wiener process: its mean life (s) and the life's
    coefficient of variation (:class:`twin.monitor.degradation.Wiener`)."""

    mean_life: float
    cv: float


@dataclass(frozen=True)
class Asset:
    """One asset: its corrective (after a failure) and preventive replacement, and its lifetime: a Weibull
    ``shape`` and ``scale`` (s), or a ``wear`` process (then shape and scale are None)."""

    corrective: Action
    preventive: Action
    shape: float | None = None
    scale: float | None = None
    wear: Wear | None = None


@dataclass(frozen=True)
class Policy:
    """When an asset is replaced before it fails: never (``run_to_failure``), at ``age`` s of operation (``age``),
    when an inspection every ``inspect`` s finds its indicator at ``level`` (``condition``), or when an inspection's
    remaining-life estimate gives a failure within ``lead`` s a probability of ``risk`` or more (``rul``)."""

    kind: str
    age: float | None = None
    level: float | None = None
    inspect: float = 24 * 3600.0
    lead: float = 48 * 3600.0
    risk: float = 0.05


@dataclass(frozen=True)
class MaintenanceParams:
    """One variant of a maintenance scenario: the window (s), the assets by plant tag, the policy and the crew."""

    horizon: float
    warmup: float
    assets: dict[str, Asset] = field(default_factory=dict)
    policy: Policy = Policy("run_to_failure")
    crew: int = 1

    @property
    def replacement_age(self) -> float:
        """The age (s) at which an asset is replaced under an age policy; infinite under any other."""
        return self.policy.age if self.policy.kind == "age" else math.inf

    @classmethod
    def of(cls, params: Mapping[str, Any]) -> MaintenanceParams:
        """The typed parameters of a checked scenario mapping (``Scenario.variants[name]`` or a task's params)."""
        def action(a: Mapping[str, Any]) -> Action:
            return Action(float(a["cost"]), float(a["duration"]))

        def asset(a: Mapping[str, Any]) -> Asset:
            wear = a.get("wear")
            return Asset(action(a["corrective"]), action(a["preventive"]), shape=a.get("shape"), scale=a.get("scale"),
                         wear=None if wear is None else Wear(wear["mean_life"], wear["cv"]))

        given = params["policy"]   # a hand-built mapping may leave out what has a default
        policy = Policy(**{f.name: given[f.name] for f in fields(Policy) if given.get(f.name) is not None})
        return cls(horizon=float(params["horizon"]), warmup=float(params["warmup"]),
                   assets={tag: asset(a) for tag, a in params["assets"].items()}, policy=policy,
                   crew=int(params["crew"]))
