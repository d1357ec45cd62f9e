"""How vehicles move and what it costs: leg times from rest to rest, the energy of a leg, the battery a job needs.

A leg starts and ends at rest: ``d/v + v/a`` for a leg long enough to reach speed ``v`` at acceleration ``a``,
``2 sqrt(d/a)`` otherwise (a trapezoidal or triangular speed profile). A vehicle draws its drive power (empty or
loaded) while it moves, nothing while it waits at a zone or rides a lift. Before a job the model asks :func:`need`
for the job's legs plus the drive on to the charger nearest the drop: the reserve that keeps every vehicle able to
reach a charger.
"""
from __future__ import annotations

import math

from scenarios.intralogistics.network import Network
from scenarios.intralogistics.params import Fleet


def leg_time(distance: float, speed: float, acceleration: float) -> float:
    """Seconds to cover ``distance`` from rest to rest: a trapezoidal (or triangular) speed profile."""
    if distance <= 0:
        return 0.0
    if distance >= speed * speed / acceleration:
        return distance / speed + speed / acceleration
    return 2.0 * math.sqrt(distance / acceleration)


def drive_energy(net: Network, fleet: Fleet, a: str, b: str, loaded: bool, flow: str | None = None) -> float:
    """Joules to drive from ``a`` to ``b`` on the static route (of a container of ``flow``): the drive power over the
    leg's moving time (a vehicle waiting at a zone or riding a lift draws nothing)."""
    moving = leg_time(net.length(a, b, flow), fleet.speed, fleet.acceleration)
    return fleet.power.draw(loaded) * moving


def nearest(net: Network, chargers: list[str], place: str) -> str:
    """The charging point nearest ``place`` in time."""
    return min(chargers, key=lambda c: net.time(place, c))


def need(net: Network, fleet: Fleet, chargers: list[str], legs) -> float:
    """Joules to drive ``legs`` ((from, to, loaded[, flow]), ...) and then empty to the charger nearest the last
    stop."""
    end = legs[-1][1]
    return sum(drive_energy(net, fleet, *leg) for leg in legs) + drive_energy(
        net, fleet, end, nearest(net, chargers, end), False)
