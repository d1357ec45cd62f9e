"""A flow line described as data and run in compiled code: plant-scale Monte Carlo with no Python per event.

A flow line is sources sending jobs of several products along per-product routes of stations. A station has
``capacity`` parallel machines, a process-time distribution per product, an input buffer (unlimited, or of limited
size: a machine that cannot pass its finished job on keeps it and is *blocked*) and optional breakdowns (a breakdown
preempts the job in process, which resumes after the repair). Describe it with dataclasses or a dict (from YAML)::

    line = FlowLine.from_dict({
        "sources": [{"name": "orders", "interarrival": {"dist": "exponential", "mean": 1.0},
                     "mix": {"tablet": 0.7, "capsule": 0.3}}],
        "stations": [{"name": "press", "capacity": 2, "process": {"dist": "exponential", "mean": 1.5}},
                     {"name": "coater", "buffer": 5, "process": {"tablet": 0.8, "capsule": 0.5},
                      "breakdowns": {"mtbf": 200, "mttr": 10}}],
        "routes": {"tablet": ["press", "coater"], "capsule": ["coater"]},
    })
    result = line.run(horizon=10_000, warmup=1_000, seed=42, replications=20)
    print(result.table())            # 95% confidence intervals over the replications

Each replication runs entirely inside ``twin._flowline`` with the GIL released, so replications run in parallel
threads. Randomness follows the project's rule: one ``numpy.random.SeedSequence`` per run, spawned per replication,
and within a replication one stream per role (a source's arrivals, a station's process times, a station's
breakdowns), so the same seed gives the same result bit for bit, whatever the number of threads.
"""
from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
from tqdm import tqdm

from twin import _flowline, config

__all__ = [
    "Breakdowns", "Distribution", "Estimate", "FlowLine", "FlowLineError", "FlowLineResult", "Source", "Station",
    "deterministic", "erlang", "exponential", "gamma", "lognormal", "normal", "triangular", "uniform",
]


class FlowLineError(ValueError):
    """A flow line described wrongly: the message names the element, what was expected and how to fix it."""


# ---------------------------------------------------------------------------------------------------------------------
# Distributions
# ---------------------------------------------------------------------------------------------------------------------

#: Each distribution's parameters, and an example a user can copy.
PARAMETERS = {
    "exponential": (("mean",), "{dist: exponential, mean: 2.0}"),
    "deterministic": (("value",), "{dist: deterministic, value: 2.0} or just 2.0"),
    "uniform": (("low", "high"), "{dist: uniform, low: 1.0, high: 3.0}"),
    "triangular": (("low", "mode", "high"), "{dist: triangular, low: 1.0, mode: 1.5, high: 3.0}"),
    "normal": (("mean", "sd"), "{dist: normal, mean: 2.0, sd: 0.3}  (truncated at zero)"),
    "lognormal": (("mean", "sd"), "{dist: lognormal, mean: 2.0, sd: 0.5}"),
    "gamma": (("shape", "scale"), "{dist: gamma, shape: 2.0, scale: 1.0}"),
    "erlang": (("k", "mean"), "{dist: erlang, k: 3, mean: 2.0}"),
}


@dataclass(frozen=True)
class Distribution:
    """A non-negative random time: ``kind`` (see ``PARAMETERS``) and its parameters by name.

    Build one with the helpers (``exponential(2.0)``) or from a mapping (``{dist: exponential, mean: 2.0}``).
    """

    kind: str
    params: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self):
        problem = _distribution_problem(self.kind, self.params)
        if problem:
            raise FlowLineError(problem)

    @classmethod
    def parse(cls, spec, where: str) -> Distribution:
        """A distribution from a number (a fixed time), a mapping with ``dist`` and parameters, or a Distribution."""
        if isinstance(spec, Distribution):
            return spec
        if isinstance(spec, int | float) and not isinstance(spec, bool):
            spec = {"dist": "deterministic", "value": spec}
        if not isinstance(spec, Mapping) or "dist" not in spec:
            raise FlowLineError(f"{where}: expected a time distribution such as {{dist: exponential, mean: 2.0}} "
                                f"or a number, got {spec!r}")
        params = {k: v for k, v in spec.items() if k != "dist"}
        try:
            return cls(spec["dist"], params)
        except FlowLineError as exc:
            raise FlowLineError(f"{where}: {exc}") from None

    @property
    def mean(self) -> float:
        """The analytical mean (of the truncated normal, the untruncated one)."""
        p = self.params
        return {
            "exponential": lambda: p["mean"], "deterministic": lambda: p["value"],
            "uniform": lambda: (p["low"] + p["high"]) / 2, "triangular": lambda: (p["low"] + p["mode"] + p["high"]) / 3,
            "normal": lambda: p["mean"], "lognormal": lambda: p["mean"], "gamma": lambda: p["shape"] * p["scale"],
            "erlang": lambda: p["mean"],
        }[self.kind]()

    def sample(self, n: int, seed=None) -> np.ndarray:
        """``n`` draws from the kernel's own generator (the stream the flow line would use with this seed)."""
        code, kernel_params = self._kernel_form()
        return _flowline.sample(code, np.array(kernel_params, dtype=float), _stream_state(seed, ()), int(n))

    def _kernel_form(self) -> tuple[int, tuple[float, float, float]]:
        """The kernel's distribution code and its three parameters."""
        p = {k: float(v) for k, v in self.params.items()}
        kind = self.kind
        if kind == "lognormal":
            sigma2 = math.log1p((p["sd"] / p["mean"]) ** 2)
            kind, values = "lognormal", (math.log(p["mean"]) - sigma2 / 2, math.sqrt(sigma2))
        elif kind == "erlang":
            kind, values = "gamma", (p["k"], p["mean"] / p["k"])
        else:
            values = tuple(p[name] for name in PARAMETERS[kind][0])
        return _flowline.DISTRIBUTIONS[kind][0], (values + (0.0, 0.0, 0.0))[:3]


def _distribution_problem(kind, params) -> str | None:
    """What is wrong with a distribution, or None."""
    if not isinstance(kind, str) or kind not in PARAMETERS:
        return f"unknown distribution {kind!r}; expected one of {', '.join(PARAMETERS)}"
    names, example = PARAMETERS[kind]
    if not isinstance(params, Mapping):
        return f"{kind} parameters must be a mapping of {', '.join(names)}; example: {example}"
    missing = [n for n in names if n not in params]
    extra = [n for n in params if n not in names]
    if missing or extra:
        what = "; ".join(s for s in (missing and f"missing {', '.join(missing)}",
                                     extra and f"unknown {', '.join(map(str, extra))}") if s)
        return f"{kind} takes parameters {', '.join(names)} ({what}); example: {example}"
    for n in names:
        v = params[n]
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            return f"{kind} parameter {n} must be a finite number, got {v!r}; example: {example}"
    p = params
    rule, ok = {
        "exponential": ("mean must be > 0", lambda: p["mean"] > 0),
        "deterministic": ("value must be >= 0", lambda: p["value"] >= 0),
        "uniform": ("needs 0 <= low <= high", lambda: 0 <= p["low"] <= p["high"]),
        "triangular": ("needs 0 <= low <= mode <= high and low < high",
                       lambda: 0 <= p["low"] <= p["mode"] <= p["high"] and p["low"] < p["high"]),
        "normal": ("needs mean > 0 and sd >= 0", lambda: p["mean"] > 0 and p["sd"] >= 0),
        "lognormal": ("needs mean > 0 and sd >= 0", lambda: p["mean"] > 0 and p["sd"] >= 0),
        "gamma": ("needs shape > 0 and scale > 0", lambda: p["shape"] > 0 and p["scale"] > 0),
        "erlang": ("needs an integer k >= 1 and mean > 0",
                   lambda: float(p["k"]).is_integer() and p["k"] >= 1 and p["mean"] > 0),
    }[kind]
    if not ok():
        got = ", ".join(f"{n}={params[n]!r}" for n in names)
        return f"{kind} {rule}, got {got}; example: {example}"
    return None


def exponential(mean: float) -> Distribution:
    return Distribution("exponential", {"mean": mean})


def deterministic(value: float) -> Distribution:
    return Distribution("deterministic", {"value": value})


def uniform(low: float, high: float) -> Distribution:
    return Distribution("uniform", {"low": low, "high": high})


def triangular(low: float, mode: float, high: float) -> Distribution:
    return Distribution("triangular", {"low": low, "mode": mode, "high": high})


def normal(mean: float, sd: float) -> Distribution:
    """A normal time truncated at zero (draws below zero are redrawn)."""
    return Distribution("normal", {"mean": mean, "sd": sd})


def lognormal(mean: float, sd: float) -> Distribution:
    """A lognormal time given by its own mean and standard deviation (not those of its logarithm)."""
    return Distribution("lognormal", {"mean": mean, "sd": sd})


def gamma(shape: float, scale: float) -> Distribution:
    return Distribution("gamma", {"shape": shape, "scale": scale})


def erlang(k: int, mean: float) -> Distribution:
    """The sum of ``k`` exponential phases with total ``mean``."""
    return Distribution("erlang", {"k": k, "mean": mean})


# ---------------------------------------------------------------------------------------------------------------------
# The line: sources, stations, routes
# ---------------------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Source:
    """Jobs arrive with ``interarrival`` times; each is a product drawn from ``mix`` (product -> weight, or one name).

    A source whose first station has no room holds its job and waits (it is blocked like a machine).
    """

    name: str
    interarrival: Distribution
    mix: Mapping[str, float] | str


@dataclass(frozen=True)
class Breakdowns:
    """Failures and repairs of each machine of a station.

    ``mtbf`` and ``mttr`` are mean times of exponential distributions, or any Distribution. With ``basis="calendar"``
    the time to failure runs on the clock whatever the machine does; with ``basis="operating"`` only while it
    processes. A failure preempts the job in process; it resumes with its remaining work after the repair.
    """

    mtbf: Distribution | float
    mttr: Distribution | float
    basis: str = "calendar"


@dataclass(frozen=True)
class Station:
    """``capacity`` parallel machines; ``process`` is one time distribution for all products, or one per product.

    ``buffer`` is the number of jobs that can wait in front of the machines (None: unlimited). A machine that
    finishes a job the next station has no room for keeps it and is blocked until room opens.
    """

    name: str
    process: Distribution | float | Mapping[str, Distribution | float]
    capacity: int = 1
    buffer: int | None = None
    breakdowns: Breakdowns | None = None


@dataclass(frozen=True)
class FlowLine:
    """Sources, stations, and the route (a sequence of station names) of every product."""

    sources: Sequence[Source]
    stations: Sequence[Station]
    routes: Mapping[str, Sequence[str]]

    def __post_init__(self):
        compiled = _compile(self)              # validates: errors name the element and the fix
        # frozen for good: the compiled arrays must keep describing this line
        object.__setattr__(self, "sources", tuple(self.sources))
        object.__setattr__(self, "stations", tuple(self.stations))
        object.__setattr__(self, "routes", {p: tuple(r) for p, r in self.routes.items()})
        object.__setattr__(self, "_compiled", compiled)

    @property
    def products(self) -> tuple[str, ...]:
        return tuple(self.routes)

    @classmethod
    def from_dict(cls, data: Mapping, where: str = "flow line") -> FlowLine:
        """A flow line from plain data (as YAML gives it): keys ``sources``, ``stations``, ``routes``."""
        if not isinstance(data, Mapping):
            raise FlowLineError(f"{where}: expected a mapping with keys sources, stations, routes; got {data!r}")
        unknown = set(data) - {"sources", "stations", "routes"}
        if unknown:
            raise FlowLineError(f"{where}: unknown keys {sorted(unknown)}; expected sources, stations, routes")
        sources = [_source(s, _at(f"{where}: sources[{i}]", s)) for i, s in enumerate(_items(data, "sources", where))]
        stations = [_station(s, _at(f"{where}: stations[{i}]", s))
                    for i, s in enumerate(_items(data, "stations", where))]
        routes = data.get("routes")
        if not isinstance(routes, Mapping):
            raise FlowLineError(f"{where}: routes must map each product to its list of stations, "
                                f"e.g. routes: {{tablet: [press, coater]}}; got {routes!r}")
        try:
            return cls(sources, stations, routes)
        except FlowLineError as exc:
            raise FlowLineError(f"{where}: {exc}") from None

    @classmethod
    def from_yaml(cls, path: str | os.PathLike) -> FlowLine:
        """A flow line from a YAML file holding the mapping ``from_dict`` takes.

        The file is read by ``twin.config`` (safe loading; a missing file or broken YAML is a ``ConfigError`` with
        file and line); errors in the line name the file and the line of the source or station at fault.
        """
        return cls.from_dict(config.load(path), where=str(path))

    def run(self, horizon: float, warmup: float = 0.0, seed=None, replications: int = 1,
            workers: int | None = None, progress: bool | None = None) -> FlowLineResult:
        """Simulate ``replications`` independent runs over ``[0, horizon]``, measuring over ``[warmup, horizon]``.

        ``seed`` (an int or a ``numpy.random.SeedSequence``) fixes every replication; ``workers`` threads run them
        (default: one per CPU); ``progress`` shows a progress bar (default: on a terminal, for more than one run).
        """
        horizon, warmup = _time(horizon, "horizon"), _time(warmup, "warmup")
        if not 0 <= warmup < horizon:
            raise FlowLineError(f"run: need 0 <= warmup < horizon, got warmup={warmup}, horizon={horizon}")
        if isinstance(replications, bool) or not isinstance(replications, int) or replications < 1:
            raise FlowLineError(f"run: replications must be a positive integer, got {replications!r}")
        root = _seed_sequence(seed)
        n_sources, n_stations = len(self.sources), len(self.stations)

        def one(r: int):
            key = (r,)
            seeds = np.array([_stream_state(root, key + (role, i))
                              for role, n in ((0, n_sources), (1, n_stations), (2, n_stations))
                              for i in range(n)], dtype=np.uint64)
            rep = _flowline.Replication(self._compiled, seeds, horizon, warmup)
            rep.run()
            if rep.stuck:
                raise FlowLineError(
                    f"run: time stopped advancing (more than {_flowline.STUCK_AFTER:,} events at one instant): "
                    "zero interarrival or process times keep feeding an unlimited buffer; give a time > 0 or a "
                    "buffer size somewhere along the route")
            return rep

        workers = min(replications, workers or os.cpu_count() or 1)
        disable = (None if replications > 1 else True) if progress is None else not progress
        with ThreadPoolExecutor(workers) as pool:
            reps = list(tqdm(pool.map(one, range(replications)), total=replications, desc="replications",
                             unit="run", disable=disable))
        return FlowLineResult._from_replications(self, reps, horizon - warmup)


def _at(where: str, spec) -> str:
    """``where`` with the YAML line of ``spec`` when it came from a file (``twin.config`` remembers it)."""
    line = getattr(spec, "line", None)
    return f"{where} (line {line})" if line else where


def _items(data: Mapping, key: str, where: str) -> list:
    items = data.get(key)
    if not isinstance(items, list) or not items:
        raise FlowLineError(f"{where}: {key} must be a non-empty list, got {items!r}")
    return items


def _fields(spec, where: str, required: tuple[str, ...], optional: tuple[str, ...]) -> dict:
    if not isinstance(spec, Mapping):
        raise FlowLineError(f"{where}: expected a mapping with keys {', '.join(required)}, got {spec!r}")
    missing = [k for k in required if k not in spec]
    unknown = [k for k in spec if k not in required + optional]
    name = f" {spec['name']!r}" if "name" in spec else ""
    if missing:
        raise FlowLineError(f"{where}{name}: missing {', '.join(missing)}")
    if unknown:
        raise FlowLineError(f"{where}{name}: unknown keys {unknown}; expected {', '.join(required + optional)}")
    return dict(spec)


def _source(spec, where: str) -> Source:
    s = _fields(spec, where, ("name", "interarrival", "mix"), ())
    return Source(s["name"], Distribution.parse(s["interarrival"], f"{where} {s['name']!r}: interarrival"), s["mix"])


def _station(spec, where: str) -> Station:
    s = _fields(spec, where, ("name", "process"), ("capacity", "buffer", "breakdowns"))
    here = f"{where} {s['name']!r}"
    process = s["process"]
    if isinstance(process, Mapping) and "dist" not in process:
        process = {p: Distribution.parse(d, f"{here}: process time of {p!r}") for p, d in process.items()}
    else:
        process = Distribution.parse(process, f"{here}: process time")
    breakdowns = s.get("breakdowns")
    if breakdowns is not None:
        b = _fields(breakdowns, f"{here}: breakdowns", ("mtbf", "mttr"), ("basis",))
        breakdowns = Breakdowns(_failure_time(b["mtbf"], f"{here}: breakdowns mtbf"),
                                _failure_time(b["mttr"], f"{here}: breakdowns mttr"), b.get("basis", "calendar"))
    return Station(s["name"], process, s.get("capacity", 1), s.get("buffer"), breakdowns)


def _failure_time(spec, where: str) -> Distribution:
    """MTBF / MTTR: a number is the mean of an exponential time; a mapping is any distribution."""
    if isinstance(spec, int | float) and not isinstance(spec, bool):
        try:
            return exponential(spec)
        except FlowLineError:
            raise FlowLineError(f"{where}: must be a positive mean time, got {spec!r}") from None
    return Distribution.parse(spec, where)


def _compile(line: FlowLine) -> dict:
    """Check the line and turn it into the kernel's arrays (see ``twin._flowline.Replication``)."""
    for name, kind in (("sources", Sequence), ("stations", Sequence), ("routes", Mapping)):
        value = getattr(line, name)
        if isinstance(value, str) or not isinstance(value, kind) or not value:
            raise FlowLineError(f"{name} must be a non-empty {'list' if kind is Sequence else 'mapping'}, "
                                f"got {value!r}")
    products = list(line.routes)
    stations = {}
    for i, st in enumerate(line.stations):
        if not isinstance(st, Station):
            raise FlowLineError(f"stations[{i}]: expected a Station, got {st!r}")
        if not isinstance(st.name, str) or not st.name:
            raise FlowLineError(f"stations[{i}]: name must be a non-empty text, got {st.name!r}")
        if st.name in stations:
            raise FlowLineError(f"station {st.name!r} is defined twice; give each station its own name")
        stations[st.name] = i
    for p, route in line.routes.items():
        if not isinstance(p, str):
            raise FlowLineError(f"routes: product names must be text, got {p!r}")
        if isinstance(route, str) or not isinstance(route, Sequence) or not route:
            raise FlowLineError(f"route of product {p!r} must be a non-empty list of station names, got {route!r}")
        for s in route:
            if not isinstance(s, str) or s not in stations:
                raise FlowLineError(f"route of product {p!r} names station {s!r}, which does not exist; "
                                    f"stations are: {', '.join(map(str, stations))}")
    P, S = len(products), len(stations)
    dists: list[Distribution] = []

    def dist_index(d: Distribution) -> int:
        dists.append(d)
        return len(dists) - 1

    service = np.full((S, P), -1)
    ttf, ttr, basis, buffer_cap, capacity = (np.full(S, -1) for _ in range(5))
    for s, st in enumerate(line.stations):
        here = f"station {st.name!r}"
        if isinstance(st.capacity, bool) or not isinstance(st.capacity, int) or st.capacity < 1:
            raise FlowLineError(f"{here}: capacity (parallel machines) must be a positive integer, got "
                                f"{st.capacity!r}; e.g. capacity: 2")
        capacity[s] = st.capacity
        if st.buffer is None:
            buffer_cap[s] = np.iinfo(np.intc).max
        elif isinstance(st.buffer, bool) or not isinstance(st.buffer, int) or st.buffer < 0:
            raise FlowLineError(f"{here}: buffer must be a non-negative integer (jobs waiting) or omitted for "
                                f"unlimited, got {st.buffer!r}")
        else:
            buffer_cap[s] = st.buffer
        visiting = [p for p in products if st.name in line.routes[p]]
        if isinstance(st.process, Mapping) and not isinstance(st.process, Distribution):
            for p in st.process:
                if p not in products:
                    raise FlowLineError(f"{here}: process time given for product {p!r}, which has no route; "
                                        f"products are: {', '.join(map(str, products))}")
            for p in visiting:
                if p not in st.process:
                    raise FlowLineError(f"{here}: product {p!r} is routed here but has no process time; add "
                                        f"process: {{{p}: {{dist: exponential, mean: 1.0}}}}")
                where = f"{here}: process time of {p!r}"
                service[s, products.index(p)] = dist_index(Distribution.parse(st.process[p], where))
        else:
            d = dist_index(Distribution.parse(st.process, f"{here}: process time"))
            for p in visiting:
                service[s, products.index(p)] = d
        b = st.breakdowns
        if b is not None:
            if not isinstance(b, Breakdowns):
                raise FlowLineError(f"{here}: breakdowns must be Breakdowns(mtbf, mttr, basis), got {b!r}")
            if not isinstance(b.basis, str) or b.basis not in _flowline.BASIS:
                raise FlowLineError(f"{here}: breakdowns basis must be 'calendar' or 'operating', got {b.basis!r}")
            ttf[s] = dist_index(_failure_time(b.mtbf, f"{here}: breakdowns mtbf"))
            ttr[s] = dist_index(_failure_time(b.mttr, f"{here}: breakdowns mttr"))
            basis[s] = _flowline.BASIS[b.basis]
    arrival, mix = [], np.zeros((len(line.sources), P))
    for q, src in enumerate(line.sources):
        if not isinstance(src, Source):
            raise FlowLineError(f"sources[{q}]: expected a Source, got {src!r}")
        here = f"source {src.name!r}"
        arrival.append(dist_index(Distribution.parse(src.interarrival, f"{here}: interarrival")))
        shares = {src.mix: 1.0} if isinstance(src.mix, str) else src.mix
        if not isinstance(shares, Mapping) or not shares:
            raise FlowLineError(f"{here}: mix must be a product name or a mapping product -> weight, got {src.mix!r}")
        for p, w in shares.items():
            if p not in products:
                raise FlowLineError(f"{here}: mix names product {p!r}, which has no route; "
                                    f"products are: {', '.join(map(str, products))}")
            if isinstance(w, bool) or not isinstance(w, int | float) or not w >= 0 or not math.isfinite(w):
                raise FlowLineError(f"{here}: weight of product {p!r} must be a number >= 0, got {w!r}")
            mix[q, products.index(p)] = w
        if mix[q].sum() <= 0:
            raise FlowLineError(f"{here}: the weights of the mix add up to zero; give some product a weight > 0")
        floods = dists[arrival[-1]].kind == "deterministic" and dists[arrival[-1]].mean == 0
        for p in np.flatnonzero(mix[q]):
            first = stations[line.routes[products[p]][0]]
            if floods and line.stations[first].buffer is None:
                raise FlowLineError(f"{here}: zero interarrival time into the unlimited buffer of station "
                                    f"{line.stations[first].name!r} would create jobs forever at time 0; "
                                    "give that station a buffer size (a saturated source) or a positive time")
        mix[q] = np.cumsum(mix[q]) / mix[q].sum()
    kernel = [d._kernel_form() for d in dists]
    route = [stations[s] for p in products for s in line.routes[p]]
    return {
        "n_products": P, "n_stations": S, "n_sources": len(line.sources),
        "dist_kind": np.array([k for k, _ in kernel], dtype=np.intc),
        "dist_params": np.array([v for _, v in kernel], dtype=float).reshape(len(kernel), 3),
        "service": service.ravel(), "ttf": ttf, "ttr": ttr, "basis": basis, "buffer_cap": buffer_cap,
        "first_machine": np.concatenate([[0], np.cumsum(capacity)]), "arrival": np.array(arrival), "mix": mix,
        "route": np.array(route), "route_start": np.concatenate([[0], np.cumsum([len(line.routes[p])
                                                                              for p in products])]),
    }


def _time(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise FlowLineError(f"run: {name} must be a finite number of time units, got {value!r}")
    return float(value)


def _seed_sequence(seed) -> np.random.SeedSequence:
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if seed is None or (isinstance(seed, int) and not isinstance(seed, bool) and seed >= 0):
        return np.random.SeedSequence(seed)
    raise FlowLineError(f"run: seed must be a non-negative integer, a numpy SeedSequence or None, got {seed!r}")


def _stream_state(seed, key: tuple[int, ...]) -> np.ndarray:
    """Four words seeding the xoshiro256** stream ``key`` below ``seed`` (a child of the SeedSequence)."""
    root = _seed_sequence(seed)
    child = np.random.SeedSequence(root.entropy, spawn_key=tuple(root.spawn_key) + key, pool_size=root.pool_size)
    return child.generate_state(4, np.uint64)


# ---------------------------------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Estimate:
    """A mean over replications and the half-width of its confidence interval (Student t)."""

    mean: float | np.ndarray
    half_width: float | np.ndarray

    @property
    def low(self):
        return self.mean - self.half_width

    @property
    def high(self):
        return self.mean + self.half_width


#: The statistics of a replication, and what each means (arrays: one row per replication).
METRICS = {
    "throughput": "completed jobs per time unit, per product",
    "flow_time": "mean time from arrival to leaving the line, per product",
    "mean_flow_time": "mean flow time over all products",
    "wip": "time-average number of jobs in the line",
    "utilisation": "fraction of machine time processing, per station",
    "blocked": "fraction of machine time holding a finished job for lack of room downstream, per station",
    "starved": "fraction of machine time idle for lack of jobs, per station",
    "down": "fraction of machine time broken down, per station",
    "buffer": "time-average number of jobs waiting in the buffer, per station",
}


@dataclass(frozen=True)
class FlowLineResult:
    """The statistics of every replication (one row each) over the window ``[warmup, horizon]``."""

    products: tuple[str, ...]
    stations: tuple[str, ...]
    window: float
    completed: np.ndarray
    throughput: np.ndarray
    flow_time: np.ndarray
    mean_flow_time: np.ndarray
    wip: np.ndarray
    utilisation: np.ndarray
    blocked: np.ndarray
    starved: np.ndarray
    down: np.ndarray
    buffer: np.ndarray
    events: np.ndarray

    @classmethod
    def _from_replications(cls, line: FlowLine, reps, window: float) -> FlowLineResult:
        capacity = np.array([st.capacity for st in line.stations], dtype=float)
        machine = np.array([r.machine_time for r in reps]) / (capacity[:, None] * window)
        completed = np.array([r.completed for r in reps])
        flow = np.array([r.flow_time_sum for r in reps])
        with np.errstate(invalid="ignore", divide="ignore"):
            return cls(
                products=line.products, stations=tuple(st.name for st in line.stations), window=window,
                completed=completed, throughput=completed / window, flow_time=flow / completed,
                mean_flow_time=flow.sum(axis=1) / completed.sum(axis=1),
                wip=np.array([r.wip_area for r in reps]) / window,
                starved=machine[:, :, 0], utilisation=machine[:, :, 1], blocked=machine[:, :, 2],
                down=machine[:, :, 3], buffer=np.array([r.buffer_area for r in reps]) / window,
                events=np.array([r.events for r in reps]),
            )

    @property
    def replications(self) -> int:
        return len(self.events)

    def estimate(self, metric: str, confidence: float = 0.95) -> Estimate:
        """Mean of ``metric`` (a name in ``METRICS``) over the replications, with its confidence interval."""
        if metric not in METRICS:
            raise KeyError(f"unknown metric {metric!r}; expected one of {', '.join(METRICS)}")
        values = getattr(self, metric)
        n = len(values)
        mean = values.mean(axis=0)
        if n < 2:
            return Estimate(mean, np.full_like(mean, np.nan))
        from scipy import stats  # here: scipy.stats takes ~1 s to import, a scenario check needs none of it

        half = stats.t.ppf(0.5 + confidence / 2, n - 1) * values.std(axis=0, ddof=1) / math.sqrt(n)
        return Estimate(mean, half)

    def summary(self, confidence: float = 0.95) -> dict[str, Estimate]:
        """Every metric's estimate over the replications."""
        return {m: self.estimate(m, confidence) for m in METRICS}

    def table(self, confidence: float = 0.95) -> str:
        """The summary as text: mean ± half-width of the confidence interval."""
        est = self.summary(confidence)
        pct = f"{confidence:.0%}"

        def fmt(e, i=None):
            m, h = (e.mean, e.half_width) if i is None else (e.mean[i], e.half_width[i])
            return f"{m:10.4f} ± {h:.4f}" if np.isfinite(h) else f"{m:10.4f}"

        lines = [f"{self.replications} replications over a window of {self.window:g} time units "
                 f"(mean ± {pct} CI half-width)",
                 f"  jobs in the line (WIP)   {fmt(est['wip'])}",
                 f"  mean flow time           {fmt(est['mean_flow_time'])}"]
        lines += [f"  product {p:<16} throughput {fmt(est['throughput'], i)}   flow time {fmt(est['flow_time'], i)}"
                  for i, p in enumerate(self.products)]
        lines.append(f"  {'station':<16}{'utilisation':>22}{'blocked':>22}{'starved':>22}{'down':>22}{'buffer':>22}")
        for i, s in enumerate(self.stations):
            lines.append(f"  {s:<16}" + "".join(f"{fmt(est[m], i):>22}"
                                                for m in ("utilisation", "blocked", "starved", "down", "buffer")))
        return "\n".join(lines)
