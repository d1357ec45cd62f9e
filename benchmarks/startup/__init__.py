"""Start-up benchmark: ``twin --help`` and ``twin COMMAND --help`` beside the bare interpreter, then ``twin inspect``
and ``twin view`` of a 4 KB IFC file (:data:`SMALL_IFC`: one proxy), where the start is all there is to time.

``python -m benchmarks.startup [--rounds R]`` (or ``twin bench startup``) starts a fresh interpreter for each line
and prints its wall and CPU time, best of ``R`` rounds, and the ratio to the peer: ``python -c pass``, the
interpreter's own start, which no command can beat. Target: every help under 1 s wall on an idle machine (before
the plug-ins imported their stacks lazily, ``twin --help`` took 4.9 s wall, 4.3 s CPU). The order of the lines
rotates from round to round, so a burst of load from elsewhere hits them all alike; CPU time (``getrusage`` of the
children) is the figure to trust on a busy machine.
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from importlib.metadata import entry_points
from pathlib import Path

PEER = "python -c pass"
SMALL_IFC = Path(__file__).resolve().parents[2] / "tests" / "data" / "public_ifc" / "polygonal-face-tessellation.ifc"


def lines(commands: list[str] | None = None) -> dict[str, list[str]]:
    """What to start: the peer, ``twin --help``, and ``twin COMMAND --help`` for each command (default: all)."""
    commands = sorted(ep.name for ep in entry_points(group="twin.commands")) if commands is None else commands
    twin = [sys.executable, "-m", "twin"]
    return {PEER: [sys.executable, "-c", "pass"], "twin --help": [*twin, "--help"],
            **{f"twin {c} --help": [*twin, c, "--help"] for c in commands}}


def file_lines(folder: Path) -> dict[str, list[str]]:
    """``twin inspect`` and ``twin view --screenshot`` (off screen) of :data:`SMALL_IFC`, writing into ``folder``."""
    twin = [sys.executable, "-m", "twin"]
    return {PEER: [sys.executable, "-c", "pass"], "twin inspect 4KB.ifc": [*twin, "inspect", str(SMALL_IFC)],
            "twin view 4KB.ifc --screenshot": [*twin, "view", str(SMALL_IFC), "--screenshot", str(folder / "v.png")]}


def timed(argv: list[str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of one run of ``argv``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def measure(commands: list[str] | None = None, rounds: int = 5, todo: dict[str, list[str]] | None = None
            ) -> dict[str, tuple[float, float]]:
    """The best wall and best CPU seconds of each line (``todo``, default the helps) over ``rounds`` rotating
    rounds."""
    todo = todo or lines(commands)
    names = list(todo)
    best = {name: (float("inf"), float("inf")) for name in names}
    for r in range(rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:
            wall, cpu = timed(todo[name])
            best[name] = (min(best[name][0], wall), min(best[name][1], cpu))
    return best


def table(best: dict[str, tuple[float, float]]) -> str:
    floor_wall, floor_cpu = best[PEER]
    rows = [f"{'':<24}{'wall s':>8}{'CPU s':>8}{'x peer (wall)':>15}{'x peer (CPU)':>14}"]
    rows += [f"{name:<24}{wall:>8.3f}{cpu:>8.3f}{wall / floor_wall:>15.1f}{cpu / max(floor_cpu, 1e-3):>14.1f}"
             for name, (wall, cpu) in best.items()]
    slowest = max((name for name in best if name != PEER), key=lambda name: best[name][0])
    rows.append(f"\nslowest: {slowest}, {best[slowest][0]:.2f} s wall (target < 1 s on an idle machine)")
    return "\n".join(rows)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``python -m benchmarks.startup`` and ``twin bench startup``."""
    parser.add_argument("--rounds", type=int, default=5, help="fresh starts of each line; the best counts (default 5)")
    parser.add_argument("--helps-only", action="store_true", help="leave out twin inspect/view of a 4 KB IFC file")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.rounds < 1:
        print(f"benchmarks.startup: --rounds must be >= 1, got {args.rounds} (e.g. --rounds 3)", file=sys.stderr)
        return 2
    print(table(measure(rounds=args.rounds)))
    if not args.helps_only:
        with tempfile.TemporaryDirectory() as folder:
            os.environ["TWIN_CACHE_DIR"] = folder  # the first round tessellates, the next ones read the cache
            print(f"\n{SMALL_IFC.name} ({SMALL_IFC.stat().st_size} bytes), best of {args.rounds}:")
            print(table(measure(rounds=args.rounds, todo=file_lines(Path(folder)))).split("\n\nslowest")[0])
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.startup", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(parser)
    return run(parser.parse_args(argv))
