"""Build real FMUs from the project's own C sources, for tests, benchmarks and examples.

Each model under ``twin/fmu/models/`` is a small C file (see ``model.h``); its variables are listed here once. The
builder writes ``modelDescription.xml`` for FMI 2.0 or 3.0, compiles the model with the system ``gcc`` against the
FMI headers that fmpy ships, and zips both into an ``.fmu``::

    from twin.fmu.testing import build_fmu
    path = build_fmu("oscillator", "build/", fmi_version=3, interfaces=("ModelExchange",))

Nothing is downloaded and no binary is committed: the FMUs are made where they are needed.
"""
from __future__ import annotations

import subprocess
import uuid
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path
from xml.sax.saxutils import quoteattr

import fmpy

MODELS_DIR = Path(__file__).parent / "models"
HEADERS_DIR = Path(fmpy.__file__).parent / "c-code"
INTERFACES = ("CoSimulation", "ModelExchange")


@dataclass(frozen=True)
class Var:
    """One variable of a test model. ``kind`` is state, derivative, input, output, parameter or local."""

    name: str
    kind: str
    start: float | str | tuple | None = None  # text for a String, hexadecimal for a Binary, a tuple for an array
    unit: str = ""
    type: str = "Real"          # Real, Integer, Boolean, String, Binary (FMI 3) or Clock (FMI 3, never ticks)
    of: str = ""                # the state a derivative belongs to
    depends: tuple[str, ...] = ()  # the inputs an output depends on directly (direct feedthrough)
    causality: str = ""         # a state's causality: output (the default) or local
    description: str = ""
    size: int = 1               # > 1: an FMI 3 array of this many elements (one dimension)


@dataclass(frozen=True)
class Model:
    description: str
    variables: tuple[Var, ...]
    stop_time: float = 10.0
    step_size: float | None = 0.01  # None: the DefaultExperiment has no stepSize
    start_time: float = 0.0
    internal_step: float = 1e-3
    indicators: tuple[str, ...] = ()


MODELS: dict[str, Model] = {
    "oscillator": Model(
        "damped spring-mass oscillator driven by the input F and a force step at t_step (a time event)",
        (
            Var("x", "state", 1.0, "m", description="position"),
            Var("v", "state", 0.0, "m/s", description="velocity"),
            Var("der(x)", "derivative", of="x"),
            Var("der(v)", "derivative", of="v"),
            Var("F", "input", 0.0, "N", description="external force"),
            Var("F_ext", "local", description="force step, on from t_step"),
            Var("mass", "parameter", 1.0, "kg"),
            Var("k", "parameter", 4.0, "N/m", description="spring constant"),
            Var("d", "parameter", 0.4, "N.s/m", description="damping"),
            Var("F_step", "parameter", 2.0, "N"),
            Var("t_step", "parameter", 2.5, "s", description="time of the force step"),
        ),
        stop_time=10.0,
        step_size=0.01,
    ),
    "bouncing_ball": Model(
        "ball falling from h and bouncing on the floor with restitution e (a state event)",
        (
            Var("h", "state", 1.0, "m", description="height"),
            Var("v", "state", 0.0, "m/s", description="velocity"),
            Var("der(h)", "derivative", of="h"),
            Var("der(v)", "derivative", of="v"),
            Var("g", "parameter", 9.81, "m/s2"),
            Var("e", "parameter", 0.8, description="coefficient of restitution"),
        ),
        stop_time=2.0,
        step_size=0.01,
        indicators=("h",),
    ),
    "reactor": Model(
        "jacketed batch reactor with an exothermic first-order reaction, cooled through its jacket",
        (
            Var("T", "state", 300.0, "K", description="reactor temperature"),
            Var("c", "state", 1000.0, "mol/m3", causality="local", description="reactant concentration"),
            Var("der(T)", "derivative", of="T"),
            Var("der(c)", "derivative", of="c"),
            Var("T_jacket", "input", 300.0, "K", description="jacket temperature"),
            Var("Q_rxn", "output", unit="W", description="heat of reaction released"),
            Var("alarm", "output", type="Boolean", description="T above T_alarm"),
            Var("volume", "parameter", 1.0, "m3"),
            Var("m_cp", "parameter", 4.0e6, "J/K", description="heat capacity of the charge"),
            Var("UA", "parameter", 2.0e4, "W/K", description="jacket heat transfer"),
            Var("k0", "parameter", 3.0e7, "1/s", description="pre-exponential factor"),
            Var("Ea_R", "parameter", 8000.0, "K", description="activation energy over R"),
            Var("dH", "parameter", -5.0e4, "J/mol", description="reaction enthalpy"),
            Var("T_alarm", "parameter", 345.0, "K"),
            Var("T_max", "parameter", 450.0, "K", description="model validity limit: error above"),
            Var("dT_max", "parameter", 1.0e9, "K", description="largest change of T in one step"),
        ),
        stop_time=3600.0,
        step_size=10.0,
        internal_step=0.5,
    ),
    "tcu": Model(
        "temperature-control unit: PI controller and jacket loop of a reactor",
        (
            Var("Tj", "state", 300.0, "K", description="jacket temperature"),
            Var("I", "state", 0.0, "K.s", causality="local", description="integral of the control error"),
            Var("der(Tj)", "derivative", of="Tj"),
            Var("der(I)", "derivative", of="I"),
            Var("T", "input", 300.0, "K", description="measured reactor temperature"),
            Var("T_set", "input", 330.0, "K", description="set point"),
            Var("T_supply", "local", unit="K", description="supply temperature from the controller"),
            Var("Kp", "parameter", 3.0, description="proportional gain"),
            Var("Ti", "parameter", 600.0, "s", description="integral time"),
            Var("tau", "parameter", 60.0, "s", description="time constant of the jacket loop"),
            Var("UA", "parameter", 2.0e4, "W/K", description="jacket heat transfer"),
            Var("m_cp_j", "parameter", 4.0e5, "J/K", description="heat capacity of the jacket loop"),
        ),
        stop_time=3600.0,
        step_size=10.0,
        internal_step=0.5,
    ),
    "counter": Model(
        "counts time events every period s from the start and asks to end the simulation when it reaches last",
        (
            Var("count", "output", type="Integer", description="events so far"),
            Var("period", "parameter", 0.75, "s"),
            Var("last", "parameter", 7.0, description="the count at which the FMU asks to end the simulation"),
        ),
        start_time=0.5,
        stop_time=10.5,
        step_size=None,
    ),
    "echo": Model(
        "text and bytes straight through; a clock input that the model ignores (FMI 3)",
        (
            Var("s_in", "input", "Set me!", type="String"),
            Var("s_out", "output", type="String", depends=("s_in",)),
            Var("n_out", "output", type="Integer", depends=("s_in",), description="length of s_in"),
            Var("b_in", "input", "666f6f", type="Binary"),
            Var("b_out", "output", type="Binary", depends=("b_in",)),
            Var("tick", "input", type="Clock"),
        ),
        stop_time=1.0,
        step_size=0.1,
    ),
    "vector": Model(
        "element-wise gains on FMI 3 arrays, y[i] = k[i] u[i] + offset, with a scalar lag x' = (sum(y) - x) / tau",
        (
            Var("x", "state", 0.0, description="lag of the sum of the outputs"),
            Var("der(x)", "derivative", of="x"),
            Var("tau", "parameter", 0.5, "s"),
            Var("offset", "parameter", 0.25),
            Var("u", "input", (1.0, 2.0, 3.0), size=3),
            Var("k", "parameter", (0.5, -1.0, 2.0), size=3),
            Var("y", "output", depends=("u",), size=3),
        ),
        stop_time=2.0,
        step_size=0.05,
    ),
    "gain": Model(
        "static gain y = k u + b, with direct feedthrough from u to y",
        (
            Var("u", "input", 0.0),
            Var("y", "output", depends=("u",)),
            Var("k", "parameter", 0.5),
            Var("b", "parameter", 1.0),
        ),
        stop_time=1.0,
        step_size=0.1,
    ),
}


def build_fmu(model: str, folder: str | Path, fmi_version: int = 2, interfaces: tuple[str, ...] = INTERFACES,
              name: str | None = None, rollback: bool = True) -> Path:
    """Compile ``model`` into ``folder/<name>.fmu`` (FMI ``fmi_version`` 2 or 3) and return its path.

    ``rollback=False`` declares that the FMU cannot save and restore its state (``canGetAndSetFMUstate``).
    """
    spec = MODELS[model]
    if fmi_version not in (2, 3):
        raise ValueError(f"fmi_version must be 2 or 3, not {fmi_version!r}")
    unknown = set(interfaces) - set(INTERFACES)
    if unknown or not interfaces:
        raise ValueError(f"interfaces must be taken from {INTERFACES}, not {interfaces!r}")
    name = name or f"{model}_fmi{fmi_version}_{'_'.join(i[:2].lower() for i in interfaces)}{'' if rollback else '_nr'}"
    folder = Path(folder)
    work = folder / f"{name}.build"
    (work / "include").mkdir(parents=True, exist_ok=True)
    guid = "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"pharma-twin/{model}/{fmi_version}")) + "}"
    (work / "include" / "vars.h").write_text(_vars_header(spec, guid))
    binary_dir = f"binaries/{fmpy.platform if fmi_version == 2 else fmpy.platform_tuple}"
    library = work / f"{model}.so"
    command = ["gcc", "-shared", "-fPIC", "-O2", "-std=gnu11", "-w", f"-I{work / 'include'}", f"-I{MODELS_DIR}",
               f"-I{HEADERS_DIR}", f'-DMODEL_SOURCE="{model}.c"', str(MODELS_DIR / f"fmi{fmi_version}.c"),
               "-o", str(library), "-lm"]
    try:
        subprocess.run(command, check=True, capture_output=True, text=True)
    except FileNotFoundError:
        raise RuntimeError("gcc not found: the test FMUs are compiled with the system C compiler "
                           "(apt-get install gcc)") from None
    except subprocess.CalledProcessError as exc:
        raise RuntimeError(f"compiling the {model} FMU failed:\n{exc.stderr}") from None
    writer = _fmi2_description if fmi_version == 2 else _fmi3_description
    fmu = folder / f"{name}.fmu"
    with zipfile.ZipFile(fmu, "w", zipfile.ZIP_DEFLATED) as archive:
        xml = writer(model, spec, guid, interfaces)
        if not rollback:
            xml = xml.replace('canGetAndSetFMUstate="true"', 'canGetAndSetFMUstate="false"').replace(
                'canGetAndSetFMUState="true"', 'canGetAndSetFMUState="false"')
        archive.writestr("modelDescription.xml", xml)
        archive.write(library, f"{binary_dir}/{model}.so")
    return fmu


NUMERIC = ("Real", "Integer", "Boolean")
FMI3_ONLY = ("Binary", "Clock")


def _c_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _c_name(name: str) -> str:
    return name.replace("(", "_").replace(")", "").replace(".", "_")


def _vars_header(spec: Model, guid: str) -> str:
    names = [v.name for v in spec.variables]
    slots = [sum(v.size for v in spec.variables[:i]) for i in range(len(names))]  # an array takes `size` slots
    states = [slots[names.index(v.of)] for v in spec.variables if v.kind == "derivative"]
    derivatives = [slots[i] for i, v in enumerate(spec.variables) if v.kind == "derivative"]
    indicators = [slots[names.index(n)] for n in spec.indicators]
    start = ", ".join(repr(float(x)) for v in spec.variables for x in _elements(v))
    strings = ", ".join(_c_string(v.start) if v.type == "String" and v.start else "0" for v in spec.variables)
    binaries = ", ".join(_c_string(v.start) if v.type == "Binary" and v.start else "0" for v in spec.variables)
    lines = [
        "/* generated by twin/fmu/testing.py */",
        f'#define GUID "{guid}"',
        f"#define NV {len(names)}",
        f"#define NR {sum(v.size for v in spec.variables)}",
        f"#define NX {len(states)}",
        f"#define NZ {len(indicators)}",
        f"#define H_MAX {spec.internal_step!r}",
        f"#define START_VALUES {{{start}}}",
        f"#define STRING_STARTS {{{strings}, 0}}",
        f"#define BINARY_STARTS {{{binaries}, 0}}",
        f"static const int SLOT[NV] = {{{', '.join(map(str, slots))}}};",
        f"static const size_t SIZE[NV] = {{{', '.join(str(v.size) for v in spec.variables)}}};",
        f"static const int STATE_VR[NX + 1] = {{{', '.join(map(str, states + [0]))}}};",
        f"static const int DER_VR[NX + 1] = {{{', '.join(map(str, derivatives + [0]))}}};",
        f"static const int INDICATOR_VR[NZ + 1] = {{{', '.join(map(str, indicators + [0]))}}};",
    ]
    for i, name in enumerate(names):
        lines.append(f"#define V_{_c_name(name)} (m->r[{slots[i]}])")
        lines.append(f"#define S_{_c_name(name)} (m->r0[{slots[i]}])")
        lines.append(f"#define VR_{_c_name(name)} {i}")
    return "\n".join(lines) + "\n"


def _elements(v: Var) -> list[float]:
    """The start values of a variable's slots (0 for text, bytes, clocks and calculated values)."""
    if v.type not in NUMERIC or v.start is None:
        return [0.0] * v.size
    return [float(x) for x in v.start] if v.size > 1 else [float(v.start)]


def _attributes(**attrs) -> str:
    return "".join(f" {k}={quoteattr(str(v))}" for k, v in attrs.items() if v is not None and v != "")


def _roles(v: Var) -> dict:
    """causality, variability and initial of a variable, by its kind."""
    return {
        "state": dict(causality=v.causality or "output", variability="continuous", initial="exact"),
        "derivative": dict(causality="local", variability="continuous", initial="calculated"),
        "input": dict(causality="input", variability="continuous" if v.type == "Real" else "discrete",
                      **({"intervalVariability": "triggered"} if v.type == "Clock" else {})),
        "output": dict(causality="output", variability="continuous" if v.type == "Real" else "discrete",
                       initial="calculated"),
        "parameter": dict(causality="parameter", variability="fixed", initial="exact"),
        "local": dict(causality="local", variability="continuous", initial="calculated"),
    }[v.kind]


def _units(spec: Model) -> str:
    units = sorted({v.unit for v in spec.variables if v.unit})
    if not units:
        return ""
    return "  <UnitDefinitions>\n" + "".join(f'    <Unit name="{u}"/>\n' for u in units) + "  </UnitDefinitions>\n"


def _outputs(spec: Model) -> list[tuple[int, Var]]:
    return [(i, v) for i, v in enumerate(spec.variables) if _roles(v)["causality"] == "output"]


def _header(spec: Model, model: str, version: str, token: str) -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<fmiModelDescription fmiVersion="{version}" '
            f'modelName="{model}" {token} description={quoteattr(spec.description)} '
            f'generationTool="pharma-twin twin.fmu.testing" variableNamingConvention="structured"')


def _fmi2_description(model: str, spec: Model, guid: str, interfaces) -> str:
    kept = tuple(v for v in spec.variables if v.type not in FMI3_ONLY and v.size == 1)  # FMI 2: no Binary, Clock,
    # or arrays: left out
    assert kept == spec.variables[:len(kept)], "FMI 3-only variables come last (FMI 2 numbers variables by position)"
    spec = replace(spec, variables=kept)
    names = [v.name for v in spec.variables]
    xml = _header(spec, model, "2.0", f'guid="{guid}"') + f' numberOfEventIndicators="{len(spec.indicators)}">\n'
    if "ModelExchange" in interfaces:
        xml += f'  <ModelExchange modelIdentifier="{model}" canGetAndSetFMUstate="true" canSerializeFMUstate="true"/>\n'
    if "CoSimulation" in interfaces:
        xml += (f'  <CoSimulation modelIdentifier="{model}" canHandleVariableCommunicationStepSize="true" '
                'canGetAndSetFMUstate="true" canSerializeFMUstate="true"/>\n')
    xml += _units(spec)
    xml += (f'  <DefaultExperiment{_experiment(spec)}/>\n'
            "  <ModelVariables>\n")
    for i, v in enumerate(spec.variables):
        roles = _roles(v)
        typed = _attributes(start=v.start if roles.get("initial") != "calculated" else None,
                            unit=v.unit if v.type == "Real" else None,
                            derivative=names.index(v.of) + 1 if v.of else None)
        if v.start is None and roles.get("initial") != "calculated" and v.kind != "local":
            typed += ' start="0"'
        xml += (f"    <ScalarVariable{_attributes(name=v.name, valueReference=i, description=v.description, **roles)}>"
                f"<{v.type}{typed}/></ScalarVariable>\n")
    outputs = [(i, " ".join(str(names.index(d) + 1) for d in v.depends)) for i, v in _outputs(spec)]
    derivatives = [i for i, v in enumerate(spec.variables) if v.kind == "derivative"]
    initial = [i for i, v in enumerate(spec.variables) if v.kind in ("derivative", "output")]
    xml += "  </ModelVariables>\n  <ModelStructure>\n"
    xml += _unknowns("Outputs", [f'index="{i + 1}" dependencies="{deps}"' for i, deps in outputs])
    xml += _unknowns("Derivatives", [f'index="{i + 1}"' for i in derivatives])
    xml += _unknowns("InitialUnknowns", [f'index="{i + 1}"' for i in initial])
    return xml + "  </ModelStructure>\n</fmiModelDescription>\n"


def _experiment(spec: Model) -> str:
    return _attributes(startTime=f"{spec.start_time:g}", stopTime=repr(spec.stop_time),
                       stepSize=repr(spec.step_size) if spec.step_size is not None else None)


def _unknowns(element: str, attributes: list[str]) -> str:
    if not attributes:
        return ""
    return f"    <{element}>\n" + "".join(f"      <Unknown {a}/>\n" for a in attributes) + f"    </{element}>\n"


def _fmi3_description(model: str, spec: Model, guid: str, interfaces) -> str:
    names = [v.name for v in spec.variables]
    xml = _header(spec, model, "3.0", f'instantiationToken="{guid}"') + ">\n"
    if "ModelExchange" in interfaces:
        xml += f'  <ModelExchange modelIdentifier="{model}" canGetAndSetFMUState="true" canSerializeFMUState="true"/>\n'
    if "CoSimulation" in interfaces:
        xml += (f'  <CoSimulation modelIdentifier="{model}" canHandleVariableCommunicationStepSize="true" '
                'canGetAndSetFMUState="true" canSerializeFMUState="true"/>\n')
    xml += _units(spec)
    xml += (f'  <DefaultExperiment{_experiment(spec)}/>\n'
            "  <ModelVariables>\n"
            f'    <Float64 name="time" valueReference="{len(names)}" causality="independent" '
            'variability="continuous"/>\n')
    for i, v in enumerate(spec.variables):
        roles = _roles(v)
        tag = {"Real": "Float64", "Integer": "Int32"}.get(v.type, v.type)
        start = v.start if roles.get("initial") != "calculated" else None
        if start is None and roles.get("initial") != "calculated" and v.kind != "local" and v.type in NUMERIC:
            start = 0.0
        if v.type in ("String", "Binary"):  # FMI 3 writes their start values as <Start value="..."/>
            attrs = _attributes(name=v.name, valueReference=i, description=v.description, **roles)
            xml += (f"    <{tag}{attrs}><Start value={quoteattr(start)}/></{tag}>\n" if start is not None else
                    f"    <{tag}{attrs}/>\n")
            continue
        if start is not None and v.type == "Boolean":
            start = "true" if start else "false"
        if v.size > 1 and start is not None:
            start = " ".join(repr(float(x)) for x in (start if isinstance(start, tuple) else [start] * v.size))
        attrs = _attributes(name=v.name, valueReference=i, description=v.description, **roles,
                            start=start, unit=v.unit if v.type == "Real" else None,
                            derivative=names.index(v.of) if v.of else None)
        xml += f'    <{tag}{attrs}><Dimension start="{v.size}"/></{tag}>\n' if v.size > 1 else f"    <{tag}{attrs}/>\n"
    xml += "  </ModelVariables>\n  <ModelStructure>\n"
    for i, v in _outputs(spec):
        deps = " ".join(str(names.index(d)) for d in v.depends)
        xml += f'    <Output valueReference="{i}" dependencies="{deps}"/>\n'
    for i, v in enumerate(spec.variables):
        if v.kind == "derivative":
            xml += f'    <ContinuousStateDerivative valueReference="{i}"/>\n'
    for i, v in enumerate(spec.variables):
        if v.kind in ("derivative", "output"):
            xml += f'    <InitialUnknown valueReference="{i}"/>\n'
    for name in spec.indicators:
        xml += f'    <EventIndicator valueReference="{names.index(name)}"/>\n'
    return xml + "  </ModelStructure>\n</fmiModelDescription>\n"
