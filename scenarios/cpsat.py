"""CP-SAT's solve with Ctrl-C left to Python.

OR-Tools' solver catches SIGINT itself by default (``catch_sigint_signal``): a Ctrl-C during a search only ends
the search early, the run goes on with the plan found so far and exits 0, and the solver leaves SIGINT at the
system's default, so the next Ctrl-C kills the process with no message and nothing cleaned up. :func:`solve`
turns that off. A Ctrl-C during the search stops it at once (a thread woken through
:func:`signal.set_wakeup_fd` calls ``stop_search``), and Python's own handler then raises ``KeyboardInterrupt``
(or sets the flag of a sweep's handler) as it does everywhere else.
"""
from __future__ import annotations

import os
import signal
import threading
from contextlib import suppress


def solve(solver, model) -> int:
    """``solver.solve(model)`` (``solver`` a ``cp_model.CpSolver``), its status; Ctrl-C is Python's."""
    solver.parameters.catch_sigint_signal = False
    if threading.current_thread() is not threading.main_thread():
        return solver.solve(model)   # signals reach only the main thread: nothing to watch here
    read, write = os.pipe()
    os.set_blocking(write, False)
    previous = signal.set_wakeup_fd(write, warn_on_full_buffer=False)
    watcher = threading.Thread(target=_stop_on_ctrl_c, args=(read, solver, previous), daemon=True)
    watcher.start()
    try:
        return solver.solve(model)
    finally:
        signal.set_wakeup_fd(previous)
        os.write(write, b"\0")       # not a signal number: the watcher's sign to end
        watcher.join()
        os.close(read)
        os.close(write)


def _stop_on_ctrl_c(read: int, solver, previous: int) -> None:
    """Read signal numbers from the wakeup pipe; stop the search at SIGINT, end at the byte 0."""
    while True:
        numbers = os.read(read, 64)
        if previous != -1:           # the wakeup fd this one stood in for (an event loop's) hears them too
            with suppress(OSError):
                os.write(previous, numbers.replace(b"\0", b""))
        if signal.SIGINT in numbers:
            solver.stop_search()
        if 0 in numbers:
            return
