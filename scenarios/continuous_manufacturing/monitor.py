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
from typing import Any

import numpy as np
from scipy import signal

from scenarios.continuous_manufacturing import instruments, rtd


def rtds(params: Mapping[str, Any], ranges: Mapping[str, tuple[float, float]]) -> list[tuple[float, int, float]]:
    """``(tau, tanks, feed_frame_tau)`` of the model and of every corner and edge midpoint of the declared box
    (the model's value, the range's ends; every whole number of tanks in its range)."""
    def values(path: str, model: float) -> list[float]:
        low, high = ranges.get(path, (model, model))
        return sorted({low, model, high})

    tau = values("blender.tau", params["blender"]["tau"])
    tanks = params["blender"]["tanks"]
    low, high = ranges.get("blender.tanks", (tanks, tanks))
    ns = list(range(max(1, int(np.ceil(low))), int(np.floor(high)) + 1)) or [tanks]
    ff = values("press.feed_frame_tau", params["press"]["feed_frame_tau"])
    model = (params["blender"]["tau"], tanks, params["press"]["feed_frame_tau"])
    return [model] + [c for c in itertools.product(tau, ns, ff) if c != model]


def predict(flows: Mapping[str, np.ndarray], steady: Mapping[str, float], api: set[str], target: float, dt: float,
            cases: list[tuple[float, int, float]]) -> np.ndarray:
    """The content at the press (fraction of target) predicted with each RTD of ``cases``, one row each."""
    return np.array([instruments.content(flows, steady, api, target, rtd.kernel(dt, *case)) for case in cases])


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
