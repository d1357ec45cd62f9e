"""Fleet sizing: the fewest vehicles the transport work could possibly need, from the route table alone.

Each order of a Poisson stream (mean gap ``every``, pickup and drop drawn uniformly from its lists) keeps a vehicle
busy at least for its loaded leg and its handling: ``w = E[leg_time(a -> b)] + load + unload``. A fleet of ``N``
vehicles delivers at most ``N`` vehicle-seconds of work a second, so it keeps up only if
``N >= sum over streams of w / every`` (the offered load in vehicles, Little's law on the busy vehicles); empty
travel, queues at doors and lifts, picking and charging only add to it. A sweep's smallest fleet that keeps up can
therefore never be below :func:`lower_bound`, which the tests check on simulated fleets.
"""
from __future__ import annotations

import math

import numpy as np

from scenarios.intralogistics.motion import leg_time
from scenarios.intralogistics.network import Network
from scenarios.intralogistics.params import LogisticsParams


def offered_load(params: LogisticsParams, network: Network) -> float:
    """Vehicles kept busy on average by the loaded legs and handling of the scenario's order streams."""
    fleet, handling = params.fleet, params.handling
    total = 0.0
    for stream in params.orders:
        legs = [leg_time(network.length(a, b), fleet.speed, fleet.acceleration) for a in stream.origins
                for b in stream.targets]
        total += (float(np.mean(legs)) + handling.load + handling.unload) / stream.every
    return total


def lower_bound(params: LogisticsParams, network: Network) -> int:
    """The fewest vehicles that could keep up: the offered load rounded up."""
    return max(1, math.ceil(offered_load(params, network) - 1e-12))
