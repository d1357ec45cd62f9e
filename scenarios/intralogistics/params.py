"""The intralogistics study's parameters as typed, frozen values: what the model reads, named and in SI units.

The scenario's schema (:mod:`scenarios.intralogistics`) checks the file, converts its units and fills in the
defaults; :meth:`LogisticsParams.of` turns the checked mapping into these, once per replication, so the model reads
``p.fleet.battery.capacity`` instead of ``params["fleet"]["battery"]["capacity"]``. Each class names the scenario
key it holds; the names are the scenario's, except an order stream's ``from``/``to`` (``origins``/``targets``) and
the QC block's ``from`` (``source``)::

    >>> from scenarios.intralogistics.params import LogisticsParams
    >>> from scenarios.scenario import load
    >>> p = LogisticsParams.of(load("scenarios/intralogistics/multipurpose_osd.yaml").variants["forklift_and_people"])
    >>> p.fleet.vehicles, p.fleet.battery.capacity / 3.6e6, p.fleet.power.draw(loaded=True)
    (4, 2.0, 800.0)
    >>> p.orders[0].origins, p.orders[0].every, p.batches.process["GR-201"], p.dispatch.rule
    (('WH-02',), 900.0, 7200.0, 'fifo')
    >>> p.agents["operator"].stairs, p.network.stairs["ST-01"].climb, p.network.lifts["LIFT-01"].ride
    (True, 30.0, 40.0)

Times are in seconds, lengths in m, speeds in m/s, masses in kg, powers in W, energies in J, fractions in 0..1.
The mapping a test builds by hand may leave out what the model does not need: a missing key takes the schema's
default (``tests/scenarios/test_intralogistics_params.py`` checks that the two agree).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any


def _record(cls, given: Mapping[str, Any] | None, **renamed: str):
    """``cls`` from the schema's record ``given``: each field from the key of its name (or ``renamed[name]``), its
    default where the key is missing."""
    given = given or {}
    values = {}
    for f in fields(cls):
        key = renamed.get(f.name, f.name)
        if key in given:
            values[f.name] = given[key]
        elif f.default is MISSING and f.default_factory is MISSING:
            raise KeyError(key)
    return cls(**values)


def _xy(given) -> tuple[float, float] | None:
    return (float(given[0]), float(given[1])) if given else None


# -- fleet ------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Power:
    """``fleet.power``: what a vehicle draws while it moves (W), ``empty`` and ``loaded``; nothing while it waits."""

    empty: float = 400.0
    loaded: float = 800.0

    def draw(self, loaded: bool) -> float:
        return self.loaded if loaded else self.empty


@dataclass(frozen=True)
class Battery:
    """``fleet.battery``: ``capacity`` (J), the share ``low`` below which a vehicle charges after a job, the
    charging ``power`` (W) and the stations that are ``chargers`` (one vehicle each)."""

    capacity: float
    power: float
    chargers: tuple[str, ...]
    low: float = 0.2

    @classmethod
    def of(cls, given: Mapping[str, Any]) -> Battery:
        return cls(float(given["capacity"]), float(given["power"]), tuple(given["chargers"]),
                   float(given.get("low", 0.2)))


@dataclass(frozen=True)
class Cleaning:
    """``fleet.cleaning``: after a dirty load a vehicle drives empty to ``station`` and is cleaned there for
    ``time`` seconds before its next job."""

    station: str
    time: float = 600.0


@dataclass(frozen=True)
class Fleet:
    """``fleet``: how many AGVs, their ``speed`` and ``acceleration``, ``payload`` and own ``mass`` (kg, against a
    lift's rating), their ``home`` station, whether they ``park`` at ``home`` or ``stay`` where they finish, their
    drive ``power``, their ``battery`` (None: never charged) and their ``cleaning`` (None: never cleaned)."""

    vehicles: int
    speed: float
    home: str
    acceleration: float = 0.5
    payload: float = 1000.0
    mass: float = 600.0
    park: str = "stay"
    power: Power = Power()
    battery: Battery | None = None
    cleaning: Cleaning | None = None

    @classmethod
    def of(cls, given: Mapping[str, Any]) -> Fleet:
        battery, cleaning = given.get("battery"), given.get("cleaning")
        return cls(int(given["vehicles"]), float(given["speed"]), given["home"],
                   float(given.get("acceleration", 0.5)), float(given.get("payload", 1000.0)),
                   float(given.get("mass", 600.0)), given.get("park", "stay"), _record(Power, given.get("power")),
                   Battery.of(battery) if battery else None, _record(Cleaning, cleaning) if cleaning else None)


@dataclass(frozen=True)
class Handling:
    """``handling``: seconds to ``load`` a container onto a vehicle and to ``unload`` it."""

    load: float = 60.0
    unload: float = 60.0


@dataclass(frozen=True)
class Warehouse:
    """``warehouse``: the store's ``station`` and its ``pickers``, who ``pick`` an order before a vehicle loads it
    there and ``put_away`` one a vehicle delivers there (s each)."""

    station: str
    pickers: int = 1
    pick: float = 180.0
    put_away: float = 120.0


# -- orders -----------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Stream:
    """``orders[i]``: Poisson transport orders, a mean gap of ``every`` seconds, from a random station of
    ``origins`` (``from``) to one of ``targets`` (``to``), each a ``container`` of ``load`` kg wanted ``due``
    seconds after it is ordered, of GMP ``flow`` (``clean`` or ``dirty``: it keeps out of the other flow's
    corridors)."""

    origins: tuple[str, ...]
    targets: tuple[str, ...]
    every: float
    load: float = 0.0
    container: str = "TOTE"
    due: float = 3600.0
    flow: str = "clean"

    @classmethod
    def of(cls, given: Mapping[str, Any]) -> Stream:
        return cls(tuple(given["from"]), tuple(given["to"]), given["every"], given.get("load", 0.0),
                   given.get("container", "TOTE"), given.get("due", 3600.0), given.get("flow", "clean"))


@dataclass(frozen=True)
class Batches:
    """``batches``: the production schedule. A batch every ``every`` seconds from ``start`` goes along ``route``
    (the store, the stations that ``process`` it for their seconds, the store), its kit ordered ``lead`` seconds
    before it is due, each step's container (``container``, ``load`` kg, of ``flow``) due at the next station
    ``allowance`` seconds after the step; the finished goods wait ``release`` seconds in quarantine (0: none)
    unless a QC lab decides."""

    route: tuple[str, ...]
    every: float
    process: Mapping[str, float]
    start: float = 3600.0
    lead: float = 1800.0
    allowance: float = 1200.0
    load: float = 300.0
    container: str = "IBC"
    release: float = 0.0
    flow: str = "clean"

    @classmethod
    def of(cls, given: Mapping[str, Any]) -> Batches:
        return cls(tuple(given["route"]), given["every"], dict(given["process"]), given.get("start", 3600.0),
                   given.get("lead", 1800.0), given.get("allowance", 1200.0), given.get("load", 300.0),
                   given.get("container", "IBC"), given.get("release", 0.0), given.get("flow", "clean"))


# -- policies ---------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Dispatch:
    """``dispatch``: the ``rule`` (:data:`scenarios.intralogistics.dispatch.RULES`), the ``window`` of oldest
    orders it looks at, and for ``cpsat`` its ``effort`` (deterministic time limit per plan, about seconds) and its
    ``objective`` (``lead_time``: the sum of completion times; ``lateness``: first the sum of lateness)."""

    rule: str = "fifo"
    window: int = 10
    effort: float = 0.1
    objective: str = "lead_time"


@dataclass(frozen=True)
class Routing:
    """``routing``: static routes, or with ``congestion`` the fastest around busy zones, planned at each leg's
    start (``replan: start``) or again in every room (``replan: room``)."""

    congestion: bool = False
    replan: str = "start"


# -- movers -----------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Agent:
    """``agents.<kind>``: ``count`` movers of a kind (forklifts, people) with their ``speed``, ``acceleration``,
    ``payload`` and own ``mass`` (kg), their ``home`` station, the ``containers`` they carry, the room grades they
    ``avoid``, whether they take ``stairs`` and ``lifts``, and the ``size`` (m) the viewer draws."""

    count: int
    speed: float
    payload: float
    home: str
    containers: tuple[str, ...]
    acceleration: float = 1.0
    avoid: tuple[str, ...] = ()
    stairs: bool = False
    lifts: bool = True
    size: tuple[float, ...] | None = None
    mass: float = 0.0

    @classmethod
    def of(cls, given: Mapping[str, Any]) -> Agent:
        size = given.get("size")
        return cls(int(given["count"]), float(given["speed"]), float(given["payload"]), given["home"],
                   tuple(given["containers"]), float(given.get("acceleration", 1.0)), tuple(given.get("avoid") or ()),
                   bool(given.get("stairs", False)), bool(given.get("lifts", True)),
                   tuple(float(s) for s in size) if size else None, float(given.get("mass", 0.0)))


# -- the network ------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Room:
    """``network.rooms.<number>``: a room the plant lacks, on ``storey``, its corner ``origin`` and ``size`` (x, y
    in m) and its GMP ``grade``."""

    storey: str
    origin: tuple[float, float]
    size: tuple[float, float]
    grade: str | None = None

    @classmethod
    def of(cls, given: Mapping[str, Any]) -> Room:
        return cls(given["storey"], _xy(given["origin"]), _xy(given["size"]), given.get("grade"))


@dataclass(frozen=True)
class Door:
    """``network.doors[i]``: a door ``between`` two rooms of one storey, a material ``airlock`` of that many seconds
    (0: a plain door), ``one_way`` from the first room to the second, its ``name`` (default ``A|B``)."""

    between: tuple[str, str]
    airlock: float = 0.0
    one_way: bool = False
    name: str | None = None

    @classmethod
    def of(cls, given: Mapping[str, Any]) -> Door:
        return cls(tuple(given["between"]), float(given.get("airlock", 0.0)), bool(given.get("one_way", False)),
                   given.get("name"))


@dataclass(frozen=True)
class Lift:
    """``network.lifts.<tag>``: a lift's ``ride`` time (s), its ``capacity`` (vehicles in the car) and, where the
    plant's IFC does not say or is overridden, its ``stops`` (rooms), shaft position ``at`` (x, y in m) and
    ``payload`` (kg)."""

    ride: float
    capacity: int = 1
    stops: tuple[str, ...] = ()
    at: tuple[float, float] | None = None
    payload: float | None = None

    @classmethod
    def of(cls, given: Mapping[str, Any]) -> Lift:
        return cls(float(given["ride"]), int(given.get("capacity", 1)), tuple(given.get("stops") or ()),
                   _xy(given.get("at")), given.get("payload"))


@dataclass(frozen=True)
class Staircase:
    """``network.stairs.<name>``: stairs joining the rooms ``stops`` at ``at`` (x, y in m), a ``climb`` of that many
    seconds; only kinds of mover with ``stairs: true`` take them."""

    stops: tuple[str, ...]
    at: tuple[float, float]
    climb: float = 30.0

    @classmethod
    def of(cls, given: Mapping[str, Any]) -> Staircase:
        return cls(tuple(given["stops"]), _xy(given["at"]), float(given.get("climb", 30.0)))


@dataclass(frozen=True)
class Station:
    """``network.stations.<tag>``: a station the plant lacks (a charger, a drop point), in ``room`` at ``at`` (x, y
    in m)."""

    room: str
    at: tuple[float, float]

    @classmethod
    def of(cls, given: Mapping[str, Any]) -> Station:
        return cls(given["room"], _xy(given["at"]))


@dataclass(frozen=True)
class NetworkParams:
    """``network``: what the scenario adds to the plant's floors (``floors``: storey -> elevation in m), rooms,
    doors, lifts, stairs and stations, the interlock cycle of the plant's doors between grades (``airlock``, s) and
    the corridors that serve the ``clean`` or the ``dirty`` flow only."""

    floors: Mapping[str, float] = field(default_factory=dict)
    rooms: Mapping[str, Room] = field(default_factory=dict)
    doors: tuple[Door, ...] = ()
    lifts: Mapping[str, Lift] = field(default_factory=dict)
    stairs: Mapping[str, Staircase] = field(default_factory=dict)
    stations: Mapping[str, Station] = field(default_factory=dict)
    airlock: float = 90.0
    clean: tuple[str, ...] = ()
    dirty: tuple[str, ...] = ()

    @classmethod
    def of(cls, given: Mapping[str, Any] | None) -> NetworkParams:
        given = given or {}
        return cls({k: float(f["elevation"]) for k, f in (given.get("floors") or {}).items()},
                   {k: Room.of(r) for k, r in (given.get("rooms") or {}).items()},
                   tuple(Door.of(d) for d in given.get("doors") or ()),
                   {k: Lift.of(x) for k, x in (given.get("lifts") or {}).items()},
                   {k: Staircase.of(s) for k, s in (given.get("stairs") or {}).items()},
                   {k: Station.of(s) for k, s in (given.get("stations") or {}).items()},
                   float(given.get("airlock", 90.0)), tuple(given.get("clean") or ()), tuple(given.get("dirty") or ()))


# -- the QC lab -------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class QcRelease:
    """``qc``: release from quarantine decided by a QC lab (:mod:`scenarios.intralogistics.qc`): the scheduling
    study's ``lab:`` block read from the file ``source`` (``from``) or given here as ``lab`` (the block as written,
    read by :func:`scenarios.intralogistics.qc.lab_of`), the ``retest`` probability (None: the file's), the
    ``station`` samples go to (None: a test's first instrument), the sample's mass (``sample``, kg), ``due`` (s)
    and ``container`` kind."""

    source: Path | None = None
    lab: Mapping[str, Any] | None = None
    retest: float | None = None
    station: str | None = None
    sample: float = 1.0
    due: float = 3600.0
    container: str = "QC"

    @classmethod
    def of(cls, given: Mapping[str, Any]) -> QcRelease:
        return _record(cls, given, source="from")


# -- one variant ------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LogisticsParams:
    """One variant of an intralogistics scenario: the window (``horizon``, ``warmup``, s), the ``plant`` file,
    its transport ``network``, the ``fleet``, ``handling``, the ``warehouse`` (None: no pickers), the order
    streams, the production ``batches`` (None: none), the ``qc`` lab (None: a fixed release time), the other
    kinds of movers (``agents``), the ``dispatch`` and ``routing`` policies and the trace's sampling interval
    (s)."""

    horizon: float
    warmup: float
    fleet: Fleet
    plant: Path | str | None = None
    network: NetworkParams = NetworkParams()
    handling: Handling = Handling()
    warehouse: Warehouse | None = None
    orders: tuple[Stream, ...] = ()
    batches: Batches | None = None
    qc: QcRelease | None = None
    agents: Mapping[str, Agent] = field(default_factory=dict)
    dispatch: Dispatch = Dispatch()
    routing: Routing = Routing()
    trace_interval: float = 3600.0

    @classmethod
    def of(cls, params: Mapping[str, Any]) -> LogisticsParams:
        """The typed parameters of a checked scenario mapping (``Scenario.variants[name]`` or a task's params)."""
        warehouse, batches, qc = params.get("warehouse"), params.get("batches"), params.get("qc")
        return cls(horizon=float(params["horizon"]), warmup=float(params["warmup"]),
                   fleet=Fleet.of(params["fleet"]), plant=params.get("plant"),
                   network=NetworkParams.of(params.get("network")),
                   handling=_record(Handling, params.get("handling")),
                   warehouse=_record(Warehouse, warehouse) if warehouse else None,
                   orders=tuple(Stream.of(s) for s in params.get("orders") or ()),
                   batches=Batches.of(batches) if batches else None,
                   qc=QcRelease.of(qc) if qc is not None else None,
                   agents={k: Agent.of(a) for k, a in (params.get("agents") or {}).items()},
                   dispatch=_record(Dispatch, params.get("dispatch")), routing=_record(Routing, params.get("routing")),
                   trace_interval=float(params.get("trace_interval", 3600.0)))
