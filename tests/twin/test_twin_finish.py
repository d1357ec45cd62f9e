"""Every unit's ``finish`` is called once when the twin's life ends: ``close()``, the end of ``with``, or a run that
fails; never between two runs (the twin runs on). An FMU's finish frees its instance and its unzipped folder."""
from pathlib import Path

import pytest

from twin.fmu import FMUStepError, FMUUnit
from twin.fmu.testing import build_fmu
from twin.twin import Twin
from twin.unit import ContinuousUnit, DiscreteUnit, Signal


class Lag(ContinuousUnit):
    """y' = (u - y) / tau, integrated exactly; fails past ``fail_at``; counts its finish calls."""

    signals = (Signal("u", "in", default=1.0), Signal("y", "out"))

    def __init__(self, tag, fail_at=float("inf")):
        super().__init__(tag)
        self.fail_at, self.finished = fail_at, 0

    def start(self, t0):
        self.time = t0
        self.write("y", 0.0, t0)

    def advance(self, t_end):
        if t_end > self.fail_at:
            raise ArithmeticError(f"{self.tag}: the model fails past t = {self.fail_at}")
        self.time = t_end
        return t_end

    def finish(self):
        self.finished += 1


class Operator(DiscreteUnit):
    signals = (Signal("step", "out"),)

    def __init__(self, tag):
        super().__init__(tag)
        self.finished = 0

    def process(self, twin):
        while True:
            yield twin.env.timeout(1.0)

    def finish(self):
        self.finished += 1


def test_finish_once_at_close_and_never_between_runs():
    tw = Twin()
    units = [Lag("L-1"), Operator("OP-1")]
    tw.add(*units)
    tw.run(until=5.0)
    tw.run(until=10.0)
    assert [u.finished for u in units] == [0, 0], "the twin runs on: nothing is finished between runs"
    tw.close()
    tw.close()
    assert [u.finished for u in units] == [1, 1]
    with pytest.raises(RuntimeError, match="the twin is closed"):
        tw.run(until=20.0)
    assert tw.tags.read("L-1.y") == 0.0, "the tags stay readable"


def test_a_failed_run_finishes_every_unit_and_raises_its_error():
    tw = Twin()
    units = [Lag("L-1", fail_at=3.0), Lag("L-2"), Operator("OP-1")]
    tw.add(*units)
    with pytest.raises(ArithmeticError, match="fails past t = 3.0"):
        tw.run(until=10.0)
    assert [u.finished for u in units] == [1, 1, 1]
    tw.close()
    assert [u.finished for u in units] == [1, 1, 1], "once"


def test_with_finishes_at_the_end():
    with Twin() as tw:
        lag = Lag("L-1")
        tw.add(lag)
        tw.run(until=1.0)
        assert lag.finished == 0
    assert lag.finished == 1


@pytest.fixture(scope="module")
def reactor_fmu(tmp_path_factory) -> Path:
    return build_fmu("reactor", tmp_path_factory.mktemp("fmus"), fmi_version=2)


def test_an_fmu_is_freed_when_the_twin_closes(reactor_fmu):
    with Twin(sample_interval=10.0) as tw:
        reactor = FMUUnit("R-101", reactor_fmu, step=10.0)
        tw.add(reactor)
        tw.run(until=100.0)
        unzipped = Path(reactor._unzipped)
        assert reactor.fmu is not None and unzipped.is_dir()
    assert reactor.fmu is None and not unzipped.exists()


def test_an_fmu_that_fails_mid_run_is_freed(reactor_fmu):
    tw = Twin(sample_interval=10.0)
    reactor = FMUUnit("R-101", reactor_fmu, step=10.0, parameters={"T_max": 301.0})  # leaves its validity range
    tw.add(reactor)
    tw.tags.write("R-101.T_jacket", 400.0, t=0.0)  # a hot jacket heats the charge past T_max
    with pytest.raises(FMUStepError, match="exceeds T_max"):
        tw.run(until=3600.0)
    assert reactor.fmu is None and not Path(reactor._unzipped).exists()
    assert len(tw.tags.history("R-101.T")[0]) >= 1, "what was recorded before the error is kept"
