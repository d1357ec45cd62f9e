"""Degradation of an asset as a stochastic process, and its remaining useful life (RUL) from the condition indicator.

>>> import numpy as np
>>> from twin.monitor.degradation import Wiener, RULEstimator
>>> wear = Wiener(drift=0.02, diffusion=0.05, threshold=10.0)       # e.g. a punch's force signal, per hour
>>> t, x = wear.path(np.random.default_rng(1), dt=1.0, horizon=300)   # hourly readings over 300 h
>>> rul = RULEstimator(threshold=10.0)
>>> for ti, xi in zip(t, x):
...     rul.update(ti, xi)
>>> round(rul.drift, 4), round(rul.diffusion, 3)                   # the truth: 0.02, 0.05
(0.0149, 0.046)
>>> round(float(rul.life().mean())), round(float(rul.life().ppf(0.9)))   # hours left after 300 h: mean, 90 %
(373, 452)

**Wiener process with drift** (Whitmore 1995; Si, Wang, Hu & Zhou 2011): ``X(t) = x0 + mu t + sigma B(t)``. Its
first passage over a threshold ``D`` (the failure) is inverse Gaussian with mean ``(D - x0) / mu`` and shape
``(D - x0)**2 / sigma**2`` (Chhikara & Folks 1989), so ``scipy.stats.invgauss(mean / shape, scale=shape)``.
Simulated paths are checked between their samples with the Brownian bridge: a path below ``D`` at both ends of a
step crossed it in between with probability ``exp(-2 (D - x_k)(D - x_k+1) / (sigma**2 dt))``.

**Gamma process** (van Noortwijk 2009): independent increments ``Gamma(shape = alpha dt, scale = beta)``, monotone
(wear that never heals); ``P(T <= t) = P(X(t) >= D) = Q(alpha t, (D - x0) / beta)``, the regularised upper
incomplete gamma function.

**RUL** from a Wiener indicator read at times ``t_k``: the drift and diffusion by maximum likelihood from the
increments (``mu = sum dx / sum dt``, ``sigma**2 = mean((dx - mu dt)**2 / dt)``), re-estimated at every reading (a
rolling prediction), and the remaining life as the first passage from the current reading: inverse Gaussian with
mean ``(D - x) / mu`` and shape ``(D - x)**2 / sigma**2`` (the plug-in estimate; the process is Markov, so only the
last reading and the parameters matter).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Wiener:
    """``X(t) = x0 + drift t + diffusion B(t)``; the asset fails when ``X`` first reaches ``threshold``."""

    drift: float
    diffusion: float
    threshold: float
    x0: float = 0.0

    def __post_init__(self) -> None:
        if not (self.drift > 0 and self.diffusion > 0 and self.threshold > self.x0):
            raise ValueError(f"a Wiener degradation needs drift > 0, diffusion > 0 and threshold > x0; got {self}")

    def life(self, x: float | None = None):
        """The first-passage time from level ``x`` (default ``x0``): ``scipy.stats.invgauss``, frozen."""
        from scipy.stats import invgauss

        gap = self.threshold - (self.x0 if x is None else x)
        mean, shape = gap / self.drift, gap * gap / self.diffusion**2
        return invgauss(mean / shape, scale=shape)

    def path(self, rng: np.random.Generator, dt: float, horizon: float) -> tuple[np.ndarray, np.ndarray]:
        """One path sampled every ``dt`` up to ``horizon`` (times, values)."""
        n = int(round(horizon / dt))
        steps = self.drift * dt + self.diffusion * math.sqrt(dt) * rng.standard_normal(n)
        return np.arange(n + 1) * dt, np.concatenate([[self.x0], self.x0 + np.cumsum(steps)])

    def failure_times(self, rng: np.random.Generator, count: int, dt: float) -> np.ndarray:
        """First-passage times of ``count`` paths stepped by ``dt``, crossings between steps found with the
        Brownian bridge (each time is the end of its step: at most ``dt`` late)."""
        x = np.full(count, float(self.x0))
        t = np.full(count, np.nan)
        alive = np.arange(count)
        step, now, var = self.diffusion * math.sqrt(dt), 0.0, self.diffusion**2 * dt
        while len(alive):
            now += dt
            new = x[alive] + self.drift * dt + step * rng.standard_normal(len(alive))
            bridge = np.exp(-2.0 * np.maximum(self.threshold - x[alive], 0) * np.maximum(self.threshold - new, 0) / var)
            failed = (new >= self.threshold) | (rng.random(len(alive)) < bridge)
            t[alive[failed]] = now
            x[alive] = new
            alive = alive[~failed]
        return t


    @classmethod
    def from_life(cls, mean_life: float, cv: float) -> Wiener:
        """The indicator normalised to 0 (new) and 1 (failed), from the life's mean and coefficient of variation
        (inverse Gaussian: ``mean = 1 / mu``, ``cv**2 = sigma**2 / mu``)."""
        drift = 1.0 / mean_life
        return cls(drift, math.sqrt(cv * cv * drift), 1.0)

    def readings(self, rng: np.random.Generator, inspect: float, steps: int = 16,
                 until_level: float | None = None, within: float = math.inf) -> tuple[np.ndarray, float]:
        """One path from ``x0``, read every ``inspect``: the readings before it fails, and its failure time (the
        crossing of ``threshold`` checked between ``steps`` sub-steps per inspection by the Brownian bridge; the
        time is the end of its sub-step). With ``until_level``, the path stops at the first reading at or above it
        (failure time then ``inf``). A path still going at ``within`` (a run's end) stops there: its readings so far,
        at least to ``within``, and failure time ``inf`` (a mean life of 1e9 h is not simulated to its end)."""
        dt, var = inspect / steps, self.diffusion**2 * inspect / steps
        # sub-steps drawn in chunks of about the expected life: a path is done in one or two
        target = self.threshold if until_level is None else until_level
        expected = max(target - self.x0, 0.0) / (self.drift * dt)
        x, done, chunk = float(self.x0), 0, int(min(max(1.2 * expected, 64 * steps), 1 << 18)) // steps * steps
        read: list[np.ndarray] = []
        while True:
            path = x + np.cumsum(self.drift * dt + math.sqrt(var) * rng.standard_normal(chunk))
            before = np.concatenate([[x], path[:-1]])
            gap = np.maximum(self.threshold - before, 0) * np.maximum(self.threshold - path, 0)
            failed = (path >= self.threshold) | (rng.random(chunk) < np.exp(-2.0 * gap / var))
            first_fail = int(np.argmax(failed)) if failed.any() else chunk
            values = path[steps - 1:: steps][: (first_fail + 1) // steps]  # the readings before the failure
            if until_level is not None and (values >= until_level).any():
                k = int(np.argmax(values >= until_level))
                read.append(values[: k + 1])
                return np.concatenate(read), math.inf
            read.append(values)
            if first_fail < chunk:
                return np.concatenate(read), (done + first_fail + 1) * dt
            x, done = float(path[-1]), done + chunk
            if done * dt >= within:
                return np.concatenate(read), math.inf

    def until(self, rng: np.random.Generator, level: float, inspect: float, steps: int = 16,
              within: float = math.inf) -> tuple[float, bool]:
        """Run one path until it fails or an inspection every ``inspect`` finds it at ``level`` or above: the time
        and whether it failed (at least ``within`` and False for a path still going then)."""
        values, failure = self.readings(rng, inspect, steps, until_level=level, within=within)
        return (failure, True) if math.isfinite(failure) else (len(values) * inspect, False)


@dataclass(frozen=True)
class Gamma:
    """Monotone wear: increments ``Gamma(alpha dt, beta)``; the asset fails when ``X`` first reaches ``threshold``."""

    alpha: float
    beta: float
    threshold: float
    x0: float = 0.0

    def __post_init__(self) -> None:
        if not (self.alpha > 0 and self.beta > 0 and self.threshold > self.x0):
            raise ValueError(f"a gamma degradation needs alpha > 0, beta > 0 and threshold > x0; got {self}")

    def failure_cdf(self, t) -> np.ndarray:
        """``P(T <= t)``: the level reached by ``t`` is over the threshold."""
        from scipy.special import gammaincc

        t = np.asarray(t, dtype=float)
        return np.where(t > 0, gammaincc(self.alpha * np.maximum(t, 1e-300), (self.threshold - self.x0) / self.beta),
                        0.0)

    def path(self, rng: np.random.Generator, dt: float, horizon: float) -> tuple[np.ndarray, np.ndarray]:
        n = int(round(horizon / dt))
        steps = rng.gamma(self.alpha * dt, self.beta, size=n)
        return np.arange(n + 1) * dt, np.concatenate([[self.x0], self.x0 + np.cumsum(steps)])


class RULEstimator:
    """Rolling remaining-useful-life estimate of a Wiener indicator: feed readings with :meth:`update`.

    The increments of every path read so far are pooled (an asset class's drift and diffusion): :meth:`renew`
    starts a new path (the asset replaced) without forgetting them."""

    def __init__(self, threshold: float) -> None:
        self.threshold = float(threshold)
        self._last: tuple[float, float] | None = None
        self._rise = self._span = 0.0  # sums of dx and dt
        self._sum_sq_over_dt = 0.0  # sum of dx**2 / dt
        self._steps = 0

    def update(self, t: float, x: float) -> None:
        """A reading ``x`` of the indicator at time ``t`` (times increasing along a path)."""
        t, x = float(t), float(x)
        if self._last is not None:
            dt, dx = t - self._last[0], x - self._last[1]
            if not dt > 0:
                raise ValueError(f"RUL readings must come in increasing time; got t={t} after t={self._last[0]}")
            self._rise += dx
            self._span += dt
            self._sum_sq_over_dt += dx * dx / dt
            self._steps += 1
        self._last = (t, x)

    def renew(self) -> None:
        """The asset was replaced: the next reading starts a new path; the estimates keep what was learnt."""
        self._last = None

    @property
    def drift(self) -> float:
        """Maximum-likelihood drift: the rise over the time (NaN before two readings)."""
        return self._rise / self._span if self._steps else math.nan

    @property
    def diffusion(self) -> float:
        """Maximum-likelihood diffusion ``sigma`` from the increments about the drift."""
        if not self._steps:
            return math.nan
        return math.sqrt(max(self._sum_sq_over_dt - self.drift**2 * self._span, 0.0) / self._steps)

    def life(self):
        """The remaining life from the last reading: ``scipy.stats.invgauss``, frozen (None without a rising
        drift: no failure foreseen)."""
        mu, sigma = self.drift, self.diffusion
        if not (mu > 0 and sigma > 0):
            return None
        return Wiener(mu, sigma, max(self.threshold, self._last[1] + 1e-12), self._last[1]).life()

    def risk(self, within: float) -> float:
        """``P(remaining life <= within)`` from the last reading: the inverse Gaussian's CDF in closed form
        (Chhikara & Folks 1989), ``Phi(sqrt(l/w)(w/m - 1)) + exp(2 l/m) Phi(-sqrt(l/w)(w/m + 1))`` with mean ``m``
        and shape ``l``; 0 without a rising drift."""
        from scipy.special import log_ndtr, ndtr

        mu, sigma = self.drift, self.diffusion
        if not (mu > 0 and sigma > 0 and within > 0):
            return 0.0
        gap = self.threshold - self._last[1]
        if gap <= 0:
            return 1.0
        m, shape = gap / mu, gap * gap / sigma**2
        root = math.sqrt(shape / within)
        return float(ndtr(root * (within / m - 1)) + math.exp(2 * shape / m + log_ndtr(-root * (within / m + 1))))
