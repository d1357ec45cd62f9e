"""How many principal components: by explained variance, or by cross-validated prediction error (PRESS).

**PRESS** (predicted residual error sum of squares) asks how well a model of ``A`` components fitted without some
samples predicts them. Predicting a sample with its own projection would reward every extra component, so each
variable ``j`` of a held-out sample is predicted from its other variables only (the "ekf" scheme of Bro, Kjeldahl,
Smilde & Kiers 2008): scores by least squares on the other variables' loadings, then ``x_j`` from them. That
prediction has a closed form: its error is the sample's own residual over one minus the variable's leverage,
``e_j / (1 - h_j)``, ``h_j = sum_a p_ja**2`` (Sherman-Morrison on ``P' P = I``), so one SVD per fold serves every
``A``. The rows are held out in contiguous blocks, which keeps autocorrelated neighbours of a held-out sample out of
its model.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Press:
    """PRESS per number of components (``values[a - 1]`` for ``a`` components), over ``folds`` blocks of rows."""

    values: np.ndarray
    folds: int

    @property
    def best(self) -> int:
        """The number of components with the least PRESS."""
        return int(np.argmin(self.values)) + 1


def by_variance(eigenvalues: np.ndarray, fraction: float) -> int:
    """The fewest components whose eigenvalues explain ``fraction`` of the total (at most all but one)."""
    share = np.cumsum(eigenvalues) / np.sum(eigenvalues)
    return int(min(np.searchsorted(share, fraction - 1e-12) + 1, len(eigenvalues) - 1))


def press(z: np.ndarray, folds: int = 7) -> Press:
    """Cross-validated PRESS of 1 to ``m - 1`` components of the data ``z`` (samples x variables), each fold's model
    centred and scaled on its own training rows."""
    n, m = z.shape
    if not 2 <= folds <= n // 2:
        raise ValueError(f"PRESS needs 2 to {n // 2} folds for {n} samples, got {folds}")
    top = min(m - 1, n - n // folds - 2)
    values = np.zeros(top)
    for block in np.array_split(np.arange(n), folds):
        keep = np.ones(n, dtype=bool)
        keep[block] = False
        train = z[keep]
        mean, scale = train.mean(axis=0), train.std(axis=0, ddof=1)
        _, _, vt = np.linalg.svd((train - mean) / scale, full_matrices=False)
        held = (z[block] - mean) / scale
        for a in range(1, top + 1):
            p = vt[:a].T
            e = held - (held @ p) @ p.T
            leverage = np.einsum("ja,ja->j", p, p)
            values[a - 1] += np.sum((e / (1.0 - leverage)) ** 2)
    return Press(values, folds)
