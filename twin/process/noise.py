"""Coloured noise for plant models: the discretised first-order Gauss-Markov process (AR(1)).

``e_k = a e_{k-1} + sd sqrt(1 - a**2) w_k`` with ``a = exp(-dt / time)`` and ``w_k`` standard normal, started
from its stationary distribution: every sample has variance ``sd**2`` and samples ``j`` apart correlate by
``a**j`` (Box, Jenkins & Reinsel, *Time Series Analysis*, section 3.2.4: ``var = sigma_w**2 / (1 - a**2)``).
"""
from __future__ import annotations

import numpy as np


def ar1(rng: np.random.Generator, size: int, sd: float, dt: float, time: float) -> np.ndarray:
    """A stationary AR(1) sequence of ``size`` samples ``dt`` apart: standard deviation ``sd``, correlation time
    ``time`` (exact at the samples; ``time`` 0 gives white noise)."""
    w = rng.standard_normal(size)
    if sd == 0 or size == 0:
        return np.zeros(size)
    from scipy import signal  # here: a scenario's check imports the units, and SciPy's signal costs 0.3 s

    a = np.exp(-dt / time) if time > 0 else 0.0
    rest = signal.lfilter([sd * np.sqrt(1 - a * a)], [1, -a], w[1:], zi=[a * sd * w[0]])[0]
    return np.concatenate([[sd * w[0]], rest])
