"""The plant's instruments, read as the run goes: each turn of the Twin's clock they report what happened since the
last one as tags on the bus, so the twin's estimator and controller see what a plant's historian would hold by then.

On the bus, per feeder ``<tag>.cell_flow`` (kg/s): what its load cells report for each sample step, stamped at the
step's end, when its mean is known; for the probe ``<pat>.sample`` (API mass fraction): its raw samples, NaN and
BAD in a dropout. The noise models are those of :mod:`.instruments` (AR(1) flow noise, white load-cell noise and
bias, NIR noise and bias), their random numbers drawn up front from the run's streams, so the readings are the
same whenever they are computed; each turn uses the plant's records up to now only (the outlet's response to the
feeders' noise is the blender's RTD over the steps so far, :func:`tail`).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from scenarios.continuous_manufacturing import instruments, observer
from scenarios.continuous_manufacturing.params import Feeder, Pat
from twin.tags import Quality


@dataclass(frozen=True)
class Noise:
    """One feeder's instruments: ``flow`` the relative short-term flow noise per step (AR(1)), ``cells`` the load
    cells' white noise (kg/s) per step, ``bias`` the load cells' true relative bias, ``believed`` the one the twin
    corrects for, ``stuck`` the step from which the report freezes (None: never)."""

    flow: np.ndarray
    cells: np.ndarray
    bias: float
    believed: float
    stuck: int | None = None


def tail(steps: np.ndarray, steady: float, w: np.ndarray, start: int) -> np.ndarray:
    """:func:`.rtd.propagate` of ``steps`` at the grid points ``start .. steps.size`` only (the outlet at point
    ``k`` needs the steps before it: causal); equal to ``rtd.propagate(steps, steady, w)[start:]``."""
    first = start - w.size                  # the segment: padded[start + 1:], padded = [steady] * (w.size + 1) + steps
    segment = steps[max(first, 0):]
    if first < 0:
        segment = np.concatenate([np.full(-first, steady), segment])
    return np.convolve(segment, w, mode="valid")


class Gauges:
    """The load cells of ``feeders`` (tag -> :class:`Noise`) and the NIR probe ``pat`` (sampling every ``every``
    steps with relative ``nir_noise`` times ``z``, bias ``nir_bias`` and ``dropped`` per grid point), on the Twin's
    bus. ``rates``: each feeder's steady flow before t = 0; ``api``: the API's feeders; ``outlet``: the tag of the
    blender outlet's API fraction in the Twin, ``w``: the plant blender's RTD weights (:func:`.rtd.kernel`)."""

    def __init__(self, twin, grid: np.ndarray, feeders: Mapping[str, Noise], rates: Mapping[str, float],
                 api: set[str], target: float, outlet: str, w: np.ndarray, pat: str, every: int, nir_noise: float,
                 nir_bias: np.ndarray, dropped: np.ndarray, z: np.ndarray) -> None:
        self.twin, self.grid, self.noise, self.rates = twin, grid, dict(feeders), dict(rates)
        self.api, self.target, self.outlet_tag, self.w, self.pat = set(api), target, outlet, w, pat
        self.every, self.nir_noise, self.nir_bias, self.dropped, self.z = every, nir_noise, nir_bias, dropped, z
        steps = grid.size - 1
        self.flows = {tag: np.empty(steps) for tag in feeders}       # the Twin's step means (the loop's reading)
        self.true_flows = {tag: np.empty(steps) for tag in feeders}  # what the screws really delivered
        self.read = {tag: np.empty(steps) for tag in feeders}        # what the load cells report
        self.outlet = np.empty(grid.size)                            # the plant's true API fraction at the outlet
        self.samples = np.full((grid.size - 1) // every + 1, np.nan)
        self.noisy = any(n.flow.any() or n.bias for n in feeders.values())
        self.k = 0                                                   # grid points read so far
        bus = twin.tags
        for tag in feeders:
            bus.define(f"{tag}.cell_flow", unit="kg/s", description="flow reported by the load cells (step mean)")
        bus.define(f"{pat}.sample", unit="1", description="API mass fraction read by the NIR probe (raw sample)")

    def read_to(self, now: float) -> None:
        """Report every grid point up to ``now`` not reported yet (the Twin has advanced to ``now``)."""
        dt = self.grid[1] - self.grid[0]
        end = min(self.grid.size, int(np.floor(now / dt + 1e-9)) + 1)     # points 0 .. end-1 are known
        if end <= self.k:
            return
        start, bus = self.k, self.twin.tags
        first = max(start, 1)                                              # steps first-1 .. end-2 are new
        for tag, n in self.noise.items():
            if end > 1:
                flows = self.weighed(tag, self.grid[first - 1:end])
                s = slice(first - 1, end - 1)
                self.flows[tag][s] = flows
                delivered = flows * (1 + n.flow[s])
                self.true_flows[tag][s] = delivered / (1 + n.bias)
                read = (delivered + n.cells[s]) / (1 + n.believed)
                if n.stuck is not None and n.stuck < end - 1:
                    frozen = np.arange(first - 1, end - 1) > n.stuck
                    at = self.read[tag][n.stuck] if n.stuck < first - 1 else read[n.stuck - (first - 1)]
                    read = np.where(frozen, at, read)
                self.read[tag][s] = read
                bus.record(f"{tag}.cell_flow", self.grid[first:end], read)
        t, v = _history(bus, self.outlet_tag, self.grid[start])
        ends = self.grid[start:end]
        self.outlet[start:end] = v[np.searchsorted(t, ends * (1 + 1e-12), side="right") - 1]
        if self.noisy and end > 1:
            self.outlet[start:end] += self.shift(start, end) * self.target
        self.sample(start, end)
        self.k = end

    def weighed(self, tag: str, points: np.ndarray) -> np.ndarray:
        """What feeder ``tag`` delivered over each step between ``points`` (kg/s), as its hopper's weight lost plus
        what the refills poured in (:func:`.observer.delivered`): exact whatever the flow did within a step (a
        screw stopping at an instant the flow's own records straddle included)."""
        bus = self.twin.tags
        t, m = _history(bus, f"{tag}.m_hopper", points[0])
        mass = m[np.searchsorted(t, points * (1 + 1e-12), side="right") - 1]
        h = bus[f"{tag}.refill"]._history
        return np.diff(observer.delivered(points, mass, h.t[:h.n], h.v[:h.n])) / np.diff(points)

    def shift(self, start: int, end: int) -> np.ndarray:
        """What the feeders' noise and the load cells' bias move the outlet's content by (fraction of target) at
        points ``start .. end-1``: the RTD's response to the true flows less its response to the Twin's."""
        got = {}
        for name, flows in (("true", self.true_flows), ("twin", self.flows)):
            out = {tag: tail(f[:end - 1], self.rates[tag], self.w, start) for tag, f in flows.items()}
            got[name] = sum(out[tag] for tag in self.api) / np.maximum(sum(out.values()), 1e-12) / self.target
        return got["true"] - got["twin"]

    def sample(self, start: int, end: int) -> None:
        """The probe's raw samples at the points ``start .. end-1`` that fall on its sampling grid."""
        points = np.arange(-(-start // self.every) * self.every, end, self.every)
        if not points.size:
            return
        j = points // self.every
        x = self.outlet[points] * (1 + self.nir_bias[points] + self.nir_noise * self.z[j])
        x = np.where(self.dropped[points], np.nan, x)
        self.samples[j] = x
        bus, name, bad = self.twin.tags, f"{self.pat}.sample", np.isnan(x)
        if not bad.any():
            bus.record(name, self.grid[points], x)
            return
        for tk, xk, b in zip(self.grid[points], x, bad, strict=True):
            bus.write(name, xk, t=tk, quality=Quality.BAD if b else Quality.GOOD)


def _history(bus, name: str, since: float) -> tuple[np.ndarray, np.ndarray]:
    """Tag ``name``'s records from the last one at or before ``since`` on (views, not copies)."""
    h = bus[name]._history
    t = h.t[:h.n]
    i = max(0, int(np.searchsorted(t, since * (1 + 1e-12), side="right")) - 1)
    return t[i:], h.v[i:h.n]


def cell_diffusion(feeders: Mapping[str, Feeder], tags: Iterable[str], dt: float) -> float:
    """The white noise of the load cells of ``tags`` (of ``feeders``, the scenario's) as a filter fed their step
    means over ``dt`` sees it: flow that enters the blender's first tank unseen, a diffusion of ``sqrt(sum (noise *
    rate)**2 * dt)`` kg per sqrt(s)."""
    return float(np.sqrt(sum((feeders[tag].load_cell_noise * feeders[tag].rate) ** 2 for tag in tags) * dt))


def nir_sd(pat: Pat, target: float) -> float:
    """The probe's noise on one raw sample as a filter takes it: ``pat.noise`` relative to the API fraction
    ``target``, at least 0.1 % of it (a filter needs some)."""
    return max(pat.noise, 1e-3) * target


def noises(seed_stream, feeders: Mapping[str, Feeder], truth: Mapping[str, Feeder], steps: int, dt: float,
           stuck: Mapping[str, int]) -> dict[str, Noise]:
    """Each feeder's :class:`Noise` for ``steps`` steps of ``dt``: the flow noise from stream ``(2, i)`` and the
    load cells' from ``(3, i)`` (``seed_stream(*key)`` gives a generator), the true values from ``truth`` and the
    believed bias from ``feeders`` (the model)."""
    out = {}
    for i, (tag, f) in enumerate(feeders.items()):
        t = truth[tag]
        flow = instruments.ar1(seed_stream(2, i), steps, t.flow_noise, dt, t.flow_noise_time)
        cells = t.load_cell_noise * f.rate * seed_stream(3, i).standard_normal(steps)
        out[tag] = Noise(flow, cells, t.load_cell_bias, f.load_cell_bias, stuck.get(tag))
    return out
