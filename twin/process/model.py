"""Declaring a continuous unit model: states, algebraic variables, inputs, parameters, outputs, ports, guards.

A :class:`ProcessModel` is the equations of one asset written as CasADi expressions. It does not integrate
anything: a :class:`~twin.process.flowsheet.Flowsheet` joins the models of a plant into one DAE.

>>> m = ProcessModel("TK-101")
>>> V = m.state("V", start=1.0, unit="m3", description="liquid volume")
>>> F_in = m.input("F_in", default=0.01, unit="m3/s")
>>> k = m.parameter("k", 0.02, unit="m2.5/s")
>>> m.der(V, F_in - k * V**0.5)
>>> m.guard("overflow", V - 2.0)           # fires when V rises through 2 m3
>>> level = m.output("level", V / 1.5, unit="m")

Every symbol is named ``<tag>.<name>`` and becomes the tag of the same name on the twin's bus: inputs and
parameters are read from it, states and outputs written to it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import casadi as ca

from twin.unit import Signal


class ModelError(ValueError):
    """A model declared inconsistently (a state without equation, a name used twice)."""


@dataclass(frozen=True)
class StreamType:
    """What flows through a port: named variables with units. ``additive`` streams (mass flows) may have several
    sources at one inlet, which are summed; others (a temperature) must have exactly one."""

    name: str
    variables: tuple[tuple[str, str], ...]
    additive: bool = True

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(v for v, _ in self.variables)


def solids(components: tuple[str, ...]) -> StreamType:
    """A powder stream: one mass flow per component, kg/s (``m_API``, ``m_MCC`` ...)."""
    return StreamType("solids(" + ",".join(components) + ")", tuple((f"m_{c}", "kg/s") for c in components))


@dataclass
class Var:
    """One declared variable: its CasADi symbol, unit, start value and meaning."""

    name: str
    sym: ca.SX
    unit: str = ""
    value: float = 0.0
    description: str = ""


@dataclass
class Port:
    """An inlet or outlet: a stream type and one expression (outlet) or symbol (inlet) per stream variable."""

    model: ProcessModel
    name: str
    stream: StreamType
    values: dict[str, ca.SX] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return f"{self.model.tag}.{self.name}"


class ProcessModel:
    """The equations of one asset. Library units subclass it and declare everything in ``__init__``."""

    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.states: dict[str, Var] = {}
        self.algebraics: dict[str, Var] = {}
        self.inputs: dict[str, Var] = {}  # inputs and parameters: both read from tags, constant between events
        self.outputs: dict[str, Var] = {}
        self.odes: dict[str, ca.SX] = {}
        self.residuals: list[ca.SX] = []
        self.guards: dict[str, tuple[ca.SX, int]] = {}
        self.inlets: dict[str, Port] = {}
        self.outlets: dict[str, Port] = {}
        self._param_names: set[str] = set()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.tag}: {len(self.states)} states>"

    # -- declarations ------------------------------------------------------------------------------------------
    def _new(self, table: dict, name: str, value: float, unit: str, description: str) -> ca.SX:
        if name in self.states or name in self.algebraics or name in self.inputs or name in self.outputs:
            raise ModelError(f"{self.tag}: the name {name!r} is declared twice")
        sym = ca.SX.sym(f"{self.tag}.{name}")
        table[name] = Var(name, sym, unit, float(value), description)
        return sym

    def state(self, name: str, start: float, unit: str = "", description: str = "") -> ca.SX:
        """A differential state with its initial value; give its equation with :meth:`der`."""
        return self._new(self.states, name, start, unit, description)

    def algebraic(self, name: str, start: float, unit: str = "", description: str = "") -> ca.SX:
        """An algebraic variable with a start guess; give one residual per algebraic with :meth:`alg`."""
        return self._new(self.algebraics, name, start, unit, description)

    def input(self, name: str, default: float, unit: str = "", description: str = "") -> ca.SX:
        """A signal set from outside (a DES process, the bridge): piecewise constant between events."""
        return self._new(self.inputs, name, default, unit, description)

    def parameter(self, name: str, value: float, unit: str = "", description: str = "") -> ca.SX:
        """A constant of the model; it is a tag too, so an event may change it (a fouled UA, a failed pump)."""
        self._param_names.add(name)
        return self._new(self.inputs, name, value, unit, description)

    def output(self, name: str, expr, unit: str = "", description: str = "") -> ca.SX:
        """A signal computed from the model's variables, written to the bus."""
        self._new(self.outputs, name, 0.0, unit, description)
        self.outputs[name].sym = ca.SX(expr)
        return self.outputs[name].sym

    def der(self, state, rhs) -> None:
        """The equation ``d state / dt = rhs``."""
        name = self._state_name(state)
        if name in self.odes:
            raise ModelError(f"{self.tag}: state {name!r} has two equations")
        self.odes[name] = ca.SX(rhs)

    def alg(self, residual) -> None:
        """An algebraic equation ``0 = residual``."""
        self.residuals.append(ca.SX(residual))

    def guard(self, name: str, expr, direction: int = +1) -> None:
        """A state event ``<tag>.<name>`` when ``expr`` crosses zero: rising (+1), falling (-1) or either (0)."""
        if direction not in (-1, 0, 1):
            raise ModelError(f"{self.tag}: guard {name!r} direction must be +1, -1 or 0")
        self.guards[name] = (ca.SX(expr), direction)

    def inlet(self, name: str, stream: StreamType) -> dict[str, ca.SX]:
        """An inlet port: returns one symbol per stream variable, filled in by the flowsheet's connections."""
        values = {v: ca.SX.sym(f"{self.tag}.{name}.{v}") for v in stream.names}
        self.inlets[name] = Port(self, name, stream, values)
        return values

    def outlet(self, name: str, stream: StreamType, values: dict) -> None:
        """An outlet port: one expression per stream variable."""
        missing = set(stream.names) - set(values)
        if missing:
            raise ModelError(f"{self.tag}.{name}: outlet lacks {sorted(missing)} of stream {stream.name}")
        self.outlets[name] = Port(self, name, stream, {v: ca.SX(values[v]) for v in stream.names})

    # -- views -------------------------------------------------------------------------------------------------
    def signals(self) -> list[Signal]:
        """The model's tags: inputs and parameters (read), states and outputs (written)."""
        out = [Signal(v.name, "param" if v.name in self._param_names else "in", v.unit, v.value, v.description)
               for v in self.inputs.values()]
        out += [Signal(v.name, "out", v.unit, None, v.description)
                for v in (*self.states.values(), *self.outputs.values())]
        return out

    def check(self) -> None:
        """Every state has an equation, one residual per algebraic variable."""
        missing = [n for n in self.states if n not in self.odes]
        if missing:
            raise ModelError(f"{self.tag}: states without equation {missing}; add m.der(<state>, rhs)")
        if len(self.residuals) != len(self.algebraics):
            raise ModelError(f"{self.tag}: {len(self.algebraics)} algebraic variables but {len(self.residuals)} "
                             "algebraic equations; each m.algebraic(...) needs one m.alg(residual)")

    def _state_name(self, state) -> str:
        if isinstance(state, str):
            if state not in self.states:
                raise ModelError(f"{self.tag}: no state {state!r}; states are {list(self.states)}")
            return state
        for name, var in self.states.items():
            if ca.is_equal(var.sym, state):
                return name
        raise ModelError(f"{self.tag}: der() takes a state of this model")
