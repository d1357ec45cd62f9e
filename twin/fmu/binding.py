"""Binding FMU variables to tags by name, as the plant YAML states it.

.. code-block:: yaml

    fmus:
      TCU-101:
        fmu: models/jacket_tcu.fmu          # relative to this file
        inputs: {T_set: R-101.TIC-01.SP, T: R-101.TT-01}
        outputs: {Tj: R-101.TT-02}
        parameters: {Kp: 3.0, Ti: 10 min}   # start values and parameters; 'value unit' strings become SI
        on_terminate: continue              # or stop: the run ends when the FMU asks to end the simulation
    co_simulation: {step: 10 s, ordering: gauss-seidel}

Every name is checked against the FMU's model description: an unknown variable gets the nearest names, a
variable bound on the wrong side (an output under ``inputs:``) says where it belongs, a parameter value of the
wrong type says what the variable holds. Unbound inputs are bound to ``<asset>.<variable>``, and so are all
outputs when none is named; FMI 3 clocks are never bound (see ``docs/fmu.md``). An FMI 3 array variable is bound to
one tag per element, ``<tag>.1`` to ``<tag>.n`` in row-major order, and a Binary variable to a tag of ``bytes``.
"""
from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from fmpy.model_description import ModelDescription

from twin import config
from twin.config import FilePath, MapOf, Number, Param, Quantity, Record, Str
from twin.fmu.describe import FMUError, python_type, shape
from twin.tags import TAG_NAME

ENTRY = Record({"fmu": FilePath(), "interface": Str(["CoSimulation", "ModelExchange"]), "inputs": MapOf(Str()),
                "outputs": MapOf(Str()), "parameters": MapOf(Param()), "on_terminate": Str(["continue", "stop"])},
               required=["fmu"], name="an FMU entry")
MASTER = Record({"step": Quantity("s", "10 s"), "ordering": Str(["jacobi", "gauss-seidel"]),
                 "loop_tolerance": Number(minimum=0)}, defaults={"ordering": "jacobi"}, name="co-simulation options")
SCHEMA = Record({"fmus": MapOf(ENTRY), "co_simulation": MASTER}, required=["fmus"], name="an FMU binding file")

#: Which causalities may be bound on each side.
SIDES = {"inputs": ("input",), "outputs": ("output", "local"), "parameters": ("parameter", "input")}


@dataclass
class Binding:
    """One FMU of the plant: its file and which tag each input and output is, plus parameter values."""

    asset: str
    fmu: Path
    inputs: dict[str, str] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)
    parameters: dict[str, object] = field(default_factory=dict)
    interface: str | None = None
    on_terminate: str | None = None  # when the FMU asks to end the simulation: "continue" (default) or "stop"


def load(path: str | Path) -> tuple[list[Binding], dict]:
    """Read a binding file: its FMUs (each checked against its model description) and the co-simulation options."""
    doc = config.load(path, SCHEMA)
    bindings = [bind(asset, entry) for asset, entry in doc["fmus"].items()]
    options = doc["co_simulation"] or {"step": None, "ordering": "jacobi", "loop_tolerance": None}
    return bindings, dict(options)


def bind(asset: str, entry: config.Mapping) -> Binding:
    """One checked ``ENTRY`` of a YAML file (a binding file or a plant overlay): errors name its file and line."""
    from twin.fmu.describe import read

    try:
        md = read(entry["fmu"])
    except FMUError as exc:
        raise entry.error("fmu", str(exc).split("\n")[0], expected="a path to an FMU (FMI 2.0 or 3.0)") from None
    inputs, outputs, parameters = resolve(md, asset, entry["inputs"], entry["outputs"], entry["parameters"],
                                          where=entry)
    return Binding(asset, entry["fmu"], inputs, outputs, parameters, entry["interface"], entry["on_terminate"])


def resolve(md: ModelDescription, asset: str, inputs: dict | None = None, outputs: dict | None = None,
            parameters: dict | None = None, where: config.Mapping | None = None
            ) -> tuple[dict[str, str], dict[str, str], dict[str, object]]:
    """Check the variable names, sides and parameter types of a binding and fill in the default tags.

    ``where`` is the YAML entry the binding came from (errors then name file, line and key); without it errors are
    :class:`~twin.fmu.describe.FMUError`.
    """
    variables = {v.name: v for v in md.modelVariables}
    given = {"inputs": dict(inputs or {}), "outputs": dict(outputs or {}), "parameters": dict(parameters or {})}
    for side, mapping in given.items():
        for name, value in mapping.items():
            _check_variable(md, variables, side, name, where)
            if variables[name].type == "Clock":
                _fail(where, side, name, f"'{name}' is an FMI 3 clock: clocks tick in event mode, which the twin "
                      "does not drive, so they cannot be bound to tags", "an input, output or parameter that is "
                      "not a Clock", "leave it out: its clocked variables can still be bound")
            if side == "parameters":
                _check_value(variables[name], value, where)
            elif not (isinstance(value, str) and TAG_NAME.match(value)):
                _fail(where, side, name, f"{value!r} is not a tag name",
                      "a tag ASSET.SIGNAL, e.g. R-101.TT-01")
    for v in md.modelVariables:
        if v.causality == "input" and v.type != "Clock" and v.name not in given["inputs"]:
            given["inputs"][v.name] = default_tag(asset, v.name)
    if not given["outputs"]:
        given["outputs"] = {v.name: default_tag(asset, v.name) for v in md.modelVariables
                            if v.causality == "output" and v.type != "Clock"}
    return given["inputs"], given["outputs"], given["parameters"]


def default_tag(asset: str, variable: str) -> str:
    """The tag an unbound variable gets: ``<asset>.<variable>``, with characters tags do not allow replaced."""
    return f"{asset}.{re.sub(r'[^A-Za-z0-9_.-]', '_', variable)}"


def _check_variable(md, variables, side: str, name: str, where) -> None:
    origin = f"{md.modelName} (FMI {md.fmiVersion})"
    if name not in variables:
        candidates = [v.name for v in md.modelVariables if v.causality in SIDES[side]]
        close = difflib.get_close_matches(name, candidates, n=3, cutoff=0.5) or difflib.get_close_matches(
            name, list(variables), n=3, cutoff=0.5)
        hint = f"did you mean {', '.join(repr(c) for c in close)}?" if close else \
            f"the {side} of this FMU are: {', '.join(candidates) or 'none'}"
        _fail(where, side, name, f"'{name}' is not a variable of {origin}", f"one of {', '.join(candidates)}", hint)
    causality = variables[name].causality
    if causality not in SIDES[side]:
        home = next((s for s, allowed in SIDES.items() if causality in allowed), None)
        hint = f"bind it under {home}:" if home else "only inputs, outputs and parameters can be bound"
        _fail(where, side, name, f"'{name}' is {'an' if causality[0] in 'aeiou' else 'a'} {causality} of {origin}, "
              f"not one of its {side}", f"a variable with causality {' or '.join(SIDES[side])}", hint)


def _check_value(variable, value, where) -> None:
    wanted = python_type(variable)
    if variable.dimensions:  # an FMI 3 array: a list of its elements, in row-major order
        size = math.prod(shape(variable))
        if not (isinstance(value, list) and len(value) == size and all(_fits(x, wanted) for x in value)):
            _fail(where, "parameters", variable.name,
                  f"'{variable.name}' is a {variable.type} array of {size} elements {list(shape(variable))}; "
                  f"{value!r} does not fit", f"a list of {size} {wanted.__name__} values, in row-major order")
        return
    if not _fits(value, wanted):
        _fail(where, "parameters", variable.name,
              f"'{variable.name}' is a {variable.type} variable; {value!r} ({type(value).__name__}) does not fit",
              f"a {wanted.__name__} value")


def _fits(value, wanted: type) -> bool:
    return (isinstance(value, bool) if wanted is bool else
            isinstance(value, int) and not isinstance(value, bool) if wanted is int else
            isinstance(value, int | float) and not isinstance(value, bool) if wanted is float else
            isinstance(value, wanted))


def _fail(where, side: str, key: str, message: str, expected: str | None = None, hint: str | None = None):
    if where is not None and isinstance(where.get(side), config.Mapping):
        raise where[side].error(key, message, expected=expected, hint=hint)
    raise FMUError(f"{side}: {message}" + (f"\n  expected: {expected}" if expected else "")
                   + (f"\n  hint: {hint}" if hint else ""))
