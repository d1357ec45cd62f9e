"""What the plant's instruments see: short-term feeder flow noise, load cells, the NIR probe's raw samples.

The Twin integrates the feeders' controlled flows; around them the real screws deliver short-term noise that the
gravimetric loop does not remove: an AR(1) sequence per feeder on the sample grid, ``e_k = a e_{k-1} + sd
sqrt(1 - a**2) w_k`` with ``a = exp(-dt / time)``, stationary from the start (variance ``sd**2``, correlation
``exp(-lag / time)``). Vendors state a feeder's short-term accuracy ("repeatability") as the standard deviation
of consecutive timed catch samples in percent of the rate; the flagship's 2 % at 3 s correlation is a stated
engineering assumption for a cohesive API at 6 kg/h, not a measured feeder. The load cells
read the flow with a relative ``bias`` (the loop controls the reading, so the true flow is the reading over ``1 +
bias``) and white ``noise`` relative to the feeder's rate. Blender and feed frame are linear in the flows, so the
noise's effect on the content is the RTD's response to it (:func:`content`), added to the Twin's own content.

The NIR probe samples the blender outlet every ``interval`` with relative white ``noise`` and a ``bias`` (plus any
bias steps of a sensor fault); during a dropout it returns nothing (NaN). :mod:`.gauges` reads all of them as the
run goes.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from scenarios.continuous_manufacturing import rtd
from twin.process.noise import ar1  # noqa: F401  (the feeders' flow noise; the model calls instruments.ar1)


def content(flows: Mapping[str, np.ndarray], steady: Mapping[str, float], api: set[str], target: float,
            w: np.ndarray) -> np.ndarray:
    """The API content (fraction of target) after the RTD of weights ``w`` of the feeders' step-mean ``flows``
    (``api``: the feeders of the API; ``steady``: each feeder's flow before t = 0)."""
    out = {tag: rtd.propagate(f, steady[tag], w) for tag, f in flows.items()}
    return sum(out[tag] for tag in api) / np.maximum(sum(out.values()), 1e-12) / target
