"""Monte Carlo of accident paths: each demand of a LOPA scenario draws its conditions and barrier failures.

A path is one occurrence of the initiating event: each conditional modifier holds with its probability, each IPL
fails on demand with its PFD, and the consequence follows when all of them line up. The scenario's frequency is
the initiating frequency times the fraction of paths that end in the consequence, with a 95% confidence interval.

Rare consequences (a path in 10^6 or fewer) need far too many plain draws; importance sampling draws each event
with a biased probability ``q`` (``bias``, default 0.5, never below the true one) and weights each path by its
likelihood ratio ``prod (p/q)^x ((1-p)/(1-q))^(1-x)``, which keeps the estimator unbiased (a path reaching the
consequence has every event failed, so its weight is ``prod p/q``)::

    estimate(hazard, 100_000, rng)               # importance sampling
    estimate(hazard, 100_000, rng, bias=None)    # plain Monte Carlo
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from scenarios.safety.lopa import YEAR, Hazard

Z95 = 1.959963984540054  # two-sided 95% quantile of the standard normal


@dataclass(frozen=True)
class Estimate:
    """A frequency (1/yr) with its 95% confidence interval (Wilson's, sound with few or no hits) and the paths."""

    frequency: float
    low: float
    high: float
    paths: int
    hits: int

    def covers(self, value: float) -> bool:
        return self.low <= value <= self.high


def estimate(hazard: Hazard, paths: int, rng: np.random.Generator, bias: float | None = 0.5,
             chunk: int = 100_000) -> Estimate:
    """The frequency of ``hazard``'s consequence from ``paths`` sampled demands (see the module doc)."""
    p = np.array([*hazard.modifiers.values(), *hazard.pfds.values()], dtype=float)
    q = p if bias is None else np.maximum(p, bias)
    hits = 0
    for start in range(0, paths, chunk):
        failed = rng.random((min(chunk, paths - start), len(p))) < q
        hits += int(failed.all(axis=1).sum())
    # only a path on which every event failed reaches the consequence, and its likelihood ratio is prod p / q
    weight = float(np.prod(p / q)) * hazard.frequency * YEAR
    share = hits / paths
    centre = (share + Z95**2 / (2 * paths)) / (1 + Z95**2 / paths)
    half = Z95 / (1 + Z95**2 / paths) * math.sqrt(share * (1 - share) / paths + Z95**2 / (4 * paths**2))
    return Estimate(weight * share, weight * max(centre - half, 0.0), weight * (centre + half), paths, hits)
