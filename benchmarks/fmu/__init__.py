"""FMU benchmark: one Co-Simulation FMU stepped N times through the twin and through ``fmpy.simulate_fmu``.

Both runs step the same FMU (the oscillator built from ``twin/fmu/models``) with the same communication step and
record the same outputs at every step, in the same process. The cost per communication step is measured as
``(T(N) - T(N / 100)) / (N - N / 100)``, so that the one-off costs of each side (unzipping, reading the model
description, instantiating) cancel out. ``python -m benchmarks.fmu`` prints the ratio twin / fmpy; the target is
1.5 or less.

The **chain** case: ten static gains in a row (``gain`` of ``twin/fmu/models``, ``y = k u + b``), each fed by the one
before it (``u_i = y_{i-1}``),
stepped with Gauss-Seidel ordering (each FMU sees the outputs the ones before it reached in this step). FMPy has no
multi-FMU master, so its side is the plain loop one writes with FMPy's FMU classes (``doStep``, ``getReal``,
``setReal`` on each FMU in turn, every output kept in a list); both sides must end in the same states, bit for bit.
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


CHAIN = 10


def run_fmpy_chain(fmu: Path, steps: int) -> tuple[float, float]:
    """Wall time of a hand-written FMPy Gauss-Seidel loop over ``CHAIN`` gains, and the last one's output."""
    import fmpy
    from fmpy.fmi2 import FMU2Slave

    start = time.perf_counter()
    md = fmpy.read_model_description(str(fmu))
    vr = {v.name: v.valueReference for v in md.modelVariables}
    folder = fmpy.extract(str(fmu))
    fmus = []
    for i in range(CHAIN):
        f = FMU2Slave(guid=md.guid, unzipDirectory=folder, modelIdentifier=md.coSimulation.modelIdentifier,
                      instanceName=f"G-{i}")
        f.instantiate()
        f.setupExperiment(startTime=0.0)
        f.enterInitializationMode()
        f.exitInitializationMode()
        fmus.append(f)
    y = [f.getReal([vr["y"]])[0] for f in fmus]
    rows = [(0.0, list(y))]
    t = 0.0
    for k in range(steps):
        t_next = (k + 1) * STEP
        for i, f in enumerate(fmus):
            if i:
                f.setReal([vr["u"]], [y[i - 1]])
            f.doStep(currentCommunicationPoint=t, communicationStepSize=t_next - t)
            y[i] = f.getReal([vr["y"]])[0]
        rows.append((t_next, list(y)))
        t = t_next
    for f in fmus:
        f.terminate()
        f.freeInstance()
    return time.perf_counter() - start, y[-1]


def run_twin_chain(fmu: Path, steps: int) -> tuple[float, float]:
    """Wall time of the twin's Gauss-Seidel master over the same chain, and the last gain's output."""
    from twin.fmu.master import CoSimulation
    from twin.fmu.unit import FMUUnit
    from twin.twin import Twin

    start = time.perf_counter()
    tw = Twin(sample_interval=STEP)
    units = [FMUUnit(f"G-{i}", fmu, interface="CoSimulation", inputs={"u": f"G-{i - 1}.y"} if i else None)
             for i in range(CHAIN)]
    tw.add(CoSimulation(units, step=STEP, ordering="gauss-seidel"))
    tw.run(until=steps * STEP)
    elapsed = time.perf_counter() - start
    return elapsed, float(tw.tags.read(f"G-{CHAIN - 1}.y"))


def per_step(fmu: Path, steps: int, repeat: int = 5, sides=None) -> dict[str, tuple[float, float]]:
    """Seconds per communication step of each side, fixed costs taken out, and the final position.

    The two sides run in turn, ``repeat`` times each, and the best time of each counts (as ``timeit`` does): the
    machine is shared, and turns make sure both sides meet the same load.
    """
    sides = sides or (("twin", run_twin), ("fmpy", run_fmpy))
    best = {name: [float("inf"), float("inf"), None] for name, _ in sides}
    for _ in range(repeat):
        for name, run in sides:
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
        fmu = build_fmu("gain", folder, fmi_version=2, interfaces=("CoSimulation",))
        chain_steps = max(steps // CHAIN, 200)
        timings = per_step(fmu, chain_steps, repeat, (("twin", run_twin_chain), ("fmpy", run_fmpy_chain)))
        (twin_step, x_twin), (fmpy_step, x_fmpy) = timings["twin"], timings["fmpy"]
        if x_fmpy != x_twin:
            raise AssertionError(f"the chains disagree: x = {x_fmpy} (fmpy loop) vs {x_twin} (twin)")
        ratio = report["chain"] = twin_step / fmpy_step
        print(f"{CHAIN} FMI 2.0 CS FMUs, Gauss-Seidel, {chain_steps:,} steps of {STEP} s: FMPy loop "
              f"{fmpy_step * 1e6:.1f} us/step, twin {twin_step * 1e6:.1f} us/step -> ratio {ratio:.2f} "
              "(target <= 1.5)")
    return report


def add_arguments(parser) -> None:
    """The options of a ``twin bench fmu`` sub-command (for ``benchmarks/cli.py`` to register)."""
    parser.add_argument("--steps", type=int, default=100_000, help="communication steps per run (default 100,000)")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each side; the best counts (default 5)")
    parser.set_defaults(func=run)


def run(args) -> int:
    main(args.steps, args.repeat)
    return 0
