"""The relief device venting the headspace as it is (nitrogen with the vapour: ``vent_gas``), against SciPy.

Reference: the vessel of ``test_safety_relief.py`` (R-101's equations, ethanol by Antoine after NIST, nitrogen
padded to 0.5 bar gauge, a weak vessel: set 1.8, design 2.1 bar gauge) written again in NumPy. While the device is
open the head pressure is held at the set pressure, so the net heat splits between warming the contents and boiling
ethanol off, and the vented stream carries the nitrogen at its share of the pressure: three balances (energy,
moles in the headspace by the ideal gas law, the pressure held) give the temperature's rate, the boil-off and the
vent flow, solved by ``numpy.linalg.solve`` at each step of SciPy's ``solve_ivp`` (DOP853, rtol 1e-10); the
opening (set pressure), reseat (vent flow through zero) and design crossings by SciPy's event finder. Besides the
times and the end state, the test checks what the physics demands whatever the code: the pressure held at the set
point, the nitrogen leaving, the temperature climbing (the vapour must carry more of the pressure), and ethanol's
normal boiling point as the limit (NIST: 351.44 K at 1 atm) of the bubble point at the set pressure.
"""
import dataclasses
from pathlib import Path

import numpy as np
import pytest
from scipy.integrate import solve_ivp
from scipy.optimize import brentq

from scenarios.safety.path import ATMOSPHERE, Barriers, Batch, Demand, PathSetup, ReliefDevice, simulate

ROOT = Path(__file__).resolve().parents[2]
C, R = 273.15, 8.314462618
A, B, CC = 5.24677, 1598.673, -46.424  # ethanol (NIST)
H_VAP, M_ETHANOL, V_VESSEL = 38.56e3 / 46.07e-3, 46.07e-3, 4.0


def vapour(T):
    return 1e5 * 10 ** (A - B / (T + CC))


P_INERT = 0.5e5 + ATMOSPHERE - vapour(50 + C)
DESIGN, SET = 2.1e5 + ATMOSPHERE, 1.8e5 + ATMOSPHERE
CHEM = {"V0": 1.5, "cA0": 2000.0, "T0": 50 + C, "k0": 1.1e4, "Ea": 60e3, "dH": -2e5, "c_dose": 5000.0,
        "p_inert": P_INERT, "h_vap": H_VAP, "P_design": DESIGN, "vent_gas": 1.0}
BATCH = Batch(ROOT / "plant_models" / "api_bay" / "plant.yaml", "R-101", CHEM, flow=1e-4, dose_time=4000.0,
              digest_time=4000.0, coolant=15 + C, alarm=65 + C, mtt=80 + C, td24=400.0)
NO_SAFETY = frozenset({"TAH-101", "SIF-101"})
N0 = P_INERT * (V_VESSEL - CHEM["V0"]) / (R * CHEM["T0"])  # nitrogen padded at the start (mol)


def gas_pressure(y):
    V, T, n = y[0], y[4], y[6]
    return (N0 + n) * R * T / (V_VESSEL - V)


def net_heat(y, F_dose):
    V, nA, nB, nP, T, Tj, n = y
    r = CHEM["k0"] * np.exp(-CHEM["Ea"] / (R * T)) * nA * nB / V
    return -CHEM["dH"] * r - 2500.0 * (T - Tj) + 1000.0 * 3500.0 * F_dose * (CHEM["T0"] - T), r


def open_rates(y, F_dose):
    """dT/dt, boil-off (kg/s) and vent (mol/s) holding the pressure: energy, headspace moles, pressure balances."""
    V, T = y[0], y[4]
    q, _ = net_heat(y, F_dose)
    vh, p_gas = V_VESSEL - V, gas_pressure(y)
    P, n_gas = p_gas + vapour(T), p_gas * (V_VESSEL - V) / (R * T)
    dpv = vapour(T) * np.log(10) * B / (T + CC) ** 2
    m = np.array([[1000.0 * 3500.0 * V, H_VAP, 0.0],
                  [P * vh / (R * T**2), 1 / M_ETHANOL - P / (R * T * 1000.0), -1.0],
                  [R * n_gas / vh + dpv, -n_gas * R * T / (vh**2 * 1000.0), -R * T * (p_gas / P) / vh]])
    rhs = np.array([q, -P * F_dose / (R * T), -n_gas * R * T * F_dose / vh**2])
    return np.linalg.solve(m, rhs), p_gas / P


def rhs(t, y, F_dose, F_cool, open_):
    V, nA, nB, nP, T, Tj, n = y
    q, r = net_heat(y, F_dose)
    jacket = (2500.0 * (T - Tj) + F_cool * 4180.0 * (BATCH.coolant - Tj)) / (300.0 * 4180.0)
    if not open_:
        return [F_dose, -r, F_dose * CHEM["c_dose"] - r, r, q / (1000.0 * 3500.0 * V), jacket, 0.0]
    (dT, boil, vent), share = open_rates(y, F_dose)
    return [F_dose - boil / 1000.0, -r, F_dose * CHEM["c_dose"] - r, r, dT, jacket, -share * vent]


def reference(t_fail: float):
    """SciPy: cooling lost at ``t_fail``, the dosing running its course, the device venting gas and vapour."""
    y = np.array([CHEM["V0"], CHEM["cA0"] * CHEM["V0"], 0.0, 0.0, CHEM["T0"], CHEM["T0"], 0.0])
    t, open_, opened, reseated, design, pieces = 0.0, 0, [], [], None, []
    while t < BATCH.duration:
        end = min(c for c in (t_fail, BATCH.dose_time, BATCH.duration) if c > t)
        args = (BATCH.flow if t < BATCH.dose_time else 0.0, 2.0 if t < t_fail else 0.0, open_)

        def toggle(t, y, F_dose, F_cool, open_):
            return -open_rates(y, F_dose)[0][2] if open_ else gas_pressure(y) + vapour(y[4]) - SET

        def design_crossing(t, y, *args):
            return gas_pressure(y) + vapour(y[4]) - DESIGN
        toggle.terminal, toggle.direction, design_crossing.direction = True, 1, 1
        sol = solve_ivp(rhs, (t, end), y, method="DOP853", rtol=1e-10, atol=1e-10, args=args, dense_output=True,
                        events=[toggle, design_crossing])
        pieces.append((sol, open_))
        if design is None and sol.t_events[1].size:
            design = float(sol.t_events[1][0])
        t, y = float(sol.t[-1]), sol.y[:, -1]
        if sol.status == 1:
            (reseated if open_ else opened).append(t)
            open_ = 1 - open_
    return opened, reseated, design, y, pieces


def test_the_relief_vents_the_nitrogen_with_the_vapour_as_scipy_does():
    opened, reseated, design, y_end, pieces = reference(1000.0)
    setup = PathSetup("cooling_loss", Barriers(alarm="TAH-101", trip="SIF-101", relief=ReliefDevice("RD-101", SET)))
    path = simulate(BATCH, setup, Demand(1000.0, NO_SAFETY, 300.0), keep_trace=True)
    assert len(opened) == 1 and path.acted["RD-101"] == pytest.approx(opened[0], abs=1e-3)
    trace = path.trace
    closed = trace["t"][(trace["t"] > opened[0]) & (trace["R-101.relief"] == 0.0)][0]  # the reseat's event sample
    assert len(reseated) == 1 and closed == pytest.approx(reseated[0], abs=1e-3)
    assert (design is None) == (path.t_design is None)
    assert trace["R-101.LT-01"][-1] == pytest.approx(y_end[0], abs=1e-7)
    assert trace["R-101.T"][-1] == pytest.approx(y_end[4], abs=1e-5)
    held = (trace["t"] > opened[0]) & (trace["t"] < reseated[0])
    assert held.sum() > 10 and np.max(np.abs(trace["R-101.PT-01"][held] - SET)) < 1.0  # the pressure held
    T, P = trace["R-101.T"][held], trace["R-101.PT-01"][held]
    n_gas = (P - vapour(T)) * (V_VESSEL - trace["R-101.LT-01"][held]) / (R * T)
    assert n_gas[-1] < n_gas[0] and np.all(np.diff(n_gas) <= 1e-9)  # the nitrogen leaves
    assert np.all(np.diff(T) >= -1e-9) and T[-1] > T[0] + 0.1  # the vapour takes over: the temperature climbs
    bubble = brentq(lambda x: vapour(x) - SET, 300.0, 450.0)  # pure ethanol at the set pressure
    assert T[-1] < bubble
    assert brentq(lambda x: vapour(x) - ATMOSPHERE, 300.0, 400.0) == pytest.approx(351.44, abs=0.7)  # NIST Tb


def test_venting_the_gas_leaves_the_vapour_only_model_where_the_device_stays_shut():
    """Before the device opens, the two relief models are the same path: the gas venting only acts while open."""
    setup = PathSetup("cooling_loss", Barriers(alarm="TAH-101", trip="SIF-101"))  # no device: it stays shut
    both = [simulate(dataclasses.replace(BATCH, chemistry=CHEM | {"vent_gas": g}), setup,
                     Demand(1000.0, frozenset(), 300.0), keep_trace=True) for g in (0.0, 1.0)]
    assert not any("RD-101" in p.acted for p in both)
    # two models (the gas-venting one carries the three balances): the same path to the integrator's tolerance
    assert np.allclose(both[0].trace["R-101.T"], both[1].trace["R-101.T"], rtol=0, atol=1e-5)
    assert np.ptp(both[0].trace["R-101.T"]) > 10  # a path that did something
