"""Safety barriers: the LOPA risk register of a plant, its SIFs' PFDavg by IEC 61508-6, barriers followed live.

The scenario names a LOPA file (YAML or a CSV worksheet, see :mod:`scenarios.safety.lopa`); every IPL must stand
on a tag of the plant (``R-101.TT-02``, ``XV-101``). ``states`` is a timeline of barrier health written to the
TagBus (``{at: 30 d, tag: R-101.TT-02.bypassed, value: true}``, see :mod:`scenarios.safety.live`): the frequencies
follow it over the horizon. See ``api_bay.yaml`` beside this file.

KPIs per LOPA scenario ``s``: ``frequency.s`` (mitigated with every barrier healthy, 1/yr), ``gap.s`` (that over
the tolerable frequency: above 1 the risk is not tolerable), ``rrf_needed.s`` (what the SIFs must bring),
``sil_required.s``, ``mean_frequency.s`` (time-average over the horizon with the states, 1/yr) and ``time_above.s``
(s above the tolerable frequency); ``pfd.<ipl>`` per SIF and ``pfd_now_max.<ipl>``, its worst PFD at a moment
(an overdue proof test). Traces: each scenario's frequency over time (``t`` in s,
as every result folder; events too). With a ``thermal`` section, the reactor's thermal risk
(:mod:`scenarios.safety.thermal`): ``thermal.Tp``, ``.dT_ad``, ``.MTSR``, ``.MTT``, ``.TD24`` (K), ``.TMRad_at_MTSR``
(s) and Stoessel's ``thermal.class``. With a
``monte_carlo`` section, each scenario's accident paths sampled (:mod:`scenarios.safety.montecarlo`):
``mc_frequency.s`` (1/yr) and ``mc_agrees.s`` (1 when the static LOPA value lies in its 95% interval). With an
``accident_paths`` section, LOPA scenarios run demand by demand through the twin's reactor
(:mod:`scenarios.safety.paths`): ``dyn_frequency.s`` with ``dyn_low.s``/``dyn_high.s`` (95%), ``dyn_agrees.s``,
``dyn_reach.s`` against ``dyn_assumed_reach.s`` and ``dyn_late.s.<ipl>``: why the dynamic value differs;
``dyn_trip_limit.s`` (K) the highest SIS trip point that still stops the path in time (NaN: none does;
``trip_limit: false`` skips its bisection). An
``interlock`` (the agitation interlock's IPL) stops the dosing at the exact time an ``agitator_stop`` happens; such
a scenario's ``restart`` is how long the agitator stands still. ``full_cooling: {flow, temperature}`` makes the SIS
trip also switch the jacket to its emergency coolant, ``quench: {flow, volume, temperature}`` drown the batch in
cold inert solvent. ``relief: {ipl, set}`` simulates the relief device (set pressure gauge, below the plant's
``design_pressure``) in the scenarios crediting it: the head pressure is on the path and the top event is the
design pressure (the chemistry's ``p_inert`` is the padding gas, the solvent ethanol unless ``antoine_*`` say);
``dyn_peak_pressure.s`` (Pa, absolute) is the highest head pressure over its paths. The headspace gas: a
``nitrogen_loss`` scenario (``ingress``: the air the headspace breathes once the pad is gone) reaches its top event
when the oxygen rises through ``oxygen: {loc}``, the solvent's limiting oxygen concentration; ``oxygen: {ipl,
purge, operator}`` is the IPL acting on the plant's O2 alarm (``AT-01``'s ``alarm``): at the exact crossing (an
interlock) or after the operator's response time, it stops the dosing and purges nitrogen in (``dyn_peak_oxygen.s``,
the highest oxygen fraction). A ``regulator_open`` scenario (``supply: {pressure, cda}``: the nitrogen before the
pad regulator, gauge, and its orifice) reaches the design pressure unless the ``pressure_trip`` IPL (on the plant's
``PT-02`` ``trip``) closes the nitrogen at the exact crossing (and switches to ``full_cooling`` when given).
Events: each path's top event at its time in the batch, and every sampled path (source ``<scenario>.path``, at
its initiating event, with its ``peak`` in SI and its importance ``weight``) for the report's scatter.
``barrier_view: true`` adds the plant in 3D coloured by barrier state to the report.

- :mod:`scenarios.safety.sif`     PFDavg of 1oo1, 1oo2, 2oo3 groups; SIL bands
- :mod:`scenarios.safety.lopa`    LOPA files in, the risk register out
- :mod:`scenarios.safety.bowtie`  the barrier graph: frequencies, minimal cut sets, min-cut, restore suggestions
- :mod:`scenarios.safety.live`    barrier health from the TagBus, frequencies and alarms recomputed on each change
- :mod:`scenarios.safety.thermal` Stoessel's criticality of a semi-batch reaction: MTSR, TMRad, TD24
- :mod:`scenarios.safety.montecarlo` accident paths sampled, importance sampling over barrier failures
- :mod:`scenarios.safety.paths`   accident paths through the twin's reactor, operator response times
- :mod:`scenarios.safety.figures` the report's bow-tie and Swiss-cheese pictures
"""
from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from scenarios.registry import Deferred, Run, Study
from scenarios.safety import lopa, montecarlo, paths
from scenarios.safety.paths import TOP_EVENTS
from twin.config import (
    Anything,
    Boolean,
    FilePath,
    Integer,
    ListOf,
    MapOf,
    Number,
    Quantity,
    Record,
    Schema,
    Str,
    suggest,
    to_si,
)
from twin.tags import TagBus

if TYPE_CHECKING:
    from scenarios.safety.thermal import ThermalRisk

# The reactor model (CasADi), SciPy's root finder, networkx's bow-ties and matplotlib are imported by the functions
# that use them: a scenario is checked against the schema below before any of them loads.


@functools.cache
def plant_signals(path: Path) -> frozenset[str]:
    """Equipment and instrument tags of the plant at ``path`` (what an IPL may stand on)."""
    from twin import plant

    model = plant.load(path)
    return frozenset(asset.tag for asset in model) | frozenset(model.instruments)


STATE = Record({"at": Quantity("s", "30 d"), "tag": Str(), "value": Anything()}, required=("at", "tag", "value"),
               name="a barrier state change")
class Real(Schema):
    """A number: plain, written as text (YAML reads ``1.1e4`` as a string), or ``value unit`` (-> SI)."""

    expected = "a number or a 'value unit' string"

    def validate(self, value, where):
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise self.fail(value, where)
        try:
            return float(value)
        except ValueError:
            try:
                return to_si(value)
            except ValueError as exc:
                raise where.error(f"got {value!r}: {exc}", expected=self.expected) from None


THERMAL = Record({"reactor": Str(), "chemistry": MapOf(Real()),
                  "dosing": Record({"flow": Quantity("m**3/s", "0.1 L/s"), "time": Quantity("s", "1 h")},
                                   required=("flow", "time"), name="a dosing"),
                  "coolant": Quantity("K", "20 degC"), "mtt": Quantity("K", "80 degC"),
                  "decomposition": Record({"q0": Quantity("W/kg", "10 W/kg"), "T0": Quantity("K", "150 degC"),
                                           "Ea": Quantity("J/mol", "100 kJ/mol")}, required=("q0", "T0", "Ea"),
                                          name="a decomposition")},
                 required=("reactor", "dosing", "coolant", "decomposition"), name="a thermal risk section")
MONTE_CARLO = Record({"paths": Integer(minimum=1), "bias": Number(0)}, defaults={"paths": 100_000, "bias": 0.5},
                     name="a Monte Carlo section")
RESPONSE = Record({"median": Quantity("s", "5 min"), "sigma": Number(0)}, required=("median",),
                  defaults={"sigma": 0.8}, name="an operator response time (lognormal: median, sigma of its log)")
ALARM = Record({"ipl": Str(), "at": Quantity("K", "65 degC"), "response": RESPONSE}, required=("ipl", "at"),
               name="an alarm the operator answers")
SUPPLY = Record({"pressure": Quantity("Pa", "7 bar"), "cda": Quantity("m**2", "1e-5 m2")},
                required=("pressure", "cda"), name="the nitrogen supply before the pad regulator (gauge pressure, "
                "the orifice's discharge coefficient times area)")
SIMULATED = Record({"initiating_event": Str(paths.KINDS), "simulates": ListOf(Str()),
                    "flow": Quantity("m**3/s", "0.5 L/s"), "restart": Quantity("s", "40 min"),
                    "ingress": Quantity("m**3/s", "5 m3/h"), "supply": SUPPLY},
                   required=("initiating_event",),
                   name="a LOPA scenario run through the twin")
FULL_COOLING = Record({"flow": Quantity("kg/s", "4 kg/s"), "temperature": Quantity("K", "-5 degC")},
                      required=("flow", "temperature"), name="the emergency coolant of the SIS trip")
QUENCH = Record({"flow": Quantity("m**3/s", "2 L/s"), "volume": Quantity("m**3", "1 m3"),
                 "temperature": Quantity("K", "5 degC")}, required=("flow", "volume", "temperature"),
                name="the quench (cold inert solvent) the SIS trip drowns the batch in")
RELIEF = Record({"ipl": Str(), "set": Quantity("Pa", "5 bar")}, required=("ipl", "set"),
                name="a relief device (its IPL, its set pressure, gauge)")
OXYGEN = Record({"loc": Quantity("1", "10.5 %"), "ipl": Str(), "purge": Quantity("m**3/s", "20 m3/h"),
                 "operator": Boolean()}, required=("loc",), defaults={"operator": False},
                name="the headspace oxygen: the solvent's LOC, the IPL acting on the O2 alarm and the nitrogen it "
                "purges in")
ACCIDENT_PATHS = Record({"paths": Integer(minimum=2), "bias": Number(0), "digest": Quantity("s", "1 h"),
                         "alarm": ALARM, "trip": Str(), "interlock": Str(), "full_cooling": FULL_COOLING,
                         "quench": QUENCH, "relief": RELIEF, "oxygen": OXYGEN, "pressure_trip": Str(),
                         "trip_limit": Boolean(), "scenarios": MapOf(SIMULATED)},
                        required=("scenarios",), defaults={"paths": 200, "bias": 0.5, "trip_limit": True},
                        name="an accident-paths section")


def check(params: Mapping[str, Any], tags: frozenset[str]) -> None:
    """The LOPA file reads cleanly, its IPLs stand on tags of the plant, the states name their health tags."""
    from scenarios.safety.live import HEALTH

    study = lopa.load(params["lopa"])
    lopa.check_tags(study, tags | plant_signals(params["plant"]))
    health = {f"{layer.tag}.{signal}": kind for layer in study.layers.values() for signal, kind in HEALTH.items()}
    states = params["states"]
    for i, state in enumerate(states):
        if state["tag"] not in health:
            raise states[i].error("tag", f"'{state['tag']}' is not the health tag of an IPL",
                                  expected="<IPL tag>.bypassed, .failed or .test_age",
                                  hint=suggest(state["tag"], health) or f"e.g. {next(iter(health), 'R-101.bypassed')}")
        kind, value = health[state["tag"]], state["value"]
        if kind is bool and not isinstance(value, bool):
            raise states[i].error("value", f"got {value!r}", expected="true or false")
        if kind is float:
            try:
                to_si(value, "s")
            except ValueError as exc:
                raise states[i].error("value", f"got {value!r}: {exc}", expected="a time such as 400 d") from None
        if not 0 <= state["at"] <= params["horizon"]:
            raise states[i].error("at", f"{state['at']:g} s lies outside the horizon",
                                  expected=f"0 <= at <= {params['horizon']:g} s")
    if params["thermal"] is not None:
        _check_thermal(params["thermal"], params["plant"])
    mc = params["monte_carlo"]
    for section in (mc, params["accident_paths"]):
        if section is not None and section["bias"] is not None and not 0 < section["bias"] < 1:
            raise section.error("bias", f"got {section['bias']}", hint="bias: 0.5 (or leave it out)",
                                expected="a probability in (0, 1): the biased failure chance")
    if params["accident_paths"] is not None:
        _check_paths(params["accident_paths"], study, params)


def _check_paths(spec, study: lopa.Lopa, params) -> None:
    """The simulated scenarios, IPLs and modifiers are the LOPA's; the reactor comes from the thermal section; the
    alarm and the SIS trip lie below the MTT."""
    if params["thermal"] is None:
        raise spec.error("scenarios", "accident paths run the reactor of the 'thermal' section, which is missing",
                         hint="add a thermal: section (reactor, chemistry, dosing, coolant, decomposition)")
    hazards = {h.name: h for h in study.hazards}
    named = [(spec[k], "ipl") for k in ("alarm", "relief", "oxygen") if spec[k] and spec[k]["ipl"]] + [
        (spec, k) for k in ("trip", "interlock", "pressure_trip") if spec[k]]
    for where, key in named:
        if where[key] not in study.layers:
            raise where.error(key, f"'{where[key]}' is not an IPL of the LOPA",
                              expected=f"one of {', '.join(study.layers)}", hint=suggest(where[key], study.layers))
    for name, sim in spec["scenarios"].items():
        if name not in hazards:
            raise spec["scenarios"].error(name, f"'{name}' is not a scenario of the LOPA",
                                          expected=f"one of {', '.join(hazards)}", hint=suggest(name, hazards))
        if sim["restart"] is not None and sim["initiating_event"] != "agitator_stop":
            raise sim.error("restart", f"'{name}' starts with {sim['initiating_event']}: there is no agitator to "
                            "restart", hint="restart: belongs to an agitator_stop scenario; remove it here")
        for key, kind, example in (("ingress", "nitrogen_loss", "ingress: 5 m3/h"),
                                   ("supply", "regulator_open", "supply: {pressure: 7 bar, cda: 1e-5 m2}")):
            if (sim[key] is not None) != (sim["initiating_event"] == kind):
                raise sim.error(key, f"'{name}' starts with {sim['initiating_event']}: {key} belongs to a {kind} "
                                "scenario, which needs it", hint=example if sim[key] is None else f"remove {key}: here")
        if sim["initiating_event"] == "nitrogen_loss" and spec["oxygen"] is None:
            raise spec.error("scenarios", f"'{name}' loses the nitrogen: its top event is the headspace oxygen "
                             "rising through the solvent's LOC, which the oxygen: section gives",
                             hint="oxygen: {loc: 10.5 %} (ethanol; add ipl:, purge: for the O2 alarm's action)")
        for i, modifier in enumerate(sim["simulates"]):
            if modifier not in hazards[name].modifiers:
                raise sim["simulates"].error(i, f"'{modifier}' is not a modifier of scenario '{name}'",
                                             expected=f"one of {', '.join(hazards[name].modifiers) or '(none)'}",
                                             hint=suggest(modifier, hazards[name].modifiers))
    batch = _batch(params)
    limits = [("the SIS trip point", paths.trip_point(batch), spec, "trip")]
    if spec["alarm"]:
        limits.append(("the alarm", spec["alarm"]["at"], spec["alarm"], "at"))
    if spec["relief"]:
        design = paths.design_pressure(batch)
        if not spec["relief"]["set"] + paths.ATMOSPHERE < design:
            raise spec["relief"].error("set", f"the set pressure ({spec['relief']['set'] / 1e5:g} bar gauge) is not "
                                       f"below the design pressure ({(design - paths.ATMOSPHERE) / 1e5:g} bar gauge)",
                                       hint="a relief device must open before the vessel's design pressure")
    for what, value, where, key in limits:
        if not value < batch.mtt:
            raise where.error(key, f"{what} ({value - 273.15:.1f} degC) is not below the MTT "
                              f"({batch.mtt - 273.15:.1f} degC)",
                              hint="a barrier acting at or after the MTT cannot prevent reaching it")


def _check_thermal(spec, plant_path: Path) -> None:
    """The reactor is a semi-batch reactor of the plant and the chemistry names its model's parameters."""
    from twin import plant
    from twin.process.units import SemiBatchReactor

    assets = {a.tag: a for a in plant.load(plant_path)}
    reactors = [t for t, a in assets.items() if a.behaviour == "semi_batch_reactor"]
    if spec["reactor"] not in reactors:
        raise spec.error("reactor", f"'{spec['reactor']}' is not a semi-batch reactor of the plant",
                         expected=f"one of {', '.join(reactors) or '(none)'}", hint=suggest(spec["reactor"], reactors))
    known = [p for p in inspect.signature(SemiBatchReactor).parameters if p != "tag"]
    for key in spec["chemistry"]:
        if key not in known:
            raise spec["chemistry"].error(key, f"'{key}' is not a parameter of the semi-batch reactor",
                                          expected=f"one of {', '.join(known)}", hint=suggest(key, known))


def thermal_risk(spec, plant_path: Path) -> ThermalRisk:
    """The reactor's thermal risk; UA and MTT default to the plant's ``jacket_ua`` and ``max_temperature``."""
    from scenarios.safety.thermal import Decomposition, assess_reactor
    from twin import plant
    from twin.process.units import SemiBatchReactor

    asset = {a.tag: a for a in plant.load(plant_path)}[spec["reactor"]]
    chemistry = {"UA": asset.params.get("jacket_ua", 8e3), **spec["chemistry"]}
    mtt = spec["mtt"] if spec["mtt"] is not None else asset.params.get("max_temperature")
    cp = chemistry.get("cp", inspect.signature(SemiBatchReactor).parameters["cp"].default)
    d = spec["decomposition"]
    return assess_reactor(spec["reactor"], chemistry, spec["dosing"]["flow"], spec["dosing"]["time"],
                          spec["coolant"], mtt, Decomposition(d["q0"], d["T0"], d["Ea"], cp))


def _batch(params) -> paths.Batch:
    """The batch the accident paths run: the thermal section's reaction, then the digestion."""
    spec, ap = params["thermal"], params["accident_paths"]
    risk = thermal_risk(spec, params["plant"])
    dose = spec["dosing"]
    alarm = ap["alarm"]["at"] if ap["alarm"] else risk.mtt
    return paths.Batch(Path(params["plant"]), spec["reactor"], dict(spec["chemistry"]), dose["flow"], dose["time"],
                       ap["digest"] if ap["digest"] is not None else dose["time"], spec["coolant"], alarm, risk.mtt,
                       risk.td24)


def _credited(hazard: lopa.Hazard, ipl: str | None) -> str | None:
    """``ipl`` if the LOPA scenario credits it (None: it does not act on this scenario's paths)."""
    return ipl if ipl in hazard.pfds else None


def accident_paths(params) -> dict[str, paths.AccidentPaths]:
    """The simulated LOPA scenarios of ``params`` by name, barriers credited in each."""
    spec, study = params["accident_paths"], lopa.load(params["lopa"])
    batch, hazards = _batch(params), {h.name: h for h in study.hazards}
    alarm = spec["alarm"] or {}
    response = paths.Response(**(alarm.get("response") or {}))
    cooling = spec["full_cooling"] and paths.FullCooling(**spec["full_cooling"])
    quench = spec["quench"] and paths.Quench(**spec["quench"])
    relief = spec["relief"] and paths.ReliefDevice(spec["relief"]["ipl"], spec["relief"]["set"] + paths.ATMOSPHERE)
    oxygen = spec["oxygen"] or {"loc": None, "ipl": None, "purge": 0.0, "operator": False}
    out = {}
    for name, sim in spec["scenarios"].items():
        h = hazards[name]
        credited = functools.partial(_credited, h)
        supply = sim["supply"] and paths.Supply(sim["supply"]["pressure"] + paths.ATMOSPHERE, sim["supply"]["cda"])
        gas = paths.Gas(ingress=sim["ingress"] or 0.0, loc=oxygen["loc"], purge=oxygen["purge"] or 0.0,
                        oxygen=credited(oxygen["ipl"]), operator=oxygen["operator"], supply=supply,
                        pressure_trip=credited(spec["pressure_trip"]))
        # the simulated relief is tempered (vapour): a gas overpressure's enters as its PFD
        relief_here = relief if relief and sim["initiating_event"] != "regulator_open" and credited(relief.ipl) \
            else None
        barriers = paths.Barriers(alarm=credited(alarm.get("ipl")), trip=credited(spec["trip"]),
                                  interlock=credited(spec["interlock"]), full_cooling=cooling, quench=quench,
                                  relief=relief_here)
        setup = paths.PathSetup(sim["initiating_event"], barriers, gas, stuck_flow=sim["flow"], restart=sim["restart"])
        out[name] = paths.AccidentPaths(batch, h, setup, simulated_modifiers=tuple(sim["simulates"]),
                                        response=response)
    return out


def assess(params: Mapping[str, Any], seed: np.random.SeedSequence) -> Run:
    """The risk register as KPIs, then the states replayed on a TagBus (static: every replication is the same)."""
    from scenarios.safety.live import LiveBarriers

    study = lopa.load(params["lopa"])
    kpis, units = {}, {}

    def kpi(name: str, value: float, unit: str) -> None:
        kpis[name], units[name] = float(value), unit

    for e in lopa.register(study):
        kpi(f"frequency.{e.scenario}", e.frequency, "1/yr")
        kpi(f"gap.{e.scenario}", e.gap, "1")
        kpi(f"rrf_needed.{e.scenario}", e.rrf_needed, "1")
        kpi(f"sil_required.{e.scenario}", e.sil_required, "SIL")
    for layer in study.layers.values():
        if layer.sif:  # computed from its architecture (a worksheet's SIF has a PFD per scenario instead)
            kpi(f"pfd.{layer.name}", layer.pfd, "1")
    if params["thermal"] is not None:
        risk = thermal_risk(params["thermal"], params["plant"])
        for name, value in (("Tp", risk.Tp), ("dT_ad", risk.dT_ad), ("MTSR", risk.mtsr), ("MTT", risk.mtt),
                            ("TD24", risk.td24)):
            kpi(f"thermal.{name}", value, "K")
        kpi("thermal.TMRad_at_MTSR", risk.tmr_ad_at_mtsr, "s")
        kpi("thermal.class", risk.criticality, "class")
    if params["monte_carlo"] is not None:
        rng = np.random.default_rng(seed)
        for h in study.hazards:
            e = montecarlo.estimate(h, params["monte_carlo"]["paths"], rng, bias=params["monte_carlo"]["bias"])
            kpi(f"mc_frequency.{h.name}", e.frequency, "1/yr")
            kpi(f"mc_agrees.{h.name}", e.covers(h.mitigated * lopa.YEAR), "1")
    events = {"t": [], "source": [], "event": [], "peak": [], "weight": []}

    def log(t: float, source: str, event: str, peak: float = math.nan, weight: float = math.nan) -> None:
        for key, value in zip(events, (t, source, event, peak, weight), strict=True):
            events[key].append(value)

    if params["accident_paths"] is not None:
        rng = np.random.default_rng(seed.spawn(1)[0])
        for name, sampler in accident_paths(params).items():
            found = sampler.estimate(params["accident_paths"]["paths"], rng, bias=params["accident_paths"]["bias"])
            e = found.estimate
            for key, value in (("frequency", e.frequency), ("low", e.low), ("high", e.high)):
                kpi(f"dyn_{key}.{name}", value, "1/yr")
            kpi(f"dyn_agrees.{name}", found.agrees, "1")
            kpi(f"dyn_top_events.{name}", e.hits, "paths")
            kpi(f"dyn_reach.{name}", found.reach, "1")
            kpi(f"dyn_assumed_reach.{name}", found.assumed_reach, "1")
            for ipl, share in found.late.items():
                kpi(f"dyn_late.{name}.{ipl}", share, "1")
            if sampler.setup.barriers.trip is not None and params["accident_paths"]["trip_limit"]:
                limit = paths.trip_limit(sampler)
                kpi(f"dyn_trip_limit.{name}", math.nan if limit is None else limit, "K")
            if found.paths[0].peak_pressure is not None:
                kpi(f"dyn_peak_pressure.{name}", max(p.peak_pressure for p in found.paths), "Pa")
            if found.paths[0].peak_oxygen is not None:
                kpi(f"dyn_peak_oxygen.{name}", max(p.peak_oxygen for p in found.paths), "1")
            for p, weight in zip(found.paths, found.weights, strict=True):
                said = (f"event at {p.demand.t_event:.0f} s, failed: {', '.join(sorted(p.demand.failed)) or 'none'}"
                        + "".join(f", {b} acted at {t:.0f} s" for b, t in p.acted.items()))
                if p.top_event:
                    log(p.t_top, name, f"{TOP_EVENTS[p.top]}, {said}")  # in the batch
                # every sampled path, for the report's scatter: when it began, its peak, its likelihood ratio
                log(p.demand.t_event, f"{name}.path", f"{'top event' if p.top_event else 'held'}, {said}",
                    p.peak_of_top, weight)
    bus = TagBus()
    LiveBarriers(study, bus)
    horizon = float(params["horizon"])
    states = sorted(params["states"], key=lambda s: s["at"])
    for state in states:
        value = to_si(state["value"], "s") if state["tag"].endswith(".test_age") else state["value"]
        bus.write(state["tag"], value, t=state["at"])
    for name in study.layers:
        if f"{name}.pfd_now" in bus:  # the worst momentary PFD of each SIF (an overdue test shows here)
            kpi(f"pfd_now_max.{name}", float(np.nanmax(bus.history(f"{name}.pfd_now")[1])), "1")
    traces: dict[str, np.ndarray] = {}
    for h in study.hazards:
        t, f, _ = bus.history(f"{h.name}.frequency")
        t, f = np.append(t, horizon), np.append(f, f[-1])
        kpi(f"mean_frequency.{h.name}", np.sum(f[:-1] * np.diff(t)) / horizon, "1/yr")
        kpi(f"time_above.{h.name}", np.sum(np.diff(t)[f[:-1] > h.tolerable * lopa.YEAR * (1 + 1e-12)]), "s")
        traces["t"] = np.repeat(t, 2)[1:]  # steps: each value held until the next change
        traces[f"frequency.{h.name}"] = np.repeat(f, 2)[:-1]
    for s in states:
        log(s["at"], s["tag"], str(s["value"]))
    return Run(kpis=kpis, units=units, traces=traces,
               events={k: np.array(v, dtype=object if k in ("source", "event") else float) for k, v in events.items()})


STUDY = Study(
    name="safety",
    description=__doc__.splitlines()[0],
    fields={"lopa": FilePath(), "states": ListOf(STATE), "thermal": THERMAL, "monte_carlo": MONTE_CARLO,
            "accident_paths": ACCIDENT_PATHS, "barrier_view": Boolean()},
    required=("lopa",),
    run=assess,
    check=check,
    figures=Deferred("scenarios.safety.figures:write"),
)
