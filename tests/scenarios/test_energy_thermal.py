"""Room thermal mass: one zone's step response against the analytical first-order solution, scipy's solve_ivp and the
twin's CasADi cleanroom zone; a night setback's recovery simulated in the energy model against the same solution."""
import textwrap
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import solve_ivp

from scenarios import scenario
from scenarios.energy import model, thermal
from tests.scenarios.test_energy_model import ENERGY_IN, ENERGY_OUT, ONE_ROOM
from twin.config import ConfigError
from twin.process import simulate
from twin.process.units import CleanroomZone

CP, R = 1006.0, 287.05
RHO = 101325.0 / (R * 294.15)                # air at 21 degC, 1 atm
T_SET = 294.15
MULTIPURPOSE = Path(__file__).resolve().parents[2] / "scenarios" / "energy" / "multipurpose_osd.yaml"
# G10: 168 m3, 56 m2, 25 air changes; UA = 2 W/(m2 K) x 56 m2
M_CP, UA = RHO * 25 * 168 / 3600 * CP, 2 * 56.0
C5 = 5 * RHO * 168 * CP                      # five times the room air's heat capacity


@pytest.mark.parametrize("held_share", [None, 0.0, 0.02, 0.5, 1.0])
def test_track_is_the_max_affine_recurrence_step_by_step(held_share):
    rng = np.random.default_rng(3)
    a, b, floor = rng.uniform(0, 1, (1000, 3)), rng.normal(0, 5, (1000, 3)), rng.normal(0, 3, 3)
    held = None if held_share is None else rng.random((1000, 3)) < held_share
    x, expected = np.full(3, 2.0), []
    for k in range(1000):                    # the loop the scan replaces; held rows give the floor
        x = np.maximum(floor, a[k] * x + b[k])
        x = x if held is None else np.where(held[k], floor, x)
        expected.append(x)
    assert thermal.track(a, b, floor, 2.0, held) == pytest.approx(np.array(expected), rel=1e-12, abs=1e-12)


def zone_under_a_gains_step(dt=60.0, steps=240, capacity=C5):
    """G10 on a 14 degC duct, gains 2 kW, 20 kW from the 30th step to the 120th (the duct cannot hold 21 degC:
    the room floats up), then 2 kW again (it cools back on duct air, then the reheat holds it)."""
    gains = np.where((np.arange(steps) >= 30) & (np.arange(steps) < 120), 20e3, 2e3)[:, None]
    t_out = np.full((steps, 1), 303.15)
    duct = np.full(steps, 287.15)
    rooms = thermal.respond(np.array([capacity]), np.full((steps, 1), M_CP), np.array([[UA]]), gains, t_out, duct,
                            T_SET, dt)
    return rooms, gains[:, 0], dt


def test_a_zone_follows_the_first_order_solution_and_solve_ivp():
    rooms, gains, dt = zone_under_a_gains_step()
    tau = C5 / (M_CP + UA)                               # the analytical time constant, 667 s
    t = dt * np.arange(1, 241)                           # the end of each step
    hot = (M_CP * 287.15 + 20e3 + UA * 303.15) / (M_CP + UA)       # where 20 kW takes the room on duct air
    cool = (M_CP * 287.15 + 2e3 + UA * 303.15) / (M_CP + UA)       # below the set-point: the reheat takes over
    assert hot - 273.15 == pytest.approx(28.33, abs=0.01) and cool < T_SET
    analytic = np.full(240, T_SET)
    rise = (t > 30 * dt) & (t <= 120 * dt)
    analytic[rise] = hot + (T_SET - hot) * np.exp(-(t[rise] - 30 * dt) / tau)
    top = hot + (T_SET - hot) * np.exp(-90 * dt / tau)
    fall = t > 120 * dt
    analytic[fall] = np.maximum(T_SET, cool + (top - cool) * np.exp(-(t[fall] - 120 * dt) / tau))
    assert rooms.end[:, 0] == pytest.approx(analytic, abs=1e-9)
    assert rooms.end[:, 0].max() - 273.15 > 28                 # it does leave the 24 degC limit
    # solve_ivp (Radau, tight tolerances) on the room balance with the supply the reheat chose at each step
    for k in range(240):
        def balance(_, x, supply=rooms.supply[k, 0], heat=gains[k]):
            temp, _energy = x
            return [(M_CP * (supply - temp) + heat + UA * (303.15 - temp)) / C5, temp]
        sol = solve_ivp(balance, (0, dt), [rooms.begin[k, 0], 0.0], method="Radau", rtol=1e-11, atol=1e-9)
        assert sol.y[0, -1] == pytest.approx(rooms.end[k, 0], abs=1e-7)
        assert sol.y[1, -1] / dt == pytest.approx(rooms.mean[k, 0], abs=1e-7)      # the step's mean temperature
    # each step's energy balance is exact: what the air and envelope bring is stored, C dT
    brought = M_CP * (rooms.supply[:, 0] - rooms.mean[:, 0]) + gains + UA * (303.15 - rooms.mean[:, 0])
    assert brought == pytest.approx(rooms.stored[:, 0], abs=1e-6 * M_CP)
    assert rooms.stored.sum() * dt == pytest.approx(C5 * (rooms.end[-1, 0] - T_SET), abs=1e-3)


def test_with_the_air_alone_the_zone_matches_the_twins_cleanroom_zone():
    # twin.process's CleanroomZone holds the air's heat only (thermal mass 1); fed the duct air and 5 kW it floats
    # 0.4 K above 21 degC, where the air's density barely differs from the set-point's (0.14%)
    capacity, dt = RHO * 168 * CP, 10.0
    duct = ((T_SET + 0.4) * (M_CP + UA) - 5e3 - UA * 303.15) / M_CP
    rooms = thermal.respond(np.array([capacity]), np.full((60, 1), M_CP), np.array([[UA]]), np.full((60, 1), 5e3),
                            np.full((60, 1), 303.15), np.full(60, duct), T_SET, dt)
    q = M_CP / (RHO * CP)
    zone = CleanroomZone("G10", volume=168.0, UA=UA, C_leak=0.0, T0=T_SET)
    out = simulate(zone, until=600.0, dt=dt, inputs={"G10.Q_supply": q, "G10.Q_return": q, "G10.T_supply": duct,
                                                     "G10.Q_internal": 5e3, "G10.T_amb": 303.15})
    rise = rooms.end[:, 0] - T_SET
    assert rise[-1] > 0.3
    # its air's density follows the room (0.14% lighter at +0.4 K), so its supply carries 0.14% less mass: 0.14% of
    # the 7 K between supply and room, 0.01 K; a thermal mass of 2 would be 0.1 K away at one time constant
    assert np.interp(dt * np.arange(1, 61), out["t"], out["G10.T"]) - T_SET == pytest.approx(rise, abs=0.01)


def one_room(tmp_path, recovery: str, mass: float | None = None, room_mass: float | None = None):
    text = textwrap.dedent(ONE_ROOM).replace("horizon: 1 d", "horizon: 2 d").replace("step: 1 h", "step: 1 min")
    text = text.replace("production: {start: 0 h, end: 24 h, days_per_week: 7}",
                        "production: {start: 6 h, end: 22 h, days_per_week: 7}")
    text = text.replace("gains: {production: 50 W/m2, idle: 50 W/m2}", "gains: {production: 200 W/m2, idle: 200 W/m2}")
    text += f"control: {{setback: {{enabled: true, fraction: 0.5, recovery: {recovery}}}}}\n"
    if mass is not None:
        text += f"room: {{thermal_mass: {mass}}}\n"
    if room_mass is not None:
        text += f"rooms: {{G10: {{thermal_mass: {room_mass}}}}}\n"
    path = tmp_path / "energy.yaml"
    path.write_text(text)
    return scenario.load(path).variants["base"]


def night_and_day():
    """G10 at 200 W/m2 (11.2 kW): where it settles on half air (night) and on full air (day), by hand."""
    gains, fan = 200 * 56, 25 * 168 / 3600 * 1200 / 0.65             # fan at design flow, 2153.8 W
    night_duct = 285.15 + fan / 8 / (M_CP / 2)                         # half the air: an eighth of the fan power
    day_duct = 285.15 + fan / M_CP
    night = (M_CP / 2 * night_duct + gains + UA * 303.15) / (M_CP / 2 + UA)
    day = (M_CP * day_duct + gains + UA * 303.15) / (M_CP + UA)
    return night, day


@pytest.mark.parametrize("recovery, late", [("5 min", True), ("1 h", False)])
def test_setback_recovery_is_simulated_and_a_short_lead_is_a_violation(tmp_path, recovery, late):
    params = one_room(tmp_path, recovery)
    flows = model.balance(params)
    night, day = night_and_day()
    assert night - 273.15 == pytest.approx(28.52, abs=0.01) and day - 273.15 == pytest.approx(22.11, abs=0.01)
    tau = C5 / (M_CP + UA)
    lead = 300.0 if late else 3600.0
    end = flows.t + 60.0                                     # the trace is the room at the end of each step
    of_day = np.mod(end, 86400.0)
    recovering = (of_day > 6 * 3600 - lead) & (of_day <= 22 * 3600)
    since = of_day - (6 * 3600 - lead)
    # where the night left the room: the first night warms it from 21 degC, the second from the day's temperature
    night_tau, back = C5 / (M_CP / 2 + UA), 6 * 3600 - lead
    start = np.where(flows.t < 86400, night + (T_SET - night) * np.exp(-back / night_tau),
                     night + (day - night) * np.exp(-(back + 2 * 3600) / night_tau))
    analytic = day + (start - day) * np.exp(-since / tau)
    hot = flows.traces["T_room_max"] + 273.15
    assert hot[recovering] == pytest.approx(analytic[recovering], abs=1e-8)
    # the limits hold from 6 h: 24 degC is crossed tau ln((night - day) / (24 degC - day)) after the full air
    crossing = 6 * 3600 - lead + tau * np.log((night - day) / (297.15 - day))
    minutes = sum(np.count_nonzero((end > d * 86400 + 6 * 3600) & (end <= d * 86400 + crossing)) for d in (0, 1))
    assert (minutes > 0) == late
    assert flows.kpis["violation_minutes"] == minutes
    assert flows.kpis["compliant"] == (not late)
    # the recovery: from where each night left the room to 24 degC on full air, tau ln((start - day) / (24 - day)),
    # to the end of the first 1-min step past it; the longer of the two nights (the first starts at 21 degC)
    starts = (night + (T_SET - night) * np.exp(-back / night_tau),
              night + (day - night) * np.exp(-(back + 2 * 3600) / night_tau))
    took = [np.ceil(tau * np.log((s - day) / (297.15 - day)) / 60.0) * 60.0 for s in starts]
    assert flows.kpis["setback_recovery"] == max(took) and (max(took) > lead) == late
    p = flows.power
    energy_in, energy_out = sum(getattr(p, k).sum() for k in ENERGY_IN), sum(getattr(p, k).sum() for k in ENERGY_OUT)
    assert abs(energy_in - energy_out) / energy_in < 1e-9
    assert p.stored.sum() * 60 == pytest.approx(C5 * (hot[-1] - 294.15), rel=1e-6)


@pytest.mark.parametrize("override", [{"mass": 0}, {"mass": 5, "room_mass": 0}])
def test_without_thermal_mass_the_room_is_the_steady_state(tmp_path, override):
    flows = model.balance(one_room(tmp_path, "5 min", **override))     # the scenario's or the room's own
    night, day = night_and_day()
    of_day = np.mod(flows.t, 86400.0)
    hot = flows.traces["T_room_max"] + 273.15
    assert hot[(of_day >= 22 * 3600) | (of_day < 6 * 3600 - 300)] == pytest.approx(night, abs=1e-9)
    assert hot[(of_day >= 6 * 3600 - 300) & (of_day < 22 * 3600)] == pytest.approx(day, abs=1e-9)
    assert flows.kpis["compliant"] == 1 and not flows.power.stored.any()


@pytest.mark.parametrize("override", [{"mass": -1}, {"room_mass": -2}])
def test_a_negative_thermal_mass_is_refused(tmp_path, override):
    with pytest.raises(ConfigError, match="thermal_mass"):
        one_room(tmp_path, "1 h", **override)


def test_a_deep_setback_of_the_sample_plant_lets_the_rooms_warm_and_reports_their_recovery():
    """multipurpose_osd's deep_setback (5% of the air outside production): the rooms float far above their 24 degC
    limit while set back and need minutes to come back once the full air returns, within the 1 h lead."""
    params = scenario.load(MULTIPURPOSE).variants["deep_setback"]
    flows = model.balance(params)
    assert flows.traces["T_room_max"].max() > 28.0
    kpi = flows.kpis["setback_recovery"]
    assert 0 < kpi < params["control"]["setback"]["recovery"] and kpi % params["step"] == 0
    assert flows.kpis["compliant"] == 1.0
    assert model.balance(scenario.load(MULTIPURPOSE).variants["night_setback"]).kpis["setback_recovery"] == 0.0


def recovery_by_loop(full, t_room, high, dt):
    """The recovery KPI the long way: every room, every step where its air comes back while it is too warm, walked
    forward until it is back."""
    longest = 0
    for room in range(full.shape[1]):
        for r in range(1, len(full)):
            if full[r, room] and not full[r - 1, room] and t_room[r - 1, room] > high:
                k = r
                while k < len(full) and t_room[k, room] > high:
                    k += 1
                longest = max(longest, k + 1 - r if k < len(full) else len(full) - r)
    return longest * dt


@given(st.integers(0, 2**32 - 1))
@settings(max_examples=60, deadline=None)
def test_the_recovery_kpi_equals_the_loop_over_every_room_and_return_of_the_air(seed):
    rng = np.random.default_rng(seed)
    full = rng.random((40, 3)) < 0.6
    t_room = 24.0 + rng.normal(0.0, 1.0, (40, 3))
    assert thermal.recovery(full, t_room, 24.0, 60.0) == recovery_by_loop(full, t_room, 24.0, 60.0)
