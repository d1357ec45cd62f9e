"""The model an estimator works on: a flowsheet's ODE with its uncertain parameters appended to the state.

The augmented state is ``s = [x; theta]``: the DAE's states ``x`` (``dae.x_names``) and the estimated parameters
``theta`` (entries of ``dae.p`` named in ``parameters``), which follow ``theta' = 0`` plus a random walk. The other
entries of ``dae.p`` are the inputs ``u``, held constant over each step. Everything here is checked at construction
with a one-line :class:`EstimationError` naming the key and the nearest valid name.

Three CasADi functions are built once per model:

- ``step(s, u, h) -> (s(h), Phi)``: CVODES over ``[0, h]`` (in scaled time, ``h`` a parameter) and its state
  transition matrix ``Phi = d s(h) / d s(0)`` from CVODES' forward sensitivities;
- ``jac(s, u) -> A = df/ds``: for the process-noise integral (Van Loan) over a step;
- ``out(s, u) -> (y, dy/ds)``: every output of the DAE and its Jacobian (measurements are rows of it).
"""
from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Mapping

import casadi as ca
import numpy as np

from twin.process.flowsheet import Dae
from twin.process.simulator import _Fast


class EstimationError(ValueError):
    """An estimator set up or fed inconsistently; the message names the key and suggests the fix."""


def check_name(name: str, valid: Iterable[str], what: str, where: str) -> str:
    """``name`` if it is one of ``valid``; else an :class:`EstimationError` with the nearest valid names."""
    valid = list(valid)
    if name in valid:
        return name
    close = difflib.get_close_matches(str(name), valid, n=3)
    hint = f"did you mean {', '.join(close)}?" if close else f"valid names are {valid[:12]}"
    raise EstimationError(f"{where}: {name!r} is not {what}; {hint}")


def check_sigma(name: str, value, where: str, zero_ok: bool) -> float:
    """A standard deviation: finite and positive (or zero where ``zero_ok``)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise EstimationError(f"{where}[{name!r}]: a standard deviation must be a number, got {value!r}") from None
    if not math.isfinite(v) or v < 0 or (v == 0 and not zero_ok):
        need = "non-negative" if zero_ok else "positive"
        raise EstimationError(f"{where}[{name!r}]: a standard deviation must be finite and {need}, got {value!r}")
    return v


class AugmentedModel:
    """A :class:`~twin.process.flowsheet.Dae` as an estimator sees it (see the module docstring).

    ``measurements``: output name (``dae.y_names``: states and outputs) -> noise standard deviation (its unit).
    ``parameters``: parameter name (``dae.p_names``) -> prior standard deviation.
    ``process_noise``: state or estimated parameter -> diffusion ``q`` (unit per sqrt(s)): its variance grows by
    ``q**2`` per second (a random walk for a parameter; default 0, a constant).
    ``x0``: start values of states and estimated parameters (default: the DAE's own); ``std0``: initial standard
    deviations of states (default 0); ``inputs``: values of the other entries of ``dae.p`` (default: the DAE's).
    ``rtol``/``atol``: CVODES' tolerances. ``max_step`` (s): integrate instead with classical Runge-Kutta (RK4)
    steps of at most this length and differentiate them exactly (CasADi): tens of times cheaper on a large flowsheet,
    with an error of order ``max_step**4`` that the caller chooses (a fraction of the fastest time constant).
    """

    def __init__(self, dae: Dae, measurements: Mapping[str, float], parameters: Mapping[str, float] | None = None,
                 process_noise: Mapping[str, float] | None = None, x0: Mapping[str, float] | None = None,
                 std0: Mapping[str, float] | None = None, inputs: Mapping[str, float] | None = None,
                 rtol: float = 1e-10, atol: float = 1e-12, max_step: float | None = None) -> None:
        if not isinstance(dae, Dae):
            raise EstimationError(f"the estimator takes a flowsheet's Dae (Flowsheet.build()), "
                                  f"not {type(dae).__name__}")
        if dae.z.numel():
            raise EstimationError(f"the DAE has algebraic variables {dae.z_names[:5]}; the estimators take ODE "
                                  "flowsheets (build without solve_loops, or give the loop a unit with holdup)")
        parameters, measurements = dict(parameters or {}), dict(measurements or {})
        if not measurements:
            raise EstimationError("measurements: give at least one output name with its noise standard deviation")
        self.dae = dae
        self.theta_names = [check_name(n, dae.p_names, "a parameter or input of the DAE", "parameters")
                            for n in parameters]
        self.theta_index = [dae.p_names.index(n) for n in self.theta_names]
        self.input_names = [n for n in dae.p_names if n not in parameters]
        self.input_index = [dae.p_names.index(n) for n in self.input_names]
        self.names = list(dae.x_names) + self.theta_names
        self.n, self.nx = len(self.names), len(dae.x_names)
        self.meas_names = [check_name(n, dae.y_names, "an output (state or output tag) of the DAE", "measurements")
                           for n in measurements]
        self.meas_index = np.array([dae.y_names.index(n) for n in self.meas_names], int)
        self.R = np.array([check_sigma(n, s, "measurements", False) ** 2 for n, s in measurements.items()])

        self.s0 = np.concatenate([dae.x0, dae.p0[self.theta_index]]).astype(float)
        for name, value in (x0 or {}).items():
            self.s0[self.index(check_name(name, self.names, "a state or estimated parameter", "x0"))] = float(value)
        sd = np.zeros(self.n)
        for name, value in (std0 or {}).items():
            sd[self.index(check_name(name, dae.x_names, "a state", "std0"))] = check_sigma(name, value, "std0", True)
        for name, value in parameters.items():
            sd[self.index(name)] = check_sigma(name, value, "parameters", False)
        self.P0 = np.diag(sd**2)
        self.Qc = np.zeros(self.n)
        for name, value in (process_noise or {}).items():
            i = self.index(check_name(name, self.names, "a state or estimated parameter", "process_noise"))
            self.Qc[i] = check_sigma(name, value, "process_noise", True) ** 2
        self.u0 = dae.p0[self.input_index].astype(float)
        self.u0 = self.inputs(self.u0, inputs or {}, "inputs")
        if max_step is not None and not (isinstance(max_step, int | float) and 0 < max_step < math.inf):
            raise EstimationError(f"max_step must be a positive number of seconds (or None: CVODES), got {max_step!r}")
        self.max_step = max_step
        self._build(rtol, atol)

    def index(self, name: str) -> int:
        return self.names.index(name)

    def inputs(self, u: np.ndarray, values: Mapping[str, float], where: str) -> np.ndarray:
        """``u`` with ``values`` (input name -> value) written in; a new array."""
        u = np.array(u, float)
        for name, value in values.items():
            u[self.input_names.index(check_name(name, self.input_names, "an input of the DAE (estimated "
                                                "parameters are not inputs)", where))] = float(value)
        return u

    # -- CasADi functions ---------------------------------------------------------------------------------------
    def _build(self, rtol: float, atol: float) -> None:
        dae = self.dae
        s = ca.vertcat(dae.x, *(dae.p[i] for i in self.theta_index))
        u = ca.vertcat(*(dae.p[i] for i in self.input_index)) if self.input_index else ca.SX(0, 1)
        h = ca.SX.sym("h")
        f = ca.vertcat(dae.f, ca.SX(len(self.theta_index), 1))
        opts = {"reltol": rtol, "abstol": atol, "max_num_steps": 100_000, "show_eval_warnings": False,
                "disable_internal_warnings": True}
        integrator = ca.integrator("estimation_step", "cvodes", {"x": s, "p": ca.vertcat(u, h), "ode": h * f},
                                   0.0, 1.0, opts)
        S, U, H = ca.MX.sym("s", self.n), ca.MX.sym("u", u.numel()), ca.MX.sym("h")
        sf = integrator(x0=S, p=ca.vertcat(U, H))["xf"]
        self._flow = ca.Function("flow", [S, U, H], [sf])
        self._step = _Fast(ca.Function("step", [S, U, H], [sf, ca.densify(ca.jacobian(sf, S))]))
        k1 = f
        k2 = ca.substitute(f, s, s + h / 2 * k1)
        k3 = ca.substitute(f, s, s + h / 2 * k2)
        k4 = ca.substitute(f, s, s + h * k3)
        rk4 = s + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        self._rk4 = ca.Function("rk4", [s, u, h], [rk4])
        self._rk4_step = _Fast(ca.Function("rk4_step", [s, u, h], [rk4, ca.densify(ca.jacobian(rk4, s))]))
        self._jac = _Fast(ca.Function("dfds", [s, u], [ca.densify(ca.jacobian(f, s))]))
        y = dae.y
        self.output_fn = ca.Function("out", [s, u], [y])
        self._flow_fast, self._rk4_fast = _Fast(self._flow), _Fast(self._rk4)
        self._y_fast = _Fast(self.output_fn)
        self._out = _Fast(ca.Function("out_jac", [s, u], [y, ca.densify(ca.jacobian(y, s))]))
        self._all: dict[tuple[int, int], _Fast] = {}        # RK4 over many points: (rows, sub-steps) -> function

    def substeps(self, h: float) -> int:
        """How many RK4 steps span ``h`` seconds (1 with CVODES, which chooses its own)."""
        return 1 if self.max_step is None else max(1, math.ceil(h / self.max_step - 1e-9))

    def flow(self, s, u, h, substeps: int | None = None):
        """``s(h)`` alone, for optimisers that differentiate it themselves (the MHE's NLP): ``s``, ``u`` and ``h``
        may be symbolic, then give ``substeps`` (:meth:`substeps` of the numeric ``h``)."""
        if self.max_step is None:
            return self._flow(s, u, h)
        m = self.substeps(h) if substeps is None else substeps
        for _ in range(m):
            s = self._rk4(s, u, h / m)
        return s

    def propagate(self, s: np.ndarray, u: np.ndarray, h: float) -> np.ndarray:
        """Integrate ``h`` seconds from ``s`` without the transition matrix (a fresh array)."""
        f, m = (self._flow_fast, 1) if self.max_step is None else (self._rk4_fast, self.substeps(h))
        for _ in range(m):
            f.args[0][:], f.args[1][:], f.args[2][0] = s, u, h / m
            try:
                f()
            except RuntimeError as exc:
                raise EstimationError(f"the estimator's model failed to integrate {h:g} s from "
                                      f"{dict(zip(self.names, np.round(s, 6), strict=True))}: {exc}") from None
            s = f.res[0].copy()
        return s

    def propagate_all(self, S: np.ndarray, u: np.ndarray, h: float) -> np.ndarray:
        """Integrate every row of ``S`` ``h`` seconds (the UKF's sigma points): with RK4 one CasADi call for all
        rows and sub-steps (the function is built once per number of rows and sub-steps); with CVODES row by row."""
        if self.max_step is None:
            return np.array([self.propagate(s, u, h) for s in S])
        rows, m = S.shape[0], self.substeps(h)
        f = self._all.get((rows, m))
        if f is None:
            S0, U, H = ca.MX.sym("S", self.n, rows), ca.MX.sym("u", len(u)), ca.MX.sym("h")
            step, X = self._rk4.map(rows), S0
            for _ in range(m):
                X = step(X, ca.repmat(U, 1, rows), ca.repmat(H / m, 1, rows))
            f = self._all[(rows, m)] = _Fast(ca.Function("rk4_all", [S0, U, H], [X]))
        f.args[0][:], f.args[1][:], f.args[2][0] = np.asarray(S, float).ravel(), u, h   # column-major: row by row
        f()
        out = f.res[0].reshape(rows, self.n).copy()
        if not np.isfinite(out).all():
            raise EstimationError(f"the estimator's model returned non-finite values over {h:g} s (RK4 steps of "
                                  f"{h / m:g} s); a smaller max_step, or None for CVODES")
        return out

    def output_values(self, s: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Every output (``dae.y_names``) at ``s`` (a fresh array)."""
        f = self._y_fast
        f.args[0][:], f.args[1][:] = s, u
        f()
        return f.res[0].copy()

    def step(self, s: np.ndarray, u: np.ndarray, h: float) -> tuple[np.ndarray, np.ndarray]:
        """Integrate ``h`` seconds from ``s``: the new state and the transition matrix ``Phi`` (fresh arrays)."""
        if self.max_step is not None:
            return self._rk4_steps(s, u, h)
        f = self._step
        f.args[0][:], f.args[1][:], f.args[2][0] = s, u, h
        try:
            f()
        except RuntimeError as exc:
            raise EstimationError(f"the estimator's model failed to integrate {h:g} s from "
                                  f"{dict(zip(self.names, np.round(s, 6), strict=True))}: {exc}") from None
        return f.res[0].copy(), f.res[1].reshape(self.n, self.n).T.copy()

    def _rk4_steps(self, s: np.ndarray, u: np.ndarray, h: float) -> tuple[np.ndarray, np.ndarray]:
        m = self.substeps(h)
        f, Phi = self._rk4_step, np.eye(self.n)
        for _ in range(m):
            f.args[0][:], f.args[1][:], f.args[2][0] = s, u, h / m
            f()
            s = f.res[0].copy()
            Phi = f.res[1].reshape(self.n, self.n).T @ Phi
        if not np.isfinite(s).all():
            raise EstimationError(f"the estimator's model returned non-finite values over {h:g} s (RK4 steps of "
                                  f"{h / m:g} s); a smaller max_step, or None for CVODES")
        return s, Phi

    def process_noise(self, s: np.ndarray, u: np.ndarray, h: float) -> np.ndarray:
        """``Qd = int_0^h Phi(r) Qc Phi(r)^T dr`` with ``Phi(r) = exp(A r)``, ``A`` the Jacobian at ``s`` (Van Loan,
        exact for a linear model)."""
        n = self.n
        if not self.Qc.any():
            return np.zeros((n, n))
        f = self._jac
        f.args[0][:], f.args[1][:] = s, u
        f()
        A = f.res[0].reshape(n, n).T
        M = np.zeros((2 * n, 2 * n))
        M[:n, :n], M[:n, n:], M[n:, n:] = -A * h, np.diag(self.Qc) * h, A.T * h
        E = _expm(M)
        Qd = E[n:, n:].T @ E[:n, n:]
        return (Qd + Qd.T) / 2

    def outputs(self, s: np.ndarray, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Every output (``dae.y_names``) at ``s`` and its Jacobian ``dy/ds`` (fresh arrays)."""
        f = self._out
        f.args[0][:], f.args[1][:] = s, u
        f()
        ny = len(self.dae.y_names)
        return f.res[0].copy(), f.res[1].reshape(self.n, ny).T.copy()


def _expm(M: np.ndarray) -> np.ndarray:
    """The matrix exponential by scaling and squaring with the (6, 6) Pade approximant (Golub & Van Loan, *Matrix
    Computations*, 4th ed., Algorithm 9.3.1: relative error below 1e-15 after scaling to norm 1/2). SciPy's expm
    is as accurate but starts OpenBLAS threads that cost ~1 ms per small matrix on a loaded machine."""
    norm = np.linalg.norm(M, np.inf)
    j = max(0, int(math.ceil(math.log2(norm))) + 1) if norm > 0 else 0
    A = M / 2.0**j
    eye = np.eye(len(M))
    c, X, N, D = 0.5, A, eye + 0.5 * A, eye - 0.5 * A
    for k in range(2, 7):
        c *= (6 - k + 1) / (k * (12 - k + 1))
        X = A @ X
        N += c * X
        D += (-1) ** k * c * X
    E = np.linalg.solve(D, N)
    for _ in range(j):
        E = E @ E
    return E
