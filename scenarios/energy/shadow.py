"""Shadow mode (guide 41): the energy model running beside the live plant on its tags.

The bridge (or a replay of recorded data) fills a :class:`twin.tags.TagBus` with the site's outdoor dry bulb and
dew point and its metered electric power. :func:`compare` runs the scenario's model on the measured weather over the
scenario's window and sets its predicted electricity against the meter, step by step, with the two figures
ASHRAE Guideline 14 judges a calibrated model by: the normalised mean bias error
``NMBE = sum(m - p) / (n mean(m))`` and the coefficient of variation of the RMS error
``CV(RMSE) = sqrt(sum((m - p)**2) / n) / mean(m)`` (hourly data: a calibrated model within 10% and 30%).
Only samples of good quality are used.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from scenarios.energy import model
from twin.tags import Quality, TagBus

GUIDELINE_14 = {"nmbe": 0.10, "cv_rmse": 0.30}     # hourly calibration limits


@dataclass
class Shadow:
    """The prediction against the meter at the model's steps (W), and the agreement."""

    t: np.ndarray
    predicted: np.ndarray
    measured: np.ndarray
    nmbe: float
    cv_rmse: float
    flows: model.Flows

    @property
    def calibrated(self) -> bool:
        return abs(self.nmbe) <= GUIDELINE_14["nmbe"] and self.cv_rmse <= GUIDELINE_14["cv_rmse"]


def compare(params: Mapping[str, Any], bus: TagBus, *, dry_bulb: str, dew_point: str, meter: str) -> Shadow:
    """The model on the measured weather (tags ``dry_bulb``, ``dew_point`` in K) against the ``meter`` (W)."""
    dry = _good(bus, dry_bulb, params)
    dew = _good(bus, dew_point, params)
    grid = np.union1d(dry[0], dew[0])
    flows = model.balance(params, measured=(grid, np.interp(grid, *dry), np.interp(grid, *dew)))
    times, watts = _good(bus, meter, params)
    measured = np.interp(flows.t, times, watts)
    predicted = flows.power["electricity"]
    error = measured - predicted
    mean = measured.mean()
    return Shadow(flows.t, predicted, measured, nmbe=float(error.sum() / (error.size * mean)),
                  cv_rmse=float(np.sqrt(np.mean(error**2)) / mean), flows=flows)


def _good(bus: TagBus, name: str, params: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """A tag's samples of good quality, which must cover the scenario's window."""
    if name not in bus:
        raise KeyError(f"shadow mode: the tag bus has no tag '{name}' (map it from the plant in the bridge)")
    t, v, q = bus.history(name)
    good = q == Quality.GOOD
    t, v = t[good], np.asarray(v[good], dtype=float)
    if t.size == 0 or t[0] > params["warmup"] or t[-1] < params["horizon"] - params["step"]:
        span = f"{t[0] / 3600:g} h to {t[-1] / 3600:g} h" if t.size else "no good samples"
        raise ValueError(f"shadow mode: tag '{name}' covers {span}, the run needs {params['warmup'] / 3600:g} h "
                         f"to {params['horizon'] / 3600:g} h")
    return t, v
