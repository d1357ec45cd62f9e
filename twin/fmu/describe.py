"""Open an FMU file and say what is in it: the checks every FMU goes through, and ``twin inspect model.fmu``.

>>> md = read("jacket_tcu.fmu")                   # doctest: +SKIP
>>> print(describe("jacket_tcu.fmu"))             # doctest: +SKIP
jacket_tcu.fmu: FMI 2.0 model 'tcu' (Co-Simulation, Model Exchange)
...

:func:`read` turns every way an FMU file can be wrong (missing, not a zip, no model description, an FMI version
or a platform the twin cannot run) into an :class:`FMUError` that names the file and says how to fix it.
"""
from __future__ import annotations

import math
import zipfile
from dataclasses import dataclass
from pathlib import Path

import fmpy
import numpy as np
from fmpy.model_description import ModelDescription, ModelVariable, ValidationError, read_model_description

from twin.config import suggest_file

#: FMI types of each Python type a tag can hold.
PYTHON_TYPES = {
    "Real": float, "Float32": float, "Float64": float,
    "Integer": int, "Enumeration": int, "Int8": int, "UInt8": int, "Int16": int, "UInt16": int, "Int32": int,
    "UInt32": int, "Int64": int, "UInt64": int,
    "Boolean": bool, "String": str, "Binary": bytes, "Clock": bool,
}
#: The interfaces an FMU can have, as the model description names them, and whether the twin runs them.
INTERFACES = {"CoSimulation": True, "ModelExchange": True, "ScheduledExecution": False}
LABELS = {"CoSimulation": "Co-Simulation", "ModelExchange": "Model Exchange",
          "ScheduledExecution": "Scheduled Execution"}
CAUSALITY_ORDER = ("parameter", "calculatedParameter", "input", "output", "local", "independent", "structuralParameter")


class FMUError(Exception):
    """An FMU the twin cannot use, or one that failed while running: what, where, and how to fix it."""


def read(path: str | Path) -> ModelDescription:
    """The model description of the FMU at ``path``, after checking that the twin can run it on this machine."""
    path = Path(path)
    if not path.exists():
        raise FMUError(f"{path}: FMU file not found\n  hint: {suggest_file(path)}")
    if path.is_dir():
        raise FMUError(f"{path}: is a folder, not an FMU file\n  hint: name the .fmu archive itself")
    if not zipfile.is_zipfile(path):
        raise FMUError(f"{path}: not an FMU: an FMU is a zip archive holding modelDescription.xml and binaries/\n"
                       "  hint: export the model again as an FMU (FMI 2.0 or 3.0) from its tool")
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
    if "modelDescription.xml" not in names:
        raise FMUError(f"{path}: this zip archive has no modelDescription.xml at its root, so it is not an FMU\n"
                       "  hint: export the model again as an FMU (FMI 2.0 or 3.0) from its tool")
    version = _fmi_version(path)
    if version not in ("2.0",) and not version.startswith("3."):
        raise FMUError(f"{path}: FMI version {version} is not supported: the twin runs FMI 2.0 and FMI 3.0 FMUs\n"
                       "  hint: export the model again as an FMI 2.0 or 3.0 FMU")
    try:
        md = read_model_description(str(path), validate=True)
    except ValidationError as exc:
        problems = "\n".join(f"    {p}" for p in exc.problems[:10])
        raise FMUError(f"{path}: modelDescription.xml is not valid FMI {version}:\n{problems}") from None
    except Exception as exc:  # lxml syntax errors and the like
        raise FMUError(f"{path}: cannot read modelDescription.xml: {exc}") from None
    platform = fmpy.platform  # fmpy names FMI 3 platform tuples (x86_64-linux) by the FMI 2 names too
    platforms = fmpy.supported_platforms(str(path))
    if platform not in platforms:
        has = ", ".join(platforms) if platforms else "none"
        raise FMUError(f"{path}: no binary for this platform ({platform}); the FMU has binaries for: {has}\n"
                       f"  hint: export the FMU for {platform} from its tool")
    return md


def _fmi_version(path: Path) -> str:
    """The fmiVersion attribute, read before full parsing so that FMI 1.0 gets a clear answer."""
    from lxml import etree

    try:
        with zipfile.ZipFile(path) as archive, archive.open("modelDescription.xml") as xml:
            root = etree.parse(xml).getroot()
    except etree.XMLSyntaxError as exc:
        raise FMUError(f"{path}: modelDescription.xml is not well-formed XML: {exc}") from None
    return root.get("fmiVersion", "unknown")


def python_type(variable: ModelVariable) -> type:
    """The Python type of the values of an FMU variable (float, int, bool, str or bytes)."""
    return PYTHON_TYPES.get(variable.type, object)


def interfaces(md: ModelDescription) -> list[str]:
    """The interfaces the FMU has: CoSimulation, ModelExchange, ScheduledExecution (FMI 3)."""
    return [name for name in INTERFACES if getattr(md, name[0].lower() + name[1:], None) is not None]


def shape(variable: ModelVariable) -> tuple[int, ...]:
    """The dimensions of an FMI 3 array variable (``()`` for a scalar): each fixed, or the start value of the
    structural parameter that holds it."""
    sizes = []
    for d in variable.dimensions:
        size = d.start if d.start is not None else d.variable.start if d.variable is not None else None
        if size is None:
            raise FMUError(f"array variable '{variable.name}': dimension {len(sizes) + 1} has no size")
        sizes.append(int(size))
    return tuple(sizes)


def parse_start(variable: ModelVariable, text: str) -> list:
    """The start value(s) of a variable as Python values: one per element (an FMI 3 array lists them separated by
    spaces, a Binary is hexadecimal)."""
    kind = python_type(variable)
    if kind is bytes:
        return [bytes.fromhex(text)]
    items = [text] if kind is str or not variable.dimensions else text.split()
    if kind is bool:
        return [item in ("true", "1") for item in items]
    return [kind(float(item)) if kind is int else kind(item) for item in items]


@dataclass(frozen=True)
class Experiment:
    """The settings ``fmpy.simulate_fmu`` takes when given none, for one interface of an FMU (see
    :func:`fmpy_defaults`): start and stop time, communication (output) step, CVODE's largest step and
    relative tolerance (``None``: not set)."""

    start: float
    stop: float
    step: float
    max_step: float
    tolerance: float | None


def fmpy_defaults(md: ModelDescription, interface: str) -> Experiment:
    """What ``fmpy.simulate_fmu`` (FMPy 0.3, ``fmpy/simulation.py``) derives from the FMU's DefaultExperiment.

    Start time: ``startTime`` or 0; stop time: ``stopTime`` or start + 1 s. Co-Simulation step: the FMU's
    ``fixedInternalStepSize``, else ``stepSize``, doubled until the run has at most 1000 steps, else
    :func:`fmpy.util.auto_interval`. Model Exchange ignores ``stepSize``: its step is ``10**(round(log10(stop -
    start)) - 3)``, doubled likewise; CVODE's largest step is (stop - start) / 50 and its tolerance the
    DefaultExperiment's or 1e-5.
    """
    from fmpy.util import auto_interval

    ex = md.defaultExperiment
    start = float(ex.startTime) if ex is not None and ex.startTime is not None else 0.0
    stop = float(ex.stopTime) if ex is not None and ex.stopTime is not None else start + 1.0
    tolerance = float(ex.tolerance) if ex is not None and ex.tolerance is not None else None
    if not stop > start:  # a DefaultExperiment that ends before it starts: as if it had no stop time
        stop = start + 1.0
    total = stop - start
    if interface == "CoSimulation":
        cs = md.coSimulation
        step = (float(cs.fixedInternalStepSize) if cs is not None and cs.fixedInternalStepSize is not None else
                float(ex.stepSize) if ex is not None and ex.stepSize is not None else None)
        if step is None:
            step = float(auto_interval(total))
        else:
            while total / step > 1000:
                step *= 2
        return Experiment(start, stop, step, math.inf, tolerance)
    step = float(10 ** (np.round(np.log10(total)) - 3))  # FMPy's formula, to the last bit
    while total / step > 1000:
        step *= 2
    return Experiment(start, stop, step, total / 50, tolerance if tolerance is not None else 1e-5)


def describe(path: str | Path) -> str:
    """A readable summary of the FMU at ``path``: interfaces, default experiment (and the settings the twin takes
    from it), arrays, binaries, clocks and every variable."""
    path = Path(path)
    md = read(path)
    kinds = [f"{LABELS[name]}{'' if runs else ' (not run by the twin)'}" for name, runs in INTERFACES.items()
             if name in interfaces(md)]
    lines = [f"{path.name}: FMI {md.fmiVersion} model '{md.modelName}' ({', '.join(kinds)})"]
    if md.description:
        lines.append(f"  {md.description}")
    if md.generationTool:
        lines.append(f"  generated by {md.generationTool}")
    ex = md.defaultExperiment
    parts = [f"{k} {v}" for k, v in (("start", ex.startTime), ("stop", ex.stopTime), ("step", ex.stepSize),
                                     ("tolerance", ex.tolerance)) if v is not None] if ex is not None else []
    lines.append(f"  default experiment: {', '.join(parts) or 'none'} (times in s)")
    for name in ("CoSimulation", "ModelExchange"):
        if name in interfaces(md):
            d = fmpy_defaults(md, name)
            extra = f", CVODE max step {d.max_step:g} s, tolerance {d.tolerance:g}" if name == "ModelExchange" else ""
            lines.append(f"  twin defaults ({name}, as fmpy.simulate_fmu): start {d.start:g} s, "
                         f"step {d.step:g} s{extra}")
    states = sum(1 for v in md.modelVariables if v.derivative is not None)
    rollback = any(k is not None and k.canGetAndSetFMUstate for k in (md.coSimulation, md.modelExchange))
    lines.append(f"  {states} continuous states, {md.numberOfEventIndicators} event indicators, "
                 f"can {'' if rollback else 'not '}save and restore its state (step retry)")
    arrays = [v for v in md.modelVariables if v.dimensions]
    if arrays:
        lines.append("  arrays (one tag per element, <tag>.1 ... <tag>.n in row-major order): " + ", ".join(
            f"{v.name}{list(shape(v))}" for v in arrays))
    binaries = [v.name for v in md.modelVariables if v.type == "Binary"]
    if binaries:
        lines.append(f"  binaries (bytes tags; start values in hexadecimal): {', '.join(binaries)}")
    clocks = [v for v in md.modelVariables if v.type == "Clock"]
    if clocks:
        lines.append("  clocks (not bound to tags): " + ", ".join(
            f"{v.name} ({v.causality}" + (f", interval {v.intervalVariability})" if v.intervalVariability else ")")
            for v in clocks))
    rows = [("name", "causality", "variability", "type", "start", "unit", "description")]
    ordered = sorted(md.modelVariables, key=lambda v: (CAUSALITY_ORDER.index(v.causality)
                                                       if v.causality in CAUSALITY_ORDER else 99))
    for v in ordered:
        unit = v.unit or (v.declaredType.unit if v.declaredType is not None else None)
        kind = v.type + ("[" + ",".join(map(str, shape(v))) + "]" if v.dimensions else "")
        rows.append((v.name, v.causality or "", v.variability or "", kind, v.start or "", unit or "",
                     v.description or ""))
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]) - 1)]
    lines.append("")
    for r in rows:
        lines.append("  " + "  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=False)) + "  " + r[-1])
    return "\n".join(line.rstrip() for line in lines)
