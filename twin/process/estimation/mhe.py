"""Moving-horizon estimation: the last ``horizon`` measurement instants fitted at once, with bounds (Rawlings, Mayne &
Diehl, *Model Predictive Control: Theory, Computation, and Design*, 2nd ed., 2017, chapter 4).

The window holds nodes ``k = 0..N`` at measurement times. Node 0 is the arrival point: its prior is the EKF's
filtered mean ``s_bar`` and covariance ``P_bar`` there (the EKF runs alongside and carries the information of every
measurement before the window). The NLP, solved by Ipopt over the augmented states ``S_k`` (multiple shooting) and
the process noise ``W_k`` of the states with a diffusion ``q_i > 0``::

    min  |S_0 - s_bar|^2_{P_bar^-1} + sum_k sum_j (y_kj - h_j(S_k))^2 / sigma_j^2 + sum_k sum_i W_ki^2 / (q_i^2 h_k)
    s.t. S_{k+1} = F_k(S_k) + W_k        (F_k: CVODES over the interval, inputs piecewise constant as recorded)
         lower <= S_k <= upper           (``bounds``: states or estimated parameters)

Directions in which ``P_bar`` is singular (a state known exactly) are held as equality constraints. The noise
term ``q_i^2 h_k`` is the additive discrete approximation of the diffusion over the interval ``h_k``. The estimate is
``S_N``, carried forward by the model between updates; ``std``/``covariance`` are the EKF's (an MHE has no
covariance of its own). ``tests/process/test_estimation_mhe.py`` checks it against scipy's least_squares on the
same window.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import casadi as ca
import numpy as np

from twin.process.estimation.augmented import EstimationError, check_name
from twin.process.estimation.ekf import ExtendedKalmanFilter


@dataclass
class _Node:
    """A measurement instant of the window: how the model got there from the node before, what was measured, and
    the EKF's filtered estimate there (the arrival cost when it becomes the window's first node)."""

    segments: list[tuple[float, np.ndarray]]
    measured: dict[str, float] = field(default_factory=dict)
    s: np.ndarray | None = None
    P: np.ndarray | None = None


class MovingHorizonEstimator:
    """The NLP of the module docstring over the last ``horizon`` measurement instants, re-solved at every update.

    Arguments as :class:`~twin.process.estimation.ExtendedKalmanFilter`, plus ``horizon`` (instants in the window)
    and ``bounds`` (name -> (lower, upper), for states and estimated parameters; ``None`` for an open side).
    ``ipopt``: extra Ipopt options. After each update, ``solution`` holds the window's ``S_k`` (rows) and ``status``
    Ipopt's return status; if the NLP cannot be evaluated (the integrator fails at an iterate far off: bound the
    states that must stay physical), ``status`` says why, ``solution`` is None and the estimate is the EKF's.
    ``max_step`` (RK4 steps, see :class:`~twin.process.estimation.AugmentedModel`) makes each update tens of times
    cheaper than CVODES' second-order sensitivities.
    """

    def __init__(self, dae, measurements: Mapping[str, float], parameters: Mapping[str, float] | None = None,
                 process_noise: Mapping[str, float] | None = None, x0: Mapping[str, float] | None = None,
                 std0: Mapping[str, float] | None = None, inputs: Mapping[str, float] | None = None,
                 t0: float = 0.0, gate: float | None = None, horizon: int = 10,
                 bounds: Mapping[str, tuple[float | None, float | None]] | None = None,
                 ipopt: Mapping | None = None, **integrator_options) -> None:
        if not (isinstance(horizon, int) and horizon >= 1):
            raise EstimationError(f"horizon must be a positive whole number of measurement instants, got {horizon!r}")
        self.ekf = ExtendedKalmanFilter(dae, measurements, parameters, process_noise, x0, std0, inputs, t0, gate,
                                        **integrator_options)
        self.model = m = self.ekf.model
        self.horizon = horizon
        self.lower, self.upper = np.full(m.n, -np.inf), np.full(m.n, np.inf)
        for name, pair in (bounds or {}).items():
            i = m.index(check_name(name, m.names, "a state or estimated parameter", "bounds"))
            try:
                lo = -np.inf if pair[0] is None else float(pair[0])
                hi = np.inf if pair[1] is None else float(pair[1])
            except (TypeError, ValueError, IndexError):
                raise EstimationError(f"bounds[{name!r}]: give (lower, upper), None for an open side; got {pair!r}") \
                    from None
            if not lo < hi:
                raise EstimationError(f"bounds[{name!r}]: lower {lo} must lie below upper {hi}")
            if not lo <= m.s0[i] <= hi:
                raise EstimationError(f"bounds[{name!r}]: the start value {m.s0[i]} lies outside ({lo}, {hi})")
            self.lower[i], self.upper[i] = lo, hi
        self.ipopt = {"print_level": 0, "sb": "yes", "tol": 1e-10, "max_iter": 200} | dict(ipopt or {})
        self.noisy = np.flatnonzero(m.Qc > 0)
        self.s = self.ekf.s.copy()
        self.nodes = [_Node([], {}, self.ekf.s.copy(), self.ekf.P.copy())]
        self._pending: list[tuple[float, np.ndarray]] = []  # intervals since the last node
        self.solution: np.ndarray | None = None
        self.status = ""
        self._solvers: dict[tuple, ca.Function] = {}  # NLPs by window shape

    # -- the filter interface (as the EKF's) ----------------------------------------------------------------------
    @property
    def t(self) -> float:
        return self.ekf.t

    @property
    def names(self) -> list[str]:
        return self.ekf.names

    @property
    def covariance(self) -> np.ndarray:
        return self.ekf.covariance

    @property
    def nis(self) -> float:
        return self.ekf.nis

    @property
    def updates(self) -> int:
        return self.ekf.updates

    @property
    def rejected(self) -> int:
        return self.ekf.rejected

    def predict(self, t: float, inputs: Mapping[str, float] | None = None) -> None:
        """Carry the estimate (and the EKF) to time ``t``; the interval joins the window."""
        h = float(t) - self.ekf.t
        self.ekf.predict(t, inputs)
        if h > 0:
            u = self.ekf.u.copy()
            self._pending.append((h, u))
            self.s = self.model.step(self.s, u, h)[0]

    def update(self, measured: Mapping[str, float]) -> bool:
        """Assimilate measurements at the current time: the EKF updates (arrival cost, NIS, gate), the window gains
        a node and the NLP is solved. Returns False if nothing was used."""
        used = self.ekf.update(measured)
        if not used:
            return False
        values = {n: float(v) for n, v in measured.items() if math.isfinite(float(v))}
        self.nodes.append(_Node(self._pending.copy(), values, self.ekf.s.copy(), self.ekf.P.copy()))
        self._pending.clear()
        if len(self.nodes) > self.horizon + 1:
            del self.nodes[0]
        try:
            self.solution, self.status = self.solve()
            self.s = self.solution[-1].copy()
        except RuntimeError as exc:  # the integrator failed at an iterate far off (a state through zero)
            self.solution, self.status = None, f"failed: {str(exc).strip().splitlines()[-1][:200]}"
            self.s = self.ekf.s.copy()
        return True

    def mean(self, name: str) -> float:
        m = self.model
        if name in m.names:
            return float(self.s[m.index(name)])
        check_name(name, dict.fromkeys(m.names + m.dae.y_names), "a state, estimated parameter or output",
                   "mean/std")
        return float(m.outputs(self.s, self.ekf.u)[0][m.dae.y_names.index(name)])

    def std(self, name: str) -> float:
        return self.ekf.std(name)

    # -- the NLP --------------------------------------------------------------------------------------------------
    def solve(self) -> tuple[np.ndarray, str]:
        """Solve the window's NLP; returns the states ``S_k`` (one row per node) and Ipopt's status."""
        m, nodes = self.model, self.nodes
        n, N, nw = m.n, len(nodes) - 1, len(self.noisy)
        lam, V = np.linalg.eigh(nodes[0].P)
        keep = lam > 1e-12 * max(lam.max(), 1e-300)
        L = np.zeros((n, n))
        L[: keep.sum()] = (V[:, keep] / np.sqrt(lam[keep])).T
        shape = (tuple(tuple(m.substeps(h) for h, _ in node.segments) for node in nodes[1:]),
                 tuple(tuple(node.measured) for node in nodes[1:]), int((~keep).sum()))
        solver = self._solvers.pop(shape, None) or self._build(shape)
        self._solvers[shape] = solver  # the most recent last; the oldest dropped beyond 8 shapes
        if len(self._solvers) > 8:
            del self._solvers[next(iter(self._solvers))]
        sigma = dict(zip(m.meas_names, np.sqrt(m.R), strict=True))
        p = [nodes[0].s, L.ravel(order="F"), V[:, ~keep].ravel(order="F")]
        for node in nodes[1:]:
            h_total = sum(h for h, _ in node.segments)
            p += [np.array([h for h, _ in node.segments]), *(u for _, u in node.segments),
                  1 / np.sqrt(m.Qc[self.noisy] * h_total), [node.measured[k] / sigma[k] for k in node.measured]]
        guess = [nodes[0].s] + [node.s for node in nodes[1:]] + [np.zeros(nw)] * N
        lbx = np.concatenate([self.lower] * (N + 1) + [np.full(nw * N, -np.inf)])
        ubx = np.concatenate([self.upper] * (N + 1) + [np.full(nw * N, np.inf)])
        sol = solver(x0=np.clip(np.concatenate(guess), lbx, ubx), p=np.concatenate([np.ravel(a) for a in p]),
                     lbx=lbx, ubx=ubx, lbg=0, ubg=0)
        return np.asarray(sol["x"]).ravel()[: n * (N + 1)].reshape(N + 1, n), solver.stats()["return_status"]

    def _build(self, shape) -> ca.Function:
        """The NLP of one window shape (RK4 steps per interval, measurements per node, singular directions of the
        arrival covariance), its data as parameters: built once, solved at every update of the same shape."""
        m = self.model
        steps, measured, n_null = shape
        n, N, nw, nu = m.n, len(steps), len(self.noisy), len(m.input_names)
        sym = ca.MX.sym
        S = [sym(f"S{k}", n) for k in range(N + 1)]
        W = [sym(f"W{k}", nw) for k in range(N)]
        s_bar, L, V0 = sym("s_bar", n), sym("L", n, n), sym("V0", n, n_null)
        params = [s_bar, L, V0]
        G = np.zeros((n, nw))
        G[self.noisy, np.arange(nw)] = 1.0
        cost = ca.sumsqr(L @ (S[0] - s_bar))
        g = [V0.T @ (S[0] - s_bar)] if n_null else []
        y_of = m.output_fn
        rows = {name: m.dae.y_names.index(name) for name in m.meas_names}
        sigma = dict(zip(m.meas_names, np.sqrt(m.R), strict=True))
        for k in range(1, N + 1):
            hs, us = sym(f"h{k}", len(steps[k - 1])), [sym(f"u{k}_{j}", nu) for j in range(len(steps[k - 1]))]
            w_scale, z = sym(f"wq{k}", nw), sym(f"z{k}", len(measured[k - 1]))
            params += [hs, *us, w_scale, z]
            x = S[k - 1]
            for j, substeps in enumerate(steps[k - 1]):
                x = m.flow(x, us[j], hs[j], substeps)
            g.append(S[k] - x - (G @ W[k - 1] if nw else 0))
            if nw:
                cost += ca.sumsqr(W[k - 1] * w_scale)
            y = y_of(S[k], us[-1] if us else np.zeros(nu))
            for i, name in enumerate(measured[k - 1]):
                cost += (z[i] - y[rows[name]] / sigma[name]) ** 2
        nlp = {"x": ca.vertcat(*S, *W), "p": ca.vertcat(*(ca.vec(q) for q in params)), "f": cost,
               "g": ca.vertcat(*g)}
        return ca.nlpsol("mhe", "ipopt", nlp, {"ipopt": self.ipopt, "print_time": False})
