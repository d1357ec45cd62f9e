"""The co-simulation master: FMUs stepped together on one communication grid, exchanging values through tags.

>>> cosim = CoSimulation([reactor, tcu], step=10.0, ordering="gauss-seidel")     # doctest: +SKIP
>>> tw.add(cosim)                                                                 # doctest: +SKIP

**The grid.** Communication points lie at ``t0 + k * step``. At each one the master sets every FMU's inputs from
the tags, steps every FMU to the next point and writes their outputs to the tags. With ``ordering="jacobi"`` all
FMUs step from the values of the last point; with ``"gauss-seidel"`` each FMU, in the order given, already sees the
outputs that the FMUs before it reached at the end of the step.

**DES events.** The master follows the twin's clock lazily: between grid points the outputs hold their last values.
When a DES event writes a tag that is an FMU input, the master first steps every FMU to the event's time with the
old inputs (an extra communication point), then the new value takes effect. A DES event that touches no FMU input
costs nothing.

**Step retry.** If an FMU discards a step (FMI status *discard*) and every FMU can save and restore its state, the
master restores all of them and takes the step in two halves, down to ``step / 2**max_halvings``.

**Termination.** An FMU that asks to end the simulation stops where ``fmpy.simulate_fmu`` stops (see
:class:`twin.fmu.unit.FMUUnit`); the master steps the others on (``on_terminate="continue"``) or ends the run with
:class:`~twin.fmu.unit.FMUTerminated` (``"stop"``). Its outputs hold their last value, marked ``UNCERTAIN`` from the
time it terminated, and the twin's event log gets ``(t, "<asset>.terminated", "fmu")``.

**Algebraic loops.** When outputs feed inputs that feed back, through FMUs whose outputs depend directly on their
inputs (the model structure's dependencies), there is an algebraic loop. The master detects it when built and
reports it, or, given ``loop_tolerance``, solves it at every communication point by fixed-point iteration until
no value in the loop changes by more than ``loop_tolerance * (1 + |value|)``.
"""
from __future__ import annotations

from math import isclose

import networkx as nx
import numpy as np

from twin.fmu.describe import FMUError
from twin.fmu.unit import FMUStepError, FMUTerminated, FMUUnit
from twin.tags import Quality
from twin.unit import ContinuousUnit

ORDERINGS = ("jacobi", "gauss-seidel")


class AlgebraicLoopError(FMUError):
    """Outputs that depend on themselves through direct feedthrough, left unsolved or not converging."""


class CoSimulation(ContinuousUnit):
    """Several FMU units stepped together; see the module docstring."""

    kind = "fmu"

    def __init__(self, units: list[FMUUnit], step: float, *, ordering: str = "jacobi",
                 loop_tolerance: float | None = None, max_iterations: int = 100, max_halvings: int = 8,
                 tag: str | None = None) -> None:
        units = list(units)
        if not units or not all(isinstance(u, FMUUnit) for u in units):
            raise TypeError("CoSimulation takes a non-empty list of FMUUnit")
        if not (isinstance(step, int | float) and step > 0):
            raise ValueError(f"the communication step must be a positive number of seconds, got {step!r}")
        if ordering not in ORDERINGS:
            raise ValueError(f"ordering must be one of {', '.join(ORDERINGS)}, not {ordering!r}")
        super().__init__(tag or "+".join(u.tag for u in units))
        self.units, self.step, self.ordering = units, float(step), ordering
        self.loop_tolerance, self.max_iterations, self.max_halvings = loop_tolerance, max_iterations, max_halvings
        for u in units:
            u.master = self
        self.loops = algebraic_loops(units)
        if self.loops and loop_tolerance is None:
            raise AlgebraicLoopError(
                f"algebraic loop among the FMUs: {' -> '.join(self.loops[0])} -> (back to the start)\n"
                "  each output in it depends directly on the input before it, so no FMU can go first\n"
                "  hint: pass loop_tolerance (e.g. 1e-10) to solve it by fixed-point iteration at every "
                "communication point, or break the loop with a unit that has a state")
        in_loop = {name.split(".", 1)[0] for cycle in self.loops for name in cycle if not name.startswith("[")}
        self._loop_units = [(i, u) for i, u in enumerate(units) if u.tag in in_loop]
        self._busy = False
        self.iterations = 0  # fixed-point iterations done so far, for the curious
        self.retries = 0     # halved steps after a discard

    # -- joining and starting --------------------------------------------------------------------------------------
    def attach(self, twin) -> None:
        self.twin = twin
        for u in self.units:
            if u.twin is not twin:
                u.attach(twin)
        produced = {tag for u in self.units for tag in u.tags("outputs")}
        external = {tag for u in self.units for tag in u.tags("inputs")} - produced
        # units whose inputs come from other FMUs take new inputs at every step; the others only after a change
        self._coupled = [bool(set(u.tags("inputs")) & produced) for u in self.units]
        self._any_coupled = any(self._coupled)
        self._changed = True
        self._unsubscribe = [twin.tags.subscribe(tag, self._input_changed) for tag in sorted(external)]

    def start(self, t0: float) -> None:
        self.t0, self.k, self.time, self.t_fmu = t0, 0, t0, t0
        for u in self.units:
            u.initialize(t0)
        self._rollback = self.max_halvings > 0 and all(u.can_rollback for u in self.units)
        self._where = {tag: (i, j) for i, u in enumerate(self.units) for j, tag in enumerate(u.output_tags)}
        self._rows: list[list] = [[] for _ in self.units]  # (t, outputs) per unit, not yet on the bus
        self._ended: set[int] = set()    # units whose FMU asked to end the simulation
        self.terminating = False         # set by a unit whose FMU has just asked to (FMUUnit._terminated)
        self._marks: list[FMUUnit] = []  # ... whose tags are still to be marked
        self._current = [u.read_outputs() for u in self.units]
        self._solve_loops(self._current)
        self._keep(self._current, t0)
        self._flush()

    # -- following the twin's clock ------------------------------------------------------------------------------
    def advance(self, t_end: float) -> float:
        """Step over every grid point up to ``t_end``; the outputs hold between grid points."""
        try:
            while True:
                t_next = self.t0 + (self.k + 1) * self.step
                if t_next > t_end and not isclose(t_next, t_end):
                    break
                self._communicate(t_next)
                self.k += 1
        finally:
            self._flush()
        self.time = max(self.time, t_end)
        return t_end

    def _input_changed(self, tag) -> None:
        """A DES event (or the bridge) wrote an FMU input: first bring the FMUs to that time with the old inputs."""
        t = min(tag.timestamp, self.time)
        self._changed = True
        if self._busy or t <= self.t_fmu or isclose(t, self.t_fmu):
            return
        try:
            self._communicate(t, apply=False)
        finally:
            self._flush()

    def finish(self) -> None:
        for unsubscribe in getattr(self, "_unsubscribe", ()):
            unsubscribe()
        for u in self.units:
            u.terminate()

    # -- one communication step ----------------------------------------------------------------------------------
    def _communicate(self, t: float, apply: bool = True, depth: int = 0) -> None:
        """Step every FMU from ``t_fmu`` to ``t`` and keep the outputs; halve the step on a discard."""
        self._busy = True
        try:
            if self._rollback:
                for u in self.units:
                    if u.terminated_at is None:
                        u.save()
            outputs, refused = self._step_all(t, apply)
            if refused is not None:
                if not self._rollback:
                    raise refused._failure(
                        f"doStep to t = {t:g} s was discarded and the step cannot be retried (the FMUs cannot "
                        "all save and restore their state); use a smaller communication step", 2, t)
                if depth >= self.max_halvings:
                    raise refused._failure(
                        f"doStep to t = {t:g} s was still discarded after {depth} halvings of the step", 2, t)
                for u in self.units:
                    if u.terminated_at is None:
                        u.restore()
                self._changed = True  # the restored FMUs hold the inputs of before the step
                self.retries += 1
                middle = (self.t_fmu + t) / 2
                self._communicate(middle, apply, depth + 1)
                self._communicate(t, apply, depth + 1)
                return
            if self.terminating:
                self._retire(outputs)
            self._solve_loops(outputs)
            self._current = outputs
            self._keep(outputs, t)
            if self._marks:
                self._stop_if_asked()
        except FMUStepError:
            self._flush()
            self._mark_bad()
            raise
        finally:
            self._busy = False

    def _lookup(self, outputs: list):
        """``tag -> value``: this master's outputs from ``outputs``, any other tag from the bus."""
        where, read = self._where, self.twin.tags.read

        def lookup(tag):
            if tag in where:
                i, j = where[tag]
                return outputs[i][j]
            return read(tag)

        return lookup

    def _step_all(self, t: float, apply: bool) -> tuple[list, FMUUnit | None]:
        """Jacobi or Gauss-Seidel: the outputs each FMU reached at ``t``, or the FMU that refused the step."""
        changed = self._changed
        if apply:
            self._changed = False
        if self.ordering == "jacobi" or not apply:
            if apply and (changed or self._any_coupled):
                lookup = self._lookup(self._current)
                for u, coupled in zip(self.units, self._coupled, strict=True):
                    if (coupled or changed) and u.terminated_at is None:
                        u.apply_inputs(lookup)
            for u in self.units:
                if not u.step_to(t):
                    return self._current, u
            outputs = [u.read_outputs() if u.terminated_at is None else current
                       for u, current in zip(self.units, self._current, strict=True)] if self._ended or \
                self.terminating else [u.read_outputs() for u in self.units]
        else:
            outputs = list(self._current)
            lookup = self._lookup(outputs)
            for i, u in enumerate(self.units):
                if (self._coupled[i] or changed) and u.terminated_at is None:
                    u.apply_inputs(lookup)
                if not u.step_to(t):
                    return outputs, u
                if u.terminated_at is None:
                    outputs[i] = u.read_outputs()
        return outputs, None

    def _retire(self, outputs: list) -> None:
        """Units whose FMU just asked to end the simulation: keep the point FMPy records, then step them no more."""
        self.terminating = False
        for i, u in enumerate(self.units):
            if u.terminated_at is None or i in self._ended:
                continue
            self._ended.add(i)
            if u.keeps_last:
                outputs[i] = u.final_outputs if u.final_outputs is not None else u.read_outputs()
                self._rows[i].append((u.terminated_at, outputs[i]))
            self._marks.append(u)

    def _stop_if_asked(self) -> None:
        """End the run if a unit that just terminated was built with ``on_terminate="stop"``."""
        stop = [u for u in self._marks if u.on_terminate == "stop"]
        if stop:
            self._flush()
            u = stop[0]
            raise FMUTerminated(
                f"{u.tag} ({u.path.name}): the FMU asked to end the simulation at t = {u.terminated_at:g} s "
                f"(on_terminate='stop'); results up to t = {u.terminated_at:g} s are kept on the tags",
                t=u.terminated_at)

    def _solve_loops(self, outputs: list) -> None:
        """Fixed-point iteration over the FMUs of the algebraic loops, on ``outputs`` in place."""
        if not self._loop_units:
            return
        lookup = self._lookup(outputs)
        change = float("inf")
        for _ in range(self.max_iterations):
            before = [list(o) for o in outputs]
            for i, u in self._loop_units:
                u.apply_inputs(lookup)
                outputs[i] = u.read_outputs()
            self.iterations += 1
            change = max((abs(v - w) / (1.0 + abs(v)) for new, old in zip(outputs, before, strict=True)
                          for v, w in zip(new, old, strict=True) if isinstance(v, float)), default=0.0)
            if change <= self.loop_tolerance:
                return
        raise AlgebraicLoopError(
            f"the algebraic loop {' -> '.join(self.loops[0])} did not converge in {self.max_iterations} "
            f"fixed-point iterations at t = {self.t_fmu:g} s (last relative change {change:.3g}, tolerance "
            f"{self.loop_tolerance:g})\n  hint: the loop gain is probably 1 or more: break the loop with a unit that "
            "has a state")

    def _keep(self, outputs: list, t: float) -> None:
        if self._ended:
            for i, (rows, values) in enumerate(zip(self._rows, outputs, strict=True)):
                if i not in self._ended:
                    rows.append((t, values))
        else:
            for rows, values in zip(self._rows, outputs, strict=True):
                rows.append((t, values))
        self.t_fmu = t

    def _flush(self) -> None:
        """Write the kept outputs to the bus: float traces in one go per tag."""
        tags = self.twin.tags
        self._busy = True
        try:
            for u, rows in zip(self.units, self._rows, strict=True):
                if not rows:
                    continue
                times = np.fromiter((r[0] for r in rows), float, len(rows))
                for j, tag in enumerate(u.output_tags):
                    if tags[tag].dtype is float:
                        tags.record(tag, times, np.fromiter((r[1][j] for r in rows), float, len(rows)))
                    else:
                        for t, values in rows:
                            tags.write(tag, values[j], t)
                rows.clear()
            for u in self._marks:  # a terminated FMU's outputs hold their last value, no longer live
                for tag in u.output_tags:
                    tags.write(tag, tags[tag].value, max(u.terminated_at, tags[tag].timestamp), Quality.UNCERTAIN)
                self.twin.events.append((u.terminated_at, f"{u.tag}.terminated", "fmu"))
            self._marks.clear()
        finally:
            self._busy = False

    def _mark_bad(self) -> None:
        """After a failure: the outputs keep their last good values, marked bad from then on."""
        tags = self.twin.tags
        for u in self.units:
            for tag in u.output_tags:
                tags.write(tag, tags[tag].value, max(self.t_fmu, tags[tag].timestamp), Quality.BAD)


def algebraic_loops(units: list[FMUUnit]) -> list[list[str]]:
    """The cycles of direct feedthrough among ``units``: each a list like ``["G1.u", "G1.y", "[X.1]", ...]``.

    An edge runs from an input to each output that depends on it directly (the model structure; no
    ``dependencies`` attribute means every input), and from an output to each input bound to the same tag.
    """
    graph = nx.DiGraph()
    by_tag: dict[str, list[str]] = {}
    for u in units:
        for name, tag in u.inputs.items():
            by_tag.setdefault(tag, []).append(f"{u.tag}.{name}")
        deps = {unknown.variable.name: unknown.dependencies for unknown in u.md.outputs}
        for out_name, tag in u.outputs.items():
            depends = deps.get(out_name)
            sources = u.inputs if depends is None else [v.name for v in depends if v.name in u.inputs]
            for name in sources:
                graph.add_edge(f"{u.tag}.{name}", f"{u.tag}.{out_name}")
            graph.add_edge(f"{u.tag}.{out_name}", f"[{tag}]")
    for tag, inputs in by_tag.items():
        for node in inputs:
            if f"[{tag}]" in graph:
                graph.add_edge(f"[{tag}]", node)
    return [cycle for cycle in nx.simple_cycles(graph)]
