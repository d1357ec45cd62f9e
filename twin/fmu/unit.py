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
from twin.fmu.describe import INTERFACES, FMUError, fmpy_defaults, interfaces, parse_start, python_type, read, shape
from twin.unit import ContinuousUnit

STATUS = ("ok", "warning", "discard", "error", "fatal", "pending")
ON_TERMINATE = ("continue", "stop")


class FMUStepError(FMUError):
    """An FMU failed while running: time, call, inputs and the FMU's own log. ``t_good``: last good time."""

    def __init__(self, message: str, *, t: float, t_good: float, log: list[str]) -> None:
        super().__init__(message)
        self.t, self.t_good, self.log = t, t_good, log


class FMUTerminated(FMUError):
    """An FMU asked to end the simulation and its unit was built with ``on_terminate="stop"``: the run ends there.
    ``t``: the time it terminated (twin time); the tags keep every good point."""

    def __init__(self, message: str, *, t: float) -> None:
        super().__init__(message)
        self.t = t


class FMUUnit(ContinuousUnit):
    """One FMU bound to tags.

    ``inputs`` / ``outputs``: ``{variable: tag}`` (unbound inputs, and all outputs when none is named, become
    ``<tag>.<variable>``); ``parameters``: start values and parameters by variable name; ``interface``:
    ``"CoSimulation"`` or ``"ModelExchange"`` (default: Co-Simulation when the FMU has it).

    Defaults follow the FMU's DefaultExperiment exactly as ``fmpy.simulate_fmu`` does
    (:func:`twin.fmu.describe.fmpy_defaults`): ``step``, the communication step in s; ``start_time``, the FMU's own
    time at the twin's start (the FMU runs on ``start_time + (twin time - twin start)``); ``tolerance``, CVODE's
    relative tolerance (Model Exchange) or the FMU's own (Co-Simulation); ``max_step``, CVODE's largest step.

    An FMU that asks to end the simulation (FMI 2 *terminated*, FMI 3 *terminateSimulation*) stops there, as in
    FMPy: its outputs keep the points FMPy records, then hold their last value marked ``UNCERTAIN`` from the time it
    terminated (:attr:`terminated_at`); ``on_terminate="continue"`` (default) lets the twin's other units go on,
    ``"stop"`` ends the run with :class:`FMUTerminated`.
    """

    kind = "fmu"

    def __init__(self, tag: str, fmu: str | Path, *, inputs: dict | None = None, outputs: dict | None = None,
                 parameters: dict | None = None, interface: str | None = None, step: float | None = None,
                 tolerance: float | None = None, max_step: float | None = None, start_time: float | None = None,
                 on_terminate: str = "continue") -> None:
        super().__init__(tag)
        self.path = Path(fmu)
        self.md = read(self.path)
        has = interfaces(self.md)
        runnable = [k for k in has if INTERFACES[k]]
        self.interface = interface or (runnable[0] if runnable else "ScheduledExecution")
        if self.interface not in runnable:
            if self.interface == "ScheduledExecution" or not runnable:
                raise FMUError(
                    f"{self.path}: the FMU has {', '.join(has) or 'no interface'}; Scheduled Execution (FMI 3 "
                    "clocks activated by the importer's scheduler) is not supported by the twin\n  hint: export the "
                    "model with a Co-Simulation or Model Exchange interface")
            raise FMUError(f"{self.path}: the FMU has no {self.interface} interface; it has: {', '.join(has)}")
        if on_terminate not in ON_TERMINATE:
            raise FMUError(f"{self.tag}: on_terminate must be one of {', '.join(ON_TERMINATE)}, not {on_terminate!r}")
        self.inputs, self.outputs, self.parameters = resolve(self.md, tag, inputs, outputs, parameters)
        defaults = fmpy_defaults(self.md, self.interface)
        self.step = float(step or defaults.step)
        if not self.step > 0:
            raise FMUError(f"{self.tag}: the communication step must be positive, got {step!r}")
        self.tolerance = defaults.tolerance if tolerance is None else tolerance
        self.max_step = defaults.max_step if max_step is None else max_step
        self.start_time = defaults.start if start_time is None else float(start_time)
        self.on_terminate = on_terminate
        self.terminated_at: float | None = None  # twin time at which the FMU asked to end the simulation
        self.keeps_last = True  # FMPy records the outputs at the time of termination ...
        self.final_outputs: list | None = None  # ... these (Model Exchange: before the event), or the FMU's now
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
            for name, base in mapping.items():
                v = self._variables[name]
                wanted, unit = python_type(v), v.unit or (v.declaredType.unit if v.declaredType else None) or ""
                starts = parse_start(v, v.start) if side == "input" and v.start is not None else None
                for k, tag in enumerate(self._element_tags(name, base)):
                    self._check_tag(twin, side, name, v, tag, wanted, unit, starts[k] if starts else None)

    def tags(self, side: str) -> list[str]:
        """The tags of the ``"inputs"`` or ``"outputs"``: an array's element tags in place of the array."""
        return [t for name, tag in getattr(self, side).items() for t in self._element_tags(name, tag)]

    def _element_tags(self, name: str, tag: str) -> list[str]:
        """The tags of one bound variable: itself, or ``<tag>.1`` ... ``<tag>.n`` for an FMI 3 array."""
        size = math.prod(shape(self._variables[name]))
        return [f"{tag}.{k + 1}" for k in range(size)] if self._variables[name].dimensions else [tag]

    def _check_tag(self, twin, side: str, name: str, v, tag: str, wanted: type, unit: str, initial) -> None:
        if tag not in twin.tags:
            twin.tags.define(tag, unit=unit, description=v.description or "", dtype=wanted, initial=initial)
            return
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
        """Instantiate, set parameters and inputs, initialise at the FMU's ``start_time`` (the twin's ``t0``)."""
        self._unzipped = fmpy.extract(str(self.path))
        try:
            self.fmu = self._instantiate()
        except Exception as exc:
            shutil.rmtree(self._unzipped, ignore_errors=True)
            raise FMUError(f"{self.tag} ({self.path.name}): cannot instantiate the FMU: {exc}") from None
        # freed with the unit at the latest, if the run ends without terminate()
        self._release = weakref.finalize(self, _release, self.fmu, self._unzipped)
        self._offset = self.start_time - t0   # FMU time = twin time + offset
        self.fmu_time = self.start_time       # the FMU's own time
        self.terminated_at, self.final_outputs = None, None
        self._prepare_io()
        fmu, rest = self.fmu, dict(self.parameters)
        tolerance = self.tolerance if self._cs else None  # FMPy gives Model Exchange FMUs no tolerance
        with self._calling("initialisation", self.fmu_time):
            if self._fmi3:
                rest = apply_start_values(fmu, self.md, rest, settable=settable_in_instantiated)
                fmu.enterInitializationMode(tolerance=tolerance, startTime=self.fmu_time)
            else:
                fmu.setupExperiment(tolerance=tolerance, startTime=self.fmu_time)
                rest = apply_start_values(fmu, self.md, rest, settable=settable_in_instantiated)
                fmu.enterInitializationMode()
            rest = apply_start_values(fmu, self.md, rest, settable=settable_in_initialization_mode)
            self.apply_inputs(initial=True)
            fmu.exitInitializationMode()
            if self.interface == "ModelExchange":
                if self._event_iteration():
                    raise self._failure("event update after initialisation: the FMU asked to terminate before "
                                        "the simulation started", 0, self.fmu_time)
                fmu.enterContinuousTimeMode()
                self._start_solver(self.fmu_time)
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
        """Per FMI type: (kind, element names, value references, their C array, a C value buffer and the raw
        get/set functions for Float64/Real, element tags, number of values, Python type)."""
        groups: dict[str, tuple] = {}
        for name, tag in mapping.items():
            v = self._variables[name]
            kind = {"Real": "Float64", "Integer": "Int32", "Enumeration": "Int64" if self._fmi3 else "Integer"}.get(
                v.type, v.type) if self._fmi3 else ("Integer" if v.type == "Enumeration" else v.type)
            names, vrs, tags = groups.setdefault(kind, ([], [], []))
            elements = self._element_tags(name, tag)
            names += [name if len(elements) == 1 else f"{name}[{k + 1}]" for k in range(len(elements))]
            vrs.append(v.valueReference)
            tags += elements
        out = []
        for kind, (names, vrs, tags) in groups.items():
            vr = (ctypes.c_uint32 * len(vrs))(*vrs)
            if kind in ("Real", "Float64"):  # the common case: raw calls on preallocated arrays
                values = (ctypes.c_double * len(tags))()
                raw = (getattr(self.fmu.dll, f"fmi{'3' if self._fmi3 else '2'}Get{kind}"),
                       getattr(self.fmu.dll, f"fmi{'3' if self._fmi3 else '2'}Set{kind}"))
            else:
                values, raw = None, None
            out.append((kind, names, list(vrs), vr, values, raw, tags, len(tags),
                        python_type(self._variables[names[0].split("[")[0]])))
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
            if self._event_iteration():
                self._terminated(self.fmu_time, keep=False)
                return
            self.fmu.enterContinuousTimeMode()
            self.solver.reset(self.fmu_time)

    def _set(self, group: tuple, vals: list) -> None:
        kind, names, vrs, vr, values, raw, _, n, cast = group
        if any(v is None or (isinstance(v, float) and math.isnan(v)) for v in vals):
            return  # a tag without a value yet: the FMU keeps its start value
        if raw is not None:
            values[:] = vals
            status = raw[1](self._component, vr, len(vrs), values, n) if self._fmi3 else \
                raw[1](self._component, vr, len(vrs), values)
            if status > 1:
                raise self._failure(f"set{kind}({', '.join(names)})", status, self.fmu_time)
        else:
            with self._calling(f"set{kind}({', '.join(names)})", self.fmu_time):
                getattr(self.fmu, f"set{kind}")(vrs, [cast(x) for x in vals])

    def read_outputs(self) -> list:
        """The outputs now, in the order of :attr:`output_tags`."""
        if self._only_floats:  # the common case, kept short
            kind, names, vrs, vr, values, raw, _, n, _ = self._out[0]
            status = raw[0](self._component, vr, len(vrs), values, n) if self._fmi3 else \
                raw[0](self._component, vr, len(vrs), values)
            if status > 1:
                raise self._failure(f"get{kind}({', '.join(names)})", status, self.fmu_time)
            return values[:]
        out: list = []
        for kind, names, vrs, vr, values, raw, _, n, cast in self._out:
            if raw is not None:
                status = raw[0](self._component, vr, len(vrs), values, n) if self._fmi3 else \
                    raw[0](self._component, vr, len(vrs), values)
                if status > 1:
                    raise self._failure(f"get{kind}({', '.join(names)})", status, self.fmu_time)
                out += values
            else:
                with self._calling(f"get{kind}({', '.join(names)})", self.fmu_time):
                    got = getattr(self.fmu, f"get{kind}")(vrs, n) if self._fmi3 else getattr(
                        self.fmu, f"get{kind}")(vrs)
                # FMI 2 strings come back as bytes from fmpy: text, as the input tags hold it
                out += [x.decode() if cast is str and isinstance(x, bytes) else cast(x) for x in got]
        return out

    def step_to(self, t: float) -> bool:
        """Advance the FMU to twin time ``t``; False if it discarded the step (it is then where it was). An FMU that
        asks to end the simulation stops where FMPy stops (:attr:`terminated_at`) and True is returned."""
        if self.terminated_at is not None:
            return True
        if self._cs:
            return self._do_step(t + self._offset)
        with self._calling("integration", t + self._offset):
            self._integrate(t + self._offset)
        return True

    def _do_step(self, t: float) -> bool:
        h = t - self.fmu_time
        if self._fmi3:
            status = self._raw_step(self._component, self.fmu_time, h, True, *self._flag_refs)
            if status <= 1 and self._flags[1].value:  # terminateSimulation: FMPy records at the end of the step
                early = self._flags[2].value and self._flags[3].value < t
                self._terminated(self._flags[3].value if early else t, keep=True)
                return True
        else:
            status = self._raw_step(self._component, self.fmu_time, h, 1)
            if status == 2 and self._fmi2_terminated():  # discard + terminated: FMPy records at the last good time
                with self._calling("getRealStatus(fmi2LastSuccessfulTime)", t):
                    last = self.fmu.getRealStatus(fmi2.fmi2LastSuccessfulTime)
                self._terminated(last, keep=True)
                return True
        if status == 2:
            return False
        if status > 2:
            raise self._failure(f"doStep(t={self.fmu_time:g} s, h={h:g} s)", status, t)
        self.fmu_time = t
        return True

    def _fmi2_terminated(self) -> bool:
        """After a discarded FMI 2 step: did the FMU end the simulation (``fmi2Terminated``)?"""
        try:
            return bool(self.fmu.getBooleanStatus(fmi2.fmi2Terminated))
        except FMICallException:
            return False  # an FMU that cannot tell has not terminated: a plain discard

    def _terminated(self, t: float, keep: bool) -> None:
        """The FMU asked to end the simulation at its time ``t``; ``keep``: FMPy records the outputs there."""
        self.fmu_time = t
        self.terminated_at = t - self._offset
        self.keeps_last = keep
        self.master.terminating = True
        self.log.append(f"[ok] the FMU asked to end the simulation at t = {t:g} s")

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

    def _event_iteration(self) -> bool:
        """Update the discrete states until they settle; True if the FMU asked to end the simulation."""
        update = self.fmu.updateDiscreteStates if self._fmi3 else self.fmu.newDiscreteStates
        needed, terminate = True, False
        while needed and not terminate:
            needed, terminate, _, _, defined, next_time = update()
        self._next_event = next_time if defined else math.inf
        return bool(terminate)

    def _integrate(self, t_end: float) -> None:
        """As FMPy's Model Exchange loop; an FMU that asks to terminate stops at that time, unrecorded (as FMPy)."""
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
                    return self._terminated(time, keep=False)
            if time_event or state_event or step_event:
                before = self.read_outputs()  # FMPy records the event's left limit, its last point if it terminates
                fmu.enterEventMode()
                if self._event_iteration():
                    self.final_outputs = before
                    return self._terminated(time, keep=True)
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
        names = [(n, tag) for group in (self._in if hasattr(self, "_in") else ()) for n, tag in
                 zip(group[1], group[6], strict=True)]
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
