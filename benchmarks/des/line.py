"""Benchmark (b): a 10-station production line with Resources and Stores (blocking after service).

A source creates jobs with exponential inter-arrival times (mean 1.0, stream 0); a job is its arrival time. An
unlimited Store feeds station 0 and a Store of capacity 5 sits between consecutive stations. Station k is one
process with a Resource ``machine[k]`` (capacity 1)::

    loop: job = yield in_store.get()
          with machine[k].request() as req:
              yield req
              yield env.timeout(Exp(mean 0.7))      # stream k + 1
              yield out_store.put(job)              # the machine is held while the put waits

The last station hands the job to a sink that records its flow time (now - arrival). Statistics: jobs
completed, mean flow time, machine utilisations (processing time / elapsed time). The compiled flow line
(``benchmarks/des/flowline.py``) runs the same model described as data.
"""
from benchmarks.des.streams import exponential_streams

STATIONS, MEAN_INTERARRIVAL, MEAN_PROCESS, BUFFER = 10, 1.0, 0.7, 5


def build_simpy_like(sim, seed: int = 1, stations: int = STATIONS):
    """The line on ``sim`` (the ``simpy`` module or ``twin.des``): returns ``(env, statistics)``."""
    arrival, *process_time = exponential_streams(seed, [MEAN_INTERARRIVAL] + [MEAN_PROCESS] * stations)
    env = sim.Environment()
    stores = [sim.Store(env)] + [sim.Store(env, capacity=BUFFER) for _ in range(stations - 1)]
    machine = [sim.Resource(env, capacity=1) for _ in range(stations)]
    busy = [0.0] * stations
    sink = {"completed": 0, "flow": 0.0}

    def source():
        while True:
            yield env.timeout(arrival())
            yield stores[0].put(env.now)

    def station(k):
        in_store, draw = stores[k], process_time[k]
        out_store = stores[k + 1] if k + 1 < stations else None
        while True:
            job = yield in_store.get()
            with machine[k].request() as req:
                yield req
                work = draw()
                yield env.timeout(work)
                busy[k] += work
                if out_store is None:
                    sink["completed"] += 1
                    sink["flow"] += env.now - job
                else:
                    yield out_store.put(job)

    env.process(source())
    for k in range(stations):
        env.process(station(k))
    return env, lambda: _statistics(sink, busy, env.now)


def build_salabim(seed: int = 1, stations: int = STATIONS):
    """The same line in salabim (jobs are components moved through salabim Stores): ``(env, statistics)``."""
    import salabim as sb

    arrival, *process_time = exponential_streams(seed, [MEAN_INTERARRIVAL] + [MEAN_PROCESS] * stations)
    env = sb.Environment(trace=False, yieldless=False)
    stores = [sb.Store(f"buffer{k}", capacity=sb.inf if k == 0 else BUFFER, monitor=False, env=env)
              for k in range(stations)]
    machine = [sb.Resource(f"machine{k}", capacity=1, monitor=False, env=env) for k in range(stations)]
    busy = [0.0] * stations
    sink = {"completed": 0, "flow": 0.0}

    class Job(sb.Component):
        def setup(self, arrived):
            self.arrived = arrived

    class Source(sb.Component):
        def process(self):
            while True:
                yield self.hold(arrival())
                job = Job(arrived=env.now(), env=env, process="")
                yield self.to_store(stores[0], job)

    class Station(sb.Component):
        def setup(self, k):
            self.k = k

        def process(self):
            k, draw = self.k, process_time[self.k]
            while True:
                yield self.from_store(stores[k])
                job = self.from_store_item()
                yield self.request(machine[k])
                work = draw()
                yield self.hold(work)
                busy[k] += work
                if k + 1 == stations:
                    sink["completed"] += 1
                    sink["flow"] += env.now() - job.arrived
                else:
                    yield self.to_store(stores[k + 1], job)
                self.release(machine[k])

    Source(env=env)
    for k in range(stations):
        Station(k=k, env=env)
    return env, lambda: _statistics(sink, busy, env.now())


def _statistics(sink: dict, busy: list[float], now: float) -> dict:
    return {
        "jobs completed": sink["completed"],
        "mean flow time": sink["flow"] / sink["completed"],
        "utilisation min": min(busy) / now,
        "utilisation max": max(busy) / now,
    }
