"""Monte Carlo of accident paths: each demand of a LOPA scenario draws its conditions and barrier failures.

A path is one occurrence of the initiating event: each conditional modifier holds with its probability, each IPL
fails on demand with its PFD, and the consequence follows when all of them line up. The scenario's frequency is
the initiating frequency times the fraction of paths that end in the consequence, with a 95% confidence interval:
Clopper and Pearson's exact binomial interval, which stays inside [0, 1] and gives 0 hits the interval [0, about
3.7 / paths] (the two-sided form of the rule of three).

Rare consequences (a path in 10^6 or fewer) need far too many plain draws; importance sampling draws each event
with a biased probability ``q`` (``bias``, default 0.5, never below the true one) and weights each path by its
likelihood ratio ``prod (p/q)^x ((1-p)/(1-q))^(1-x)``, which keeps the estimator unbiased (a path reaching the
consequence has every event failed, so its weight is ``prod p/q``)::

    estimate(hazard, 100_000, rng)               # importance sampling
    estimate(hazard, 100_000, rng, bias=None)    # plain Monte Carlo
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scenarios.safety.lopa import YEAR, Hazard

Z95 = 1.959963984540054  # two-sided 95% quantile of the standard normal


@dataclass(frozen=True)
class Estimate:
    """A frequency (1/yr) with its 95% confidence interval and the paths."""

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
    low, high = binomial_interval(hits, paths)
    return Estimate(weight * hits / paths, weight * low, weight * high, paths, hits)


def binomial_interval(hits: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Clopper and Pearson's exact interval of a proportion: ``hits`` in ``n`` trials; 0 hits give [0, 1 -
    (alpha/2)^(1/n)], about 3.7 / n at 95 %."""
    from scipy import stats  # here: ~1 s to import, and a scenario check needs none of it

    alpha = 1 - confidence
    low = 0.0 if hits == 0 else float(stats.beta.ppf(alpha / 2, hits, n - hits + 1))
    high = 1.0 if hits == n else float(stats.beta.ppf(1 - alpha / 2, hits + 1, n - hits))
    return low, high
