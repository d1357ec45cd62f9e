"""The energy model: cleanroom zones from the plant's rooms, air handling units, chillers and a boiler, stepped
through the horizon at the control step (quasi-steady: each step is a steady state of the air and water loops).

Per zone (volume ``V``, air changes ``ACH``, supply ``m = rho ACH V / 3600``): the sensible load at the set-point is
``L = gains + UA (T_out - T_set)``, so the supply must be ``T_req = T_set - L / (m cp)``. Per AHU: outside air
fraction ``f`` mixes with the return, ``T_mix = f T_out + (1 - f) T_ret``; the cooling coil (or preheat) brings it
to the coil leaving temperature, the supply fan adds its power as heat, ``T_duct = T_coil + P_fan / (m cp)``,
and each zone's reheat coil warms its air from ``T_duct`` to ``T_req``. A zone whose ``T_req`` lies below the
duct floats above its set-point: ``T_room = (m cp T_duct + gains + UA T_out) / (m cp + UA)``. The fan follows the
affinity law ``P = P_design (Q / Q_design)**3``. Room pressures come from the airflow network of
:mod:`scenarios.energy.leakage` (doors between rooms, each room's shell to the outdoors, orifice law): each room's
offset (supply minus return) is the one that holds its design overpressure; a setback that scales the supply and
return together scales the offset, one that holds the offset holds the pressures. Compliance checks every
classified room against the outdoors and every door between two grades (the cleaner side at least
10 Pa above: EU GMP Annex 1 4.27). The offset is small and comes back to the AHU through the corridor, so the
energy balance takes return = supply. Each room has thermal mass (:mod:`scenarios.energy.thermal`): its
temperature follows the exact solution of its balance over each step, the reheat bringing it back to the set-point
as fast as the duct air allows; the steady state above is its limit at long times. A setback's full air comes back
``setback.recovery`` before production; whether the rooms are back in their limits by then is simulated. The
temperature and humidity limits hold while a room operates (production window or a batch in it; always without
setback), the pressure cascade at all times; every room-step out of them counts as a violation. The heat the
rooms store is ``power["stored"]``. Humidity
(:mod:`scenarios.energy.psychro`): the rooms have no moisture sources, so at steady state they hold the outdoor
humidity ratio unless the coil condenses it to saturation at its leaving temperature; the latent heat of the
condensate is part of the coil's load (humidifiers are not modelled). With ``room.moisture_mass`` the rooms' air
stores vapour and lags behind that steady state (:mod:`scenarios.energy.moisture`; its latent heat in ``stored``).

Chilled water: the coils' load plus the pump's heat, carried by the chillers as :mod:`scenarios.energy.dispatch`
decides (staged in order, or committed by the hour at least cost, a week at a time, with start costs and minimum
run and off times), each drawing ``Q_avail / COP_nom * EIRFT * EIR(PLR)`` with ``Q_avail = Q_nom CAPFT``
(EnergyPlus's Chiller:Electric:EIR, :mod:`scenarios.energy.chillers`): the chilled water leaves at
``chilled_water``; the condenser water enters at the cooling tower's supply, the outdoor wet bulb plus its
approach, worked out before the chillers (or, ``condenser: air``, at the outdoor dry bulb). Heat: preheat and
reheat from a gas boiler of fixed efficiency.
"""
from __future__ import annotations

import inspect
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from scenarios.energy import batches, dispatch, leakage, moisture, psychro, storage, tariff, thermal, utilities, weather
from scenarios.energy.chillers import CURVES as CHILLER_CURVES
from scenarios.energy.chillers import DEFAULT_CURVES, Curves
from scenarios.energy.chillers import factors as chiller_factors
from scenarios.energy.grades import ANNEX1_MIN_DP, DEFAULTS, GRADE_A_FACE_VELOCITY, unidirectional_ach
from scenarios.energy.params import Ahu, Chiller, ChillerPlant, EnergyParams, RoomOverride
from scenarios.registry import Run
from twin import plant as plants
from twin.config import ConfigError
from twin.process.units import chiller as chiller_unit
from twin.process.units.hvac import R_AIR

CP_AIR = 1006.0        # J/(kg K), as twin.process.units.hvac
P_ATM = 101325.0       # Pa
DAY, HOUR, KWH = 86400.0, 3600.0, 3.6e6
WEEK_HOURS = 168       # the tank's plan and the chillers' commitment look a week ahead
DOE2_EIR = inspect.signature(chiller_unit.Chiller).parameters["eir"].default
DP_TOLERANCE = 1e-6    # Pa: a room held exactly at its limit, up to the pressure solver's tolerance
RH_TOLERANCE = 1e-9    # a reset coil sits at the humidity limit exactly, up to the dew-point solver's tolerance
USES = ("fans", "chillers", "pump", "tower_fans", "condenser_pump", "compressors", "process", "lighting",
        "equipment", "people_in", "reheat", "preheat", "process_steam", "cooling_coils",
        "chilled_water_idle")  # reported as kwh.<use>
PLANT_CAPACITY = "PharmaTwin_Equipment.CoolingCapacity_kW"  # a chiller asset's capacity in the plant model


@dataclass(frozen=True)
class Zone:
    """A room as the HVAC sees it (SI units)."""

    number: str
    grade: str
    volume: float
    area: float
    ach: float
    dp: float
    dp_min: float
    thermal_mass: float | None = None    # heat capacity / the air's; None: the scenario's (room.thermal_mass)


def zones(plant_path, rooms: Mapping[str, RoomOverride]) -> dict[str, Zone]:
    """A zone per room of the plant: volume, area and grade from the plant, ACH and overpressure from the space's
    own properties or else the grade table (:mod:`scenarios.energy.grades`), ``rooms`` overriding any of them
    (rooms the plant has: :func:`scenarios.energy.study.check` names any other)."""
    plant = plants.load(plant_path)
    out = {}
    for number, space in plant.spaces.items():
        given = rooms.get(number, RoomOverride())
        grade = given.grade or space.grade
        volume = given.volume or space.volume
        area = given.area or space.area or (volume / 3.0 if volume else None)
        for what, value, key in (("GMP grade", grade, "grade"), ("volume", volume, "volume")):
            if value is None:
                raise ConfigError(f"room {number} ({space.name}) has no {what}", file=plant_path,
                                  key=f"space {number} (IfcSpace {space.guid})",
                                  hint=f"give it in the IFC (PharmaTwin_Cleanroom.GMPGrade, "
                                       f"Qto_SpaceBaseQuantities.NetVolume) or in the scenario: "
                                       f"rooms: {{{number}: {{{key}: ...}}}}")
        table = DEFAULTS[grade]
        props = space.properties
        out[number] = Zone(number, grade, volume, area, ach=_air_changes(given, props, table, volume, area),
                           dp=given.dp or props.get("PharmaTwin_Cleanroom.DifferentialPressure") or table.dp,
                           dp_min=table.dp_min, thermal_mass=given.thermal_mass)
    return out


def _air_changes(given: RoomOverride, props: Mapping[str, Any], table, volume: float, area: float) -> float:
    """A room's design air changes per hour: the scenario's, a unidirectional zone's face velocity given in the
    scenario, the space's IFC property, the grade's table value, or (grade A) the default face velocity."""
    if given.ach:
        return given.ach
    unidirectional = unidirectional_ach(volume, given.face_area or area, given.face_velocity or GRADE_A_FACE_VELOCITY)
    if given.face_velocity or given.face_area:
        return unidirectional
    return props.get("PharmaTwin_Cleanroom.AirChangeRate") or table.ach or unidirectional


def capacity(plant_path, tag: str, chiller: Chiller) -> float | None:
    """A chiller's capacity (W): as the scenario gives it, else from the plant's asset of that tag (None: neither)."""
    if chiller.capacity is not None:
        return chiller.capacity
    plant = plants.load(plant_path)
    given = plant[tag].properties.get(PLANT_CAPACITY) if tag in plant else None
    return None if given is None else float(given) * 1e3


def capacities(p: EnergyParams) -> np.ndarray:
    """Each chiller's capacity (W) (:func:`capacity`; the scenario's check has made sure each has one)."""
    return np.array([capacity(p.plant, tag, unit) for tag, unit in p.chillers.units.items()])


@dataclass(frozen=True)
class Outdoor:
    """The outdoor air at each step: dry bulb (K), humidity ratio (kg/kg) and wet bulb (K)."""

    dry_bulb: np.ndarray
    humidity: np.ndarray
    wet_bulb: np.ndarray


def outdoor(p: EnergyParams, t: np.ndarray, measured=None) -> Outdoor:
    """The outdoor air at the times ``t``, from the hourly weather, or from ``measured`` samples ``(times s, dry
    bulb K, dew point K)`` (shadow mode)."""
    spec = p.weather
    if measured is not None:
        grid, dry_bulb, dew = measured
    else:
        hours = int(np.ceil(t[-1] / HOUR))
        if spec.epw is not None:
            dry_bulb, dew = weather.read_epw(spec.epw, hours)
        else:
            dry_bulb = weather.design_day(spec.max, spec.range, hours)
            dew = np.minimum(spec.dew_point, dry_bulb)
        grid = HOUR * np.arange(dry_bulb.size)
    w = psychro.saturation_humidity_ratio(np.minimum(dew, dry_bulb))
    return Outdoor(np.interp(t, grid, dry_bulb), np.interp(t, grid, w),
                   np.interp(t, grid, psychro.wet_bulb(dry_bulb, w)))


def producing(p: EnergyParams, t: np.ndarray, lead: float = 0.0) -> np.ndarray:
    """Whether the plant is in production at ``t`` (the shift window on production days), ``lead`` seconds early."""
    window = p.production
    day, of_day = np.floor_divide(t, DAY) % 7, np.mod(t, DAY)
    return (day < window.days_per_week) & (of_day >= window.start - lead) & (of_day < window.end)


def simulate(params: EnergyParams | Mapping[str, Any], seed: np.random.SeedSequence | None = None) -> Run:
    """One run of the energy model over ``[warmup, horizon]``; ``seed`` draws the batches' step times when the
    campaign has a ``duration_cv`` (else the run is deterministic)."""
    flows = balance(params, seed=seed)
    return Run(kpis=flows.kpis, units=flows.units, traces=flows.traces, events=flows.events)


@dataclass(frozen=True)
class Gains:
    """Internal heat of the served rooms (W, steps x rooms) by source, and the units' power and rooms (batches)."""

    lighting: np.ndarray         # lighting and small power per floor area, in or out of production
    equipment: np.ndarray        # the units' power by state, the part that heats the room
    process_exhaust: np.ndarray  # the rest of their power, carried off by process air and product (W, per step)
    people: np.ndarray           # people on shift
    steam: np.ndarray            # kg/s of process steam the units take (per step)
    free_air: np.ndarray         # m3/s of compressed air (free air delivered) the units take (per step)
    in_use: np.ndarray           # whether a batch uses the room
    campaign: batches.Campaign
    unit_bought: dict[str, dict[str, float]]   # per unit and state: electricity, steam fuel and air power (W)
    room_of: dict[str, str]

    @property
    def total(self) -> np.ndarray:
        return self.lighting + self.equipment + self.people

    @property
    def electric(self) -> np.ndarray:
        """The lighting's and the units' electric power (W per step): what the process buys."""
        return self.lighting.sum(axis=1) + (self.equipment.sum(axis=1) + self.process_exhaust)


def internal_gains(p: EnergyParams, served: list[Zone], t: np.ndarray, rng: np.random.Generator | None = None) -> Gains:
    """What heats each room from inside: lighting by floor area (production or idle), the units of the
    scenario's ``equipment`` by the state the batch campaign puts them in, and the people of each shift."""
    plant = plants.load(p.plant)
    rooms = [z.number for z in served]
    area = np.array([z.area for z in served])
    lighting = np.where(producing(p, t)[:, None], p.gains.production, p.gains.idle) * area[None, :]
    campaign = batches.run(p.batches, list(plant.assets), p.horizon, rng=rng)
    spec = {unit: e for pattern, e in p.equipment.items() for unit in batches.units_of(pattern, plant.assets)}
    power = {unit: asdict(e.power) for unit, e in spec.items()}
    steam = {unit: asdict(e.steam) for unit, e in spec.items()}
    air = {unit: asdict(e.air) for unit, e in spec.items()}
    fuel_per_kg = utilities.steam_heat(p.boiler.steam_pressure, p.boiler.feed) / p.boiler.efficiency
    air_power = utilities.compressor_power(1.0, p.compressed_air.pressure, p.compressed_air.efficiency)  # per m3/s
    bought = {unit: {state: power[unit][state] + steam[unit][state] * fuel_per_kg + air[unit][state] * air_power
                     for state in ("running", "idle", "cleaning")} for unit in spec}
    room_of = {tag: asset.space for tag, asset in plant.assets.items()}
    equipment, process_exhaust = np.zeros((t.size, len(rooms))), np.zeros(t.size)
    for unit, watts in batches.unit_power(campaign, power, t, p.step).items():
        equipment[:, rooms.index(room_of[unit])] += spec[unit].to_room * watts
        process_exhaust += (1 - spec[unit].to_room) * watts
    steam_use = sum(batches.unit_power(campaign, steam, t, p.step).values(), np.zeros(t.size))
    air_use = sum(batches.unit_power(campaign, air, t, p.step).values(), np.zeros(t.size))
    return Gains(lighting, equipment, process_exhaust, _people(p, rooms, t), steam_use, air_use,
                 batches.in_use(campaign, room_of, rooms, t, p.step), campaign, bought, room_of)


def _people(p: EnergyParams, rooms: list[str], t: np.ndarray) -> np.ndarray:
    """The people's sensible heat in each room (W, steps x rooms): each shift's on production days."""
    people = np.zeros((t.size, len(rooms)))
    day, of_day = np.floor_divide(t, DAY) % 7, np.mod(t, DAY)
    workday = day < p.production.days_per_week
    for shift in p.people.shifts:
        on = workday & (of_day >= shift.start) & (of_day < shift.end)
        for room, count in shift.rooms.items():
            people[:, rooms.index(room)] += np.where(on, count * p.people.heat, 0.0)
    return people


@dataclass(frozen=True)
class Schedule:
    """When each served room (steps x rooms) has its design air (``full``), its supply as a fraction of design,
    and whether its temperature and humidity limits hold (``operating``: production, a batch, or no setback)."""

    full: np.ndarray
    fractions: np.ndarray
    operating: np.ndarray


def schedule(p: EnergyParams, t: np.ndarray, served: list[Zone], in_use: np.ndarray) -> Schedule:
    """Full air in the production window and while a batch uses the room, from the recovery lead before either;
    the setback's fraction otherwise (in the grades it sets back)."""
    setback = p.control.setback
    lead = int(np.ceil(setback.recovery / p.step))
    later = np.cumsum(np.vstack([in_use, np.zeros((lead + 1, len(served)), dtype=bool)])[::-1], axis=0)[::-1]
    soon = later[:t.size] - later[lead + 1:lead + 1 + t.size] > 0                # in use within the lead
    full = (producing(p, t, lead=setback.recovery) | (not setback.enabled))[:, None] | soon
    operating = producing(p, t)[:, None] | in_use | (not setback.enabled)
    return Schedule(full, supply_fraction(p, served, full), operating)


def supply_fraction(p: EnergyParams, served: list[Zone], full: np.ndarray) -> np.ndarray:
    """Each room's supply as a fraction of its design flow (steps x rooms): 1 where ``full`` (steps x rooms), or
    the setback's fraction in the rooms of the grades it sets back."""
    setback = p.control.setback
    set_back = np.array([z.grade in setback.grades for z in served])
    return np.where(full | ~set_back[None, :], 1.0, setback.fraction)


@dataclass(frozen=True)
class AirSide:
    """One AHU and its rooms over the steps: AHU flows (W, per step) and room states (steps x rooms)."""

    fan: np.ndarray
    cooling: np.ndarray
    preheat: np.ndarray
    reheat: np.ndarray           # per room
    gains: np.ndarray            # per room
    share: np.ndarray            # per room: its part of the AHU's air
    envelope_in: np.ndarray      # per room
    outside_air_in: np.ndarray
    exhaust_out: np.ndarray
    t_room: np.ndarray           # per room, K, at the end of each step
    stored: np.ndarray           # per room: heat into the rooms' thermal mass (W)
    rh: np.ndarray               # per room, relative humidity (0..1)


def air_side(p: EnergyParams, ahu: Ahu, served: list[Zone], t_out: np.ndarray, w_out: np.ndarray,
             gains: np.ndarray, fraction: np.ndarray) -> AirSide:
    """The steady state of one AHU and its rooms at every step (see the module docstring for the equations);
    ``gains``: each room's internal heat (W), ``fraction``: its supply as a fraction of design (steps x rooms)."""
    control, t_set = p.control, p.room.set_point
    rho = P_ATM / (R_AIR * t_set)
    design = np.array([rho * z.ach * z.volume / HOUR for z in served])              # kg/s per room
    m = design[None, :] * fraction                                                   # (steps, rooms)
    m_total = m.sum(axis=1)
    fan = design.sum() / rho * ahu.fan_pressure / ahu.fan_efficiency * (m_total / design.sum()) ** 3
    area = np.array([z.area for z in served])
    ua = p.envelope_ua * area[None, :]
    t_req = t_set - (gains + ua * (t_out[:, None] - t_set)) / (m * CP_AIR)
    rise = fan / (m_total * CP_AIR)
    if control.supply_reset:   # no warmer than the coil that still dries humid outdoor air enough
        w_limit = psychro.humidity_ratio(p.room.rh_high * psychro.saturation_vapour_pressure(t_set))
        ceiling = np.where(w_out > w_limit, min(psychro.dew_point(w_limit), control.coil_leaving_max),
                           control.coil_leaving_max)
        coil = np.clip(t_req.min(axis=1) - rise, control.coil_leaving, ceiling)
    else:
        coil = np.full_like(t_out, control.coil_leaving)
    duct = coil + rise
    mass = np.array([p.room.thermal_mass if z.thermal_mass is None else z.thermal_mass for z in served])
    rooms = thermal.respond(mass * rho * np.array([z.volume for z in served]) * CP_AIR, m * CP_AIR, ua, gains,
                            np.broadcast_to(t_out[:, None], m.shape), duct, t_set, p.step)
    t_supply, t_room = rooms.supply, rooms.end
    t_return = (m * rooms.mean).sum(axis=1) / m_total
    outside = ahu.outside_air * m_total * CP_AIR
    t_mix = ahu.outside_air * t_out + (1 - ahu.outside_air) * t_return
    # moisture (no sources in the rooms): the rooms tend to the outdoor air's humidity, unless the coil condenses
    # it down to saturation at its leaving temperature; the condensate takes its latent heat along. Without
    # moisture storage they are there each step; with it they follow scenarios.energy.moisture
    f, w_c = ahu.outside_air, psychro.saturation_humidity_ratio(coil)
    w_room = w_mean = w_supply = np.minimum(w_out, w_c)
    stored = rooms.stored
    if p.room.moisture_mass > 0:
        volume = np.array([z.volume for z in served])
        capacity = p.room.moisture_mass * rho * volume.sum()                          # kg of dry air
        start = w_room[0]                                                              # the first step's steady state
        w_room, w_mean, w_supply = moisture.respond(start, w_out, w_c, f, m_total / capacity, p.step)
        begin = np.concatenate([[start], w_room[:-1]])
        latent_in = capacity * (w_room - begin) / p.step * psychro.H_FG                # W into the rooms' vapour
        stored = stored + latent_in[:, None] * (volume / volume.sum())[None, :]
    w_mix = f * w_out + (1 - f) * w_mean
    latent = m_total * (w_mix - w_supply) * psychro.H_FG
    return AirSide(fan=fan, cooling=m_total * CP_AIR * np.maximum(t_mix - coil, 0.0) + latent,
                   preheat=m_total * CP_AIR * np.maximum(coil - t_mix, 0.0),
                   reheat=m * CP_AIR * (t_supply - duct[:, None]), gains=gains, share=m / m_total[:, None],
                   envelope_in=ua * (t_out[:, None] - rooms.mean), stored=stored,
                   outside_air_in=outside * t_out + f * m_total * w_out * psychro.H_FG,
                   exhaust_out=outside * t_return + f * m_total * w_mean * psychro.H_FG,
                   t_room=t_room, rh=psychro.relative_humidity(t_room, w_room[:, None]))


def leak_network(p: EnergyParams, served: list[Zone]) -> leakage.Network:
    """The airflow network of the served rooms: the scenario's doors (else every pair of neighbouring rooms of the
    plant) and each room's shell to the outdoors; a door to a room no AHU serves leads to the outdoors."""
    spec, rooms = p.leakage, tuple(z.number for z in served)
    pairs = spec.doors or leakage.neighbours(plants.load(p.plant).spaces)
    ends = [tuple(r if r in rooms else leakage.OUTSIDE for r in pair) for pair in pairs]
    paths = [(a, b, spec.door) for a, b in ends if a != b]
    paths += [(z.number, leakage.OUTSIDE, spec.envelope * z.area) for z in served]
    return leakage.Network(rooms, tuple(paths), rho=P_ATM / (R_AIR * p.room.set_point))


def cascade(p: EnergyParams, served: list[Zone], fraction: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Room pressures over the outdoors (Pa, steps x rooms) and each room's pressure margin: the least of its
    overpressure above its grade's limit and, for each door to a less clean grade, the differential above 10 Pa."""
    network = leak_network(p, served)
    design = np.array([z.dp for z in served])
    scale = np.ones_like(fraction) if p.control.setback.hold_pressure else fraction
    offsets = network.net_outflow(design)[None, :] * scale
    states, which = np.unique(offsets, axis=0, return_inverse=True)       # a handful of control states
    pressures = np.array([network.pressures(o, guess=design) for o in states])[which.ravel()]
    at = {z.number: i for i, z in enumerate(served)}
    rank = {grade: i for i, grade in enumerate(DEFAULTS)}                  # A cleanest ... CNC
    dp_min = np.array([z.dp_min for z in served])
    margin = np.where(dp_min > 0, pressures - dp_min, np.inf)
    for a, b, _ in network.paths:
        if leakage.OUTSIDE in (a, b) or served[at[a]].grade == served[at[b]].grade:
            continue
        clean, other = (a, b) if rank[served[at[a]].grade] < rank[served[at[b]].grade] else (b, a)
        differential = pressures[:, at[clean]] - pressures[:, at[other]] - ANNEX1_MIN_DP
        margin[:, at[clean]] = np.minimum(margin[:, at[clean]], differential)
    return pressures, margin


@dataclass(frozen=True)
class AirFlows:
    """What the AHUs move, summed over them (W per step): fan power, the coils' cooling, preheat and reheat, the
    heat through the envelope, the enthalpy of the outside air in and the exhaust out, the heat the rooms store."""

    fans: np.ndarray
    cooling_coils: np.ndarray
    preheat: np.ndarray
    reheat: np.ndarray
    envelope_in: np.ndarray
    outside_air_in: np.ndarray
    exhaust_out: np.ndarray
    stored: np.ndarray


@dataclass(frozen=True)
class Rooms:
    """Every AHU's air side (:class:`AirFlows`) and the served rooms' states over the steps."""

    air: AirFlows
    t_rooms: np.ndarray           # K, steps x rooms (in the order served)
    violation_steps: np.ndarray   # rooms out of their limits in each step
    hottest: np.ndarray           # K
    coldest: np.ndarray           # K
    most_humid: np.ndarray        # relative humidity 0..1
    by_room: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]   # room -> its share of fan, coil and heating


def air_loops(p: EnergyParams, zone_of: Mapping[str, Zone], served: list[Zone], air: Outdoor, heat: Gains,
              plan: Schedule, dp_margin: np.ndarray) -> Rooms:
    """Each AHU's :func:`air_side` summed, each room's share of it, and the room-steps out of their limits
    (temperature and humidity while operating, the pressure margin at all times)."""
    t, limits = air.dry_bulb, p.room
    column = {z.number: i for i, z in enumerate(served)}
    total = {k: np.zeros_like(t) for k in ("fans", "cooling_coils", "preheat", "reheat", "envelope_in",
                                            "outside_air_in", "exhaust_out", "stored")}
    violation_steps, hottest, coldest = np.zeros_like(t), np.full_like(t, -np.inf), np.full_like(t, np.inf)
    most_humid, t_rooms = np.zeros_like(t), np.empty((t.size, len(served)))
    by_room = {}
    for ahu in p.ahus.values():
        zones_of_ahu = [zone_of[n] for n in ahu.serves]
        columns = [column[n] for n in ahu.serves]
        one = air_side(p, ahu, zones_of_ahu, air.dry_bulb, air.humidity, heat.total[:, columns],
                       plan.fractions[:, columns])
        for key, value in (("fans", one.fan), ("cooling_coils", one.cooling), ("preheat", one.preheat),
                           ("reheat", one.reheat.sum(axis=1)), ("envelope_in", one.envelope_in.sum(axis=1)),
                           ("outside_air_in", one.outside_air_in), ("exhaust_out", one.exhaust_out),
                           ("stored", one.stored.sum(axis=1))):
            total[key] += value
        for i, z in enumerate(zones_of_ahu):
            share = one.share[:, i]
            by_room[z.number] = (share * one.fan, share * one.cooling, share * one.preheat + one.reheat[:, i])
        comfort = ((one.t_room < limits.low) | (one.t_room > limits.high)
                   | (one.rh < limits.rh_low - RH_TOLERANCE) | (one.rh > limits.rh_high + RH_TOLERANCE))
        bad = comfort & plan.operating[:, columns] | (dp_margin[:, columns] < -DP_TOLERANCE)
        violation_steps += bad.sum(axis=1)
        hottest, coldest = np.maximum(hottest, one.t_room.max(axis=1)), np.minimum(coldest, one.t_room.min(axis=1))
        most_humid = np.maximum(most_humid, one.rh.max(axis=1))
        t_rooms[:, columns] = one.t_room
    return Rooms(AirFlows(**total), t_rooms=t_rooms, violation_steps=violation_steps, hottest=hottest, coldest=coldest,
                 most_humid=most_humid, by_room=by_room)


@dataclass(frozen=True)
class WaterSide:
    """The chilled-water plant over the steps (W): its pump, the chillers' power, the cold they make, the load they
    leave unmet and the cold into the tank; the cooling tower's fans and pump and its water's supply (K)."""

    pump: np.ndarray
    chillers: np.ndarray
    made: np.ndarray
    unmet: np.ndarray
    storage_in: np.ndarray
    tower_fans: np.ndarray
    condenser_pump: np.ndarray
    condenser_water: np.ndarray

    @property
    def rejected(self) -> np.ndarray:
        """The heat the condensers reject (W): the cold made plus the chillers' power."""
        return self.made + self.chillers


def water_side(p: EnergyParams, t: np.ndarray, air: Outdoor, coils: np.ndarray, other: np.ndarray) -> WaterSide:
    """The chillers carry the ``coils``' load plus the pump's heat: following the tank's hourly plan (``other``: the
    rest of the site's electric power, for the peak), committed by the hour at least cost, or staged in order;
    then the cooling tower rejects what they made plus their power."""
    plant = p.chillers
    pump = plant.pump * coils
    cop = np.array([unit.cop for unit in plant.units.values()])
    load = coils + pump
    design = float(np.sum(capacities(p) * (1 + 1 / cop)))               # W the tower rejects at full load
    condenser = air.wet_bulb + plant.tower.approach if plant.condenser == "water" else air.dry_bulb
    capft, eirft = chillers_at(plant, condenser)
    if plant.storage > 0:      # pre-cooling: the chillers follow the tank's hourly plan
        made, chillers = tank_plan(p, t, load, other, cop, capft, eirft)
        unmet = np.zeros_like(t)
    elif plant.dispatch == "optimal":
        chillers, unmet = commitment(p, t, load, cop, capft, eirft)
        made = load - unmet
    else:
        reference, unmet = dispatch.staged(load / capft, capacities(p), cop, part_load(plant))
        chillers, unmet = reference * capft * eirft, unmet * capft
        made = load - unmet
    storage_in = made - (load - unmet)                                   # cold into the tank (W)
    tower = utilities.tower(made + chillers, air.wet_bulb, design, plant.tower)
    if plant.condenser == "air":  # no tower: the condenser's fans are in the chillers' EIR
        tower.update(fan=np.zeros_like(t), pump=np.zeros_like(t))
    return WaterSide(pump, chillers, made, unmet, storage_in, tower["fan"], tower["pump"], tower["supply"])


@dataclass(frozen=True)
class Power(AirFlows):
    """Every power flow of a run (W, arrays over the steps): the air side's (:class:`AirFlows`), what the site buys
    (electricity, gas), what else crosses its boundary (people, tower, flue, process air, steam, compressed air
    heat), and the uses in between; ``by_grade``: the HVAC energy bought for the rooms of each GMP grade."""

    lighting: np.ndarray
    equipment: np.ndarray          # the units' electric power (into the rooms and out with the process air)
    process_exhaust: np.ndarray
    people_in: np.ndarray
    process: np.ndarray            # lighting and equipment
    pump: np.ndarray
    chillers: np.ndarray
    storage_in: np.ndarray
    unmet_cooling: np.ndarray
    tower: np.ndarray              # what the cooling tower rejects, with its fans' and pump's power
    tower_fans: np.ndarray
    condenser_pump: np.ndarray
    gas: np.ndarray
    flue_loss: np.ndarray
    process_steam: np.ndarray
    compressors: np.ndarray
    compressor_heat: np.ndarray
    electricity: np.ndarray
    chilled_water_idle: np.ndarray  # the chilled-water plant's power while no coil needs cold
    by_grade: dict[str, np.ndarray]

    @property
    def chilled_water_plant(self) -> np.ndarray:
        return self.chillers + self.pump + self.tower_fans + self.condenser_pump


def power_flows(p: EnergyParams, served: list[Zone], heat: Gains, rooms: Rooms,
                water: WaterSide) -> tuple[Power, dict[str, np.ndarray]]:
    """The run's :class:`Power`, and the HVAC power (W) bought for each room: its share of its AHU's fan, of the
    chilled-water plant by its coil load, and of the boiler's gas by its heating."""
    boiler, compressor = p.boiler, p.compressed_air
    process = heat.electric
    heating = rooms.air.preheat + rooms.air.reheat
    process_steam = heat.steam * utilities.steam_heat(boiler.steam_pressure, boiler.feed)
    gas = (heating + process_steam) / boiler.efficiency
    compressors = utilities.compressor_power(heat.free_air, compressor.pressure, compressor.efficiency)
    electricity = (rooms.air.fans + process + water.pump + water.chillers + water.tower_fans + water.condenser_pump
                   + compressors)
    coils = rooms.air.cooling_coils
    cooled = np.where(coils > 0, coils, np.inf)
    water_plant = water.chillers + water.pump + water.tower_fans + water.condenser_pump
    hvac = {room: fan + cooling / cooled * water_plant + warming / boiler.efficiency
            for room, (fan, cooling, warming) in rooms.by_room.items()}
    by_grade = {}
    for z in served:
        by_grade[z.grade] = by_grade.get(z.grade, 0.0) + hvac[z.number]
    power = Power(**vars(rooms.air), lighting=heat.lighting.sum(axis=1),
                  equipment=heat.equipment.sum(axis=1) + heat.process_exhaust, process_exhaust=heat.process_exhaust,
                  people_in=heat.people.sum(axis=1), process=process, pump=water.pump, chillers=water.chillers,
                  storage_in=water.storage_in, unmet_cooling=water.unmet,
                  tower=water.rejected + water.tower_fans + water.condenser_pump, tower_fans=water.tower_fans,
                  condenser_pump=water.condenser_pump, gas=gas, flue_loss=gas - heating - process_steam,
                  process_steam=process_steam, compressors=compressors, compressor_heat=compressors,
                  electricity=electricity, chilled_water_idle=np.where(coils > 0, 0.0, water_plant),
                  by_grade=by_grade)
    return power, hvac


@dataclass(frozen=True)
class Flows:
    """Every power flow of a run (W, arrays over the steps) and the KPIs, traces and events drawn from them."""

    t: np.ndarray
    power: Power
    kpis: dict[str, float]
    units: dict[str, str]
    traces: dict[str, np.ndarray]
    events: dict[str, np.ndarray]


def balance(params: EnergyParams | Mapping[str, Any], measured=None,
            seed: np.random.SeedSequence | None = None) -> Flows:
    """Step the plant's HVAC through the window and collect its power flows (see the module docstring);
    ``measured``: the outdoor air as sampled on site, instead of the scenario's weather (see :func:`outdoor`)."""
    p = params if isinstance(params, EnergyParams) else EnergyParams.of(params)
    t = np.arange(p.warmup, p.horizon, p.step)
    air = outdoor(p, t, measured)
    zone_of = zones(p.plant, p.rooms)
    served = [zone_of[n] for ahu in p.ahus.values() for n in ahu.serves]
    seed = seed if seed is not None else np.random.SeedSequence(p.seed)
    heat = internal_gains(p, served, t, np.random.default_rng(seed))
    plan = schedule(p, t, served, heat.in_use)
    pressures, dp_margin = cascade(p, served, plan.fractions)
    rooms = air_loops(p, zone_of, served, air, heat, plan, dp_margin)
    water = water_side(p, t, air, rooms.air.cooling_coils, other=rooms.air.fans + heat.electric)
    power, hvac = power_flows(p, served, heat, rooms, water)
    kpis, units = _kpis(p, t, power, rooms.violation_steps)
    kpis["setback_recovery"], units["setback_recovery"] = thermal.recovery(plan.full, rooms.t_rooms, p.room.high,
                                                                           p.step), "s"
    per_batch, batch_events = _per_batch(p, t, heat, hvac, served)
    kpis.update(per_batch)
    kpis.update(_room_bills(p, t, heat, hvac, served))
    units.update({k: "-" if k == "batches" else "kWh" for k in per_batch})
    kpis.update(steam=float(heat.steam.sum() * p.step / 1e3), compressed_air=float(heat.free_air.sum() * p.step))
    units.update(steam="t", compressed_air="m3 (free air)")
    traces = _traces(t, air.dry_bulb, power) | {
        "T_room_max": rooms.hottest - 273.15, "T_room_min": rooms.coldest - 273.15,
        "RH_room_max": rooms.most_humid * 100, "T_condenser_water": water.condenser_water - 273.15,
        "dp_margin_min": dp_margin.min(axis=1), **{f"dp_{z.number}": pressures[:, i] for i, z in enumerate(served)}}
    return Flows(t, power, kpis, units, traces, batch_events)


def _room_bills(p: EnergyParams, t: np.ndarray, heat: Gains, hvac: Mapping[str, np.ndarray],
                served: list[Zone]) -> dict[str, float]:
    """``kwh.room.<number>``: each room's bill: its HVAC, its lighting and its units' electricity, steam and air."""
    bought = {z.number: hvac[z.number] + heat.lighting[:, i] for i, z in enumerate(served)}
    for unit, watts in batches.unit_power(heat.campaign, heat.unit_bought, t, p.step).items():
        bought[heat.room_of[unit]] = bought[heat.room_of[unit]] + watts
    return {f"kwh.room.{room}": float(w.sum() * p.step / KWH) for room, w in bought.items()}


def curves(plant: ChillerPlant) -> Curves:
    """The chillers' performance curves: the scenario's set, else the default for their condenser."""
    return CHILLER_CURVES[plant.curves or DEFAULT_CURVES[plant.condenser]]


def part_load(plant: ChillerPlant) -> tuple[float, float, float]:
    """The chillers' EIR(PLR): the scenario's ``eir``, else that of their curve set (1 at full load)."""
    return tuple(plant.eir) if plant.eir is not None else curves(plant).part_load


def chillers_at(plant: ChillerPlant, condenser: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CAPFT and EIRFT of the chiller plant at each step: its chilled water leaving at ``chilled_water``, the
    condenser entering at ``condenser`` (K) (:mod:`scenarios.energy.chillers`)."""
    return chiller_factors(curves(plant), plant.chilled_water, condenser)


def tank_plan(p: EnergyParams, t: np.ndarray, load: np.ndarray, other: np.ndarray, cop: np.ndarray,
              capft: np.ndarray, eirft: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """What the chillers make (W) and draw (W) at each step under the tank's cheapest hourly plan
    (:mod:`scenarios.energy.storage`), planned a week at a time, each week's tank ending as it began;
    ``other``: the rest of the site's electric power, for the peak; ``capft``, ``eirft``: the temperatures'
    factors at each step, taken as their hour's means."""
    plant = p.chillers
    hour = ((t - t[0]) // HOUR).astype(int)
    per_hour = np.bincount(hour)
    mean = {name: np.bincount(hour, weights=x) / per_hour
            for name, x in (("load", load), ("other", other), ("capft", capft), ("eirft", eirft))}
    curve = storage.hull(capacities(p), cop, part_load(plant))
    price = tariff.prices(p.tariff, t[0] + HOUR * np.arange(per_hour.size))
    made, power = np.empty(per_hour.size), np.empty(per_hour.size)
    for week in range(0, per_hour.size, WEEK_HOURS):
        at = slice(week, week + WEEK_HOURS)
        plan = storage.plan(mean["load"][at], price[at], mean["other"][at], plant.storage, curve,
                            p.tariff.demand_charge, capft=mean["capft"][at], eirft=mean["eirft"][at])
        made[at], power[at] = plan.made, plan.power
    return made[hour], power[hour]


def commitment(p: EnergyParams, t: np.ndarray, load: np.ndarray, cop: np.ndarray, capft: np.ndarray,
               eirft: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The chillers' power (W) and the unmet load (W) at each step under the cheapest commitment
    (:func:`scenarios.energy.dispatch.committed`) at the temperatures' factors ``capft``, ``eirft``, planned a week at
    a time, each week starting with the chillers the last one left running."""
    plant, step = p.chillers, p.step
    per_hour = round(HOUR / step)
    price = tariff.prices(p.tariff, t[0] + HOUR * np.arange(t.size // per_hour))
    power, unmet, running = np.empty_like(load), np.empty_like(load), None
    for week in range(0, price.size, WEEK_HOURS):
        at = slice(week * per_hour, (week + WEEK_HOURS) * per_hour)
        power[at], unmet[at], on = dispatch.committed(
            load[at], capacities(p), cop, part_load(plant), step=step, price=price[week:week + WEEK_HOURS],
            start_cost=plant.start_cost, min_on=max(1, math.ceil(plant.min_on / HOUR - 1e-9)),
            min_off=max(1, math.ceil(plant.min_off / HOUR - 1e-9)), running=running, capft=capft[at],
            eirft=eirft[at])
        running = on[-1]
    return power, unmet


def _per_batch(p: EnergyParams, t, heat: Gains, hvac, served) -> tuple[dict[str, float], dict[str, np.ndarray]]:
    """KPIs of energy per batch (mean over the finished batches, and per product) and a row per batch."""
    campaign = heat.campaign
    room_power = {z.number: hvac[z.number] + heat.lighting[:, i] for i, z in enumerate(served)}
    from_units, from_rooms, unattributed = batches.attribute(campaign, heat.unit_bought, heat.room_of, room_power,
                                                             t, p.step)
    total = (from_units + from_rooms) / KWH
    done = campaign.finished() <= t[-1] + p.step
    kpis = {"batches": float(done.sum()), "kwh.attributed": float(total.sum()),
            "kwh.unattributed": float(unattributed / KWH)}
    if done.any():
        kpis["kwh_per_batch"] = float(total[done].mean())
    products = np.array(campaign.products, dtype=object)
    for product in dict.fromkeys(campaign.products):
        mine = done & (products == product)
        if mine.any():
            kpis[f"kwh_per_batch.{product}"] = float(total[mine].mean())
    events = {"t": campaign.finished(), "source": products, "event": np.full(len(products), "batch", dtype=object),
              "batch": np.arange(len(products)), "kwh_units": from_units / KWH, "kwh_rooms": from_rooms / KWH}
    return kpis, events


def _kpis(p: EnergyParams, t, power: Power, violation_steps) -> tuple[dict[str, float], dict[str, str]]:
    step = p.step
    energy_cost, demand_cost = tariff.cost(p.tariff, t, power.electricity, step)
    kwh = {k: float(getattr(power, k).sum() * step / KWH) for k in ("electricity", "gas", *USES)}
    co2 = (kwh["electricity"] * p.co2.electricity + kwh["gas"] * p.co2.gas) * KWH
    unmet_minutes = float(np.count_nonzero(power.unmet_cooling > 0) * step / 60)
    violation = float(violation_steps.sum() * step / 60) + unmet_minutes
    kpis = {"electricity": kwh["electricity"], "gas": kwh["gas"],
            "cost": energy_cost + demand_cost, "energy_cost": energy_cost, "demand_cost": demand_cost,
            "peak": float(power.electricity.max() / 1e3), "co2": co2 / 1e3,
            "violation_minutes": violation, "compliant": float(violation == 0),
            **{f"kwh.{k}": kwh[k] for k in USES},
            **{f"kwh.grade.{g}": float(w.sum() * step / KWH) for g, w in sorted(power.by_grade.items())}}
    currency = p.tariff.currency
    units = {k: "kWh" for k in kpis} | {"cost": currency, "energy_cost": currency, "demand_cost": currency,
                                        "peak": "kW", "co2": "t", "violation_minutes": "room-min", "compliant": "1"}
    return kpis, units


def _traces(t, t_out, power: Power) -> dict[str, np.ndarray]:
    kw = {k: getattr(power, k) / 1e3 for k in ("electricity", "fans", "chillers", "cooling_coils", "storage_in",
                                                "reheat", "gas")}
    kw["chilled_water_plant"] = power.chilled_water_plant / 1e3
    kw["process"] = (power.process + power.compressors) / 1e3      # equipment, lighting, compressed air
    return {"t": t, "T_out": t_out - 273.15, **{f"{k}_kW": v for k, v in kw.items()}}
