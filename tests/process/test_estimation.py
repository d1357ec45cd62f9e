"""The extended Kalman filter of twin.process.estimation, against independent references.

- Linear-Gaussian model: the EKF is the discrete Kalman filter of the exactly discretised system. The reference is
  written here from the textbook equations (Simon, *Optimal State Estimation*, 2006, eqs. 5.17-5.19 and 1.66):
  ``Phi = expm(A h)`` (scipy.linalg.expm), the input term ``int_0^h expm(A r) dr B`` and the process noise
  ``int_0^h expm(A r) Qc expm(A r)^T dr`` both by adaptive quadrature (scipy.integrate.quad_vec), not by the
  Van Loan exponential the module uses.
- A nonlinear model (the CSTR of twin.process.units): NEES and NIS over many seeded runs inside chi-square bounds.
- A plant that is not the model: the estimated parameter converges to the plant's value within its reported
  standard deviation.
"""
import math

import numpy as np
import pytest
from scipy.integrate import quad_vec
from scipy.linalg import expm
from scipy.stats import chi2
from threadpoolctl import threadpool_limits

from twin.process import Flowsheet, ProcessModel, Simulator
from twin.process.estimation import EstimationError, ExtendedKalmanFilter, UnscentedKalmanFilter
from twin.process.units import CSTR

A = np.array([[-0.5, 0.3], [0.1, -0.2]])
B = np.array([1.0, 0.4])


def linear(d: float = 0.0):
    """x' = A x + B u + [d, 0]; outputs x1 (a state) and y = x1 + 0.5 x2."""
    m = ProcessModel("LIN")
    x1, x2 = m.state("x1", 1.0), m.state("x2", -0.5)
    u, d_ = m.input("u", 0.2), m.input("d", d)
    m.der(x1, A[0, 0] * x1 + A[0, 1] * x2 + B[0] * u + d_)
    m.der(x2, A[1, 0] * x1 + A[1, 1] * x2 + B[1] * u)
    m.output("y", x1 + 0.5 * x2)
    return Flowsheet(m).build()


TIGHT = {"rtol": 1e-12, "atol": 1e-14}


def reference_kalman(times, us, ys, s0, P0, Qc, r):
    """Discrete KF on s = [x1, x2, d] (d a random walk), measurements z = [x1, y] with variances r; NaN skipped."""
    Aa = np.zeros((3, 3))
    Aa[:2, :2], Aa[0, 2] = A, 1.0
    Ba = np.array([B[0], B[1], 0.0])
    Ca = np.array([[1.0, 0.0, 0.0], [1.0, 0.5, 0.0]])
    s, P, t, out = s0.copy(), P0.copy(), 0.0, []
    for tk, u, z in zip(times, us, ys, strict=True):
        h = tk - t
        Phi = expm(Aa * h)
        G = quad_vec(lambda q: expm(Aa * q) @ Ba, 0, h, epsabs=1e-14, epsrel=1e-13)[0]
        Qd = quad_vec(lambda q: expm(Aa * q) @ np.diag(Qc) @ expm(Aa * q).T, 0, h, epsabs=1e-14, epsrel=1e-13)[0]
        s = Phi @ s + G * u
        P = Phi @ P @ Phi.T + Qd
        ok = np.isfinite(z)
        if ok.any():
            H, R = Ca[ok], np.diag(np.asarray(r)[ok])
            K = P @ H.T @ np.linalg.inv(H @ P @ H.T + R)
            s = s + K @ (z[ok] - H @ s)
            P = (np.eye(3) - K @ H) @ P
        out.append((s.copy(), P.copy()))
        t = tk
    return out


@pytest.mark.parametrize(("cls", "options", "tol"), [(ExtendedKalmanFilter, {}, 1e-9),
                                                     (ExtendedKalmanFilter, {"max_step": 0.05}, 1e-7),
                                                     (UnscentedKalmanFilter, TIGHT, 1e-9),
                                                     (UnscentedKalmanFilter, TIGHT | {"alpha": 0.5, "kappa": 1.0},
                                                      1e-9),
                                                     (UnscentedKalmanFilter, {"max_step": 0.05}, 1e-7)])
def test_ekf_on_a_linear_model_is_the_closed_form_kalman_filter(cls, options, tol):
    """CVODES (the default) to 1e-9; RK4 steps of 0.05 s (error of order 0.05**4 |A|**5) to 1e-7; the unscented
    filter is exact on a linear model, whatever its sigma-point spread (its sigma points integrated without
    sensitivities, whose error control tightens the EKF's: CVODES at rtol 1e-12 for the same 1e-9)."""
    rng = np.random.default_rng(1)
    times = np.cumsum(rng.uniform(0.2, 3.0, 25))  # irregular sampling
    us = rng.uniform(-1, 1, 25)
    ys = rng.normal(0, 1, (25, 2))
    ys[3, 0] = ys[7, :] = ys[11, 1] = np.nan  # dropped samples are skipped
    q, r = (0.05, 0.02, 0.01), (0.1, 0.3)
    ekf = cls(linear(), measurements={"LIN.x1": r[0], "LIN.y": r[1]}, parameters={"LIN.d": 0.4},
                               process_noise={"LIN.x1": q[0], "LIN.x2": q[1], "LIN.d": q[2]},
                               std0={"LIN.x1": 0.5, "LIN.x2": 0.7}, x0={"LIN.d": 0.1}, **options)
    assert ekf.names == ["LIN.x1", "LIN.x2", "LIN.d"]
    s0, P0 = np.array([1.0, -0.5, 0.1]), np.diag([0.25, 0.49, 0.16])
    with threadpool_limits(1):  # SciPy's expm on small matrices is slow with OpenBLAS threads on a busy machine
        ref = reference_kalman(times, us, ys, s0, P0, np.square(q), np.square(r))
    for (s, P), t, u, z in zip(ref, times, us, ys, strict=True):
        ekf.predict(t, {"LIN.u": u})
        ekf.update({"LIN.x1": z[0], "LIN.y": z[1]})
        np.testing.assert_allclose(ekf.s, s, rtol=tol, atol=tol)
        np.testing.assert_allclose(ekf.covariance, P, rtol=tol, atol=tol)
    assert ekf.mean("LIN.d") == ekf.s[2] and ekf.std("LIN.d") == math.sqrt(ekf.covariance[2, 2])
    # an output's moments to first order (exact here): y = x1 + 0.5 x2
    c = np.array([1.0, 0.5, 0.0])
    assert ekf.mean("LIN.y") == pytest.approx(c @ ekf.s, rel=1e-12)
    assert ekf.std("LIN.y") == pytest.approx(math.sqrt(c @ ekf.covariance @ c), rel=1e-12)


def test_the_sigma_points_in_one_call_equal_them_one_by_one():
    """``propagate_all`` (RK4 over every row in one mapped CasADi call, as the UKF uses it) equals ``propagate`` row
    by row, bit for bit, for a step of one RK4 sub-step and of several (a new function per shape)."""
    ukf = UnscentedKalmanFilter(cstr(), measurements={"R-1.T": 0.2}, parameters={"R-1.UA": 200.0},
                                std0={"R-1.T": 1.0, "R-1.cA": 20.0}, max_step=2.0)
    m = ukf.model
    points = ukf._sigma_points()
    for h in (1.5, 7.0):
        rows = np.array([m.propagate(x, ukf.u, h) for x in points])
        np.testing.assert_array_equal(m.propagate_all(points, ukf.u, h), rows)
    assert sorted(m._all) == [(points.shape[0], 1), (points.shape[0], 4)]


def test_nis_and_gating():
    ekf = ExtendedKalmanFilter(linear(), measurements={"LIN.x1": 0.1}, std0={"LIN.x1": 0.1}, gate=0.999)
    ekf.predict(1.0)
    x1 = ekf.mean("LIN.x1")
    S = ekf.covariance[0, 0] + 0.01
    assert ekf.update({"LIN.x1": x1 + 0.1})
    assert ekf.nis == pytest.approx(0.01 / S, rel=1e-12) and ekf.dof == 1
    ekf.predict(2.0)
    before = ekf.s.copy()
    assert not ekf.update({"LIN.x1": ekf.mean("LIN.x1") + 100.0})  # an outlier: NIS ~ 1e6 > chi2(1) 99.9 %
    assert ekf.rejected == 1 and ekf.updates == 1 and (ekf.s == before).all()
    assert not ekf.update({"LIN.x1": float("nan")}) and math.isnan(ekf.nis)


# -- a nonlinear model: the CSTR ---------------------------------------------------------------------------------
def cstr(UA: float = 5e4 / 60):
    return Flowsheet(CSTR("R-1", UA=UA, cA0=900.0, T0=310.0)).build()


NOISE = {"R-1.cA": 0.5, "R-1.T": 0.05}  # process noise of the plant and the filter, per sqrt(s)


def cstr_run(seed: int, steps: int, dt: float, UA_plant: float, model_kw: dict, sigma_T: float, sigma_c: float):
    """A plant CSTR (coolant stepping 290 <-> 300 K every 10 min) with process noise (Euler-Maruyama, 3 s steps)
    and an EKF fed its noisy T and cA every ``dt`` seconds."""
    rng = np.random.default_rng(seed)
    plant = Simulator(cstr(UA_plant))
    plant.x = np.array(model_kw.pop("truth_x0"))
    cls = model_kw.pop("cls", ExtendedKalmanFilter)
    ekf = cls(cstr(), measurements={"R-1.T": sigma_T, "R-1.cA": sigma_c}, process_noise=NOISE, **model_kw)
    errors, nis = [], []
    Tc_index = plant.dae.p_names.index("R-1.T_c")
    q = np.array(list(NOISE.values()))
    for k in range(1, steps + 1):
        Tc = 290.0 if (k * dt // 600) % 2 == 0 else 300.0
        plant.p[Tc_index] = Tc
        for t in np.arange((k - 1) * dt, k * dt, 3.0) + 3.0:
            plant.advance(t)
            plant.x = plant.x + q * math.sqrt(3.0) * rng.standard_normal(2)
        ekf.predict(k * dt, {"R-1.T_c": Tc})
        cA, T = plant.x
        ekf.update({"R-1.T": T + sigma_T * rng.standard_normal(), "R-1.cA": cA + sigma_c * rng.standard_normal()})
        truth = np.array([cA, T, UA_plant][: ekf.model.n])
        e = ekf.s - truth
        errors.append(float(e @ np.linalg.solve(ekf.covariance, e)))
        nis.append(ekf.nis)
    return ekf, np.array(errors), np.array(nis)


@pytest.mark.slow
def test_nees_and_nis_of_the_cstr_stay_inside_their_chi_square_bounds():
    """Bar-Shalom, Li & Kirubarajan (2001), section 5.4: over N Monte Carlo runs the average NEES at each time is
    chi2(N n)/N distributed if the filter is consistent. Initial states and UA are drawn from the filter's prior
    (deterministic seeds); 95 % two-sided bounds, so about 5 % of the times may fall outside: we require 90 % in,
    and the grand averages of NEES and NIS inside their 99.9 % bounds."""
    runs, steps, n, m = 30, 40, 3, 2
    std = {"cA": 20.0, "T": 2.0, "UA": 100.0}
    nees, nis = [], []
    for seed in range(runs):
        rng = np.random.default_rng(1000 + seed)
        cA0, T0, UA = 900.0 + std["cA"] * rng.standard_normal(), 310.0 + std["T"] * rng.standard_normal(), \
            5e4 / 60 + std["UA"] * rng.standard_normal()
        _, e, v = cstr_run(seed, steps, 15.0, UA, {"truth_x0": [cA0, T0], "parameters": {"R-1.UA": std["UA"]},
                                                   "std0": {"R-1.cA": std["cA"], "R-1.T": std["T"]}}, 0.5, 5.0)
        nees.append(e)
        nis.append(v)
    nees, nis = np.mean(nees, axis=0), np.mean(nis, axis=0)
    lo, hi = chi2.ppf([0.025, 0.975], runs * n) / runs
    assert np.mean((nees > lo) & (nees < hi)) >= 0.9, nees
    lo, hi = chi2.ppf([0.025, 0.975], runs * m) / runs
    assert np.mean((nis > lo) & (nis < hi)) >= 0.9, nis
    for avg, dof in ((nees.mean(), n), (nis.mean(), m)):
        total = runs * steps * dof
        assert chi2.ppf(0.0005, total) / (runs * steps) < avg < chi2.ppf(0.9995, total) / (runs * steps)


@pytest.mark.parametrize(("seed", "options", "cls"), [(0, {}, ExtendedKalmanFilter), (1, {}, ExtendedKalmanFilter),
                                                     (2, {}, ExtendedKalmanFilter),
                                                     (0, {"max_step": 1.0}, ExtendedKalmanFilter),
                                                     (0, {"max_step": 1.0}, UnscentedKalmanFilter)])
def test_the_estimated_heat_transfer_converges_to_the_plants_within_its_reported_uncertainty(seed, options, cls):
    """The plant's UA is 30 % above the model's; the coolant steps excite the heat balance. CVODES or RK4, EKF or
    UKF."""
    UA_model = 5e4 / 60
    ekf, _, _ = cstr_run(seed, 160, 15.0, 1.3 * UA_model,
                         {"truth_x0": [900.0, 310.0], "parameters": {"R-1.UA": 0.5 * UA_model}, "cls": cls} | options,
                         0.5, 5.0)
    est, sd = ekf.mean("R-1.UA"), ekf.std("R-1.UA")
    assert sd < 0.05 * UA_model  # it learnt: 50 % prior -> under 5 %
    assert abs(est - 1.3 * UA_model) < 3 * sd, (est, sd)


def test_the_unscented_filter_avoids_the_ekfs_first_step_bias():
    """A lag of 14 s from a prior 10 +/- 5 s, 30 noise-free samples (the package's doctest): the EKF's first update,
    linearised at 10 s, leaves it 2.4 of its standard deviations short; the unscented filter ends within one."""
    def lag(tau):
        m = ProcessModel("TK-1")
        y, u, tau_ = m.state("y", 0.0), m.input("u", 1.0), m.parameter("tau", tau, "s")
        m.der(y, (u - y) / tau_)
        return Flowsheet(m).build()

    plant = Simulator(lag(14.0))
    filters = [cls(lag(10.0), measurements={"TK-1.y": 0.01}, parameters={"TK-1.tau": 5.0})
               for cls in (ExtendedKalmanFilter, UnscentedKalmanFilter)]
    for t in range(1, 31):
        plant.advance(t)
        for f in filters:
            f.predict(t)
            f.update({"TK-1.y": plant.outputs()[0]})
    ekf, ukf = ((f.mean("TK-1.tau") - 14.0) / f.std("TK-1.tau") for f in filters)
    assert ekf < -2 and abs(ukf) < 1, (ekf, ukf)


# -- bad input ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("kwargs", "message"), [
    ({"measurements": {"LIN.x3": 0.1}}, "'LIN.x3' is not an output.*did you mean .*LIN.x1"),
    ({"measurements": {"LIN.x1": 0.0}}, r"measurements\['LIN.x1'\].*finite and positive"),
    ({"measurements": {"LIN.x1": -1}}, "finite and positive"),
    ({"measurements": {}}, "at least one output"),
    ({"parameters": {"LIN.dd": 1.0}}, "'LIN.dd' is not a parameter or input.*did you mean LIN.d"),
    ({"parameters": {"LIN.d": 0.0}}, r"parameters\['LIN.d'\].*positive"),
    ({"process_noise": {"LIN.x2": -0.1}}, "non-negative"),
    ({"process_noise": {"LIN.u": 0.1}}, "'LIN.u' is not a state or estimated parameter"),
    ({"std0": {"LIN.x1": "wide"}}, "must be a number"),
    ({"x0": {"LIN.x": 1.0}}, "did you mean"),
    ({"inputs": {"LIN.uu": 1.0}}, "did you mean LIN.u"),
    ({"gate": 3.0}, "probability"),
    ({"max_step": 0}, "max_step must be a positive number"),
])
def test_bad_setup_is_named(kwargs, message):
    args = {"measurements": {"LIN.x1": 0.1}} | kwargs
    with pytest.raises(EstimationError, match=message):
        ExtendedKalmanFilter(linear(), **args)


def test_a_flowsheet_with_algebraic_variables_is_refused_with_the_reason():
    m = ProcessModel("TK-2")
    x, z = m.state("x", 1.0), m.algebraic("z", 0.0)
    m.der(x, -z)
    m.alg(z - 0.1 * x)
    with pytest.raises(EstimationError, match=r"algebraic variables \['TK-2.z'\]; the estimators take ODE"):
        ExtendedKalmanFilter(Flowsheet(m).build(), measurements={"TK-2.x": 0.1})


def test_bad_sigma_point_spread_is_named():
    with pytest.raises(EstimationError, match="0 < alpha <= 1 and n \\+ kappa > 0"):
        UnscentedKalmanFilter(linear(), measurements={"LIN.x1": 0.1}, alpha=0.0)


def test_bad_use_is_named():
    ekf = ExtendedKalmanFilter(linear(), measurements={"LIN.x1": 0.1})
    with pytest.raises(EstimationError, match="'LIN.y' is not a declared measurement; did you mean LIN.x1"):
        ekf.update({"LIN.y": 1.0})
    ekf.predict(5.0)
    with pytest.raises(EstimationError, match="before the filter's time"):
        ekf.predict(4.0)
    with pytest.raises(EstimationError, match="'LIN.x' is not a state, estimated parameter or output; did you mean"):
        ekf.mean("LIN.x")
    with pytest.raises(EstimationError, match="not a flowsheet's Dae|takes a flowsheet's Dae"):
        ExtendedKalmanFilter(np.eye(2), measurements={"LIN.x1": 0.1})
