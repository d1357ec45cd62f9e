"""Keep machine-readable standard output clean whatever the libraries underneath print.

ifcopenshell's geometry kernel (C++), OpenCASCADE and VTK write to file descriptor 1 directly, past ``sys.stdout``:
``twin inspect --json`` would carry their lines into the JSON. :func:`stdout_to_stderr` points descriptor 1 at
standard error while the block runs, so those lines still reach the person, not the pipe::

    with stdout_to_stderr():
        plant = twin.plant.load(path)      # whatever the kernel prints goes to stderr
    print(json.dumps(...))                 # stdout holds only the JSON
"""
from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator


@contextlib.contextmanager
def stdout_to_stderr() -> Iterator[None]:
    """Send everything written to standard output meanwhile (Python's and C libraries') to standard error."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        with contextlib.redirect_stdout(sys.stderr):  # Python's own writers, wherever sys.stdout pointed
            yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 1)
        os.close(saved)
