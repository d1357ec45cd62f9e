"""PLS (projection to latent structures) by NIPALS: quality variables predicted from process variables, and the
process variables monitored in the directions that matter for quality.

>>> import numpy as np
>>> from twin.monitor import fit_pls
>>> rng = np.random.default_rng(0)
>>> process = rng.normal(size=(300, 4))
>>> quality = process @ [[1.0], [0.5], [0.0], [0.0]] + 0.05 * rng.normal(size=(300, 1))
>>> model = fit_pls(process, quality, ["FD-1.rate", "BL-1.speed", "TP-1.force", "TP-1.speed"], ["NIR-1.api"],
...                 components=2)
>>> round(float(model.predict([[1.0, 1.0, 0.0, 0.0]])[0, 0]), 1)
1.5

**NIPALS** (Wold; Geladi & Kowalski 1986, the algorithm of scikit-learn's ``PLSRegression``). On the scaled data
``X`` and ``Y``, each component finds the weights ``w`` (unit length) whose scores ``t = X w`` covary most with ``Y``:
from ``u`` (a column of ``Y``) iterate ``w = X'u / u'u``, normalise, ``t = X w``, ``c = Y't / t't``, ``u = Y c / c'c``
until ``t`` settles; then the loadings ``p = X't / t't``, and both blocks lose what ``t`` explains
(``X -= t p'``, ``Y -= t c'``). Scores of new data: ``T = X R`` with ``R = W (P'W)^-1``; predictions ``Y = T C'``.

**Monitoring** with it (MacGregor, Jaeckle, Kiparissides & Koutoudi 1994): T-squared of the scores over their
training variances, with the F limit of :func:`twin.monitor.limits.t2_limit`, and SPE of ``X`` off the score plane,
with the Nomikos-MacGregor limit from the training SPE's mean and variance (PLS leaves no eigenvalues to sum).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twin.monitor.limits import check_confidence, spe_limit, t2_limit
from twin.monitor.pca import MonitorError, _check_data, check_limits, empirical_kept, with_empirical_limits


@dataclass(frozen=True)
class PLSModel:
    """A fitted PLS model (:func:`fit_pls`). Arrays are in scaled units; ``rotations`` is ``R = W (P'W)^-1``."""

    x_tags: tuple[str, ...]
    y_tags: tuple[str, ...]
    x_mean: np.ndarray
    x_scale: np.ndarray
    y_mean: np.ndarray
    y_scale: np.ndarray
    weights: np.ndarray
    x_loadings: np.ndarray
    y_loadings: np.ndarray
    rotations: np.ndarray
    score_variance: np.ndarray
    samples: int
    confidence: float
    t2_limit: float
    spe_limit: float
    training_spe: tuple[float, float]  # mean and variance of the training SPE (its limit's moments)
    limits: str = "theoretical"  # or "empirical": the training statistics' quantiles (twin.monitor.limits)

    lags = 0  # a static model (the check and the charts ask)
    spe_method = "nomikos-macgregor"

    @property
    def tags(self) -> tuple[str, ...]:
        """The process tags it reads (a check file's columns)."""
        return self.x_tags

    @property
    def components(self) -> int:
        return self.weights.shape[1]

    def with_confidence(self, confidence: float, limits: str | None = None) -> PLSModel:
        """The same model with limits at another confidence or ``limits="theoretical"`` (empirical limits stay at
        the confidence they were fitted at, as :meth:`twin.monitor.pca.PCAMonitor.with_confidence`)."""
        from dataclasses import replace

        confidence = check_confidence(confidence)
        if empirical_kept(self, confidence, limits or self.limits):
            return self
        return replace(self, confidence=confidence, limits="theoretical",
                       t2_limit=t2_limit(self.components, self.samples, confidence),
                       spe_limit=spe_limit(None, confidence, "nomikos-macgregor", self.training_spe))

    @property
    def coefficients(self) -> np.ndarray:
        """Regression coefficients in engineering units: ``y = (x - x_mean) @ coefficients + y_mean``."""
        return (self.rotations @ self.y_loadings.T) / self.x_scale[:, None] * self.y_scale

    def scores(self, x) -> np.ndarray:
        return ((np.asarray(x, dtype=float) - self.x_mean) / self.x_scale) @ self.rotations

    def predict(self, x) -> np.ndarray:
        """The quality variables predicted from process samples ``x`` (rows x ``x_tags``)."""
        return self.scores(x) @ self.y_loadings.T * self.y_scale + self.y_mean

    def statistics(self, x) -> tuple[np.ndarray, np.ndarray]:
        """T-squared of the scores and SPE of the process variables, per row."""
        z = (np.asarray(x, dtype=float) - self.x_mean) / self.x_scale
        t = z @ self.rotations
        e = z - t @ self.x_loadings.T
        return (t * t) @ (1.0 / self.score_variance), np.einsum("ij,ij->i", e, e)

    def contributions(self, x) -> tuple[np.ndarray, np.ndarray]:
        """Each process tag's contribution to T-squared, ``z_j (R S^-1 R' z)_j``, and to SPE, ``e_j**2``; each set
        sums to its statistic."""
        z = (np.asarray(x, dtype=float) - self.x_mean) / self.x_scale
        t = z @ self.rotations
        e = z - t @ self.x_loadings.T
        return z * ((t / self.score_variance) @ self.rotations.T), e * e

    def shares(self, x, rows: np.ndarray | None = None) -> np.ndarray:
        """Each tag's share of the alarms of ``rows``: its contributions to the statistics over their limits, each
        divided by its limit (PLS has no reconstruction here: contributions may smear over correlated tags)."""
        x = np.asarray(x, dtype=float)
        if rows is not None:
            x = x[rows]
        t2, spe = self.statistics(x)
        c_t2, c_spe = self.contributions(x)
        return ((t2 > self.t2_limit)[:, None] * c_t2 / self.t2_limit
                + (spe > self.spe_limit)[:, None] * c_spe / self.spe_limit)

    def check(self, x):
        """Score process samples ``x``: T-squared, SPE and alarms, as :meth:`twin.monitor.pca.PCAMonitor.check`."""
        from twin.monitor.pca import Check

        t2, spe = self.statistics(x)
        alarm = (t2 > self.t2_limit) | (spe > self.spe_limit)
        return Check(self, np.asarray(x, dtype=float), t2, spe, alarm, np.flatnonzero(alarm))


def fit_pls(x, y, x_tags, y_tags, *, components: int, confidence: float = 0.99, limits: str = "theoretical",
            tol: float = 1e-10, max_iter: int = 500) -> PLSModel:
    """Fit PLS by NIPALS on process samples ``x`` and quality samples ``y`` (rows are the same samples); ``limits``
    as :func:`twin.monitor.pca.fit_pca`'s."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    y = y[:, None] if y.ndim == 1 else y
    x_tags, y_tags = tuple(x_tags), tuple(y_tags)
    _check_data(x, x_tags)
    _check_data(y, y_tags)
    confidence = check_confidence(confidence)
    check_limits(limits)
    n, m = x.shape
    if len(y) != n:
        raise MonitorError(f"{n} process samples but {len(y)} quality samples; give both for the same samples")
    if not (isinstance(components, int) and 1 <= components <= min(m, n - 2)):
        raise MonitorError(f"components must be 1 to {min(m, n - 2)} for {m} process tags, got {components!r}")
    x_mean, x_scale, y_mean, y_scale = x.mean(0), x.std(0, ddof=1), y.mean(0), y.std(0, ddof=1)
    xk, yk = (x - x_mean) / x_scale, (y - y_mean) / y_scale
    w_, p_, c_ = (np.empty((dim, components)) for dim in (m, m, y.shape[1]))
    for a in range(components):
        u = yk[:, np.argmax(yk.var(axis=0))]
        t_old = np.zeros(n)
        for _ in range(max_iter):
            w = xk.T @ u / (u @ u)
            w /= np.linalg.norm(w)
            t = xk @ w
            c = yk.T @ t / (t @ t)
            u = yk @ c / (c @ c)
            if np.linalg.norm(t - t_old) <= tol * np.linalg.norm(t):
                break
            t_old = t
        p = xk.T @ t / (t @ t)
        xk, yk = xk - np.outer(t, p), yk - np.outer(t, c)
        w_[:, a], p_[:, a], c_[:, a] = w, p, c
    rotations = w_ @ np.linalg.inv(p_.T @ w_)
    z = (x - x_mean) / x_scale
    t = z @ rotations
    e = z - t @ p_.T
    spe = np.einsum("ij,ij->i", e, e)
    moments = (float(spe.mean()), float(spe.var(ddof=1)))
    model = PLSModel(x_tags, y_tags, x_mean, x_scale, y_mean, y_scale, w_, p_, c_, rotations, t.var(axis=0, ddof=1),
                     n, confidence, t2_limit(components, n, confidence),
                     spe_limit(None, confidence, "nomikos-macgregor", moments), moments)
    return with_empirical_limits(model, x) if limits == "empirical" else model
