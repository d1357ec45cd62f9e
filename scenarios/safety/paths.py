"""Accident paths sampled: the demands of a LOPA scenario drawn, each run through the twin's reactor
(:mod:`scenarios.safety.path`), and the consequence frequency estimated against the static LOPA.

Everything else the LOPA credits (an ignition probability, a relief device not simulated) does not change the path:
those layers and modifiers enter the estimate as their probabilities (conditional Monte Carlo), and the LOPA
modifiers the batch itself decides (``dosing_in_progress``: whether there is B to accumulate) are replaced by the
simulation. Importance sampling draws each simulated barrier failed with probability ``max(PFD, bias)``::

    setup = PathSetup("cooling_loss", Barriers(alarm="TAH-101", trip="SIF-101"))   # what each path runs
    paths = AccidentPaths(batch, hazard, setup, simulated_modifiers=("dosing_in_progress",))
    found = paths.estimate(400, rng)         # frequency (1/yr) with its 95% interval, and why it differs from LOPA

Where the estimate and the static LOPA differ, the diagnostics say which dynamic effect: ``reach`` (the share of
unprotected demands that really reach the MTT, against the LOPA's modifiers) and ``late`` (per barrier, the share
of the paths it had to stop alone on which it acted after the point of no return). :func:`trip_limit` suggests the
remedy for a late SIS: the highest trip point that stops the dosing in time.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

import numpy as np

from scenarios.safety.lopa import YEAR, Hazard
from scenarios.safety.montecarlo import Z95, Estimate, binomial_interval
from scenarios.safety.path import AccidentPath, Batch, Demand, Gas, PathSetup, simulate


@dataclass(frozen=True)
class Response:
    """The operator's response time to an alarm, lognormal: its ``median`` (s) and the ``sigma`` of its log."""

    median: float = 300.0
    sigma: float = 0.8


def trip_limit(sampler: AccidentPaths, events: int = 9, tol: float = 0.05) -> float | None:
    """The highest SIS trip point (K) at which the SIS alone (every other simulated barrier failed) keeps the batch
    below the MTT whenever the initiating event happens (``events`` times across the batch), found by bisection to
    ``tol`` K between the normal batch's peak + 1 K (lower, the SIS would trip every batch) and the MTT. None: no
    trip point does, stopping the dosing comes too late at any temperature (the accumulated B alone reaches the
    MTT)."""
    setup, median = sampler.setup, sampler.response.median
    trip = setup.barriers.trip
    if trip is None:
        raise ValueError(f"scenario '{sampler.hazard.name}' credits no SIS trip")
    batch = sampler.batch
    others = frozenset(sampler.barriers) - {trip}
    times = np.linspace(0.0, batch.duration, events)
    bare = PathSetup(setup.kind, gas=Gas(loc=setup.gas.loc, supply=setup.gas.supply))  # no barrier at all
    normal = simulate(batch, bare, Demand(batch.duration, others, median)).peak

    def holds(trip_point: float) -> bool:
        b = dataclasses.replace(batch, chemistry=batch.chemistry | {"T_trip": trip_point})
        return not any(simulate(b, setup, Demand(float(t), others, median)).top_event for t in times)

    lo, hi = normal + 1.0, batch.mtt - tol
    if not holds(lo):
        return None
    if holds(hi):
        return hi
    while hi - lo > tol:
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if holds(mid) else (lo, mid)
    return lo


@dataclass(frozen=True)
class Findings:
    """A dynamic estimate and why it differs from the static LOPA: ``reach`` is the share of demands with every
    simulated barrier failed that reach the MTT (the LOPA assumes the product of the simulated modifiers); ``late``
    per barrier the share of the paths on which it acted alone (the other simulated barriers failed) that reached
    the MTT anyway: its action came after the point of no return, where the LOPA credits it in full."""

    estimate: Estimate
    lopa: float
    reach: float
    assumed_reach: float
    late: dict[str, float]
    paths: list[AccidentPath]
    weights: np.ndarray = field(default_factory=lambda: np.ones(0))

    @property
    def agrees(self) -> bool:
        return self.estimate.covers(self.lopa)


class AccidentPaths:
    """The demands of one LOPA scenario sampled and simulated (see the module doc): ``setup`` what the paths run,
    ``simulated_modifiers`` the LOPA modifiers the simulation decides instead, ``response`` the operator's."""

    def __init__(self, batch: Batch, hazard: Hazard, setup: PathSetup, *, simulated_modifiers: tuple[str, ...] = (),
                 response: Response = Response()) -> None:
        self.batch, self.hazard, self.setup, self.response = batch, hazard, setup, response
        self.barriers = setup.ipls
        for name in (*self.barriers, *simulated_modifiers):
            if name not in hazard.pfds and name not in hazard.modifiers:
                raise ValueError(f"'{name}' is not credited in LOPA scenario '{hazard.name}'")
        self.simulated_modifiers = tuple(simulated_modifiers)
        # layers and conditions the temperature does not see: their probabilities multiply the estimate
        self.static = math.prod(p for n, p in hazard.pfds.items() if n not in self.barriers) * math.prod(
            p for n, p in hazard.modifiers.items() if n not in self.simulated_modifiers)

    def demands(self, n: int, rng: np.random.Generator, bias: float | None = 0.5) -> tuple[list[Demand], np.ndarray]:
        """``n`` demands and their likelihood ratios (all 1 without importance sampling)."""
        p = np.array([self.hazard.pfds[b] for b in self.barriers])
        q = p if bias is None else np.maximum(p, bias)
        failed = rng.random((n, len(p))) < q
        weight = np.prod(np.where(failed, p / q, (1 - p) / (1 - q)), axis=1)
        t_event = rng.uniform(0.0, self.batch.duration, n)
        response = self.response.median * np.exp(self.response.sigma * rng.standard_normal(n))
        return [Demand(float(t), frozenset(b for b, f in zip(self.barriers, row, strict=True) if f), float(s))
                for t, row, s in zip(t_event, failed, response, strict=True)], weight

    def run(self, demand: Demand, keep_trace: bool = False) -> AccidentPath:
        return simulate(self.batch, self.setup, demand, keep_trace)

    def estimate(self, n: int, rng: np.random.Generator, bias: float | None = 0.5, progress=None) -> Findings:
        """The consequence frequency (1/yr) from ``n`` simulated demands, with the diagnostics."""
        demands, weight = self.demands(n, rng, bias)
        paths = []
        for d in demands:
            paths.append(self.run(d))
            if progress is not None:
                progress()
        top = np.array([p.top_event for p in paths], dtype=float)
        scale = self.hazard.frequency * YEAR * self.static
        y = weight * top
        mean = float(y.mean())
        if top.any():
            half = Z95 * float(y.std(ddof=1)) / math.sqrt(n) if n > 1 else math.inf
            low, high = max(mean - half, 0.0), mean + half
        else:  # no hit: the exact binomial bound times the largest likelihood ratio a path can carry
            p = np.array([self.hazard.pfds[b] for b in self.barriers])
            q = p if bias is None else np.maximum(p, bias)
            low, high = 0.0, binomial_interval(0, n)[1] * float(np.prod(np.maximum(p / q, (1 - p) / (1 - q))))
        estimate = Estimate(scale * mean, scale * low, scale * high, n, int(top.sum()))
        unprotected = np.array([d.failed == frozenset(self.barriers) for d in demands])
        reach = float(top[unprotected].mean()) if unprotected.any() else math.nan
        late = {}
        for b in self.barriers:  # b acted, every other simulated barrier failed: did b alone stop the path?
            alone = np.array([b in p.acted and d.failed == frozenset(self.barriers) - {b}
                              for p, d in zip(paths, demands, strict=True)])
            late[b] = float(top[alone].mean()) if alone.any() else math.nan
        assumed = math.prod(self.hazard.modifiers[m] for m in self.simulated_modifiers)
        return Findings(estimate, self.hazard.mitigated * YEAR, reach, assumed, late, paths, weight)
