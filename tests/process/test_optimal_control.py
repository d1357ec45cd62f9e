"""Optimal control by multiple shooting (CVODES + Ipopt) against single shooting with SciPy (solve_ivp + L-BFGS-B)."""
import numpy as np
import pytest
from scipy.integrate import solve_ivp
from scipy.optimize import minimize

from twin.process import Flowsheet, ProcessModel, optimal_control

K, TARGET, WEIGHT, HORIZON, N, U_MAX = 0.1, 1.0, 0.5, 15.0, 5, 0.3


def tank():
    m = ProcessModel("TK-1")
    x = m.state("x", 0.0, "m")
    u = m.input("u", 0.0, "m/s")
    m.der(x, -K * x + u)
    m.output("cost", (x - TARGET) ** 2 + WEIGHT * u**2)
    return m


def scipy_cost(us):
    total, x, h = 0.0, 0.0, HORIZON / N
    for u in us:
        s = solve_ivp(lambda t, y, u: [-K * y[0] + u, (y[0] - TARGET) ** 2 + WEIGHT * u**2], (0, h), [x, 0.0],
                      args=(u,), method="DOP853", rtol=1e-12, atol=1e-12)
        x, total = s.y[0, -1], total + s.y[1, -1]
    return total


def test_fill_a_tank_to_its_target_with_bounded_flow():
    r = optimal_control(Flowsheet(tank()).build(), {"TK-1.u": (0.0, U_MAX)}, horizon=HORIZON, intervals=N,
                        minimize="TK-1.cost")
    ref = minimize(scipy_cost, np.full(N, 0.1), bounds=[(0.0, U_MAX)] * N, method="L-BFGS-B",
                   options={"ftol": 1e-15, "gtol": 1e-11})
    assert r["objective"] == pytest.approx(ref.fun, rel=1e-6)
    np.testing.assert_allclose(r["TK-1.u"], ref.x, atol=1e-4)
    assert r["TK-1.u"][0] == pytest.approx(U_MAX, abs=1e-6)  # starts at the bound: the tank is far from target
    with pytest.raises(KeyError, match="not an input"):
        optimal_control(Flowsheet(tank()).build(), {"TK-1.x": (0, 1)}, horizon=1, intervals=2, minimize="TK-1.cost")
