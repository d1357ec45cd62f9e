"""The air side of the energy model: the plant's rooms as zones, one AHU's steady state with its rooms at every
step, the rooms' pressures through the doors, and every AHU summed (the equations: :mod:`scenarios.energy.model`).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from scenarios.energy import leakage, moisture, psychro, thermal
from scenarios.energy.grades import ANNEX1_MIN_DP, DEFAULTS, GRADE_A_FACE_VELOCITY, unidirectional_ach
from scenarios.energy.params import Ahu, EnergyParams, RoomOverride
from twin import plant as plants
from twin.config import ConfigError
from twin.process.units.hvac import R_AIR

CP_AIR = 1006.0        # J/(kg K), as twin.process.units.hvac
P_ATM = 101325.0       # Pa
HOUR = 3600.0
DP_TOLERANCE = 1e-6    # Pa: a room held exactly at its limit, up to the pressure solver's tolerance
RH_TOLERANCE = 1e-9    # a reset coil sits at the humidity limit exactly, up to the dew-point solver's tolerance


@dataclass(frozen=True)
class Outdoor:
    """The outdoor air at each step: dry bulb (K), humidity ratio (kg/kg) and wet bulb (K)."""

    dry_bulb: np.ndarray
    humidity: np.ndarray
    wet_bulb: np.ndarray


@dataclass(frozen=True)
class Schedule:
    """When each served room (steps x rooms) has its design air (``full``), its supply as a fraction of design,
    and whether its temperature and humidity limits hold (``operating``: production, a batch, or no setback)."""

    full: np.ndarray
    fractions: np.ndarray
    operating: np.ndarray


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


def air_loops(p: EnergyParams, zone_of: Mapping[str, Zone], served: list[Zone], air: Outdoor, gains: np.ndarray,
              plan: Schedule, dp_margin: np.ndarray) -> Rooms:
    """Each AHU's :func:`air_side` summed, each room's share of it, and the room-steps out of their limits
    (temperature and humidity while operating, the pressure margin at all times); ``gains``: the served rooms'
    internal heat (W, steps x rooms)."""
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
        one = air_side(p, ahu, zones_of_ahu, air.dry_bulb, air.humidity, gains[:, columns],
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
