"""A report's pictures as jobs drawn together: in the warm drawing process, by it and a forked helper at once.

The PNGs of a report do not depend on each other. While :func:`batch` is open, :func:`submit` keeps each job instead
of running it, and the batch draws them all when it closes::

    with drawing.batch():
        drawing.submit(lambda: chart().savefig("a.png"))   # kept: drawn when the batch closes
        drawing.here(views)                                  # kept too, and only ever run in this process

Outside a batch, or in any process but the warm one, jobs run one after the other as they come (a notebook, a test,
the run's own process when it draws). The warm process of :mod:`scenarios.plugins` has both cores to itself once
the run is over, so :func:`allow_helper` lets it fork a helper when a batch closes and a core is idle
(:func:`idle_core`): a copy of the warm process, ready at once (no import, no warm-up). The two take the jobs from
one queue (a pipe holding one byte per job), so the work splits as it goes. Jobs given to :func:`here` stay in this
process (the 3D views: VTK's drawing context is not to be forked) and run first. A job the helper failed or did not
finish (it died, or made no progress for :data:`PATIENCE` seconds) is run again here, where a failure raises as it
would have.
"""
from __future__ import annotations

import os
import select
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

Job = Callable[[], object]
PATIENCE = 60.0      # seconds without a finished job before the helper is given up and its jobs are run here
_helper = False      # whether batches may fork a helper (only the warm drawing process says so)
_shared: list[Job] | None = None   # the open batch's jobs for either process, None without a batch
_here: list[Job] = []


def allow_helper(allowed: bool = True) -> None:
    """Let batches closing in this process fork a helper (:mod:`scenarios.plugins` in its warm process)."""
    global _helper
    _helper = allowed and hasattr(os, "fork")


def submit(job: Job) -> None:
    """Run ``job`` now, or when the open :func:`batch` closes, in this process or its helper."""
    if _shared is None:
        job()
    else:
        _shared.append(job)


def here(job: Job) -> None:
    """Run ``job`` now, or when the open :func:`batch` closes, always in this process."""
    if _shared is None:
        job()
    else:
        _here.append(job)


def batching() -> bool:
    """Whether a batch is open (jobs submitted now have not run yet)."""
    return _shared is not None


@contextmanager
def batch() -> Iterator[None]:
    """Keep the jobs submitted inside; draw them all when it closes (not when it is left by an exception). A batch
    opened inside another draws its own jobs when it closes: a result written while a study draws (safety's
    replay folder) is moved in place right after."""
    global _shared, _here
    outer = _shared, _here
    _shared, _here = [], []
    try:
        yield
        shared, mine = _shared, _here
    finally:
        _shared, _here = outer
    run(shared, mine)


def idle_core() -> bool:
    """Whether a core is free for a helper: the last minute's load average is under the cores less this process's.
    On a busy machine a helper only takes its share of the same cores and adds its own cost (the fork, pages copied
    as they are written, caches warmed again: a quarter more CPU for the flagship's report)."""
    return os.getloadavg()[0] < (os.cpu_count() or 1) - 1


def run(shared: list[Job], mine: list[Job]) -> None:
    """Run ``mine`` here and ``shared`` here or in a forked helper (see the module's docstring)."""
    if not _helper or not shared or len(shared) + len(mine) < 2 or len(shared) > 255 or not idle_core():
        for job in shared + mine:   # as before batches: the views, which may wait on another process, last
            job()
        return
    queue_out, queue_in = os.pipe()
    os.write(queue_in, bytes(range(len(shared))))      # the queue: job numbers, one byte each, read one at a time
    os.close(queue_in)
    done_out, done_in = os.pipe()
    pid = os.fork()
    if pid == 0:   # the helper: draw from the queue, say what is done, and never return into the caller
        try:
            os.close(done_out)
            while taken := os.read(queue_out, 1):
                shared[taken[0]]()
                os.write(done_in, taken)
        finally:
            os._exit(0)    # a failed job is simply not reported done: it runs again in the parent
    os.close(done_in)
    taken_here: set[int] = set()
    try:
        for job in mine:
            job()
        while taken := os.read(queue_out, 1):
            taken_here.add(taken[0])
            shared[taken[0]]()
        done = _finished(done_out)
    finally:
        os.close(queue_out)
        os.close(done_out)
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)   # done or given up (or this process failed): it must not draw on
        os.waitpid(pid, 0)
    for number, job in enumerate(shared):
        if number not in done and number not in taken_here:
            job()


def _finished(done: int) -> set[int]:
    """The numbers of the jobs the helper reports done, read until it ends or stalls for :data:`PATIENCE` s."""
    numbers: set[int] = set()
    while select.select([done], [], [], PATIENCE)[0]:
        if not (chunk := os.read(done, 256)):
            break
        numbers.update(chunk)
    return numbers
