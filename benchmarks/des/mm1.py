"""Benchmark (a): an M/M/1 queue with a process per customer and a Resource as the server.

Arrivals: exponential, mean 1.0 (stream 0); service: exponential, mean 0.8 (stream 1), drawn at arrival so
every engine serves the same customers. Statistics: customers served, mean wait, mean time in system,
server utilisation (theory for the long run: rho = 0.8, Wq = 3.2, W = 4.0).
"""
from benchmarks.des.streams import exponential_streams

MEAN_INTERARRIVAL, MEAN_SERVICE = 1.0, 0.8


def build_simpy_like(sim, seed: int = 1):
    """The model on ``sim`` (the ``simpy`` module or ``twin.des``): returns ``(env, statistics)``."""
    arrival, service = exponential_streams(seed, [MEAN_INTERARRIVAL, MEAN_SERVICE])
    env = sim.Environment()
    server = sim.Resource(env, capacity=1)
    tally = {"served": 0, "wait": 0.0, "system": 0.0, "busy": 0.0}

    def customer(work):
        arrive = env.now
        with server.request() as req:
            yield req
            tally["wait"] += env.now - arrive
            yield env.timeout(work)
        tally["served"] += 1
        tally["busy"] += work
        tally["system"] += env.now - arrive

    def source():
        while True:
            yield env.timeout(arrival())
            env.process(customer(service()))

    env.process(source())
    return env, lambda: _statistics(tally, env.now)


def build_salabim(seed: int = 1):
    """The same model in salabim: returns ``(env, statistics)``."""
    import salabim as sb

    arrival, service = exponential_streams(seed, [MEAN_INTERARRIVAL, MEAN_SERVICE])
    env = sb.Environment(trace=False, yieldless=False)
    server = sb.Resource("server", capacity=1, monitor=False, env=env)
    tally = {"served": 0, "wait": 0.0, "system": 0.0, "busy": 0.0}

    class Customer(sb.Component):
        def setup(self, work):
            self.work = work

        def process(self):
            arrive = env.now()
            yield self.request(server)
            tally["wait"] += env.now() - arrive
            yield self.hold(self.work)
            self.release()
            tally["served"] += 1
            tally["busy"] += self.work
            tally["system"] += env.now() - arrive

    class Source(sb.Component):
        def process(self):
            while True:
                yield self.hold(arrival())
                Customer(work=service(), env=env)

    Source(env=env)
    return env, lambda: _statistics(tally, env.now())


def _statistics(tally: dict, now: float) -> dict:
    served = tally["served"]
    return {
        "customers served": served,
        "mean wait": tally["wait"] / served,
        "mean time in system": tally["system"] / served,
        "utilisation": tally["busy"] / now,
    }
