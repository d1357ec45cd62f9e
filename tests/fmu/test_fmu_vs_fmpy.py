"""A single FMU in the twin follows exactly the trajectory of ``fmpy.simulate_fmu`` with the same settings.

The reference is fmpy's own simulation loop (``fmpy.simulate_fmu``), run side by side on the same FMU: same
communication/output step, same CVODE settings for Model Exchange (fmpy's defaults: relative tolerance 1e-5, largest
step (stop - start) / 50). The oscillator has a time event (the force step at t = 2.5 s, on the output grid), the
bouncing ball state events between grid points (located by CVODE's root finding, or by the FMU's own solver in CS).
"""
import fmpy
import numpy as np
import pytest

from twin.fmu.unit import FMUUnit
from twin.twin import Twin


def last_sample_per_time(result, name):
    """fmpy records twice at an event (before and after); the state after the event is the one to compare."""
    by_time = {}
    for t, v in zip(result["time"], result[name], strict=True):
        by_time[t] = v
    return by_time


@pytest.mark.parametrize("model", ["oscillator", "bouncing_ball"])
@pytest.mark.parametrize("version", [2, 3])
@pytest.mark.parametrize("interface", ["CoSimulation", "ModelExchange"])
def test_trajectory_equals_fmpy(fmu, model, version, interface):
    path = fmu(model, version)
    md = fmpy.read_model_description(str(path))
    stop, dt = float(md.defaultExperiment.stopTime), float(md.defaultExperiment.stepSize)
    reference = fmpy.simulate_fmu(str(path), fmi_type=interface, stop_time=stop, output_interval=dt)

    tw = Twin(sample_interval=dt)
    tw.add(FMUUnit("X-1", path, interface=interface, step=dt, max_step=stop / 50))
    tw.run(until=stop)

    for name in ("h", "v") if model == "bouncing_ball" else ("x", "v"):
        times, values, _ = tw.tags.history(f"X-1.{name}")
        expected = last_sample_per_time(reference, name)
        assert len(times) == round(stop / dt) + 1
        assert all(t in expected for t in times), "the twin's communication points are fmpy's output points"
        diff = np.abs(values - np.array([expected[t] for t in times]))
        assert diff.max() < 1e-9, f"{name}: max abs difference {diff.max()} at t = {times[diff.argmax()]}"
    # the events really happened: the ball bounced, the force step moved the oscillator's rest point
    h = tw.tags.history("X-1.h" if model == "bouncing_ball" else "X-1.x")[1]
    assert (h.min() > -0.05) if model == "bouncing_ball" else (h[-1] > 0.3)


def test_inputs_reach_the_fmu_like_fmpy_input(fmu):
    """An input changed by a DES process at t = 1.234 s (between grid points) against fmpy's input table."""
    path = fmu("oscillator", 2)
    # a step (the time repeated), as fmpy.simulate_fmu writes a discrete change
    signal = np.array([(0.0, 0.0), (1.234, 0.0), (1.234, 3.0)], dtype=[("time", np.float64), ("F", np.float64)])
    reference = fmpy.simulate_fmu(str(path), fmi_type="CoSimulation", stop_time=4.0, output_interval=0.01,
                                  input=signal)
    tw = Twin(sample_interval=0.01)
    tw.add(FMUUnit("X-1", path, interface="CoSimulation", step=0.01))

    def operator(tw):
        yield tw.env.timeout(1.234)
        tw.set("X-1.F", 3.0)

    tw.env.process(operator(tw))
    tw.run(until=4.0)
    times, values, _ = tw.tags.history("X-1.x")
    assert np.isclose(times, 1.234).any(), "a communication point at the DES event that touched the input"
    expected = last_sample_per_time(reference, "x")
    # fmpy steps to the input's change too (the FMU handles variable steps), so every point is shared
    common = [i for i, t in enumerate(times) if t in expected]
    assert len(common) == len(times)
    assert np.abs(values[common] - np.array([expected[times[i]] for i in common])).max() < 1e-9
