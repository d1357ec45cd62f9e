"""Residence-time distributions of the line and what they predict: traceability by convolution.

The blender is ``n`` stirred tanks in series of total mean residence time ``tau`` (a gamma distribution, mean
``tau``, variance ``tau**2 / n``); the press's feed frame is one stirred tank (mean and standard deviation
``tau_ff``). The line's RTD is their convolution. Convolving what the feeders delivered with it predicts what the
press receives, so every tablet's content and the share of every raw-material lot in it follow from the feeders'
records alone: the RTD-based traceability of Engisch & Muzzio, J. Pharm. Innov. 11 (2016) 64-81. The same RTD
maps which feeder upsets, by size and length, push the content out of its limits (:func:`funnel`).
"""
from __future__ import annotations

import numpy as np
from scipy import linalg, signal


def _tanks(dt: float, steps: int, rates: np.ndarray) -> np.ndarray:
    """What is left in each of a series of stirred tanks (each empties into the next at its rate in ``rates``, 1/s)
    at ``j dt``, ``j = 0..steps``, after a unit pulse into the first at t = 0. The tanks are a linear system
    ``x' = A x``; one step is the matrix exponential ``expm(A dt)``, exact."""
    A = np.diag(-rates) + np.diag(rates[:-1], -1)
    step = linalg.expm(A * dt)
    x = np.zeros((steps + 1, rates.size))
    x[0, 0] = 1.0
    for j in range(steps):
        x[j + 1] = step @ x[j]
    return x


def _rates(tau: float, n: int, tau_ff: float | None) -> np.ndarray:
    return np.array([n / tau] * n + ([] if tau_ff is None else [1 / tau_ff]))


def line_cdf(dt: float, steps: int, tau: float, n: int, tau_ff: float) -> np.ndarray:
    """``F(j dt)``, ``j = 0..steps``: the fraction of a pulse fed at t = 0 that has left the feed frame."""
    return 1.0 - _tanks(dt, steps, _rates(tau, n, tau_ff)).sum(axis=1)


def exit_age(dt: float, steps: int, tau: float, n: int, tau_ff: float | None = None) -> np.ndarray:
    """``E(j dt)``, ``j = 0..steps`` (1/s): the outflow after a unit pulse into the blender's ``n`` tanks of total
    mean residence time ``tau``, the blender alone (``tau_ff`` None; one stirred tank is ``n = 1``) or followed by
    the feed frame (the line)."""
    rates = _rates(tau, n, tau_ff)
    return _tanks(dt, steps, rates)[:, -1] * rates[-1]


def funnel(durations: np.ndarray, magnitudes: np.ndarray, tau: float, n: int, tau_ff: float, share: float,
           dt: float = 0.5) -> np.ndarray:
    """The line's disturbance map (the "funnel plot" of Garcia-Munoz et al., AIChE J. 64 (2018) 511-525): the API
    content at the press at its furthest from target, as a fraction of it, when the API feeder delivers ``1 + m``
    times its rate for ``d`` seconds, the rest steady; one row per magnitude ``m``, one column per duration ``d``.

    A square pulse leaves the line as ``m (F(t) - F(t - d))`` of the feeder's rate (``F``: :func:`line_cdf`), at
    most ``m p(d)``. The tanks carry every component alike, so the other components' flow at the press is unchanged
    and the content is ``(1 + m p) / (1 + share m p)`` of target (``share``: the API feeder's share of the line's
    flow), furthest from target where ``m p`` is."""
    durations, magnitudes = np.asarray(durations, float), np.asarray(magnitudes, float)
    span = tau * (1 + 10 / np.sqrt(n)) + 25 * tau_ff
    steps = int(np.ceil((durations.max() + span) / dt)) + 2
    F = line_cdf(dt, steps, tau, n, tau_ff)
    t = np.arange(steps + 1) * dt
    peak = np.array([np.max(F - np.interp(t - d, t, F, left=0.0)) for d in durations])
    f = np.outer(magnitudes, peak)
    return (1 + f) / (1 + share * f)


def kernel(dt: float, tau: float, n: int, tau_ff: float | None) -> np.ndarray:
    """Weights ``w_j = F((j+1) dt) - F(j dt)``: the share of what entered ``j`` steps ago that reaches the press now
    (the blender's outlet if ``tau_ff`` is None; long enough that less than ``1e-9`` of a pulse is left out)."""
    steps = int(np.ceil((tau * (1 + 10 / np.sqrt(n)) + 25 * (tau_ff or 0.0)) / dt)) + 2
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


def fifo_outflow(t: np.ndarray, flow: np.ndarray, grid: np.ndarray, refills: list[float], left: float) -> np.ndarray:
    """Each lot's mean outflow over each grid step (one row per lot) from a first-in first-out (mass-flow) hopper.

    Lot 0 was in the hopper at t = 0; lot ``i`` was poured in at ``refills[i - 1]`` onto ``left`` kg of older
    material, so it leaves the feeder once ``left`` kg more have been delivered."""
    delivered = np.concatenate([[0.0], np.cumsum(np.diff(t) * (flow[1:] + flow[:-1]) / 2)])
    at_grid = np.interp(grid, t, delivered)
    bounds = [-np.inf, *(np.interp(refills, t, delivered) + left), np.inf]
    return np.array([np.diff(np.clip(at_grid, lo, hi)) / np.diff(grid)
                     for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)])


def mixed_outflow(t: np.ndarray, flow: np.ndarray, grid: np.ndarray, refills: list[float], duration: float,
                  rate: float, t_mass: np.ndarray, mass: np.ndarray) -> np.ndarray:
    """Each lot's mean outflow over each grid step from a perfectly mixed hopper (hopper mass ``mass`` recorded at
    ``t_mass``; lot ``i`` poured in from ``refills[i - 1]`` for ``duration`` at ``rate``).

    A lot's share of the outflow is its share of the hopper. Between refills the shares stay; while a lot pours in
    at ``r`` against the outflow ``F``, every older share falls by the factor ``(m / m0)**(-r / (r - F))`` (the
    balance ``x_i' = -r x_i / m`` with ``m' = r - F``, integrated exactly for constant ``r`` and ``F``), and the
    new lot takes the rest. Shares are taken at each step's midpoint."""
    mid = (grid[:-1] + grid[1:]) / 2
    m = np.interp(mid, t_mass, mass)
    kept = np.ones((len(refills) + 1, mid.size))      # row j: what refill j leaves of the older lots' shares
    kept[0] = 0.0                                     # lot 0 had the hopper to itself
    for j, start in enumerate(refills, start=1):
        exponent = -rate / (rate - np.interp(start + duration / 2, t, flow))
        m0, m1 = np.interp([start, start + duration], t_mass, mass)
        kept[j] = np.where(mid < start, 1.0, np.where(mid > start + duration, (m1 / m0) ** exponent,
                                                      (m / m0) ** exponent))
    later = np.flipud(np.cumprod(np.flipud(np.vstack([kept[1:], np.ones(mid.size)])), axis=0))
    shares = (1 - kept) * later        # lot i: what it took of refill i, times what the later refills left of it
    return shares * step_means(t, flow, grid)


def lot_shares(outflows: np.ndarray, steady: float, w: np.ndarray) -> np.ndarray:
    """Each lot's share of one feeder's material reaching the press, one row per lot (from :func:`fifo_outflow` or
    :func:`mixed_outflow`): every lot's outflow goes through the line's RTD like any flow (lot 0 filled the line
    at ``steady`` before t = 0)."""
    flows = np.array([propagate(o, steady if i == 0 else 0.0, w) for i, o in enumerate(outflows)])
    return flows / np.maximum(flows.sum(axis=0), 1e-300)


def moments(t: np.ndarray, E: np.ndarray) -> tuple[float, float]:
    """Mean and variance of a response ``E(t)`` on a uniform grid (trapezoid rule)."""
    area = np.trapezoid(E, t)
    mean = np.trapezoid(t * E, t) / area
    return mean, np.trapezoid((t - mean) ** 2 * E, t) / area
