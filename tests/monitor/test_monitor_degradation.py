"""Degradation processes and the RUL estimate against their analytical laws.

References: the first passage of a Wiener process with drift is inverse Gaussian (Chhikara & Folks 1989, eq. 1.1;
scipy.stats.invgauss); a gamma process's is given by the regularised incomplete gamma function (van Noortwijk
2009, eq. 5); the drift's maximum-likelihood estimate is the rise over the time, with variance sigma^2 / T.
"""
import doctest

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import twin.monitor.degradation
from twin.monitor.degradation import Gamma, RULEstimator, Wiener


def test_docstring_example_runs():
    assert doctest.testmod(twin.monitor.degradation).failed == 0


def binned_fit(times: np.ndarray, cdf, grid: np.ndarray, dt: float) -> float:
    """Chi-square p-value of failure times recorded at the end of their step of ``dt`` against the law: the share
    failed by each ``grid`` time (a step's end) is ``cdf(grid)``; bins are cut half a step later."""
    counts = np.histogram(times, np.concatenate([[-np.inf], grid + dt / 2, [np.inf]]))[0]
    p = np.diff(np.concatenate([[0.0], cdf(grid), [1.0]]))
    return stats.chisquare(counts, len(times) * p).pvalue


@given(drift=st.floats(0.2, 2), diffusion=st.floats(0.1, 1.5), gap=st.floats(2, 20))
@settings(max_examples=5, deadline=None)
def test_wiener_first_passage_is_inverse_gaussian(drift, diffusion, gap):
    """Paths stepped on a grid, crossings between steps by the Brownian bridge: the share failed by each grid time
    is exact, so the binned failure times follow the inverse Gaussian law at the grid's bin edges."""
    wear = Wiener(drift, diffusion, gap)
    life = wear.life()
    dt = life.mean() / 200
    times = wear.failure_times(np.random.default_rng(0), 20_000, dt)
    grid = dt * np.round(life.ppf(np.linspace(0.05, 0.95, 10)) / dt)
    assert binned_fit(times, life.cdf, grid, dt) > 1e-4
    assert life.mean() == pytest.approx(gap / drift) and life.var() == pytest.approx(gap * diffusion**2 / drift**3)


def test_gamma_first_passage_is_the_incomplete_gamma():
    wear = Gamma(alpha=2.0, beta=0.5, threshold=30.0)
    rng = np.random.default_rng(1)
    dt = 0.1
    paths = np.cumsum(rng.gamma(wear.alpha * dt, wear.beta, size=(20_000, 600)), axis=1)
    failed = np.argmax(paths >= wear.threshold, axis=1)
    assert (paths[:, -1] >= wear.threshold).all()
    times = (failed + 1) * dt  # a monotone path is over the threshold from its first step over it on
    assert binned_fit(times, wear.failure_cdf, np.arange(20.0, 40.0, 2.0), dt) > 1e-4


def test_rul_estimator_is_the_maximum_likelihood_and_tightens_as_data_arrive():
    """Over 400 paths, the drift estimate after T hours has mean mu and sd sigma / sqrt(T); the RUL's mean from the
    last reading approaches the true remaining mean as readings accumulate."""
    wear = Wiener(drift=0.5, diffusion=0.4, threshold=100.0)
    rng = np.random.default_rng(2)
    drifts = []
    for _ in range(400):
        t, x = wear.path(rng, dt=1.0, horizon=100)
        rul = RULEstimator(100.0)
        for ti, xi in zip(t, x):
            rul.update(ti, xi)
        drifts.append(rul.drift)
    drifts = np.array(drifts)
    assert abs(drifts.mean() - 0.5) < 4 * 0.04 / np.sqrt(400) and drifts.std() == pytest.approx(0.04, rel=0.15)
    t, x = wear.path(np.random.default_rng(3), dt=1.0, horizon=180)
    rul, errors = RULEstimator(100.0), []
    for ti, xi in zip(t, x):
        rul.update(ti, xi)
        if ti in (20.0, 180.0):
            truth = Wiener(0.5, 0.4, 100.0, xi).life().mean()
            errors.append(abs(rul.life().mean() - truth) / truth)
    assert errors[1] < errors[0] and errors[1] < 0.1
    assert rul.diffusion == pytest.approx(0.4, rel=0.15)


def test_risk_is_the_inverse_gaussian_cdf_and_renewal_keeps_the_estimates():
    rul = RULEstimator(1.0)
    for t, x in ((0, 0.0), (10, 0.05), (20, 0.12), (30, 0.14)):
        rul.update(t, x)
    drift, diffusion = rul.drift, rul.diffusion
    for within in (1.0, 50.0, 130.0, 1e4):
        assert rul.risk(within) == pytest.approx(rul.life().cdf(within), rel=1e-9, abs=1e-300)
    rul.renew()
    rul.update(100.0, 0.0)  # a new path: no increment across the replacement
    assert (rul.drift, rul.diffusion) == (drift, diffusion)
    rul.update(110.0, 0.05)
    assert rul.drift == pytest.approx(0.19 / 40)


def test_bad_parameters_and_readings():
    with pytest.raises(ValueError, match="drift > 0"):
        Wiener(0.0, 1.0, 5.0)
    rul = RULEstimator(5.0)
    rul.update(1.0, 0.1)
    assert rul.life() is None and np.isnan(rul.drift)
    with pytest.raises(ValueError, match="increasing time"):
        rul.update(1.0, 0.2)
