"""An accident path ends when its hazard has passed, not with the recipe.

Reference: R-101's equations (the plant's UA 2.5 kW/K, the model's jacket of 300 kg of water, as in
``test_safety_relief.py``) written again in NumPy and integrated by SciPy's ``solve_ivp`` (DOP853, rtol 1e-10) with
its event finder for the MTT, with no end of batch: a slow reaction dosed fast accumulates B, the cooling fails in
the dosing, and the MTT is crossed long after the short digestion the recipe allows.
"""
from pathlib import Path

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from scenarios.safety.path import Barriers, Batch, Demand, PathSetup, simulate

ROOT = Path(__file__).resolve().parents[2]
C, R = 273.15, 8.314462618
CHEM = {"V0": 1.5, "cA0": 2000.0, "T0": 50 + C, "k0": 1e3, "Ea": 60e3, "dH": -2e5, "c_dose": 5000.0}
FLOW, DOSE, DIGEST, MTT = 2e-4, 2000.0, 500.0, 80 + C
BATCH = Batch(ROOT / "plant_models" / "api_bay" / "plant.yaml", "R-101", CHEM, flow=FLOW, dose_time=DOSE,
              digest_time=DIGEST, coolant=15 + C, alarm=65 + C, mtt=MTT, td24=400.0)
NO_SAFETY = frozenset({"TAH-101", "SIF-101"})
SETUP = PathSetup("cooling_loss", Barriers(alarm="TAH-101", trip="SIF-101"))


def rhs(t, y, F_dose, F_cool):
    V, nA, nB, nP, T, Tj = y
    r = CHEM["k0"] * np.exp(-CHEM["Ea"] / (R * T)) * nA * nB / V
    q = -CHEM["dH"] * r - 2500.0 * (T - Tj) + 1000.0 * 3500.0 * F_dose * (CHEM["T0"] - T)
    return [F_dose, -r, F_dose * CHEM["c_dose"] - r, r, q / (1000.0 * 3500.0 * V),
            (2500.0 * (T - Tj) + F_cool * 4180.0 * (BATCH.coolant - Tj)) / (300.0 * 4180.0)]


def mtt_crossing(t_fail: float) -> float | None:
    """SciPy: the cooling lost at ``t_fail`` in the dosing, nothing stops the dosing; when T crosses the MTT."""
    y = np.array([CHEM["V0"], CHEM["cA0"] * CHEM["V0"], 0.0, 0.0, CHEM["T0"], CHEM["T0"]])

    def mtt(t, y, *args):
        return y[4] - MTT
    mtt.terminal, mtt.direction = True, 1
    for start, end, args in ((0.0, t_fail, (FLOW, 2.0)), (t_fail, DOSE, (FLOW, 0.0)), (DOSE, 1e5, (0.0, 0.0))):
        sol = solve_ivp(rhs, (start, end), y, method="DOP853", rtol=1e-10, atol=1e-10, args=args, events=mtt)
        if sol.t_events[0].size:
            return float(sol.t_events[0][0])
        y = sol.y[:, -1]
    return None


def test_a_runaway_after_the_recipe_ends_is_on_the_path():
    """The recipe ends at 2500 s; the accumulated B still carries the batch through the MTT at SciPy's time."""
    path = simulate(BATCH, SETUP, Demand(1000.0, NO_SAFETY, 300.0), keep_trace=True)
    expected = mtt_crossing(1000.0)
    assert expected > BATCH.duration
    assert path.top_event and path.t_mtt == pytest.approx(expected, abs=1e-3)
    assert path.trace["t"][-1] > path.t_mtt  # it ran on a batch's length at a time, and stopped after the MTT


def test_a_path_whose_hazard_passed_ends_with_the_recipe():
    """The same batch with the cooling intact runs on once (at 2500 s the B left could still carry it to the MTT,
    at 5000 s no longer) and stops without a top event; the example batch (api_bay_paths.yaml), whose digestion
    consumes the B, never runs on."""
    from scenarios.safety.model import accident_paths
    from scenarios.scenario import load

    cooled = simulate(BATCH, SETUP, Demand(BATCH.duration, NO_SAFETY, 300.0), keep_trace=True)
    assert not cooled.top_event and cooled.trace["t"][-1] == 2 * BATCH.duration
    sampler = accident_paths(load(ROOT / "scenarios" / "safety" / "api_bay_paths.yaml").settings("base"))[
        "runaway_cooling_loss"]
    for t_event in (1000.0, 3000.0, 6000.0):
        path = sampler.run(Demand(t_event, frozenset(sampler.barriers), 300.0), keep_trace=True)
        assert path.trace["t"][-1] == sampler.batch.duration or path.top_event
