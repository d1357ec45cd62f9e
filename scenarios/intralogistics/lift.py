"""A lift's car: where it stands, when it is free, and the trip it is loading, so that vehicles share rides.

A lift is a reserved zone of ``capacity`` places (a vehicle gets a place in the room before it, as for a door); the
car is one. A vehicle with its place calls the car from its stop ``before`` once it is at the lift door (``ready``)
to go to ``after``:

- if the car's last trip leaves from ``before`` for ``after`` at or after ``ready``, with a place and payload left,
  the vehicle rides along: it arrives when that trip does;
- otherwise the car takes it on a trip of its own, leaving when the car is free and the vehicle ready; if the car
  stands at another stop, it first rides there empty (one more ride).

Every trip takes the lift's ``ride`` seconds. Trips are booked in the order vehicles call, so a car of capacity one
serves its callers one after another (the one-car lift of :mod:`scenarios.intralogistics.model`), and vehicles
queued at one stop while the car is away leave together on its next trip from there, up to its capacity and
payload::

    car = Car()
    car.call("R0", "R1", ready=0.0, mass=900.0, ride=30.0, capacity=2, payload=2500.0)    # 30.0: up at once
    car.call("R0", "R1", ready=10.0, mass=900.0, ride=30.0, capacity=2, payload=2500.0)   # 90.0: 30 s back empty,
                                                                                           # 30 s up
"""
from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass
class Trip:
    """One ride of the car: from ``before`` to ``after``, leaving at ``leaves``, with its riders and their mass."""

    before: str
    after: str
    leaves: float
    riders: int
    mass: float


@dataclass
class Car:
    """The car of one lift: its stop once its booked trips are done (None until first called), free from ``free``."""

    at: str | None = None
    free: float = -math.inf
    last: Trip | None = None

    def call(self, before: str, after: str, ready: float, mass: float, ride: float, capacity: int,
             payload: float) -> float:
        """Book a vehicle of ``mass`` (kg, with its load) ready at ``ready`` (s) from ``before`` to ``after``; the
        time it arrives at ``after``."""
        trip = self.last
        if trip is not None and (trip.before, trip.after) == (before, after) and ready <= trip.leaves \
                and trip.riders < capacity and trip.mass + mass <= payload:
            trip.riders += 1
            trip.mass += mass
            return trip.leaves + ride
        start = max(ready, self.free)
        if self.at is not None and self.at != before:
            start += ride                           # called, it rides empty to the caller first
        self.last = Trip(before, after, start, 1, mass)
        self.at, self.free = after, start + ride
        return self.free
