"""FMU benchmark: one Co-Simulation FMU stepped N times through the twin and through ``fmpy.simulate_fmu``.

Both runs step the same FMU (the oscillator built from ``twin/fmu/models``) with the same communication step and
record the same outputs at every step, in the same process. The cost per communication step is measured as
``(T(N) - T(N / 100)) / (N - N / 100)``, so that the one-off costs of each side (unzipping, reading the model
description, instantiating) cancel out. ``python -m benchmarks.fmu`` prints the ratio twin / fmpy; the target is
1.5 or less.
"""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

STEP = 1e-3


def run_fmpy(fmu: Path, steps: int) -> tuple[float, float]:
    """Wall time of ``fmpy.simulate_fmu`` over ``steps`` communication steps, and the final position."""
    import fmpy  # here, as the twin's modules below: `twin bench --help` does not import the FMU stacks

    start = time.perf_counter()
    result = fmpy.simulate_fmu(str(fmu), fmi_type="CoSimulation", stop_time=steps * STEP, output_interval=STEP)
    return time.perf_counter() - start, float(result["x"][-1])


def run_twin(fmu: Path, steps: int, fmi_version: int = 2) -> tuple[float, float]:
    """Wall time of a twin stepping the same FMU ``steps`` times, and the final position."""
    from twin.fmu.master import CoSimulation
    from twin.fmu.unit import FMUUnit
    from twin.twin import Twin

    start = time.perf_counter()
    tw = Twin(sample_interval=STEP)
    unit = FMUUnit("OSC-1", fmu, interface="CoSimulation")
    tw.add(CoSimulation([unit], step=STEP))
    tw.run(until=steps * STEP)
    elapsed = time.perf_counter() - start
    return elapsed, float(tw.tags.read("OSC-1.x"))


def per_step(fmu: Path, steps: int, repeat: int = 5) -> dict[str, tuple[float, float]]:
    """Seconds per communication step of each side, fixed costs taken out, and the final position.

    The two sides run in turn, ``repeat`` times each, and the best time of each counts (as ``timeit`` does): the
    machine is shared, and turns make sure both sides meet the same load.
    """
    best = {"twin": [float("inf"), float("inf"), None], "fmpy": [float("inf"), float("inf"), None]}
    for _ in range(repeat):
        for name, run in (("twin", run_twin), ("fmpy", run_fmpy)):
            short, _ = run(fmu, steps // 100)
            long, x = run(fmu, steps)
            best[name][0], best[name][1], best[name][2] = min(best[name][0], short), min(best[name][1], long), x
    return {name: ((long - short) / (steps - steps // 100), x) for name, (short, long, x) in best.items()}


def main(steps: int = 100_000, repeat: int = 5) -> dict:
    from twin.fmu.testing import build_fmu

    with tempfile.TemporaryDirectory() as folder:
        report = {}
        for version in (2, 3):
            fmu = build_fmu("oscillator", folder, fmi_version=version, interfaces=("CoSimulation",))
            timings = per_step(fmu, steps, repeat)
            (twin_step, x_twin), (fmpy_step, x_fmpy) = timings["twin"], timings["fmpy"]
            if x_fmpy != x_twin:
                raise AssertionError(f"the two runs disagree: x = {x_fmpy} (fmpy) vs {x_twin} (twin)")
            ratio = twin_step / fmpy_step
            report[f"FMI {version}.0"] = ratio
            print(f"FMI {version}.0 CS, {steps:,} steps of {STEP} s: fmpy.simulate_fmu {fmpy_step * 1e6:.1f} us/step, "
                  f"twin {twin_step * 1e6:.1f} us/step -> ratio {ratio:.2f} (target <= 1.5)")
    return report


def add_arguments(parser) -> None:
    """The options of a ``twin bench fmu`` sub-command (for ``benchmarks/cli.py`` to register)."""
    parser.add_argument("--steps", type=int, default=100_000, help="communication steps per run (default 100,000)")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each side; the best counts (default 5)")
    parser.set_defaults(func=run)


def run(args) -> int:
    main(args.steps, args.repeat)
    return 0
