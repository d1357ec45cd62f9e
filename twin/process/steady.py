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
