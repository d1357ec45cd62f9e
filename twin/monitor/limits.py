"""Control limits of the two PCA monitoring statistics at a stated confidence.

**Hotelling's T-squared** of a new sample scored on ``A`` components of a model fitted on ``n`` samples follows a
scaled F distribution (Tracy, Young & Mason 1992; MacGregor & Kourti 1995, eq. 3)::

    T2_lim = A (n - 1) (n + 1) / (n (n - A)) * F(confidence; A, n - A)

**SPE** (Q, the squared prediction error: what the model's plane does not explain) is a weighted sum of chi-squares
whose weights are the eigenvalues ``l_j`` the model left out. Jackson & Mudholkar (1979) normalise it::

    theta_i = sum_j l_j**i (i = 1, 2, 3),  h0 = 1 - 2 theta1 theta3 / (3 theta2**2)
    Q_lim = theta1 * (c sqrt(2 theta2 h0**2) / theta1 + 1 + theta2 h0 (h0 - 1) / theta1**2) ** (1 / h0)

with ``c`` the standard normal quantile at the confidence. Box (1954) matches a scaled chi-square ``g chi2(h)``
to the same two moments (``g = theta2 / theta1``, ``h = theta1**2 / theta2``); Nomikos & MacGregor (1995) match
it to the mean ``m`` and variance ``v`` of the training SPE instead (``g = v / 2m``, ``h = 2 m**2 / v``), the choice
when there are no left-out eigenvalues to sum (PLS).

**Theoretical or empirical.** The limits above assume the monitored variables are jointly normal (T-squared's F law,
SPE's chi-square mixture). Where they are not (skewed or heavy-tailed features: a log spread, a ratio, a bounded
signal), the same confidence alarms more often than ``1 - confidence`` on normal operation, however much data is
fitted. ``empirical`` limits are then the training statistics' own ``confidence`` quantiles (:func:`empirical`),
which hold the false-alarm rate without the normality, given enough training samples that the quantile is well
estimated (a few hundred beyond the limit: 0.99 wants tens of thousands of rows, and rows far apart enough to be
nearly independent). Use the theoretical limits for normal-looking data and short training sets; use the empirical
ones when a check of held-out normal data alarms clearly above ``1 - confidence``.
"""
from __future__ import annotations

import numpy as np

#: The SPE limit methods, by name (the model file stores the name).
SPE_METHODS = ("jackson-mudholkar", "box", "nomikos-macgregor")

#: Where the limits come from, by name (the model file stores the name): the distributions above, or the training
#: statistics' quantiles.
LIMITS = ("theoretical", "empirical")


def check_confidence(confidence: float) -> float:
    """The confidence as a float strictly between 0 and 1, or a ValueError that says what is wrong."""
    if not isinstance(confidence, int | float) or not 0.0 < float(confidence) < 1.0:
        raise ValueError(f"confidence must be strictly between 0 and 1 (e.g. 0.99), got {confidence!r}")
    return float(confidence)


def t2_limit(components: int, samples: int, confidence: float) -> float:
    """Hotelling T-squared limit of a new sample (MacGregor & Kourti 1995, F distribution)."""
    from scipy.special import fdtri  # F quantile; scipy.special loads in a fraction of scipy.stats' time

    a, n = int(components), int(samples)
    if not 0 < a < n:
        raise ValueError(f"T-squared limit needs 0 < components < samples, got {a} components and {n} samples")
    return float(a * (n - 1) * (n + 1) / (n * (n - a)) * fdtri(a, n - a, check_confidence(confidence)))


def spe_limit(residual_eigenvalues, confidence: float, method: str = "jackson-mudholkar",
              training_spe: tuple[float, float] | None = None) -> float:
    """SPE limit from the eigenvalues the model left out (or, for ``nomikos-macgregor``, from the mean and variance
    of the training SPE, ``training_spe``)."""
    from scipy.special import chdtri, ndtri  # chi-square quantile from its upper tail; normal quantile

    alpha = check_confidence(confidence)
    if method == "nomikos-macgregor":
        m, v = training_spe
        return float(v / (2 * m) * chdtri(2 * m * m / v, 1.0 - alpha))
    lam = np.asarray(residual_eigenvalues, dtype=float)
    theta1, theta2, theta3 = (float(np.sum(lam**i)) for i in (1, 2, 3))
    if method == "box":
        return float(theta2 / theta1 * chdtri(theta1**2 / theta2, 1.0 - alpha))
    if method != "jackson-mudholkar":
        raise ValueError(f"unknown SPE limit method {method!r}; use one of {', '.join(SPE_METHODS)}")
    h0 = 1.0 - 2.0 * theta1 * theta3 / (3.0 * theta2**2)
    c = ndtri(alpha)
    return float(theta1 * (c * np.sqrt(2.0 * theta2 * h0**2) / theta1 + 1.0
                           + theta2 * h0 * (h0 - 1.0) / theta1**2) ** (1.0 / h0))


def empirical(t2, spe, confidence: float) -> tuple[float, float]:
    """T-squared and SPE limits as the ``confidence`` quantiles of the training samples' own statistics (NumPy's
    default: linear between the order statistics); rows that could not be scored (NaN: a dynamic model's first
    ``lags`` rows) are left out."""
    alpha = check_confidence(confidence)
    t2, spe = np.asarray(t2, dtype=float), np.asarray(spe, dtype=float)
    scored = np.isfinite(t2) & np.isfinite(spe)
    return float(np.quantile(t2[scored], alpha)), float(np.quantile(spe[scored], alpha))
