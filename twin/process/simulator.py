"""Integrating a flowsheet's DAE with CVODES (ODE) or IDAS (DAE) on a sample grid, locating state events.

The DAE is integrated in scaled time ``tau`` with ``t = t0 + h * tau``, so that a handful of integrators built once
(output grids of 1, 8, 64, 512 and 4096 steps of ``tau``) cover any span: a span of ``n`` samples is done in chunks
taken greedily from the largest grid. CasADi evaluates the outputs and the guards of a whole chunk in one call.

A guard that changes sign between two samples is located by Brent's method on the integrator started from the
earlier sample (tolerance ``event_tol``, 1e-9 s by default), and the integration stops there.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import casadi as ca
import numpy as np
from scipy.optimize import brentq

from twin.process.flowsheet import Dae

GRIDS = (4096, 512, 64, 8, 1)
TINY = 1e-12  # a span of time, relative to the clock (at least 1 s), too short to integrate


class IntegrationError(RuntimeError):
    """The integrator failed; the message names the units, the simulated time and the offending state values."""


@dataclass
class Segment:
    """What one :meth:`Simulator.advance` produced: sample times, outputs (rows: ``dae.y_names``) and events."""

    t: np.ndarray
    y: np.ndarray
    t_end: float
    fired: list[str]


class Simulator:
    """Integrates one :class:`~twin.process.flowsheet.Dae` forward in time from ``t0`` and state ``x0``.

    ``dt`` is the sample interval of the outputs (s); ``rtol``/``atol`` the integrator tolerances; ``compiled=True``
    generates C code for the model functions, compiles it with the system C compiler and caches the library by the
    model's hash (see :mod:`twin.process.codegen`).
    """

    def __init__(self, dae: Dae, dt: float = 1.0, rtol: float = 1e-10, atol: float = 1e-12,
                 event_tol: float = 1e-9, compiled: bool = False, max_num_steps: int = 10_000) -> None:
        if not dt > 0:
            raise ValueError(f"sample interval dt must be positive, got {dt!r}")
        self.dae, self.dt, self.event_tol = dae, float(dt), event_tol
        self.t = 0.0
        self.x = dae.x0.copy()
        self.z = dae.z0.copy()
        self.p = dae.p0.copy()
        self.solver = "idas" if dae.z.numel() else "cvodes"
        grid, ye_map, ye, self._rhs = _functions(dae, rtol, atol, max_num_steps, compiled)
        self._grid = {k: _Fast(f) for k, f in grid.items()}
        self._ye = {k: _Fast(f) for k, f in ye_map.items()}
        self._ye1 = _Fast(ye)
        self.n_y = dae.y.numel()
        self.directions = np.array([d for _, d in dae.guards], dtype=int)
        self._side = None  # sign of each guard at the current time (+1/-1), set on the first advance

    # -- state --------------------------------------------------------------------------------------------------
    def outputs(self) -> np.ndarray:
        """Outputs (``dae.y_names``) at the current time."""
        return self._at(self.x, self.z)[: self.n_y]

    def guards(self) -> np.ndarray:
        return self._at(self.x, self.z)[self.n_y:]

    def _at(self, x, z) -> np.ndarray:
        """Outputs then guards at one state (a fresh array)."""
        f = self._ye1
        f.args[0][:], f.args[1][:], f.args[2][:] = x, z, self.p
        f()
        return f.res[0].copy()

    # -- integration --------------------------------------------------------------------------------------------
    def _step(self, k: int, h: float, x, z):
        """Integrate ``k`` steps of length ``h`` from (x, z); returns (X, Z) with one column per step."""
        f = self._grid[k]
        f.args[0][:], f.args[1][:], f.args[2][:-1], f.args[2][-1] = x, z, self.p, h
        try:
            f()
        except RuntimeError as exc:
            raise _Failed(str(exc)) from None
        # views of the integrator's output buffers: valid until the next call with the same k
        X = f.res[0].reshape(k, len(self.x)).T
        Z = f.res[1].reshape(k, len(self.z)).T
        if not (np.isfinite(f.res[0]).all() and np.isfinite(f.res[1]).all()):
            raise _Failed("the integrator returned non-finite values")
        return X, Z

    def _outputs(self, k: int, X: np.ndarray, Z: np.ndarray) -> np.ndarray:
        """Outputs and guards at ``k`` states (columns)."""
        f = self._ye[k]
        f.args[0][:], f.args[1][:], f.args[2][:] = X.ravel(order="F"), Z.ravel(order="F"), self.p
        f()
        return f.res[0].reshape(k, -1).T  # a view of the buffer, valid until the next call with the same k

    def advance(self, t_end: float, p: np.ndarray | None = None) -> Segment:
        """Integrate to ``t_end`` or to the first state event before it, with inputs ``p`` held constant.

        Returns the outputs at every sample time ``k * dt`` in ``(t, t_reached]`` plus ``t_reached`` itself.
        """
        if p is not None:
            p = np.asarray(p, float)
            if self._side is not None and not np.array_equal(p, self.p):
                # a guard the new inputs move (a trip point raised) is on the side they put it, not where the last
                # crossing left it: else a crossing within the next sample interval would go unseen
                before = self.guards()
                self.p = p
                after = self.guards()
                self._side = np.where(after != before, np.sign(after), self._side)
            self.p = p
        if self._side is None:
            self._side = np.sign(self.guards())
        t0 = self.t
        if t_end <= t0:
            return Segment(np.empty(0), np.empty((self.n_y, 0)), t0, [])
        if t_end - t0 <= TINY * max(1.0, abs(t0)):
            # a span below any step the integrator can take (an event a hair after the last one): the state cannot
            # move measurably, so the clock moves alone (SUNDIALS fails on such a step, TOO_MUCH_WORK)
            self.t = t_end
            return Segment(np.array([t_end]), self._at(self.x, self.z)[: self.n_y, None], t_end, [])
        grid = np.arange(math.floor(t0 / self.dt) + 1, math.ceil(t_end / self.dt)) * self.dt
        grid = grid[(grid > t0 + 1e-12) & (grid < t_end - 1e-12)]
        times = np.append(grid, t_end)
        out_t, out_y = [], []
        i, cap = 0, GRIDS[0]
        x, z, t = self.x, self.z, t0
        try:
            while i < len(times):
                # First step to the next grid point (unequal), then equal chunks of dt.
                remaining = len(times) - 1 - i  # whole sample intervals before the last point
                if t == t0 or remaining == 0 or abs(times[i] - t - self.dt) > 1e-9 * self.dt:
                    k, h = 1, times[i] - t
                else:
                    k, h = next(g for g in GRIDS if g <= min(cap, remaining)), self.dt
                try:
                    X, Z = self._step(k, h, x, z)
                except _Failed:
                    if k == 1:
                        raise
                    # a long chunk may run past a guard into a region where the model breaks down (a volume
                    # through zero): retry shorter, so that the guard stops the integration first
                    cap = GRIDS[GRIDS.index(k) + 1]
                    continue
                YE = self._outputs(k, X, Z)
                ts = t + h * np.arange(1, k + 1) if k > 1 else np.array([times[i]])
                fired, te, xe, ze = self._events(t, x, z, ts, X, Z, YE, h)
                if fired:
                    n = int(np.searchsorted(ts, te, side="left"))
                    out_t += [ts[:n], [te]]
                    ye = self._at(xe, ze)
                    out_y += [YE[: self.n_y, :n].copy(), ye[: self.n_y, None]]
                    self.t, self.x, self.z = te, xe, ze
                    return Segment(np.concatenate(out_t), np.hstack(out_y), te, fired)
                out_t.append(ts)
                out_y.append(YE[: self.n_y].copy())
                x, z, t = X[:, -1].copy(), Z[:, -1].copy(), ts[-1]
                i += k
        except _Failed as exc:
            self.t, self.x, self.z = t, x, z
            raise IntegrationError(self._diagnose(t, times[min(i, len(times) - 1)], x, z, str(exc))) from None
        self.t, self.x, self.z = t_end, x, z
        return Segment(np.concatenate(out_t), np.hstack(out_y), t_end, [])

    def _events(self, t, x, z, ts, X, Z, YE, h):
        """Find the first guard crossing in a chunk; locate it by root finding from the sample before it."""
        if not len(self.directions):
            return [], None, None, None
        E = YE[self.n_y:]
        signs = np.sign(E)
        if (signs == self._side[:, None]).all():  # the common case: every guard stays on its side
            return [], None, None, None
        k = E.shape[1]
        S = np.hstack([self._side[:, None], signs])
        # carry the last non-zero side forward, so that a guard resting on zero does not cross twice
        last = np.maximum.accumulate(np.where(S != 0, np.arange(k + 1), 0), axis=1)
        before = np.take_along_axis(S, last, axis=1)[:, :-1]
        now = S[:, 1:]
        crossed = (before * now < 0) | ((before != 0) & (now == 0))
        crossed &= (self.directions[:, None] == 0) | (self.directions[:, None] == np.where(before < 0, 1, -1))
        columns = np.flatnonzero(crossed.any(axis=0))
        if not len(columns):
            self._side = np.take_along_axis(S, last[:, -1:], axis=1)[:, 0]
            return [], None, None, None
        first = int(columns[0])
        hits = np.flatnonzero(crossed[:, first])
        side = before[:, first].copy()  # at the event time, guards that did not fire keep their side
        x_a = (x if first == 0 else X[:, first - 1]).copy()  # copies: root finding reuses the buffers
        z_a = (z if first == 0 else Z[:, first - 1]).copy()
        t_a = t if first == 0 else ts[first - 1]
        span = ts[first] - t_a
        g_end = E[hits, first]
        times = []
        for gi, g_b in zip(hits, g_end, strict=True):
            def g(s, gi=gi):
                if s <= 0:
                    return float(self._at(x_a, z_a)[self.n_y + gi])
                Xs, Zs = self._step(1, s, x_a, z_a)
                return float(self._at(Xs[:, 0], Zs[:, 0])[self.n_y + gi])

            g_a = g(0.0)
            times.append(span if g_b == 0 else (0.0 if g_a == 0 else
                         brentq(g, 0.0, span, xtol=self.event_tol, rtol=4 * np.finfo(float).eps)))
        s_e = min(times)
        fired = [self.dae.guards[gi][0] for gi, s in zip(hits, times, strict=True) if s - s_e <= self.event_tol]
        for gi, s in zip(hits, times, strict=True):
            if s - s_e <= self.event_tol:  # after the event the guard is on its new side
                side[gi] = self.directions[gi] or -side[gi]
        self._side = side
        if s_e > 0:
            Xe, Ze = self._step(1, s_e, x_a, z_a)
            xe, ze = Xe[:, 0].copy(), Ze[:, 0].copy()
        else:
            xe, ze = x_a, z_a
        return fired, t_a + s_e, xe, ze

    def _diagnose(self, t_ok: float, t_try: float, x, z, message: str) -> str:
        """Which units and states misbehave: non-finite values or derivatives, else the fastest-changing ones."""
        names = self.dae.x_names
        x = np.asarray(x, float)
        try:
            f = np.asarray(self._rhs(x, z, self.p)).ravel()
        except RuntimeError:
            f = np.full_like(x, np.nan)
        bad = [i for i in range(len(x)) if not (np.isfinite(x[i]) and np.isfinite(f[i]))]
        if not bad:
            rate = np.abs(f) / np.maximum(np.abs(x), 1e-12)
            bad = list(np.argsort(-rate)[:3])
        units = sorted({names[i].split(".")[0] for i in bad})
        values = ", ".join(f"{names[i]} = {x[i]:.6g} (d/dt = {f[i]:.3g})" for i in bad)
        code = next((c for c in _SUNDIALS if c in message), None)
        reason = _SUNDIALS[code] + f" ({code})" if code else (message.strip().splitlines() or ["failure"])[-1][:200]
        return (f"integration failed in unit(s) {', '.join(units)} between t = {t_ok:.9g} s and t = {t_try:.9g} s: "
                f"{values}. Integrator: {reason}. Check these units' parameters and inputs (a value out of range, "
                "a division by zero, a runaway), or loosen the tolerances.")


_SUNDIALS = {  # what the integrators' return codes mean for a model
    "TOO_MUCH_WORK": "it took more than max_num_steps steps (a state racing away, or a very stiff moment)",
    "CONV_FAIL": "the Newton iteration did not converge (a discontinuity or a singular Jacobian)",
    "ERR_FAIL": "the error test failed repeatedly (a singularity ahead)",
    "RHSFUNC_ERR": "the equations returned NaN or infinity",
    "RESFUNC_ERR": "the equations returned NaN or infinity",
    "TOO_CLOSE": "the time span is too short",
}


class _Failed(Exception):
    pass


#: CasADi functions by model and options: building the integrators takes tens of ms, a short run (one Monte Carlo
#: path of a batch) less; functions are shared, each Simulator calls them through buffers of its own.
_FUNCTIONS: dict[tuple, tuple] = {}


def _functions(dae: Dae, rtol: float, atol: float, max_num_steps: int, compiled: bool) -> tuple:
    """The integrators on every grid, the outputs-and-guards function (mapped per grid and alone), the RHS."""
    key = (dae.hash(), rtol, atol, max_num_steps, compiled)
    if key in _FUNCTIONS:
        return _FUNCTIONS[key]
    h = ca.SX.sym("h")
    empty = ca.SX(0, 1)
    scaled = ca.Function("twin_dae", [ca.SX.sym("t"), dae.x, dae.z, ca.vertcat(dae.p, h), empty],
                         [h * dae.f, dae.g, empty, empty], ["t", "x", "z", "p", "u"], ["ode", "alg", "quad", "zero"])
    solver = "idas" if dae.z.numel() else "cvodes"
    opts = {"reltol": rtol, "abstol": atol, "max_num_steps": max_num_steps, "show_eval_warnings": False,
            "disable_internal_warnings": True}
    ye = ca.Function("twin_ye", [dae.x, dae.z, dae.p], [ca.vertcat(dae.y, dae.e)])
    if compiled:
        from twin.process.codegen import compiled as load_compiled

        scaled, ye = load_compiled([scaled, ye], dae.hash())
    grid = {k: ca.integrator(f"grid{k}", solver, scaled, 0.0, [float(i) for i in range(1, k + 1)], opts)
            for k in GRIDS}
    functions = (grid, {k: ye.map(f"ye{k}", "serial", k, [2], []) for k in GRIDS}, ye,
                 ca.Function("rhs", [dae.x, dae.z, dae.p], [dae.f]))
    if len(_FUNCTIONS) >= 16:
        del _FUNCTIONS[next(iter(_FUNCTIONS))]
    _FUNCTIONS[key] = functions
    return functions


class _Fast:
    """Calls a CasADi Function on preallocated NumPy arrays (no conversion to and from DM): fill ``args``, call,
    read ``res`` (flat, column-major)."""

    def __init__(self, f: ca.Function) -> None:
        self.f = f
        self.buffer, self.trigger = f.buffer()
        self.args = [np.zeros(f.nnz_in(i)) for i in range(f.n_in())]
        self.res = [np.zeros(f.nnz_out(i)) for i in range(f.n_out())]
        for i, a in enumerate(self.args):
            self.buffer.set_arg(i, memoryview(a))
        for i, a in enumerate(self.res):
            self.buffer.set_res(i, memoryview(a))

    def __call__(self) -> None:
        self.trigger()
        if self.buffer.ret():
            raise RuntimeError(f"{self.f.name()} failed (return code {self.buffer.ret()})")


def simulate(*models, until: float, dt: float = 1.0, connect: tuple[tuple[str, str], ...] = (),
             inputs: dict[str, float] | None = None, solve_loops: bool = False, **options) -> dict[str, np.ndarray]:
    """Integrate process models on their own, without a twin: FMPy's ``simulate_fmu`` for CasADi models.

    ``connect`` lists ``(outlet, inlet)`` paths; ``inputs`` overrides input or parameter tags (``{"R-1.UA": 0}``);
    state events are located but do not stop the run. Returns columns ``t`` and one per state and output tag.
    """
    from twin.process.flowsheet import Flowsheet

    fs = Flowsheet(*models, solve_loops=solve_loops)
    for source, target in connect:
        fs.connect(source, target)
    dae = fs.build()
    sim = Simulator(dae, dt=dt, **options)
    for name, value in (inputs or {}).items():
        if name not in dae.p_names:
            raise KeyError(f"{name!r} is not an input or parameter of these models; they are {dae.p_names}")
        sim.p[dae.p_names.index(name)] = value
    ts, ys = [np.array([0.0])], [sim.outputs()[:, None]]
    while sim.t < until:
        seg = sim.advance(until)
        ts.append(seg.t)
        ys.append(seg.y)
    Y = np.hstack(ys)
    return {"t": np.concatenate(ts)} | {name: Y[i] for i, name in enumerate(dae.y_names)}
