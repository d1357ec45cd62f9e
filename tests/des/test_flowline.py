"""The flow-line fast path against independent references.

1. The kernel's random generators against SciPy's distributions (moments and Kolmogorov-Smirnov).
2. Queueing theory: M/M/1, M/M/c (Erlang C), a tandem Jackson network, breakdowns (availability, and the
   completion-time M/G/1 for operating-time failures), blocking in a two-station line.
3. Statistical identity with the same line written as SimPy processes (and on ``twin.des``), many replications.
4. Bad input: clear errors naming the element and the fix; random input never escapes as another exception.

Statistical checks compare with a reference through the confidence interval of the replications: with fixed seeds
they are deterministic, and each one fails if the engine is off by more than its statistical error.
"""
from __future__ import annotations

import math
import random

import numpy as np
import pytest
import simpy
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

from twin.config import ConfigError
from twin.des.flowline import (
    Breakdowns,
    Distribution,
    FlowLine,
    FlowLineError,
    Source,
    Station,
    deterministic,
    erlang,
    exponential,
    gamma,
    lognormal,
    normal,
    triangular,
    uniform,
)

try:
    import twin.des as twin_des
except ImportError:  # the compiled DES core is optional for these tests
    twin_des = None

PROCESS_ENGINES = [simpy] + ([twin_des] if twin_des is not None else [])


def within(estimate, reference, confidence=0.99):
    """Assert the reference value lies inside the confidence interval of the replications."""
    __tracebackhide__ = True
    lo, hi = estimate.low, estimate.high
    assert np.all((lo <= reference) & (reference <= hi)), f"{reference} outside [{lo}, {hi}]"


def mm1(lam, mu, c=1, buffer=None, breakdowns=None):
    return FlowLine([Source("arrivals", exponential(1 / lam), "job")],
                    [Station("server", exponential(1 / mu), capacity=c, buffer=buffer, breakdowns=breakdowns)],
                    {"job": ["server"]})


# ---------------------------------------------------------------------------------------------------------------------
# 1. Random numbers: each distribution against SciPy's (the reference implementation of the same law)
# ---------------------------------------------------------------------------------------------------------------------

def _lognormal_scipy(mean, sd):
    sigma = math.sqrt(math.log1p((sd / mean) ** 2))
    return stats.lognorm(s=sigma, scale=mean * math.exp(-sigma ** 2 / 2))


DISTRIBUTIONS = [
    (exponential(2.0), stats.expon(scale=2.0)),
    (uniform(1.0, 3.0), stats.uniform(loc=1.0, scale=2.0)),
    (triangular(1.0, 1.5, 3.0), stats.triang(c=0.25, loc=1.0, scale=2.0)),
    (normal(10.0, 1.5), stats.norm(10.0, 1.5)),
    (normal(0.5, 1.0), stats.truncnorm(a=-0.5, b=np.inf, loc=0.5, scale=1.0)),  # visibly truncated at zero
    (lognormal(2.0, 0.5), _lognormal_scipy(2.0, 0.5)),
    (gamma(2.5, 1.2), stats.gamma(a=2.5, scale=1.2)),
    (gamma(0.4, 3.0), stats.gamma(a=0.4, scale=3.0)),                          # shape < 1: the boosted path
    (erlang(3, 2.0), stats.erlang(a=3, scale=2.0 / 3)),
]


@pytest.mark.parametrize("dist, ref", DISTRIBUTIONS, ids=lambda d: getattr(d, "kind", ""))
def test_distribution_moments_and_law_match_scipy(dist, ref):
    n = 200_000
    x = dist.sample(n, seed=20261125)
    mean, var = ref.mean(), ref.var()
    # the sample mean within 4 standard errors; the sample variance within 4 of its standard errors
    assert abs(x.mean() - mean) < 4 * math.sqrt(var / n)
    var_se = var * math.sqrt(2 / (n - 1) + ref.stats(moments="k") / n)
    assert abs(x.var(ddof=1) - var) < 4 * var_se
    assert stats.kstest(x, ref.cdf).pvalue > 1e-3


def test_lognormal_is_given_by_its_own_mean_and_sd():
    x = lognormal(2.0, 0.5).sample(200_000, seed=3)
    assert x.mean() == pytest.approx(2.0, rel=0.005) and x.std() == pytest.approx(0.5, rel=0.01)


def test_deterministic_is_exact_and_streams_repeat_with_the_seed():
    assert np.all(deterministic(1.5).sample(10, seed=1) == 1.5)
    a, b, c = (exponential(1.0).sample(1000, seed=s) for s in (7, 7, 8))
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_distribution_mean_property_matches_sampling():
    for dist, ref in DISTRIBUTIONS:
        if dist.kind != "normal":   # the truncated normal's mean is not the parameter
            assert dist.mean == pytest.approx(ref.mean())


# ---------------------------------------------------------------------------------------------------------------------
# 2. Queueing theory
# ---------------------------------------------------------------------------------------------------------------------

def test_mm1_flow_time_utilisation_and_queue():
    """M/M/1: W = 1/(mu - lambda), rho = lambda/mu, L = rho/(1-rho), Lq = rho^2/(1-rho) (Kleinrock, vol. 1, 3.2)."""
    lam, mu = 0.6, 1.0
    rho = lam / mu
    res = mm1(lam, mu).run(horizon=100_000, warmup=1_000, seed=1, replications=10)
    within(res.estimate("flow_time", 0.99), 1 / (mu - lam))
    within(res.estimate("utilisation", 0.99), rho)
    within(res.estimate("wip", 0.99), rho / (1 - rho))
    within(res.estimate("buffer", 0.99), rho ** 2 / (1 - rho))
    within(res.estimate("throughput", 0.99), lam)
    assert np.allclose(res.starved, 1 - res.utilisation) and np.all(res.blocked == 0) and np.all(res.down == 0)


def erlang_c(c: int, a: float) -> float:
    """Probability of waiting in M/M/c with offered load a = lambda/mu (Erlang's C formula)."""
    top = a ** c / math.factorial(c) * c / (c - a)
    return top / (sum(a ** k / math.factorial(k) for k in range(c)) + top)


def test_mmc_erlang_c():
    """M/M/3 with lambda = 2, mu = 1: C(3, 2) = 4/9 (the classical table value), Wq = C/(c mu - lambda)."""
    lam, mu, c = 2.0, 1.0, 3
    assert erlang_c(c, lam / mu) == pytest.approx(4 / 9)
    wq = erlang_c(c, lam / mu) / (c * mu - lam)
    res = mm1(lam, mu, c=c).run(horizon=50_000, warmup=500, seed=2, replications=10)
    within(res.estimate("flow_time", 0.99), wq + 1 / mu)
    within(res.estimate("buffer", 0.99), lam * wq)                 # Little: Lq = lambda Wq
    within(res.estimate("utilisation", 0.99), lam / (c * mu))


def test_tandem_jackson_network():
    """Three exponential stations in series with unlimited buffers: product form, each an M/M/1 (Jackson 1957).

    Sojourn = sum 1/(mu_i - lambda); each buffer holds rho_i^2/(1 - rho_i) on average.
    """
    lam, mus = 1.0, np.array([2.0, 1.6, 1.25])
    rho = lam / mus
    line = FlowLine([Source("in", exponential(1 / lam), "job")],
                    [Station(f"s{i}", exponential(1 / m)) for i, m in enumerate(mus)],
                    {"job": ["s0", "s1", "s2"]})
    res = line.run(horizon=100_000, warmup=2_000, seed=3, replications=12)
    within(res.estimate("flow_time", 0.99), np.sum(1 / (mus - lam)))
    within(res.estimate("wip", 0.99), np.sum(rho / (1 - rho)))
    within(res.estimate("buffer", 0.99), rho ** 2 / (1 - rho))
    within(res.estimate("utilisation", 0.99), rho)


def test_calendar_breakdowns_give_availability():
    """Failures on calendar time: down fraction MTTR/(MTBF+MTTR) whatever the load; the work lambda E[S] is
    conserved, so the utilisation of the available time is lambda E[S] / A with A = MTBF/(MTBF+MTTR)."""
    mtbf, mttr, lam = 9.0, 1.0, 0.5
    availability = mtbf / (mtbf + mttr)
    res = mm1(lam, 1.0, breakdowns=Breakdowns(mtbf, mttr)).run(100_000, 1_000, seed=4, replications=10)
    within(res.estimate("down", 0.99), 1 - availability)
    within(res.estimate("utilisation", 0.99), lam)
    effective = res.utilisation / (1 - res.down)
    assert effective.mean() == pytest.approx(lam / availability, rel=0.01)


def test_operating_breakdowns_match_the_completion_time_mg1():
    """Failures on operating time, preemptive resume: the completion time C = S + the repairs during S
    (Poisson(f S) failures, f = 1/MTBF) has E[C] = E[S](1 + f E[R]) and
    E[C^2] = E[S^2](1 + f E[R])^2 + f E[S] E[R^2] (Gaver 1962); then Pollaczek-Khinchine gives
    W = lambda E[C^2] / (2 (1 - lambda E[C])) + E[C]."""
    lam, es, es2, f, er, er2 = 0.5, 1.0, 2.0, 1 / 10, 1.0, 2.0     # exponential S and R, both of mean 1
    ec = es * (1 + f * er)
    ec2 = es2 * (1 + f * er) ** 2 + f * es * er2
    w = lam * ec2 / (2 * (1 - lam * ec)) + ec
    res = mm1(lam, 1 / es, breakdowns=Breakdowns(1 / f, er, basis="operating")).run(
        100_000, 1_000, seed=5, replications=12)
    within(res.estimate("flow_time", 0.99), w)
    within(res.estimate("down", 0.99), lam * es * f * er)
    within(res.estimate("utilisation", 0.99), lam * es)


@pytest.mark.parametrize("between", [0, 2])
def test_two_station_blocking_line(between):
    """A saturated first machine, a buffer of B between two exponential machines of rate 1, blocking after service:
    the jobs between the machines form a birth-death chain on 0 .. B+2 with equal rates, so each state has
    probability 1/(B+3): throughput (B+2)/(B+3), first machine blocked 1/(B+3), second starved 1/(B+3)
    (Buzacott & Shanthikumar 1993, two-stage lines)."""
    line = FlowLine([Source("saturated", deterministic(0.0), "job")],
                    [Station("m1", exponential(1.0), buffer=0), Station("m2", exponential(1.0), buffer=between)],
                    {"job": ["m1", "m2"]})
    res = line.run(horizon=50_000, warmup=100, seed=6, replications=10)
    p = 1 / (between + 3)
    within(res.estimate("throughput", 0.99), 1 - p)
    within(res.estimate("blocked", 0.99), np.array([p, 0.0]))
    within(res.estimate("starved", 0.99), np.array([0.0, p]))


def test_routing_by_product_loads_each_station_with_its_products():
    """Utilisation of a station = sum over products of (arrival rate x mean process time there) / capacity,
    throughput per product = its share of the arrivals, and Little's law WIP = sum throughput x flow time."""
    line = FlowLine(
        sources=[Source("orders", exponential(1.0), {"A": 0.6, "B": 0.4})],
        stations=[Station("s1", triangular(0.5, 1.0, 2.0), capacity=2),
                  Station("s2", {"A": uniform(0.2, 0.6), "B": erlang(2, 0.9)}),
                  Station("s3", lognormal(0.8, 0.3))],
        routes={"A": ["s1", "s2"], "B": ["s2", "s3"]},
    )
    res = line.run(horizon=50_000, warmup=500, seed=7, replications=10)
    load = np.array([0.6 * (3.5 / 3) / 2, 0.6 * 0.4 + 0.4 * 0.9, 0.4 * 0.8])
    within(res.estimate("utilisation", 0.99), load)
    within(res.estimate("throughput", 0.99), np.array([0.6, 0.4]))
    little = (res.throughput * res.flow_time).sum(axis=1)
    assert np.allclose(res.wip, little, rtol=0.01)


def test_fractions_add_up_and_replications_are_reproducible():
    line = FlowLine([Source("in", exponential(1.0), "job")],
                    [Station("a", exponential(0.8), buffer=1, breakdowns=Breakdowns(20, 2)),
                     Station("b", exponential(0.9), buffer=1, breakdowns=Breakdowns(15, 1, basis="operating"))],
                    {"job": ["a", "b"]})
    one = line.run(5_000, 100, seed=11, replications=4, workers=1)
    two = line.run(5_000, 100, seed=11, replications=4, workers=2)
    other = line.run(5_000, 100, seed=12, replications=4)
    total = one.utilisation + one.blocked + one.starved + one.down
    assert np.allclose(total, 1.0)
    for name in ("throughput", "flow_time", "wip", "utilisation", "blocked", "down", "buffer", "events"):
        assert np.array_equal(getattr(one, name), getattr(two, name)), name   # bit for bit, whatever the threads
    assert not np.array_equal(one.flow_time, other.flow_time)
    assert len(set(one.events)) == 4                                           # replications differ
    assert "utilisation" in one.table() and one.replications == 4


# ---------------------------------------------------------------------------------------------------------------------
# 3. Statistical identity with the process-based version: the same line as SimPy processes
# ---------------------------------------------------------------------------------------------------------------------

def python_sampler(dist: Distribution, rnd: random.Random):
    """The same law drawn with Python's ``random`` (an independent implementation of each sampler)."""
    p = dist.params
    if dist.kind == "exponential":
        return lambda: rnd.expovariate(1 / p["mean"])
    if dist.kind == "deterministic":
        return lambda: p["value"]
    if dist.kind == "uniform":
        return lambda: rnd.uniform(p["low"], p["high"])
    if dist.kind == "triangular":
        return lambda: rnd.triangular(p["low"], p["high"], p["mode"])
    if dist.kind == "gamma":
        return lambda: rnd.gammavariate(p["shape"], p["scale"])
    if dist.kind == "erlang":
        return lambda: rnd.gammavariate(p["k"], p["mean"] / p["k"])
    if dist.kind == "lognormal":
        sigma = math.sqrt(math.log1p((p["sd"] / p["mean"]) ** 2))
        return lambda: rnd.lognormvariate(math.log(p["mean"]) - sigma ** 2 / 2, sigma)
    if dist.kind == "normal":
        def truncated():
            while (x := rnd.gauss(p["mean"], p["sd"])) < 0:
                pass
            return x
        return truncated
    raise AssertionError(dist.kind)


def process_based(sim, line: FlowLine, horizon: float, seed: int) -> dict:
    """Run ``line`` as generator processes on ``sim`` (SimPy's API): a process per source, per machine and per
    calendar breakdown clock, a ``Store`` per buffer; its throughput, flow time and machine-state fractions."""
    env = sim.Environment()
    rnd = random.Random(seed)
    products = list(line.routes)
    index = {s.name: i for i, s in enumerate(line.stations)}
    buffers = [sim.Store(env, capacity=math.inf if s.buffer is None else s.buffer) for s in line.stations]
    completed, flow = np.zeros(len(products)), np.zeros(len(products))
    state_time = np.zeros((len(line.stations), 4))           # idle, busy, blocked, down (machine time)

    class Machine:
        def __init__(self, s):
            self.s, self.activity, self.down, self.since, self.state = s, 0, False, 0.0, 0
            self.repaired = None

        def update(self, activity=None):
            if activity is not None:
                self.activity = activity
            state = 3 if self.down else self.activity
            state_time[self.s, self.state] += env.now - self.since
            self.state, self.since = state, env.now

    def draw(dist):
        return python_sampler(dist, rnd)()

    def source(src):
        weights = [dict({src.mix: 1} if isinstance(src.mix, str) else src.mix).get(p, 0) for p in products]
        while True:
            yield env.timeout(draw(src.interarrival))
            product = rnd.choices(range(len(products)), weights)[0]
            yield buffers[index[line.routes[products[product]][0]]].put((product, env.now, 0))

    def process_time(station, product):
        d = station.process
        d = d[products[product]] if isinstance(d, dict) else d
        return draw(Distribution.parse(d, ""))

    def machine(m: Machine):
        station = line.stations[m.s]
        b = station.breakdowns
        operating = b is not None and b.basis == "operating"
        up_left = draw(_failure(b.mtbf)) if operating else math.inf
        while True:
            if m.down:
                yield m.repaired
            get = buffers[m.s].get()
            try:
                product, arrived, step = yield get
            except sim.Interrupt:        # failed while idle: the job stays in the buffer for others
                get.cancel()
                continue
            m.update(1)
            work = process_time(station, product)
            while work > 0:
                start = env.now
                if operating and up_left < work:
                    yield env.timeout(up_left)
                    work -= up_left
                    m.down = True
                    m.update()
                    yield env.timeout(draw(_failure(b.mttr)))
                    m.down = False
                    m.update()
                    up_left = draw(_failure(b.mtbf))
                    continue
                try:
                    yield env.timeout(work)
                    up_left -= work
                    work = 0
                except sim.Interrupt:    # a calendar failure preempts; resume with the work left
                    work -= env.now - start
                    yield m.repaired
            route = line.routes[products[product]]
            if step + 1 == len(route):
                completed[product] += 1
                flow[product] += env.now - arrived
            else:
                m.update(2)
                put = buffers[index[route[step + 1]]].put((product, arrived, step + 1))
                while True:
                    try:
                        yield put
                        break
                    except sim.Interrupt:   # a failure while blocked: the job still leaves when room opens
                        pass
            m.update(0)

    def breaker(m: Machine, proc, b: Breakdowns):
        while True:
            yield env.timeout(draw(_failure(b.mtbf)))
            m.down, m.repaired = True, env.event()
            m.update()
            proc.interrupt()
            yield env.timeout(draw(_failure(b.mttr)))
            m.down = False
            m.update()
            m.repaired.succeed()

    machines = []
    for src in line.sources:
        env.process(source(src))
    for s, station in enumerate(line.stations):
        for _ in range(station.capacity):
            m = Machine(s)
            machines.append(m)
            proc = env.process(machine(m))
            if station.breakdowns is not None and station.breakdowns.basis == "calendar":
                env.process(breaker(m, proc, station.breakdowns))
    env.run(until=horizon)
    for m in machines:
        m.update()
    capacity = np.array([s.capacity for s in line.stations])[:, None]
    fractions = state_time / (capacity * horizon)
    return {"throughput": completed / horizon, "flow_time": flow / completed, "starved": fractions[:, 0],
            "utilisation": fractions[:, 1], "blocked": fractions[:, 2], "down": fractions[:, 3]}


def _failure(spec):
    return spec if isinstance(spec, Distribution) else exponential(spec)


def identity_line(slower: float = 1.0) -> FlowLine:
    """Two sources, two products, parallel machines, finite buffers and both kinds of breakdowns."""
    return FlowLine(
        sources=[Source("orders", exponential(2.0), "A"),
                 Source("mixed", uniform(1.0, 3.0), {"A": 1, "B": 3})],
        stations=[
            Station("mixer", {"A": triangular(0.5, 1.0, 2.0), "B": uniform(0.5, 1.5)}, capacity=2),
            Station("press", {"A": erlang(2, 0.6 * slower)}, buffer=3, breakdowns=Breakdowns(30.0, 2.0)),
            Station("coater", {"A": normal(0.5, 0.1), "B": lognormal(0.6, 0.2)}, buffer=1,
                    breakdowns=Breakdowns(20.0, gamma(2.0, 0.75), basis="operating")),
        ],
        routes={"A": ["mixer", "press", "coater"], "B": ["mixer", "coater"]},
    )


IDENTITY_METRICS = ("throughput", "flow_time", "utilisation", "blocked", "starved", "down")


def differences(line: FlowLine, sim, replications: int, horizon: float, fast_line=None) -> dict[str, np.ndarray]:
    """Each metric's difference of means (fast path - processes) in units of its standard error (|z|).

    The processes run ``line``; the fast path runs ``fast_line`` (by default the same line).
    """
    runs = [process_based(sim, line, horizon, seed) for seed in range(replications)]
    fast = (fast_line or line).run(horizon, seed=99, replications=4 * replications, progress=False)
    z = {}
    for name in IDENTITY_METRICS:
        proc = np.array([r[name] for r in runs])
        mine = getattr(fast, name)
        se = np.sqrt(proc.var(axis=0, ddof=1) / len(proc) + mine.var(axis=0, ddof=1) / len(mine))
        diff = mine.mean(axis=0) - proc.mean(axis=0)
        z[name] = np.where(se > 0, np.abs(diff) / np.where(se > 0, se, 1), np.where(diff == 0, 0, np.inf))
    return z


def bonferroni_bound(z: dict) -> float:
    """The |z| bound that holds the family-wise error of all the comparisons at 1% (Bonferroni)."""
    k = sum(v.size for v in z.values())
    return stats.norm.ppf(1 - 0.01 / (2 * k))


@pytest.mark.parametrize("sim", PROCESS_ENGINES, ids=lambda m: m.__name__)
def test_statistics_identical_in_distribution_to_the_process_based_line(sim):
    z = differences(identity_line(), sim, replications=12, horizon=1_500)
    bound = bonferroni_bound(z)
    assert all(np.all(v <= bound) for v in z.values()), {k: v.round(2) for k, v in z.items()}


def test_the_identity_check_detects_a_ten_percent_slower_press():
    """The same check must fail when the fast path runs a different line: it is not a test that cannot fail."""
    z = differences(identity_line(), simpy, replications=12, horizon=1_500, fast_line=identity_line(slower=1.1))
    assert max(v.max() for v in z.values()) > bonferroni_bound(z)


@pytest.mark.slow
@pytest.mark.parametrize("sim", PROCESS_ENGINES, ids=lambda m: m.__name__)
def test_statistics_identical_in_distribution_long(sim):
    z = differences(identity_line(), sim, replications=60, horizon=10_000)
    bound = bonferroni_bound(z)
    assert all(np.all(v <= bound) for v in z.values()), {k: v.round(2) for k, v in z.items()}


@pytest.mark.slow
def test_model_b_identical_in_distribution_to_simpy():
    """Benchmark model (b) itself, the shared SimPy version (benchmarks/des/line.py) against the data version."""
    from benchmarks.des import line as model_b
    from benchmarks.des.flowline import fast_line, fast_statistics

    horizon, runs = 5_000, []
    for seed in range(40):
        env, statistics = model_b.build_simpy_like(simpy, seed)
        env.run(until=horizon)
        runs.append(statistics())
    fast = fast_statistics(fast_line().run(horizon, seed=5, replications=160, progress=False))
    bound = stats.norm.ppf(1 - 0.01 / (2 * len(fast)))
    for name, mine in fast.items():
        proc = np.array([r[name] for r in runs])
        se = math.sqrt(proc.var(ddof=1) / len(proc) + mine.var(ddof=1) / len(mine))
        assert abs(mine.mean() - proc.mean()) <= bound * se, name


# ---------------------------------------------------------------------------------------------------------------------
# 4. Bad input
# ---------------------------------------------------------------------------------------------------------------------

GOOD = {
    "sources": [{"name": "orders", "interarrival": {"dist": "exponential", "mean": 1.0}, "mix": {"A": 1}}],
    "stations": [{"name": "press", "process": {"dist": "exponential", "mean": 0.5}, "buffer": 3},
                 {"name": "coater", "process": {"A": 0.4}, "capacity": 2,
                  "breakdowns": {"mtbf": 50, "mttr": 2, "basis": "operating"}}],
    "routes": {"A": ["press", "coater"]},
}


def edited(path, value):
    """GOOD with the value at ``path`` (keys and indices) replaced."""
    import copy

    data = copy.deepcopy(GOOD)
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return data


def test_good_dict_builds_and_runs():
    res = FlowLine.from_dict(GOOD).run(500, seed=1)
    assert res.throughput.shape == (1, 1) and res.utilisation.shape == (1, 2)


@pytest.mark.parametrize("path, value, message", [
    (("routes", "A"), ["press", "labeller"], "route of product 'A' names station 'labeller', which does not exist"),
    (("stations", 1, "capacity"), -2, "station 'coater': capacity (parallel machines) must be a positive integer"),
    (("stations", 0, "process"), {"dist": "triangular", "low": 1, "high": 3},
     "'press': process time: triangular takes parameters low, mode, high (missing mode)"),
    (("stations", 0, "process"), {"dist": "weibull", "k": 2}, "unknown distribution 'weibull'"),
    (("stations", 0, "process"), {"dist": "exponential", "mean": -1}, "exponential mean must be > 0"),
    (("stations", 0, "buffer"), -1, "station 'press': buffer must be a non-negative integer"),
    (("stations", 1, "process"), {"B": 0.4}, "station 'coater': process time given for product 'B'"),
    (("stations", 1, "breakdowns"), {"mtbf": 50, "mttr": 2, "basis": "weekly"}, "basis must be 'calendar' or"),
    (("stations", 1, "breakdowns"), {"mtbf": 50}, "'coater': breakdowns: missing mttr"),
    (("sources", 0, "mix"), {"C": 1}, "source 'orders': mix names product 'C', which has no route"),
    (("sources", 0, "mix"), {"A": 0}, "weights of the mix add up to zero"),
    (("sources", 0, "interarrival"), "fast", "interarrival: expected a time distribution"),
    (("stations", 1, "name"), "press", "station 'press' is defined twice"),
    (("routes",), ["press"], "routes must map each product to its list of stations"),
    (("stations",), [], "stations must be a non-empty list"),
])
def test_bad_input_names_the_culprit_and_the_fix(path, value, message):
    with pytest.raises(FlowLineError) as err:
        FlowLine.from_dict(edited(path, value))
    assert message in str(err.value)


def test_product_routed_without_a_process_time_is_named():
    data = edited(("routes", "B"), ["coater"])
    data["sources"][0]["mix"] = {"A": 1, "B": 1}
    with pytest.raises(FlowLineError, match="'coater': product 'B' is routed here but has no process time"):
        FlowLine.from_dict(data)


def test_bad_run_arguments():
    line = FlowLine.from_dict(GOOD)
    with pytest.raises(FlowLineError, match="warmup < horizon"):
        line.run(100, warmup=200)
    with pytest.raises(FlowLineError, match="replications must be a positive integer"):
        line.run(100, replications=0)
    with pytest.raises(FlowLineError, match="seed must be"):
        line.run(100, seed="abc")
    with pytest.raises(FlowLineError, match="horizon must be a finite number"):
        line.run(float("inf"))


def test_zero_time_flood_is_refused_or_stopped():
    with pytest.raises(FlowLineError, match="would create jobs forever"):
        FlowLine([Source("s", deterministic(0), "a")], [Station("m", 1.0)], {"a": ["m"]})
    stuck = FlowLine([Source("s", deterministic(0), "a")],
                     [Station("m", deterministic(0), buffer=0), Station("n", 1.0)], {"a": ["m", "n"]})
    with pytest.raises(FlowLineError, match="time stopped advancing"):
        stuck.run(10)


def test_yaml_file_errors_name_file_and_line(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        FlowLine.from_yaml(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("sources: [\n  {name: a\n")
    with pytest.raises(ConfigError, match=r"bad.yaml:\d+: not valid YAML"):
        FlowLine.from_yaml(bad)
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(yaml.safe_dump(edited(("stations", 1, "capacity"), 0), sort_keys=False))
    with pytest.raises(FlowLineError, match=r"wrong.yaml: station 'coater': capacity"):
        FlowLine.from_yaml(wrong)
    wrong.write_text(yaml.safe_dump(edited(("stations", 1, "breakdowns"), {"mtbf": 5}), sort_keys=False))
    with pytest.raises(FlowLineError, match=r"wrong.yaml: stations\[1\] \(line \d+\) 'coater': breakdowns: missing"):
        FlowLine.from_yaml(wrong)
    good = tmp_path / "good.yaml"
    good.write_text(yaml.safe_dump(GOOD))
    assert FlowLine.from_yaml(good).products == ("A",)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.floats(-3, 3) | st.just(float("nan")) | st.sampled_from(
        ["press", "coater", "A", "B", "exponential", "triangular", "calendar"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(
        ["name", "dist", "mean", "low", "mode", "high", "process", "capacity", "buffer", "mix", "A", "press"]),
        inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.sampled_from([("routes", "A"), ("stations", 0), ("stations", 1, "process"), ("stations", 1),
                             ("sources", 0, "mix"), ("sources", 0, "interarrival"), ("sources", 0),
                             ("stations", 1, "breakdowns"), ("routes",), ("stations", 0, "capacity")]),
       value=json_values)
def test_random_input_is_accepted_or_refused_clearly(path, value):
    """Whatever YAML could hold in any place, the result is a flow line or a FlowLineError, nothing else."""
    try:
        FlowLine.from_dict(edited(path, value))
    except FlowLineError as err:
        assert str(err)


@st.composite
def random_lines(draw):
    """Small valid lines: random capacities, buffers (0 included), breakdowns, routes that may revisit."""
    n = draw(st.integers(1, 4))
    times = st.sampled_from([exponential(0.5), uniform(0.1, 1.0), deterministic(0.3), erlang(2, 0.6)])
    stations = [Station(f"s{i}", draw(times), capacity=draw(st.integers(1, 3)),
                        buffer=draw(st.none() | st.integers(0, 3)),
                        breakdowns=draw(st.none() | st.builds(Breakdowns, st.sampled_from([5.0, 20.0]),
                                                              st.sampled_from([0.5, 2.0]),
                                                              st.sampled_from(["calendar", "operating"]))))
                for i in range(n)]
    routes = {p: draw(st.lists(st.sampled_from([s.name for s in stations]), min_size=1, max_size=5))
              for p in ("A", "B")}
    return FlowLine([Source("in", draw(times), {"A": 1, "B": draw(st.integers(0, 2))})], stations, routes)


@settings(max_examples=60, deadline=None)
@given(line=random_lines(), seed=st.integers(0, 2**32))
def test_random_lines_keep_their_books(line, seed):
    """Any line runs to its horizon (or deadlocks quietly) with consistent statistics."""
    res = line.run(200, warmup=20, seed=seed, replications=2, workers=1)
    total = res.utilisation + res.blocked + res.starved + res.down
    assert np.allclose(total, 1.0)
    for name in ("utilisation", "blocked", "starved", "down", "buffer", "wip", "throughput"):
        assert np.all(getattr(res, name) >= -1e-12), name
    assert np.all(res.buffer <= np.array([np.inf if s.buffer is None else s.buffer for s in line.stations]) + 1e-9)


# ---------------------------------------------------------------------------------------------------------------------
# 5. The examples in the docs run
# ---------------------------------------------------------------------------------------------------------------------

def test_module_docstring_example_runs(capsys):
    import textwrap

    import twin.des.flowline as module

    code = textwrap.dedent(module.__doc__.split("::\n\n", 1)[1].split("\n\n")[0])
    exec(code, vars(module).copy())
    assert "product tablet" in capsys.readouterr().out


def test_a_run_releases_the_gil():
    """While a replication runs, a Python thread keeps running: its longest stall is far shorter than the run
    (a call that holds the GIL, such as ``sum(range(10**8))``, stalls it for the whole call)."""
    import threading
    import time

    from twin import _flowline
    from twin.des.flowline import _stream_state

    line = mm1(0.9, 1.0)
    seeds = np.array([_stream_state(1, (0, i)) for i in range(3)], dtype=np.uint64)
    rep = _flowline.Replication(line._compiled, seeds, 200_000.0, 0.0)
    stop, longest = threading.Event(), [0.0]

    def spin():
        last = time.perf_counter()
        while not stop.is_set():
            now = time.perf_counter()
            longest[0], last = max(longest[0], now - last), now

    spinner = threading.Thread(target=spin)
    spinner.start()
    time.sleep(0.02)
    start = time.perf_counter()
    rep.run()
    took = time.perf_counter() - start
    stop.set()
    spinner.join()
    assert rep.events > 350_000
    assert longest[0] < took / 2, (longest[0], took)
