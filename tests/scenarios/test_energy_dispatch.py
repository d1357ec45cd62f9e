"""Chiller dispatch at least power against two independent references on a small instance: CasADi's Bonmin
(mixed-integer nonlinear branch and bound over on/off and part loads) and a brute-force enumeration of every
combination of chillers with their loads on a 1% grid."""
import itertools

import casadi as ca
import numpy as np
import pytest

from scenarios.energy import dispatch
from scenarios.energy.water import DOE2_EIR

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


# -- the week's commitment as a MILP (dispatch.committed) ------------------------------------------------------------
def exact_power(load: np.ndarray, on: np.ndarray) -> np.ndarray:
    """The least power of running exactly the chillers ``on`` (bool per chiller) at each load: Bonmin's problem
    with the on/off fixed, solved by the equal-marginal split of dispatch._split (checked against Bonmin above)."""
    a, b, c = DOE2_EIR
    if not on.any():
        return np.where(load > 0, np.inf, 0.0)
    x = dispatch._split(load, CAPACITY[on], COP[on], b, c)
    power = (CAPACITY[on] / COP[on] * (a + b * x + c * x**2)).sum(axis=1)
    return np.where(load <= CAPACITY[on].sum() * (1 + 1e-12), power, np.inf)


def test_without_coupling_the_commitment_is_the_enumeration_of_chiller_combinations():
    """Hourly steps, no start cost, no minimum times: every hour is free, so the MILP must pick what brute-force
    enumeration of the combinations does, hour by hour (dispatch.optimal), to the watt."""
    load = np.random.default_rng(1).uniform(0, 850e3, 48)
    power, unmet, on = dispatch.committed(load, CAPACITY, COP, DOE2_EIR, step=3600.0, price=np.ones(48))
    reference, unmet_reference = dispatch.optimal(load, CAPACITY, COP, DOE2_EIR)
    assert power == pytest.approx(reference, rel=1e-9) and unmet == pytest.approx(unmet_reference)
    assert (on.sum(axis=1) >= 1).all() and len({tuple(row) for row in on}) > 2   # the sets change over the hours


def brute_force_schedule(load, price, start_cost, min_on, min_off):
    """Every on/off schedule of every chiller over the hours (2**(3 n)), kept if each run lasts ``min_on`` hours
    and each pause ``min_off`` (a run at the end may be cut by the horizon; all off before the first hour): the
    cheapest energy at ``price`` plus the starts."""
    n = load.size
    combos = np.array(list(itertools.product([False, True], repeat=3)))
    hourly = np.array([exact_power(load, c) * price * 3600 / 3.6e6 for c in combos])   # combo x hour
    def runs_ok(states):
        padded = [False, *states]
        for t in range(1, n + 1):
            if padded[t] != padded[t - 1]:
                need = min_on if padded[t] else min_off
                end = t + need
                if end <= n + 1 and not all(p == padded[t] for p in padded[t:end]):
                    return False
                if end > n + 1 and not all(p == padded[t] for p in padded[t:]):
                    return False
        return True
    allowed = [s for s in itertools.product([False, True], repeat=n) if runs_ok(s)]
    best = np.inf
    for schedule in itertools.product(allowed, repeat=3):
        states = np.array(schedule).T                                   # hour x chiller
        index = states @ np.array([4, 2, 1])                           # the row of combos
        energy = hourly[index, np.arange(n)].sum()
        starts = (np.diff(np.vstack([np.zeros(3, bool), states]).astype(int), axis=0) == 1).sum()
        best = min(best, energy + start_cost * starts)
    return best


def test_minimum_run_and_off_times_and_start_costs_equal_a_brute_force_over_every_schedule():
    """Six hours, three chillers: the MILP's plan costs what the cheapest of all feasible on/off schedules does;
    and its constraints bite (the plan without them is cheaper and breaks them)."""
    load = np.array([500e3, 90e3, 420e3, 20e3, 650e3, 150e3])
    price = np.array([0.10, 0.20, 0.20, 0.30, 0.30, 0.15])
    for start_cost, min_on, min_off in ((0.0, 3, 1), (0.0, 1, 2), (4.0, 2, 2)):
        power, unmet, on = dispatch.committed(load, CAPACITY, COP, DOE2_EIR, step=3600.0, price=price,
                                              start_cost=start_cost, min_on=min_on, min_off=min_off)
        starts = (np.diff(np.vstack([np.zeros(3, bool), on]).astype(int), axis=0) == 1).sum()
        cost = float((power * price).sum() / 1e3) + start_cost * starts
        assert cost == pytest.approx(brute_force_schedule(load, price, start_cost, min_on, min_off), rel=1e-9)
        free = dispatch.optimal(load, CAPACITY, COP, DOE2_EIR)[0]
        assert cost > (free * price).sum() / 1e3 * (1 + 1e-6)      # the coupling costs something here


def test_a_week_at_five_minute_steps_commits_by_the_hour_and_carries_every_step():
    """Steps within an hour share its chillers; the set running can carry the hour's largest step, so nothing is
    unmet below the plant's capacity, and each step's power is the exact split among the running chillers."""
    t = np.arange(0, 7 * 86400, 300.0)
    load = 420e3 + 300e3 * np.sin(2 * np.pi * t / 86400) + np.random.default_rng(3).normal(0, 30e3, t.size)
    power, unmet, on = dispatch.committed(load, CAPACITY, COP, DOE2_EIR, step=300.0, price=np.ones(168),
                                          start_cost=2.0, min_on=3, min_off=2)
    assert unmet == pytest.approx(np.maximum(load - CAPACITY.sum(), 0.0))
    hour = (t // 3600).astype(int)
    for h in (0, 50, 100, 167):
        at = hour == h
        assert power[at] == pytest.approx(exact_power(np.minimum(load[at], CAPACITY.sum()), on[h]), rel=1e-12)
    assert power.sum() >= dispatch.optimal(load, CAPACITY, COP, DOE2_EIR)[0].sum()   # never below step-wise best
