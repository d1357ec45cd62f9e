"""The agitator stop through the twin's reactor, each path against SciPy.

Reference: R-101's equations (:class:`twin.process.units.SemiBatchReactor`, the plant's UA 2.5 kW/K) written again
in NumPy and integrated piecewise with SciPy's ``solve_ivp`` (DOP853, rtol 1e-10). The stop follows the model the
paths module states: while the agitator stands still the dosed B does not react (rate 0) and the jacket keeps
``STILL_UA`` of its UA; the restart gives both back. The SIS trip (75 degC) and the MTT (80 degC) are located by
SciPy's event finder.
"""
from pathlib import Path

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from scenarios.runs import execute, tasks
from scenarios.safety import lopa
from scenarios.safety.model import accident_paths
from scenarios.safety.path import STILL_UA, Barriers, Batch, Demand, PathSetup, simulate
from scenarios.safety.paths import AccidentPaths
from scenarios.scenario import load
from twin.config import ConfigError

ROOT = Path(__file__).resolve().parents[2]
C = 273.15
R = 8.314462618
CHEM = {"V0": 1.5, "cA0": 2000.0, "T0": 50 + C, "k0": 1.1e4, "Ea": 60e3, "dH": -2e5, "c_dose": 5000.0}
BATCH = Batch(ROOT / "plant_models" / "api_bay" / "plant.yaml", "R-101", CHEM, flow=1e-4, dose_time=4000.0,
              digest_time=4000.0, coolant=15 + C, alarm=65 + C, mtt=80 + C, td24=400.0)
BARRIERS = frozenset({"TAH-101", "SIF-101", "IS-101"})
STOP, RESTART = 1000.0, 2400.0  # the agitator stops at 1000 s and is restarted 40 min later
SETUP = PathSetup("agitator_stop", Barriers(alarm="TAH-101", trip="SIF-101", interlock="IS-101"), restart=RESTART)


def rhs(t, y, F_dose, stirred):
    """R-101 with the plant's UA (2500 W/K), the model's jacket (300 kg of water at 2 kg/s, inlet 15 degC)."""
    V, nA, nB, nP, T, Tj = y
    r = CHEM["k0"] * np.exp(-CHEM["Ea"] / (R * T)) * nA * nB / V if stirred else 0.0
    q_j = 2500.0 * (1.0 if stirred else STILL_UA) * (T - Tj)
    rc = 1000.0 * 3500.0
    return [F_dose, -r, F_dose * CHEM["c_dose"] - r, r,
            (-CHEM["dH"] * r - q_j + rc * F_dose * (CHEM["T0"] - T)) / (rc * V),
            (q_j + 2.0 * 4180.0 * (BATCH.coolant - Tj)) / (300.0 * 4180.0)]


def reference(interlock: bool, sis: bool):
    """SciPy: the agitator stopped from STOP to STOP + RESTART; the interlock stops the dosing at STOP, the SIS at
    the 75 degC crossing. Returns (trip time, MTT time, the dense solution pieces)."""
    y = [CHEM["V0"], CHEM["cA0"] * CHEM["V0"], 0.0, 0.0, CHEM["T0"], CHEM["T0"]]

    def trip(t, y, *args):
        return y[4] - (75 + C)

    def mtt(t, y, *args):
        return y[4] - BATCH.mtt
    trip.terminal = mtt.terminal = True
    trip.direction = mtt.direction = 1
    cuts = [0.0, STOP, STOP + RESTART, BATCH.dose_time, BATCH.duration]
    dosing, t_trip, t_mtt, pieces = True, None, None, []
    a = 0.0
    while a < BATCH.duration:
        b = min(c for c in cuts if c > a)
        stirred = not STOP <= a < STOP + RESTART
        if a >= STOP and interlock or a >= BATCH.dose_time:
            dosing = False
        events = [mtt] if t_mtt is None else []
        events += [trip] if sis and dosing and t_trip is None else []
        sol = solve_ivp(rhs, (a, b), y, method="DOP853", rtol=1e-10, atol=1e-10, dense_output=True, events=events,
                        args=(BATCH.flow if dosing else 0.0, stirred))
        pieces.append(sol)
        for ev, times in zip(events, sol.t_events, strict=True):
            if times.size and ev is mtt:
                t_mtt = float(times[0])
            elif times.size:
                t_trip, dosing = float(times[0]), False
        a, y = float(sol.t[-1]), sol.y[:, -1]
    return t_trip, t_mtt, pieces


def run(failed, keep_trace=False):
    return simulate(BATCH, SETUP, Demand(STOP, frozenset(failed), 300.0), keep_trace=keep_trace)


def test_unprotected_restart_runs_away_when_scipy_does():
    """Every barrier failed: the B dosed into the still reactor reacts at the restart and crosses the MTT."""
    _, t_mtt, _ = reference(interlock=False, sis=False)
    path = run(BARRIERS)
    assert t_mtt is not None and path.t_mtt == pytest.approx(t_mtt, abs=1e-3)
    assert path.acted == {} and path.peak > BATCH.mtt


def test_the_sis_trips_at_scipys_crossing_but_after_the_point_of_no_return():
    """The temperature SIS stops the dosing at the exact 75 degC crossing, yet the accumulated B reaches the MTT:
    the late trip a static LOPA credits in full."""
    t_trip, t_mtt, _ = reference(interlock=False, sis=True)
    path = run(BARRIERS - {"SIF-101"})
    assert path.acted["SIF-101"] == pytest.approx(t_trip, abs=1e-3)
    assert t_mtt is not None and path.t_mtt == pytest.approx(t_mtt, abs=1e-3)


def test_the_agitation_interlock_stops_the_dosing_at_the_stop():
    """The interlock acts at the stop itself (a DES event on the Twin's clock): nothing accumulates, the restart is
    harmless, and the whole temperature trace is SciPy's."""
    t_trip, t_mtt, pieces = reference(interlock=True, sis=True)
    path = run(BARRIERS - {"IS-101", "SIF-101"}, keep_trace=True)
    assert path.acted == {"IS-101": STOP} and t_trip is None and t_mtt is None and path.t_mtt is None
    t, T = path.trace["t"], path.trace["R-101.T"]
    expected = np.concatenate([p.sol(t[(t >= p.t[0]) & (t < p.t[-1])])[4] for p in pieces] + [pieces[-1].y[4, -1:]])
    assert len(expected) == len(t)
    np.testing.assert_allclose(T, expected, atol=1e-4)
    assert (STOP, "R-101", "dosing stopped by IS-101") in path.events


def test_the_estimate_shows_the_late_sis_and_the_interlock_in_time():
    """Sampled demands: every path that reaches the MTT had its interlock failed; no path the interlock acted on
    reaches it (the interlock is never late, where the SIS can be: see the test above)."""
    hazard = lopa.Hazard("runaway_agitator_stop", "agitator_stop", 0.1 / lopa.YEAR, "runaway", 1e-5 / lopa.YEAR,
                         pfds={"TAH-101": 0.1, "SIF-101": 0.01, "IS-101": 0.1})
    sampler = AccidentPaths(BATCH, hazard, SETUP)
    assert sampler.barriers == ("TAH-101", "SIF-101", "IS-101")
    found = sampler.estimate(40, np.random.default_rng(7))
    assert found.estimate.hits > 0 and found.estimate.high > 0
    for p in found.paths:
        if p.top_event:
            assert "IS-101" in p.demand.failed
        if "IS-101" not in p.demand.failed:
            assert p.acted["IS-101"] == p.demand.t_event and not p.top_event
    assert found.late["IS-101"] == 0.0


FOLDER = ROOT / "scenarios" / "safety"


@pytest.mark.parametrize("old, new, message", [
    ("interlock: IS-101 ", "interlock: IS-11 ", "did you mean 'IS-101'?"),
    ("initiating_event: agitator_stop,", "initiating_event: cooling_loss,", "there is no agitator to restart"),
    ("initiating_event: agitator_stop,", "initiating_event: agitator_halt,", "agitator_stop"),
])
def test_bad_agitator_sections(tmp_path, old, new, message):
    text = (FOLDER / "api_bay_agitator.yaml").read_text()
    assert old in text
    path = tmp_path / "agitator.yaml"
    path.write_text(text.replace(old, new).replace("../../", f"{ROOT}/").replace(
        "api_bay_agitator_lopa.yaml", str(FOLDER / "api_bay_agitator_lopa.yaml")))
    with pytest.raises(ConfigError) as info:
        load(path)
    assert message in str(info.value) and info.value.file is not None


def test_the_example_builds_the_agitator_paths():
    """api_bay_agitator.yaml: the scenario's sampler carries the three simulated barriers and the 40 min restart."""
    sampler = accident_paths(load(FOLDER / "api_bay_agitator.yaml").settings("base"))["runaway_agitator_stop"]
    assert sampler.setup.kind == "agitator_stop" and sampler.setup.restart == 2400.0
    assert sampler.barriers == ("TAH-101", "SIF-101", "IS-101")


@pytest.mark.slow
def test_the_example_scenario_names_the_late_sis():
    """api_bay_agitator.yaml: the temperature SIS acting alone is late on some paths, the interlock never."""
    outcome = execute(next(iter(tasks(load(FOLDER / "api_bay_agitator.yaml"), ["base"]))))
    k = outcome.run.kpis
    assert k["dyn_top_events.runaway_agitator_stop"] > 0
    assert k["dyn_late.runaway_agitator_stop.SIF-101"] > 0.0 and k["dyn_late.runaway_agitator_stop.IS-101"] == 0.0
