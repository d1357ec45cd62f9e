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

The air side is :mod:`scenarios.energy.air`, the chilled water :mod:`scenarios.energy.water`; :func:`balance` here
steps both over the window with the internal gains, the utilities and the bills, and collects a :class:`Power`.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from scenarios.energy import batches, psychro, tariff, thermal, utilities, weather
from scenarios.energy.air import AirFlows, Outdoor, Rooms, Schedule, Zone, air_loops, cascade, supply_fraction, zones
from scenarios.energy.params import EnergyParams
from scenarios.energy.water import WaterSide, water_side
from scenarios.registry import Run
from twin import plant as plants

DAY, HOUR, KWH = 86400.0, 3600.0, 3.6e6
USES = ("fans", "chillers", "pump", "tower_fans", "condenser_pump", "compressors", "process", "lighting",
        "equipment", "people_in", "reheat", "preheat", "process_steam", "cooling_coils",
        "chilled_water_idle")  # reported as kwh.<use>


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
    rooms = air_loops(p, zone_of, served, air, heat.total, plan, dp_margin)
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
