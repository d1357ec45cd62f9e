"""The twin's estimator of the line: the extended Kalman filter of :mod:`twin.process.estimation` over the model's
own blender and NIR probe, fed by what the plant's instruments report.

The estimation flowsheet takes the load cells' flows (the API, and the rest of the blend lumped) as inputs at the
blender's inlet; the NIR probe reads the blender's outlet, ``reading = w_API (1 + bias)``. Estimated as augmented
states: the blender's residence time and the probe's bias (prior standard deviations: a declared range taken as -/+
3 of them; a slow random walk on the bias, so a drifting or stepped probe is followed). The load cells' white noise
enters the first tank as process noise. The feed frame is downstream of the probe and so not observable from it: the
gate covers its range instead (:mod:`.monitor`). The filter updates every :data:`INTERVAL` with the mean of the last
:data:`WINDOW` raw samples (a dropout leaves NaN: the filter only predicts, and its uncertainty grows).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from twin.process import Flowsheet, ProcessModel
from twin.process.estimation import ExtendedKalmanFilter
from twin.process.model import solids
from twin.process.units import Blender

REST = "rest"               # the blend's other components, lumped
INTERVAL = 60.0             # s between the filter's updates (its share of the run's time is ~1 ms per update)
WINDOW = 5                  # samples averaged per update (the last ones: their mean lags the update by 2 s)
BIAS_WALK = 1e-4            # 1/sqrt(s): the probe's bias may wander 0.6 % in an hour (a random walk)


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


def estimate(params: Mapping[str, Any], ranges: Mapping[str, tuple[float, float]], grid: np.ndarray,
             read: Mapping[str, np.ndarray], samples: np.ndarray, every_nir: int, target: float,
             api_feeders: set[str], interval: float = INTERVAL) -> Estimates:
    """Run the filter over the run: ``read`` the load cells' step-mean flows per feeder on ``grid``'s steps,
    ``samples`` the probe's raw samples (one per ``every_nir`` grid points, NaN in a dropout); one update every
    ``interval`` (s) with the mean of the last :data:`WINDOW` samples before it."""
    every = max(1, int(round(interval / (grid[1] - grid[0]))))
    blender, pat = params["blender"], params["pat"]
    comps = ("API", REST)
    model = Flowsheet(Blender("BL", comps, tau=blender["tau"], n=blender["tanks"],
                              holdup={"API": target * _total(params) * blender["tau"],
                                      REST: (1 - target) * _total(params) * blender["tau"]}),
                      Probe("NIR", comps, "API", pat["bias"]))
    model.connect("BL.out", "NIR.in").boundary("BL.in")
    dae = model.build()
    spread = {"BL.tau": _sd(ranges, "blender.tau", 0.3 * blender["tau"]),
              "NIR.bias": _sd(ranges, "pat.bias", 0.01)}
    noise = max(pat["noise"], 1e-3) * target / np.sqrt(max(1, min(WINDOW, every // every_nir)))
    api = sum(read[tag] for tag in api_feeders)
    rest = sum(read.values()) - api
    # the load cells' white noise enters the first tank unseen: a diffusion of sd * rate * sqrt(dt) per sqrt(s)
    cells = {name: np.sqrt(sum((params["feeders"][tag]["load_cell_noise"] * params["feeders"][tag]["rate"]) ** 2
                               for tag in tags) * (grid[1] - grid[0]))
             for name, tags in (("BL.M_API_1", api_feeders), (f"BL.M_{REST}_1", set(read) - api_feeders))}
    ekf = ExtendedKalmanFilter(dae, measurements={"NIR.reading": noise}, parameters=spread,
                               process_noise={"NIR.bias": BIAS_WALK} | {k: v for k, v in cells.items() if v > 0},
                               rtol=1e-6, atol=1e-10)
    n = (grid.size - 1) // every
    t = grid[every * np.arange(1, n + 1)]
    content, content_std = np.empty(n), np.empty(n)
    names = list(spread)
    mean, std = {k: np.empty(n) for k in names}, {k: np.empty(n) for k in names}
    sampled_at = grid[::every_nir][: samples.size]
    bounds = np.searchsorted(sampled_at, grid[every * np.arange(n + 1)], side="right")
    for k in range(n):
        span = slice(every * k, every * (k + 1))
        ekf.predict(t[k], {"BL.in.m_API": api[span].mean(), f"BL.in.m_{REST}": rest[span].mean()})
        chunk = samples[max(bounds[k], bounds[k + 1] - WINDOW):bounds[k + 1]]   # the last ones up to t[k]
        if np.isfinite(chunk).any():
            ekf.update({"NIR.reading": float(np.nanmean(chunk))})
        content[k], content_std[k] = ekf.mean("BL.w_API") / target, ekf.std("BL.w_API") / target
        for name in names:
            mean[name][k], std[name][k] = ekf.mean(name), ekf.std(name)
    return Estimates(t, content, content_std, mean, std)


def _total(params) -> float:
    return sum(f["rate"] for f in params["feeders"].values())


def _sd(ranges, path: str, default: float) -> float:
    """A declared range as a standard deviation: its half-width over 3 (the range is taken as +/- 3 sd)."""
    if path not in ranges:
        return default
    low, high = ranges[path]
    return max((high - low) / 6, 1e-9)
