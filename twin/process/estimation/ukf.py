"""The unscented Kalman filter: the EKF's interface, its moments from sigma points instead of Jacobians (Julier &
Uhlmann 2004; Wan & van der Merwe 2000; Simon 2006, chapter 14).

The ``2n + 1`` sigma points ``s``, ``s +/- sqrt(n + lambda) * col_i(sqrt(P))`` with ``lambda = alpha**2 (n + kappa) -
n`` are each integrated by the model (CVODES, or RK4 with ``max_step``) and passed through the measurement
outputs; means and covariances are their weighted sums (mean weights ``lambda / (n + lambda)``, ``1 / (2 (n +
lambda))``; the centre's covariance weight adds ``1 - alpha**2 + beta``). The process noise is the EKF's (Van
Loan at the mean), added after the propagation; the update is ``K = Pxy S^-1``, ``s += K nu``, ``P -= K S K^T``.
No Jacobian of the model is used: a parameter far from its prior mean is not pulled in along a tangent. On a
linear model it is the Kalman filter (checked to 1e-9 in the tests). Defaults ``alpha = 1``, ``beta = 2``, ``kappa
= 0``: all weights positive, the covariance stays positive semi-definite.
"""
from __future__ import annotations

import math

import numpy as np

from twin.process.estimation.augmented import EstimationError
from twin.process.estimation.ekf import ExtendedKalmanFilter


class UnscentedKalmanFilter(ExtendedKalmanFilter):
    """Arguments as :class:`~twin.process.estimation.ExtendedKalmanFilter` plus the sigma-point spread ``alpha``
    (0, 1], ``beta`` (2 is optimal for Gaussian priors) and ``kappa``."""

    def __init__(self, *args, alpha: float = 1.0, beta: float = 2.0, kappa: float = 0.0, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        n = self.model.n
        if not (0 < alpha <= 1) or not n + kappa > 0:
            raise EstimationError(f"the sigma points need 0 < alpha <= 1 and n + kappa > 0 (n = {n}); got "
                                  f"alpha={alpha!r}, kappa={kappa!r}")
        lam = alpha**2 * (n + kappa) - n
        self._spread = math.sqrt(n + lam)
        self._wm = np.full(2 * n + 1, 1 / (2 * (n + lam)))
        self._wm[0] = lam / (n + lam)
        self._wc = self._wm.copy()
        self._wc[0] += 1 - alpha**2 + beta

    def _sigma_points(self) -> np.ndarray:
        """Rows: the centre, then ``s + spread * sqrt(P)`` column by column, then ``s - ...``."""
        lam, V = np.linalg.eigh(self.P)
        root = V * np.sqrt(np.clip(lam, 0, None))  # root @ root.T == P, also for a singular P
        return np.vstack([self.s, self.s + self._spread * root.T, self.s - self._spread * root.T])

    def _weighted(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mean = self._wm @ points
        d = points - mean
        return mean, (d.T * self._wc) @ d

    def _propagate(self, h: float) -> tuple[np.ndarray, np.ndarray]:
        points = self.model.propagate_all(self._sigma_points(), self.u, h)
        return self._weighted(points)

    def _measured(self, rows: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray, None]:
        m = self.model
        points = self._sigma_points()
        Y = np.array([m.output_values(x, self.u)[m.meas_index[rows]] for x in points])
        y, Pyy = self._weighted(Y)
        Pxy = ((points - self.s).T * self._wc) @ (Y - y)
        return y, Pyy, Pxy, None
