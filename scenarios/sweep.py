"""Run tasks (variants x replications) on a process pool over all cores, or on a Dask distributed cluster.

Both paths hand the same :func:`scenarios.runs.execute` the same tasks and put the outcomes back in task order,
so a sweep gives the same results bit for bit wherever it runs::

    by_variant = sweep(scenario)                                  # process pool, one worker per core
    by_variant = sweep(scenario, cluster="tcp://10.0.0.5:8786")   # a running Dask scheduler
    by_variant = sweep(scenario, cluster="local:4")               # a Dask LocalCluster of 4 workers

``workers=1`` runs in this process. A progress bar counts simulated days and finished replications.

Tasks travel to the workers in chunks (guided self-scheduling): a chunk takes a share of the tasks left (large
early, so few messages cross between processes, single tasks at the end, so no worker idles long), capped at about
:data:`CHUNK_SECONDS` of work as timed on the tasks finished so far (single tasks until the first ones are back), so
a sweep of long runs still moves its progress bar run by run.
"""
from __future__ import annotations

import gc
import math
import os
import signal
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor
from concurrent.futures import wait as wait_futures
from contextlib import contextmanager, suppress

from tqdm import tqdm

from scenarios.runs import Failure, Interrupted, Outcome, Task, execute, tasks
from scenarios.scenario import Scenario

DAY = 86400.0
POLL = 0.25          # s between looks at Ctrl-C while waiting on workers
CHUNK_SECONDS = 0.2   # the work a chunk holds at most: its message costs ~1 ms, so under 1% of it
START_CLUSTER = ("\n  hint: start one with `dask scheduler` (it listens on tcp://HOST:8786) and workers with "
                 "`dask worker tcp://HOST:8786` on machines where pharma-twin is installed, "
                 "or use --cluster local:N for N workers on this machine")


class ClusterError(RuntimeError):
    """The Dask cluster named by the user cannot be used: the message says which address and how to start one."""


def run_tasks(tasks: Sequence[Task], *, workers: int | None = None, cluster: str | None = None,
              progress: bool | None = None, timeout: float = 10.0) -> list[Outcome | Failure]:
    """Execute ``tasks``; outcomes come back in task order (failures as :class:`Failure`, never raised).

    Ctrl-C raises :class:`Interrupted` holding the tasks finished so far, once the workers are stopped: the pool's
    workers ignore Ctrl-C (only this process hears it) and are terminated, not waited for. While this process only
    waits on workers, Ctrl-C is a flag checked between waits (:func:`_ctrl_c_heard`), so it never lands inside
    the pool's or Dask's own code.
    """
    done: list = [None] * len(tasks)
    try:
        if cluster is not None:
            with connect(cluster, timeout) as client, _progress(tasks, progress) as advance, \
                    _ctrl_c_heard() as heard:
                _on_dask(client, tasks, advance, done, heard)
            return done
        with _progress(tasks, progress) as advance:
            workers = min(len(tasks), workers or os.cpu_count() or 1)
            if workers <= 1:
                for i, task in enumerate(tasks):
                    done[i] = advance(execute(task))
                return done
            with _frozen_heap(), _ctrl_c_heard() as heard:
                pool = ProcessPoolExecutor(workers, initializer=_deaf_to_ctrl_c)
                try:
                    _scheduled(pool.submit, wait_futures, tasks, workers, advance, done, heard)
                except BaseException:
                    _stop(pool)
                    raise
                pool.shutdown()
            return done
    except KeyboardInterrupt:
        raise Interrupted([o for o in done if o is not None], len(tasks)) from None


def sweep(scenario: Scenario, variants: Sequence[str] | None = None, **options) -> dict[str, list]:
    """Run ``variants`` (default: all) x their replications; outcomes by variant, in replication order.

    ``options`` go to :func:`run_tasks` (``workers``, ``cluster``, ``progress``). A study with a ``prepare`` step
    (the scheduling study's plan) takes it here first, variant by variant, with its own progress bar: forked
    workers inherit what it computed.
    """
    names = list(variants or scenario.names)
    todo = list(tasks(scenario, names))
    prepare(scenario, todo, options.get("progress"))
    grouped: dict[str, list] = {name: [] for name in names}
    for outcome in run_tasks(todo, **options):
        grouped[outcome.task.variant].append(outcome)
    return grouped


def prepare(scenario: Scenario, todo: Sequence[Task], progress: bool | None) -> None:
    """The study's ``prepare`` step on each variant's parameters, counted on a ``preparing`` bar."""
    step = scenario.study.prepare
    if step is None:
        return
    firsts = list({t.variant: t for t in reversed(todo)}.values())[::-1]
    with tqdm(total=len(firsts), desc="preparing", unit="variant", disable=not progress if progress is not None
              else None) as bar, ticking(bar):
        for task in firsts:
            bar.set_postfix_str(task.variant)
            with suppress(Exception):  # its replications meet the same error and report it as failures
                step(task.params)
            bar.update()


@contextmanager
def ticking(bar: tqdm, every: float = 1.0):
    """Redraw ``bar`` every ``every`` seconds while the block runs, so that its clock moves through a long step (a
    plan of a minute, a report's figures) instead of standing at ``0/1 [00:00<?]`` as if nothing ran."""
    if bar.disable:
        yield bar
        return
    stop = threading.Event()

    def tick() -> None:
        while not stop.wait(every):
            bar.refresh()   # under tqdm's lock: the main thread's updates and this redraw do not interleave

    thread = threading.Thread(target=tick, daemon=True)
    thread.start()
    try:
        yield bar
    finally:
        stop.set()
        thread.join()


def chunk_size(left: int, workers: int, seconds_per_task: float) -> int:
    """Tasks in the next chunk: ``ceil(left / 4 workers)``, at most :data:`CHUNK_SECONDS` of work, at least one
    (one while nothing is timed yet: ``seconds_per_task=math.inf``)."""
    return max(1, min(math.ceil(left / (4 * workers)), int(CHUNK_SECONDS / max(seconds_per_task, 1e-9))))


def execute_chunk(chunk: Sequence[Task]) -> list[Outcome | Failure]:
    """:func:`scenarios.runs.execute` on each task of a chunk, in a worker."""
    return [execute(t) for t in chunk]


def _scheduled(submit: Callable, wait: Callable, tasks: Sequence[Task], workers: int, advance: Callable,
               results: list | None = None, heard: threading.Event | None = None) -> list[Outcome | Failure]:
    """Run ``tasks`` in chunks through ``submit(fn, arg) -> future`` with ``2 x workers`` chunks in flight (so no
    worker waits for the next); ``wait`` is ``concurrent.futures.wait`` or ``distributed.wait``. Outcomes go into
    ``results`` (as long as ``tasks``; a new list by default) in task order as they come. Once ``heard`` is set
    (Ctrl-C), it raises ``KeyboardInterrupt`` within :data:`POLL` seconds."""
    results = [None] * len(tasks) if results is None else results
    pending: dict = {}
    start, timed, seconds = 0, 0, 0.0
    while start < len(tasks) or pending:
        while start < len(tasks) and len(pending) < 2 * workers:
            per_task = seconds / timed if timed else math.inf
            chunk = range(start, start + chunk_size(len(tasks) - start, workers, per_task))
            pending[submit(execute_chunk, [tasks[i] for i in chunk])] = chunk
            start = chunk.stop
        done = _wait_some(wait, list(pending))
        if heard is not None and heard.is_set():
            raise KeyboardInterrupt
        for future in done:
            for i, outcome in zip(pending.pop(future), future.result(), strict=True):
                results[i] = advance(outcome)
                if isinstance(outcome, Outcome):
                    timed, seconds = timed + 1, seconds + outcome.seconds
    return results


def _wait_some(wait: Callable, futures: list) -> set:
    """The futures done after at most :data:`POLL` seconds (``distributed.wait`` raises where the standard returns)."""
    try:
        done, _ = wait(futures, timeout=POLL, return_when=FIRST_COMPLETED)
    except TimeoutError:
        return set()
    return done


def _on_dask(client, tasks: Sequence[Task], advance: Callable, results: list,
             heard: threading.Event | None = None) -> list[Outcome | Failure]:
    from distributed import wait

    workers = sum(client.ncores().values()) or 1
    return _scheduled(lambda fn, arg: client.submit(fn, arg, pure=False), wait, tasks, workers, advance, results,
                      heard)


@contextmanager
def _ctrl_c_heard():
    """An event Ctrl-C sets instead of raising ``KeyboardInterrupt`` wherever this process happens to be; one heard
    after the block is raised when it ends. Outside the main thread (no signal handlers there) Ctrl-C is left as is."""
    heard = threading.Event()
    try:
        previous = signal.signal(signal.SIGINT, lambda signum, frame: heard.set())
    except ValueError:
        yield heard
        return
    try:
        yield heard
    finally:
        signal.signal(signal.SIGINT, previous if previous is not None else signal.default_int_handler)
    if heard.is_set():
        raise KeyboardInterrupt


def _deaf_to_ctrl_c() -> None:
    """A pool worker's start: Ctrl-C reaches every process of the terminal, and only the parent should act on it
    (a worker interrupted inside compiled code printed its own traceback, or crashed)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextmanager
def _deaf_children():
    """Ignore Ctrl-C while processes are started, so that they inherit it ignored (Python and asyncio install their
    own handler only where it was not): a Dask LocalCluster's workers then leave it to this process."""
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous if previous is not None else signal.default_int_handler)


def _stop(pool: ProcessPoolExecutor) -> None:
    """Stop a pool now: drop the queued chunks and terminate the workers instead of waiting for their chunks.

    A worker terminated while it sends a chunk's outcomes (a replication's are ~0.6 MB, written in pieces through a
    64 kB pipe) leaves the pool's manager thread waiting for the rest of the message for ever, and the interpreter's
    exit joins that thread: `twin run` hung after Ctrl-C. Closing this process's end of the result pipe, its last
    writer once the workers are gone, turns the wait into an end of file, which the manager takes for a broken pool:
    it ends."""
    processes = list((pool._processes or {}).values())  # the executor offers no public way to terminate them
    results, manager = pool._result_queue, pool._executor_manager_thread
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(5)
        if process.is_alive():
            process.kill()
            process.join()
    if results is not None:
        results._writer.close()
    if manager is not None:
        manager.join(5)


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
        with _deaf_children():  # its nannies and workers inherit an ignored Ctrl-C: this process stops them
            local = LocalCluster(n_workers=int(n), threads_per_worker=1, processes=True, dashboard_address=None)
        with local, Client(local) as client:
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


@contextmanager
def _frozen_heap():
    """Hide the parent's objects from the garbage collector while the pool forks its workers (:func:`gc.freeze`):
    the workers' collections then skip the inherited heap instead of walking it, and its pages stay shared."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


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
