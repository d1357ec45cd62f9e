"""The energy study's parameters as typed, frozen values: what the model reads, named and in SI units.

The scenario's schema (:mod:`scenarios.energy.study`) checks the file, converts its units and fills in the defaults;
:meth:`EnergyParams.of` turns the checked mapping into these, so the model reads ``p.chillers.tower.approach``
instead of ``params["chillers"]["tower"]["approach"]``. Each class names the scenario key it holds; the names are
the scenario's, except ``from``/``to`` (``start``/``end``) and the room limits' ``set`` (``set_point``)::

    >>> from scenarios.energy.params import EnergyParams
    >>> from scenarios.scenario import load
    >>> p = EnergyParams.of(load("scenarios/energy/osd_cm_line.yaml").variants["base"])
    >>> p.chillers.units["CH-01"].cop, p.room.set_point - 273.15, p.tariff.periods[0].price
    (5.5, 21.0, 0.12)
    >>> p.hourly, [z for ahu in p.ahus.values() for z in ahu.serves][:3]
    (False, ['G10', 'G11', 'G12'])

Times are in seconds, temperatures in K, powers in W, pressures in Pa, fractions in 0..1.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any


def _record(cls, given: Mapping[str, Any], **renamed: str):
    """``cls`` from the schema's record ``given``: each field from the key of its name (or ``renamed[name]``)."""
    return cls(**{f.name: given[renamed.get(f.name, f.name)] for f in fields(cls)})


@dataclass(frozen=True)
class RoomOverride:
    """``rooms.<number>``: what the scenario says of a room instead of the plant (None: the plant's or the grade
    table's value). ``face_velocity`` (m/s) and ``face_area`` (m2) size a unidirectional (grade A) zone."""

    grade: str | None = None
    volume: float | None = None
    area: float | None = None
    ach: float | None = None
    dp: float | None = None
    thermal_mass: float | None = None
    face_velocity: float | None = None
    face_area: float | None = None

    @classmethod
    def of(cls, given: Mapping[str, Any]) -> RoomOverride:
        return cls(**{f.name: given.get(f.name) for f in fields(cls)})


@dataclass(frozen=True)
class Ahu:
    """``ahus.<name>``: the rooms an air handling unit serves, its outside-air fraction, fan pressure and
    efficiency."""

    serves: tuple[str, ...]
    outside_air: float
    fan_pressure: float
    fan_efficiency: float

    @classmethod
    def of(cls, given: Mapping[str, Any]) -> Ahu:
        return cls(tuple(given["serves"]), given["outside_air"], given["fan_pressure"], given["fan_efficiency"])


@dataclass(frozen=True)
class Chiller:
    """``chillers.units.<tag>``: capacity (W; None: the plant asset's) and nominal COP."""

    capacity: float | None
    cop: float


@dataclass(frozen=True)
class Tower:
    """``chillers.tower``: approach to the wet bulb and range (K), fan power per W rejected at design, the condenser
    pump's head (m) and efficiency."""

    approach: float
    range: float
    fan: float
    head: float
    pump_efficiency: float


@dataclass(frozen=True)
class ChillerPlant:
    """``chillers``: the units, the part-load curve ``eir`` (None: the curve set's), the chilled-water pump per W of
    cooling, dispatch (``staged`` or ``optimal``) with start cost and minimum run and off times (s), the cooling
    tower, the tank's usable cold (J; 0: none), the curve set, the chilled water's leaving temperature (K) and the
    condenser (``water`` or ``air``)."""

    units: dict[str, Chiller]
    eir: tuple[float, ...] | None
    pump: float
    dispatch: str
    start_cost: float
    min_on: float
    min_off: float
    tower: Tower
    storage: float
    curves: str | None
    chilled_water: float
    condenser: str

    @classmethod
    def of(cls, given: Mapping[str, Any]) -> ChillerPlant:
        return cls(units={tag: _record(Chiller, u) for tag, u in given["units"].items()},
                   eir=None if given["eir"] is None else tuple(given["eir"]), pump=given["pump"],
                   dispatch=given["dispatch"], start_cost=given["start_cost"], min_on=given["min_on"],
                   min_off=given["min_off"], tower=_record(Tower, given["tower"]),
                   storage=given["storage"]["capacity"], curves=given["curves"],
                   chilled_water=given["chilled_water"], condenser=given["condenser"])


@dataclass(frozen=True)
class Weather:
    """``weather``: a design day (its maximum, daily range and dew point, K) or an EPW file."""

    max: float
    range: float
    dew_point: float
    epw: Path | None


@dataclass(frozen=True)
class Period:
    """``tariff.periods[i]``: the price (currency/kWh) from ``start`` to ``end`` (s of the day; keys from, to)."""

    start: float
    end: float
    price: float


@dataclass(frozen=True)
class Tariff:
    """``tariff``: the day's price periods, the demand charge (currency per kW of the peak) and the currency."""

    periods: tuple[Period, ...]
    demand_charge: float
    currency: str

    @classmethod
    def of(cls, given: Mapping[str, Any]) -> Tariff:
        return cls(tuple(_record(Period, p, start="from", end="to") for p in given["periods"]),
                   given["demand_charge"], given["currency"])


@dataclass(frozen=True)
class Setback:
    """``control.setback``: outside production the rooms of ``grades`` get ``fraction`` of their design air, their
    pressures held or not, full air again ``recovery`` s before production."""

    enabled: bool
    fraction: float
    hold_pressure: bool
    recovery: float
    grades: tuple[str, ...]


@dataclass(frozen=True)
class Control:
    """``control``: the coil's leaving temperature and, with ``supply_reset``, its ceiling (K); the setback."""

    coil_leaving: float
    coil_leaving_max: float
    supply_reset: bool
    setback: Setback

    @classmethod
    def of(cls, given: Mapping[str, Any]) -> Control:
        s = given["setback"]
        return cls(given["coil_leaving"], given["coil_leaving_max"], given["supply_reset"],
                   Setback(s["enabled"], s["fraction"], s["hold_pressure"], s["recovery"], tuple(s["grades"])))


@dataclass(frozen=True)
class RoomLimits:
    """``room``: set-point and limits (K; key ``set`` is ``set_point``), relative humidity limits, and the rooms'
    heat and vapour capacity as multiples of their air's (0: none, the steady state)."""

    set_point: float
    low: float
    high: float
    rh_low: float
    rh_high: float
    thermal_mass: float
    moisture_mass: float


@dataclass(frozen=True)
class Production:
    """``production``: the window (s of the day) on the first ``days_per_week`` days of each week."""

    start: float
    end: float
    days_per_week: float


@dataclass(frozen=True)
class AreaGains:
    """``gains``: lighting and small power per floor area (W/m2) in and out of production."""

    production: float
    idle: float


@dataclass(frozen=True)
class Step:
    """``batches.products.<p>.steps.<s>``: the units (tags or patterns), the time and the cleaning after (s)."""

    units: tuple[str, ...]
    time: float
    clean: float


@dataclass(frozen=True)
class Order:
    """``batches.orders[i]``: ``batches`` of ``product``, the first at ``release``, then one every ``every`` s."""

    product: str
    batches: int
    release: float
    every: float


@dataclass(frozen=True)
class BatchPlan:
    """``batches``: each product's steps in order, the orders, and the steps' coefficient of variation."""

    products: dict[str, tuple[Step, ...]]
    orders: tuple[Order, ...]
    duration_cv: float

    @classmethod
    def of(cls, given: Mapping[str, Any]) -> BatchPlan:
        steps = {name: tuple(Step(tuple(s["units"]), s["time"], s["clean"]) for s in product["steps"].values())
                 for name, product in given["products"].items()}
        return cls(steps, tuple(_record(Order, o) for o in given["orders"]), given["duration_cv"])


@dataclass(frozen=True)
class ByState:
    """A rate in each state of a unit (steam in kg/s, compressed air in m3/s of free air, power in W)."""

    running: float
    idle: float
    cleaning: float


@dataclass(frozen=True)
class Equipment:
    """``equipment.<tag or pattern>``: electric power by state (W; cleaning None: as idle), the part of it that
    heats the room, steam and compressed air by state."""

    running: float
    idle: float
    cleaning: float | None
    to_room: float
    steam: ByState
    air: ByState

    @property
    def power(self) -> ByState:
        """Electric power by state, cleaning as idle when not given."""
        return ByState(self.running, self.idle, self.idle if self.cleaning is None else self.cleaning)

    @classmethod
    def of(cls, given: Mapping[str, Any]) -> Equipment:
        return cls(given["running"], given["idle"], given.get("cleaning"), given["to_room"],
                   _record(ByState, given["steam"]), _record(ByState, given["air"]))


@dataclass(frozen=True)
class Boiler:
    """``boiler``: efficiency, steam pressure (Pa, absolute) and feed water temperature (K)."""

    efficiency: float
    steam_pressure: float
    feed: float


@dataclass(frozen=True)
class CompressedAir:
    """``compressed_air``: absolute pressure (Pa) and isothermal efficiency, wire to air."""

    pressure: float
    efficiency: float


@dataclass(frozen=True)
class Shift:
    """``people.shifts[i]``: people per room from ``start`` to ``end`` (s of the day; keys from, to)."""

    start: float
    end: float
    rooms: dict[str, float]


@dataclass(frozen=True)
class People:
    """``people``: sensible heat per person (W) and the shifts."""

    heat: float
    shifts: tuple[Shift, ...]

    @classmethod
    def of(cls, given: Mapping[str, Any]) -> People:
        return cls(given["heat"], tuple(Shift(s["from"], s["to"], dict(s["rooms"])) for s in given["shifts"]))


@dataclass(frozen=True)
class Leakage:
    """``leakage``: a door's leak area (m2), the shell's per m2 of floor, and the doors (pairs of rooms or
    ``outside``; empty: every pair of neighbouring rooms)."""

    door: float
    envelope: float
    doors: tuple[tuple[str, ...], ...]

    @classmethod
    def of(cls, given: Mapping[str, Any]) -> Leakage:
        return cls(given["door"], given["envelope"], tuple(tuple(pair) for pair in given["doors"]))


@dataclass(frozen=True)
class Co2:
    """``co2``: emission factors (kg per J) of electricity and gas."""

    electricity: float
    gas: float


@dataclass(frozen=True)
class EnergyParams:
    """One variant of an energy scenario: the plant, the window and control step (s), the seed, and each section."""

    plant: Path
    horizon: float
    warmup: float
    seed: int
    step: float
    ahus: dict[str, Ahu]
    chillers: ChillerPlant
    tariff: Tariff
    boiler: Boiler
    compressed_air: CompressedAir
    weather: Weather
    control: Control
    room: RoomLimits
    production: Production
    gains: AreaGains
    envelope_ua: float
    co2: Co2
    leakage: Leakage
    batches: BatchPlan
    people: People
    rooms: dict[str, RoomOverride] = field(default_factory=dict)
    equipment: dict[str, Equipment] = field(default_factory=dict)

    @property
    def hourly(self) -> bool:
        """Whether the chillers are planned by the hour (a tank, or the optimal dispatch)."""
        return self.chillers.storage > 0 or self.chillers.dispatch == "optimal"

    @classmethod
    def of(cls, params: Mapping[str, Any]) -> EnergyParams:
        """The typed parameters of a checked scenario mapping (``Scenario.variants[name]`` or a task's params)."""
        p = params
        return cls(plant=p["plant"], horizon=p["horizon"], warmup=p["warmup"], seed=p["seed"], step=p["step"],
                   ahus={name: Ahu.of(a) for name, a in p["ahus"].items()}, chillers=ChillerPlant.of(p["chillers"]),
                   tariff=Tariff.of(p["tariff"]), boiler=_record(Boiler, p["boiler"]),
                   compressed_air=_record(CompressedAir, p["compressed_air"]), weather=_record(Weather, p["weather"]),
                   control=Control.of(p["control"]), room=_record(RoomLimits, p["room"], set_point="set"),
                   production=_record(Production, p["production"]), gains=_record(AreaGains, p["gains"]),
                   envelope_ua=p["envelope_ua"], co2=_record(Co2, p["co2"]), leakage=Leakage.of(p["leakage"]),
                   batches=BatchPlan.of(p["batches"]), people=People.of(p["people"]),
                   rooms={number: RoomOverride.of(r) for number, r in p["rooms"].items()},
                   equipment={pattern: Equipment.of(e) for pattern, e in p["equipment"].items()})
