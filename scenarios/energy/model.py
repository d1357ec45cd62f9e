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
from dataclasses import dataclass
from typing import Any

import numpy as np

from scenarios.energy import batches, dispatch, leakage, moisture, psychro, storage, tariff, thermal, utilities, weather
from scenarios.energy.chillers import CURVES as CHILLER_CURVES
from scenarios.energy.chillers import DEFAULT_CURVES, Curves
from scenarios.energy.chillers import factors as chiller_factors
from scenarios.energy.grades import ANNEX1_MIN_DP, DEFAULTS, GRADE_A_FACE_VELOCITY, unidirectional_ach
from scenarios.registry import Run
from twin import plant as plants
from twin.config import ConfigError
from twin.process.units.chiller import Chiller
from twin.process.units.hvac import R_AIR

CP_AIR = 1006.0        # J/(kg K), as twin.process.units.hvac
P_ATM = 101325.0       # Pa
DAY, HOUR, KWH = 86400.0, 3600.0, 3.6e6
WEEK_HOURS = 168       # the tank's plan and the chillers' commitment look a week ahead
DOE2_EIR = inspect.signature(Chiller).parameters["eir"].default
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


def zones(plant_path, rooms: Mapping[str, Any]) -> dict[str, Zone]:
    """A zone per room of the plant: volume, area and grade from the plant, ACH and overpressure from the space's
    own properties or else the grade table (:mod:`scenarios.energy.grades`), ``rooms`` overriding any of them."""
    plant = plants.load(plant_path)
    for number in rooms:
        if number not in plant.spaces:
            raise rooms.error(number, f"unknown room '{number}'", expected="a room number of the plant",
                              choices=plant.spaces)
    out = {}
    for number, space in plant.spaces.items():
        given = rooms.get(number, {})
        grade = given.get("grade") or space.grade
        volume = given.get("volume") or space.volume
        area = given.get("area") or space.area or (volume / 3.0 if volume else None)
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
                           dp=given.get("dp") or props.get("PharmaTwin_Cleanroom.DifferentialPressure") or table.dp,
                           dp_min=table.dp_min, thermal_mass=given.get("thermal_mass"))
    return out


def _air_changes(given: Mapping[str, Any], props: Mapping[str, Any], table, volume: float, area: float) -> float:
    """A room's design air changes per hour: the scenario's, a unidirectional zone's face velocity given in the
    scenario, the space's IFC property, the grade's table value, or (grade A) the default face velocity."""
    if given.get("ach"):
        return given["ach"]
    unidirectional = unidirectional_ach(volume, given.get("face_area") or area,
                                        given.get("face_velocity") or GRADE_A_FACE_VELOCITY)
    if given.get("face_velocity") or given.get("face_area"):
        return unidirectional
    return props.get("PharmaTwin_Cleanroom.AirChangeRate") or table.ach or unidirectional


def capacities(params: Mapping[str, Any]) -> np.ndarray:
    """Each chiller's capacity (W): as the scenario gives it, else from the plant's asset of that tag."""
    plant, units = plants.load(params["plant"]), params["chillers"]["units"]
    out = []
    for tag, unit in units.items():
        given = unit["capacity"]
        if given is None and tag in plant:
            given = plant[tag].properties.get(PLANT_CAPACITY)
            given = None if given is None else float(given) * 1e3
        if given is None or not given > 0:
            raise units.error(tag, f"chiller {tag} has no capacity", expected="a positive capacity",
                              hint=f"give it, e.g. {tag}: {{capacity: 150 kW}}, or name a chiller of the plant "
                                   f"whose IFC carries {PLANT_CAPACITY}")
        out.append(given)
    return np.array(out)


def outdoor(params: Mapping[str, Any], t: np.ndarray, measured=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Outdoor temperature (K), humidity ratio (kg/kg) and wet bulb (K) at the times ``t``, from the hourly
    weather, or from ``measured`` samples ``(times s, dry bulb K, dew point K)`` (shadow mode)."""
    spec = params["weather"]
    if measured is not None:
        grid, dry_bulb, dew = measured
    else:
        hours = int(np.ceil(t[-1] / HOUR))
        if spec["epw"] is not None:
            dry_bulb, dew = weather.read_epw(spec["epw"], hours)
        else:
            dry_bulb = weather.design_day(spec["max"], spec["range"], hours)
            dew = np.minimum(spec["dew_point"], dry_bulb)
        grid = HOUR * np.arange(dry_bulb.size)
    w = psychro.saturation_humidity_ratio(np.minimum(dew, dry_bulb))
    return np.interp(t, grid, dry_bulb), np.interp(t, grid, w), np.interp(t, grid, psychro.wet_bulb(dry_bulb, w))


def producing(params: Mapping[str, Any], t: np.ndarray, lead: float = 0.0) -> np.ndarray:
    """Whether the plant is in production at ``t`` (the shift window on production days), ``lead`` seconds early."""
    p = params["production"]
    day, of_day = np.floor_divide(t, DAY) % 7, np.mod(t, DAY)
    return (day < p["days_per_week"]) & (of_day >= p["start"] - lead) & (of_day < p["end"])


def simulate(params: Mapping[str, Any], seed: np.random.SeedSequence | None = None) -> Run:
    """One run of the energy model over ``[warmup, horizon]``; ``seed`` draws the batches' step times when the
    campaign has a ``duration_cv`` (else the run is deterministic)."""
    flows = balance(params, seed=seed)
    return Run(kpis=flows.kpis, units=flows.units, traces=flows.traces, events=flows.events)


@dataclass
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


def internal_gains(params: Mapping[str, Any], served: list[Zone], t: np.ndarray,
                   rng: np.random.Generator | None = None) -> Gains:
    """What heats each room from inside: lighting by floor area (production or idle), the units of the
    scenario's ``equipment`` by the state the batch campaign puts them in, and the people of each shift."""
    plant, step = plants.load(params["plant"]), params["step"]
    rooms = [z.number for z in served]
    area = np.array([z.area for z in served])
    lighting = np.where(producing(params, t)[:, None], params["gains"]["production"],
                        params["gains"]["idle"]) * area[None, :]
    campaign = batches.run(params["batches"], list(plant.assets), params["horizon"], rng=rng)
    spec = {unit: p for pattern, p in params["equipment"].items() for unit in batches.units_of(pattern, plant.assets)}
    power = {unit: {"running": p["running"], "idle": p["idle"],
                    "cleaning": p["idle"] if p["cleaning"] is None else p["cleaning"]} for unit, p in spec.items()}
    steam = {unit: p["steam"] for unit, p in spec.items()}
    air = {unit: p["air"] for unit, p in spec.items()}
    boiler, compressor = params["boiler"], params["compressed_air"]
    fuel_per_kg = utilities.steam_heat(boiler["steam_pressure"], boiler["feed"]) / boiler["efficiency"]
    air_power = utilities.compressor_power(1.0, compressor["pressure"], compressor["efficiency"])   # W per m3/s
    bought = {unit: {state: power[unit][state] + steam[unit][state] * fuel_per_kg + air[unit][state] * air_power
                     for state in ("running", "idle", "cleaning")} for unit in spec}
    room_of = {tag: asset.space for tag, asset in plant.assets.items()}
    equipment, process_exhaust = np.zeros((t.size, len(rooms))), np.zeros(t.size)
    for unit, watts in batches.unit_power(campaign, power, t, step).items():
        equipment[:, rooms.index(room_of[unit])] += spec[unit]["to_room"] * watts
        process_exhaust += (1 - spec[unit]["to_room"]) * watts
    steam_use = sum(batches.unit_power(campaign, steam, t, step).values(), np.zeros(t.size))
    air_use = sum(batches.unit_power(campaign, air, t, step).values(), np.zeros(t.size))
    people = np.zeros_like(equipment)
    day, of_day = np.floor_divide(t, DAY) % 7, np.mod(t, DAY)
    workday = day < params["production"]["days_per_week"]
    for shift in params["people"]["shifts"]:
        on = workday & (of_day >= shift["from"]) & (of_day < shift["to"])
        for room, count in shift["rooms"].items():
            people[:, rooms.index(room)] += np.where(on, count * params["people"]["heat"], 0.0)
    return Gains(lighting, equipment, process_exhaust, people, steam_use, air_use,
                 batches.in_use(campaign, room_of, rooms, t, step), campaign, bought, room_of)


@dataclass
class Flows:
    """Every power flow of a run (W, arrays over the steps) and the KPIs drawn from them."""

    t: np.ndarray
    power: dict[str, np.ndarray]
    kpis: dict[str, float]
    units: dict[str, str]
    traces: dict[str, np.ndarray]
    events: dict[str, np.ndarray]


@dataclass
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


def supply_fraction(params: Mapping[str, Any], served: list[Zone], full: np.ndarray) -> np.ndarray:
    """Each room's supply as a fraction of its design flow (steps x rooms): 1 where ``full`` (steps x rooms), or
    the setback's fraction in the rooms of the grades it sets back."""
    setback = params["control"]["setback"]
    set_back = np.array([z.grade in setback["grades"] for z in served])
    return np.where(full | ~set_back[None, :], 1.0, setback["fraction"])


def air_side(params: Mapping[str, Any], ahu: Mapping[str, Any], served: list[Zone], t_out: np.ndarray,
             w_out: np.ndarray, gains: np.ndarray, fraction: np.ndarray) -> AirSide:
    """The steady state of one AHU and its rooms at every step (see the module docstring for the equations);
    ``gains``: each room's internal heat (W), ``fraction``: its supply as a fraction of design (steps x rooms)."""
    control, t_set = params["control"], params["room"]["set"]
    rho = P_ATM / (R_AIR * t_set)
    design = np.array([rho * z.ach * z.volume / HOUR for z in served])              # kg/s per room
    m = design[None, :] * fraction                                                   # (steps, rooms)
    m_total = m.sum(axis=1)
    fan = design.sum() / rho * ahu["fan_pressure"] / ahu["fan_efficiency"] * (m_total / design.sum()) ** 3
    area = np.array([z.area for z in served])
    ua = params["envelope_ua"] * area[None, :]
    t_req = t_set - (gains + ua * (t_out[:, None] - t_set)) / (m * CP_AIR)
    rise = fan / (m_total * CP_AIR)
    if control["supply_reset"]:   # no warmer than the coil that still dries humid outdoor air enough
        w_limit = psychro.humidity_ratio(params["room"]["rh_high"] * psychro.saturation_vapour_pressure(t_set))
        ceiling = np.where(w_out > w_limit, min(psychro.dew_point(w_limit), control["coil_leaving_max"]),
                           control["coil_leaving_max"])
        coil = np.clip(t_req.min(axis=1) - rise, control["coil_leaving"], ceiling)
    else:
        coil = np.full_like(t_out, control["coil_leaving"])
    duct = coil + rise
    mass = np.array([params["room"]["thermal_mass"] if z.thermal_mass is None else z.thermal_mass for z in served])
    rooms = thermal.respond(mass * rho * np.array([z.volume for z in served]) * CP_AIR, m * CP_AIR, ua, gains,
                            np.broadcast_to(t_out[:, None], m.shape), duct, t_set, params["step"])
    t_supply, t_room = rooms.supply, rooms.end
    t_return = (m * rooms.mean).sum(axis=1) / m_total
    outside = ahu["outside_air"] * m_total * CP_AIR
    t_mix = ahu["outside_air"] * t_out + (1 - ahu["outside_air"]) * t_return
    # moisture (no sources in the rooms): the rooms tend to the outdoor air's humidity, unless the coil condenses
    # it down to saturation at its leaving temperature; the condensate takes its latent heat along. Without
    # moisture storage they are there each step; with it they follow scenarios.energy.moisture
    f, w_c = ahu["outside_air"], psychro.saturation_humidity_ratio(coil)
    w_room = w_mean = w_supply = np.minimum(w_out, w_c)
    stored = rooms.stored
    if params["room"]["moisture_mass"] > 0:
        volume = np.array([z.volume for z in served])
        capacity = params["room"]["moisture_mass"] * rho * volume.sum()                # kg of dry air
        start = w_room[0]                                                              # the first step's steady state
        w_room, w_mean, w_supply = moisture.respond(start, w_out, w_c, f, m_total / capacity, params["step"])
        begin = np.concatenate([[start], w_room[:-1]])
        latent_in = capacity * (w_room - begin) / params["step"] * psychro.H_FG          # W into the rooms' vapour
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


def leak_network(params: Mapping[str, Any], served: list[Zone]) -> leakage.Network:
    """The airflow network of the served rooms: the scenario's doors (else every pair of neighbouring rooms of the
    plant) and each room's shell to the outdoors; a door to a room no AHU serves leads to the outdoors."""
    spec, rooms = params["leakage"], tuple(z.number for z in served)
    pairs = spec["doors"] or leakage.neighbours(plants.load(params["plant"]).spaces)
    ends = [tuple(r if r in rooms else leakage.OUTSIDE for r in pair) for pair in pairs]
    paths = [(a, b, spec["door"]) for a, b in ends if a != b]
    paths += [(z.number, leakage.OUTSIDE, spec["envelope"] * z.area) for z in served]
    return leakage.Network(rooms, tuple(paths), rho=P_ATM / (R_AIR * params["room"]["set"]))


def cascade(params: Mapping[str, Any], served: list[Zone], fraction: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Room pressures over the outdoors (Pa, steps x rooms) and each room's pressure margin: the least of its
    overpressure above its grade's limit and, for each door to a less clean grade, the differential above 10 Pa."""
    network = leak_network(params, served)
    design = np.array([z.dp for z in served])
    scale = np.ones_like(fraction) if params["control"]["setback"]["hold_pressure"] else fraction
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


def balance(params: Mapping[str, Any], measured=None, seed: np.random.SeedSequence | None = None) -> Flows:
    """Step the plant's HVAC through the window and collect its power flows (see the module docstring);
    ``measured``: the outdoor air as sampled on site, instead of the scenario's weather (see :func:`outdoor`)."""
    step, room, setback = params["step"], params["room"], params["control"]["setback"]
    t = np.arange(params["warmup"], params["horizon"], step)
    t_out, w_out, wet_bulb = outdoor(params, t, measured)
    zone_of = zones(params["plant"], params["rooms"])
    every = [zone_of[n] for ahu in params["ahus"].values() for n in ahu["serves"]]
    seed = seed if seed is not None else np.random.SeedSequence(params["seed"])
    heat = internal_gains(params, every, t, np.random.default_rng(seed))
    # full air in the production window and while a batch uses the room, from the recovery lead before either
    lead = int(np.ceil(setback["recovery"] / step))
    later = np.cumsum(np.vstack([heat.in_use, np.zeros((lead + 1, len(every)), dtype=bool)])[::-1], axis=0)[::-1]
    soon = later[:t.size] - later[lead + 1:lead + 1 + t.size] > 0                # in use within the lead
    full = (producing(params, t, lead=setback["recovery"]) | (not setback["enabled"]))[:, None] | soon
    fractions = supply_fraction(params, every, full)
    operating = producing(params, t)[:, None] | heat.in_use | (not setback["enabled"])   # the room limits hold
    pressures, dp_margin = cascade(params, every, fractions)
    column = {z.number: i for i, z in enumerate(every)}
    power = {k: np.zeros_like(t) for k in ("fans", "cooling_coils", "preheat", "reheat", "envelope_in",
                                            "outside_air_in", "exhaust_out", "stored")}
    power.update(lighting=heat.lighting.sum(axis=1), equipment=heat.equipment.sum(axis=1) + heat.process_exhaust,
                 process_exhaust=heat.process_exhaust, people_in=heat.people.sum(axis=1))
    power["process"] = power["lighting"] + power["equipment"]
    violation_steps, hottest, coldest = np.zeros_like(t), np.full_like(t, -np.inf), np.full_like(t, np.inf)
    most_humid, t_rooms = np.zeros_like(t), np.empty((t.size, len(every)))
    by_room = {}    # room -> (fan power, cooling-coil load, heating load) of its share of its AHU
    for ahu in params["ahus"].values():
        served = [zone_of[n] for n in ahu["serves"]]
        columns = [column[n] for n in ahu["serves"]]
        air = air_side(params, ahu, served, t_out, w_out, heat.total[:, columns], fractions[:, columns])
        for key, value in (("fans", air.fan), ("cooling_coils", air.cooling), ("preheat", air.preheat),
                           ("reheat", air.reheat.sum(axis=1)), ("envelope_in", air.envelope_in.sum(axis=1)),
                           ("outside_air_in", air.outside_air_in), ("exhaust_out", air.exhaust_out),
                           ("stored", air.stored.sum(axis=1))):
            power[key] += value
        for i, z in enumerate(served):
            share = air.share[:, i]
            by_room[z.number] = (share * air.fan, share * air.cooling, share * air.preheat + air.reheat[:, i])
        comfort = ((air.t_room < room["low"]) | (air.t_room > room["high"])
                   | (air.rh < room["rh_low"] - RH_TOLERANCE) | (air.rh > room["rh_high"] + RH_TOLERANCE))
        bad = comfort & operating[:, columns] | (dp_margin[:, columns] < -DP_TOLERANCE)
        violation_steps += bad.sum(axis=1)
        hottest, coldest = np.maximum(hottest, air.t_room.max(axis=1)), np.minimum(coldest, air.t_room.min(axis=1))
        most_humid = np.maximum(most_humid, air.rh.max(axis=1))
        t_rooms[:, columns] = air.t_room
    plant = params["chillers"]
    pump = plant["pump"] * power["cooling_coils"]
    cop = np.array([unit["cop"] for unit in plant["units"].values()])
    load = power["cooling_coils"] + pump
    design = float(np.sum(capacities(params) * (1 + 1 / cop)))            # W the tower rejects at full load
    condenser = wet_bulb + plant["tower"]["approach"] if plant["condenser"] == "water" else t_out
    capft, eirft = chillers_at(plant, condenser)
    if plant["storage"]["capacity"] > 0:      # pre-cooling: the chillers follow the tank's hourly plan
        made, chillers = tank_plan(params, t, load, power["fans"] + power["process"], cop, capft, eirft)
        unmet = np.zeros_like(t)
    elif plant["dispatch"] == "optimal":
        chillers, unmet = commitment(params, t, load, cop, capft, eirft)
        made = load - unmet
    else:
        reference, unmet = dispatch.staged(load / capft, capacities(params), cop, part_load(plant))
        chillers, unmet = reference * capft * eirft, unmet * capft
        made = load - unmet
    power["storage_in"] = made - (load - unmet)                          # cold into the tank (W)
    rejected = made + chillers
    cooling_tower = utilities.tower(rejected, wet_bulb, design, plant["tower"])
    if plant["condenser"] == "air":  # no tower: the condenser's fans are in the chillers' EIR
        cooling_tower.update(fan=np.zeros_like(t), pump=np.zeros_like(t))
    boiler, compressor = params["boiler"], params["compressed_air"]
    heating = power["preheat"] + power["reheat"]
    process_steam = heat.steam * utilities.steam_heat(boiler["steam_pressure"], boiler["feed"])
    gas = (heating + process_steam) / boiler["efficiency"]
    compressors = utilities.compressor_power(heat.free_air, compressor["pressure"], compressor["efficiency"])
    power.update(pump=pump, chillers=chillers, gas=gas, flue_loss=gas - heating - process_steam,
                 tower_fans=cooling_tower["fan"], condenser_pump=cooling_tower["pump"],
                 tower=rejected + cooling_tower["fan"] + cooling_tower["pump"], unmet_cooling=unmet,
                 process_steam=process_steam, compressors=compressors, compressor_heat=compressors,
                 electricity=power["fans"] + power["process"] + pump + chillers + cooling_tower["fan"]
                 + cooling_tower["pump"] + compressors)
    cooled = np.where(power["cooling_coils"] > 0, power["cooling_coils"], np.inf)
    water_plant = chillers + pump + cooling_tower["fan"] + cooling_tower["pump"]
    power["chilled_water_idle"] = np.where(power["cooling_coils"] > 0, 0.0, water_plant)   # no room to bill
    hvac = {room: fan + cooling / cooled * water_plant + warming / boiler["efficiency"]
            for room, (fan, cooling, warming) in by_room.items()}      # the HVAC energy bought for each room
    for z in every:
        key = f"grade.{z.grade}"
        power[key] = power.get(key, 0.0) + hvac[z.number]
    kpis, units = _kpis(params, t, power, violation_steps, step)
    kpis["setback_recovery"], units["setback_recovery"] = thermal.recovery(full, t_rooms, room["high"], step), "s"
    per_batch, batch_events = _per_batch(params, t, heat, hvac, every)
    kpis.update(per_batch)
    bought = {room: hvac[room] + heat.lighting[:, i] for i, room in enumerate(column)}   # each room's bill
    for unit, watts in batches.unit_power(heat.campaign, heat.unit_bought, t, step).items():
        bought[heat.room_of[unit]] = bought[heat.room_of[unit]] + watts
    kpis.update({f"kwh.room.{room}": float(w.sum() * step / KWH) for room, w in bought.items()})
    units.update({k: "-" if k == "batches" else "kWh" for k in per_batch})
    kpis.update(steam=float(heat.steam.sum() * step / 1e3), compressed_air=float(heat.free_air.sum() * step))
    units.update(steam="t", compressed_air="m3 (free air)")
    traces = _traces(t, t_out, power) | {"T_room_max": hottest - 273.15, "T_room_min": coldest - 273.15,
                                         "RH_room_max": most_humid * 100,
                                         "T_condenser_water": cooling_tower["supply"] - 273.15,
                                         "dp_margin_min": dp_margin.min(axis=1),
                                         **{f"dp_{z.number}": pressures[:, i] for i, z in enumerate(every)}}
    return Flows(t, power, kpis, units, traces, batch_events)


def curves(plant: Mapping[str, Any]) -> Curves:
    """The chillers' performance curves: the scenario's set, else the default for their condenser."""
    return CHILLER_CURVES[plant["curves"] or DEFAULT_CURVES[plant["condenser"]]]


def part_load(plant: Mapping[str, Any]) -> tuple[float, float, float]:
    """The chillers' EIR(PLR): the scenario's ``eir``, else that of their curve set (1 at full load)."""
    return tuple(plant["eir"]) if plant["eir"] is not None else curves(plant).part_load


def chillers_at(plant: Mapping[str, Any], condenser: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CAPFT and EIRFT of the chiller plant at each step: its chilled water leaving at ``chilled_water``, the
    condenser entering at ``condenser`` (K) (:mod:`scenarios.energy.chillers`)."""
    return chiller_factors(curves(plant), plant["chilled_water"], condenser)


def tank_plan(params: Mapping[str, Any], t: np.ndarray, load: np.ndarray, other: np.ndarray, cop: np.ndarray,
              capft: np.ndarray, eirft: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """What the chillers make (W) and draw (W) at each step under the tank's cheapest hourly plan
    (:mod:`scenarios.energy.storage`), planned a week at a time, each week's tank ending as it began;
    ``other``: the rest of the site's electric power, for the peak; ``capft``, ``eirft``: the temperatures'
    factors at each step, taken as their hour's means."""
    plant = params["chillers"]
    hour = ((t - t[0]) // HOUR).astype(int)
    per_hour = np.bincount(hour)
    mean = {name: np.bincount(hour, weights=x) / per_hour
            for name, x in (("load", load), ("other", other), ("capft", capft), ("eirft", eirft))}
    curve = storage.hull(capacities(params), cop, part_load(plant))
    price = tariff.prices(params["tariff"], t[0] + HOUR * np.arange(per_hour.size))
    made, power = np.empty(per_hour.size), np.empty(per_hour.size)
    for week in range(0, per_hour.size, WEEK_HOURS):
        at = slice(week, week + WEEK_HOURS)
        plan = storage.plan(mean["load"][at], price[at], mean["other"][at], plant["storage"]["capacity"], curve,
                            params["tariff"]["demand_charge"], capft=mean["capft"][at], eirft=mean["eirft"][at])
        made[at], power[at] = plan.made, plan.power
    return made[hour], power[hour]


def commitment(params: Mapping[str, Any], t: np.ndarray, load: np.ndarray, cop: np.ndarray, capft: np.ndarray,
               eirft: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The chillers' power (W) and the unmet load (W) at each step under the cheapest commitment
    (:func:`scenarios.energy.dispatch.committed`) at the temperatures' factors ``capft``, ``eirft``, planned a week at
    a time, each week starting with the chillers the last one left running."""
    plant, step = params["chillers"], params["step"]
    per_hour = round(HOUR / step)
    price = tariff.prices(params["tariff"], t[0] + HOUR * np.arange(t.size // per_hour))
    power, unmet, running = np.empty_like(load), np.empty_like(load), None
    for week in range(0, price.size, WEEK_HOURS):
        at = slice(week * per_hour, (week + WEEK_HOURS) * per_hour)
        power[at], unmet[at], on = dispatch.committed(
            load[at], capacities(params), cop, part_load(plant), step=step, price=price[week:week + WEEK_HOURS],
            start_cost=plant["start_cost"], min_on=max(1, math.ceil(plant["min_on"] / HOUR - 1e-9)),
            min_off=max(1, math.ceil(plant["min_off"] / HOUR - 1e-9)), running=running, capft=capft[at],
            eirft=eirft[at])
        running = on[-1]
    return power, unmet


def _per_batch(params, t, heat: Gains, hvac, every) -> tuple[dict[str, float], dict[str, np.ndarray]]:
    """KPIs of energy per batch (mean over the finished batches, and per product) and a row per batch."""
    campaign = heat.campaign
    room_power = {z.number: hvac[z.number] + heat.lighting[:, i] for i, z in enumerate(every)}
    from_units, from_rooms, unattributed = batches.attribute(campaign, heat.unit_bought, heat.room_of, room_power,
                                                             t, params["step"])
    total = (from_units + from_rooms) / KWH
    done = campaign.finished() <= t[-1] + params["step"]
    kpis = {"batches": float(done.sum()), "kwh.attributed": float(total.sum()),
            "kwh.unattributed": float(unattributed / KWH)}
    if done.any():
        kpis["kwh_per_batch"] = float(total[done].mean())
    products = np.array(campaign.products, dtype=object)
    for product in dict.fromkeys(campaign.products):
        mine = done & (products == product)
        if mine.any():
            kpis[f"kwh_per_batch.{product}"] = float(total[mine].mean())
    events = {"t": campaign.finished(), "source": products, "event": np.full(len(products), "batch",
                                                                                  dtype=object),
              "batch": np.arange(len(products)), "kwh_units": from_units / KWH, "kwh_rooms": from_rooms / KWH}
    return kpis, events


def _kpis(params, t, power, violation_steps, step) -> tuple[dict[str, float], dict[str, str]]:
    energy_cost, demand_cost = tariff.cost(params["tariff"], t, power["electricity"], step)
    kwh = {k: float(power[k].sum() * step / KWH) for k in ("electricity", "gas", *USES)}
    co2 = (kwh["electricity"] * params["co2"]["electricity"] + kwh["gas"] * params["co2"]["gas"]) * KWH
    unmet_minutes = float(np.count_nonzero(power["unmet_cooling"] > 0) * step / 60)
    violation = float(violation_steps.sum() * step / 60) + unmet_minutes
    kpis = {"electricity": kwh["electricity"], "gas": kwh["gas"],
            "cost": energy_cost + demand_cost, "energy_cost": energy_cost, "demand_cost": demand_cost,
            "peak": float(power["electricity"].max() / 1e3), "co2": co2 / 1e3,
            "violation_minutes": violation, "compliant": float(violation == 0),
            **{f"kwh.{k}": kwh[k] for k in USES},
            **{f"kwh.{k}": float(power[k].sum() * step / KWH) for k in sorted(power) if k.startswith("grade.")}}
    units = {k: "kWh" for k in kpis} | {"cost": params["tariff"]["currency"],
                                        "energy_cost": params["tariff"]["currency"],
                                        "demand_cost": params["tariff"]["currency"], "peak": "kW", "co2": "t",
                                        "violation_minutes": "room-min", "compliant": "1"}
    return kpis, units


def _traces(t, t_out, power) -> dict[str, np.ndarray]:
    kw = {k: power[k] / 1e3 for k in ("electricity", "fans", "chillers", "cooling_coils", "storage_in", "reheat",
                                      "gas")}
    kw["chilled_water_plant"] = sum(power[k] for k in ("chillers", "pump", "tower_fans", "condenser_pump")) / 1e3
    kw["process"] = (power["process"] + power["compressors"]) / 1e3      # equipment, lighting, compressed air
    return {"t": t, "T_out": t_out - 273.15, **{f"{k}_kW": v for k, v in kw.items()}}
