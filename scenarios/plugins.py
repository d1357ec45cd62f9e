"""The report plug-ins (entry-point group ``twin.report_figures``: the viewer's 3D views) and a process that draws
them warm.

A plug-in is ``draw(folder) -> [png]``; it may carry ``draw.warm(plant)``, which does ahead the work every picture
of ``plant`` needs (the viewer: import pyvista, load the plant, a first off-screen frame: about 1 s of CPU, most of
the 3D view's cost). ``twin run`` uses one core, so :func:`start` launches ``python -m scenarios.plugins`` beside
the simulation as it starts; the child loads the plug-ins and warms them on the second core, then draws each result
folder the report sends it (:func:`draw` goes through it while it lives) in a fraction of a second. Without it (a
notebook, a test) :func:`draw` calls the plug-ins in this process, with the same pictures.

The two processes speak JSON lines: ``{"plant": path}`` once, then ``{"folder": path}``, answered by
``{"written": [paths]}``.
"""
from __future__ import annotations

import atexit
import json
import signal
import subprocess
import sys
from collections.abc import Callable
from contextlib import suppress
from importlib.metadata import entry_points
from pathlib import Path

GROUP = "twin.report_figures"
_worker: subprocess.Popen | None = None


def draw_here(folder: Path) -> list[Path]:
    """Every plug-in's pictures of the result ``folder``, drawn in this process. A plug-in that fails costs its
    pictures, not the result folder: the reason is printed and the report goes on."""
    written = []
    for plugin in entry_points(group=GROUP):
        try:
            written += plugin.load()(folder)
        except Exception as exc:  # a picture must never lose a simulated result
            print(f"{folder}: the {plugin.name} figures could not be drawn: {type(exc).__name__}: {exc}",
                  file=sys.stderr)
    return [Path(p) for p in written]


def start(plant: str | Path) -> None:
    """Launch the warm drawing process for results of ``plant`` (once; no-op when it runs or there is no plug-in)."""
    global _worker
    if _worker is not None and _worker.poll() is None or not entry_points(group=GROUP):
        return
    _worker = subprocess.Popen([sys.executable, "-m", "scenarios.plugins"], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True, start_new_session=True)   # Ctrl-C: for us only
    _worker.stdin.write(json.dumps({"plant": str(plant)}) + "\n")
    _worker.stdin.flush()
    atexit.register(stop)


def stop() -> None:
    """End the drawing process now (it may still be warming up: nothing of it is kept) and wait for it."""
    global _worker
    worker, _worker = _worker, None
    if worker is not None:
        worker.terminate()
        worker.wait()
        worker.stdin.close()
        worker.stdout.close()


def draw(folder: Path) -> list[Path]:
    """The plug-ins' pictures of ``folder``: by the warm process when one runs, else here (as after a failure of it)."""
    return begin(folder)()


def begin(folder: Path) -> Callable[[], list[Path]]:
    """Start drawing the plug-ins' pictures of ``folder``; call the answer for them. The warm process draws while
    this one goes on (the report's other figures); without it they are drawn here when asked for."""
    if _worker is None or _worker.poll() is not None:
        return lambda: draw_here(Path(folder))
    try:
        _worker.stdin.write(json.dumps({"folder": str(folder)}) + "\n")
        _worker.stdin.flush()
    except OSError:   # it died: draw here
        stop()
        return lambda: draw_here(Path(folder))

    def drawn() -> list[Path]:
        try:
            return [Path(p) for p in json.loads(_worker.stdout.readline())["written"]]
        except (OSError, ValueError, KeyError, AttributeError):   # it died: draw here
            stop()
            return draw_here(Path(folder))
    return drawn


def serve() -> None:
    """The drawing process: warm every plug-in for the plant it is given, then draw each folder it is sent. It
    answers on its own stdout only (what plug-ins print goes to stderr); in a session of its own, it never sees the
    terminal's Ctrl-C: the parent ends it (:func:`stop`), or it ends when the parent's pipe closes."""
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(0))   # leaves no temporary file behind
    answer, sys.stdout = sys.stdout, sys.stderr
    plugins = []
    for plugin in entry_points(group=GROUP):
        with suppress(Exception):   # reported when a folder asks for it (draw_here)
            plugins.append(plugin.load())
    for line in sys.stdin:
        message = json.loads(line)
        if "plant" in message:
            for plugin in plugins:
                with suppress(Exception):   # a warm-up only saves time: the drawing says what is wrong
                    getattr(plugin, "warm", lambda plant: None)(message["plant"])
        else:
            written = draw_here(Path(message["folder"]))
            print(json.dumps({"written": [str(p) for p in written]}), file=answer, flush=True)


if __name__ == "__main__":
    serve()
