"""The control limits against the textbook formulas computed here independently, and against the exact
distribution of SPE drawn by simulation.

References: T-squared of a new sample, Tracy, Young & Mason (1992) and MacGregor & Kourti (1995) eq. 3;
SPE, Jackson & Mudholkar (1979) eq. 3.4 and Box (1954) theorem 3.1; Nomikos & MacGregor (1995) eq. 11.
"""
import numpy as np
import pytest
from scipy import stats

from twin.monitor.limits import spe_limit, t2_limit


@pytest.mark.parametrize(("a", "n", "alpha"), [(1, 20, 0.95), (3, 100, 0.99), (10, 5000, 0.999)])
def test_t2_limit_is_the_f_formula(a, n, alpha):
    by_hand = a * (n * n - 1) / (n * (n - a)) * stats.f(a, n - a).ppf(alpha)
    assert t2_limit(a, n, alpha) == pytest.approx(by_hand, rel=1e-12)


def test_t2_limit_is_hotellings_law_for_a_new_sample():
    """With all variables kept, T-squared of a new sample is exactly Hotelling's, whose scaled F law the limit is:
    drawn 20,000 times (new training set each time), the exceedance is 5 % within its binomial interval."""
    rng = np.random.default_rng(3)
    a, n, reps = 3, 15, 20000
    x = rng.normal(size=(reps, n, a))
    mean = x.mean(axis=1, keepdims=True)
    cov = np.einsum("rni,rnj->rij", x - mean, x - mean) / (n - 1)
    new = rng.normal(size=(reps, a)) - mean[:, 0]
    t2 = np.einsum("ri,ri->r", new, np.linalg.solve(cov, new[..., None])[..., 0])
    hits = int((t2 > t2_limit(a, n, 0.95)).sum())
    assert stats.binomtest(hits, reps, 0.05).pvalue > 1e-3


LAMBDAS = [np.array([0.5, 0.3, 0.2, 0.1]), np.array([2.0, 0.1, 0.1, 0.05, 0.05, 0.01]), np.full(5, 0.2)]


@pytest.mark.parametrize("lam", LAMBDAS)
def test_jackson_mudholkar_is_its_formula(lam):
    alpha = 0.99
    t1, t2, t3 = lam.sum(), (lam**2).sum(), (lam**3).sum()
    h0 = 1 - 2 * t1 * t3 / (3 * t2**2)
    c = stats.norm.ppf(alpha)
    q = t1 * (c * np.sqrt(2 * t2 * h0**2) / t1 + 1 + t2 * h0 * (h0 - 1) / t1**2) ** (1 / h0)
    assert spe_limit(lam, alpha) == pytest.approx(q, rel=1e-12)


@pytest.mark.parametrize("lam", LAMBDAS)
@pytest.mark.parametrize("method", ["jackson-mudholkar", "box"])
def test_spe_limits_hold_their_confidence_under_the_exact_law(lam, method):
    """SPE of a Gaussian sample is sum_j l_j chi2(1) over the left-out eigenvalues. Drawn 400,000 times, the share
    over the 99 % limit is 1 % within 0.3 %: both are approximations (with four eigenvalues Jackson-Mudholkar's limit
    is 4 % above the exact quantile, 4.375 against 4.216 by Imhof's 1961 inversion), good to a few tenths of the
    false-alarm rate. With equal eigenvalues the law is a scaled chi-square and Box's limit is exact."""
    rng = np.random.default_rng(7)
    draws = (rng.standard_normal((400_000, len(lam))) ** 2) @ lam
    limit = spe_limit(lam, 0.99, method)
    assert 0.007 < (draws > limit).mean() < 0.013
    if np.ptp(lam) == 0:
        exact = lam[0] * stats.chi2.ppf(0.99, len(lam))
        assert limit == pytest.approx(exact, rel=1e-12 if method == "box" else 3e-3)


def test_box_matches_the_first_two_moments():
    lam = LAMBDAS[1]
    g_h = stats.chi2(lam.sum() ** 2 / (lam**2).sum(), scale=(lam**2).sum() / lam.sum())
    assert g_h.mean() == pytest.approx(lam.sum()) and g_h.var() == pytest.approx(2 * (lam**2).sum())
    assert spe_limit(lam, 0.95, "box") == pytest.approx(g_h.ppf(0.95), rel=1e-12)


def test_nomikos_macgregor_from_the_training_moments():
    m, v = 2.0, 3.0
    assert spe_limit(None, 0.99, "nomikos-macgregor", (m, v)) == pytest.approx(
        v / (2 * m) * stats.chi2.ppf(0.99, 2 * m * m / v), rel=1e-12)


@pytest.mark.parametrize("bad", [0, 1, 1.5, -0.1, float("nan"), "0.9"])
def test_confidence_outside_zero_one_is_refused(bad):
    with pytest.raises(ValueError, match="confidence must be strictly between 0 and 1"):
        t2_limit(2, 100, bad)
    with pytest.raises(ValueError, match="confidence must be strictly between 0 and 1"):
        spe_limit(LAMBDAS[0], bad)
