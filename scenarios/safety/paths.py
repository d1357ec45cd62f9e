"""Accident paths through the twin: each sampled demand of a LOPA scenario runs the reactor on the Twin's clock.

The batch is the ``thermal`` section's semi-batch reaction (A charged at the process temperature, B dosed at
``flow`` for the dosing time, then a digestion), built from the plant's reactor (its UA and SIS trip point). A
demand is one occurrence of the initiating event at a time drawn uniformly over the batch:

- ``cooling_loss``: the jacket's coolant pump stops;
- ``dosing_stuck_open``: the dosing valve jams open at ``flow`` (the recipe cannot stop it);
- ``agitator_stop``: the agitator stops and, when ``restart`` is given, is restarted that long after (the classic
  error: the accumulated B reacts at once). The reactor model has no mixing term, so the stop is modelled by two
  assumptions, stated here: the dosed B is not dispersed and does not react (worst case for accumulation: Stoessel,
  *Thermal Safety of Chemical Processes*, Wiley-VCH 2008, on feed interlocked with the stirrer), and the jacket's
  UA falls to :data:`STILL_UA` of its value (the inner film coefficient of a stirred vessel grows as the stirrer
  speed to the 2/3 power, Nu = C Re^(2/3) Pr^(1/3); natural convection alone is left). The agitation
  ``interlock`` (an IPL) stops the dosing at the exact time the agitator stops.

Two barriers (three with the agitation interlock) act in the simulation, each failing on demand with its PFD from
the LOPA: the alarm (the operator stops the dosing a lognormal response time after the temperature rises through
the alarm point) and the SIS trip (the dosing stops at the exact time the temperature crosses the trip point, the
``T_high`` state event; with ``full_cooling`` the trip also switches the jacket to its emergency coolant, with
``quench`` it drowns the batch in cold inert solvent through the charging line). The
path reaches the top event when the temperature rises through the MTT (the boiling point, the set pressure).

With a ``relief`` device (an IPL and its set pressure) the head pressure is part of the path: the reactor's
``PT-01`` (solvent vapour by Antoine + the inert gas, see :class:`~twin.process.units.SemiBatchReactor`) rising
through the set pressure opens the device at the exact crossing, and the top event becomes the pressure rising
through the vessel's design pressure (the plant's ``design_pressure``, gauge). The model is a tempered system,
stated: the open device boils solvent off with the net heat, holding the temperature (and so the pressure) where it
opened, and recloses when the net heat falls through zero; the vapour is vented, the liquid shrinks. With
``vent_gas: 1`` in the chemistry the device vents the headspace as it is, nitrogen with the vapour, holding the set
pressure: the temperature climbs as the vapour takes over the pressure, and the device recloses when the vent flow
falls through zero.

The headspace (:class:`Gas`): ``nitrogen_loss`` (the pad from the nitrogen header is lost and the vent breathes
air in at ``ingress``; the top event is the oxygen rising through the solvent's LOC) and ``regulator_open`` (the
pad regulator fails open and the supply flows in through its orifice; the top event is the design pressure). The
O2 alarm's IPL (the plant's ``AT-01`` alarm point) stops the dosing and purges nitrogen in, at the exact crossing
(an interlock) or after the operator's response; the pressure SIS (the plant's ``PT-02`` trip point) closes the
nitrogen and stops the dosing at the exact crossing.

A path ends when its hazard has passed, not with the recipe: a reaction path runs on past the digestion, a batch's
length at a time (at most :data:`RUNS_ON` times), while what is left to react (the limiting reagent of A and the
accumulated B, released at once into the contents and the jacket's coolant, from the warmer of the two) could
still carry the batch to the MTT (with a simulated relief device: the head pressure at that temperature to the
design pressure) and the reaction can proceed (an agitator
standing still for good leaves B undispersed: the path ends with the batch); a gas hazard outlasts the batch (the
vessel still breathes, the regulator still lets gas in): its path runs a batch's length past the initiating event
and on until its top event happens or a barrier acts.

Everything else the LOPA credits (an ignition probability, a relief device not simulated) does not change the path:
those layers and modifiers enter the estimate as their probabilities (conditional Monte Carlo), and the LOPA
modifiers the batch itself decides (``dosing_in_progress``: whether there is B to accumulate) are replaced by the
simulation. Importance sampling draws each simulated barrier failed with probability ``max(PFD, bias)``::

    paths = AccidentPaths(batch, hazard, "cooling_loss", alarm="TAH-101", trip="SIF-101", simulated_modifiers=[...])
    estimate = paths.estimate(400, rng)      # frequency (1/yr) with its 95% interval, and why it differs from LOPA

Where the estimate and the static LOPA differ, the diagnostics say which dynamic effect: ``reach`` (the share of
unprotected demands that really reach the MTT, against the LOPA's modifiers) and ``late`` (per barrier, the share
of the paths it had to stop alone on which it acted after the point of no return). :func:`trip_limit` suggests the
remedy for a late SIS: the highest trip point that stops the dosing in time.
"""
from __future__ import annotations

import dataclasses
import functools
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from scenarios.safety.lopa import YEAR, Hazard
from scenarios.safety.montecarlo import Z95, Estimate, binomial_interval

KINDS = ("cooling_loss", "dosing_stuck_open", "agitator_stop", "nitrogen_loss", "regulator_open")
#: initiating events of the headspace gas: their top events are a flammable headspace and the design pressure
GAS_KINDS = ("nitrogen_loss", "regulator_open")
#: the top events of a path, as its event log names them
#: a path whose hazard outlasts the batch runs on, a batch's length at a time, at most this many times more
RUNS_ON = 20
TOP_EVENTS = {"mtt": "runaway", "design": "design pressure exceeded", "flammable": "flammable headspace"}

#: Pa, the standard atmosphere: gauge pressures of the plant to absolute
ATMOSPHERE = 101325.0

#: share of the jacket's UA left while the agitator stands still (an assumption, see the module doc)
STILL_UA = 0.2


@functools.cache
def _reactor(plant: Path, tag: str, chemistry: tuple):
    """The reactor's model as the plant builds it (UA, SIS trip point) with the batch's chemistry; built once per
    process and shared by the paths' twins (a model is a declaration: each twin integrates its own copy)."""
    from twin import plant as plants
    from twin.behaviours import BUILDERS

    asset = plants.load(plant)[tag]
    cls, kwargs, _ = BUILDERS[asset.behaviour](asset, {})
    vessel = {"V_vessel": asset.params.get("volume"), "P_design": asset.params.get("design_pressure")}
    if vessel["P_design"] is not None:
        vessel["P_design"] += ATMOSPHERE  # the plant's design pressure is gauge (the IFC's DesignPressure_barg)
    for instrument in asset.instruments.values():  # the pressure SIS trip (gauge, as the design pressure), O2 alarm
        unit, props = str(getattr(instrument, "unit", "")), getattr(instrument, "properties", {})
        if unit == "Pa" and "trip" in props:
            vessel["P_trip"] = float(props["trip"]) + ATMOSPHERE
        if unit == "1" and "alarm" in props:
            vessel["O2_alarm"] = float(props["alarm"])
    return cls(tag, **(kwargs | {k: v for k, v in vessel.items() if v is not None} | dict(chemistry)))


@dataclass(frozen=True)
class Batch:
    """The semi-batch reaction of ``reactor`` in ``plant``: ``chemistry`` (SI keyword arguments of the
    :class:`~twin.process.units.SemiBatchReactor`), B dosed at ``flow`` (m3/s) for ``dose_time`` (s), then
    ``digest_time`` (s) of digestion, coolant at ``coolant`` (K); alarm point, MTT and TD24 in K."""

    plant: Path
    reactor: str
    chemistry: dict
    flow: float
    dose_time: float
    digest_time: float
    coolant: float
    alarm: float
    mtt: float
    td24: float
    sample_interval: float = 10.0

    @property
    def duration(self) -> float:
        return self.dose_time + self.digest_time


#: the reactor signals an accident path keeps for its figure and its replay
TRACED = ("TT-01", "T", "F_dose", "F_cool", "LT-01", "PT-01", "relief", "AT-01")


@functools.cache
def _plant_tags(plant: Path) -> frozenset[str]:
    from twin import plant as plants

    return frozenset(a.tag for a in plants.load(plant))


def write_replay(path: AccidentPath, plant: Path, folder: Path, title: str = "accident path") -> Path:
    """Write a path kept with its traces as a result folder the viewer replays: ``twin view <folder>``, or a
    training hazard's ``consequence: {replay: <folder>}`` (times in seconds; the assets go into alarm as the path
    unfolds: the initiating failure, the alarm, the SIS trip, the runaway)."""
    from scenarios import results
    from scenarios.registry import Run
    from scenarios.runs import Outcome, Task

    if path.trace is None:
        raise ValueError("the path was simulated without its traces: run it with keep_trace=True")
    events = {"t": np.array([e[0] for e in path.events]), "source": np.array([e[1] for e in path.events], object),
              "event": np.array([e[2] for e in path.events], object)}
    run = Run(kpis={"peak_temperature": path.peak, "top_event": float(path.top_event)}, units={
        "peak_temperature": "K", "top_event": "1"}, traces=dict(path.trace), events=events)
    task = Task("safety", title, 0, 0, {})
    results.write(folder, {"plant": str(plant), "variant": title, "horizon": float(path.trace["t"][-1])},
                  [Outcome(task, run, 0.0)])
    return Path(folder)


def trip_point(batch: Batch) -> float:
    """The SIS trip temperature (K) of the batch's reactor: the plant's (TT-02's ``trip``) unless the chemistry
    overrides ``T_trip``."""
    model = _reactor(Path(batch.plant), batch.reactor, tuple(sorted(batch.chemistry.items())))
    return float(model.inputs["T_trip"].value)


def design_pressure(batch: Batch) -> float:
    """The design pressure (Pa, absolute) of the batch's reactor: the plant's unless the chemistry overrides
    ``P_design``."""
    return _parameter(batch, "P_design")


def _parameter(batch: Batch, name: str) -> float:
    """A parameter of the batch's reactor as the plant and the chemistry set it."""
    model = _reactor(Path(batch.plant), batch.reactor, tuple(sorted(batch.chemistry.items())))
    return float(model.inputs[name].value)


@dataclass(frozen=True)
class Gas:
    """The headspace's initiating events and barriers: ``ingress`` the air (m3/s) the headspace breathes once the
    nitrogen is lost, ``loc`` the solvent's limiting oxygen concentration (the top event of ``nitrogen_loss``),
    ``oxygen`` the IPL acting on the O2 analyser's alarm (the plant's ``AT-01`` ``alarm``) with the nitrogen
    ``purge`` (m3/s) it restores and whether an ``operator`` answers it (after the demand's response time) or an
    interlock acts at the exact crossing; ``supply`` the nitrogen before the pad regulator ``(Pa absolute, CdA
    m2)`` that ``regulator_open`` lets in, ``pressure_trip`` the IPL acting on the plant's ``PT-02`` trip."""

    ingress: float = 0.0
    loc: float = 1.0
    oxygen: str | None = None
    purge: float = 0.0
    operator: bool = False
    supply: tuple[float, float] | None = None
    pressure_trip: str | None = None


@dataclass(frozen=True)
class Demand:
    """One sampled path: when the initiating event happens (s), which simulated barriers fail on demand, and how
    long the operator takes to act on the alarm (s)."""

    t_event: float
    failed: frozenset[str]
    response: float


@dataclass
class AccidentPath:
    """What the twin did on one demand: the peak temperature, when it crossed the MTT (None: it did not), when each
    barrier acted (the operator or the SIS stopping the dosing, the relief device opening first), and when asked
    for the reactor's traces on one time axis (``t`` and :data:`TRACED` signals) and its events ``(t, source,
    event)``. With a simulated relief device or a failed-open nitrogen regulator, the peak head pressure (Pa,
    absolute), when it rose through the design pressure (None: it did not) and that crossing is the top event; on
    a loss of nitrogen the peak headspace oxygen fraction and when it rose through the LOC, the top event."""

    demand: Demand
    peak: float
    t_mtt: float | None
    acted: dict[str, float] = field(default_factory=dict)
    trace: dict[str, np.ndarray] | None = None
    events: list[tuple[float, str, str]] = field(default_factory=list)
    peak_pressure: float | None = None
    t_design: float | None = None
    peak_oxygen: float | None = None
    t_flammable: float | None = None

    @property
    def top(self) -> str:
        """Which top event the path watches: ``mtt``, ``design`` (pressure) or ``flammable`` (headspace)."""
        return "flammable" if self.peak_oxygen is not None else "mtt" if self.peak_pressure is None else "design"

    @property
    def t_top(self) -> float | None:
        """When the path reached its top event (None: it did not)."""
        return {"mtt": self.t_mtt, "design": self.t_design, "flammable": self.t_flammable}[self.top]

    @property
    def peak_of_top(self) -> float:
        """The peak of the signal the top event watches: temperature (K), head pressure (Pa) or O2 fraction."""
        return {"mtt": self.peak, "design": self.peak_pressure, "flammable": self.peak_oxygen}[self.top]

    @property
    def top_event(self) -> bool:
        return self.t_top is not None


def simulate(batch: Batch, kind: str, demand: Demand, alarm: str | None = None, trip: str | None = None,
             stuck_flow: float | None = None, keep_trace: bool = False, interlock: str | None = None,
             restart: float | None = None, full_cooling: tuple[float, float] | None = None,
             quench: tuple[float, float, float] | None = None,
             relief: tuple[str, float] | None = None, gas: Gas = Gas()) -> AccidentPath:
    """Run the batch on a :class:`twin.Twin` of the plant's reactor with the initiating event and barriers of
    ``demand``; ``alarm``, ``trip`` and ``interlock`` name the IPLs acting as operator alarm, SIS trip and agitation
    interlock (None: absent); ``stuck_flow`` is the flow (m3/s) through a jammed dosing valve (default: the
    recipe's); ``restart`` the time (s) a stopped agitator stands still (None: for the rest of the batch);
    ``full_cooling`` the emergency coolant ``(flow kg/s, inlet K)`` the SIS trip also switches the jacket to;
    ``quench`` the inert solvent ``(flow m3/s, volume m3, temperature K)`` the SIS trip also drowns the batch in;
    ``relief`` the relief device ``(IPL, set pressure Pa absolute)``: the top event becomes the design pressure;
    ``gas`` the headspace's events and barriers (:class:`Gas`; needed by the :data:`GAS_KINDS`)."""
    from twin import Twin

    if kind not in KINDS:
        raise ValueError(f"unknown initiating event '{kind}': expected one of {', '.join(KINDS)}")
    if kind == "regulator_open" and gas.supply is None:
        raise ValueError("a failed-open nitrogen regulator needs the nitrogen supply: Gas(supply=(Pa, CdA m2))")
    if kind == "regulator_open" and relief is not None:
        raise ValueError("the simulated relief is a tempered (vapour) relief: a gas overpressure's relief device "
                         "enters the estimate as its PFD; leave relief out for regulator_open")
    if not trip_point(batch) < batch.mtt:
        raise ValueError(f"the SIS trip point ({trip_point(batch):g} K) must lie below the MTT ({batch.mtt:g} K)")
    r = batch.reactor
    tw = Twin(sample_interval=batch.sample_interval, rtol=1e-8, atol=1e-8)
    tw.add(_reactor(Path(batch.plant), r, tuple(sorted(batch.chemistry.items()))))
    Tp = batch.chemistry.get("T0", tw.tags[f"{r}.T"].value)
    stuck, out = [False], AccidentPath(demand, math.nan, None)

    def recipe(tw):
        tw.set(f"{r}.T_dose", Tp)
        tw.set(f"{r}.T_cin", batch.coolant)
        tw.set(f"{r}.T_sp", batch.alarm)  # at_setpoint: the temperature alarm
        tw.set(f"{r}.F_dose", batch.flow)
        yield tw.env.timeout(batch.dose_time)
        if not stuck[0] and tw.tags[f"{r}.F_dose"].value:
            tw.set(f"{r}.F_dose", 0.0)

    def initiating_event(tw):
        yield tw.env.timeout(demand.t_event)
        if kind == "cooling_loss":
            tw.set(f"{r}.F_cool", 0.0)
        elif kind == "agitator_stop":
            stirred = {name: tw.tags[f"{r}.{name}"].value for name in ("UA", "k0")}
            tw.set(f"{r}.UA", STILL_UA * stirred["UA"])
            tw.set(f"{r}.k0", 0.0)  # the dosed B stays undispersed: it accumulates
            if interlock is not None and interlock not in demand.failed:
                stop_dosing(interlock)
            if restart is not None:
                yield tw.env.timeout(restart)
                for name, value in stirred.items():
                    tw.set(f"{r}.{name}", value)
        elif kind == "nitrogen_loss":
            tw.set(f"{r}.Q_air", gas.ingress)  # the pad is gone: the vent breathes air in
        elif kind == "regulator_open":
            tw.set(f"{r}.N2_open", 1.0)
        else:
            stuck[0] = True
            tw.set(f"{r}.F_dose", stuck_flow or batch.flow)

    def stop_dosing(name):
        out.acted[name] = tw.now
        tw.set(f"{r}.F_dose", 0.0)
        stuck[0] = False  # the block valve (SIS) or the pump (operator) is upstream of the jammed valve

    def operator(tw):
        yield tw.event(f"{r}.at_setpoint")
        if alarm not in demand.failed:
            yield tw.env.timeout(demand.response)
            stop_dosing(alarm)

    def sis(tw):
        yield tw.event(f"{r}.T_high")
        if trip not in demand.failed:
            stop_dosing(trip)
            if full_cooling is not None:
                tw.set(f"{r}.F_cool", full_cooling[0])
                tw.set(f"{r}.T_cin", full_cooling[1])
            if quench is not None:
                flow, volume, temperature = quench
                tw.set(f"{r}.c_charge", 0.0)  # solvent: no A
                tw.set(f"{r}.T_charge", temperature)
                tw.set(f"{r}.F_charge", flow)
                yield tw.env.timeout(volume / flow)
                tw.set(f"{r}.F_charge", 0.0)

    def oxygen_barrier(tw):  # the O2 analyser's alarm: stop the dosing, restore the nitrogen
        yield tw.event(f"{r}.O2_high")
        if gas.oxygen not in demand.failed:
            if gas.operator:
                yield tw.env.timeout(demand.response)
            stop_dosing(gas.oxygen)
            tw.set(f"{r}.Q_air", 0.0)
            tw.set(f"{r}.Q_N2", gas.purge)

    def pressure_sis(tw):  # PT-02's trip: close the nitrogen block valve, stop the dosing
        yield tw.event(f"{r}.P_high")
        if gas.pressure_trip not in demand.failed:
            stop_dosing(gas.pressure_trip)
            tw.set(f"{r}.N2_open", 0.0)
            if full_cooling is not None:
                tw.set(f"{r}.F_cool", full_cooling[0])
                tw.set(f"{r}.T_cin", full_cooling[1])

    def flammable(tw):
        out.t_flammable = yield tw.event(f"{r}.flammable")

    def top_event(tw):  # after the trip point the guard watches the MTT
        yield tw.event(f"{r}.T_high")
        tw.set(f"{r}.T_trip", batch.mtt)
        out.t_mtt = yield tw.event(f"{r}.T_high")

    def relief_device(tw):  # opens at the set pressure, recloses when the boil-off stops
        tw.set(f"{r}.P_relief", relief[1])
        while relief[0] not in demand.failed:
            yield tw.event(f"{r}.P_relief")
            out.acted.setdefault(relief[0], tw.now)
            tw.set(f"{r}.relief", 1.0)
            yield tw.event(f"{r}.reseat")
            tw.set(f"{r}.relief", 0.0)

    def design_pressure(tw):
        out.t_design = yield tw.event(f"{r}.P_design")

    if kind == "regulator_open":
        tw.set(f"{r}.p_supply", gas.supply[0])
        tw.set(f"{r}.CdA_N2", gas.supply[1])
        tw.env.process(design_pressure(tw))
    if kind == "nitrogen_loss":
        tw.set(f"{r}.LOC", gas.loc)
        tw.env.process(flammable(tw))
    if gas.oxygen is not None:
        tw.env.process(oxygen_barrier(tw))
    if gas.pressure_trip is not None:
        tw.env.process(pressure_sis(tw))
    if relief is not None:
        if not relief[1] < tw.tags[f"{r}.P_design"].value:
            raise ValueError(f"the relief set pressure ({relief[1]:g} Pa) must lie below the design pressure "
                             f"({tw.tags[f'{r}.P_design'].value:g} Pa, absolute)")
        tw.env.process(relief_device(tw))
        tw.env.process(design_pressure(tw))
    for process in (recipe, initiating_event, top_event):
        tw.env.process(process(tw))
    if alarm is not None:
        tw.env.process(operator(tw))
    if trip is not None:
        tw.env.process(sis(tw))
    def hazard_left() -> bool:
        """Whether the path must run on: its top event has not happened and the hazard has not passed."""
        if kind in GAS_KINDS:  # the gas keeps coming until a barrier acts
            return not out.acted and (out.t_flammable if kind == "nitrogen_loss" else out.t_design) is None
        if (out.t_mtt if relief is None else out.t_design) is not None:
            return False
        v = {name: tw.tags[f"{r}.{name}"].value for name in ("T", "Tj", "nA", "nB", "V", "dH", "rho", "cp", "k0",
                                                             "m_jacket", "cp_cool", "PT-01", "P_design",
                                                             "antoine_A", "antoine_B", "antoine_C")}
        heat = min(v["nA"], v["nB"]) * -v["dH"]  # what is left to react, released at once into contents and jacket
        ceiling = max(v["T"], v["Tj"]) + heat / (v["rho"] * v["cp"] * v["V"] + v["m_jacket"] * v["cp_cool"])
        if relief is None:
            return v["k0"] > 0 and ceiling >= batch.mtt

        def vapour(T):
            return 1e5 * 10 ** (v["antoine_A"] - v["antoine_B"] / (T + v["antoine_C"]))
        gas_at_ceiling = (v["PT-01"] - vapour(v["T"])) * ceiling / v["T"]  # the head pressure at the ceiling
        return v["k0"] > 0 and gas_at_ceiling + vapour(ceiling) >= v["P_design"]

    result = tw.run(until=batch.duration if kind not in GAS_KINDS else demand.t_event + batch.duration)
    for _ in range(RUNS_ON):
        if not hazard_left():
            break
        result = tw.run(until=tw.now + batch.duration)
    out.peak = float(result.trace(f"{r}.T")[1].max())
    if relief is not None or kind == "regulator_open":
        out.peak_pressure = float(result.trace(f"{r}.PT-01")[1].max())
    if kind == "nitrogen_loss":
        out.peak_oxygen = float(result.trace(f"{r}.AT-01")[1].max())
    if keep_trace:
        table = result.table(f"{r}.*")
        out.trace = {"t": table["t"]} | {f"{r}.{name}": table[f"{r}.{name}"] for name in TRACED}
        tags = _plant_tags(Path(batch.plant))
        valve = "XV-101" if "XV-101" in tags else r
        failing = {"dosing_stuck_open": valve} | dict.fromkeys(GAS_KINDS, "N2-101" if "N2-101" in tags else r)
        out.events = sorted([(demand.t_event, failing.get(kind, r), "failure")]
                            + [(t, valve, "trip") if name in (trip, gas.pressure_trip) else (t, r, "relief opened")
                               if relief and name == relief[0] else (t, r, f"dosing stopped by {name}")
                               for name, t in out.acted.items()]
                            + [(t, r, "alarm") for t, name, k in tw.events if k == "state" and name.endswith(
                                ("at_setpoint", "O2_high"))]
                            + ([(out.t_top, r, TOP_EVENTS[out.top])] if out.top_event else []))
    tw.close()
    return out


def trip_limit(sampler: AccidentPaths, events: int = 9, tol: float = 0.05) -> float | None:
    """The highest SIS trip point (K) at which the SIS alone (every other simulated barrier failed) keeps the batch
    below the MTT whenever the initiating event happens (``events`` times across the batch), found by bisection to
    ``tol`` K between the normal batch's peak + 1 K (lower, the SIS would trip every batch) and the MTT. None: no
    trip point does, stopping the dosing comes too late at any temperature (the accumulated B alone reaches the
    MTT)."""
    if sampler.trip is None:
        raise ValueError(f"scenario '{sampler.hazard.name}' credits no SIS trip")
    batch = sampler.batch
    others = frozenset(sampler.barriers) - {sampler.trip}
    times = np.linspace(0.0, batch.duration, events)
    normal = simulate(batch, sampler.kind, Demand(batch.duration, others, sampler.median)).peak

    def holds(trip: float) -> bool:
        b = dataclasses.replace(batch, chemistry=batch.chemistry | {"T_trip": trip})
        return not any(simulate(b, sampler.kind, Demand(float(t), others, sampler.median), sampler.alarm,
                                sampler.trip, sampler.stuck_flow, interlock=sampler.interlock,
                                restart=sampler.restart, full_cooling=sampler.full_cooling,
                                quench=sampler.quench, relief=sampler.relief, gas=sampler.gas).top_event
                       for t in times)

    lo, hi = normal + 1.0, batch.mtt - tol
    if not holds(lo):
        return None
    if holds(hi):
        return hi
    while hi - lo > tol:
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if holds(mid) else (lo, mid)
    return lo


@dataclass(frozen=True)
class Findings:
    """A dynamic estimate and why it differs from the static LOPA: ``reach`` is the share of demands with every
    simulated barrier failed that reach the MTT (the LOPA assumes the product of the simulated modifiers); ``late``
    per barrier the share of the paths on which it acted alone (the other simulated barriers failed) that reached
    the MTT anyway: its action came after the point of no return, where the LOPA credits it in full."""

    estimate: Estimate
    lopa: float
    reach: float
    assumed_reach: float
    late: dict[str, float]
    paths: list[AccidentPath]
    weights: np.ndarray = field(default_factory=lambda: np.ones(0))

    @property
    def agrees(self) -> bool:
        return self.estimate.covers(self.lopa)


class AccidentPaths:
    """The demands of one LOPA scenario sampled and simulated (see the module doc)."""

    def __init__(self, batch: Batch, hazard: Hazard, kind: str, *, alarm: str | None = None,
                 trip: str | None = None, simulated_modifiers: tuple[str, ...] = (),
                 response: tuple[float, float] = (300.0, 0.8), stuck_flow: float | None = None,
                 interlock: str | None = None, restart: float | None = None,
                 full_cooling: tuple[float, float] | None = None,
                 quench: tuple[float, float, float] | None = None,
                 relief: tuple[str, float] | None = None, gas: Gas = Gas()) -> None:
        self.batch, self.hazard, self.kind, self.stuck_flow = batch, hazard, kind, stuck_flow
        self.interlock, self.restart, self.full_cooling, self.quench = interlock, restart, full_cooling, quench
        self.relief, self.gas = relief, gas
        self.barriers = tuple(b for b in (alarm, trip, interlock, relief and relief[0], gas.oxygen,
                                          gas.pressure_trip) if b)
        for name in (*self.barriers, *simulated_modifiers):
            if name not in hazard.pfds and name not in hazard.modifiers:
                raise ValueError(f"'{name}' is not credited in LOPA scenario '{hazard.name}'")
        self.alarm, self.trip = alarm, trip
        self.simulated_modifiers = tuple(simulated_modifiers)
        self.median, self.sigma = response
        # layers and conditions the temperature does not see: their probabilities multiply the estimate
        self.static = math.prod(p for n, p in hazard.pfds.items() if n not in self.barriers) * math.prod(
            p for n, p in hazard.modifiers.items() if n not in self.simulated_modifiers)

    @property
    def top(self) -> str:
        """The top event its paths watch (:data:`TOP_EVENTS`)."""
        if self.kind == "nitrogen_loss":
            return "flammable"
        return "design" if self.kind == "regulator_open" or self.relief is not None else "mtt"

    def demands(self, n: int, rng: np.random.Generator, bias: float | None = 0.5) -> tuple[list[Demand], np.ndarray]:
        """``n`` demands and their likelihood ratios (all 1 without importance sampling)."""
        p = np.array([self.hazard.pfds[b] for b in self.barriers])
        q = p if bias is None else np.maximum(p, bias)
        failed = rng.random((n, len(p))) < q
        weight = np.prod(np.where(failed, p / q, (1 - p) / (1 - q)), axis=1)
        t_event = rng.uniform(0.0, self.batch.duration, n)
        response = self.median * np.exp(self.sigma * rng.standard_normal(n))
        return [Demand(float(t), frozenset(b for b, f in zip(self.barriers, row, strict=True) if f), float(s))
                for t, row, s in zip(t_event, failed, response, strict=True)], weight

    def run(self, demand: Demand, keep_trace: bool = False) -> AccidentPath:
        return simulate(self.batch, self.kind, demand, self.alarm, self.trip, self.stuck_flow, keep_trace,
                        self.interlock, self.restart, self.full_cooling, self.quench, self.relief, self.gas)

    def estimate(self, n: int, rng: np.random.Generator, bias: float | None = 0.5, progress=None) -> Findings:
        """The consequence frequency (1/yr) from ``n`` simulated demands, with the diagnostics."""
        demands, weight = self.demands(n, rng, bias)
        paths = []
        for d in demands:
            paths.append(self.run(d))
            if progress is not None:
                progress()
        top = np.array([p.top_event for p in paths], dtype=float)
        scale = self.hazard.frequency * YEAR * self.static
        y = weight * top
        mean = float(y.mean())
        if top.any():
            half = Z95 * float(y.std(ddof=1)) / math.sqrt(n) if n > 1 else math.inf
            low, high = max(mean - half, 0.0), mean + half
        else:  # no hit: the exact binomial bound times the largest likelihood ratio a path can carry
            p = np.array([self.hazard.pfds[b] for b in self.barriers])
            q = p if bias is None else np.maximum(p, bias)
            low, high = 0.0, binomial_interval(0, n)[1] * float(np.prod(np.maximum(p / q, (1 - p) / (1 - q))))
        estimate = Estimate(scale * mean, scale * low, scale * high, n, int(top.sum()))
        unprotected = np.array([d.failed == frozenset(self.barriers) for d in demands])
        reach = float(top[unprotected].mean()) if unprotected.any() else math.nan
        late = {}
        for b in self.barriers:  # b acted, every other simulated barrier failed: did b alone stop the path?
            alone = np.array([b in p.acted and d.failed == frozenset(self.barriers) - {b}
                              for p, d in zip(paths, demands, strict=True)])
            late[b] = float(top[alone].mean()) if alone.any() else math.nan
        assumed = math.prod(self.hazard.modifiers[m] for m in self.simulated_modifiers)
        return Findings(estimate, self.hazard.mitigated * YEAR, reach, assumed, late, paths, weight)
