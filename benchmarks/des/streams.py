"""Random numbers every engine draws identically: one numpy Generator per stream, spawned from one SeedSequence.

Numbers are generated in chunks and handed out one by one, so drawing costs every engine the same few tens of
nanoseconds and the benchmark measures the engines, not numpy's per-call overhead.
"""
from collections.abc import Callable, Iterator

import numpy as np


def exponential_streams(seed: int, means: list[float], chunk: int = 1 << 15) -> list[Callable[[], float]]:
    """One ``draw()`` per entry of *means*: stream ``i`` yields exponential numbers of mean ``means[i]``."""
    children = np.random.SeedSequence(seed).spawn(len(means))
    return [_chunks(np.random.default_rng(child), mean, chunk).__next__ for child, mean in zip(children, means)]


def _chunks(rng: np.random.Generator, mean: float, chunk: int) -> Iterator[float]:
    while True:
        yield from rng.exponential(mean, chunk).tolist()
