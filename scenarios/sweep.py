"""Run tasks (variants x replications) on a process pool over all cores, or on a Dask distributed cluster.

Both paths hand the same :func:`scenarios.runs.execute` the same tasks and put the outcomes back in task order,
so a sweep gives the same results bit for bit wherever it runs::

    by_variant = sweep(scenario)                                  # process pool, one worker per core
    by_variant = sweep(scenario, cluster="tcp://10.0.0.5:8786")   # a running Dask scheduler
    by_variant = sweep(scenario, cluster="local:4")               # a Dask LocalCluster of 4 workers

``workers=1`` runs in this process. A progress bar counts simulated days and finished replications.

Tasks travel in chunks that shrink as the sweep goes on (guided self-scheduling): the first chunks are large, so
few messages cross between processes, the last hold one task each, so no worker idles long at the end.
"""
from __future__ import annotations

import gc
import math
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager

from tqdm import tqdm

from scenarios.runs import Failure, Outcome, Task, execute, tasks
from scenarios.scenario import Scenario

DAY = 86400.0
START_CLUSTER = ("\n  hint: start one with `dask scheduler` (it listens on tcp://HOST:8786) and workers with "
                 "`dask worker tcp://HOST:8786` on machines where pharma-twin is installed, "
                 "or use --cluster local:N for N workers on this machine")


class ClusterError(RuntimeError):
    """The Dask cluster named by the user cannot be used: the message says which address and how to start one."""


def run_tasks(tasks: Sequence[Task], *, workers: int | None = None, cluster: str | None = None,
              progress: bool | None = None, timeout: float = 10.0) -> list[Outcome | Failure]:
    """Execute ``tasks``; outcomes come back in task order (failures as :class:`Failure`, never raised)."""
    if cluster is not None:
        with connect(cluster, timeout) as client, _progress(tasks, progress) as advance:
            return _on_dask(client, tasks, advance)
    with _progress(tasks, progress) as advance:
        workers = min(len(tasks), workers or os.cpu_count() or 1)
        if workers <= 1:
            return [advance(execute(t)) for t in tasks]
        with _frozen_heap(), ProcessPoolExecutor(workers) as pool:
            futures = {pool.submit(execute_chunk, [tasks[i] for i in chunk]): chunk
                       for chunk in chunks(len(tasks), workers)}
            return _in_order(len(tasks), _unchunked((futures[f], f.result()) for f in as_completed(futures)),
                             advance)


def sweep(scenario: Scenario, variants: Sequence[str] | None = None, **options) -> dict[str, list]:
    """Run ``variants`` (default: all) x their replications; outcomes by variant, in replication order.

    ``options`` go to :func:`run_tasks` (``workers``, ``cluster``, ``progress``).
    """
    todo = list(tasks(scenario, list(variants) if variants else None))
    grouped: dict[str, list] = {name: [] for name in variants or scenario.names}
    for outcome in run_tasks(todo, **options):
        grouped[outcome.task.variant].append(outcome)
    return grouped


def chunks(n: int, workers: int) -> list[range]:
    """Task indices ``0..n-1`` in chunks of ``ceil(left / (4 workers))``: large first, single tasks at the end."""
    out, start = [], 0
    while start < n:
        size = math.ceil((n - start) / (4 * workers))
        out.append(range(start, start + size))
        start += size
    return out


def execute_chunk(chunk: Sequence[Task]) -> list[Outcome | Failure]:
    """:func:`scenarios.runs.execute` on each task of a chunk, in a worker."""
    return [execute(t) for t in chunk]


def _on_dask(client, tasks: Sequence[Task], advance: Callable) -> list[Outcome | Failure]:
    from distributed import as_completed as dask_completed

    parts = chunks(len(tasks), sum(client.ncores().values()) or 1)
    futures = client.map(execute_chunk, [[tasks[i] for i in chunk] for chunk in parts], pure=False)
    index = {f.key: chunk for f, chunk in zip(futures, parts, strict=True)}
    return _in_order(len(tasks), _unchunked((index[f.key], f.result()) for f in dask_completed(futures)), advance)


@contextmanager
def connect(cluster: str, timeout: float = 10.0):
    """A Dask ``Client`` for ``tcp://HOST:PORT`` (a running scheduler) or ``local:N`` (a LocalCluster of N workers)."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ClusterError("--cluster needs Dask distributed: pip install 'pharma-twin[dask]'") from None
    if cluster.startswith("local:"):
        n = cluster.removeprefix("local:")
        if not n.isdigit() or int(n) < 1:
            raise ClusterError(f"--cluster {cluster}: expected local:N with N a positive number of workers, "
                               "e.g. local:4")
        with LocalCluster(n_workers=int(n), threads_per_worker=1, processes=True, dashboard_address=None) as local, \
                Client(local) as client:
            yield client
        return
    if not cluster.startswith(("tcp://", "tls://")) or ":" not in cluster.split("://", 1)[1]:
        raise ClusterError(f"--cluster {cluster}: expected tcp://HOST:PORT (a Dask scheduler) or local:N"
                           f"{START_CLUSTER}")
    try:
        client = Client(cluster, timeout=timeout)
    except (OSError, TimeoutError) as exc:
        raise ClusterError(f"no Dask scheduler answers at {cluster} (waited {timeout:g} s: {exc})"
                           f"{START_CLUSTER}") from None
    with client:
        yield client


def _unchunked(finished: Iterator[tuple[range, list]]) -> Iterator[tuple[int, Outcome | Failure]]:
    for chunk, outcomes in finished:
        yield from zip(chunk, outcomes, strict=True)


@contextmanager
def _frozen_heap():
    """Hide the parent's objects from the garbage collector while the pool forks its workers (:func:`gc.freeze`):
    the workers' collections then skip the inherited heap instead of walking it, and its pages stay shared."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _in_order(n: int, finished: Iterator[tuple[int, Outcome | Failure]], advance: Callable) -> list:
    results: list = [None] * n
    for i, outcome in finished:
        results[i] = advance(outcome)
    return results


@contextmanager
def _progress(tasks: Sequence[Task], enabled: bool | None):
    """A bar in simulated days over all tasks; ``advance(outcome)`` moves it by one finished replication."""
    total = sum(t.params["horizon"] for t in tasks) / DAY
    bar = tqdm(total=round(total, 3), unit="d sim", desc="simulating", disable=not enabled if enabled is not None
               else None, bar_format="{l_bar}{bar}| {n:.0f}/{total:.0f} simulated days [{elapsed}<{remaining}]"
                                     "{postfix}")
    done = failed = 0

    def advance(outcome: Outcome | Failure):
        nonlocal done, failed
        done += 1
        failed += isinstance(outcome, Failure)
        bar.update(outcome.task.params["horizon"] / DAY)
        bar.set_postfix_str(f"{done}/{len(tasks)} runs" + (f", {failed} failed" if failed else ""), refresh=False)
        return outcome

    try:
        yield advance
    finally:
        bar.close()
