"""The moving-horizon estimator against a batch nonlinear least-squares fit of the same window.

Reference: ``scipy.optimize.least_squares`` over single shooting in ``(s_0, w_1..w_N)`` with the model integrated
by ``scipy.integrate.solve_ivp`` from the NumPy right-hand side written here (the tank of twin.process.model's
example: ``V' = F_in - k sqrt(V)``); the arrival prior is read from the MHE's first node (the EKF's estimate there).
Ipopt's multiple shooting and the reference's single shooting must reach the same minimiser.
"""
import numpy as np
import pytest
from scipy.integrate import solve_ivp
from scipy.optimize import least_squares

from twin.process import Flowsheet, ProcessModel, Simulator
from twin.process.estimation import EstimationError, MovingHorizonEstimator

SIGMA, Q = 0.005, 1e-3  # level sensor (m), diffusion of V (m3 per sqrt(s))


def tank(k: float = 0.02):
    m = ProcessModel("TK-1")
    V = m.state("V", 1.0, "m3")
    F = m.input("F_in", 0.01, "m3/s")
    k_ = m.parameter("k", k, "m2.5/s")
    m.der(V, F - k_ * V**0.5)
    m.output("level", V / 1.5, "m")
    return Flowsheet(m).build()


def run(horizon, bounds, steps=10, seed=0, **options):
    rng = np.random.default_rng(seed)
    plant = Simulator(tank(0.03))
    mhe = MovingHorizonEstimator(tank(), measurements={"TK-1.level": SIGMA}, parameters={"TK-1.k": 0.01},
                                 std0={"TK-1.V": 0.05}, process_noise={"TK-1.V": Q}, horizon=horizon, bounds=bounds,
                                 **options)
    record = []
    for j in range(1, steps + 1):
        t, F = 15.0 * j, (0.01 if j % 4 < 2 else 0.04)
        plant.p[0] = F
        plant.advance(t)
        y = plant.outputs()[1] + SIGMA * rng.standard_normal()
        if j == 3:
            y = float("nan")  # a dropout: no node
        mhe.predict(t, {"TK-1.F_in": F})
        mhe.update({"TK-1.level": y})
        record.append((t, F, y))
    return mhe, record


def reference(mhe, record, k_bounds):
    """Batch least squares of the window: the last ``len(mhe.nodes) - 1`` valid measurements, the model carried
    through every interval (a dropout's too) with its own feed."""
    N = len(mhe.nodes) - 1
    valid = [j for j, (_, _, y) in enumerate(record) if np.isfinite(y)]
    t0 = record[valid[-N - 1]][0] if len(valid) > N else 0.0
    start = valid[-N - 1] + 1 if len(valid) > N else 0
    s_bar, P_bar = mhe.nodes[0].s, mhe.nodes[0].P
    L = np.linalg.inv(np.linalg.cholesky(P_bar))
    window_t = [record[j][0] for j in valid[-N:]]

    def nodes(v):
        V, k = v[0], v[1]
        out, t_a, w = [], t0, iter(v[2:])
        for t, F, y in record[start:]:
            V = solve_ivp(lambda _t, x, F=F: [F - k * np.sqrt(x[0])], (t_a, t), [V], rtol=1e-12, atol=1e-14,
                          method="DOP853").y[0, -1]
            t_a = t
            if np.isfinite(y):
                V = V + next(w)
                out.append(V)
        return np.array(out)

    def residuals(v):
        Vs = nodes(v)
        h = np.diff([t0] + window_t)
        ys = np.array([record[j][2] for j in valid[-N:]])
        return np.concatenate([L @ (v[:2] - s_bar), (ys - Vs / 1.5) / SIGMA, v[2:] / (Q * np.sqrt(h))])

    lo = np.array([-np.inf, k_bounds[0]] + [-np.inf] * N)
    hi = np.array([np.inf, k_bounds[1]] + [np.inf] * N)
    v0 = np.clip(np.concatenate([s_bar, np.zeros(N)]), lo + 1e-9, hi - 1e-9)
    fit = least_squares(residuals, v0, bounds=(lo, hi), xtol=1e-15, ftol=1e-15, gtol=1e-15, method="trf")
    return nodes(fit.x), fit.x[1]


@pytest.mark.parametrize(("horizon", "k_bounds", "options", "tol"), [
    pytest.param(20, (0.001, 0.1), {}, 1e-6, marks=pytest.mark.slow),  # the whole record, from the prior
    (5, (0.001, 0.1), {}, 1e-6),     # a sliding window: the arrival prior from the EKF at its first node
    (5, (0.001, 0.028), {}, 1e-6),   # the plant's k = 0.03 lies outside: the fit sits on the bound
    (5, (0.001, 0.1), {"max_step": 0.5}, 1e-6),  # RK4 steps of 0.5 s instead of CVODES
])
def test_mhe_equals_batch_least_squares_of_its_window(horizon, k_bounds, options, tol):
    mhe, record = run(horizon, {"TK-1.k": k_bounds}, **options)
    assert len(mhe.nodes) - 1 == min(horizon, len(record) - 1)  # one dropout
    assert mhe.status in ("Solve_Succeeded", "Solved_To_Acceptable_Level")
    V_ref, k_ref = reference(mhe, record, k_bounds)
    np.testing.assert_allclose(mhe.solution[1:, 0], V_ref, rtol=tol)
    assert mhe.solution[-1, 1] == pytest.approx(k_ref, rel=tol)
    assert mhe.mean("TK-1.k") == mhe.solution[-1, 1] and mhe.mean("TK-1.level") == pytest.approx(V_ref[-1] / 1.5)
    if k_bounds[1] < 0.03:
        assert mhe.mean("TK-1.k") == pytest.approx(0.028, abs=1e-8)
    else:
        assert abs(mhe.mean("TK-1.k") - 0.03) < 3 * mhe.std("TK-1.k")


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"horizon": 0}, "horizon must be a positive whole number"),
    ({"bounds": {"TK-1.kk": (0, 1)}}, "'TK-1.kk' is not a state or estimated parameter; did you mean TK-1.k"),
    ({"bounds": {"TK-1.k": (1, 0)}}, "lower 1.0 must lie below upper 0.0"),
    ({"bounds": {"TK-1.k": (0.05, 1)}}, "the start value 0.02 lies outside"),
    ({"bounds": {"TK-1.k": 3}}, r"bounds\['TK-1.k'\]: give \(lower, upper\)"),
])
def test_bad_setup_is_named(kwargs, message):
    with pytest.raises(EstimationError, match=message):
        MovingHorizonEstimator(tank(), measurements={"TK-1.level": SIGMA}, parameters={"TK-1.k": 0.01}, **kwargs)
