"""Residence-time distributions of the line and what they predict: traceability by convolution.

The blender is ``n`` stirred tanks in series of total mean residence time ``tau`` (a gamma distribution, mean
``tau``, variance ``tau**2 / n``); the press's feed frame is one stirred tank (mean and standard deviation
``tau_ff``). The line's RTD is their convolution. Convolving what the feeders delivered with it predicts what the
press receives, so every tablet's content and the share of every raw-material lot in it follow from the feeders'
records alone: the RTD-based traceability of Engisch & Muzzio, J. Pharm. Innov. 11 (2016) 64-81.
"""
from __future__ import annotations

import numpy as np
from scipy import linalg, signal


def line_cdf(dt: float, steps: int, tau: float, n: int, tau_ff: float) -> np.ndarray:
    """``F(j dt)``, ``j = 0..steps``: the fraction of a pulse fed at t = 0 that has left the feed frame.

    The tanks are a linear system ``x' = A x`` (each tank empties into the next at rate ``n / tau``, the feed
    frame at ``1 / tau_ff``); one step is the matrix exponential ``expm(A dt)``, exact, and ``F = 1 - sum(x)``."""
    rates = np.array([n / tau] * n + [1 / tau_ff])
    A = np.diag(-rates) + np.diag(rates[:-1], -1)
    step = linalg.expm(A * dt)
    x = np.zeros((steps + 1, n + 1))
    x[0, 0] = 1.0
    for j in range(steps):
        x[j + 1] = step @ x[j]
    return 1.0 - x.sum(axis=1)


def kernel(dt: float, tau: float, n: int, tau_ff: float) -> np.ndarray:
    """Weights ``w_j = F((j+1) dt) - F(j dt)``: the share of what entered ``j`` steps ago that reaches the press now
    (long enough that less than ``1e-9`` of a pulse is left out)."""
    steps = int(np.ceil((tau * (1 + 10 / np.sqrt(n)) + 25 * tau_ff) / dt)) + 2
    return np.diff(line_cdf(dt, steps, tau, n, tau_ff))


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


def lot_shares(t: np.ndarray, flow: np.ndarray, grid: np.ndarray, refills: list[float], left: float, steady: float,
               w: np.ndarray) -> np.ndarray:
    """Each lot's share of one feeder's material reaching the press, one row per lot, on ``grid``.

    Lot 0 was in the hopper at t = 0; lot ``i`` was poured in at ``refills[i - 1]`` onto ``left`` kg of older
    material. The hopper is taken as first-in first-out (mass flow), so lot ``i`` leaves the feeder once ``left`` kg
    more have been delivered; the mass of each lot in each step then goes through the line's RTD like any flow."""
    delivered = np.concatenate([[0.0], np.cumsum(np.diff(t) * (flow[1:] + flow[:-1]) / 2)])
    at_grid = np.interp(grid, t, delivered)
    bounds = [-np.inf, *(np.interp(refills, t, delivered) + left), np.inf]
    flows = []
    for i, (lo, hi) in enumerate(zip(bounds[:-1], bounds[1:], strict=True)):
        mass = np.diff(np.clip(at_grid, lo, hi))
        flows.append(propagate(mass / np.diff(grid), steady if i == 0 else 0.0, w))
    flows = np.array(flows)
    return flows / np.maximum(flows.sum(axis=0), 1e-300)


def moments(t: np.ndarray, E: np.ndarray) -> tuple[float, float]:
    """Mean and variance of a response ``E(t)`` on a uniform grid (trapezoid rule)."""
    area = np.trapezoid(E, t)
    mean = np.trapezoid(t * E, t) / area
    return mean, np.trapezoid((t - mean) ** 2 * E, t) / area
