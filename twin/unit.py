"""The Unit contract: the behaviour of one asset, whatever it is made of.

A **unit** gives life to one asset of the plant (``R-101``, ``LIW-101``). There are three kinds and one contract:

- a **discrete** unit is a DES process on the twin's clock (an operator charging a reactor, a feeder's refill
  logic): it subclasses :class:`DiscreteUnit` and writes a generator ``process(twin)``;
- a **continuous** unit is integrated between events: the CasADi models of :mod:`twin.process` (all of them
  assembled into one flowsheet DAE) and FMUs (:mod:`twin.fmu`) both subclass :class:`ContinuousUnit`.

Inputs and outputs are **tags** ``ASSET.SIGNAL`` on the twin's :class:`~twin.tags.TagBus`; a unit never reads
another unit's internals. Each unit lists its :class:`Signal`\\ s; :meth:`Unit.attach` defines them on the bus.

**How the clock works.** The DES calendar drives time. Before the twin processes the next calendar event at time
``t_next`` it calls :meth:`ContinuousUnit.advance` on every continuous unit::

    reached = unit.advance(t_next)     # integrate from unit.time towards t_next

A unit reads its input tags once, at the start of ``advance`` (inputs are piecewise constant between events: a DES
process that writes ``R-101.F_dose`` at time t changes the dose from t on, with a clean restart of the
integrator). While advancing it writes its outputs to the bus at the sample times ``twin.sample_times(t0, t1)``
and at the time it reached. If one of its **state events** (a guard ``T - T_trip`` changing sign) happens before
``t_next``, it stops at the crossing time ``t_e`` and returns it; :meth:`ContinuousUnit.fired` then names the
events (``"R-101.T_high"``). The twin puts them in the calendar at ``t_e``; DES processes waiting on
``twin.event("R-101.T_high")`` resume there. A unit with **time events** of its own (an FMU's internal time event)
announces the next one with :meth:`ContinuousUnit.next_time_event`, and the twin never steps past it.

When one unit stops early at ``t_e``, the others must end at ``t_e`` too: the twin advances the units that can stop
early (``locates_events = True``: the process flowsheet) first and the others after them, to the time reached.

A minimal continuous unit, a first-order lag ``y' = (u - y) / tau`` integrated exactly::

    class Lag(ContinuousUnit):
        signals = (Signal("u", "in", unit="K", default=0.0), Signal("y", "out", unit="K"))

        def __init__(self, tag, tau):
            super().__init__(tag)
            self.tau, self.y = tau, 0.0

        def start(self, t0):
            self.time = t0
            self.write("y", self.y, t0)

        def advance(self, t_end):
            u = self.read("u")
            for t in [*self.twin.sample_times(self.time, t_end), t_end]:
                self.y = u + (self.y - u) * math.exp(-(t - self.time) / self.tau)
                self.time = t
                self.write("y", self.y, t)
            return t_end
"""
from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:  # the Twin imports units, never the other way round at run time
    from twin.twin import Twin


@dataclass(frozen=True)
class Signal:
    """One input, parameter or output of a unit; on the bus it is the tag ``<asset>.<name>``.

    ``direction`` is ``"in"`` (written by others: DES processes, the bridge, other units), ``"param"`` (an input
    that rarely changes: a heat-transfer coefficient, a set point) or ``"out"`` (written by the unit).
    """

    name: str
    direction: str
    unit: str = ""
    default: float | None = None
    description: str = ""

    def __post_init__(self) -> None:
        if self.direction not in ("in", "param", "out"):
            raise ValueError(f"signal {self.name}: direction must be 'in', 'param' or 'out', not {self.direction!r}")


class Unit:
    """The behaviour of one asset ``tag``; its inputs and outputs are tags on the twin's bus."""

    kind: ClassVar[str] = "unit"
    signals: tuple[Signal, ...] = ()

    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.twin: Twin | None = None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.tag}>"

    def tag_of(self, signal: str) -> str:
        """The bus tag of one of this unit's signals (``R-101`` + ``T`` -> ``R-101.T``)."""
        return f"{self.tag}.{signal}"

    def attach(self, twin: Twin) -> None:
        """Join a twin: define every signal as a tag (inputs with their default value at t = 0)."""
        self.twin = twin
        for s in self.signals:
            twin.tags.define(self.tag_of(s.name), unit=s.unit, description=s.description,
                             initial=s.default if s.direction != "out" else None)

    # -- helpers for subclasses: read inputs, write outputs at the unit's time ----------------------------------
    def read(self, signal: str) -> Any:
        """Current value of one of this unit's signals on the bus."""
        return self.twin.tags.read(self.tag_of(signal))

    def write(self, signal: str, value: Any, t: float | None = None) -> None:
        """Write one of this unit's outputs at time ``t`` (default: the twin's current time)."""
        self.twin.tags.write(self.tag_of(signal), value, t=self.twin.now if t is None else t)

    def finish(self) -> None:
        """Called once when the twin's life ends (``Twin.close()``, the end of ``with Twin(...)``, or a run that
        failed): free solvers, terminate FMUs, close files."""


class DiscreteUnit(Unit):
    """A unit that is a DES process: ``process(twin)`` is a generator started when the unit is attached."""

    kind = "discrete"

    def attach(self, twin: Twin) -> None:
        super().attach(twin)
        twin.env.process(self.process(twin))

    def process(self, twin: Twin) -> Generator:
        """The unit's behaviour as a SimPy-style generator (``yield twin.env.timeout(60)``)."""
        raise NotImplementedError


class ContinuousUnit(Unit):
    """A unit integrated between calendar events; see the module docstring for the protocol."""

    kind = "continuous"
    #: True when ``advance`` may stop before ``t_end`` at a state event.
    locates_events: ClassVar[bool] = False

    def __init__(self, tag: str) -> None:
        super().__init__(tag)
        self.time = 0.0

    def start(self, t0: float) -> None:
        """Called once by the twin before the first ``advance``: initialise and write the outputs at ``t0``."""
        self.time = t0

    def advance(self, t_end: float) -> float:
        """Integrate from ``self.time`` towards ``t_end``; return the time reached (``t_end``, or earlier at a state
        event). Read inputs at the start, write outputs at ``twin.sample_times(...)`` and at the time reached."""
        raise NotImplementedError

    def fired(self) -> list[str]:
        """Names (``ASSET.EVENT``) of the state events that stopped the last ``advance``; empty if none."""
        return []

    def next_time_event(self) -> float:
        """Time of the unit's next own time event (``math.inf`` if none); the twin never steps past it."""
        return math.inf
