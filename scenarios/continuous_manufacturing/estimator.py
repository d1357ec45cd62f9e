"""The twin's estimator of the line, live: the unscented Kalman filter of :mod:`twin.process.estimation` over the
model's own blender and NIR probe, on the Twin's clock, fed by what the plant's instruments report on the bus.

The estimation flowsheet takes the load cells' flows (the API, and the rest of the blend lumped) as inputs at the
blender's inlet; the NIR probe reads the blender's outlet, ``reading = w_API (1 + bias)``. Estimated as augmented
states: the blender's residence time and the probe's bias (prior standard deviations: a declared range taken as -/+
3 of them; a slow random walk on the bias, so a drifting probe is followed, and a jump taken when an innovation is
beyond the :data:`JUMP` quantile: a stepped probe). The line starts full at its recipe, its hold-ups moving with the
residence time (their prior covariance with it). The load cells' white noise enters the first tank as process noise.
The feed frame is downstream of the probe and so not observable from it: the gate covers its range instead
(:mod:`.monitor`).

Every :data:`INTERVAL` of the Twin's clock the filter reads what arrived on the bus (:mod:`.gauges`), predicts on the
load cells' mean flows in sub-steps at the set points' changes and, while the feeders' loops settle after them, of
a quarter of their time constant (the flows move there: an MPC's moves, a stop, the others following a stopped
lead), and
updates with the mean of the last :data:`WINDOW` raw samples at their mean time (a dropout leaves none: the filter
only predicts, and its uncertainty grows). The unscented filter, not the extended one: with the plant's residence
time two prior standard deviations from the model's (the flagship's ``mismatch``), the EKF's linearisation settles
4-9 standard deviations short after the first upset, the UKF within one (measured on the 3 h mismatch test, seeds
7-9); its sigma points integrated by RK4 in one CasADi call.
"""
from __future__ import annotations

import bisect
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from scenarios.continuous_manufacturing import gauges, plant
from twin.process import Flowsheet, ProcessModel
from twin.process.estimation import UnscentedKalmanFilter
from twin.process.model import solids
from twin.process.units import Blender
from twin.tags import Quality

if TYPE_CHECKING:
    from scenarios.continuous_manufacturing.params import CmParams

REST = "rest"               # the blend's other components, lumped
INTERVAL = 60.0             # s between the filter's updates
SETTLE, SETTLE_STEPS = 5, 4  # after a set point moves: sub-steps of a quarter of the feeders' loop time for 5 of them
STEP_FRACTION = 2           # RK4 steps of half the fastest tank's time constant (range's low end): content 4e-5 off
WINDOW = 5                  # samples averaged per update (the last ones, assimilated at their mean time)
BIAS_WALK = 1e-5            # 1/sqrt(s): the probe's bias may wander 0.06 % in an hour (a random walk)
JUMP = 0.9999               # an innovation beyond this chi-square quantile is a jump of the probe's bias ...
QUIET = 600.0               # s ... if no set point moved for this long (else the model is the likelier culprit)


class Probe(ProcessModel):
    """An NIR probe in the stream: passes it on unchanged; ``reading`` is the API mass fraction times ``1 + bias``."""

    def __init__(self, tag: str, components: tuple[str, ...], api: str, bias: float) -> None:
        super().__init__(tag)
        stream = solids(components)
        inlet = self.inlet("in", stream)
        b = self.parameter("bias", bias, "1", "relative bias of the probe's reading")
        total = sum(inlet[f"m_{c}"] for c in components)
        self.output("reading", inlet[f"m_{api}"] / (total + 1e-12) * (1 + b), "1", "API mass fraction read")
        self.outlet("out", stream, {f"m_{c}": inlet[f"m_{c}"] for c in components})


@dataclass(frozen=True)
class Estimates:
    """The filter's outputs on the coarse grid ``t``: content at the press (fraction of target) and its std; each
    estimated parameter's mean and std (name -> array)."""

    t: np.ndarray
    content: np.ndarray
    content_std: np.ndarray
    mean: dict[str, np.ndarray]
    std: dict[str, np.ndarray]


class LineEstimator:
    """The filter of the line on the Twin's clock (see the module docstring): built from the twin's own parameters
    ``params`` (the scenario's values, never the simulated plant's) and the declared ``ranges``; it reads from the
    ``bus`` only what the plant's instruments report (:mod:`.gauges`: ``<feeder>.cell_flow``, ``<pat>.sample``) and
    the set points the twin itself sends (``<feeder>.F_sp``). :meth:`advance` assimilates what arrived up to now;
    the estimates of each update are published as tags (``<blender>.tau.est``/``.std``, ``<pat>.bias.est``/``.std``,
    ``<blender>.w_<api>.est``/``.std``) and kept for the run's record (:meth:`estimates`)."""

    def __init__(self, params: CmParams, ranges: Mapping[str, tuple[float, float]], bus, dt: float,
                 steps: int, interval: float = INTERVAL) -> None:
        blender, pat, feeders = params.blender, params.pat, params.feeders
        api = params.press.api
        total = params.total
        self.target = params.target
        self.api_feeders = params.api_feeders()
        self.feeders = list(feeders)
        self.bus, self.dt, self.interval = bus, dt, float(interval)
        self.every = max(1, round(pat.interval / dt))
        comps = ("API", REST)
        tau, n = blender.tau, blender.tanks
        holdup = {"API": self.target * total * tau, REST: (1 - self.target) * total * tau}
        model = Flowsheet(Blender("BL", comps, tau=tau, n=n, holdup=holdup), Probe("NIR", comps, "API", pat.bias))
        model.connect("BL.out", "NIR.in").boundary("BL.in")
        spread = {"BL.tau": _sd(ranges, "blender.tau", 0.3 * tau), "NIR.bias": _sd(ranges, "pat.bias", 0.01)}
        noise = gauges.nir_sd(pat, self.target) / np.sqrt(WINDOW)
        cells = {name: gauges.cell_diffusion(feeders, tags, dt)
                 for name, tags in (("BL.M_API_1", self.api_feeders),
                                    (f"BL.M_{REST}_1", set(feeders) - set(self.api_feeders)))}
        low = ranges.get("blender.tau", (tau, tau))[0]
        self.ekf = UnscentedKalmanFilter(model.build(), measurements={"NIR.reading": noise}, parameters=spread,
                                         process_noise={"NIR.bias": BIAS_WALK} | {k: v for k, v in cells.items() if v},
                                         max_step=min(low, tau) / n / STEP_FRACTION, gate=JUMP)
        self.jumps: list[float] = []                                    # when the bias was let jump
        self._full_at_start(holdup, tau, n)
        self.flows = {"API": np.zeros(steps), REST: np.zeros(steps)}   # the load cells' flows per step
        self.samples = np.full(steps // self.every + 1, np.nan)          # the probe's samples (NaN: none)
        self.breaks: list[float] = []                                    # sub-step ends not yet passed
        loop = max(f.control_time for f in feeders.values())          # the gravimetric loops' time constant
        fine = max(dt, np.ceil(loop / SETTLE_STEPS / dt) * dt)
        self.settling = np.arange(0.0, SETTLE * loop + fine / 2, fine)  # sub-steps after a set point moved
        self.moves: list[float] = []                                     # every set-point change so far
        self._read = {}                                                   # bus tag -> records already read
        self.t_update = 0.0
        self.record: list[tuple[float, float, float, float, float, float, float]] = []
        self.tags = {"BL.tau": f"{blender.tag}.tau", "NIR.bias": f"{pat.tag}.bias",
                     "BL.w_API": f"{blender.tag}.w_{api}"}
        for name in self.tags.values():
            bus.define(f"{name}.est", description=f"the twin's estimate of {name}")
            bus.define(f"{name}.std", description=f"standard deviation of the twin's estimate of {name}")

    def _full_at_start(self, holdup: Mapping[str, float], tau: float, n: int) -> None:
        """The line starts full at its recipe: each tank holds ``holdup / n``, which moves with the residence time
        (``dM/dtau = M / tau``); their covariance with ``tau`` is set so (the filter's prior is consistent)."""
        f = self.ekf
        J = np.zeros(len(f.names))
        J[f.names.index("BL.tau")] = 1.0
        for c, m in holdup.items():
            for j in range(1, n + 1):
                J[f.names.index(f"BL.M_{c}_{j}")] = m / n / tau
        i = f.names.index("BL.tau")
        var = f.P[i, i]
        f.P = f.P + var * np.outer(J, J)
        f.P[i, i] = var

    # -- reading the bus --------------------------------------------------------------------------------------------
    def _new(self, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        h = self.bus[name]._history                     # read in place: what was read stays
        start = self._read.get(name, 0)
        self._read[name] = h.n
        return h.t[start:h.n], h.v[start:h.n], h.q[start:h.n]

    def _read_bus(self) -> None:
        for tag in self.feeders:
            t, v, _ = self._new(f"{tag}.cell_flow")     # step k ends at (k + 1) dt
            k = np.rint(t / self.dt).astype(int) - 1
            self.flows["API" if tag in self.api_feeders else REST][k] += v
            t, _, _ = self._new(f"{tag}.F_sp")          # the twin's own set points: the flows change there ...
            start = np.ceil(t / self.dt - 1e-9) * self.dt
            self.breaks += list((start[:, None] + self.settling[None, :]).ravel())   # ... and while the loop settles
            self.moves += list(t[t > 0])
        t, v, q = self._new(f"{self.tags['NIR.bias'].split('.')[0]}.sample")
        good = (q != Quality.BAD) & np.isfinite(v)
        self.samples[np.rint(t[good] / (self.dt * self.every)).astype(int)] = v[good]
        self.breaks = sorted({b for b in self.breaks if b > self.ekf.t})
        self.moves.sort()

    # -- the filter's turns -----------------------------------------------------------------------------------------
    def advance(self, now: float) -> None:
        """Assimilate what the instruments reported up to ``now``: every :data:`INTERVAL` an update with the mean
        of the last :data:`WINDOW` samples at their mean time; between them predictions on the load cells' mean
        flows, in sub-steps at the set points' changes."""
        self._read_bus()
        while self.t_update + self.interval <= now + 1e-9:
            self.t_update += self.interval
            t_u = self.t_update
            j1 = int(np.floor(t_u / (self.dt * self.every) + 1e-9)) + 1
            j0 = int(np.floor((t_u - self.interval) / (self.dt * self.every) + 1e-9)) + 1
            chunk = np.arange(max(j0, j1 - WINDOW), j1)
            chunk = chunk[np.isfinite(self.samples[chunk])]
            if chunk.size:
                at = max(self.ekf.t, round(chunk.mean() * self.every) * self.dt)
                self._predict(at)
                reading = {"NIR.reading": float(self.samples[chunk].mean())}
                if not self.ekf.update(reading):     # beyond the gate: the probe's bias jumped (see JUMP)
                    self._beyond(reading)
            self._predict(t_u)
            self._keep(t_u)

    def _predict(self, t: float) -> None:
        """Predict to ``t`` in sub-steps at the set points' changes, on the load cells' mean flow over each."""
        f = self.ekf
        while f.t < t - 1e-9:
            b = bisect.bisect_right(self.breaks, f.t + 1e-9)
            nxt = min(t, self.breaks[b]) if b < len(self.breaks) else t
            k0, k1 = int(round(f.t / self.dt)), int(round(nxt / self.dt))
            if k1 > k0:
                f.predict(nxt, {"BL.in.m_API": self.flows["API"][k0:k1].mean(),
                                f"BL.in.m_{REST}": self.flows[REST][k0:k1].mean()})
            else:
                f.predict(nxt)

    def _beyond(self, reading: Mapping[str, float]) -> None:
        """An innovation beyond the gate. On a steady line (no set point moved for :data:`QUIET`) the probe's bias
        jumped: its variance grows by the innovation's square in bias units (``reading = w (1 + bias)``), so the
        update moves the bias, not the blender. In a transient the model is the likelier culprit (a residence time
        still off, the blender's tanks not the plant's): the update is made as it is."""
        f, i = self.ekf, self._i("NIR.bias")
        k = bisect.bisect_right(self.moves, f.t)
        if not k or f.t - self.moves[k - 1] >= QUIET:
            f.P[i, i] += (f.innovation["NIR.reading"] / max(f.mean("BL.w_API"), 1e-6)) ** 2
            self.jumps.append(f.t)
        gate, f.gate = f.gate, None
        f.update(reading)
        f.gate = gate

    def _keep(self, t: float) -> None:
        f = self.ekf
        row = (t, f.mean("BL.w_API") / self.target, f.std("BL.w_API") / self.target, *f.s[[self._i("BL.tau"),
               self._i("NIR.bias")]], *np.sqrt(np.diag(f.P)[[self._i("BL.tau"), self._i("NIR.bias")]]))
        self.record.append(row)
        for name, tag in self.tags.items():
            self.bus.write(f"{tag}.est", f.mean(name), t=t)
            self.bus.write(f"{tag}.std", f.std(name), t=t)

    def _i(self, name: str) -> int:
        return self.ekf.model.index(name)

    def estimates(self) -> Estimates:
        """Every update's estimates (see :class:`Estimates`)."""
        r = np.array(self.record).reshape(-1, 7)
        return Estimates(r[:, 0], r[:, 1], r[:, 2], {"BL.tau": r[:, 3], "NIR.bias": r[:, 4]},
                         {"BL.tau": r[:, 5], "NIR.bias": r[:, 6]})


def _sd(ranges, path: str, default: float) -> float:
    """The declared range of ``path`` as a standard deviation (:func:`.plant.spread`), else ``default``."""
    return plant.spread(*ranges[path]) if path in ranges else default
