"""The CP-SAT dispatcher (scenarios.intralogistics.cpsat): its plan's total completion time equals brute force over
every plan on small random instances (each vehicle any subset of orders in any sequence), it is never worse than the
rules' plans it starts from, and in the model it dispatches only what starts now."""
import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from logistics_graphs import grid, params

from scenarios.intralogistics import cpsat, dispatch
from scenarios.intralogistics.model import Logistics


def brute_force(h: cpsat.Horizon, key=cpsat.total):
    """The least ``key`` (the total completion time) over every plan: each order to any vehicle, each vehicle's in
    any order."""
    vehicles, orders = h.empty.shape
    plans = (tuple(sequences) for owner in itertools.product(range(vehicles), repeat=orders)
             for sequences in itertools.product(*(itertools.permutations([j for j in range(orders) if owner[j] == k])
                                                  for k in range(vehicles))))
    return min(key(h, plan) for plan in plans)


def horizon(seed: int, vehicles: int, orders: int) -> cpsat.Horizon:
    """Random times on the planner's 0.1 s grid (so rounding loses nothing); some vehicles busy."""
    rng = np.random.default_rng(seed)
    tenth = lambda *shape: np.round(rng.uniform(0, 300, shape), 1)   # noqa: E731
    ready = tenth(vehicles) * (rng.random(vehicles) < 0.5)
    return cpsat.Horizon(ready=ready, empty=tenth(vehicles, orders), between=tenth(orders, orders),
                         service=tenth(orders))


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 3), st.integers(1, 4), st.integers(0, 10**6))
def test_the_plan_is_optimal_and_never_worse_than_a_rule(vehicles, orders, seed):
    h = horizon(seed, vehicles, orders)
    idle = [k for k in range(vehicles) if h.ready[k] == 0]
    rules = [cpsat.complete(h, [(idle[i], j) for i, j in dispatch.assign(rule, h.empty[idle], list(range(orders)),
                                                                          orders)])
             for rule in ("fifo", "nearest", "due", "optimised")]
    best = min(rules, key=lambda p: cpsat.total(h, p))
    plan = cpsat.solve(h, best, seconds=5.0)
    assert sorted(j for seq in plan for j in seq) == list(range(orders))     # every order exactly once
    assert cpsat.total(h, plan) == pytest.approx(brute_force(h), abs=1e-6)
    assert all(cpsat.total(h, plan) <= cpsat.total(h, p) + 1e-9 for p in rules)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 3), st.integers(2, 4), st.integers(0, 10**6))
def test_with_due_times_the_plan_is_least_late_then_soonest_and_never_worse_than_a_rule(vehicles, orders, seed):
    """Due times on the 0.1 s grid from late already (-100 s) to 900 s ahead: the plan's (sum of lateness, sum of
    completion times) equals the least over every plan in that order, and is no worse than any rule's plan."""
    h = horizon(seed, vehicles, orders)
    due = np.round(np.random.default_rng(seed + 1).uniform(-100, 900, orders), 1)
    h = cpsat.Horizon(h.ready, h.empty, h.between, h.service, due)
    idle = [k for k in range(vehicles) if h.ready[k] == 0] or [0]
    rules = [cpsat.complete(h, [(idle[i], j) for i, j in dispatch.assign(rule, h.empty[idle], list(due), orders)])
             for rule in ("fifo", "nearest", "due", "optimised")]
    plan = cpsat.solve(h, min(rules, key=lambda p: cpsat.cost(h, p)), seconds=5.0)
    late, soon = cpsat.cost(h, plan)
    best_late, best_soon = brute_force(h, cpsat.cost)
    assert late == pytest.approx(best_late, abs=1e-6) and soon == pytest.approx(best_soon, abs=1e-6)
    assert all(cpsat.cost(h, plan) <= cpsat.cost(h, p) for p in rules)


def test_the_lateness_objective_takes_the_urgent_order_first():
    """By hand: one idle vehicle, order 0 (10 s away, 20 s service, due in 1000 s) and order 1 (10 s away and
    10 s between them, 20 s service, due in 35 s). Least completion sum: 0 then 1 (30 + 60 = 90 s, 1 late 25 s);
    least lateness: 1 then 0 (30 + 60 = 90 s too, none late): the objective decides the tie-free order of lateness."""
    h = cpsat.Horizon(ready=np.array([0.0]), empty=np.array([[10.0, 10.0]]),
                      between=np.array([[0.0, 10.0], [10.0, 0.0]]), service=np.array([20.0, 20.0]),
                      due=np.array([1000.0, 35.0]))
    assert cpsat.solve(h, ((0, 1),)) == ((1, 0),)
    assert cpsat.cost(h, ((1, 0),)) == (0.0, 90.0) and cpsat.cost(h, ((0, 1),)) == (25.0, 90.0)


def test_the_plan_keeps_an_order_for_a_busy_vehicle_about_to_free_up_next_to_it():
    """Vehicle 0 idle 100 s away, vehicle 1 free in 5 s right at the pickup: the order waits for vehicle 1 (done at
    5 + 0 + 30 s rather than 100 + 30 s), so nothing is dispatched now."""
    h = cpsat.Horizon(ready=np.array([0.0, 5.0]), empty=np.array([[100.0], [0.0]]), between=np.zeros((1, 1)),
                      service=np.array([30.0]))
    plan = cpsat.solve(h, cpsat.complete(h, [(0, 0)]))
    assert plan == ((), (0,)) and cpsat.total(h, plan) == 35.0


def test_the_model_runs_with_the_cpsat_rule():
    """Two AGVs on a 2 x 3 grid and a day of orders: every order counted is delivered, one at a time per vehicle."""
    stations = [f"S{i}" for i in range(6)]
    stream = {"from": stations, "to": stations, "every": 300.0, "load": 0.0, "container": "T", "due": 1e9}
    p = params(2, [stream], horizon=6 * 3600.0, rule="cpsat")
    m = Logistics(p, np.random.SeedSequence(3), network=grid(2, 3))
    run = m.run()
    assert run.kpis["backlog"] <= 2 and len([o for o in m.orders if o.delivered == o.delivered]) > 50


@pytest.mark.slow
def test_cpsat_against_the_best_rule_on_the_same_random_numbers():
    """Paired replications (the same order streams under every rule: common random numbers) of 4 AGVs on a 2 x 4
    grid, an order every 40 s for 4 h (utilisation about 0.6): the CP-SAT plan's mean lead time is below the best
    rule's (the Hungarian 'optimised' one) with a paired 95 % t interval entirely below zero (measured: 110.2 s
    against 112.2 s, -2.06 +/- 1.45 s on these 6 replications; FIFO 120.8 s, nearest and due 115.3 s). The gain is
    the unloading vehicles it can wait for and the sequences it plans; near saturation (an order every 25 s) it was
    measured no better than the Hungarian assignment, whose least empty travel keeps the most capacity: no stronger
    claim holds in general."""
    from scipy import stats

    net, stations = grid(2, 4), [f"S{i}" for i in range(8)]
    stream = {"from": stations, "to": stations, "every": 40.0, "load": 0.0, "container": "T", "due": 1e9}

    def lead(rule, r):
        p = params(4, [stream], horizon=4 * 3600.0, warmup=600.0, rule=rule)
        return Logistics(p, np.random.SeedSequence([2, r]), network=net).run().kpis["lead_time"]
    runs = {rule: np.array([lead(rule, r) for r in range(6)]) for rule in ("fifo", "nearest", "due", "optimised",
                                                                           "cpsat")}
    best = min(("fifo", "nearest", "due", "optimised"), key=lambda rule: runs[rule].mean())
    d = runs["cpsat"] - runs[best]
    half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))
    assert d.mean() + half < 0, f"cpsat - {best}: {d.mean():.2f} +/- {half:.2f} s"


@pytest.mark.slow
def test_cpsat_on_lateness_against_the_best_rule_on_the_same_random_numbers():
    """The grid of the test above with orders due 150 s after they are made: CP-SAT planning on lateness first
    (``dispatch.objective: lateness``) is less late than the best rule (the Hungarian one) on the same order streams,
    the 95 % paired t interval (SciPy's ttest_rel) entirely below zero (measured: mean lateness 2.25 s against
    2.71 s, -0.45 +/- 0.31 s on these 6 replications; FIFO 4.04 s, nearest and due 3.45 s; CP-SAT on completion
    times 2.59 s)."""
    from scipy import stats

    net, stations = grid(2, 4), [f"S{i}" for i in range(8)]
    stream = {"from": stations, "to": stations, "every": 40.0, "load": 0.0, "container": "T", "due": 150.0}

    def late(rule, r):
        p = params(4, [stream], horizon=4 * 3600.0, warmup=600.0, rule=rule)
        p["dispatch"]["objective"] = "lateness"     # read by cpsat only
        return Logistics(p, np.random.SeedSequence([2, r]), network=net).run().kpis["lateness"]
    runs = {rule: np.array([late(rule, r) for r in range(6)]) for rule in ("fifo", "nearest", "due", "optimised",
                                                                           "cpsat")}
    best = min(("fifo", "nearest", "due", "optimised"), key=lambda rule: runs[rule].mean())
    assert stats.ttest_rel(runs["cpsat"], runs[best]).confidence_interval(0.95).high < 0, (best, runs)
