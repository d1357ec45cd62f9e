"""Model-predictive control of the feeders on the line's own CasADi model (Ipopt).

The line's flowsheet (feeders, blender, feed frame: :meth:`twin.Twin.flowsheet`) is one CasADi ODE. For given feed
factors and refill states it is affine in its states and in the feeders' set points, so its Jacobians are the exact
linear model ``x' = A x + B u + c``; over one control interval ``h`` with the set points held, the matrix exponential
of ``[[A, B, c], [0, 0, 0]] h`` gives the exact discrete model. Only the states that reach the tablets are kept
(the feeders' screws, the blender's tanks, the feed frame; not the hoppers nor the tablet counter).

Each solve chooses the set points ``u_0 .. u_{N-1}`` (relative to the nominal rates, within ``[0, F_max]``) that
minimise over the horizon ``sum_k sum_c (s_c,k / s_c - 1)**2 + rate_weight * (F_k / F - 1)**2 + move_weight *
sum_c (u_c,k - u_c,k-1)**2 + band_weight * sum_k (above_k + below_k)``: every component's share ``s_c,k`` of the
tablets (the feed frame's hold-up) at its share in the recipe, the press's intake ``F_k`` at its nominal rate, calm
screws, and the API content kept inside ``band`` (the gate's band, limits tightened by the margin): ``above_k`` and
``below_k`` are how far it leaves the band, slack variables of soft constraints, an exact penalty. Without it, the
squared share error would have the controller fill a deep dip (a stopped API screw) as fast as the screws allow and
overshoot the limits once the screw restarts (107 % LC in the flagship); with it, the content is brought back to
the band's edge and no further, wherever the line can. The feed factors the model
uses are those the feeders measure (flow over screw speed), held over the horizon, so a stopped screw is seen as
a feed factor of 0 and the other feeders are moved to keep the recipe. Only the first move is applied
(receding horizon); the next solve starts from the shifted plan. The controller starts from the Twin's states
(full state feedback); on a real line the blender's and feed frame's hold-ups would come from the same RTD model
fed by the load cells, which :mod:`.rtd` shows to agree with the Twin within 0.5 % of label claim.
"""
from __future__ import annotations

from collections.abc import Mapping

import casadi as ca
import numpy as np
from scipy import linalg
from threadpoolctl import ThreadpoolController

from twin.process import Dae


class Mpc:
    """The controller of one line: ``plan(states, inputs)`` returns the optimal set points over the horizon.

    ``feeders`` maps each feeder's tag to its nominal rate (kg/s); ``press`` is the press's tag, whose feed-frame
    hold-ups ``PRESS.M_<component>`` make the tablets; ``shares`` the recipe (component -> mass fraction); ``band``
    the (low, high) content of ``api`` (default: the first component) relative to its share that the plan keeps to.
    """

    def __init__(self, dae: Dae, feeders: Mapping[str, float], press: str, shares: Mapping[str, float], *,
                 interval: float, steps: int, moves: int = 6, rate_weight: float = 0.1,
                 move_weight: float = 0.01, api: str | None = None, band: tuple[float, float] = (-np.inf, np.inf),
                 band_weight: float = 10.0) -> None:
        self.dae, self.interval, self.steps, self.moves = dae, float(interval), int(steps), int(moves)
        self.feeders = list(feeders)
        self.nominal = np.array([feeders[tag] for tag in self.feeders])
        self.u_index = [dae.p_names.index(f"{tag}.F_sp") for tag in self.feeders]
        self.ff_index = [dae.p_names.index(f"{tag}.ff") for tag in self.feeders]
        frame = [dae.x_names.index(f"{press}.M_{c}") for c in shares]
        self.states = _reaching(dae, frame)
        self.frame = [self.states.index(i) for i in frame]
        self.max_index = [dae.p_names.index(f"{tag}.F_max") for tag in self.feeders]
        self.tau_ff = dae.p_names.index(f"{press}.tau_ff")
        x, u, f = dae.x[self.states], dae.p[self.u_index], dae.f[self.states]
        self.linear = ca.Function("linear", [x, dae.p], [f, ca.jacobian(f, x), ca.jacobian(f, u)])
        self.shares = np.array(list(shares.values()))
        self.api, self.band = list(shares).index(api if api is not None else next(iter(shares))), band
        self.solver = self._nlp(self.shares, rate_weight, move_weight, band_weight)
        self.blas = ThreadpoolController()           # NumPy's and SciPy's OpenBLAS, held to one thread in plan()
        self.last: np.ndarray | None = None       # the last plan (relative set points), shifted to start the next
        self.start = self.forecast = None         # the set points it started from, its feed frame hold-ups

    def model(self, x: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(Ad, Bd, cd)``: ``x_{k+1} = Ad x_k + Bd u_k + cd`` over one interval, exact for held set points
        (``x`` the kept states, ``p`` all inputs and parameters of the flowsheet; ``u`` in kg/s)."""
        f, A, B = (np.asarray(m) for m in self.linear(x, p))
        u = p[self.u_index]
        c = f.ravel() - A @ x - B @ u
        n, m = A.shape[0], B.shape[1]
        block = np.zeros((n + m + 1, n + m + 1))
        block[:n, :n], block[:n, n:n + m], block[:n, -1] = A, B, c
        step = linalg.expm(block * self.interval)
        return step[:n, :n], step[:n, n:n + m], step[:n, -1]

    def _nlp(self, shares: np.ndarray, rate_weight: float, move_weight: float, band_weight: float):
        """Ipopt over the relative set points ``v`` of the first ``moves`` intervals (held after them) and the API
        content's excursions out of the band (``above``, ``below``, both >= 0); the feed frame's hold-ups over the
        horizon are affine in ``v``, ``G v + h`` (:meth:`predictor`)."""
        c, m, N, M = len(self.frame), len(self.feeders), self.steps, self.moves
        v = ca.SX.sym("v", m, M)
        G, h = ca.SX.sym("G", c * N, m * M), ca.SX.sym("h", c * N)
        v_prev, full = ca.SX.sym("v_prev", m), ca.SX.sym("full")
        y = ca.reshape(G @ ca.vec(v) + h, c, N)
        total = ca.sum1(y)
        J = ca.sumsqr(y / (ca.repmat(total, c, 1) * ca.repmat(ca.DM(shares), 1, N)) - 1)
        J += rate_weight * ca.sumsqr(total / full - 1)
        J += move_weight * ca.sumsqr(v - ca.horzcat(v_prev, v[:, :-1]))
        content = (y[self.api, :] / (total * shares[self.api])).T
        above, below = ca.SX.sym("above", N), ca.SX.sym("below", N)
        J += band_weight * (ca.sum1(above) + ca.sum1(below))
        params = ca.vertcat(ca.vec(G), h, v_prev, full)
        return ca.nlpsol("mpc", "ipopt", {"x": ca.vertcat(ca.vec(v), above, below), "f": J, "p": params,
                                          "g": ca.vertcat(content - above, content + below)},
                         {"ipopt.print_level": 0, "print_time": False, "ipopt.sb": "yes", "ipopt.tol": 1e-10,
                          "ipopt.bound_relax_factor": 0.0})

    def predictor(self, xs: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(G, h)``: the feed frame's hold-ups at the ends of the horizon's intervals, stacked, are ``G v + h``
        for relative set points ``v`` (stacked per interval), from the kept states ``xs``."""
        Ad, Bd, cd = self.model(xs, p)
        Bv = Bd * self.nominal
        c, m, N, M = len(self.frame), len(self.feeders), self.steps, self.moves
        G, h = np.zeros((c * N, m * M)), np.zeros(c * N)
        x, effect = xs, [Bv]                     # effect[j]: Ad**j Bv
        for k in range(N):
            x = Ad @ x + cd
            h[c * k: c * (k + 1)] = x[self.frame]
            for j in range(k + 1):                # moves after the last are held at it
                G[c * k: c * (k + 1), m * min(j, M - 1): m * (min(j, M - 1) + 1)] += effect[k - j][self.frame]
            effect.append(Ad @ effect[-1])
        return G, h

    def plan(self, x: np.ndarray, p: np.ndarray) -> np.ndarray:
        """The optimal set points (kg/s), one row per interval of the horizon, from the full state ``x`` and the
        inputs and parameters ``p`` of the flowsheet (the feed factors in ``p`` are the measured ones).

        NumPy's and SciPy's OpenBLAS run on one thread meanwhile: the products are tiny, and their second thread
        would spin waiting for work, burning a core as long as the main one does (taken from the other work on a
        busy machine). CasADi's own OpenBLAS is never handed work this size."""
        with self.blas.limit(limits=1, user_api="blas"):
            return self._plan(x, p)

    def _plan(self, x: np.ndarray, p: np.ndarray) -> np.ndarray:
        G, h = self.predictor(np.asarray(x, float)[self.states], p)
        v_prev = p[self.u_index] / self.nominal
        start = np.tile(v_prev, self.moves) if self.last is None else np.concatenate([self.last[1:], self.last[-1:]])
        full = p[self.tau_ff] * self.nominal.sum()
        N, slack = self.steps, np.zeros(2 * self.steps)
        sol = self.solver(x0=np.concatenate([start.ravel(), slack]), lbx=0.0,
                          ubx=np.concatenate([np.tile(p[self.max_index] / self.nominal, self.moves), slack + np.inf]),
                          lbg=np.repeat([-np.inf, self.band[0]], N), ubg=np.repeat([self.band[1], np.inf], N),
                          p=np.concatenate([G.ravel(order="F"), h, v_prev, [full]]))
        v = np.asarray(sol["x"])[: self.moves * len(self.feeders)].reshape(self.moves, len(self.feeders))
        self.last, self.start = v, v_prev
        self.forecast = (G @ v.ravel() + h).reshape(self.steps, len(self.frame))
        return v * self.nominal

    def at_rest(self, tolerance: float = 1e-3) -> bool:
        """Whether the last plan leaves the set points where they were (within ``tolerance`` of the nominal rates)
        and forecasts every component's share of the tablets within ``tolerance`` (relative) of the recipe."""
        moves = np.abs(self.last - self.start).max()
        shares = self.forecast / self.forecast.sum(axis=1, keepdims=True)
        return moves <= tolerance and np.abs(shares / self.shares - 1).max() <= tolerance


def _reaching(dae: Dae, targets: list[int]) -> list[int]:
    """The states on which ``targets`` depend through the dynamics (themselves included), in order."""
    pattern = ca.jacobian(dae.f, dae.x).sparsity()
    rows, cols = pattern.get_triplet()
    feeds: dict[int, set[int]] = {}
    for i, j in zip(rows, cols, strict=True):
        feeds.setdefault(i, set()).add(j)
    seen, todo = set(targets), list(targets)
    while todo:
        for j in feeds.get(todo.pop(), ()):
            if j not in seen:
                seen.add(j)
                todo.append(j)
    return sorted(seen)
