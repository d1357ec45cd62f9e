"""The Twin's clock: DES events, continuous units and state events in one order; bad input; the Result."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from twin import Twin
from twin.process import FlowsheetError, ProcessModel
from twin.unit import ContinuousUnit, Signal


def tank(tag="TK-1", k=0.1, level=0.5):
    m = ProcessModel(tag)
    x = m.state("x", 1.0, "m")
    k_ = m.input("k", k, "1/s")
    m.der(x, -k_ * x)
    m.guard("low", level - x)
    return m


def test_a_state_event_resumes_a_process_at_the_crossing_before_later_events():
    tw = Twin(sample_interval=0.5)
    tw.add(tank())
    log = []

    def watcher(tw):
        t = yield tw.event("TK-1.low")
        log.append(("low", t, tw.now))
        tw.set("TK-1.k", 0.0)  # stop the decay: x stays at 0.5

    def clock(tw):
        yield tw.env.timeout(10.0)
        log.append(("timer", tw.now, tw.now))

    tw.env.process(watcher(tw))
    tw.env.process(clock(tw))
    result = tw.run(until=20.0)
    t_cross = math.log(2) / 0.1  # x = exp(-0.1 t) = 0.5 -> 6.93 s
    assert [e[0] for e in log] == ["low", "timer"]
    assert log[0][1] == pytest.approx(t_cross, abs=1e-6) and log[0][2] >= log[0][1]
    t, x = result.trace("TK-1.x")
    assert x[-1] == pytest.approx(0.5, abs=1e-9)
    assert result.t_end == 20.0
    assert result.kpis["state_events"] == 1 and result.kpis["discrete_changes"] == 1
    assert np.all(np.diff(t) >= 0)


class Lag(ContinuousUnit):
    """The contract's example: a first-order lag integrated exactly, as an FMU unit would be stepped."""

    signals = (Signal("u", "in", unit="K", default=0.0), Signal("y", "out", unit="K"))

    def __init__(self, tag, tau):
        super().__init__(tag)
        self.tau, self.y = tau, 0.0

    def start(self, t0):
        self.time = t0
        self.write("y", self.y, t0)

    def advance(self, t_end):
        u = self.read("u")
        for t in [*self.twin.sample_times(self.time, t_end), t_end]:
            self.y = u + (self.y - u) * math.exp(-(t - self.time) / self.tau)
            self.time = t
            self.write("y", self.y, t)
        return t_end


def test_a_unit_of_the_contract_runs_next_to_the_flowsheet():
    tw = Twin(sample_interval=1.0)
    tw.add(tank(), Lag("TIC-1", tau=5.0))

    def step(tw):
        yield tw.env.timeout(3.0)
        tw.set("TIC-1.u", 10.0)

    tw.env.process(step(tw))
    result = tw.run(until=30.0)
    t, y = result.trace("TIC-1.y")
    expected = np.where(t < 3, 0.0, 10 * (1 - np.exp(-(t - 3) / 5.0)))
    np.testing.assert_allclose(y, expected, atol=1e-12)
    # both units wrote on the same grid, so the table has no gaps
    table = result.table()
    assert not np.isnan(table["TIC-1.y"]).any() and not np.isnan(table["TK-1.x"]).any()


def test_bad_input_is_explained():
    with pytest.raises(ValueError, match="sample_interval must be a positive number"):
        Twin(sample_interval=0)
    tw = Twin()
    with pytest.raises(TypeError, match="takes units or process models, not str"):
        tw.add("R-101")
    tw.add(tank())

    def waits(tw):
        yield tw.event("TK-1.lwo")

    tw.env.process(waits(tw))
    with pytest.raises(KeyError, match="no state event 'TK-1.lwo'; did you mean TK-1.low"):
        tw.run(until=1.0)
    tw2 = Twin()
    tw2.add(tank("A-1"))
    with pytest.raises(FlowsheetError, match=r"A-1 has no outlet 'out'; its outlets are \[\]"):
        tw2.connect("A-1.out", "A-2.in")
    with pytest.raises(FlowsheetError, match="no model with the tag 'A-2'; did you mean A-1"):
        tw2.connect("A-2.out", "A-1.in")


def test_run_continues_and_result_plots(tmp_path):
    tw = Twin(sample_interval=1.0)
    tw.add(tank())
    tw.run(until=5.0)
    result = tw.run(until=10.0)
    t, x = result.trace("TK-1.x")
    assert t[-1] == 10.0 and x[-1] == pytest.approx(math.exp(-1.0), rel=1e-9)
    fig = result.plot("TK-1.*")
    fig.savefig(tmp_path / "tank.png")
    assert (tmp_path / "tank.png").stat().st_size > 1000
    with pytest.raises(ValueError, match="lies before the current time"):
        tw.run(until=5.0)


@settings(max_examples=20, deadline=None)
@given(st.lists(st.tuples(st.floats(0.01, 5.0), st.floats(0.0, 0.5)), min_size=1, max_size=8),
       st.sampled_from([0.3, 1.0, 2.5]))
def test_discrete_changes_restart_cleanly(changes, dt):
    """Random DES writes of the decay rate: x(t) = exp(-sum k_i dt_i) at every sample (piecewise exponential)."""
    tw = Twin(sample_interval=dt)
    tw.add(tank(k=0.1, level=-1.0))  # the guard never fires

    def schedule(tw):
        for wait, k in changes:
            yield tw.env.timeout(wait)
            tw.set("TK-1.k", k)

    tw.env.process(schedule(tw))
    until = sum(w for w, _ in changes) + 3.0
    result = tw.run(until=until)
    t, x = result.trace("TK-1.x")
    switch = np.cumsum([w for w, _ in changes])
    rates = [0.1] + [k for _, k in changes]

    def exact(s):
        edges = np.concatenate([[0.0], switch[switch < s], [s]])
        ks = rates[: len(edges) - 1]
        return math.exp(-sum(k * (b - a) for k, a, b in zip(ks, edges[:-1], edges[1:], strict=True)))

    np.testing.assert_allclose(x, [exact(s) for s in t], rtol=1e-8, atol=1e-10)


def test_the_clock_reads_until_after_a_run():
    tw = Twin(sample_interval=1.0)
    tw.add(tank())
    tw.run(until=12.5)
    assert tw.now == 12.5  # as SimPy's env.run(until=...) leaves it, even with no event at 12.5
    tw.set("TK-1.k", 0.0)  # so a write after the run is stamped with the time the run reached
    assert tw.tags["TK-1.k"].timestamp == 12.5
