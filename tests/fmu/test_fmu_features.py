"""The FMI features issue 24 found missing: terminate requests beside other FMUs, Scheduled Execution refused by
name, Binary, String, Clock and array variables, and what ``twin inspect`` shows of them.

``counter`` (twin/fmu/models/counter.c) asks to end the simulation at its 7th event, 0.5 + 7 * 0.75 = 5.75 s on its
own clock, which starts at 0.5 s (its DefaultExperiment): 5.25 s on the twin's.
"""
import zipfile

import pytest

from twin.fmu import CoSimulation, FMUError, FMUUnit, describe
from twin.fmu.unit import FMUTerminated
from twin.tags import Quality
from twin.twin import Twin


@pytest.mark.parametrize("version", [2, 3])
@pytest.mark.parametrize("interface", ["CoSimulation", "ModelExchange"])
def test_a_terminated_fmu_stops_and_the_others_go_on(fmu, version, interface):
    counter = FMUUnit("C-1", fmu("counter", version), interface=interface, step=0.05)
    oscillator = FMUUnit("O-1", fmu("oscillator", version), interface=interface, step=0.05)
    tw = Twin()
    tw.add(CoSimulation([counter, oscillator], step=0.05))
    tw.run(until=8.0)
    assert counter.terminated_at == pytest.approx(5.25, abs=1e-9)
    times, values, quality = tw.tags.history("C-1.count")
    good = quality == Quality.GOOD
    assert values[good][-1] == (7 if interface == "CoSimulation" else 6)  # ME: FMPy keeps the event's left limit
    assert times[-1] == pytest.approx(5.25) and quality[-1] == Quality.UNCERTAIN  # held, no longer live
    assert (5.25, "C-1.terminated", "fmu") in [(pytest.approx(t), n, k) for t, n, k in tw.events]
    assert tw.tags.history("O-1.x")[0][-1] == pytest.approx(8.0)  # the oscillator went on
    tw.close()


def test_on_terminate_stop_ends_the_run_with_the_time(fmu):
    tw = Twin()
    tw.add(FMUUnit("C-1", fmu("counter", 2), on_terminate="stop"))
    with pytest.raises(FMUTerminated, match=r"C-1 \(counter_fmi2_co_mo.fmu\): the FMU asked to end the simulation "
                                            r"at t = 5.25 s") as err:
        tw.run(until=8.0)
    assert err.value.t == pytest.approx(5.25)
    assert tw.tags.history("C-1.count")[0][-1] == pytest.approx(5.25)  # every good point kept


def test_scheduled_execution_is_refused_by_name(fmu, tmp_path):
    """An FMU with only the Scheduled Execution interface (the XML of an FMI 3 model rewritten)."""
    source = fmu("gain", 3)
    target = tmp_path / "scheduled.fmu"
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "modelDescription.xml":
                text = data.decode()
                start, end = text.index("  <ModelExchange"), text.index("  <DefaultExperiment")
                text = text[:start] + ('  <ScheduledExecution modelIdentifier="gain"/>\n') + text[end:]
                data = text.encode()
            zout.writestr(item, data)
    with pytest.raises(FMUError, match="the FMU has ScheduledExecution; Scheduled Execution .* is not supported"):
        FMUUnit("S-1", target)
    assert "(Scheduled Execution (not run by the twin))" in describe(target).splitlines()[0]


def test_inspect_shows_binaries_clocks_and_the_defaults(fmu):
    text = describe(fmu("echo", 3))
    assert "binaries (bytes tags; start values in hexadecimal): b_in, b_out" in text
    assert "clocks (not bound to tags): tick (input, interval triggered)" in text
    text = describe(fmu("counter", 2))
    assert "default experiment: start 0.5, stop 10.5 (times in s)" in text
    # FMPy's own derivation with no stepSize: auto_interval(10 s) = 0.02 s; ME: 10**(1 - 3) = 0.01 s
    assert "twin defaults (CoSimulation, as fmpy.simulate_fmu): start 0.5 s, step 0.02 s" in text
    assert "twin defaults (ModelExchange, as fmpy.simulate_fmu): start 0.5 s, step 0.01 s, CVODE max step 0.2 s" in text


def test_binary_and_string_reach_the_fmu_and_come_back(fmu):
    tw = Twin()
    tw.add(FMUUnit("E-1", fmu("echo", 3)))

    def operator(tw):
        yield tw.env.timeout(0.25)
        tw.set("E-1.s_in", "hello")
        tw.set("E-1.b_in", b"\x00\xff")

    tw.env.process(operator(tw))
    tw.run(until=1.0)
    assert tw.tags["E-1.s_out"].value == "hello" and tw.tags["E-1.n_out"].value == 5
    assert tw.tags["E-1.b_out"].value == b"\x00\xff"
    assert tw.tags.history("E-1.b_out")[1][0] == b"foo"  # the start value, hexadecimal 666f6f
    tw.close()


def test_array_elements_are_tags_and_reach_the_fmu(fmu):
    """``vector``: y[i] = k[i] u[i] + 0.25 with k = (0.5, -1, 2); u.2 changed by a DES event at 0.5 s."""
    tw = Twin()
    tw.add(FMUUnit("V-1", fmu("vector", 3), parameters={"k": [0.5, -1.0, 4.0]}))

    def operator(tw):
        yield tw.env.timeout(0.5)
        tw.set("V-1.u.2", 5.0)

    tw.env.process(operator(tw))
    tw.run(until=1.0)
    assert [tw.tags.history(f"V-1.y.{i}")[1][0] for i in (1, 2, 3)] == [0.75, -1.75, 12.25]  # u = (1, 2, 3)
    assert [tw.tags.read(f"V-1.y.{i}") for i in (1, 2, 3)] == [0.75, -4.75, 12.25]
    tw.close()


def test_a_clock_or_a_misshapen_array_is_refused_clearly(fmu):
    with pytest.raises(FMUError, match="'tick' is an FMI 3 clock: clocks tick in event mode"):
        FMUUnit("E-1", fmu("echo", 3), inputs={"tick": "E-1.TICK"})
    with pytest.raises(FMUError, match=r"'k' is a Float64 array of 3 elements \[3\]; \[1.0, 2.0\] does not fit\n"
                                       r"  expected: a list of 3 float values"):
        FMUUnit("V-1", fmu("vector", 3), parameters={"k": [1.0, 2.0]})


def test_on_terminate_from_a_binding_file(fmu, tmp_path):
    from twin.config import ConfigError
    from twin.fmu import from_yaml

    path = tmp_path / "fmus.yaml"
    path.write_text(f"fmus:\n  C-1:\n    fmu: {fmu('counter', 3)}\n    on_terminate: stop\n")
    tw = Twin()
    tw.add(from_yaml(path))
    with pytest.raises(FMUTerminated, match="at t = 5.26 s"):  # FMI 3 CS: the end of the step (0.02 s grid)
        tw.run(until=8.0)
    path.write_text(f"fmus:\n  C-1:\n    fmu: {fmu('counter', 3)}\n    on_terminate: halt\n")
    with pytest.raises(ConfigError, match=r"fmus.yaml:4.*on_terminate"):
        from_yaml(path)
