"""The maintenance model: assets that wear out and fail, replaced by a maintenance crew under a policy (DES).

Each asset (a plant tag) runs from new until it fails (a Weibull lifetime, or its wear indicator's first passage)
or, under ``policy: age``, until it reaches the replacement age, whichever comes first; under ``policy: condition``
until an inspection finds its indicator at the level, or it fails between inspections; under ``policy: rul`` until
an inspection's remaining-life estimate says it fails within the lead with probability ``risk`` or more. Then it
waits for a member of the crew (a ``twin.des.PriorityResource`` of ``crew`` people; a failed asset first) and is
down for the corrective or preventive duration; it comes back as new. Costs are counted when an action starts. KPIs
over ``[warmup, horizon]``: ``cost_rate`` (per second, all assets), ``availability`` (mean up share of the assets),
``unplanned_stops`` and ``planned_stops`` (per second, all assets), and per asset ``cost_rate.<tag>``,
``availability.<tag>``. Events: ``failure``, ``preventive``, ``restored``.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

import twin.des as des
from scenarios.line_capacity.model import stream
from scenarios.maintenance.params import Asset, MaintenanceParams
from scenarios.registry import Run
from twin.monitor.degradation import RULEstimator, Wiener

EVENTS = ("failure", "preventive", "restored")


class Maintenance:
    """One replication: an asset process each, one crew, and the accounts."""

    def __init__(self, params: MaintenanceParams | Mapping[str, Any], seed: np.random.SeedSequence) -> None:
        p = params if isinstance(params, MaintenanceParams) else MaintenanceParams.of(params)
        self.env = des.Environment()
        self.horizon, self.warmup = p.horizon, p.warmup
        self.crew = des.PriorityResource(self.env, capacity=p.crew)
        self.policy, self.age = p.policy, p.replacement_age
        self.assets = list(p.assets)
        self.cost = dict.fromkeys(self.assets, 0.0)
        self.up = dict.fromkeys(self.assets, 0.0)
        self.stops = {"failure": 0, "preventive": 0}
        self.rul = {tag: RULEstimator(1.0) for tag in self.assets}  # each asset's readings, pooled over its lives
        self.log: list[tuple[float, int, int]] = []
        for k, tag in enumerate(self.assets):
            self.env.process(self.life(k, tag, p.assets[tag], stream(seed, 3, k)))

    def window(self, t0: float, t1: float) -> float:
        return max(0.0, min(t1, self.horizon) - max(t0, self.warmup))

    def life(self, k: int, tag: str, asset: Asset, rng: np.random.Generator):
        env = self.env
        while True:
            run, failed = self.next_stop(asset, rng, self.rul[tag])
            kind = "failure" if failed else "preventive"
            self.up[tag] += self.window(env.now, env.now + run)
            yield env.timeout(run)
            action = asset.corrective if kind == "failure" else asset.preventive
            if self.warmup <= env.now < self.horizon:
                self.cost[tag] += action.cost
                self.stops[kind] += 1
            self.log.append((env.now, k, EVENTS.index(kind)))
            with self.crew.request(priority=0 if kind == "failure" else 1) as turn:
                yield turn
                yield env.timeout(action.duration)
            self.log.append((env.now, k, 2))

    def next_stop(self, asset: Asset, rng: np.random.Generator,
                  rul: RULEstimator) -> tuple[float, bool]:
        """Operating time from new to the next stop, and whether the stop is a failure."""
        policy = self.policy
        if asset.wear is None:
            life = asset.scale * rng.weibull(asset.shape)
        else:
            wear = Wiener.from_life(asset.wear.mean_life, asset.wear.cv)
            left = self.horizon - self.env.now   # (a path past the run's end is not simulated)
            if policy.kind == "condition":
                return wear.until(rng, policy.level, policy.inspect, within=left)
            if policy.kind == "rul":
                return self.by_rul(wear, rng, rul, left)
            life = float(wear.life().rvs(random_state=rng))
        return min(life, self.age), life < self.age

    def by_rul(self, wear: Wiener, rng: np.random.Generator, rul: RULEstimator,
               left: float = math.inf) -> tuple[float, bool]:
        """Inspect, re-estimate the remaining life, replace once failing within the lead is likely enough (the path
        read up to ``left``, the run's end)."""
        inspect, lead, risk = self.policy.inspect, self.policy.lead, self.policy.risk
        values, failure = wear.readings(rng, inspect, within=left)
        rul.renew()
        rul.update(0.0, wear.x0)
        for k, x in enumerate(values.tolist(), start=1):
            rul.update(k * inspect, x)
            if rul.risk(lead) >= risk:
                return k * inspect, False
        return (failure, True) if math.isfinite(failure) else (len(values) * inspect, False)

    def run(self) -> Run:
        self.env.run(until=self.horizon)
        window = self.horizon - self.warmup
        kpis = {"cost_rate": sum(self.cost.values()) / window,
                "availability": sum(self.up.values()) / (len(self.assets) * window),
                "unplanned_stops": self.stops["failure"] / window, "planned_stops": self.stops["preventive"] / window}
        units = {"cost_rate": "1/s", "availability": "-", "unplanned_stops": "1/s", "planned_stops": "1/s"}
        for tag in self.assets:
            kpis[f"cost_rate.{tag}"], units[f"cost_rate.{tag}"] = self.cost[tag] / window, "1/s"
            kpis[f"availability.{tag}"], units[f"availability.{tag}"] = self.up[tag] / window, "-"
        log = np.array(self.log, dtype=float).reshape(-1, 3)
        events = {"t": log[:, 0], "source": np.array(self.assets, dtype=object)[log[:, 1].astype(int)],
                  "event": np.array(EVENTS, dtype=object)[log[:, 2].astype(int)]}
        return Run(kpis=kpis, units=units, events=events)


def simulate(params: Mapping[str, Any], seed: np.random.SeedSequence) -> Run:
    """One replication of the maintenance scenario ``params`` (resolved, SI units)."""
    return Maintenance(params, seed).run()
