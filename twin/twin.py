"""The Twin: discrete processes, continuous models and FMUs of a plant on one clock, with one TagBus.

>>> from twin import Twin
>>> from twin.process.units import CSTR
>>> tw = Twin(sample_interval=10.0)
>>> _ = tw.add(CSTR("R-201"))
>>> def operator(tw):
...     yield tw.env.timeout(600)
...     tw.set("R-201.T_c", 290.0)             # a discrete change: the integrator restarts cleanly here
>>> _ = tw.env.process(operator(tw))
>>> result = tw.run(until=3600)
>>> result.tags["R-201.T"].value < 320         # it has left the unstable 350 K state for the cold one
True

**The clock.** The DES calendar (:mod:`twin.des`) drives time. Before the calendar's next event at ``t_next``, every
continuous unit is advanced to ``t_next`` (all process models together, as one DAE). If a guard crosses zero first,
the units stop at the crossing time ``t_e``, an event enters the calendar at ``t_e`` and the processes waiting on
``tw.event("R-101.T_high")`` resume there, before anything later happens.
"""
from __future__ import annotations

import contextlib
import math
import time as wallclock
from collections.abc import Iterable

import numpy as np

import twin.des as des
from twin.process.flowsheet import Flowsheet
from twin.process.model import ProcessModel
from twin.process.unit import FlowsheetUnit
from twin.result import Result
from twin.tags import TagBus
from twin.unit import ContinuousUnit, Unit


class UnknownEventError(KeyError):
    """A state event name no unit declares; the message suggests the closest names."""

    def __str__(self) -> str:
        return str(self.args[0])


class Twin:
    """A plant's behaviour on one clock.

    ``plant``: a :class:`twin.plant.Plant` whose assets carry ``behaviour:`` entries (attached at construction, see
    :mod:`twin.behaviours`; ``params`` override their parameters by tag, ``seed`` seeds their random streams) and
    whose overlay may bind FMUs to assets (``fmus:``, all on one co-simulation master; ``params`` override their
    parameters too), or ``None`` to add units in code. ``sample_interval``: seconds between recorded samples of
    continuous signals.
    ``process_options``: options of the continuous simulator (``rtol``, ``atol``, ``compiled``...).
    """

    def __init__(self, plant=None, *, params: dict[str, dict] | None = None, seed: int = 0,
                 sample_interval: float = 1.0, solve_loops: bool = False, **process_options) -> None:
        if not (isinstance(sample_interval, int | float) and sample_interval > 0):
            raise ValueError(f"sample_interval must be a positive number of seconds, got {sample_interval!r}")
        self.plant = plant
        self.sample_interval = float(sample_interval)
        self.env = des.Environment()
        self.tags = TagBus()
        self.units: list[Unit] = []
        self.flowsheet = Flowsheet(solve_loops=solve_loops)
        self.process_options = process_options
        self.events: list[tuple[float, str, str]] = []  # (time, name, kind) -- the event log
        self._waiters: dict[str, list] = {}
        self._continuous: list[ContinuousUnit] = []
        self._started = False
        self._closed = False
        self.static: list[str] = []  # plant assets without a behaviour model
        if plant is not None:
            from twin.behaviours import attach_behaviours

            attach_behaviours(self, plant, params, seed)
            if plant.fmus:
                self._add_fmus(plant, params or {})

    def _add_fmus(self, plant, params: dict[str, dict]) -> None:
        """The FMUs the plant overlay binds to its assets, on one co-simulation master."""
        from twin.fmu import from_bindings

        fmu_assets = {b.asset for b in plant.fmus}
        self.add(from_bindings(plant.fmus, plant.co_simulation, {a: p for a, p in params.items() if a in fmu_assets},
                               source=plant.name))
        self.static = [tag for tag in self.static if tag not in fmu_assets]

    # -- building -------------------------------------------------------------------------------------------------
    @property
    def now(self) -> float:
        return self.env.now

    def add(self, *units: Unit | ProcessModel) -> Twin:
        """Add units: process models join the flowsheet, other units are attached as they are."""
        if self._started:
            raise RuntimeError("units must be added before the twin runs")
        for unit in units:
            if isinstance(unit, ProcessModel):
                self.flowsheet.add(unit)
                for s in unit.signals():
                    self.tags.define(f"{unit.tag}.{s.name}", unit=s.unit, description=s.description,
                                     initial=s.default if s.direction != "out" else None)
            elif isinstance(unit, Unit):
                self.units.append(unit)
                unit.attach(self)
            else:
                raise TypeError(f"Twin.add takes units or process models, not {type(unit).__name__}")
        return self

    def connect(self, source: str, target: str) -> Twin:
        """Join the outlet ``"TAG.port"`` of one process model to the inlet of another."""
        self.flowsheet.connect(source, target)
        return self

    def boundary(self, inlet: str) -> Twin:
        """Leave a process model's inlet open: its stream variables become input tags."""
        self.flowsheet.boundary(inlet)
        return self

    # -- used by processes -------------------------------------------------------------------------------------------
    def set(self, tag: str, value) -> None:
        """Write an input or parameter tag now: a discrete change, logged, effective from now on."""
        self.tags.write(tag, value, t=self.env.now)
        self.events.append((float(self.env.now), f"{tag}={value}", "set"))

    def event(self, name: str):
        """A DES event that succeeds (value: the crossing time) at the next firing of state event ``name``."""
        if self._started and name not in self._guard_names:
            import difflib

            close = difflib.get_close_matches(name, self._guard_names, n=3)
            hint = f"did you mean {', '.join(close)}?" if close else f"the twin's state events are {self._guard_names}"
            raise UnknownEventError(f"no state event {name!r}; {hint}")
        ev = self.env.event()
        self._waiters.setdefault(name, []).append(ev)
        return ev

    def sample_times(self, t0: float, t1: float) -> np.ndarray:
        """The sample grid ``k * sample_interval`` strictly inside ``(t0, t1)``, for continuous units to record at."""
        dt = self.sample_interval
        grid = np.arange(math.floor(t0 / dt) + 1, math.ceil(t1 / dt)) * dt
        return grid[(grid > t0) & (grid < t1)]

    # -- running ----------------------------------------------------------------------------------------------------
    def _start(self) -> None:
        if self.flowsheet.models:
            flowsheet = FlowsheetUnit(self.flowsheet, **self.process_options)
            flowsheet.attach(self)
            self.units.insert(0, flowsheet)
        self._continuous = sorted((u for u in self.units if isinstance(u, ContinuousUnit)),
                                  key=lambda u: not u.locates_events)
        self._guard_names = [n for u in self._continuous if isinstance(u, FlowsheetUnit) for n, _ in u.dae.guards]
        unknown = [n for n in self._waiters if n not in self._guard_names]
        if unknown:
            raise UnknownEventError(f"processes wait on unknown state events {unknown}; "
                                    f"the twin's are {self._guard_names}")
        for unit in self._continuous:
            unit.start(self.env.now)
        self._started = True

    def run(self, until: float, progress: bool = False) -> Result:
        """Run to simulated time ``until`` (s); returns the :class:`~twin.result.Result`.

        The twin can run on (``run`` again to a later time) until :meth:`close`. A run that fails closes the twin:
        every unit's ``finish`` is called (an FMU is freed) before the error reaches the caller.
        """
        if self._closed:
            raise RuntimeError("the twin is closed (its units are finished); build a new Twin to run again")
        if until < self.env.now:
            raise ValueError(f"until={until} lies before the current time {self.env.now}")
        try:
            return self._run(until, progress)
        except BaseException:
            with contextlib.suppress(Exception):  # the run's error is the one to see
                self.close()
            raise

    def _run(self, until: float, progress: bool) -> Result:
        if not self._started:
            self._start()
        wall = wallclock.perf_counter()
        bar = None
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=until - self.env.now, unit="s", unit_scale=True, desc="twin (simulated)",
                       bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.0f}/{total:.0f} s [{elapsed}<{remaining}]")
        env, t_start = self.env, self.env.now
        while True:
            t_next = min(env.peek(), until, *(u.next_time_event() for u in self._continuous))
            reached, fired = self._advance(t_next)
            if fired:
                self._schedule_state_events(reached, fired)
            if bar is not None:
                bar.update(reached - bar.n - t_start)
            if env.peek() <= reached:
                env.step()
            elif reached >= until:
                break
        if until > env.now:  # no event left before `until`: the calendar's clock moves on to it, as SimPy's run does
            env.run(until=until)
        if bar is not None:
            bar.close()
        self._wall = getattr(self, "_wall", 0.0) + wallclock.perf_counter() - wall
        return Result(self, t_end=until, wall_time=self._wall)

    def close(self) -> None:
        """End the twin's life: every unit's ``finish`` is called, once (solvers freed, FMUs terminated). Also at the
        end of ``with Twin(...) as tw:`` and after a run that fails. The tags and their history stay readable."""
        if self._closed:
            return
        self._closed = True
        errors = []
        for unit in self.units:
            try:
                unit.finish()
            except Exception as exc:  # noqa: BLE001 -- every unit gets its finish; the first failure is raised
                errors.append(exc)
        if errors:
            raise errors[0]

    def __enter__(self) -> Twin:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _advance(self, t_next: float) -> tuple[float, list[str]]:
        """Advance every continuous unit to ``t_next``, or all of them to the first state event before it."""
        target, fired = t_next, []
        for unit in self._continuous:
            if unit.time >= target:
                continue
            reached = unit.advance(target)
            if reached < target:
                ahead = [u for u in self._continuous if u is not unit and u.time > reached]
                if ahead:
                    raise RuntimeError(f"{unit.tag} stopped at a state event at t={reached} but "
                                       f"{', '.join(u.tag for u in ahead)} already advanced past it")
                target, fired = reached, unit.fired()
            elif reached == target and unit.fired():
                fired += unit.fired()
        return target, fired

    def _schedule_state_events(self, t_e: float, names: Iterable[str]) -> None:
        env = self.env
        delay = t_e - env.now
        while env.now + delay < t_e:  # never let the calendar's time fall an ulp short of the crossing
            delay = np.nextafter(delay, math.inf)
        for name in names:
            self.events.append((float(t_e), name, "state"))
            waiters = self._waiters.pop(name, [])
            marker = env.timeout(delay, value=t_e)
            marker.callbacks.append(lambda _ev, ws=waiters, t=t_e: [w.succeed(t) for w in ws])
