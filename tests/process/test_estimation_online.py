"""The Estimator on the Twin's clock and TagBus: the same numbers as the filter driven by hand with the same samples.

The plant is a CSTR whose UA differs from the model's; a sensor process writes a noisy temperature tag at irregular
times (as a bridge writing live samples would), with dropouts (NaN) and BAD-quality samples, and an operator moves
the coolant between samples. The reference drives an identical filter by hand through the same samples.
"""
import math

import numpy as np
import pytest

from twin import Twin
from twin.process import Flowsheet
from twin.process.estimation import EstimationError, Estimator, ExtendedKalmanFilter, MovingHorizonEstimator
from twin.process.units import CSTR
from twin.tags import Quality, UnknownTagError


def make_filter():
    return ExtendedKalmanFilter(Flowsheet(CSTR("R-1")).build(), measurements={"R-1.T": 0.3},
                                parameters={"R-1.UA": 200.0}, std0={"R-1.T": 1.0, "R-1.cA": 20.0},
                                process_noise={"R-1.T": 0.01})


def plant_with_sensor(seed=4):
    rng = np.random.default_rng(seed)
    tw = Twin(sample_interval=5.0)
    tw.add(CSTR("R-1", UA=1000.0, T0=340.0))
    tw.tags.define("R-1.TT-01", unit="K", description="temperature sensor")
    samples, moves = [], []

    def sensor(tw):
        while True:
            yield tw.env.timeout(float(rng.uniform(3.0, 17.0)))
            value = tw.tags.read("R-1.T") + 0.3 * rng.standard_normal()
            quality = Quality.BAD if rng.random() < 0.1 else Quality.GOOD
            if rng.random() < 0.1:
                value = math.nan
            tw.tags.write("R-1.TT-01", value, t=tw.now, quality=quality)
            samples.append((tw.now, value, quality))

    def operator(tw):
        for T_c in (295.0, 305.0, 298.0):
            yield tw.env.timeout(float(rng.uniform(500, 900)))
            tw.set("R-1.T_c", T_c)
            moves.append((tw.now, T_c))

    tw.env.process(sensor(tw))
    tw.env.process(operator(tw))
    return tw, samples, moves


def test_the_estimator_on_the_bus_is_the_filter_fed_by_hand():
    tw, samples, moves = plant_with_sensor()
    est = Estimator(make_filter(), period=60.0, tags={"R-1.T": "R-1.TT-01"}, inputs=["R-1.T_c"])
    tw.add(est)
    tw.run(until=2400)

    ref = make_filter()
    turns = [(t, 2, None, None) for t in np.arange(0.0, 2401.0, 60.0)]  # it predicts to each turn's time
    events = sorted([(t, 0, v, q) for t, v, q in samples] + [(t, 1, u, None) for t, u in moves] + turns)
    for t, kind, value, quality in events:
        if kind == 0 and not (quality == Quality.GOOD and math.isfinite(value)):
            continue  # a dropout is skipped, not even predicted to
        ref.predict(t)
        if kind == 0:
            ref.update({"R-1.T": value})
        elif kind == 1:
            ref.predict(t, {"R-1.T_c": value})
    assert est.filter.updates == ref.updates == sum(q == Quality.GOOD and math.isfinite(v) for _, v, q in samples)
    np.testing.assert_allclose(est.filter.s, ref.s, rtol=1e-10)
    np.testing.assert_allclose(est.filter.covariance, ref.covariance, rtol=1e-8, atol=1e-12)
    assert tw.tags.read("R-1.UA.est") == ref.mean("R-1.UA") and tw.tags.read("R-1.UA.std") == ref.std("R-1.UA")
    times, values, _ = tw.tags.history("R-1.UA.est")
    np.testing.assert_array_equal(times, np.arange(0.0, 2401.0, 60.0))  # one estimate per turn, at its time
    assert abs(values[-1] - 1000.0) < 3 * tw.tags.read("R-1.UA.std")
    assert tw.tags.read("EST.updates") == ref.updates and tw.tags.read("EST.late") == 0


def test_a_bus_without_a_plant_follows_samples_written_from_outside():
    """No process model on this twin: the measured tag is written as a bridge would write live samples."""
    truth = Flowsheet(CSTR("R-1", UA=1000.0)).build()
    from twin.process import Simulator

    plant = Simulator(truth)
    tw = Twin(sample_interval=10.0)
    tw.tags.define("R-1.T", unit="K")
    tw.tags.define("R-1.T_c", unit="K", initial=290.0)
    tw.add(Estimator(make_filter(), period=30.0, inputs=["R-1.T_c"], publish=["R-1.UA", "R-1.conversion"]))

    def bridge(tw):
        plant.p[truth.p_names.index("R-1.T_c")] = 290.0
        while True:
            yield tw.env.timeout(10.0)
            plant.advance(tw.now)
            tw.tags.write("R-1.T", float(plant.x[1]), t=tw.now)

    tw.env.process(bridge(tw))
    tw.run(until=1800)
    assert abs(tw.tags.read("R-1.UA.est") - 1000.0) < 3 * tw.tags.read("R-1.UA.std") < 50
    conversion = 1 - plant.x[0] / 1000.0
    assert abs(tw.tags.read("R-1.conversion.est") - conversion) < 3 * tw.tags.read("R-1.conversion.std") + 1e-6


@pytest.mark.slow
def test_the_moving_horizon_estimator_runs_on_the_bus_too():
    """The same Estimator drives an MHE (RK4 steps, UA bounded): it ends where the EKF beside it ends, near the
    plant's UA."""
    tw, _, _ = plant_with_sensor()
    mhe = MovingHorizonEstimator(Flowsheet(CSTR("R-1")).build(), measurements={"R-1.T": 0.3},
                                 parameters={"R-1.UA": 200.0}, std0={"R-1.T": 1.0, "R-1.cA": 20.0},
                                 process_noise={"R-1.T": 0.01}, horizon=6, bounds={"R-1.UA": (300.0, 3000.0)},
                                 max_step=2.0)
    tw.add(Estimator(mhe, period=60.0, tags={"R-1.T": "R-1.TT-01"}, inputs=["R-1.T_c"], publish=["R-1.UA"]))
    tw.run(until=2400)
    assert mhe.status == "Solve_Succeeded" and mhe.updates > 100
    est, sd = tw.tags.read("R-1.UA.est"), tw.tags.read("R-1.UA.std")
    assert abs(est - mhe.ekf.mean("R-1.UA")) < sd and abs(est - 1000.0) < 3 * sd


def test_bad_tags_are_named():
    with pytest.raises(EstimationError, match="'R-1.T' is not a declared measurement|'R-1.TT' is not"):
        Estimator(make_filter(), period=10.0, tags={"R-1.TT": "R-1.TT-01"})
    with pytest.raises(EstimationError, match="inputs: 'R-1.UA' is not an input of the model"):
        Estimator(make_filter(), period=10.0, inputs=["R-1.UA"])
    with pytest.raises(EstimationError, match="publish: 'R-1.TT' is not .*did you mean R-1.T"):
        Estimator(make_filter(), period=10.0, publish=["R-1.TT"])
    with pytest.raises(EstimationError, match="period must be a positive"):
        Estimator(make_filter(), period=0)
    tw = Twin()
    tw.add(CSTR("R-1"))
    tw.add(Estimator(make_filter(), period=10.0, tags={"R-1.T": "R-1.TT-01"}))
    with pytest.raises(UnknownTagError, match="unknown tag 'R-1.TT-01'"):
        tw.run(until=10)
