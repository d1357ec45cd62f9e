"""The chilled-water side of the energy model: the chillers' capacities and curves, their dispatch (staged in
order, committed by the hour at least cost, or following a tank's plan a week ahead) and the cooling tower
(:mod:`scenarios.energy.model` for the whole; :mod:`scenarios.energy.chillers`, :mod:`~scenarios.energy.dispatch`,
:mod:`~scenarios.energy.storage` and :mod:`~scenarios.energy.utilities` for the parts).
"""
from __future__ import annotations

import inspect
import math
from dataclasses import dataclass

import numpy as np

from scenarios.energy import dispatch, storage, tariff, utilities
from scenarios.energy.air import HOUR, Outdoor
from scenarios.energy.chillers import CURVES as CHILLER_CURVES
from scenarios.energy.chillers import DEFAULT_CURVES, Curves
from scenarios.energy.chillers import factors as chiller_factors
from scenarios.energy.params import Chiller, ChillerPlant, EnergyParams
from twin import plant as plants
from twin.process.units import chiller as chiller_unit

WEEK_HOURS = 168       # the tank's plan and the chillers' commitment look a week ahead
DOE2_EIR = inspect.signature(chiller_unit.Chiller).parameters["eir"].default
PLANT_CAPACITY = "PharmaTwin_Equipment.CoolingCapacity_kW"  # a chiller asset's capacity in the plant model


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
