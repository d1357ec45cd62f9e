"""The master's own duties: algebraic loops, step retry after a discard, an FMU failing mid-run."""
import numpy as np
import pytest

from twin.fmu.describe import FMUError
from twin.fmu.master import AlgebraicLoopError, CoSimulation
from twin.fmu.unit import FMUStepError, FMUUnit
from twin.tags import Quality
from twin.twin import Twin


def gains(fmu, k1, b1, k2, b2, closed=True):
    """Two static gains y = k u + b; closed: each one's output is the other's input (an algebraic loop)."""
    g1 = FMUUnit("G-1", fmu("gain"), interface="CoSimulation", parameters={"k": k1, "b": b1},
                 inputs={"u": "X.y2" if closed else "X.w"}, outputs={"y": "X.y1"})
    g2 = FMUUnit("G-2", fmu("gain"), interface="CoSimulation", parameters={"k": k2, "b": b2},
                 inputs={"u": "X.y1"}, outputs={"y": "X.y2"})
    return g1, g2


def test_algebraic_loop_is_detected_and_named(fmu):
    with pytest.raises(AlgebraicLoopError) as err:
        CoSimulation(list(gains(fmu, 0.5, 1.0, -0.4, 2.0)), step=0.1)
    message = str(err.value)
    assert all(name in message for name in ("G-1.u", "G-1.y", "G-2.u", "G-2.y", "[X.y1]", "loop_tolerance"))


def test_open_chain_is_no_loop(fmu):
    assert CoSimulation(list(gains(fmu, 0.5, 1.0, -0.4, 2.0, closed=False)), step=0.1).loops == []


def test_algebraic_loop_solved_by_fixed_point_iteration(fmu):
    """Reference: y1 = k1 y2 + b1, y2 = k2 y1 + b2 solved by hand: y1 = (b1 + k1 b2) / (1 - k1 k2)."""
    k1, b1, k2, b2 = 0.5, 1.0, -0.4, 2.0
    tw = Twin(sample_interval=0.1)
    master = CoSimulation(list(gains(fmu, k1, b1, k2, b2)), step=0.1, loop_tolerance=1e-13)
    tw.add(master)
    tw.run(until=1.0)
    y1 = (b1 + k1 * b2) / (1 - k1 * k2)
    assert tw.tags.read("X.y1") == pytest.approx(y1, abs=1e-11)
    assert tw.tags.read("X.y2") == pytest.approx(k2 * y1 + b2, abs=1e-11)
    assert master.iterations > 0


def test_diverging_loop_is_reported(fmu):
    tw = Twin(sample_interval=0.1)
    tw.add(CoSimulation(list(gains(fmu, 2.0, 1.0, 1.0, 0.0)), step=0.1, loop_tolerance=1e-10, max_iterations=30))
    with pytest.raises(AlgebraicLoopError, match="did not converge in 30"):
        tw.run(until=1.0)


def reactor_with_tcu(fmu, step=40.0, rollback=True, **reactor_parameters):
    tw = Twin(sample_interval=step)
    reactor = FMUUnit("R-101", fmu("reactor", 2, rollback=rollback), interface="CoSimulation",
                      parameters=reactor_parameters, inputs={"T_jacket": "R-101.TT-02"}, outputs={"T": "R-101.TT-01"})
    tcu = FMUUnit("TCU-101", fmu("tcu", 2, rollback=rollback), interface="CoSimulation",
                  inputs={"T": "R-101.TT-01"}, outputs={"Tj": "R-101.TT-02"})
    master = CoSimulation([reactor, tcu], step=step)
    tw.add(master)
    return tw, master


def test_discarded_steps_are_retried_with_half_the_step(fmu):
    """The reactor FMU refuses any step in which T moves more than dT_max = 0.5 K (status discard)."""
    tw, master = reactor_with_tcu(fmu, dT_max=0.5)
    tw.run(until=1200.0)
    times, temperature, _ = tw.tags.history("R-101.TT-01")
    assert master.retries > 0
    assert np.abs(np.diff(temperature)).max() <= 0.5, "every accepted step kept within dT_max"
    assert temperature[-1] > 320.0, "and the run went on to heat the reactor"
    assert np.min(np.diff(times)) < 40.0 / 4, "with steps of a quarter of the grid or less at the start"


def test_discard_without_rollback_is_a_clear_error(fmu):
    tw, _ = reactor_with_tcu(fmu, rollback=False, dT_max=0.5)
    with pytest.raises(FMUStepError, match="cannot be retried") as err:
        tw.run(until=1200.0)
    assert "T changed by" in str(err.value), "the FMU's own log is in the message"


def test_error_status_mid_run_reports_time_inputs_and_log_and_keeps_results(fmu):
    tw, _ = reactor_with_tcu(fmu, step=10.0, T_max=320.0)
    with pytest.raises(FMUStepError) as err:
        tw.run(until=3600.0)
    e = err.value
    message = str(e)
    assert "R-101 (reactor_fmi2_co_mo.fmu): doStep" in message and "returned error" in message
    assert f"at t = {e.t:g} s" in message and "inputs: T_jacket = " in message
    assert "exceeds T_max = 320.00 K" in message and e.log, "the FMU's log"
    times, temperature, quality = tw.tags.history("R-101.TT-01")
    assert 0 < e.t_good < 3600.0 and times[-1] == e.t_good, "results up to the last good point are kept"
    assert np.all(temperature <= 320.0) and temperature[-2] > 310.0
    assert quality[-1] == Quality.BAD and np.all(quality[:-1] == Quality.GOOD)


def test_step_must_be_positive(fmu):
    with pytest.raises(ValueError, match="positive"):
        CoSimulation([FMUUnit("G-1", fmu("gain"))], step=0)
    with pytest.raises(ValueError, match="ordering"):
        CoSimulation([FMUUnit("G-1", fmu("gain"))], step=1, ordering="random")
    with pytest.raises(FMUError, match="positive"):
        FMUUnit("G-1", fmu("gain"), step=-1)


@pytest.mark.parametrize("version", [2, 3])
def test_model_exchange_error_inside_the_solver_is_reported(fmu, version):
    """The reactor refuses T > T_max while CVODE asks it for derivatives: the error still reaches the user."""
    tw = Twin(sample_interval=10.0)
    tw.tags.define("R-101.TT-02", unit="K", initial=400.0)
    tw.add(FMUUnit("R-101", fmu("reactor", version), interface="ModelExchange", parameters={"T_max": 320.0},
                   inputs={"T_jacket": "R-101.TT-02"}, outputs={"T": "R-101.TT-01"}, step=10.0))
    with pytest.raises(FMUStepError, match="(?s)integration: .*Derivatives returned error.*exceeds T_max") as err:
        tw.run(until=3600.0)
    times, temperature, _ = tw.tags.history("R-101.TT-01")
    assert times[-1] == err.value.t_good and temperature.max() <= 320.0
