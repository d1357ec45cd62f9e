"""Benchmark (c): 1,000 processes, each looping over ``yield env.timeout(period)``.

The periods are drawn once per process (exponential, mean 1.0, stream 0). Statistics: ticks completed and
the latest tick time. Nearly all the work is the engine's: scheduling, popping and resuming generators.
"""
from benchmarks.des.streams import exponential_streams

PROCESSES = 1000


def build_simpy_like(sim, seed: int = 1, processes: int = PROCESSES):
    """The model on ``sim`` (the ``simpy`` module or ``twin.des``): returns ``(env, statistics)``."""
    (period,) = exponential_streams(seed, [1.0])
    env = sim.Environment()
    tally = {"ticks": 0, "last": 0.0}

    def ticker(dt):
        timeout = env.timeout
        while True:
            yield timeout(dt)
            tally["ticks"] += 1
            tally["last"] = env.now

    for _ in range(processes):
        env.process(ticker(period() + 0.01))
    return env, lambda: dict(tally)


def build_salabim(seed: int = 1, processes: int = PROCESSES):
    """The same model in salabim: returns ``(env, statistics)``."""
    import salabim as sb

    (period,) = exponential_streams(seed, [1.0])
    env = sb.Environment(trace=False, yieldless=False)
    tally = {"ticks": 0, "last": 0.0}

    class Ticker(sb.Component):
        def setup(self, dt):
            self.dt = dt

        def process(self):
            dt = self.dt
            while True:
                yield self.hold(dt)
                tally["ticks"] += 1
                tally["last"] = env.now()

    for _ in range(processes):
        Ticker(dt=period() + 0.01, env=env)
    return env, lambda: dict(tally)
