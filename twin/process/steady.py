"""Steady states and optimisation from the same model: CasADi's rootfinder and Ipopt.

>>> ss = steady_state(Flowsheet(CSTR("R-1")).build(), guess={"R-1.T": 350})      # doctest: +SKIP
>>> ss["R-1.T"]                                                                  # doctest: +SKIP
"""
from __future__ import annotations

import casadi as ca
import numpy as np

from twin.process.flowsheet import Dae


class SteadyStateError(RuntimeError):
    """No steady state found from the given guess."""


def _values(dae: Dae, inputs: dict | None) -> np.ndarray:
    p = dae.p0.copy()
    for name, value in (inputs or {}).items():
        if name not in dae.p_names:
            raise KeyError(f"{name!r} is not an input or parameter; they are {dae.p_names}")
        p[dae.p_names.index(name)] = value
    return p


def steady_state(dae: Dae, inputs: dict[str, float] | None = None, guess: dict[str, float] | None = None,
                 tol: float = 1e-10) -> dict[str, float]:
    """Solve ``0 = f(x, z, p)``, ``0 = g(x, z, p)`` by Newton's method from the start values (or ``guess``).

    Returns the states, algebraic variables and outputs by tag name. Which steady state is found (a CSTR may have
    three) depends on the guess.
    """
    w = ca.vertcat(dae.x, dae.z)
    res = ca.Function("res", [w, dae.p], [ca.vertcat(dae.f, dae.g)])
    solver = ca.rootfinder("steady", "newton", res, {"abstol": tol, "max_iter": 200, "error_on_fail": True})
    w0 = np.concatenate([dae.x0, dae.z0])
    names = dae.x_names + dae.z_names
    for name, value in (guess or {}).items():
        if name not in names:
            raise KeyError(f"{name!r} is not a state or algebraic variable; they are {names}")
        w0[names.index(name)] = value
    p = _values(dae, inputs)
    try:
        w_ss = np.asarray(solver(w0, p)).ravel()
    except RuntimeError as exc:
        raise SteadyStateError(f"no steady state found from the guess: {str(exc).strip().splitlines()[-1]}; "
                               "try another guess (guess={'TAG.state': value})") from None
    nx = dae.x.numel()
    y = np.asarray(ca.Function("y", [dae.x, dae.z, dae.p], [dae.y])(w_ss[:nx], w_ss[nx:], p)).ravel()
    return dict(zip(names, w_ss, strict=True)) | dict(zip(dae.y_names, y, strict=True))


def optimize_steady_state(dae: Dae, minimize: str, decide: dict[str, tuple[float, float]],
                          bounds: dict[str, tuple[float, float]] | None = None,
                          inputs: dict[str, float] | None = None, guess: dict[str, float] | None = None,
                          maximize: bool = False) -> dict[str, float]:
    """Choose the inputs ``decide`` (within their bounds) so that the steady state minimises an output or state.

    ``bounds`` limit outputs and states at the optimum (``{"R-1.T": (0, 360)}``). Solved by Ipopt as one NLP in
    the inputs, states and algebraic variables. Returns the decisions, states and outputs by tag.
    """
    p = _values(dae, inputs)
    p_sym = ca.SX(p)
    free = []
    for name in decide:
        if name not in dae.p_names:
            raise KeyError(f"{name!r} is not an input; inputs are {dae.p_names}")
        free.append(dae.p_names.index(name))
    u = ca.SX.sym("u", len(free))
    for k, i in enumerate(free):
        p_sym[i] = u[k]
    w = ca.vertcat(dae.x, dae.z)
    signals = dict(zip(dae.x_names + dae.z_names, ca.vertsplit(w), strict=True))
    signals |= dict(zip(dae.y_names, ca.vertsplit(dae.y), strict=True))
    if minimize not in signals:
        raise KeyError(f"{minimize!r} is not a state or output; they are {list(signals)}")

    def at(expr):
        return ca.substitute(expr, dae.p, p_sym)

    objective = at(signals[minimize]) * (-1 if maximize else 1)
    g = [at(ca.vertcat(dae.f, dae.g))]
    lbg, ubg = [0.0] * (dae.x.numel() + dae.z.numel()), [0.0] * (dae.x.numel() + dae.z.numel())
    for name, (lo, hi) in (bounds or {}).items():
        if name not in signals:
            raise KeyError(f"{name!r} is not a state or output; they are {list(signals)}")
        g.append(at(signals[name]))
        lbg.append(lo)
        ubg.append(hi)
    nlp = {"x": ca.vertcat(u, w), "f": objective, "g": ca.vertcat(*g)}
    solver = ca.nlpsol("opt", "ipopt", nlp, {"ipopt.print_level": 0, "print_time": False, "ipopt.sb": "yes"})
    names = dae.x_names + dae.z_names
    w0 = np.concatenate([dae.x0, dae.z0])
    for name, value in (guess or {}).items():
        w0[names.index(name)] = value
    u0 = [min(max(p[i], decide[n][0]), decide[n][1]) for n, i in zip(decide, free, strict=True)]
    lbx = [lo for lo, _ in decide.values()] + [-np.inf] * len(w0)
    ubx = [hi for _, hi in decide.values()] + [np.inf] * len(w0)
    sol = solver(x0=np.concatenate([u0, w0]), lbx=lbx, ubx=ubx, lbg=lbg, ubg=ubg)
    if not solver.stats()["success"]:
        raise SteadyStateError(f"Ipopt did not converge: {solver.stats()['return_status']}")
    v = np.asarray(sol["x"]).ravel()
    out = dict(zip(decide, v[: len(free)], strict=True))
    p_opt = p.copy()
    p_opt[free] = v[: len(free)]
    nx = dae.x.numel()
    y = np.asarray(ca.Function("y", [dae.x, dae.z, dae.p], [dae.y])(v[len(free):len(free) + nx],
                                                                   v[len(free) + nx:], p_opt)).ravel()
    return out | dict(zip(names, v[len(free):], strict=True)) | dict(zip(dae.y_names, y, strict=True))


def optimal_control(dae: Dae, controls: dict[str, tuple[float, float]], horizon: float, intervals: int,
                    minimize: str, bounds: dict[str, tuple[float, float]] | None = None,
                    inputs: dict[str, float] | None = None, x0: dict[str, float] | None = None) -> dict:
    """Piecewise-constant inputs over ``intervals`` equal steps that minimise the time integral of an output.

    Direct multiple shooting: CVODES integrates each interval (with its sensitivities), Ipopt solves the NLP in the
    controls and the states at the interval boundaries; ``bounds`` hold states at those boundaries (``{"R-1.T":
    (0, 360)}``). Returns ``t`` (interval starts), the control columns by tag, the state trajectories at the
    boundaries by tag and ``objective``.
    """
    p = _values(dae, inputs)
    idx = []
    for name in controls:
        if name not in dae.p_names:
            raise KeyError(f"{name!r} is not an input; inputs are {dae.p_names}")
        idx.append(dae.p_names.index(name))
    if dae.z.numel():
        raise NotImplementedError("optimal_control handles ODE flowsheets (no algebraic variables) for now")
    signals = dict(zip(dae.x_names, ca.vertsplit(dae.x), strict=True)) | dict(
        zip(dae.y_names, ca.vertsplit(dae.y), strict=True))
    if minimize not in signals:
        raise KeyError(f"{minimize!r} is not a state or output; they are {list(signals)}")
    h = horizon / intervals
    step = ca.integrator("ocp_step", "cvodes", {"x": dae.x, "p": dae.p, "ode": dae.f, "quad": signals[minimize]},
                         0.0, h, {"reltol": 1e-10, "abstol": 1e-12})
    nx, nu = dae.x.numel(), len(idx)
    X = [ca.MX.sym(f"X{k}", nx) for k in range(intervals + 1)]
    U = [ca.MX.sym(f"U{k}", nu) for k in range(intervals)]
    start = dae.x0.copy()
    for name, value in (x0 or {}).items():
        start[dae.x_names.index(name)] = value
    J, g, lbg, ubg = 0, [X[0] - start], [0.0] * nx, [0.0] * nx
    for k in range(intervals):
        pk = ca.MX(ca.DM(p))
        for j, i in enumerate(idx):
            pk[i] = U[k][j]
        r = step(x0=X[k], p=pk)
        J += r["qf"]
        g.append(r["xf"] - X[k + 1])
        lbg += [0.0] * nx
        ubg += [0.0] * nx
    lbx, ubx = [], []
    for _ in range(intervals + 1):
        lo, hi = np.full(nx, -np.inf), np.full(nx, np.inf)
        for name, (a, b) in (bounds or {}).items():
            if name not in dae.x_names:
                raise KeyError(f"bounds apply to states; {name!r} is not one of {dae.x_names}")
            lo[dae.x_names.index(name)], hi[dae.x_names.index(name)] = a, b
        lbx.append(lo)
        ubx.append(hi)
    for _ in range(intervals):
        lbx.append(np.array([lo for lo, _ in controls.values()]))
        ubx.append(np.array([hi for _, hi in controls.values()]))
    w = ca.vertcat(*X, *U)
    solver = ca.nlpsol("ocp", "ipopt", {"x": w, "f": J, "g": ca.vertcat(*g)},
                       {"ipopt.print_level": 0, "print_time": False, "ipopt.sb": "yes"})
    w0 = np.concatenate([np.tile(start, intervals + 1)] + [np.clip(p[idx], lbx[-1], ubx[-1])] * intervals)
    sol = solver(x0=w0, lbx=np.concatenate(lbx), ubx=np.concatenate(ubx), lbg=lbg, ubg=ubg)
    if not solver.stats()["success"]:
        raise SteadyStateError(f"Ipopt did not converge: {solver.stats()['return_status']}")
    v = np.asarray(sol["x"]).ravel()
    Xs = v[: nx * (intervals + 1)].reshape(intervals + 1, nx)
    Us = v[nx * (intervals + 1):].reshape(intervals, nu)
    out = {"t": np.arange(intervals + 1) * h, "objective": float(sol["f"])}
    out |= {name: Us[:, j] for j, name in enumerate(controls)}
    out |= {name: Xs[:, i] for i, name in enumerate(dae.x_names)}
    return out
