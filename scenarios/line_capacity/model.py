"""The line-capacity model: batches flow through stages of plant units that break down, get repaired and follow
a shift pattern. One replication on the discrete-event clock (``twin.des``, SimPy's API).

Each stage is a queue of batches in front of its units (tags of the plant, e.g. ``BL-301``, ``BL-302``); a free
unit takes the oldest batch, processes it (process time plus cleaning), and passes it on to the next stage's queue
(bins are staged, so queues are unlimited). A unit works only within the staffed hours of each day (work pauses at
the end of the last shift and resumes at the start of the first). Breakdowns strike after an exponential operating
time (mean ``mtbf``); the repair (exponential, mean ``mttr``) runs at once, and the batch then resumes its remaining
work. Times are in seconds, in the model and in its results (SI, as the viewer reads them); KPIs are measured
over the window ``[warmup, horizon]``.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

import twin.des as des
from scenarios.line_capacity.params import LineParams, Release, Stage
from scenarios.registry import Run

DAY = 86400.0
EVENT_KINDS = ("released", "start", "end", "breakdown", "repaired", "completed")


def sampler(spec: Mapping[str, Any], rng: np.random.Generator) -> Callable[[], float]:
    """A function drawing times (s) from the distribution ``spec`` (``{dist: kind, ...}``, see ``times.py``)."""
    p = spec
    kind = p["dist"]
    if kind == "deterministic":
        value = float(p["value"])
        return lambda: value
    if kind == "exponential":
        return lambda: rng.exponential(p["mean"])
    if kind == "triangular":
        return lambda: rng.triangular(p["low"], p["mode"], p["high"])
    if kind == "uniform":
        return lambda: rng.uniform(p["low"], p["high"])
    if kind == "erlang":
        return lambda: rng.gamma(p["k"], p["mean"] / p["k"])
    if kind == "gamma":
        return lambda: rng.gamma(p["shape"], p["scale"])
    if kind == "lognormal":
        sigma2 = math.log1p((p["sd"] / p["mean"]) ** 2)
        mu, sigma = math.log(p["mean"]) - sigma2 / 2, math.sqrt(sigma2)
        return lambda: rng.lognormal(mu, sigma)
    if kind == "normal":
        def truncated() -> float:
            while (x := rng.normal(p["mean"], p["sd"])) < 0:
                pass
            return x
        return truncated
    raise ValueError(f"unknown distribution {kind!r}")


def stream(seed: np.random.SeedSequence, *key: int) -> np.random.Generator:
    """The random stream ``key`` below ``seed``: adding a unit leaves every other unit's stream unchanged."""
    child = np.random.SeedSequence(seed.entropy, spawn_key=(*seed.spawn_key, *key), pool_size=seed.pool_size)
    return np.random.Generator(np.random.PCG64(child))


class Line:
    """One replication of the line: the DES processes and the statistics they keep."""

    def __init__(self, params: LineParams | Mapping[str, Any], seed: np.random.SeedSequence) -> None:
        p = params if isinstance(params, LineParams) else LineParams.of(params)
        self.env = des.Environment()
        self.horizon, self.warmup = p.horizon, p.warmup
        self.staffed = p.staffed
        self.stages = list(p.stages)
        self.units = [(s, tag) for s in self.stages for tag in p.stages[s].units]
        saturated = p.release.pattern == "saturated"
        self.queues = [des.Store(self.env, capacity=1 if saturated and i == 0 else math.inf)
                       for i in range(len(self.stages))]
        self.busy = dict.fromkeys(self.stages, 0.0)
        self.down = dict.fromkeys(self.stages, 0.0)
        self.wip = 0
        self.wip_area = self._wip_since = 0.0
        self.completed = self.completed_in_window = 0
        self.flow_time_sum = 0.0
        self.arrival: dict[int, float] = {}
        self.log: list[tuple[float, int, int, int]] = []   # (t, unit index or -1 for the line, kind, batch)
        self.samples: list[tuple] = []
        self.env.process(self.release(p.release, stream(seed, 0)))
        for u, (stage, tag) in enumerate(self.units):
            spec = p.stages[stage]
            i, k = self.stages.index(stage), spec.units.index(tag)   # stream keys: stage and place in it
            self.env.process(self.work(u, i, spec, stream(seed, 1, i, k), stream(seed, 2, i, k)))
        self.env.process(self.sample(p.trace_interval))

    # -- bookkeeping ----------------------------------------------------------------------------------------------
    def in_window(self, t0: float, t1: float) -> float:
        """Length of ``[t0, t1]`` inside the measuring window."""
        return max(0.0, min(t1, self.horizon) - max(t0, self.warmup))

    def change_wip(self, delta: int) -> None:
        now = self.env.now
        self.wip_area += self.wip * self.in_window(self._wip_since, now)
        self.wip, self._wip_since = self.wip + delta, now

    # -- processes ------------------------------------------------------------------------------------------------
    def release(self, spec: Release, rng: np.random.Generator):
        """Release batches into the first stage: at fixed intervals, as a Poisson stream, or whenever it has room."""
        env, first = self.env, self.queues[0]
        gap = {"fixed": lambda: spec.every, "poisson": lambda: rng.exponential(spec.every),
               "saturated": lambda: 0.0}[spec.pattern]
        batch = 0
        while True:
            yield first.put(batch)
            self.arrival[batch] = env.now
            self.change_wip(+1)
            self.log.append((env.now, -1, 0, batch))
            batch += 1
            delay = gap()
            if delay > 0:
                yield env.timeout(delay)

    def work(self, u: int, i: int, spec: Stage, process: np.random.Generator, failures: np.random.Generator):
        """Unit ``u`` of stage ``i``: take batches, work within shifts, break down, get repaired, pass batches on."""
        env, stage = self.env, self.stages[i]
        duration = sampler(spec.process, process)
        cleaning = spec.cleaning
        up_left = failures.exponential(spec.mtbf) if spec.breaks else math.inf
        while True:
            batch = yield self.queues[i].get()
            self.log.append((env.now, u, 1, batch))
            work = duration() + cleaning
            while work > 0:
                off = self.off_shift(env.now)
                if off:
                    yield env.timeout(off)
                    continue
                step = min(work, up_left, self.shift_left(env.now))
                self.busy[stage] += self.in_window(env.now, env.now + step)
                yield env.timeout(step)
                work -= step
                up_left -= step
                if up_left <= 0:
                    repair = failures.exponential(spec.mttr)
                    self.log.append((env.now, u, 3, batch))
                    self.down[stage] += self.in_window(env.now, env.now + repair)
                    yield env.timeout(repair)
                    self.log.append((env.now, u, 4, batch))
                    up_left = failures.exponential(spec.mtbf)
            self.log.append((env.now, u, 2, batch))
            if i + 1 < len(self.stages):
                yield self.queues[i + 1].put(batch)
            else:
                self.complete(batch)

    def complete(self, batch: int) -> None:
        now = self.env.now
        self.change_wip(-1)
        self.completed += 1
        if self.warmup <= now <= self.horizon:
            self.completed_in_window += 1
            self.flow_time_sum += now - self.arrival[batch]
        del self.arrival[batch]
        self.log.append((now, -1, 5, batch))

    def sample(self, interval: float):
        """Record the trace row (time, WIP, completed batches, queue lengths) every ``interval`` seconds."""
        while True:
            self.samples.append((self.env.now, self.wip, self.completed, *(len(q.items) for q in self.queues)))
            yield self.env.timeout(interval)

    # -- the shift calendar ---------------------------------------------------------------------------------------
    def off_shift(self, t: float) -> float:
        """Time from ``t`` to the next start of work if ``t`` is outside the staffed hours, else 0."""
        if self.staffed >= DAY:
            return 0.0
        into_day = t % DAY
        return DAY - into_day if into_day >= self.staffed else 0.0

    def shift_left(self, t: float) -> float:
        return math.inf if self.staffed >= DAY else self.staffed - t % DAY

    # -- the outcome ----------------------------------------------------------------------------------------------
    def run(self) -> Run:
        self.env.run(until=self.horizon)
        self.change_wip(0)
        window = self.horizon - self.warmup
        kpis = {
            "throughput": self.completed_in_window / window,
            "flow_time": self.flow_time_sum / self.completed_in_window if self.completed_in_window else math.nan,
            "wip": self.wip_area / window,
        }
        units = {"throughput": "batches/s", "flow_time": "s", "wip": "batches"}
        for s in self.stages:
            n = sum(1 for stage, _ in self.units if stage == s)
            kpis[f"utilisation.{s}"] = self.busy[s] / (n * window)
            kpis[f"down.{s}"] = self.down[s] / (n * window)
            units[f"utilisation.{s}"] = units[f"down.{s}"] = "-"
        rows = np.array(self.samples, dtype=float)
        traces = {"t": rows[:, 0], "wip": rows[:, 1], "completed": rows[:, 2],
                  **{f"queue.{s}": rows[:, 3 + i] for i, s in enumerate(self.stages)}}
        log = np.array(self.log, dtype=float).reshape(-1, 4)
        tags = np.array(["line", *(tag for _, tag in self.units)], dtype=object)
        events = {"t": log[:, 0], "source": tags[log[:, 1].astype(int) + 1],
                  "event": np.array(EVENT_KINDS, dtype=object)[log[:, 2].astype(int)], "batch": log[:, 3].astype(int)}
        return Run(kpis=kpis, units=units, traces=traces, events=events)


def simulate(params: Mapping[str, Any], seed: np.random.SeedSequence) -> Run:
    """One replication of the line described by ``params`` (resolved scenario parameters, SI units)."""
    return Line(params, seed).run()
