"""Moisture storage (scenarios.energy.moisture): each step against the analytical first-order response of the
rooms' humidity, a step crossing from a dry coil to a condensing one against solve_ivp, and the whole model on
weather whose humidity swings: the energy balance still closes with the latent heat the rooms' air stores."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import solve_ivp

from scenarios import scenario
from scenarios.energy import model, moisture, weather
from tests.scenarios.test_energy_model import ENERGY_IN, ENERGY_OUT
from tests.scenarios.test_energy_shadow import EXAMPLE

R, DT = 1 / 900.0, 300.0      # m / M: 4 air changes an hour of a room whose vapour capacity is its air's


def test_a_dry_coil_lets_the_rooms_follow_the_outdoor_air_at_the_outside_air_fraction_rate():
    """w_out above w0, the coil too cold to matter (w_c above all): dw/dt = r f (w_out - w), by hand."""
    end, mean, supply = moisture.respond(0.008, np.full(6, 0.012), np.full(6, 0.02), 0.3, np.full(6, R), DT)
    t = DT * np.arange(1, 7)
    assert end == pytest.approx(0.012 + (0.008 - 0.012) * np.exp(-R * 0.3 * t), rel=1e-12)
    k = R * 0.3                                  # the mean over each step: the integral of the exponential / dt
    begin = np.concatenate([[0.008], end[:-1]])
    assert mean == pytest.approx(0.012 + (begin - 0.012) * (1 - np.exp(-k * DT)) / (k * DT), rel=1e-12)
    assert supply == pytest.approx(0.3 * 0.012 + 0.7 * mean, rel=1e-12)   # the supply is the mix


def test_a_condensing_coil_dries_the_rooms_at_the_full_supply_rate():
    """w_out and w0 above w_c: the supply leaves the coil saturated, dw/dt = r (w_c - w)."""
    end, mean, supply = moisture.respond(0.011, np.full(4, 0.014), np.full(4, 0.0087), 0.2, np.full(4, R), DT)
    assert end == pytest.approx(0.0087 + (0.011 - 0.0087) * np.exp(-R * DT * np.arange(1, 5)), rel=1e-12)
    assert supply == pytest.approx(0.0087)


def by_solve_ivp(w0, w_out, w_c, f, r, dt):
    """The ODE with its min() as written, integrated by an adaptive Runge-Kutta with tight tolerances; states w and
    the integrals of w and of the supply."""
    def rhs(_t, y):
        supply = min(f * w_out + (1 - f) * y[0], w_c)
        return [r * (supply - y[0]), y[0], supply]

    out = solve_ivp(rhs, (0, dt), [w0, 0.0, 0.0], method="DOP853", rtol=1e-12, atol=1e-15, max_step=dt / 200)
    return out.y[0, -1], out.y[1, -1] / dt, out.y[2, -1] / dt


@given(w0=st.floats(0.004, 0.016), w_out=st.floats(0.004, 0.02), w_c=st.floats(0.005, 0.014),
       f=st.floats(0.05, 1.0), rate=st.floats(1e-4, 1e-2))
@settings(max_examples=40, deadline=None)
def test_any_step_equals_the_integrated_ode_also_across_the_coil_starting_or_stopping_to_condense(w0, w_out, w_c,
                                                                                                   f, rate):
    end, mean, supply = moisture.respond(w0, np.array([w_out]), np.array([w_c]), f, np.array([rate]), DT)
    reference = by_solve_ivp(w0, w_out, w_c, f, rate, DT)
    assert (end[0], mean[0], supply[0]) == pytest.approx(reference, rel=1e-7, abs=1e-11)


def test_the_model_with_moisture_storage_balances_and_lags_behind_the_steady_state():
    """osd_cm_line's week on weather whose dew point swings by 8 K a day: with the rooms' vapour stored (a moisture
    mass of 5) the most humid room lags behind the steady state, and energy in = energy out + stored to 1e-9."""
    params = scenario.load(EXAMPLE).variants["base"]
    hours = int(params["horizon"] // 3600)
    grid = 3600.0 * np.arange(hours + 1)
    dry = weather.design_day(params["weather"]["max"], params["weather"]["range"], hours)
    dew = np.minimum(286.15 + 4 * np.sin(2 * np.pi * grid / 86400), dry)
    steady = model.balance(params, measured=(grid, dry, dew))
    stored = model.balance({**params, "room": {**params["room"], "moisture_mass": 5.0}}, measured=(grid, dry, dew))
    rh, rh_steady = stored.traces["RH_room_max"], steady.traces["RH_room_max"]
    assert np.abs(rh - rh_steady).max() > 1.0                      # percent points: the storage shows
    assert rh.max() <= rh_steady.max() + 1e-9 and rh.min() > rh_steady.min() + 0.2   # ... it damps the swing
    # (the humid side is capped either way: the coil condenses down to its saturation)
    p = stored.power
    energy_in, energy_out = sum(getattr(p, k).sum() for k in ENERGY_IN), sum(getattr(p, k).sum() for k in ENERGY_OUT)
    assert abs(energy_in - energy_out) / energy_in < 1e-9
