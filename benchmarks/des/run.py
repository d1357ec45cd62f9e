"""Run the DES benchmarks side by side in one process and print events per second and the ratio to SimPy.

Every engine runs the same model for the same simulated horizon; the statistics each prints must agree, which
shows the engines simulated the same thing. "Events" is the number of events SimPy schedules for the model, so
events per second compare like with like across engines. Rates and ratios use the CPU time of the simulating
thread (``time.thread_time``): on a shared machine it is far steadier than wall time, which is shown beside it.
"""
from __future__ import annotations

import argparse
import gc
import importlib
import sys
import time
from dataclasses import dataclass

from benchmarks.des import line, mm1, ticks

MODELS = {
    "(a) M/M/1": (mm1, 20_000),
    "(b) 10-station line": (line, 5_000),
    "(c) 1,000 timeout loops": (ticks, 100),
}
ENGINES = ("simpy", "twin.des", "salabim")


@dataclass
class Measurement:
    model: str
    engine: str
    seconds: float  # CPU time of the simulating thread
    wall: float
    events: int
    statistics: dict

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds


def run_model(module, engine: str, horizon: float, seed: int = 1) -> tuple[float, float, dict, int | None]:
    """Build and run one model on one engine; return (CPU seconds, wall seconds, statistics, events or None)."""
    if engine == "salabim":
        env, statistics = module.build_salabim(seed)
        run = lambda: env.run(till=horizon)  # noqa: E731
    else:
        env, statistics = module.build_simpy_like(importlib.import_module(engine), seed)
        run = lambda: env.run(until=horizon)  # noqa: E731
    gc.collect()
    start, start_wall = time.thread_time(), time.perf_counter()
    run()
    seconds, wall = time.thread_time() - start, time.perf_counter() - start_wall
    events = next(env._eid) if engine == "simpy" else None  # SimPy numbers every event it schedules
    return seconds, wall, statistics(), events


def measure(scale: float = 1.0, repeat: int = 3, engines=ENGINES, progress=None) -> list[Measurement]:
    """All models on all *engines*, horizons multiplied by *scale*.

    The engines take turns, *repeat* rounds (salabim, the slowest, runs in the first round only), and each keeps
    its best time: on a shared machine the best of interleaved runs is the fairest estimate of what it can do.
    """
    results = []
    order = ("simpy",) + tuple(e for e in engines if e != "simpy")
    for name, (module, horizon) in MODELS.items():
        best: dict[str, tuple] = {}
        for round_ in range(repeat):
            for engine in order:
                if engine == "salabim" and round_ > 0:
                    continue
                run = run_model(module, engine, horizon * scale)
                if engine not in best or run[0] < best[engine][0]:
                    best[engine] = run
                if progress and round_ == repeat - 1:
                    progress(name, engine)
        events = best["simpy"][3]
        results += [Measurement(name, engine, best[engine][0], best[engine][1], events, best[engine][2])
                    for engine in order if engine in engines]
    return results


def table(results: list[Measurement]) -> str:
    """The measurements as a text table: events per second per engine and the ratio to SimPy."""
    simpy_rate = {m.model: m.events_per_second for m in results if m.engine == "simpy"}
    lines = [f"{'model':<26}{'engine':<10}{'events':>10}{'wall s':>9}{'CPU s':>8}{'events/CPU-s':>14}{'vs SimPy':>10}"]
    for m in results:
        ratio = m.events_per_second / simpy_rate[m.model]
        lines.append(f"{m.model:<26}{m.engine:<10}{m.events:>10,}{m.wall:>9.3f}{m.seconds:>8.3f}"
                     f"{m.events_per_second:>14,.0f}{ratio:>9.2f}x")
    return "\n".join(lines)


def statistics_table(results: list[Measurement]) -> str:
    """The statistics each engine printed, side by side (they must be identical)."""
    lines = []
    for model in dict.fromkeys(m.model for m in results):
        rows = [m for m in results if m.model == model]
        lines.append(f"{model}")
        for key in rows[0].statistics:
            values = "".join(f"{_fmt(r.statistics[key]):>18}" for r in rows)
            lines.append(f"  {key:<22}{values}   ({', '.join(r.engine for r in rows)})")
    return "\n".join(lines)


def _fmt(value) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:.6f}"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quick", action="store_true", help="tiny horizons (1/20): a smoke run, not a measurement")
    parser.add_argument("--repeat", type=int, default=5,
                        help="rounds of interleaved runs; each engine keeps its best (default 5; salabim runs once)")
    parser.add_argument("--no-salabim", action="store_true", help="skip salabim (the slowest engine here)")


def main_with(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    engines = tuple(e for e in ENGINES if not (args.no_salabim and e == "salabim"))
    if args.repeat < 1:
        print(f"benchmarks.des: --repeat must be >= 1, got {args.repeat} (e.g. --repeat 3)", file=sys.stderr)
        return 2
    with tqdm(total=len(MODELS) * len(engines), desc="DES benchmarks", unit="run", leave=False) as bar:
        results = measure(scale=0.05 if args.quick else 1.0, repeat=args.repeat, engines=engines,
                          progress=lambda model, engine: bar.update())
    print(table(results))
    print("\nStatistics (identical across engines = the same simulation):")
    print(statistics_table(results))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.des",
        description="DES benchmarks: SimPy, twin.des and salabim on the same models, side by side.",
        epilog="examples:\n  python -m benchmarks.des            full run (one to two minutes, salabim is most of it)\n"
               "  python -m benchmarks.des --quick    smoke run in a few seconds\n",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_arguments(parser)
    return main_with(parser.parse_args(argv))
