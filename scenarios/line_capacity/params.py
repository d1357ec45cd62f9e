"""The line-capacity study's parameters as typed, frozen values: what the model reads, named and in SI units.

The scenario's schema (:mod:`scenarios.line_capacity`) checks the file and fills in the defaults; :meth:`Line.of`
turns the checked mapping into these, so the model reads ``line.release.every`` instead of
``params["release"]["every"]``, and a notebook can build one by hand::

    >>> from scenarios.line_capacity.params import LineParams, Release, Shifts, Stage
    >>> p = LineParams(horizon=10 * 86400.0, warmup=0.0, release=Release("fixed", 4 * 3600.0),
    ...                shifts=Shifts(3, 8 * 3600.0), trace_interval=3600.0,
    ...                stages={"blending": Stage(("BL-301",), {"dist": "deterministic", "value": 7200.0})})
    >>> p.staffed, p.stages["blending"].breaks
    (86400.0, False)
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Release:
    """How batches enter the first stage: ``fixed`` every ``every`` seconds, ``poisson`` with that mean gap, or
    ``saturated`` (whenever the first stage has room: the line's capacity; ``every`` unused)."""

    pattern: str
    every: float = 0.0


@dataclass(frozen=True)
class Shifts:
    """``count`` shifts of ``length`` seconds a day, from midnight: units work only within them."""

    count: int = 3
    length: float = 8 * 3600.0


@dataclass(frozen=True)
class Stage:
    """A stage's plant units (tags), its process time (a validated duration: ``{"dist": ..., ...}`` in seconds),
    the cleaning after each batch (s), and the units' mean time between failures and to repair (s; None: never)."""

    units: tuple[str, ...]
    process: Mapping[str, Any]
    cleaning: float = 0.0
    mtbf: float | None = None
    mttr: float | None = None

    @property
    def breaks(self) -> bool:
        return self.mtbf is not None


@dataclass(frozen=True)
class LineParams:
    """One variant of a line-capacity scenario: the window (s), the release, the shifts, the stages in flow order
    and the trace's sampling interval (s)."""

    horizon: float
    warmup: float
    release: Release
    shifts: Shifts
    trace_interval: float
    stages: dict[str, Stage] = field(default_factory=dict)

    @property
    def staffed(self) -> float:
        """Staffed seconds a day."""
        return self.shifts.count * self.shifts.length

    @classmethod
    def of(cls, params: Mapping[str, Any]) -> LineParams:
        """The typed parameters of a checked scenario mapping (``Scenario.variants[name]`` or a task's params)."""
        stages = {name: Stage(units=tuple(s["units"]), process=dict(s["process"]), cleaning=float(s["cleaning"]),
                              mtbf=s.get("mtbf"), mttr=s.get("mttr")) for name, s in params["stages"].items()}
        return cls(horizon=float(params["horizon"]), warmup=float(params["warmup"]),
                   release=Release(params["release"]["pattern"], float(params["release"]["every"])),
                   shifts=Shifts(int(params["shifts"]["count"]), float(params["shifts"]["length"])),
                   trace_interval=float(params["trace_interval"]), stages=stages)
