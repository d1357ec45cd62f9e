"""One accident path: a demand of a LOPA scenario run on the twin's reactor, the barriers acting as DES processes.

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

:func:`simulate` runs one :class:`Demand` of a :class:`PathSetup`; :mod:`scenarios.safety.paths` samples them.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

KINDS = ("cooling_loss", "dosing_stuck_open", "agitator_stop", "nitrogen_loss", "regulator_open")
#: initiating events of the headspace gas: their top events are a flammable headspace and the design pressure
GAS_KINDS = ("nitrogen_loss", "regulator_open")
#: a path whose hazard outlasts the batch runs on, a batch's length at a time, at most this many times more
RUNS_ON = 20
#: the top events of a path, as its event log names them
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
    build, kwargs, _ = BUILDERS[asset.behaviour](asset, {})
    vessel = {"V_vessel": asset.params.get("volume"), "P_design": asset.params.get("design_pressure")}
    if vessel["P_design"] is not None:
        vessel["P_design"] += ATMOSPHERE  # the plant's design pressure is gauge (the IFC's DesignPressure_barg)
    for instrument in asset.instruments.values():  # the pressure SIS trip (gauge, as the design pressure), O2 alarm
        unit, props = str(getattr(instrument, "unit", "")), getattr(instrument, "properties", {})
        if unit == "Pa" and "trip" in props:
            vessel["P_trip"] = float(props["trip"]) + ATMOSPHERE
        if unit == "1" and "alarm" in props:
            vessel["O2_alarm"] = float(props["alarm"])
    return build(tag, **(kwargs | {k: v for k, v in vessel.items() if v is not None} | dict(chemistry)))


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


def _model(batch: Batch, setup: PathSetup | None = None):
    """The batch's reactor model for the paths of ``setup``: the chemistry with the relief device's set pressure
    and the LOC its path watches."""
    chemistry = dict(batch.chemistry)
    if setup is not None and setup.barriers.relief is not None:
        chemistry["P_relief"] = setup.barriers.relief.set
    if setup is not None and setup.kind == "nitrogen_loss":
        chemistry["LOC"] = setup.gas.loc
    return _reactor(Path(batch.plant), batch.reactor, tuple(sorted(chemistry.items())))


def trip_point(batch: Batch) -> float:
    """The SIS trip temperature (K) of the batch's reactor: the plant's (TT-02's ``trip``) unless the chemistry
    overrides ``T_trip``."""
    return _parameter(batch, "T_trip")


def design_pressure(batch: Batch) -> float | None:
    """The design pressure (Pa, absolute) of the batch's reactor: the plant's unless the chemistry overrides
    ``P_design`` (None: neither gives one)."""
    return _parameter(batch, "P_design")


def _parameter(batch: Batch, name: str) -> float | None:
    """A parameter of the batch's reactor as the plant and the chemistry set it (None: a threshold not watched)."""
    model = _model(batch)
    return float(model.inputs[name].value) if name in model.inputs else None


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


@dataclass(frozen=True)
class Supply:
    """The nitrogen before the pad regulator: ``pressure`` (Pa, absolute) and the orifice's discharge coefficient
    times area ``cda`` (m2), what a failed-open regulator lets in."""

    pressure: float
    cda: float


@dataclass(frozen=True)
class Gas:
    """The headspace's initiating events and barriers: ``ingress`` the air (m3/s) the headspace breathes once the
    nitrogen is lost, ``loc`` the solvent's limiting oxygen concentration (the top event of ``nitrogen_loss``),
    ``oxygen`` the IPL acting on the O2 analyser's alarm (the plant's ``AT-01`` ``alarm``) with the nitrogen
    ``purge`` (m3/s) it restores and whether an ``operator`` answers it (after the demand's response time) or an
    interlock acts at the exact crossing; ``supply`` the nitrogen (:class:`Supply`) that ``regulator_open`` lets
    in, ``pressure_trip`` the IPL acting on the plant's ``PT-02`` trip."""

    ingress: float = 0.0
    loc: float | None = None
    oxygen: str | None = None
    purge: float = 0.0
    operator: bool = False
    supply: Supply | None = None
    pressure_trip: str | None = None


@dataclass(frozen=True)
class FullCooling:
    """The emergency coolant the SIS trip switches the jacket to: ``flow`` (kg/s) at ``temperature`` (K)."""

    flow: float
    temperature: float


@dataclass(frozen=True)
class Quench:
    """The cold inert solvent the SIS trip drowns the batch in: ``volume`` (m3) at ``flow`` (m3/s), ``temperature``
    (K)."""

    flow: float
    volume: float
    temperature: float


@dataclass(frozen=True)
class ReliefDevice:
    """A relief device on the path: its IPL and its set pressure (Pa, absolute)."""

    ipl: str
    set: float


@dataclass(frozen=True)
class Barriers:
    """The reactor's barriers a path simulates, each an IPL of the LOPA (None: absent): the ``alarm`` the operator
    answers, the SIS ``trip`` (with its ``full_cooling`` and ``quench`` actions), the agitation ``interlock`` and
    the ``relief`` device (the top event becomes the design pressure). The headspace's are in :class:`Gas`."""

    alarm: str | None = None
    trip: str | None = None
    interlock: str | None = None
    full_cooling: FullCooling | None = None
    quench: Quench | None = None
    relief: ReliefDevice | None = None


@dataclass(frozen=True)
class PathSetup:
    """What the paths of one LOPA scenario run: the initiating event ``kind`` (one of :data:`KINDS`), the
    :class:`Barriers`, the headspace (:class:`Gas`, needed by the :data:`GAS_KINDS`), the flow (m3/s) through a
    jammed dosing valve (``stuck_flow``, None: the recipe's) and how long a stopped agitator stands still
    (``restart`` in s, None: for the rest of the batch)::

        PathSetup("cooling_loss", Barriers(alarm="TAH-101", trip="SIF-101"))
    """

    kind: str
    barriers: Barriers = Barriers()
    gas: Gas = Gas()
    stuck_flow: float | None = None
    restart: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown initiating event '{self.kind}': expected one of {', '.join(KINDS)}")
        if self.kind == "regulator_open" and self.gas.supply is None:
            raise ValueError("a failed-open nitrogen regulator needs the nitrogen supply: Gas(supply=Supply(Pa, m2))")
        if self.kind == "regulator_open" and self.barriers.relief is not None:
            raise ValueError("the simulated relief is a tempered (vapour) relief: a gas overpressure's relief device "
                             "enters the estimate as its PFD; leave relief out for regulator_open")
        if self.kind == "nitrogen_loss" and self.gas.loc is None:
            raise ValueError("a loss of nitrogen reaches its top event at the solvent's LOC: Gas(loc=...)")

    @property
    def ipls(self) -> tuple[str, ...]:
        """The simulated barriers' IPLs, in the order their failures are drawn."""
        b, g = self.barriers, self.gas
        return tuple(n for n in (b.alarm, b.trip, b.interlock, b.relief and b.relief.ipl, g.oxygen, g.pressure_trip)
                     if n)

    @property
    def top(self) -> str:
        """The top event its paths watch (:data:`TOP_EVENTS`)."""
        if self.kind == "nitrogen_loss":
            return "flammable"
        return "design" if self.kind == "regulator_open" or self.barriers.relief is not None else "mtt"


def simulate(batch: Batch, setup: PathSetup, demand: Demand, keep_trace: bool = False) -> AccidentPath:
    """Run the batch on a :class:`twin.Twin` of the plant's reactor with the initiating event and barriers of
    ``setup`` (:class:`PathSetup`), the failures and response time of ``demand``; ``keep_trace`` keeps the
    reactor's traces and events (a figure, a replay)."""
    if not trip_point(batch) < batch.mtt:
        raise ValueError(f"the SIS trip point ({trip_point(batch):g} K) must lie below the MTT ({batch.mtt:g} K)")
    path = _Path(batch, setup, demand)
    try:
        result = path.run()
        path.record(result, keep_trace)
    finally:
        path.tw.close()
    return path.out


class _Path:
    """One demand on the twin: the recipe, the initiating event, the barriers and the top events as DES processes
    on the reactor's tags (each a method below), then the run until the hazard has passed."""

    def __init__(self, batch: Batch, setup: PathSetup, demand: Demand) -> None:
        from twin import Twin

        self.batch, self.setup, self.demand, self.r = batch, setup, demand, batch.reactor
        self.tw = Twin(sample_interval=batch.sample_interval, rtol=1e-8, atol=1e-8)
        self.tw.add(_model(batch, setup))
        self.dose_temperature = batch.chemistry.get("T0", self.value("T"))  # B dosed at the process temperature
        self.out = AccidentPath(demand, math.nan, None)
        self.stuck = False  # the dosing valve jammed open: the recipe cannot stop it

    # -- the reactor's tags ------------------------------------------------------------------------------------------
    def set(self, name: str, value: float) -> None:
        self.tw.set(f"{self.r}.{name}", value)

    def value(self, name: str) -> float:
        return self.tw.tags[f"{self.r}.{name}"].value

    def event(self, name: str):
        return self.tw.event(f"{self.r}.{name}")

    def intact(self, ipl: str | None) -> bool:
        """Whether the barrier ``ipl`` is there and works on this demand."""
        return ipl is not None and ipl not in self.demand.failed

    # -- the batch and what goes wrong -------------------------------------------------------------------------------
    def recipe(self):
        batch = self.batch
        self.set("T_dose", self.dose_temperature)
        self.set("T_cin", batch.coolant)
        self.set("T_sp", batch.alarm)  # at_setpoint: the temperature alarm
        self.set("F_dose", batch.flow)
        yield self.tw.env.timeout(batch.dose_time)
        if not self.stuck and self.value("F_dose"):
            self.set("F_dose", 0.0)

    def initiating_event(self):
        setup = self.setup
        yield self.tw.env.timeout(self.demand.t_event)
        if setup.kind == "cooling_loss":
            self.set("F_cool", 0.0)
        elif setup.kind == "agitator_stop":
            yield from self.agitator_stop()
        elif setup.kind == "nitrogen_loss":
            self.set("Q_air", setup.gas.ingress)  # the pad is gone: the vent breathes air in
        elif setup.kind == "regulator_open":
            self.set("N2_open", 1.0)
        else:
            self.stuck = True
            self.set("F_dose", setup.stuck_flow or self.batch.flow)

    def agitator_stop(self):
        stirred = {name: self.value(name) for name in ("UA", "k0")}
        self.set("UA", STILL_UA * stirred["UA"])
        self.set("k0", 0.0)  # the dosed B stays undispersed: it accumulates
        if self.intact(self.setup.barriers.interlock):
            self.stop_dosing(self.setup.barriers.interlock)
        if self.setup.restart is not None:
            yield self.tw.env.timeout(self.setup.restart)
            for name, value in stirred.items():
                self.set(name, value)

    # -- the barriers ------------------------------------------------------------------------------------------------
    def stop_dosing(self, ipl: str) -> None:
        self.out.acted[ipl] = self.tw.now
        self.set("F_dose", 0.0)
        self.stuck = False  # the block valve (SIS) or the pump (operator) is upstream of the jammed valve

    def emergency_cooling(self) -> None:
        cooling = self.setup.barriers.full_cooling
        if cooling is not None:
            self.set("F_cool", cooling.flow)
            self.set("T_cin", cooling.temperature)

    def operator(self):
        yield self.event("at_setpoint")
        if self.intact(self.setup.barriers.alarm):
            yield self.tw.env.timeout(self.demand.response)
            self.stop_dosing(self.setup.barriers.alarm)

    def sis(self):
        yield self.event("T_high")
        if self.intact(self.setup.barriers.trip):
            self.stop_dosing(self.setup.barriers.trip)
            self.emergency_cooling()
            quench = self.setup.barriers.quench
            if quench is not None:
                self.set("c_charge", 0.0)  # solvent: no A
                self.set("T_charge", quench.temperature)
                self.set("F_charge", quench.flow)
                yield self.tw.env.timeout(quench.volume / quench.flow)
                self.set("F_charge", 0.0)

    def oxygen_barrier(self):  # the O2 analyser's alarm: stop the dosing, restore the nitrogen
        gas = self.setup.gas
        yield self.event("O2_high")
        if self.intact(gas.oxygen):
            if gas.operator:
                yield self.tw.env.timeout(self.demand.response)
            self.stop_dosing(gas.oxygen)
            self.set("Q_air", 0.0)
            self.set("Q_N2", gas.purge)

    def pressure_sis(self):  # PT-02's trip: close the nitrogen block valve, stop the dosing
        yield self.event("P_high")
        if self.intact(self.setup.gas.pressure_trip):
            self.stop_dosing(self.setup.gas.pressure_trip)
            self.set("N2_open", 0.0)
            self.emergency_cooling()

    def relief_device(self):  # opens at the set pressure, recloses when the boil-off stops
        relief = self.setup.barriers.relief
        while self.intact(relief.ipl):
            yield self.event("P_relief")
            self.out.acted.setdefault(relief.ipl, self.tw.now)
            self.set("relief", 1.0)
            yield self.event("reseat")
            self.set("relief", 0.0)

    # -- the top events ----------------------------------------------------------------------------------------------
    def runaway(self):  # after the trip point the guard watches the MTT
        yield self.event("T_high")
        self.set("T_trip", self.batch.mtt)
        self.out.t_mtt = yield self.event("T_high")

    def design_pressure(self):
        self.out.t_design = yield self.event("P_design")

    def flammable(self):
        self.out.t_flammable = yield self.event("flammable")

    def start(self) -> None:
        """Every process of the path on the twin's clock, in a fixed order (events at one time keep it)."""
        setup, barriers, gas, process = self.setup, self.setup.barriers, self.setup.gas, self.tw.env.process
        if setup.kind == "regulator_open":
            self.set("p_supply", gas.supply.pressure)
            self.set("CdA_N2", gas.supply.cda)
            process(self.design_pressure())
        if setup.kind == "nitrogen_loss":
            process(self.flammable())
        if gas.oxygen is not None:
            process(self.oxygen_barrier())
        if gas.pressure_trip is not None:
            process(self.pressure_sis())
        if barriers.relief is not None:
            if f"{self.r}.P_design" not in self.tw.tags:
                raise ValueError("a relief device needs the vessel's design pressure, its top event: the plant's "
                                 "design_pressure or P_design in the chemistry")
            if not barriers.relief.set < self.value("P_design"):
                raise ValueError(f"the relief set pressure ({barriers.relief.set:g} Pa) must lie below the design "
                                 f"pressure ({self.value('P_design'):g} Pa, absolute)")
            process(self.relief_device())
            process(self.design_pressure())
        for step in (self.recipe, self.initiating_event, self.runaway):
            process(step())
        if barriers.alarm is not None:
            process(self.operator())
        if barriers.trip is not None:
            process(self.sis())

    # -- running until the hazard has passed -------------------------------------------------------------------------
    def run(self):
        """The batch (a gas hazard: a batch's length from the initiating event), then on, a batch's length at a
        time, while :meth:`hazard_left` (at most :data:`RUNS_ON` times)."""
        self.start()
        batch, setup = self.batch, self.setup
        result = self.tw.run(until=batch.duration if setup.kind not in GAS_KINDS
                             else self.demand.t_event + batch.duration)
        for _ in range(RUNS_ON):
            if not self.hazard_left():
                break
            result = self.tw.run(until=self.tw.now + batch.duration)
        return result

    def hazard_left(self) -> bool:
        """Whether the path must run on: its top event has not happened and the hazard has not passed."""
        out, kind, relief = self.out, self.setup.kind, self.setup.barriers.relief
        if kind in GAS_KINDS:  # the gas keeps coming until a barrier acts
            return not out.acted and (out.t_flammable if kind == "nitrogen_loss" else out.t_design) is None
        if (out.t_mtt if relief is None else out.t_design) is not None:
            return False
        v = {name: self.value(name) for name in ("T", "Tj", "nA", "nB", "V", "dH", "rho", "cp", "k0", "m_jacket",
                                                 "cp_cool", "PT-01", "antoine_A", "antoine_B", "antoine_C")}
        heat = min(v["nA"], v["nB"]) * -v["dH"]  # what is left to react, released at once into contents and jacket
        ceiling = max(v["T"], v["Tj"]) + heat / (v["rho"] * v["cp"] * v["V"] + v["m_jacket"] * v["cp_cool"])
        if relief is None:
            return v["k0"] > 0 and ceiling >= self.batch.mtt

        def vapour(T):
            return 1e5 * 10 ** (v["antoine_A"] - v["antoine_B"] / (T + v["antoine_C"]))
        gas_at_ceiling = (v["PT-01"] - vapour(v["T"])) * ceiling / v["T"]  # the head pressure at the ceiling
        return v["k0"] > 0 and gas_at_ceiling + vapour(ceiling) >= self.value("P_design")

    def record(self, result, keep_trace: bool) -> None:
        """The peaks of the path into :attr:`out`; with ``keep_trace`` its traces and events too."""
        out, r, kind = self.out, self.r, self.setup.kind
        out.peak = float(result.trace(f"{r}.T")[1].max())
        if self.setup.barriers.relief is not None or kind == "regulator_open":
            out.peak_pressure = float(result.trace(f"{r}.PT-01")[1].max())
        if kind == "nitrogen_loss":
            out.peak_oxygen = float(result.trace(f"{r}.AT-01")[1].max())
        if keep_trace:
            table = result.table(f"{r}.*")
            out.trace = {"t": table["t"]} | {f"{r}.{name}": table[f"{r}.{name}"] for name in TRACED}
            out.events = self.events()

    def events(self) -> list[tuple[float, str, str]]:
        """``(t, asset, event)`` of the path, as the viewer shows them: the failing asset, alarms, the barriers
        acting, the top event."""
        out, r, barriers = self.out, self.r, self.setup.barriers
        tags = _plant_tags(Path(self.batch.plant))
        valve = "XV-101" if "XV-101" in tags else r
        failing = {"dosing_stuck_open": valve} | dict.fromkeys(GAS_KINDS, "N2-101" if "N2-101" in tags else r)

        def acted(name: str, t: float) -> tuple[float, str, str]:
            if name in (barriers.trip, self.setup.gas.pressure_trip):
                return t, valve, "trip"
            if barriers.relief and name == barriers.relief.ipl:
                return t, r, "relief opened"
            return t, r, f"dosing stopped by {name}"

        alarms = [(t, r, "alarm") for t, name, k in self.tw.events
                  if k == "state" and name.endswith(("at_setpoint", "O2_high"))]
        return sorted([(self.demand.t_event, failing.get(self.setup.kind, r), "failure")]
                      + [acted(name, t) for name, t in out.acted.items()] + alarms
                      + ([(out.t_top, r, TOP_EVENTS[out.top])] if out.top_event else []))
