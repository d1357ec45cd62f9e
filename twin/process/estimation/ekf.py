"""The continuous-discrete extended Kalman filter over a flowsheet's ODE (Simon 2006, section 13.2.3).

Between measurements the mean follows the model exactly (CVODES) and the covariance its linearisation::

    s(t+h) = s(t) + int f(s, u) dt                          (the integrator)
    P(t+h) = Phi P Phi^T + Qd,   Phi = d s(t+h) / d s(t)    (CVODES' forward sensitivities)
    Qd     = int_0^h e^{A r} Qc e^{A^T r} dr,  A = df/ds at s(t)   (Van Loan's matrix exponential)

At a measurement ``y`` (any subset of the declared measurements; NaN or missing entries are skipped)::

    nu = y - h(s),  S = H P H^T + R,  NIS = nu^T S^-1 nu,  K = P H^T S^-1
    s += K nu,      P = (I - K H) P (I - K H)^T + K R K^T   (Joseph's form: stays symmetric positive)

With ``gate=0.999`` an update whose NIS exceeds the chi-square quantile of that probability (degrees of freedom:
the number of measurements used) is rejected as an outlier and counted in ``rejected``. On a linear model this is
the discrete Kalman filter of the exactly discretised system (``tests/process/test_estimation.py`` checks it to
1e-9 against an independent NumPy/SciPy filter).
"""
from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
from scipy.stats import chi2

from twin.process.estimation.augmented import AugmentedModel, EstimationError, check_name


class ExtendedKalmanFilter:
    """State and parameter estimates with their covariance; see the module docstring for the equations.

    Arguments as :class:`~twin.process.estimation.augmented.AugmentedModel` (``measurements``, ``parameters``,
    ``process_noise``, ``x0``, ``std0``, ``inputs``), plus ``t0`` (s, the time of ``x0``) and ``gate`` (a probability
    in (0, 1) for chi-square outlier gating, or None).
    """

    def __init__(self, dae, measurements: Mapping[str, float], parameters: Mapping[str, float] | None = None,
                 process_noise: Mapping[str, float] | None = None, x0: Mapping[str, float] | None = None,
                 std0: Mapping[str, float] | None = None, inputs: Mapping[str, float] | None = None,
                 t0: float = 0.0, gate: float | None = None, **integrator_options) -> None:
        if gate is not None and not (isinstance(gate, int | float) and 0 < gate < 1):
            raise EstimationError(f"gate must be a probability in (0, 1) such as 0.999, or None; got {gate!r}")
        self.model = AugmentedModel(dae, measurements, parameters, process_noise, x0, std0, inputs,
                                    **integrator_options)
        m = self.model
        self.t = float(t0)
        self.s = m.s0.copy()
        self.P = m.P0.copy()
        self.u = m.u0.copy()
        self.gate = gate
        self.nis = math.nan  #: the last update's normalised innovation squared (NaN before the first)
        self.dof = 0  #: how many measurements the last update used
        self.innovation: dict[str, float] = {}  #: the last update's innovations by measurement name
        self.updates = 0  #: updates applied
        self.rejected = 0  #: updates refused by the gate

    # -- the filter ---------------------------------------------------------------------------------------------
    def predict(self, t: float, inputs: Mapping[str, float] | None = None) -> None:
        """Propagate mean and covariance to time ``t`` (s); ``inputs`` (name -> value) hold from now on."""
        if inputs:
            self.u = self.model.inputs(self.u, inputs, "inputs")
        h = float(t) - self.t
        if h < 0:
            raise EstimationError(f"predict: t = {t} lies before the filter's time {self.t}; measurements must "
                                  "arrive in time order")
        if h == 0:
            return
        Qd = self.model.process_noise(self.s, self.u, h)
        self.s, self.P = self._propagate(h)
        self.P = (self.P + Qd + (self.P + Qd).T) / 2
        self.t = float(t)

    def _propagate(self, h: float) -> tuple[np.ndarray, np.ndarray]:
        """Mean and covariance ``h`` seconds on, before the process noise: the model and its linearisation."""
        s, Phi = self.model.step(self.s, self.u, h)
        return s, Phi @ self.P @ Phi.T

    def _measured(self, rows: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
        """The predicted measurements ``rows`` (of the declared ones), their covariance ``H P H^T``, the
        cross-covariance ``P H^T`` with the state, and ``H``."""
        m = self.model
        y, J = m.outputs(self.s, self.u)
        H = J[m.meas_index[rows]]
        PHt = self.P @ H.T
        return y[m.meas_index[rows]], H @ PHt, PHt, H

    def update(self, measured: Mapping[str, float]) -> bool:
        """Assimilate measurements (name -> value) taken at the filter's time; NaN values are skipped. Returns
        False if nothing was used or the gate rejected them."""
        m = self.model
        names, values = [], []
        for name, value in measured.items():
            check_name(name, m.meas_names, "a declared measurement", "update")
            value = float(value)
            if math.isfinite(value):
                names.append(name)
                values.append(value)
        self.dof, self.innovation = len(names), {}
        if not names:
            self.nis = math.nan
            return False
        rows = [m.meas_names.index(n) for n in names]
        y, Pyy, PHt, H = self._measured(rows)
        nu = np.asarray(values) - y
        R = np.diag(m.R[rows])
        S = Pyy + R
        Sinv_nu = np.linalg.solve(S, nu)
        self.nis = float(nu @ Sinv_nu)
        self.innovation = dict(zip(names, nu.tolist(), strict=True))
        if self.gate is not None and self.nis > chi2.ppf(self.gate, len(names)):
            self.rejected += 1
            return False
        K = np.linalg.solve(S, PHt.T).T
        self.s = self.s + K @ nu
        if H is not None:
            IKH = np.eye(m.n) - K @ H
            self.P = IKH @ self.P @ IKH.T + K @ R @ K.T
        else:
            self.P = self.P - K @ S @ K.T
        self.P = (self.P + self.P.T) / 2
        self.updates += 1
        return True

    # -- what it knows ----------------------------------------------------------------------------------------------
    @property
    def names(self) -> list[str]:
        """The estimated quantities: the DAE's states, then the estimated parameters."""
        return list(self.model.names)

    @property
    def covariance(self) -> np.ndarray:
        """The covariance of the estimate (rows and columns: :attr:`names`), a copy."""
        return self.P.copy()

    def mean(self, name: str) -> float:
        """The estimate of a state, an estimated parameter or any output of the DAE."""
        return self._moments(name)[0]

    def std(self, name: str) -> float:
        """Its standard deviation (for an output, first order: ``sqrt(dy/ds P dy/ds^T)``)."""
        return self._moments(name)[1]

    def estimate(self) -> dict[str, tuple[float, float]]:
        """Every state and estimated parameter: ``name -> (mean, std)``."""
        sd = np.sqrt(np.clip(np.diag(self.P), 0, None))
        return {n: (float(v), float(s)) for n, v, s in zip(self.model.names, self.s, sd, strict=True)}

    def _moments(self, name: str) -> tuple[float, float]:
        m = self.model
        if name in m.names:
            i = m.index(name)
            return float(self.s[i]), float(math.sqrt(max(self.P[i, i], 0.0)))
        check_name(name, dict.fromkeys(m.names + m.dae.y_names), "a state, estimated parameter or output", "mean/std")
        y, J = m.outputs(self.s, self.u)
        i = m.dae.y_names.index(name)
        return float(y[i]), float(math.sqrt(max(J[i] @ self.P @ J[i], 0.0)))
