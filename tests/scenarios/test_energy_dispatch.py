"""Chiller dispatch at least power against two independent references on a small instance: CasADi's Bonmin
(mixed-integer nonlinear branch and bound over on/off and part loads) and a brute-force enumeration of every
combination of chillers with their loads on a 1% grid."""
import itertools

import casadi as ca
import numpy as np
import pytest

from scenarios.energy import dispatch
from scenarios.energy.model import DOE2_EIR

CAPACITY = np.array([300e3, 300e3, 200e3])
COP = np.array([6.0, 5.5, 5.0])
LOADS = np.array([20e3, 90e3, 250e3, 420e3, 610e3, 790e3])


def bonmin(load: float) -> float:
    """Least power (W) for ``load`` as a MINLP: on/off y_i, part load x_i <= y_i, sum Q_i x_i = load."""
    a, b, c = DOE2_EIR
    x, y = ca.MX.sym("x", 3), ca.MX.sym("y", 3)
    k = CAPACITY / COP / 1e3                                            # kW, scaled for the solver
    nlp = {"x": ca.vertcat(x, y), "f": ca.sum1(k * (a * y + b * x + c * x**2)),
           "g": ca.vertcat(ca.dot(CAPACITY / 1e3, x) - load / 1e3, x - y)}
    solver = ca.nlpsol("dispatch", "bonmin", nlp, {"discrete": [False] * 3 + [True] * 3, "print_time": False,
                                                   "bonmin.bb_log_level": 0, "bonmin.nlp_log_level": 0})
    result = solver(x0=[0.5] * 3 + [1] * 3, lbx=0, ubx=1, lbg=[0, -np.inf, -np.inf, -np.inf], ubg=[0, 0, 0, 0])
    assert solver.stats()["success"]
    return float(result["f"]) * 1e3


def brute_force(load: float) -> float:
    """Every combination of running chillers, every split of the load on a 1% part-load grid (then the last
    chiller takes the rest exactly): the least power found."""
    a, b, c = DOE2_EIR
    grid, best = np.linspace(0, 1, 101), np.inf
    for r in range(1, 4):
        for combo in itertools.combinations(range(3), r):
            q, k = CAPACITY[list(combo)], CAPACITY[list(combo)] / COP[list(combo)]
            for head in itertools.product(grid, repeat=r - 1):
                rest = (load - np.dot(q[:-1], head)) / q[-1]
                if 0 <= rest <= 1:
                    x = np.array([*head, rest])
                    best = min(best, float(np.sum(k * (a + b * x + c * x**2))))
    return best


def test_optimal_dispatch_equals_bonmin_and_brute_force():
    power, unmet = dispatch.optimal(LOADS, CAPACITY, COP, DOE2_EIR)
    assert not unmet.any()
    for load, p in zip(LOADS, power):
        assert p == pytest.approx(bonmin(load), rel=1e-6)
        grid = brute_force(load)
        assert p <= grid * (1 + 1e-12)              # never worse than any point of the grid ...
        assert p == pytest.approx(grid, rel=2e-4)   # ... and the grid's best is within its 1% resolution


def test_optimal_dispatch_never_uses_more_than_the_staging_rule():
    loads = np.linspace(0, 900e3, 181)
    best, unmet_best = dispatch.optimal(loads, CAPACITY, COP, DOE2_EIR)
    rule, unmet_rule = dispatch.staged(loads, CAPACITY, COP, DOE2_EIR)
    assert np.all(best <= rule * (1 + 1e-12))
    assert unmet_best == pytest.approx(unmet_rule) and unmet_best[-1] == pytest.approx(100e3)
    assert best[0] == rule[0] == 0
    assert (best < rule * 0.99).any()               # there is something to gain
