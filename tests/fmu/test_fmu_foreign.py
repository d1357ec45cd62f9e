"""FMUs the project does not write, run with their own defaults, against ``fmpy.simulate_fmu`` on the same grid.

The reference is FMPy's own simulation loop on the same FMU file, with no settings given (each FMU's
DefaultExperiment decides start, stop, step, CVODE's largest step and tolerance, as FMPy derives them). The twin's
unit gets no settings either. Every point the twin records as good must be one of FMPy's points with the same value
(to 1e-9), both must cover the same grid and end at the same time, also when the FMU asks to terminate.

The FMUs: every ``*.fmu`` in the folder named by ``TWIN_FOREIGN_FMUS`` (skipped when unset). The Modelica
Association's Reference FMUs (github.com/modelica/Reference-FMUs, BSD-2-Clause: FMI 2.0 and 3.0, Co-Simulation and
Model Exchange, a terminating ``Stair``, arrays in ``StateSpace``, Binary and String in ``Feedthrough``, a Scheduled
Execution ``Clocks``) are the FMUs this was written against; build them from their sources with their CMake project
(``-DFMI_VERSION=2`` and ``3``) and point ``TWIN_FOREIGN_FMUS`` at the folder of .fmu files. The project ships
neither their sources nor binaries built from them.
"""
import os
from pathlib import Path

import fmpy
import numpy as np
import pytest

from twin.fmu.describe import FMUError, fmpy_defaults, interfaces, shape
from twin.fmu.unit import FMUUnit
from twin.tags import Quality
from twin.twin import Twin

FOLDER = os.environ.get("TWIN_FOREIGN_FMUS")
FMUS = sorted(Path(FOLDER).glob("*.fmu")) if FOLDER else []
CASES = [(p, i) for p in FMUS for i in interfaces(fmpy.read_model_description(str(p)))]


def compare_with_fmpy(path: Path, interface: str) -> None:
    """Run ``path`` through ``interface`` in a Twin and in fmpy.simulate_fmu, both with the FMU's defaults."""
    md = fmpy.read_model_description(str(path))
    if interface == "ScheduledExecution":
        with pytest.raises(FMUError, match="Scheduled Execution .* not supported"):
            FMUUnit("X-1", path, interface=interface)
        return
    reference = fmpy.simulate_fmu(str(path), fmi_type=interface)
    defaults = fmpy_defaults(md, interface)
    tw = Twin()
    unit = FMUUnit("X-1", path, interface=interface)
    tw.add(unit)
    tw.run(until=defaults.stop - defaults.start)
    tw.close()
    ref_times = reference["time"]
    ended = ref_times[-1]
    # FMPy's points on its communication grid (Model Exchange also records before and after each event), and the
    # point where it ended (off the grid when an FMI 2 FMU terminates inside a step)
    grid = set(defaults.start + np.arange(round((defaults.stop - defaults.start) / defaults.step) + 1) * defaults.step)
    points = sorted({t for t in ref_times if t in grid or t == ended})
    for name in reference.dtype.names[1:]:
        variable = next(v for v in md.modelVariables if v.name == name)
        expected = {}
        for t, value in zip(ref_times, reference[name], strict=True):
            expected[t] = value  # the last sample at an event time: the state after the event
        base = unit.outputs[name]  # an array: one tag per element, <tag>.1 ... <tag>.n
        tags = [f"{base}.{k + 1}" for k in range(int(np.prod(shape(variable))))] if variable.dimensions else [base]
        for k, tag in enumerate(tags):
            times, values, quality = tw.tags.history(tag)
            good = quality == Quality.GOOD
            times, values = times[good] + defaults.start, values[good]
            assert list(times) == points, f"{name}: the twin's points are not FMPy's ({len(times)}, {len(points)})"
            for t, value in zip(times, values, strict=True):
                assert t in expected, f"{name}: t = {t} is not one of FMPy's points"
                want = expected[t][k] if variable.dimensions else expected[t]
                if isinstance(want, bytes | str):
                    want = want.decode() if isinstance(want, bytes) and variable.type == "String" else want
                    assert value == want, f"{name} at t = {t}: {value!r} != FMPy's {want!r}"
                else:
                    assert abs(float(value) - float(want)) <= 1e-9, f"{name} at t = {t}: {value} != {want}"
    if unit.terminated_at is not None:
        assert unit.terminated_at + defaults.start >= ended
        assert any(name == "X-1.terminated" for _, name, _ in tw.events)


@pytest.mark.skipif(not CASES, reason="set TWIN_FOREIGN_FMUS to a folder of third-party FMUs (see the docstring)")
@pytest.mark.parametrize(("path", "interface"), CASES, ids=[f"{p.stem}-{i}" for p, i in CASES])
def test_foreign_fmu_equals_fmpy(path, interface):
    compare_with_fmpy(path, interface)


OWN = [("counter", 2), ("counter", 3), ("echo", 2), ("echo", 3), ("vector", 3), ("oscillator", 3), ("bouncing_ball", 2)]


@pytest.mark.parametrize("interface", ["CoSimulation", "ModelExchange"])
@pytest.mark.parametrize(("model", "version"), OWN)
def test_own_fmu_with_its_defaults_equals_fmpy(fmu, model, version, interface):
    """The project's test models through the same comparison: ``counter`` starts at 0.5 s, has no stepSize and
    asks to terminate at 5.75 s, inside a communication step; ``echo`` passes a String and (FMI 3) a Binary
    straight through and has a Clock input."""
    compare_with_fmpy(fmu(model, version), interface)


@pytest.mark.parametrize("version", [2, 3])
def test_an_error_ends_where_fmpy_ends_with_every_good_point(fmu, version):
    """The reactor (alone, its defaults) returns error once T exceeds T_max = 300.15 K: FMPy raises from that doStep;
    its last finished step (``step_finished``) is the twin's last good point, and the points before equal FMPy's."""
    path, parameters = fmu("reactor", version), {"T_max": 300.15}
    finished = []
    with pytest.raises(Exception, match="(?i)doStep"):
        fmpy.simulate_fmu(str(path), start_values=parameters, step_finished=lambda t, _: finished.append(t) or True)
    tw = Twin()
    tw.add(FMUUnit("R-1", path, parameters=parameters))
    with pytest.raises(FMUError, match=r"R-1 \(reactor_fmi\d_co_mo.fmu\): doStep.* returned error") as err:
        tw.run(until=3600.0)
    assert err.value.t_good == finished[-1], "the twin's last good point is FMPy's last finished step"
    good = fmpy.simulate_fmu(str(path), start_values=parameters, stop_time=finished[-1])
    times, values, quality = tw.tags.history("R-1.T")
    kept = quality == Quality.GOOD
    assert list(times[kept]) == list(good["time"]) and np.array_equal(values[kept], good["T"])


def test_a_discard_that_cannot_be_retried_ends_where_fmpy_ends(fmu):
    """FMI 3 reactor that cannot save its state, refusing steps where T moves more than 0.005 K: FMPy raises at the
    first discard (the first step: T moves fastest at the start); so does the twin (no retry without saved states),
    keeping only the start point, as FMPy. (FMPy retries
    a discarded FMI 2 step from the same time forever, so FMI 2 has no FMPy end to compare with.)"""
    path, parameters = fmu("reactor", 3, rollback=False), {"dT_max": 0.005}
    finished = []
    with pytest.raises(Exception, match="(?i)doStep"):
        fmpy.simulate_fmu(str(path), start_values=parameters, step_finished=lambda t, _: finished.append(t) or True)
    tw = Twin()
    tw.add(FMUUnit("R-1", path, parameters=parameters))
    with pytest.raises(FMUError, match="discarded and the step cannot be retried") as err:
        tw.run(until=3600.0)
    assert finished == [] and err.value.t_good == 0.0
    assert tw.tags.history("R-1.T")[0][-1] == err.value.t_good
