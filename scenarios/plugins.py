"""A process that draws reports warm, and the report plug-ins (entry-point group ``twin.report_figures``: the
viewer's 3D views).

``twin run`` uses one core, so :func:`start` launches ``python -m scenarios.plugins`` beside the simulation as it
starts. On the second core the child imports what drawing needs (matplotlib, Arrow: about 0.6 s of CPU) and warms
each plug-in: a plug-in is ``draw(folder) -> [png]`` and may carry ``draw.warm(plant)``, which does ahead what every
picture of ``plant`` needs (the viewer: import pyvista, load the plant, a first off-screen frame: about 1.1 of its
view's 1.35 s). When the run is over, the report writes the result's settings and KPIs, hands its tables over in
memory and sends the folder (:func:`report`): the child draws the figures and the page, with a forked helper on the
second core (:mod:`scenarios.drawing`), while the report's process writes the Parquet files. Without the child (a
notebook, a test) or should it fail, the report's own process draws them, the same pictures; :func:`draw` and
:func:`begin` call the plug-ins alone.

The two processes speak JSON lines: ``{"plant": path}`` once, then ``{"report": folder, "tables": {name: file}}``
answered by ``{"drawn": true}`` or ``{"folder": folder}`` answered by ``{"written": [paths]}``.
"""
from __future__ import annotations

import atexit
import importlib
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Mapping
from contextlib import suppress
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

GROUP = "twin.report_figures"
HANDED = ".tables"   # where the run's process hands a result's tables to the warm process (report)
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


def start(plant: str | Path, study: str | None = None, settings: Mapping[str, Any] | None = None) -> None:
    """Launch the warm drawing process for results of ``study`` on ``plant`` (once; no-op when it runs or there is
    no plug-in); given the run's ``settings`` (:meth:`Scenario.settings`), it draws ahead the figures that show
    nothing else."""
    global _worker
    if _worker is not None and _worker.poll() is None or not entry_points(group=GROUP):
        return
    _worker = subprocess.Popen([sys.executable, "-m", "scenarios.plugins"], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True, start_new_session=True)   # Ctrl-C: for us only
    _worker.stdin.write(json.dumps({"plant": str(plant), "study": study, "settings": settings}, default=str) + "\n")
    _worker.stdin.flush()
    atexit.register(stop)


def stop() -> None:
    """End the drawing process now (it may still be warming up: nothing of it is kept) and wait for it."""
    global _worker
    worker, _worker = _worker, None
    if worker is not None:
        with suppress(ProcessLookupError):
            os.killpg(worker.pid, signal.SIGTERM)   # its group (its own session): with a drawing helper it forked
        worker.wait()
        worker.stdin.close()
        worker.stdout.close()


def _alive() -> bool:
    """Whether the warm process runs (one that died is waited for and forgotten)."""
    if _worker is not None and _worker.poll() is not None:
        stop()
    return _worker is not None


def draw(folder: Path) -> list[Path]:
    """The plug-ins' pictures of ``folder``: by the warm process when one runs, else here (as after a failure of it)."""
    return begin(folder)()


def begin(folder: Path) -> Callable[[], list[Path]]:
    """Start drawing the plug-ins' pictures of ``folder``; call the answer for them. The warm process draws while
    this one goes on (the report's other figures); without it they are drawn here when asked for."""
    if not _alive():
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


def report(folder: Path, tables: Mapping[str, Any] | None = None) -> Callable[[], bool]:
    """Have the warm process draw the figures and page of the result whose settings and KPIs ``folder`` holds and
    whose ``tables`` (``{"traces": pyarrow.Table, ...}``) are given (:meth:`scenarios.results.Result.draw`); call the
    answer to wait for it: False when none runs or it could not (then draw them here: a failure shows as it would).

    The tables are handed over as uncompressed Arrow IPC files in ``folder/.tables``, which the warm process maps
    (nothing decoded: a Parquet read back cost it 0.3-0.5 s); they are gone when the answer returns."""
    if not _alive():
        return lambda: False
    files = _hand_over(Path(folder), tables or {})
    try:
        _worker.stdin.write(json.dumps({"report": str(Path(folder).resolve()), "tables": files}) + "\n")
        _worker.stdin.flush()
    except OSError:   # it died
        shutil.rmtree(Path(folder) / HANDED, ignore_errors=True)
        stop()
        return lambda: False

    def drawn() -> bool:
        try:
            return json.loads(_worker.stdout.readline()).get("drawn", False)
        except (OSError, ValueError, AttributeError):   # it died
            stop()
            return False
        finally:
            shutil.rmtree(Path(folder) / HANDED, ignore_errors=True)
    return drawn


def _hand_over(folder: Path, tables: Mapping[str, Any]) -> dict[str, str]:
    """``tables`` as Arrow IPC files in ``folder/.tables``; their paths by name."""
    import pyarrow as pa

    (folder / HANDED).mkdir(exist_ok=True)
    files = {}
    for name, table in tables.items():
        files[name] = str((folder / HANDED / f"{name}.arrow").resolve())
        with pa.OSFile(files[name], "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)
    return files


def _mapped(files: Mapping[str, str]) -> dict[str, Any]:
    """The tables handed over (:func:`_hand_over`), memory-mapped."""
    import pyarrow as pa

    return {name: pa.ipc.open_file(pa.memory_map(path)).read_all() for name, path in files.items()}


def warm(study: str | None) -> list:
    """Import ``study``'s figure modules, draw a first text into a PNG (matplotlib loads its fonts then) and let
    Arrow load pandas; returns the modules."""
    import io

    import pyarrow as pa
    from matplotlib.figure import Figure

    from scenarios.registry import STUDIES, Deferred, get_study

    modules = []
    if study in STUDIES:
        for step in (get_study(study).figures, get_study(study).comparison_figures):
            if isinstance(step, Deferred) and (module := importlib.import_module(step.target.partition(":")[0])) \
                    not in modules:
                modules.append(module)
    figure = Figure(figsize=(1, 1))
    figure.subplots().set_title("warm")
    figure.savefig(io.BytesIO(), format="png")
    pa.array([0.0]).to_numpy()   # Arrow imports pandas the first time it converts from or to NumPy: 1 s of CPU
    return modules


def ahead(modules: list, settings: Mapping[str, Any] | None) -> None:
    """Let each figure module that can draw its figures of ``settings`` alone (``ahead(settings)``, as
    :func:`scenarios.figures.ahead`) do it now, before the result is there."""
    for module in modules if settings else ():
        if hasattr(module, "ahead"):
            module.ahead(settings)


def serve() -> None:
    """The drawing process: warm every plug-in for the plant it is given, then draw each folder it is sent. It
    answers on its own stdout only (what plug-ins print goes to stderr); in a session of its own, it never sees the
    terminal's Ctrl-C: the parent ends it (:func:`stop`), or it ends when the parent's pipe closes."""
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(0))   # leaves no temporary file behind
    answer, sys.stdout = sys.stdout, sys.stderr
    from scenarios import drawing, results  # the report's libraries (matplotlib, Arrow, SciPy), imported ahead
    drawing.allow_helper()   # both cores are free once the run is over: a report's figures are drawn by two
    plugins = []
    for plugin in entry_points(group=GROUP):
        with suppress(Exception):   # reported when a folder asks for it (draw_here)
            plugins.append(plugin.load())
    for line in sys.stdin:
        message = json.loads(line)
        if "plant" in message:
            modules = []
            with suppress(Exception):   # a warm-up only saves time: the drawing says what is wrong
                modules = warm(message.get("study"))
            for plugin in plugins:
                with suppress(Exception):
                    getattr(plugin, "warm", lambda plant: None)(message["plant"])
            with suppress(Exception):
                ahead(modules, message.get("settings"))
        elif "report" in message:
            try:
                result = results.read(message["report"])
                result.tables.update(_mapped(message.get("tables", {})))
                result.draw(Path(message["report"]))
                drawn = True
            except Exception:   # the parent draws it again, and shows the failure as it would
                drawn = False
            _answer(answer, {"drawn": drawn})
        else:
            written = draw_here(Path(message["folder"]))
            _answer(answer, {"written": [str(p) for p in written]})


def _answer(answer, message: dict) -> None:
    """One line to the parent; if it is gone (killed, its pipe closed), end quietly: a BrokenPipeError traceback
    here landed on the terminal the parent shared, after the parent's own last line."""
    try:
        print(json.dumps(message), file=answer, flush=True)
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), answer.fileno())   # the exit's flush of it would raise again
        sys.exit(0)


if __name__ == "__main__":
    serve()
