"""A guard moved by an input change is watched from the side the change puts it on.

Reference: x = t exactly (dx/dt = 1); the guard ``x - level`` fires at t = level. After the first crossing at 10 s
a process raises ``level`` to 10.05, less than one sample interval (1 s) ahead: the second crossing must still be
found, at 10.05 s.
"""
import pytest

from twin import Twin
from twin.process import ProcessModel


def test_a_threshold_raised_just_ahead_of_the_state_still_fires():
    clock = ProcessModel("CLK")
    x = clock.state("x", 0.0, "s", "time elapsed")
    level = clock.parameter("level", 10.0, "s", "threshold")
    clock.der(x, 1.0)
    clock.guard("reached", x - level, +1)
    tw = Twin(sample_interval=1.0)
    tw.add(clock)
    fired = []

    def watch(tw):
        fired.append((yield tw.event("CLK.reached")))
        tw.set("CLK.level", 10.05)
        fired.append((yield tw.event("CLK.reached")))

    tw.env.process(watch(tw))
    tw.run(until=20.0)
    assert fired == [pytest.approx(10.0, abs=1e-6), pytest.approx(10.05, abs=1e-6)]


def test_an_input_the_guard_does_not_read_leaves_its_side_alone():
    """Changing an input at the crossing (the interlock closing a valve) must not fire the guard a second time."""
    tank = ProcessModel("TK")
    V = tank.state("V", 0.0, "m3", "volume")
    F = tank.input("F", 1.0, "m3/s", "inflow")
    tank.der(V, F)
    tank.guard("full", V - 5.0, +1)
    tw = Twin(sample_interval=1.0)
    tw.add(tank)

    def interlock(tw):
        yield tw.event("TK.full")
        tw.set("TK.F", 0.0)

    tw.env.process(interlock(tw))
    result = tw.run(until=10.0)
    state = result.events("state")
    assert list(state["name"]) == ["TK.full"] and state["t"][0] == pytest.approx(5.0, abs=1e-6)
