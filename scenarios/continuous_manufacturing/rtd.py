"""Residence-time distributions of the line and what they predict: traceability by convolution.

The blender is ``n`` stirred tanks in series of total mean residence time ``tau`` (a gamma distribution, mean
``tau``, variance ``tau**2 / n``); the press's feed frame is one stirred tank (mean and standard deviation
``tau_ff``). The line's RTD is their convolution. Convolving what the feeders delivered with it predicts what the
press receives, so every tablet's content and the share of every raw-material lot in it follow from the feeders'
records alone (Engisch & Muzzio, J. Pharm. Innov. 11 (2016) 64-81, use the same tanks-in-series description).
"""
from __future__ import annotations

import numpy as np
from scipy import signal, stats


def line_cdf(t: np.ndarray, tau: float, n: int, tau_ff: float) -> np.ndarray:
    """``F(t)``, the fraction of a pulse that has left the feed frame by ``t`` (blender gamma * feed-frame exponential).

    Closed form of the convolution: ``F = G_n(t) - exp(-t/tau_ff) * M(t)`` with ``M`` the gamma's moment-generating
    integral, computed as the gamma CDF at a shifted rate (valid while the feed frame is not the same tank size)."""
    t = np.asarray(t, float)
    blender = stats.gamma(n, scale=tau / n)
    rate, rate_ff = n / tau, 1 / tau_ff
    if np.isclose(rate, rate_ff):
        return stats.gamma(n + 1, scale=tau / n).cdf(t)
    # int_0^t g(s) exp(s/tau_ff) ds = (rate/(rate - rate_ff))**n * Gamma_cdf(t; n, rate - rate_ff), rate > rate_ff
    if rate > rate_ff:
        shifted = (rate / (rate - rate_ff)) ** n * stats.gamma(n, scale=1 / (rate - rate_ff)).cdf(t)
        return blender.cdf(t) - np.exp(-t * rate_ff) * shifted
    # a slow feed frame: numerical convolution on a fine grid
    fine = np.linspace(0, t.max(), 20001)
    density = np.convolve(blender.pdf(fine), stats.expon(scale=tau_ff).pdf(fine))[: fine.size] * fine[1]
    return np.interp(t, fine, np.cumsum(density) * fine[1])


def kernel(dt: float, tau: float, n: int, tau_ff: float) -> np.ndarray:
    """Weights ``w_j = F((j+1) dt) - F(j dt)``: the share of what entered ``j`` steps ago that reaches the press now."""
    length = int(np.ceil((tau * (1 + 8 / np.sqrt(n)) + 12 * tau_ff) / dt)) + 2
    return np.diff(line_cdf(np.arange(length + 1) * dt, tau, n, tau_ff))


def step_means(t: np.ndarray, flow: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """The mean of a recorded ``flow(t)`` over each step ``[grid[k-1], grid[k]]`` (trapezoid rule on every record,
    events between grid points included), so the steps carry exactly the mass that was delivered."""
    mass = np.concatenate([[0.0], np.cumsum(np.diff(t) * (flow[1:] + flow[:-1]) / 2)])
    return np.diff(np.interp(grid, t, mass)) / np.diff(grid)


def propagate(steps: np.ndarray, steady: float, w: np.ndarray) -> np.ndarray:
    """The outlet flow at the grid points ``0, dt, ...`` predicted from the inflow ``steps`` (the mean over each
    step, :func:`step_means`) with weights ``w`` (:func:`kernel`), the line full at ``steady`` before t = 0."""
    padded = np.concatenate([np.full(w.size + 1, steady), steps])
    return signal.oaconvolve(padded, w)[w.size: w.size + steps.size + 1]


def moments(t: np.ndarray, E: np.ndarray) -> tuple[float, float]:
    """Mean and variance of a response ``E(t)`` on a uniform grid (trapezoid rule)."""
    area = np.trapezoid(E, t)
    mean = np.trapezoid(t * E, t) / area
    return mean, np.trapezoid((t - mean) ** 2 * E, t) / area
