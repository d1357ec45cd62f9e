"""Accident paths through the twin's reactor: each path against SciPy, the frequency against the static LOPA.

Reference: R-101's equations (:class:`twin.process.units.SemiBatchReactor`, the plant's UA 2.5 kW/K) written again
in NumPy and integrated with SciPy's ``solve_ivp`` (DOP853, rtol 1e-10), the MTT crossing located by SciPy's event
finder. The unprotected cooling loss runs away exactly when it happens before a time ``t*`` (the later the loss, the
less B remains to be dosed); bisection on SciPy's runs gives ``t*``. With barriers that always act in time, the
LOPA whose "dosing in progress" modifier is ``t* / batch`` is what the simulation confirms path by path, and the
Monte Carlo estimate must cover it.
"""
import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import solve_ivp

from scenarios.runs import execute, tasks
from scenarios.safety import lopa
from scenarios.safety.path import Barriers, Batch, Demand, PathSetup, simulate
from scenarios.safety.paths import AccidentPaths, Response
from scenarios.scenario import load
from twin.config import ConfigError

ROOT = Path(__file__).resolve().parents[2]
FOLDER = ROOT / "scenarios" / "safety"
C = 273.15
R = 8.314462618
CHEM = {"V0": 1.5, "cA0": 2000.0, "T0": 50 + C, "k0": 1.1e4, "Ea": 60e3, "dH": -2e5, "c_dose": 5000.0}
BATCH = Batch(ROOT / "plant_models" / "api_bay" / "plant.yaml", "R-101", CHEM, flow=1e-4, dose_time=4000.0,
              digest_time=4000.0, coolant=15 + C, alarm=65 + C, mtt=80 + C, td24=400.0)
HAZARDS = {h.name: h for h in lopa.load(FOLDER / "api_bay_lopa.yaml").hazards}
SETUP = PathSetup("cooling_loss", Barriers(alarm="TAH-101", trip="SIF-101"))


def rhs(t, y, F_dose, F_cool):
    """R-101 with the plant's UA (2500 W/K) and the model's jacket (300 kg of water at 2 kg/s, inlet 15 degC)."""
    V, nA, nB, nP, T, Tj = y
    r = CHEM["k0"] * np.exp(-CHEM["Ea"] / (R * T)) * nA * nB / V
    q_j = 2500.0 * (T - Tj)
    rc = 1000.0 * 3500.0
    return [F_dose, -r, F_dose * CHEM["c_dose"] - r, r,
            (-CHEM["dH"] * r - q_j + rc * F_dose * (CHEM["T0"] - T)) / (rc * V),
            (q_j + F_cool * 4180.0 * (BATCH.coolant - Tj)) / (300.0 * 4180.0)]


def unprotected_cooling_loss(t_fail: float) -> float | None:
    """SciPy: the cooling lost at ``t_fail``, the dosing running its course; the MTT crossing time (None: none)."""
    y = [CHEM["V0"], CHEM["cA0"] * CHEM["V0"], 0.0, 0.0, CHEM["T0"], CHEM["T0"]]
    cuts = sorted({0.0, t_fail, BATCH.dose_time, BATCH.duration})

    def mtt(t, y, *args):
        return y[4] - BATCH.mtt
    mtt.terminal, mtt.direction = True, 1
    for a, b in zip(cuts, cuts[1:]):
        inputs = (BATCH.flow if a < BATCH.dose_time else 0.0, 2.0 if a < t_fail else 0.0)
        sol = solve_ivp(rhs, (a, b), y, method="DOP853", rtol=1e-10, atol=1e-10, args=inputs, events=mtt)
        if sol.t_events[0].size:
            return float(sol.t_events[0][0])
        y = sol.y[:, -1]
    return None


@pytest.fixture(scope="module")
def t_star():
    """The latest cooling loss that still runs away unprotected, by bisection on SciPy's runs (to 0.01 s)."""
    lo, hi = 0.0, BATCH.dose_time
    assert unprotected_cooling_loss(lo) is not None and unprotected_cooling_loss(hi) is None
    while hi - lo > 0.01:
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if unprotected_cooling_loss(mid) is not None else (lo, mid)
    return lo


def test_one_unprotected_path_against_scipy():
    """No barrier: the twin crosses the MTT when SciPy does; the peak is the adiabatic end of the dosing."""
    path = simulate(BATCH, SETUP, Demand(1000.0, frozenset({"TAH-101", "SIF-101"}), 300.0))
    assert path.t_mtt == pytest.approx(unprotected_cooling_loss(1000.0), abs=1e-3)
    assert path.acted == {} and path.peak > BATCH.mtt


def test_the_sis_stops_the_dosing_at_the_exact_trip_crossing():
    """SIF-101 working: the dosing stops when TT-02 passes 75 degC (SciPy's crossing) and the MTT is never reached."""
    path = simulate(BATCH, SETUP, Demand(1000.0, frozenset({"TAH-101"}), 300.0))
    y = [CHEM["V0"], CHEM["cA0"] * CHEM["V0"], 0.0, 0.0, CHEM["T0"], CHEM["T0"]]
    y = solve_ivp(rhs, (0, 1000.0), y, method="DOP853", rtol=1e-10, atol=1e-10, args=(BATCH.flow, 2.0)).y[:, -1]

    def trip(t, y, *args):
        return y[4] - (75 + C)
    trip.terminal, trip.direction = True, 1
    sol = solve_ivp(rhs, (1000.0, 4000.0), y, method="DOP853", rtol=1e-10, atol=1e-10, args=(BATCH.flow, 0.0),
                    events=trip)
    assert path.acted["SIF-101"] == pytest.approx(sol.t_events[0][0], abs=1e-3)
    assert path.t_mtt is None and 75 + C < path.peak < BATCH.mtt


def test_paths_confirmed_one_by_one_agree_with_the_lopa(t_star):
    """A quick operator (median 1 min) and the SIS always act in time; the unprotected loss runs away exactly before
    t*: every path's outcome is SciPy's, and the estimate covers the LOPA with dosing_in_progress = t* / batch."""
    hazard = dataclasses.replace(HAZARDS["runaway_cooling_loss"],
                                 modifiers={"dosing_in_progress": t_star / BATCH.duration})
    sampler = AccidentPaths(BATCH, hazard, SETUP, simulated_modifiers=("dosing_in_progress",),
                            response=Response(60.0, 0.3))
    found = sampler.estimate(160, np.random.default_rng(12))
    unprotected = [p for p in found.paths if p.demand.failed == {"TAH-101", "SIF-101"}]
    assert len(unprotected) > 20
    for p in found.paths:
        runs_away = p.demand.failed == {"TAH-101", "SIF-101"} and p.demand.t_event < t_star
        assert p.top_event == runs_away, p.demand
    assert found.late == {"TAH-101": 0.0, "SIF-101": 0.0}
    # the LOPA value by hand: 0.1/yr x t*/8000 s x TAH 0.1 x SIF-101 (1oo2, 3.66e-4) x RD 0.01
    by_hand = 0.1 * t_star / 8000.0 * 0.1 * HAZARDS["runaway_cooling_loss"].pfds["SIF-101"] * 0.01
    assert found.lopa == pytest.approx(by_hand, rel=1e-12)
    assert found.agrees and found.estimate.hits >= 5
    assert found.reach == pytest.approx(np.mean([p.demand.t_event < t_star for p in unprotected]))


def test_a_slow_operator_comes_after_the_point_of_no_return():
    """Answering the 65 degC alarm in 30 min: the MTT is reached before the dosing stops on most alarmed paths,
    and the dynamic frequency lies above the static LOPA, which credits the alarm in full."""
    sampler = AccidentPaths(BATCH, HAZARDS["runaway_cooling_loss"], SETUP,
                            simulated_modifiers=("dosing_in_progress",), response=Response(1800.0, 0.2))
    found = sampler.estimate(120, np.random.default_rng(3))
    assert found.late["TAH-101"] > 0.5 and found.late["SIF-101"] == 0.0
    assert found.estimate.low > found.lopa and not found.agrees
    for p in found.paths:
        if "TAH-101" in p.acted and p.top_event:
            assert p.acted["TAH-101"] > p.t_mtt - p.demand.response  # the alarm came in time, the answer did not


@pytest.mark.slow
def test_importance_sampling_and_plain_sampling_agree(t_star):
    """Both estimators are unbiased: with the SIS credited at PFD 0.3 (so that plain sampling sees enough failures)
    their intervals overlap and both cover the value by hand."""
    hazard = dataclasses.replace(HAZARDS["runaway_cooling_loss"], pfds={"TAH-101": 0.2, "SIF-101": 0.3},
                                 modifiers={"dosing_in_progress": t_star / BATCH.duration})
    sampler = AccidentPaths(BATCH, hazard, SETUP, simulated_modifiers=("dosing_in_progress",),
                            response=Response(60.0, 0.3))
    plain = sampler.estimate(160, np.random.default_rng(5), bias=None).estimate
    biased = sampler.estimate(160, np.random.default_rng(6), bias=0.5).estimate
    exact = 0.1 * t_star / 8000.0 * 0.2 * 0.3
    assert plain.covers(exact) and biased.covers(exact)
    assert math.isclose(hazard.mitigated * lopa.YEAR, exact, rel_tol=1e-12)


@pytest.mark.parametrize(("section", "message"), [
    ("  scenarios: {runaway_cooling_los: {initiating_event: cooling_loss}}", "did you mean 'runaway_cooling_loss'?"),
    ("  scenarios: {runaway_cooling_loss: {initiating_event: coolant_loss}}", "cooling_loss, dosing_stuck_open"),
    ("  scenarios: {runaway_cooling_loss: {initiating_event: cooling_loss, simulates: [dosing_in_progres]}}",
     "did you mean 'dosing_in_progress'?"),
    ("  trip: SIF-11\n  scenarios: {dosing_overcharge: {initiating_event: dosing_stuck_open}}",
     "did you mean 'SIF-101'?"),
    ("  alarm: {ipl: TAH-101, at: 85 degC}\n  scenarios: {dosing_overcharge: {initiating_event: cooling_loss}}",
     "is not below the MTT"),
    ("  bias: 2\n  scenarios: {dosing_overcharge: {initiating_event: cooling_loss}}", "a probability in (0, 1)"),
])
def test_bad_accident_paths_sections(tmp_path, section, message):
    text = (FOLDER / "api_bay_paths.yaml").read_text().split("accident_paths:")[0]
    path = tmp_path / "paths.yaml"
    path.write_text(text.replace("../../", f"{ROOT}/").replace("api_bay_lopa.yaml", str(FOLDER / "api_bay_lopa.yaml"))
                    + "accident_paths:\n" + section + "\n")
    with pytest.raises(ConfigError) as info:
        load(path)
    assert message in str(info.value) and info.value.file is not None


def test_accident_paths_need_the_thermal_section(tmp_path):
    text = (FOLDER / "api_bay_paths.yaml").read_text()
    head, tail = text.split("thermal:")[0], "accident_paths:" + text.split("accident_paths:")[1].split("variants:")[0]
    path = tmp_path / "paths.yaml"
    path.write_text((head + tail).replace("../../", f"{ROOT}/").replace("api_bay_lopa.yaml",
                                                                        str(FOLDER / "api_bay_lopa.yaml")))
    with pytest.raises(ConfigError, match="add a thermal: section"):
        load(path)


@pytest.mark.slow
def test_the_example_scenario_runs_and_names_the_late_trip():
    """api_bay_paths.yaml: the cooling loss agrees with the LOPA; the wide-open dosing valve outruns the SIS trip."""
    outcome = execute(next(iter(tasks(load(FOLDER / "api_bay_paths.yaml"), ["base"]))))
    k = outcome.run.kpis
    assert k["dyn_agrees.runaway_cooling_loss"] == 1.0
    assert k["dyn_agrees.dosing_overcharge"] == 0.0 and k["dyn_late.dosing_overcharge.SIF-101"] > 0.1
    assert k["dyn_low.dosing_overcharge"] > k["frequency.dosing_overcharge"]


def test_an_unprotected_path_replays_in_the_viewer(tmp_path):
    """The typical unprotected cooling loss as a result folder: the viewer's Recording (what `twin view` and a
    training hazard's ``replay:`` read) shows R-101 down at the cooling loss, in alarm from the 65 degC alarm on,
    the runaway logged at the MTT crossing, and the temperature trace in seconds."""
    from scenarios.safety.figures import replay
    from scenarios.safety.model import accident_paths
    from viewer.recording import Recording

    sampler = accident_paths(load(FOLDER / "api_bay_paths.yaml").settings("base"))["runaway_cooling_loss"]
    recording = Recording.from_folder(replay(sampler, tmp_path / "replay"))
    events = dict((text, t) for t, text in recording.events)
    assert events["R-101 failure"] == 1000.0 and events["R-101 runaway"] == pytest.approx(
        unprotected_cooling_loss(1000.0), abs=1e-3)
    assert recording.at("R-101.state", 999.0) is None and recording.at("R-101.state", 1500.0) == "down"
    assert recording.at("R-101.state", events["R-101 alarm"] + 1) == "alarm"
    assert recording.at("R-101.TT-01", events["R-101 alarm"]) == pytest.approx(65 + C, abs=0.5)
    assert recording.plant_file == ROOT / "plant_models" / "api_bay" / "plant.yaml"


@settings(max_examples=15, deadline=None)
@given(p_alarm=st.floats(1e-4, 0.9), p_trip=st.floats(1e-5, 0.9), bias=st.floats(0.05, 0.95),
       seed=st.integers(0, 2**32 - 1))
def test_importance_weights_reproduce_the_true_failure_probabilities(p_alarm, p_trip, bias, seed):
    """Whatever the PFDs and the bias: the likelihood ratios average to 1 and the weighted share of demands with
    every simulated barrier failed is p_alarm x p_trip (within 5 standard errors of 10,000 demands); the event
    times cover the batch and the response times are lognormal around their median."""
    hazard = dataclasses.replace(HAZARDS["runaway_cooling_loss"], pfds={"TAH-101": p_alarm, "SIF-101": p_trip})
    sampler = AccidentPaths(BATCH, hazard, SETUP, response=Response(300.0, 0.8))
    demands, w = sampler.demands(10_000, np.random.default_rng(seed), bias=bias)
    both = np.array([d.failed == {"TAH-101", "SIF-101"} for d in demands])
    assert abs(w.mean() - 1) < 5 * w.std() / math.sqrt(len(w)) + 1e-12  # w = 1 when no PFD lies below the bias
    y = w * both
    assert abs(y.mean() - p_alarm * p_trip) < 5 * y.std() / math.sqrt(len(y)) + 1e-15
    t = np.array([d.t_event for d in demands])
    assert t.min() >= 0 and t.max() <= BATCH.duration and abs(t.mean() / BATCH.duration - 0.5) < 0.02
    assert abs(np.median([d.response for d in demands]) / 300.0 - 1) < 0.05


def stuck_valve_reaches_mtt(t_event: float, trip: float, stuck: float = 5e-4) -> bool:
    """SciPy: the dosing valve jams open at ``t_event`` (``stuck`` m3/s), the SIS stops the dosing when T rises
    through ``trip``, the cooling runs; does T reach the MTT before the batch ends?"""
    y = [CHEM["V0"], CHEM["cA0"] * CHEM["V0"], 0.0, 0.0, CHEM["T0"], CHEM["T0"]]

    def crossing(level):
        def g(t, y, *args):
            return y[4] - level
        g.terminal, g.direction = True, 1
        return g
    cuts = sorted({0.0, min(t_event, BATCH.dose_time), t_event})
    for a, b in zip(cuts, cuts[1:]):
        y = solve_ivp(rhs, (a, b), y, method="DOP853", rtol=1e-10, atol=1e-10,
                      args=(BATCH.flow if a < BATCH.dose_time else 0.0, 2.0)).y[:, -1]
    sol = solve_ivp(rhs, (t_event, BATCH.duration), y, method="DOP853", rtol=1e-10, atol=1e-10, args=(stuck, 2.0),
                    events=[crossing(trip), crossing(BATCH.mtt)])
    if sol.t_events[1].size:
        return True
    if not sol.t_events[0].size:
        return False
    sol = solve_ivp(rhs, (sol.t_events[0][0], BATCH.duration), sol.y_events[0][0], method="DOP853", rtol=1e-10,
                    atol=1e-10, args=(0.0, 2.0), events=crossing(BATCH.mtt))
    return bool(sol.t_events[0].size)


def test_the_trip_point_that_stops_a_wide_open_valve_in_time():
    """The dosing valve jammed at 0.5 L/s: the SIS alone keeps R-101 below the MTT for any event time (of 9 across
    the batch) if it trips at or below the limit found, not 0.1 K above: checked in SciPy. The plant's 75 degC lies
    above it (the late trip of the example scenario)."""
    from scenarios.safety.paths import trip_limit

    sampler = AccidentPaths(BATCH, HAZARDS["dosing_overcharge"], PathSetup(
        "dosing_stuck_open", Barriers(alarm="TAH-101", trip="SIF-101"), stuck_flow=5e-4))
    limit = trip_limit(sampler)
    times = np.linspace(0.0, BATCH.duration, 9)
    assert not any(stuck_valve_reaches_mtt(t, limit) for t in times)
    assert any(stuck_valve_reaches_mtt(t, limit + 0.1) for t in times)
    assert limit < 75 + C


def test_no_path_reaching_the_top_event_still_bounds_the_frequency():
    """20 plain paths with the SIS always working (PFD 1e-9) never reach the MTT: the interval is [0, the exact
    binomial bound 1 - 0.025^(1/20)] times the scenario's static factor, never [0, 0] (Clopper and Pearson)."""
    hazard = dataclasses.replace(HAZARDS["runaway_cooling_loss"], pfds={"TAH-101": 1e-9, "SIF-101": 1e-9})
    sampler = AccidentPaths(BATCH, hazard, SETUP, simulated_modifiers=("dosing_in_progress",),
                            response=Response(60.0, 0.3))
    found = sampler.estimate(20, np.random.default_rng(4), bias=None).estimate
    scale = hazard.frequency * lopa.YEAR * sampler.static
    assert found.hits == 0 and found.low == 0.0
    assert found.high == pytest.approx(scale * (1 - 0.025 ** (1 / 20)), rel=1e-9)
