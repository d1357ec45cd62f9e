"""The README's worked example: R-101 of the api_bay plant, the cooling failure and the interlock trip.

Reference: the same reactor equations written again in NumPy and integrated phase by phase with SciPy's
``solve_ivp`` (DOP853, rtol 1e-12), locating the set-point and trip crossings with SciPy's own event finder.
"""
import numpy as np
import pytest
from scipy.integrate import solve_ivp

from twin.examples.reactor_interlock import CELSIUS, CHEMISTRY, RECIPE, run

R = 8.314462618
C = CHEMISTRY | {"UA": 2.5e3, "rho": 1000.0, "cp": 3500.0, "m_jacket": 300.0, "cp_cool": 4180.0}


def rhs(t, y, F_dose, F_charge, F_cool, T_cin):
    V, nA, nB, nP, T, Tj = y
    r = C["k0"] * np.exp(-C["Ea"] / (R * T)) * nA * nB / V
    q_j = C["UA"] * (T - Tj)
    rc = C["rho"] * C["cp"]
    return [F_dose + F_charge, F_charge * C["c_charge"] - r, F_dose * C["c_dose"] - r, r,
            (-C["dH"] * r - q_j + rc * (F_dose * (293.15 - T) + F_charge * (293.15 - T))) / (rc * V),
            (q_j + F_cool * C["cp_cool"] * (T_cin - Tj)) / (C["m_jacket"] * C["cp_cool"])]


def phase(y, t0, t1, inputs, crossing=None):
    event = None
    if crossing is not None:
        def event(t, y, *args):
            return y[4] - crossing
        event.terminal, event.direction = True, 1
    sol = solve_ivp(rhs, (t0, t1), y, method="DOP853", rtol=1e-12, atol=1e-10, args=inputs, events=event)
    if crossing is not None:
        return sol.t_events[0][0], sol.y_events[0][0]
    return t1, sol.y[:, -1]


@pytest.fixture(scope="module")
def example():
    return run(t_fail=3600.0, rtol=1e-12, atol=1e-10)


def test_interlock_stops_dosing_at_the_exact_crossing_time(example):
    tw, result = example
    y0 = [C["V0"], 0.0, 0.0, 0.0, C["T0"], C["T0"]]
    t, y = phase(y0, 0, RECIPE["charge_time"], (0.0, RECIPE["charge_flow"], 2.0, 283.15))
    t_sp, y = phase(y, t, 1e5, (0.0, 0.0, 2.0, RECIPE["hot_water"]), crossing=RECIPE["heat_to"])
    t, y = phase(y, t_sp, 3600.0, (RECIPE["dose_flow"], 0.0, 2.0, RECIPE["cooling_water"]))
    t_trip, y_trip = phase(y, t, 1e5, (RECIPE["dose_flow"], 0.0, 0.0, RECIPE["cooling_water"]),
                           crossing=75 + CELSIUS)

    state = result.events("state")
    names = list(state["name"])
    assert state["t"][names.index("R-101.at_setpoint")] == pytest.approx(t_sp, abs=1e-6)
    assert state["t"][names.index("R-101.T_high")] == pytest.approx(t_trip, abs=1e-6)
    # the interlock wrote the dosing stop at the crossing itself, and the temperature there is the trip point
    t_dose, v_dose, _ = tw.tags.history("R-101.F_dose")
    assert v_dose[-1] == 0.0 and t_dose[-1] == state["t"][names.index("R-101.T_high")]
    t_T, T = result.trace("R-101.TT-01")
    assert T[np.searchsorted(t_T, t_dose[-1])] == pytest.approx(75 + CELSIUS, abs=1e-6)
    # dosed volume up to the trip: 0.1 L/s from the set point on
    t_V, V = result.trace("R-101.LT-01")
    assert V[np.searchsorted(t_V, t_dose[-1])] == pytest.approx(y_trip[0], rel=1e-9)


def test_without_the_failure_the_batch_never_trips():
    _, result = run(t_fail=None, until=4 * 3600)
    assert "R-101.T_high" not in list(result.events("state")["name"])
    assert result.trace("R-101.TT-01")[1].max() < 75 + CELSIUS
    assert result.tags["R-101.LT-01"].value == pytest.approx(0.05, abs=1e-9)  # drained to the heel


def test_plant_parameters_reach_the_model(example):
    tw, _ = example
    assert tw.tags["R-101.UA"].value == 2500.0  # jacket_ua: 2.5 kW/K in plant_models/api_bay/plant.yaml
    assert tw.tags["R-101.T_trip"].value == pytest.approx(348.15)  # TT-02 (SIS) trip: 75 degC
    assert "XV-101" in tw.static  # valves have no behaviour model yet
