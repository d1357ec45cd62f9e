"""The SIS trip's further actions at the exact trip crossing, against SciPy: full cooling (the jacket switched to its
emergency coolant) and the quench (the batch drowned in cold inert solvent through the charging line).

Reference: R-101's equations (:class:`twin.process.units.SemiBatchReactor`, the plant's UA 2.5 kW/K, the model's
jacket of 300 kg of water) written again in NumPy and integrated piecewise with SciPy's ``solve_ivp`` (DOP853,
rtol 1e-10); the 75 degC trip and the 80 degC MTT located by SciPy's event finder, the peak by a bounded search on
the dense solution.
"""
from dataclasses import astuple
from pathlib import Path

import numpy as np
import pytest
from scipy.integrate import solve_ivp
from scipy.optimize import minimize_scalar

from scenarios.safety.path import Barriers, Batch, Demand, FullCooling, PathSetup, Quench, simulate

ROOT = Path(__file__).resolve().parents[2]
C = 273.15
R = 8.314462618
CHEM = {"V0": 1.5, "cA0": 2000.0, "T0": 50 + C, "k0": 1.1e4, "Ea": 60e3, "dH": -2e5, "c_dose": 5000.0}
BATCH = Batch(ROOT / "plant_models" / "api_bay" / "plant.yaml", "R-101", CHEM, flow=1e-4, dose_time=4000.0,
              digest_time=4000.0, coolant=15 + C, alarm=65 + C, mtt=80 + C, td24=400.0)
JAMMED, BRINE = 5e-4, (4.0, -5 + C)  # the dosing valve jams wide open at 1000 s; brine at 4 kg/s, -5 degC
QUENCH = (2e-3, 1.0, 5 + C)  # 1 m3 of solvent at 5 degC, 2 L/s


def rhs(t, y, F_dose, F_cool, T_cin, F_quench=0.0):
    """R-101; ``F_quench`` m3/s of inert solvent at QUENCH's temperature (the model's charging line, no A in it)."""
    V, nA, nB, nP, T, Tj = y
    r = CHEM["k0"] * np.exp(-CHEM["Ea"] / (R * T)) * nA * nB / V
    q_j = 2500.0 * (T - Tj)
    rc = 1000.0 * 3500.0
    return [F_dose + F_quench, -r, F_dose * CHEM["c_dose"] - r, r,
            (-CHEM["dH"] * r - q_j + rc * F_dose * (CHEM["T0"] - T) + rc * F_quench * (QUENCH[2] - T)) / (rc * V),
            (q_j + F_cool * 4180.0 * (T_cin - Tj)) / (300.0 * 4180.0)]


def reference(full_cooling: bool):
    """SciPy: the jammed valve from 1000 s, the SIS stopping the dosing at 75 degC (and switching the jacket to the
    brine); returns the trip time, the MTT crossing (None: none) and the peak temperature (K)."""
    y = [CHEM["V0"], CHEM["cA0"] * CHEM["V0"], 0.0, 0.0, CHEM["T0"], CHEM["T0"]]
    kw = dict(method="DOP853", rtol=1e-10, atol=1e-10, dense_output=True)
    y = solve_ivp(rhs, (0.0, 1000.0), y, args=(BATCH.flow, 2.0, BATCH.coolant), **kw).y[:, -1]

    def trip(t, y, *args):
        return y[4] - (75 + C)

    def mtt(t, y, *args):
        return y[4] - BATCH.mtt
    trip.terminal, trip.direction, mtt.direction = True, 1, 1
    sol = solve_ivp(rhs, (1000.0, 4000.0), y, args=(JAMMED, 2.0, BATCH.coolant), events=trip, **kw)
    t_trip = float(sol.t_events[0][0])
    after = solve_ivp(rhs, (t_trip, BATCH.duration), sol.y[:, -1], events=mtt, **kw,
                      args=(0.0, *(BRINE if full_cooling else (2.0, BATCH.coolant))))
    t_mtt = float(after.t_events[0][0]) if after.t_events[0].size else None
    t_top = after.t[np.argmax(after.y[4])]
    peak = -minimize_scalar(lambda t: -after.sol(t)[4], bounds=(max(t_trip, t_top - 60), t_top + 60),
                            method="bounded", options={"xatol": 1e-6}).fun
    return t_trip, t_mtt, peak


def jammed(**actions) -> PathSetup:
    """The dosing valve jammed open at JAMMED, the alarm and SIF-101 with the trip's ``actions``."""
    return PathSetup("dosing_stuck_open", Barriers(alarm="TAH-101", trip="SIF-101", **actions), stuck_flow=JAMMED)


def run(full_cooling):
    return simulate(BATCH, jammed(full_cooling=full_cooling and FullCooling(*full_cooling)),
                    Demand(1000.0, frozenset({"TAH-101"}), 300.0))


def test_stopping_the_dosing_alone_comes_too_late():
    t_trip, t_mtt, _ = reference(full_cooling=False)
    path = run(None)
    assert path.acted["SIF-101"] == pytest.approx(t_trip, abs=1e-3)
    assert t_mtt is not None and path.t_mtt == pytest.approx(t_mtt, abs=1e-3)


def test_full_cooling_at_the_trip_keeps_the_jammed_valve_below_the_mtt():
    """The same trip with the jacket switched to brine: SciPy's peak stays below the MTT and the twin's matches it
    (the twin's peak is the largest of its samples and events, so it lies at most a little below SciPy's)."""
    t_trip, t_mtt, peak = reference(full_cooling=True)
    path = run(BRINE)
    assert path.acted["SIF-101"] == pytest.approx(t_trip, abs=1e-3)
    assert t_mtt is None and path.t_mtt is None and peak < BATCH.mtt
    assert peak - 0.01 <= path.peak <= peak + 1e-6


FOLDER = ROOT / "scenarios" / "safety"


def test_the_full_cooling_variant_reaches_the_samplers():
    from scenarios.safety.model import accident_paths
    from scenarios.scenario import load

    scenario = load(FOLDER / "api_bay_paths.yaml")
    assert all(s.setup.barriers.full_cooling is None for s in accident_paths(scenario.settings("base")).values())
    cooled = [s.setup.barriers for s in accident_paths(scenario.settings("full_cooling")).values()]
    assert len(cooled) == 3 and all(astuple(b.full_cooling) == pytest.approx(BRINE) for b in cooled)
    quenched = [s.setup.barriers for s in accident_paths(scenario.settings("quench")).values()]
    assert all(astuple(b.quench) == pytest.approx(QUENCH) and b.full_cooling is None for b in quenched)


def test_a_full_cooling_without_its_temperature_is_refused(tmp_path):
    from scenarios.scenario import load
    from twin.config import ConfigError

    text = (FOLDER / "api_bay_paths.yaml").read_text().replace("{flow: 4 kg/s, temperature: -5 degC}",
                                                                "{flow: 4 kg/s}")
    path = tmp_path / "paths.yaml"
    path.write_text(text.replace("../../", f"{ROOT}/").replace("api_bay_lopa.yaml", str(FOLDER / "api_bay_lopa.yaml")))
    with pytest.raises(ConfigError) as info:
        load(path).settings("full_cooling")
    assert "temperature" in str(info.value) and info.value.file is not None


def test_the_quench_drowns_the_batch_as_scipy_does():
    """The trip opens the quench line for 500 s (1 m3 at 2 L/s): temperature and volume on the twin's whole trace
    are SciPy's, the batch never reaches the MTT and ends 1 m3 fuller."""
    y = [CHEM["V0"], CHEM["cA0"] * CHEM["V0"], 0.0, 0.0, CHEM["T0"], CHEM["T0"]]
    kw = dict(method="DOP853", rtol=1e-10, atol=1e-10, dense_output=True)
    t_trip = reference(full_cooling=False)[0]
    segments = [(0.0, 1000.0, (BATCH.flow, 2.0, BATCH.coolant)), (1000.0, t_trip, (JAMMED, 2.0, BATCH.coolant)),
                (t_trip, t_trip + 500.0, (0.0, 2.0, BATCH.coolant, QUENCH[0])),
                (t_trip + 500.0, BATCH.duration, (0.0, 2.0, BATCH.coolant))]
    pieces = []
    for a, b, args in segments:
        pieces.append(solve_ivp(rhs, (a, b), y, args=args, **kw))
        y = pieces[-1].y[:, -1]
    path = simulate(BATCH, jammed(quench=Quench(*QUENCH)), Demand(1000.0, frozenset({"TAH-101"}), 300.0),
                    keep_trace=True)
    assert path.acted["SIF-101"] == pytest.approx(t_trip, abs=1e-3) and path.t_mtt is None
    t = path.trace["t"]
    expected = np.concatenate([p.sol(t[(t >= p.t[0]) & (t < p.t[-1])]) for p in pieces] + [y[:, None]], axis=1)
    np.testing.assert_allclose(path.trace["R-101.T"], expected[4], atol=1e-4)
    np.testing.assert_allclose(path.trace["R-101.LT-01"], expected[0], atol=1e-8)
    assert path.trace["R-101.LT-01"][-1] == pytest.approx(CHEM["V0"] + 1000.0 * BATCH.flow
                                                          + (t_trip - 1000.0) * JAMMED + QUENCH[1], abs=1e-6)
