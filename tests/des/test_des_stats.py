"""Statistics switched on with ``monitor=True``: checked against hand-computed traces and against queueing
theory (M/M/1 and M/M/c, Erlang C), and shown not to change the simulation itself."""
import math

import numpy as np
import pytest
import simpy

import twin.des


def test_resource_stats_match_a_hand_computed_trace():
    # A holds 0-4; B arrives at 1, waits 3, holds 4-6; C arrives at 2, waits 4, holds 6-7; observed to t=10.
    env = twin.des.Environment()
    machine = twin.des.Resource(env, capacity=1, monitor=True)

    def job(arrive, hold):
        yield env.timeout(arrive)
        with machine.request() as req:
            yield req
            yield env.timeout(hold)

    for arrive, hold in [(0, 4), (1, 2), (2, 1)]:
        env.process(job(arrive, hold))
    env.run(until=10)
    stats = machine.stats
    assert stats.waits == [0, 3, 4] and stats.mean_wait == pytest.approx(7 / 3)
    assert stats.mean_level == pytest.approx(7 / 10)  # busy 0..7 of 10
    assert stats.utilization == pytest.approx(0.7)
    assert stats.mean_queue == pytest.approx((1 * 1 + 2 * 2 + 1 * 2) / 10)  # [1,2):1 [2,4):2 [4,6):1
    assert stats.summary()["granted_puts"] == 3


def test_store_and_container_levels_match_hand_computed_traces():
    env = twin.des.Environment()
    store = twin.des.Store(env, monitor=True)
    tank = twin.des.Container(env, capacity=10, init=5, monitor=True)

    def script():
        yield store.put("x")  # t=0 level 1
        yield env.timeout(1)
        yield store.put("y")  # t=1 level 2
        yield env.timeout(1)
        yield tank.get(3)  # t=2 tank 5 -> 2
        yield env.timeout(1)
        yield store.get()  # t=3 level 1
        yield env.timeout(2)
        yield store.get()  # t=5 level 0
        yield env.timeout(1)
        yield tank.put(4)  # t=6 tank 2 -> 6

    def late_consumer():
        yield env.timeout(6)
        yield store.get()  # waits 6 -> 8

    def late_producer():
        yield env.timeout(8)
        yield store.put("z")

    for gen in (script(), late_consumer(), late_producer()):
        env.process(gen)
    env.run(until=10)
    # Items: [0,1):1 [1,3):2 [3,5):1 [5,10):0 (z is taken as soon as it is put).
    assert store.stats.mean_level == pytest.approx((1 + 4 + 2) / 10)
    assert store.stats.get_waits == [0, 0, 2]
    assert store.stats.mean_get_queue == pytest.approx(2 / 10)  # the late consumer waits 6..8
    # Tank: 5 on [0,2), 2 on [2,6), 6 on [6,10).
    assert tank.stats.mean_level == pytest.approx((10 + 8 + 24) / 10)
    assert tank.stats.utilization == pytest.approx(4.2 / 10)


def mm_c(sim, servers, arrival_rate, service_rate, horizon, warmup, seed, monitor):
    """M/M/c queue; returns (resource, departures) after running to *horizon*, stats reset at *warmup*."""
    rng = np.random.default_rng(seed)
    env = sim.Environment()
    kwargs = {"monitor": True} if monitor else {}
    servers_ = sim.Resource(env, capacity=servers, **kwargs)
    departures = []

    def customer():
        with servers_.request() as req:
            yield req
            yield env.timeout(rng.exponential(1 / service_rate))
        departures.append(env.now)

    def source():
        while True:
            yield env.timeout(rng.exponential(1 / arrival_rate))
            env.process(customer())

    def reset():
        yield env.timeout(warmup)
        servers_.stats.reset()

    env.process(source())
    if monitor:
        env.process(reset())
    env.run(until=horizon)
    return servers_, departures


def erlang_c(servers, arrival_rate, service_rate):
    """(utilisation, Lq, Wq) of M/M/c by the Erlang C formula (Gross & Harris, Fundamentals of Queueing
    Theory, section 2.3): P(wait) = (a^c / c!) / ((1 - rho) sum_{k<c} a^k/k! + a^c/c!), a = lambda/mu."""
    a = arrival_rate / service_rate
    rho = a / servers
    top = a**servers / math.factorial(servers)
    p_wait = top / ((1 - rho) * sum(a**k / math.factorial(k) for k in range(servers)) + top)
    lq = p_wait * rho / (1 - rho)
    return rho, lq, lq / arrival_rate


def test_monitoring_does_not_change_the_simulation():
    _, reference = mm_c(simpy, 2, 1.5, 1.0, 500, 0, seed=3, monitor=False)
    _, ours = mm_c(twin.des, 2, 1.5, 1.0, 500, 0, seed=3, monitor=True)
    assert ours == reference and len(ours) > 500


def test_mm1_stats_near_theory_on_one_long_run():
    # M/M/1, rho = 0.5: utilisation 0.5, Lq = rho^2/(1-rho) = 0.5, Wq = rho/(mu-lambda) = 1.
    res, _ = mm_c(twin.des, 1, 0.5, 1.0, horizon=40_000, warmup=500, seed=11, monitor=True)
    assert res.stats.utilization == pytest.approx(0.5, rel=0.05)
    assert res.stats.mean_queue == pytest.approx(0.5, rel=0.12)
    assert res.stats.mean_wait == pytest.approx(1.0, rel=0.12)


@pytest.mark.slow
@pytest.mark.parametrize("servers, arrival_rate", [(1, 0.8), (3, 2.4)])
def test_mm_c_stats_match_erlang_c_within_confidence_intervals(servers, arrival_rate):
    rho, lq, wq = erlang_c(servers, arrival_rate, 1.0)
    runs = [mm_c(twin.des, servers, arrival_rate, 1.0, 30_000, 1_000, seed, True)[0].stats for seed in range(20)]
    for name, theory in [("utilization", rho), ("mean_queue", lq), ("mean_wait", wq)]:
        sample = np.array([getattr(s, name) for s in runs])
        half_width = 3 * sample.std(ddof=1) / math.sqrt(len(sample))  # ~99.7 % interval of the mean
        assert abs(sample.mean() - theory) < half_width, (name, sample.mean(), theory, half_width)
