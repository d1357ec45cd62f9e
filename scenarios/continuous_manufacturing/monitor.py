"""The twin's view of the content at the press: predicted from what the instruments report, with the band its model
uncertainty allows, and the diversion decision taken on that band (never on the simulator's true content).

Prediction: the load cells' flows (corrected by the bias the twin believes) through the line's RTD. The twin does not
know the line's RTD exactly: ``uncertainty:`` gives ranges of ``blender.tau``, ``blender.tanks`` and
``press.feed_frame_tau``; the content is predicted with every combination of the range's ends and the model's
value (:func:`rtds`) and the band is their envelope, so a plant anywhere in the box of a monotone RTD family is held
inside it. The NIR probe at the blender outlet is carried to the press by the feed frame (an exact first-order lag of
the held samples, the feed frame's own model) over the same range of its residence time. A dropout holds the last
sample. The gate diverts when the band or the NIR's leaves the limits tightened by the margin (see
:func:`scenarios.continuous_manufacturing.release.divert` for the window's minimum length and hysteresis).
"""
from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
from scipy import signal

from scenarios.continuous_manufacturing import instruments, release, rtd

if TYPE_CHECKING:
    from scenarios.continuous_manufacturing.params import CmParams


def rtds(params: CmParams, ranges: Mapping[str, tuple[float, float]]) -> list[tuple[float, int, float]]:
    """``(tau, tanks, feed_frame_tau)`` of the model and of every corner and edge midpoint of the declared box
    (the model's value, the range's ends; every whole number of tanks in its range)."""
    def values(path: str, model: float) -> list[float]:
        low, high = ranges.get(path, (model, model))
        return sorted({low, model, high})

    tau = values("blender.tau", params.blender.tau)
    tanks = params.blender.tanks
    low, high = ranges.get("blender.tanks", (tanks, tanks))
    ns = list(range(max(1, int(np.ceil(low))), int(np.floor(high)) + 1)) or [tanks]
    ff = values("press.feed_frame_tau", params.press.feed_frame_tau)
    model = (params.blender.tau, tanks, params.press.feed_frame_tau)
    return [model] + [c for c in itertools.product(tau, ns, ff) if c != model]


def predict(flows: Mapping[str, np.ndarray], steady: Mapping[str, float], api: set[str], target: float, dt: float,
            cases: list[tuple[float, int, float]]) -> np.ndarray:
    """The content at the press (fraction of target) predicted with each RTD of ``cases``, one row each."""
    return np.array([instruments.content(flows, steady, api, target, rtd.kernel(dt, *case)) for case in cases])


def estimated(flows: Mapping[str, np.ndarray], steady: Mapping[str, float], api: set[str], target: float, dt: float,
              case: tuple[float, int, float], taus: np.ndarray, tau: np.ndarray) -> np.ndarray:
    """The content at the press (fraction of target) predicted with the blender's residence time ``tau`` the
    estimator held at each grid point (the model's tanks and feed frame of ``case``): the predictions with each of
    ``taus`` (a grid over the declared range), interpolated linearly to ``tau`` (clipped to the grid)."""
    rows = predict(flows, steady, api, target, dt, [(t, case[1], case[2]) for t in taus])
    at = np.interp(tau, taus, np.arange(taus.size))
    i = np.minimum(at.astype(int), taus.size - 2)
    k = np.arange(rows.shape[1])
    return rows[i, k] + (at - i) * (rows[i + 1, k] - rows[i, k])


def feed_frame(held: np.ndarray, target: float, dt: float, taus: list[float]) -> np.ndarray:
    """The NIR's held samples (blender outlet) carried to the press by a feed frame of each residence time in
    ``taus`` (an exact first-order lag for a held input, full at the target before t = 0); one row each."""
    rows = []
    for tau in taus:
        a = np.exp(-dt / tau)
        rows.append(signal.lfilter([1 - a], [1, -a], held, zi=[a * target])[0] / target)
    return np.array(rows)


def hold_last(samples: np.ndarray, first: float) -> np.ndarray:
    """``samples`` with every NaN (a dropout) replaced by the last valid sample before it (``first`` at the start)."""
    valid = ~np.isnan(samples)
    index = np.where(valid, np.arange(samples.size), -1)
    index = np.maximum.accumulate(index)
    return np.where(index >= 0, samples[np.maximum(index, 0)], first)


ALARM_FILTER = 10     # samples: a feeder's flow deviation is judged on its moving mean over this many samples
REACH = 1e-2          # the share of a disturbance taken as its first arrival at the press


def feeder_alarms(read: Mapping[str, np.ndarray], setpoints: Mapping[str, np.ndarray], rates: Mapping[str, float],
                  stopped: np.ndarray, threshold: float) -> np.ndarray:
    """Where any feeder is in alarm (one flag per grid step): its screw reported stopped (``stopped``), or the
    moving mean of the flow its load cells report off the moving mean of its set point by more than ``threshold``
    of its nominal rate (``rates``)."""
    if threshold <= 0:
        return np.zeros_like(stopped)
    alarm = stopped.copy()
    kernel = np.ones(ALARM_FILTER) / ALARM_FILTER

    def mean(x):
        return np.convolve(np.concatenate([np.full(ALARM_FILTER - 1, x[0]), x]), kernel, "valid")
    for tag, flow in read.items():
        sp = mean(setpoints[tag])                   # filtered alike: a set point's own step is no alarm
        alarm |= np.abs(mean(flow) - sp) > threshold * rates[tag]
    return alarm


def alarm_windows(alarm: np.ndarray, dt: float, cases: list[tuple[float, int, float]]) -> np.ndarray:
    """What an alarm at the feeders sends to waste at the press: from its start to its end, each shifted by the
    earliest arrival (the fastest RTD of ``cases``: :data:`REACH` of a pulse arrived). The gate opens then, before
    any band or probe may see the upset; when it closes again is the band's decision (it holds the slowest RTD)."""
    out = np.zeros(alarm.size, bool)
    if not alarm.any():
        return out
    first = np.inf
    for tau, n, tau_ff in cases:
        steps = int(np.ceil((tau * (1 + 10 / np.sqrt(n)) + 25 * tau_ff) / dt)) + 2
        first = min(first, np.argmax(rtd.line_cdf(dt, steps, tau, n, tau_ff) > REACH) * dt)
    shift = int(first / dt)
    for start, end in release.windows(alarm):
        out[start + shift: min(alarm.size, end + shift)] = True
    return out


def held(estimates, name: str, grid: np.ndarray, prior: float) -> np.ndarray:
    """The estimator's latest ``name`` (mean) at each grid point: its last update at or before it (``prior``
    before the first)."""
    k = np.searchsorted(estimates.t, grid, side="right") - 1
    return np.where(k >= 0, estimates.mean[name][np.maximum(k, 0)], prior)


def bias_scales(estimates, grid: np.ndarray, prior: float, spread: float = 3.0) -> list[np.ndarray]:
    """What the NIR's readings are divided by to give the content, at each grid point: ``1 + b``, with ``b`` the
    estimator's latest bias (``prior`` before its first update), then ``b -/+ spread`` standard deviations."""
    k = np.searchsorted(estimates.t, grid, side="right") - 1
    mean = held(estimates, "NIR.bias", grid, prior)
    std = np.where(k >= 0, estimates.std["NIR.bias"][np.maximum(k, 0)], estimates.std["NIR.bias"][0])
    return [1 + mean, 1 + mean - spread * std, 1 + mean + spread * std]
