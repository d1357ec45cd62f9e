"""Age replacement by renewal-reward theory (Barlow & Proschan 1965, ch. 4; Barlow & Hunter 1960).

An asset is replaced preventively at age ``T`` (cost ``c_p``, down ``tau_p``) or correctively at failure if that
comes first (cost ``c_f``, down ``tau_f``); each replacement renews it. Over a cycle, with ``R = 1 - F`` the
lifetime's survival function::

    E[cost]   = c_p R(T) + c_f F(T)
    E[length] = int_0^T R(t) dt + tau_p R(T) + tau_f F(T)

and the long-run cost rate is their ratio (the renewal-reward theorem), the availability the expected up time over
the expected length. For Weibull lifetimes ``R(t) = exp(-(t / eta)**beta)`` the integral is
``eta / beta Gamma(1 / beta) P(1 / beta, (T / eta)**beta)``, with ``P`` the regularised lower incomplete gamma.
With ``beta > 1`` (wear-out) and ``c_f`` enough above ``c_p`` there is a finite optimal age ``T*``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class AgeReplacement:
    """A Weibull asset (``shape`` beta, ``scale`` eta in s) under age replacement; costs per action, durations s."""

    shape: float
    scale: float
    preventive_cost: float
    corrective_cost: float
    preventive_time: float = 0.0
    corrective_time: float = 0.0

    def up_time(self, age: float) -> float:
        """Expected operating time of a cycle, ``int_0^T R(t) dt`` (``age = inf``: the mean life)."""
        from scipy.special import gamma, gammainc

        b = 1.0 / self.shape
        if math.isinf(age):
            return self.scale * gamma(1.0 + b)
        return self.scale * b * gamma(b) * gammainc(b, (age / self.scale) ** self.shape)

    def failure_probability(self, age: float) -> float:
        return 1.0 if math.isinf(age) else -math.expm1(-((age / self.scale) ** self.shape))

    def cycle(self, age: float) -> tuple[float, float, float]:
        """Expected cost, length and up time of one renewal cycle."""
        f = self.failure_probability(age)
        up = self.up_time(age)
        cost = self.preventive_cost * (1 - f) + self.corrective_cost * f
        return cost, up + self.preventive_time * (1 - f) + self.corrective_time * f, up

    def cost_rate(self, age: float) -> float:
        """Long-run cost per second."""
        cost, length, _ = self.cycle(age)
        return cost / length

    def availability(self, age: float) -> float:
        _, length, up = self.cycle(age)
        return up / length

    def failure_rate(self, age: float) -> float:
        """Long-run unplanned stops per second."""
        _, length, _ = self.cycle(age)
        return self.failure_probability(age) / length

    def optimal_age(self) -> float:
        """The age that minimises the cost rate (``inf`` when running to failure is cheapest)."""
        from scipy.optimize import minimize_scalar

        best = minimize_scalar(lambda x: self.cost_rate(math.exp(x)),
                               bounds=(math.log(self.scale) - 6, math.log(self.scale) + 3), method="bounded",
                               options={"xatol": 1e-10})
        age = math.exp(best.x)
        return age if self.cost_rate(age) < self.cost_rate(math.inf) else math.inf
