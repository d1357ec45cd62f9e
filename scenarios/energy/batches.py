"""Batches through the plant's equipment on the twin's DES clock, the equipment's power by state, and every kWh of
a run attributed to the batches (guide 42: energy per batch and per product).

A campaign is a list of orders (``batches`` of a product, released ``every`` so long from ``release``); a product
is its steps in order, each on the first free unit of its ``units`` (plant tags or patterns like ``GR-20*``) for
``time``, after which the unit is cleaned for ``clean`` while the batch moves on. Each unit is thus *running*,
*cleaning* or *idle*, and draws the power the scenario gives for that state; all of it ends as heat in the
unit's room.

Attribution: a unit's energy while it runs or is cleaned after a batch belongs to that batch; a room's energy (its
share of the AHU fans, chillers, pumps and boiler, and its lighting) is split in each control step among the
batches in proportion to their unit-time in the room, up to the whole step; the rest (idle units, rooms with
nobody's batch in them) is *unattributed*. So the batches and the unattributed energy add up to what was bought.
"""
from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from scenarios.energy.params import BatchPlan

STATES = ("running", "cleaning")


@dataclass(frozen=True)
class Interval:
    """A unit busy for a batch: ``state`` is running or cleaning, from ``start`` to ``end`` (s)."""

    batch: int
    unit: str
    state: str
    start: float
    end: float


@dataclass(frozen=True)
class Campaign:
    """The batches (product, release time) and what their units did."""

    products: list[str]
    intervals: list[Interval]

    def finished(self) -> np.ndarray:
        """Each batch's end of its last step (s), or NaN if it did not finish in the horizon."""
        end = np.full(len(self.products), np.nan)
        last = {}
        for i in self.intervals:
            if i.state == "running":
                last[i.batch] = max(last.get(i.batch, 0.0), i.end)
        for b, t in last.items():
            end[b] = t
        return end


def units_of(pattern: str, tags) -> list[str]:
    """The plant tags a step's unit pattern names (``GR-20*``), in order."""
    return [t for t in tags if fnmatch.fnmatchcase(t, pattern)]


def run(spec: BatchPlan, tags, horizon: float, des=None, rng: np.random.Generator | None = None) -> Campaign:
    """Run the campaign ``spec`` (products and orders) on ``des`` (``twin.des``, or SimPy: same API) up to
    ``horizon`` (s). Steps already started when the horizon comes are cut there. With ``duration_cv`` > 0 each
    step takes its time times a lognormal factor of mean 1 and that coefficient of variation, drawn from ``rng``."""
    if des is None:
        import twin.des as des
    cv = spec.duration_cv
    sigma = np.sqrt(np.log1p(cv**2))
    rng = rng if rng is not None else np.random.default_rng(0)
    env = des.Environment()
    free = des.FilterStore(env)
    steps = {name: [(sum((units_of(p, tags) for p in step.units), []), step.time, step.clean) for step in product]
             for name, product in spec.products.items()}
    free.items.extend(dict.fromkeys(u for product in steps.values() for units, _, _ in product for u in units))
    products, intervals = [], []

    def clean(unit, batch, time):
        start = env.now
        yield env.timeout(time)
        intervals.append(Interval(batch, unit, "cleaning", start, env.now))
        yield free.put(unit)

    def batch(number, product, release):
        yield env.timeout(release)
        for units, time, clean_time in steps[product]:
            unit = yield free.get(lambda u, units=units: u in units)
            start = env.now
            yield env.timeout(time * (rng.lognormal(-sigma**2 / 2, sigma) if cv > 0 else 1.0))
            intervals.append(Interval(number, unit, "running", start, env.now))
            env.process(clean(unit, number, clean_time))

    for order in spec.orders:
        for k in range(order.batches):
            env.process(batch(len(products), order.product, order.release + k * order.every))
            products.append(order.product)
    env.run(until=horizon)
    return Campaign(products, intervals)


def overlap(start: float, end: float, t: np.ndarray, step: float) -> tuple[slice, np.ndarray]:
    """The steps ``[t_k, t_k + step)`` the interval touches, and the seconds of each it covers."""
    k0 = max(0, int(np.floor((start - t[0]) / step)))
    k1 = min(t.size, int(np.ceil((end - t[0]) / step)))
    at = t[k0:k1]
    return slice(k0, max(k0, k1)), np.clip(np.minimum(end, at + step) - np.maximum(start, at), 0.0, None)


def unit_power(campaign: Campaign, power: Mapping[str, Mapping[str, float]], t: np.ndarray,
               step: float) -> dict[str, np.ndarray]:
    """Each powered unit's mean electric power (W) in every step: idle, except while running or cleaning."""
    out = {unit: np.full(t.size, p["idle"]) for unit, p in power.items()}
    for i in campaign.intervals:
        if i.unit in power:
            where, seconds = overlap(i.start, i.end, t, step)
            out[i.unit][where] += (power[i.unit][i.state] - power[i.unit]["idle"]) * seconds / step
    return out


def in_use(campaign: Campaign, room_of: Mapping[str, str], rooms: list[str], t: np.ndarray,
           step: float) -> np.ndarray:
    """Whether any unit of each room runs or is cleaned for a batch during each step (steps x rooms)."""
    column = {room: j for j, room in enumerate(rooms)}
    used = np.zeros((t.size, len(rooms)), dtype=bool)
    for i in campaign.intervals:
        if room_of.get(i.unit) in column:
            where, seconds = overlap(i.start, i.end, t, step)
            used[where, column[room_of[i.unit]]] |= seconds > 0
    return used


def attribute(campaign: Campaign, power: Mapping[str, Mapping[str, float]], room_of: Mapping[str, str],
              room_power: Mapping[str, np.ndarray], t: np.ndarray, step: float) -> tuple[np.ndarray, np.ndarray, float]:
    """Energy (J) of each batch from its units and from its rooms, and the energy nobody's batch used.

    ``power``: each unit's power by state (W); ``room_of``: each unit's room; ``room_power``: the power (W, per
    step) bought for each room besides its units (HVAC share, lighting).
    """
    n = len(campaign.products)
    from_units, from_rooms = np.zeros(n), np.zeros(n)
    busy = {room: np.zeros(t.size) for room in room_power}          # unit-seconds of batches in each step
    touched = []
    for i in campaign.intervals:
        where, seconds = overlap(i.start, i.end, t, step)
        if i.unit in power:
            from_units[i.batch] += power[i.unit][i.state] * seconds.sum()
        room = room_of.get(i.unit)
        if room in busy:
            busy[room][where] += seconds
            touched.append((i.batch, room, where, seconds))
    for b, room, where, seconds in touched:
        from_rooms[b] += np.sum(room_power[room][where] * step * seconds / np.maximum(step, busy[room][where]))
    idle = sum(p["idle"] * (t.size * step - sum(overlap(i.start, i.end, t, step)[1].sum()
                                               for i in campaign.intervals if i.unit == unit))
               for unit, p in power.items())
    empty = sum(float(np.sum(room_power[room] * np.clip(step - busy[room], 0.0, None))) for room in room_power)
    return from_units, from_rooms, idle + empty
