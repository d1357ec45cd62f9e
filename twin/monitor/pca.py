"""A PCA monitor: what normal operation looks like, and how far each new sample is from it.

>>> import numpy as np
>>> from twin.monitor import fit_pca
>>> rng = np.random.default_rng(1)
>>> latent = rng.normal(size=(500, 2))
>>> normal = latent @ rng.normal(size=(2, 5)) + 0.1 * rng.normal(size=(500, 5))
>>> model = fit_pca(normal, ["F.a", "F.b", "F.c", "F.d", "F.e"], components=2, confidence=0.99)
>>> faulty = normal[:3] + [0, 0, 3, 0, 0]              # a step in F.c
>>> check = model.check(faulty)
>>> bool(check.alarm.all()), check.top_tags(0)[0]
(True, 'F.c')

**The model** (Jackson 1991; MacGregor & Kourti 1995). The training samples ``X`` (``n`` rows, ``m`` tags) are
mean-centred and scaled to unit variance, ``z = (x - mean) / scale``; the covariance of ``z`` has eigenvalues
``l_1 >= ... >= l_m`` and eigenvectors, the loadings ``P``. The first ``A`` span the model's plane. A sample's scores
are ``t = z P``; its **T-squared** ``sum(t_a**2 / l_a)`` measures how unusual it is inside the plane, its **SPE**
``|z - t P'|**2`` how far off the plane it lies. Limits: :mod:`twin.monitor.limits`. A sample alarms when either
statistic is over its limit.

**Contributions** say which tags drive a statistic: to SPE, each tag's squared residual ``e_j**2``; to T-squared,
``z_j (P L^-1 P' z)_j`` (Westerhuis, Gurden & Smilde 2000; Miller, Swanson & Heckler 1998). Each set sums to its
statistic. To name the tag at fault, :meth:`PCAMonitor.shares` reconstructs each tag instead (Alcala & Qin 2009):
contributions smear a fault over correlated tags, reconstruction does not. A dynamic model (``lags > 0``, Ku,
Storer & Georgakis 1995) scores each sample with its ``lags`` predecessors; its contributions are summed over the
lags of each tag.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from twin.monitor.limits import LIMITS, SPE_METHODS, check_confidence, empirical, spe_limit, t2_limit

#: Rows scored at once: a block of 50 tags (800 kB) stays in the core's cache between the passes over it, and
#: stays under the size at which OpenBLAS wakes its threads (1e6 x 50 samples in 0.2 s; 1.8 s in blocks of 65536).
CHUNK = 2048


#: Alarms whose shares are computed at once: a block's arrays (256 x 50 tags, 100 kB) stay under glibc's mmap
#: threshold (128 kB), so the heap is reused; blocks of 2,048 were mapped and unmapped each time, 120,000 page faults
#: and 0.2-0.4 s of system time for the 303,585 alarms of the benchmark.
SHARE_ROWS = 256


class MonitorError(ValueError):
    """Bad data or settings for a monitor; the message names the tag (column), row or key and the fix."""


@dataclass(frozen=True)
class PCAMonitor:
    """A fitted PCA monitor. Build it with :func:`fit_pca`; save and load it with :mod:`twin.monitor.modelfile`.

    ``tags``: the monitored tags in column order. ``lags``: past samples stacked beside each sample (0: static PCA).
    ``mean``, ``scale``: of the training data per variable (tag and lag). ``loadings``: variables x components.
    ``eigenvalues``: all of them, largest first (the left-out ones set the SPE limit). ``samples``: training rows.
    ``limits``: ``"theoretical"`` (F and ``spe_method``) or ``"empirical"`` (the training statistics' quantiles,
    :mod:`twin.monitor.limits`).
    """

    tags: tuple[str, ...]
    lags: int
    mean: np.ndarray
    scale: np.ndarray
    loadings: np.ndarray
    eigenvalues: np.ndarray
    samples: int
    confidence: float
    spe_method: str
    t2_limit: float
    spe_limit: float
    training_spe: tuple[float, float]  # mean and variance of the training SPE (for the Nomikos-MacGregor limit)
    limits: str = "theoretical"

    @property
    def components(self) -> int:
        return self.loadings.shape[1]

    @property
    def variables(self) -> list[str]:
        """The model's variables: each tag, then each tag one sample back, and so on (``TAG[t-1]``)."""
        return [*self.tags, *(f"{tag}[t-{k}]" for k in range(1, self.lags + 1) for tag in self.tags)]

    @property
    def explained_variance_ratio(self) -> np.ndarray:
        """The share of the scaled data's variance each component explains."""
        return self.eigenvalues[: self.components] / self.eigenvalues.sum()

    def scaled(self, x: np.ndarray) -> np.ndarray:
        """Rows ``x`` (samples x tags, in ``tags`` order) as the model's scaled variables; the first ``lags`` rows,
        which lack their past, are dropped."""
        return (lagged(np.asarray(x, dtype=float), self.lags) - self.mean) / self.scale

    def blocks(self, x: np.ndarray):
        """The scaled variables of rows ``x`` in blocks: ``(rows, z)`` pairs, ``z`` a reused buffer. Row ``i`` of the
        data is scored from row ``lags`` on, with its predecessors beside it."""
        x = np.asarray(x, dtype=float)
        buffer = np.empty((min(CHUNK, max(len(x) - self.lags, 0)), len(self.mean)))
        inv = 1.0 / self.scale
        for start in range(self.lags, len(x), CHUNK):
            block = lagged(x[start - self.lags: start + CHUNK], self.lags)
            z = buffer[: len(block)]
            np.subtract(block, self.mean, out=z)
            z *= inv
            yield slice(start, start + len(z)), z

    def statistics(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """T-squared and SPE of each row of ``x`` (NaN for the first ``lags`` rows, which lack their past). SPE is
        ``|z|**2 - |t|**2`` (the loadings are orthonormal), one pass fewer than forming the residuals."""
        t2, spe = np.full(len(x), np.nan), np.full(len(x), np.nan)
        p, inv = self.loadings, 1.0 / self.eigenvalues[: self.components]
        for rows, z in self.blocks(x):
            t = z @ p
            t2[rows] = (t * t) @ inv
            spe[rows] = np.maximum(np.einsum("ij,ij->i", z, z) - np.einsum("ij,ij->i", t, t), 0.0)
        return t2, spe

    def contributions(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each tag's contribution to T-squared and to SPE, rows x tags (summed over lags; NaN rows as above)."""
        m = len(self.tags)
        c_t2, c_spe = np.full((len(x), m), np.nan), np.full((len(x), m), np.nan)
        p, inv = self.loadings, 1.0 / self.eigenvalues[: self.components]
        for rows, z in self.blocks(x):
            t = z @ p
            e = z - t @ p.T
            c_t2[rows] = (z * ((t * inv) @ p.T)).reshape(len(z), self.lags + 1, m).sum(axis=1)
            c_spe[rows] = (e * e).reshape(len(z), self.lags + 1, m).sum(axis=1)
        return c_t2, c_spe

    def check(self, x: np.ndarray) -> Check:
        """Score rows ``x`` (samples x tags): statistics and alarms; the tags' shares of the alarms
        (:meth:`shares`) are computed when first asked for."""
        t2, spe = self.statistics(x)
        alarm = (t2 > self.t2_limit) | (spe > self.spe_limit)
        return Check(self, np.asarray(x, dtype=float), t2, spe, alarm, np.flatnonzero(alarm))

    def shares(self, x: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """Each tag's share of the combined index ``phi = SPE / SPE_lim + T2 / T2_lim`` of ``rows`` (all by
        default): the part of ``phi`` that reconstructing the tag removes, ``(Phi z)_j**2 / Phi_jj`` with
        ``Phi = (I - P P') / SPE_lim + P L^-1 P' / T2_lim``, over ``phi`` (Alcala & Qin 2009, 2010: unlike the
        contributions, this names the faulty tag of a large single-tag fault for certain). Rows x tags, in [0, 1]
        (summed over the lags of a dynamic model)."""
        x = np.asarray(x, dtype=float)
        if rows is not None:  # each block of rows gathered with its past (not all at once: a copy the size of x)
            step = max(1, CHUNK // (self.lags + 1))
            parts = [self._shares(x[_with_past(rows[k: k + step], self.lags)])[self.lags:: self.lags + 1]
                     for k in range(0, len(rows), step)]
            return np.concatenate(parts) if parts else np.empty((0, len(self.tags)))
        return self._shares(x)

    def _shares(self, x: np.ndarray) -> np.ndarray:
        m, p, lam = len(self.tags), self.loadings, self.eigenvalues[: self.components]
        weight = 1.0 / (lam * self.t2_limit) - 1.0 / self.spe_limit
        diagonal = 1.0 / self.spe_limit + (p * p) @ weight
        out = np.full((len(x), m), np.nan)
        for block, z in self.blocks(x):
            t = z @ p
            phi_z = z / self.spe_limit + (t * weight) @ p.T
            phi = np.einsum("ij,ij->i", z, phi_z)
            out[block] = (phi_z**2 / diagonal / phi[:, None]).reshape(len(z), self.lags + 1, m).sum(axis=1)
        return out

    def with_confidence(self, confidence: float, spe_method: str | None = None,
                        limits: str | None = None) -> PCAMonitor:
        """The same model with limits at another confidence, SPE method or ``limits="theoretical"``. Empirical
        limits stay at the confidence they were fitted at (the model does not keep the training statistics)."""
        method = spe_method or self.spe_method
        return _replace_limits(self, check_confidence(confidence), method, limits or self.limits)


@dataclass(frozen=True)
class Check:
    """The verdict on some samples ``x``: T-squared, SPE and alarm per row; ``rows``, the alarming rows; ``share``,
    each tag's share of each alarm, rows x tags (:meth:`PCAMonitor.shares`)."""

    model: PCAMonitor
    x: np.ndarray
    t2: np.ndarray
    spe: np.ndarray
    alarm: np.ndarray
    rows: np.ndarray

    @cached_property
    def share(self) -> np.ndarray:
        return self.model.shares(self.x, self.rows)

    @property
    def tags(self) -> tuple[str, ...]:
        return self.model.tags

    @property
    def alarm_fraction(self) -> float:
        """Alarming samples over the samples that could be scored."""
        scored = np.isfinite(self.t2).sum()
        return float(self.alarm.sum() / scored) if scored else 0.0

    @property
    def first_alarm(self) -> int | None:
        return int(self.rows[0]) if len(self.rows) else None

    def top_tags(self, row: int, count: int = 3) -> list[str]:
        """The tags carrying most of the alarm of sample ``row`` (none if it does not alarm)."""
        k = np.searchsorted(self.rows, row)
        if k == len(self.rows) or self.rows[k] != row:
            return []
        share = self.share[k] if "share" in self.__dict__ else self.model.shares(self.x, self.rows[k: k + 1])[0]
        return [self.tags[j] for j in np.argsort(-share, kind="stable")[:count]]

    def share_blocks(self):
        """The alarms' shares block by block, ``(k, share)`` pairs with ``share`` the rows ``k`` of :attr:`share`:
        computed per block unless already at hand, so that a summary or ``--json`` never holds alarms x tags of
        them (120 MB and its page faults for 300,000 alarms of 50 tags)."""
        if "share" in self.__dict__:
            yield slice(0, len(self.rows)), self.share
            return
        step = max(1, SHARE_ROWS // (self.model.lags + 1))
        for k in range(0, len(self.rows), step):
            yield slice(k, k + step), self.model.shares(self.x, self.rows[k: k + step])

    def blame(self) -> list[tuple[str, float]]:
        """Every tag with its mean share of the alarms, largest first (empty without alarms). Without the shares
        at hand (a summary), a PCA model sums them block by block instead of holding alarms x tags of them."""
        if not len(self.rows):
            return []
        if "share" in self.__dict__ or not isinstance(self.model, PCAMonitor):
            mean = self.share.mean(axis=0)
        else:
            mean = sum(share.sum(axis=0) for _, share in self.share_blocks()) / len(self.rows)
        return [(self.tags[j], float(mean[j])) for j in np.argsort(-mean, kind="stable")]


def lagged(x: np.ndarray, lags: int) -> np.ndarray:
    """Each row beside its ``lags`` predecessors, ``[x_i, x_(i-1), ..., x_(i-lags)]``; ``len(x) - lags`` rows."""
    if lags == 0:
        return x
    n = len(x) - lags
    return np.hstack([x[lags - k: lags - k + n] for k in range(lags + 1)])


def _with_past(rows: np.ndarray, lags: int) -> np.ndarray:
    """The row indices ``r - lags, ..., r`` of each row, in order, so that each block scores one row."""
    return (rows[:, None] + np.arange(-lags, 1)).ravel()


def fit_pca(x, tags, *, components: int | float | str = 0.9, confidence: float = 0.99, lags: int = 0,
            spe_method: str = "jackson-mudholkar", limits: str = "theoretical", folds: int = 7) -> PCAMonitor:
    """Fit a PCA monitor on normal operating data ``x`` (samples x tags, columns named by ``tags``).

    ``components``: a number of components; a fraction in (0, 1) (the fewest components that explain it of the
    variance); or ``"press"`` (the fewest with the least cross-validated prediction error over ``folds`` blocks of
    rows, :func:`twin.monitor.components.press`). ``lags``: past samples beside each (dynamic PCA). ``limits``:
    ``"theoretical"`` (F, ``spe_method``) or ``"empirical"`` (quantiles of ``x``'s own statistics; for features that
    are not normal, :mod:`twin.monitor.limits`).
    """
    from twin.monitor.components import by_variance, press

    x = np.asarray(x, dtype=float)
    tags = tuple(tags)
    _check_data(x, tags)
    confidence = check_confidence(confidence)
    if spe_method not in SPE_METHODS:
        raise MonitorError(f"unknown SPE limit method {spe_method!r}; use one of {', '.join(SPE_METHODS)}")
    check_limits(limits)
    if not isinstance(lags, int) or lags < 0:
        raise MonitorError(f"lags must be a whole number >= 0, got {lags!r}")
    z = lagged(x, lags)
    n, m = z.shape
    if n <= m + 1:
        raise MonitorError(f"{n} samples for {m} variables ({len(tags)} tags x {lags + 1} lags): a monitor needs more "
                           f"samples than variables; give at least {m + 2} rows of normal operation, or fewer tags")
    mean, scale = z.mean(axis=0), z.std(axis=0, ddof=1)
    z = (z - mean) / scale
    eigenvalues, vectors = _eig(z)
    if components == "press":
        a = press(z, folds=folds).best
    elif isinstance(components, float) and 0 < components < 1:
        a = by_variance(eigenvalues, components)
    elif isinstance(components, int) and not isinstance(components, bool) and 1 <= components < m:
        a = components
    else:
        raise MonitorError(f"components must be 1 to {m - 1} (the model keeps at least one variable's worth of "
                           f"residual for SPE), a variance fraction in (0, 1) or 'press'; got {components!r}")
    p = vectors[:, :a]
    e = z - (z @ p) @ p.T
    spe = np.einsum("ij,ij->i", e, e)
    model = PCAMonitor(tags, lags, mean, scale, p, eigenvalues, n, confidence, spe_method, np.nan, np.nan,
                       (float(spe.mean()), float(spe.var(ddof=1))))
    model = _replace_limits(model, confidence, spe_method, "theoretical")
    return with_empirical_limits(model, x) if limits == "empirical" else model


def _eig(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (largest first) and eigenvectors of the scaled data's covariance, from its SVD (accurate where
    the covariance's eigh would square the condition number); each vector's largest entry made positive."""
    _, s, vt = np.linalg.svd(z, full_matrices=False)
    vectors = vt.T
    signs = np.sign(vectors[np.argmax(np.abs(vectors), axis=0), np.arange(vectors.shape[1])])
    return s**2 / (len(z) - 1), vectors * signs


def _replace_limits(model: PCAMonitor, confidence: float, method: str, limits: str) -> PCAMonitor:
    from dataclasses import replace

    if method not in SPE_METHODS:
        raise MonitorError(f"unknown SPE limit method {method!r}; use one of {', '.join(SPE_METHODS)}")
    if empirical_kept(model, confidence, limits):
        return replace(model, spe_method=method)
    return replace(model, confidence=confidence, spe_method=method, limits="theoretical",
                   t2_limit=t2_limit(model.components, model.samples, confidence),
                   spe_limit=spe_limit(model.eigenvalues[model.components:], confidence, method, model.training_spe))


def check_limits(limits: str) -> str:
    """``limits`` if it names where limits come from, else a MonitorError listing the names."""
    if limits not in LIMITS:
        raise MonitorError(f"unknown limits {limits!r}; use one of {', '.join(LIMITS)}")
    return limits


def with_empirical_limits(model, x: np.ndarray):
    """``model`` (PCA or PLS) with empirical limits: the quantiles of its own statistics on its training rows ``x``
    at its confidence."""
    from dataclasses import replace

    t2, spe = model.statistics(x)
    t2_lim, spe_lim = empirical(t2, spe, model.confidence)
    return replace(model, limits="empirical", t2_limit=t2_lim, spe_limit=spe_lim)


def empirical_kept(model, confidence: float, limits: str) -> bool:
    """Whether a change of limits keeps ``model``'s empirical ones (asked for again at their confidence); refuses
    empirical limits at another confidence, which need the training data (the model keeps none of it)."""
    if check_limits(limits) == "theoretical":
        return False
    if model.limits == "empirical" and confidence == model.confidence:
        return True
    raise MonitorError(f"empirical limits at confidence {confidence:g} need the training data's statistics, which "
                       "a model does not keep: fit again with that --confidence and --limits empirical, or use "
                       "theoretical limits")


def _check_data(x: np.ndarray, tags: tuple[str, ...]) -> None:
    """Refuse data a monitor cannot be fitted on, naming the tag (column) and row."""
    if x.ndim != 2 or x.shape[1] != len(tags):
        raise MonitorError(f"data of shape {x.shape} does not match {len(tags)} tags: give samples x tags")
    if len(set(tags)) != len(tags):
        twice = sorted({t for t in tags if tags.count(t) > 1})
        raise MonitorError(f"tag {twice[0]} is named twice; give each column once")
    bad = ~np.isfinite(x)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise MonitorError(f"tag {tags[col]}: missing or non-finite value at row {row + 1} ({bad.sum()} in all); "
                           "drop or fill those rows before fitting (a monitor learns from complete samples)")
    spread = x.max(axis=0) - x.min(axis=0) if len(x) else np.zeros(len(tags))
    flat = np.flatnonzero(spread <= 1e-12 * np.maximum(1.0, np.abs(x).max(axis=0, initial=0.0)))
    if len(x) and len(flat):
        raise MonitorError(f"tag {tags[flat[0]]} is constant ({x[0, flat[0]]:g}) in the training data: it carries no "
                           "variation to scale by; leave it out (--columns) or train on data where it varies")
    with np.errstate(over="ignore", invalid="ignore"):
        huge = np.flatnonzero(~np.isfinite(x.std(axis=0, ddof=1))) if len(x) > 1 else []
    if len(huge):   # squares past 1.8e308: the scale, every score and limit would be inf or NaN
        row = int(np.argmax(np.abs(x[:, huge[0]])))
        raise MonitorError(f"tag {tags[huge[0]]}: its variance overflows (a value of {x[row, huge[0]]:g} at row "
                           f"{row + 1}); give it in other units or drop the corrupt rows")
