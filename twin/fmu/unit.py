"""An FMU as a unit of the twin: FMI 2.0 or 3.0, Co-Simulation or Model Exchange, through fmpy.

>>> tw = Twin()
>>> tw.add(FMUUnit("TCU-101", "jacket_tcu.fmu", inputs={"T": "R-101.TT-01"}, step=10.0))   # doctest: +SKIP

Inputs and outputs are tags (see :mod:`twin.fmu.binding`). A Co-Simulation FMU steps itself with ``doStep``; a
Model Exchange FMU is integrated by fmpy's CVODE solver, stopping at its time events and at its state events
(located by CVODE's root finding) exactly as ``fmpy.simulate_fmu`` does. Alone in a twin, the unit is stepped by a
co-simulation master of its own (:class:`twin.fmu.master.CoSimulation`); several coupled FMUs share one master.

When the FMU returns an error, :class:`FMUStepError` says when, in which call, with which inputs, and what the
FMU logged; the tags keep everything recorded up to the last good communication point.
"""
from __future__ import annotations

import ctypes
import functools
import math
import shutil
import weakref
from math import isclose
from pathlib import Path

import fmpy
from fmpy import fmi2, fmi3
from fmpy.fmi1 import FMICallException
from fmpy.simulation import Input, apply_start_values, settable_in_initialization_mode, settable_in_instantiated

from twin.fmu.binding import resolve
from twin.fmu.describe import FMUError, python_type, read
from twin.unit import ContinuousUnit

STATUS = ("ok", "warning", "discard", "error", "fatal", "pending")


class FMUStepError(FMUError):
    """An FMU failed while running: time, call, inputs and the FMU's own log. ``t_good``: last good time."""

    def __init__(self, message: str, *, t: float, t_good: float, log: list[str]) -> None:
        super().__init__(message)
        self.t, self.t_good, self.log = t, t_good, log


class FMUUnit(ContinuousUnit):
    """One FMU bound to tags.

    ``inputs`` / ``outputs``: ``{variable: tag}`` (unbound inputs, and all outputs when none is named, become
    ``<tag>.<variable>``); ``parameters``: start values and parameters by variable name; ``interface``:
    ``"CoSimulation"`` or ``"ModelExchange"`` (default: Co-Simulation when the FMU has it); ``step``: the
    communication step in s (default: the FMU's default experiment); ``tolerance``: relative tolerance of CVODE and
    of the FMU's own solver; ``max_step``: CVODE's largest step (Model Exchange).
    """

    kind = "fmu"

    def __init__(self, tag: str, fmu: str | Path, *, inputs: dict | None = None, outputs: dict | None = None,
                 parameters: dict | None = None, interface: str | None = None, step: float | None = None,
                 tolerance: float | None = None, max_step: float = math.inf) -> None:
        super().__init__(tag)
        self.path = Path(fmu)
        self.md = read(self.path)
        kinds = {"CoSimulation": self.md.coSimulation, "ModelExchange": self.md.modelExchange}
        self.interface = interface or ("CoSimulation" if self.md.coSimulation else "ModelExchange")
        if kinds.get(self.interface) is None:
            has = ", ".join(k for k, v in kinds.items() if v is not None)
            raise FMUError(f"{self.path}: the FMU has no {self.interface} interface; it has: {has}")
        self.inputs, self.outputs, self.parameters = resolve(self.md, tag, inputs, outputs, parameters)
        experiment = self.md.defaultExperiment
        self.step = float(step or (experiment and experiment.stepSize) or 1.0)
        if not self.step > 0:
            raise FMUError(f"{self.tag}: the communication step must be positive, got {step!r}")
        if tolerance is None and experiment is not None and experiment.tolerance is not None:
            tolerance = float(experiment.tolerance)
        self.tolerance = tolerance
        self.max_step = max_step
        self.log: list[str] = []
        self.fmu = None
        self.master = None  # the CoSimulation that steps this unit
        self._variables = {v.name: v for v in self.md.modelVariables}
        self._fmi3 = self.md.fmiVersion.startswith("3")
        self._cs = self.interface == "CoSimulation"
        self._state = None

    # -- joining a twin --------------------------------------------------------------------------------------------
    def attach(self, twin) -> None:
        """Define the bound tags (unit and type from the model description); a tag of another type is an error."""
        self.twin = twin
        for side, mapping in (("input", self.inputs), ("output", self.outputs)):
            for name, tag in mapping.items():
                v = self._variables[name]
                wanted, unit = python_type(v), v.unit or (v.declaredType.unit if v.declaredType else None) or ""
                if tag not in twin.tags:
                    initial = _parse(v.start, wanted) if side == "input" and v.start is not None else None
                    twin.tags.define(tag, unit=unit, description=v.description or "", dtype=wanted, initial=initial)
                    continue
                held = twin.tags[tag]
                if held.dtype is not wanted:
                    raise FMUError(
                        f"{self.tag} ({self.path.name}): {side} '{name}' is a {v.type} variable but tag {tag} holds "
                        f"{held.dtype.__name__} values\n  hint: bind '{name}' to a {wanted.__name__} tag, or bind "
                        f"{tag} to a {held.dtype.__name__} variable")
                if held.unit and unit and held.unit != unit:
                    raise FMUError(
                        f"{self.tag} ({self.path.name}): {side} '{name}' is in {unit} but tag {tag} is in "
                        f"{held.unit}\n  hint: bind '{name}' to a tag in {unit}, or convert in the FMU")

    def start(self, t0: float) -> None:
        """Alone in a twin: start a co-simulation master of its own."""
        from twin.fmu.master import CoSimulation

        self.master = CoSimulation([self], step=self.step, tag=self.tag)
        self.master.attach(self.twin)
        self.master.start(t0)
        self.time = t0

    def advance(self, t_end: float) -> float:
        self.time = self.master.advance(t_end)
        return self.time

    def finish(self) -> None:
        if self.master is not None and self.master.units == [self]:
            self.master.finish()
        else:
            self.terminate()

    # -- the FMU itself: used by the master ------------------------------------------------------------------------
    def initialize(self, t0: float) -> None:
        """Instantiate, set parameters and inputs, initialise at ``t0``."""
        self._unzipped = fmpy.extract(str(self.path))
        try:
            self.fmu = self._instantiate()
        except Exception as exc:
            shutil.rmtree(self._unzipped, ignore_errors=True)
            raise FMUError(f"{self.tag} ({self.path.name}): cannot instantiate the FMU: {exc}") from None
        # freed with the unit at the latest, if the run ends without terminate()
        self._release = weakref.finalize(self, _release, self.fmu, self._unzipped)
        self.fmu_time = t0
        self._prepare_io()
        fmu, rest = self.fmu, dict(self.parameters)
        with self._calling("initialisation", t0):
            if self._fmi3:
                rest = apply_start_values(fmu, self.md, rest, settable=settable_in_instantiated)
                fmu.enterInitializationMode(tolerance=self.tolerance, startTime=t0)
            else:
                fmu.setupExperiment(tolerance=self.tolerance, startTime=t0)
                rest = apply_start_values(fmu, self.md, rest, settable=settable_in_instantiated)
                fmu.enterInitializationMode()
            rest = apply_start_values(fmu, self.md, rest, settable=settable_in_initialization_mode)
            self.apply_inputs(initial=True)
            fmu.exitInitializationMode()
            if self.interface == "ModelExchange":
                self._event_iteration()
                fmu.enterContinuousTimeMode()
                self._start_solver(t0)
        if rest:
            raise FMUError(f"{self.tag} ({self.path.name}): cannot set {', '.join(rest)}: not settable before or "
                           "during initialisation (constants or calculated variables)")

    def _instantiate(self):
        """The fmpy FMU object, instantiated under the unit's tag (so that its log reaches this unit)."""
        cs = self.interface == "CoSimulation"
        args = dict(guid=self.md.guid, unzipDirectory=self._unzipped, instanceName=self.tag,
                    modelIdentifier=(self.md.coSimulation if cs else self.md.modelExchange).modelIdentifier)
        if self._fmi3:
            fmu = (fmi3.FMU3Slave if cs else fmi3.FMU3Model)(**args)
            fmu.instantiate(logMessage=self._logger)
        else:
            fmu = (fmi2.FMU2Slave if cs else fmi2.FMU2Model)(**args)
            _INSTANCES[self.tag] = self
            fmu.instantiate(callbacks=_fmi2_callbacks())
        return fmu

    def _prepare_io(self) -> None:
        """Value-reference arrays for the inputs and outputs, grouped by type, for fast get and set."""
        self._in = self._groups(self.inputs)
        self._out = self._groups(self.outputs)
        self.output_tags = [tag for group in self._out for tag in group[6]]
        self._only_floats = len(self._out) == 1 and self._out[0][5] is not None
        self._applied: list | None = None
        self._component = self.fmu.component
        if self._fmi3:
            self._flags = (ctypes.c_bool(), ctypes.c_bool(), ctypes.c_bool(), ctypes.c_double())
            self._flag_refs = tuple(ctypes.byref(f) for f in self._flags)
            self._raw_step = self.fmu.dll.fmi3DoStep
        else:
            self._raw_step = self.fmu.dll.fmi2DoStep

    def _groups(self, mapping: dict[str, str]) -> list[tuple]:
        groups: dict[str, tuple] = {}
        for name, tag in mapping.items():
            v = self._variables[name]
            kind = {"Real": "Float64", "Integer": "Int32", "Enumeration": "Int64" if self._fmi3 else "Integer"}.get(
                v.type, v.type) if self._fmi3 else ("Integer" if v.type == "Enumeration" else v.type)
            names, vrs, tags = groups.setdefault(kind, ([], [], []))
            names.append(name)
            vrs.append(v.valueReference)
            tags.append(tag)
        out = []
        for kind, (names, vrs, tags) in groups.items():
            vr = (ctypes.c_uint32 * len(vrs))(*vrs)
            if kind in ("Real", "Float64"):  # the common case: raw calls on preallocated arrays
                values = (ctypes.c_double * len(vrs))()
                raw = (getattr(self.fmu.dll, f"fmi{'3' if self._fmi3 else '2'}Get{kind}"),
                       getattr(self.fmu.dll, f"fmi{'3' if self._fmi3 else '2'}Set{kind}"))
            else:
                values, raw = None, None
            out.append((kind, names, list(vrs), vr, values, raw, tags))
        return out

    def apply_inputs(self, lookup=None, initial: bool = False) -> None:
        """Set the inputs from their tags (or ``lookup(tag)``); a Model Exchange FMU restarts its solver on a change."""
        read = lookup or self.twin.tags.read
        values = [[read(tag) for tag in group[6]] for group in self._in]
        if values == self._applied:
            return
        me_change = self.interface == "ModelExchange" and not initial
        if me_change:
            self.fmu.enterEventMode()
        for group, vals in zip(self._in, values, strict=True):
            self._set(group, vals)
        self._applied = values
        if me_change:
            self._event_iteration()
            self.fmu.enterContinuousTimeMode()
            self.solver.reset(self.fmu_time)

    def _set(self, group: tuple, vals: list) -> None:
        kind, names, vrs, vr, values, raw, _ = group
        if any(v is None or (isinstance(v, float) and math.isnan(v)) for v in vals):
            return  # a tag without a value yet: the FMU keeps its start value
        if raw is not None:
            values[:] = vals
            status = raw[1](self._component, vr, len(vrs), values, len(vrs)) if self._fmi3 else \
                raw[1](self._component, vr, len(vrs), values)
            if status > 1:
                raise self._failure(f"set{kind}({', '.join(names)})", status, self.fmu_time)
        else:
            with self._calling(f"set{kind}({', '.join(names)})", self.fmu_time):
                getattr(self.fmu, f"set{kind}")(vrs, [python_type(self._variables[n])(x) for n, x in zip(
                    names, vals, strict=True)])

    def read_outputs(self) -> list:
        """The outputs now, in the order of :attr:`output_tags`."""
        if self._only_floats:  # the common case, kept short
            kind, names, vrs, vr, values, raw, _ = self._out[0]
            status = raw[0](self._component, vr, len(vrs), values, len(vrs)) if self._fmi3 else \
                raw[0](self._component, vr, len(vrs), values)
            if status > 1:
                raise self._failure(f"get{kind}({', '.join(names)})", status, self.fmu_time)
            return values[:]
        out: list = []
        for kind, names, vrs, vr, values, raw, _ in self._out:
            if raw is not None:
                status = raw[0](self._component, vr, len(vrs), values, len(vrs)) if self._fmi3 else \
                    raw[0](self._component, vr, len(vrs), values)
                if status > 1:
                    raise self._failure(f"get{kind}({', '.join(names)})", status, self.fmu_time)
                out += values
            else:
                with self._calling(f"get{kind}({', '.join(names)})", self.fmu_time):
                    got = getattr(self.fmu, f"get{kind}")(vrs)
                out += [python_type(self._variables[n])(x) for n, x in zip(names, got, strict=True)]
        return out

    def step_to(self, t: float) -> bool:
        """Advance the FMU to ``t``; False if it discarded the step (it is then where it was)."""
        if self._cs:
            return self._do_step(t)
        with self._calling("integration", t):
            self._integrate(t)
        return True

    def _do_step(self, t: float) -> bool:
        h = t - self.fmu_time
        if self._fmi3:
            status = self._raw_step(self._component, self.fmu_time, h, True, *self._flag_refs)
        else:
            status = self._raw_step(self._component, self.fmu_time, h, 1)
        if status == 2:
            return False
        if status > 2:
            raise self._failure(f"doStep(t={self.fmu_time:g} s, h={h:g} s)", status, t)
        self.fmu_time = t
        return True

    # -- Model Exchange: fmpy's CVODE, event handling as in fmpy.simulate_fmu --------------------------------------
    def _start_solver(self, t0: float) -> None:
        from fmpy.sundials import CVodeSolver

        fmu = self.fmu
        self.solver = CVodeSolver(
            nx=self.md.numberOfContinuousStates, nz=self.md.numberOfEventIndicators,
            get_x=fmu.getContinuousStates, set_x=fmu.setContinuousStates,
            get_dx=self._guarded(fmu.getContinuousStateDerivatives if self._fmi3 else fmu.getDerivatives),
            get_z=self._guarded(fmu.getEventIndicators), get_nominals=fmu.getNominalsOfContinuousStates,
            set_time=fmu.setTime,
            input=Input(fmu, self.md, None), startTime=t0, maxStep=self.max_step,
            relativeTolerance=self.tolerance if self.tolerance is not None else 1e-5)

    def _guarded(self, call):
        """``call`` for CVODE's callbacks, where an exception would be lost: a failure is kept and raised after the
        solver returns (see :meth:`_integrate`)."""
        def guarded(*args):
            try:
                call(*args)
            except FMICallException as exc:
                self._callback_error = self._callback_error or exc

        return guarded

    def _event_iteration(self) -> None:
        update = self.fmu.updateDiscreteStates if self._fmi3 else self.fmu.newDiscreteStates
        needed, terminate = True, False
        while needed and not terminate:
            needed, terminate, _, _, defined, next_time = update()
        self._next_event = next_time if defined else math.inf
        if terminate:
            raise self._failure("event update: the FMU asked to terminate", 0, self.fmu_time)

    def _integrate(self, t_end: float) -> None:
        fmu, needs_step_call = self.fmu, self.md.modelExchange.needsCompletedIntegratorStep
        time = self.fmu_time
        while not (time > t_end or isclose(time, t_end)):
            target = t_end
            if target > self._next_event and not isclose(target, self._next_event):
                target = self._next_event
            time_event = isclose(target, self._next_event)
            self._callback_error = None
            state_event, _, time = self.solver.step(time, target)
            if self._callback_error is not None:
                raise self._callback_error
            fmu.setTime(time)
            step_event = False
            if needs_step_call:
                step_event, terminate = fmu.completedIntegratorStep()
                if terminate:
                    raise self._failure("completedIntegratorStep: the FMU asked to terminate", 0, time)
            if time_event or state_event or step_event:
                fmu.enterEventMode()
                self._event_iteration()
                fmu.enterContinuousTimeMode()
                self.solver.reset(time)
            self.fmu_time = time
        self.fmu_time = time

    # -- saving and restoring (step retry) -------------------------------------------------------------------------
    @property
    def can_rollback(self) -> bool:
        """True when the FMU can save and restore its state (``canGetAndSetFMUstate``)."""
        kind = self.md.coSimulation if self.interface == "CoSimulation" else self.md.modelExchange
        return bool(kind.canGetAndSetFMUstate)

    def save(self) -> None:
        """Save the FMU's state (one slot, reused)."""
        if self._state is None:
            self._state = ctypes.c_void_p()
            self._state_ref = ctypes.byref(self._state)
            self._raw_save = self.fmu.dll.fmi3GetFMUState if self._fmi3 else self.fmu.dll.fmi2GetFMUstate
        status = self._raw_save(self._component, self._state_ref)
        if status > 1:
            raise self._failure("getFMUstate", status, self.fmu_time)
        self._saved_time, self._saved_inputs = self.fmu_time, self._applied

    def restore(self) -> None:
        """Go back to the saved state."""
        call = self.fmu.dll.fmi3SetFMUState if self._fmi3 else self.fmu.dll.fmi2SetFMUstate
        status = call(self.fmu.component, self._state)
        if status > 1:
            raise self._failure("setFMUstate", status, self.fmu_time)
        self.fmu_time, self._applied = self._saved_time, self._saved_inputs
        if self.interface == "ModelExchange":
            self.solver.reset(self.fmu_time)

    def terminate(self) -> None:
        """End the FMU and free it (safe to call twice)."""
        if self.fmu is None:
            return
        fmu, self.fmu = self.fmu, None
        try:
            if self._state is not None:
                (fmu.freeFMUState if self._fmi3 else fmu.freeFMUstate)(self._state)
            fmu.terminate()
        except FMICallException:
            pass  # an FMU that already failed may refuse to terminate; it is freed all the same
        finally:
            self._release()

    # -- errors ----------------------------------------------------------------------------------------------------
    def _logger(self, *args) -> None:
        """The FMU's log callback (FMI 2 and 3 pass status, category and message last)."""
        status, category, message = args[-3:]
        text = message.decode(errors="replace") if isinstance(message, bytes) else str(message)
        label = STATUS[status] if 0 <= status < len(STATUS) else status
        self.log.append(f"[{label}] {text}")

    def _calling(self, call: str, t: float):
        return _Calling(self, call, t)

    def _failure(self, call: str, status: int, t: float) -> FMUStepError:
        applied = [x for group in (self._applied or ()) for x in group]
        names = [(n, tag) for group in self._in for n, tag in zip(group[1], group[6], strict=True)]
        inputs = ", ".join(f"{n} = {x!r} ({tag})" for (n, tag), x in zip(names, applied, strict=False))
        log = "\n".join(f"    {line}" for line in self.log[-10:]) or "    (the FMU logged nothing)"
        what = f"{call} returned {STATUS[status] if 0 <= status < len(STATUS) else status}" if status else call
        return FMUStepError(
            f"{self.tag} ({self.path.name}): {what} at t = {t:g} s\n"
            f"  inputs: {inputs or 'none'}\n"
            f"  FMU log:\n{log}\n"
            f"  results up to t = {self.fmu_time:g} s are kept on the tags",
            t=t, t_good=self.fmu_time, log=list(self.log))


_INSTANCES: weakref.WeakValueDictionary[str, FMUUnit] = weakref.WeakValueDictionary()


def _fmi2_log(environment, instance, status, category, message) -> None:
    """FMI 2 log messages pass through fmpy's one formatting proxy per process: route them by instance name."""
    unit = _INSTANCES.get(instance.decode(errors="replace") if instance else "")
    if unit is not None:
        unit._logger(status, category, message)


@functools.cache
def _fmi2_callbacks() -> fmi2.fmi2CallbackFunctions:
    from fmpy.logging import addLoggerProxy

    callbacks = fmi2.fmi2CallbackFunctions()
    callbacks.logger = fmi2.fmi2CallbackLoggerTYPE(_fmi2_log)
    callbacks.allocateMemory = fmi2.fmi2CallbackAllocateMemoryTYPE(fmpy.calloc)
    callbacks.freeMemory = fmi2.fmi2CallbackFreeMemoryTYPE(fmpy.free)
    addLoggerProxy(ctypes.byref(callbacks))
    return callbacks


class _Calling:
    """Turn fmpy's FMICallException inside a block into an FMUStepError with the unit's context."""

    def __init__(self, unit: FMUUnit, call: str, t: float) -> None:
        self.unit, self.call, self.t = unit, call, t

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        if isinstance(exc, FMICallException):
            raise self.unit._failure(f"{self.call}: {exc.function}", exc.status, self.t) from None
        return False


def _release(fmu, folder: str) -> None:
    """Free an FMU instance and remove the folder it was unzipped to."""
    fmu.freeInstance()
    shutil.rmtree(folder, ignore_errors=True)


def _parse(text: str, kind: type):
    if kind is bool:
        return text in ("true", "1", True)
    return kind(float(text)) if kind is int else kind(text)
