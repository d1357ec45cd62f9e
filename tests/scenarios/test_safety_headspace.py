"""R-101's headspace on the accident path: inerting (the O2 fraction, the AT-01 alarm) and the pressure SIS (PT-02).

References:
- the oxygen balance of a well-mixed headspace of volume ``Vh`` breathing air at ``Q`` (the same volume leaving):
  ``Vh dy/dt = Q (y_air - y)``; at constant ``Vh`` (no dosing) its solution is the dilution-purge exponential
  ``y(t) = y_air + (y0 - y_air) exp(-Q t / Vh)`` (Crowl & Louvar, *Chemical Process Safety*, purging), and while B
  is dosed at ``F`` (``Vh = Vh0 - F t``) ``y_air - y = (y_air - y0) ((Vh0 - F t) / Vh0)^(Q / F)`` (separation of
  variables); the crossing times of the 8 % alarm (the plant's AT-01) and of the LOC follow in closed form;
- the failed-open nitrogen regulator: R-101's equations written again in NumPy (as in ``test_safety_relief.py``)
  with the nitrogen let in through an ideal-gas orifice (choked: ``n = CdA p0 sqrt(g / (M R T0)) (2 / (g + 1))^((g
  + 1) / (2 (g - 1)))``, subsonic: the isentropic nozzle formula, both as in Perry's Handbook, 8th ed., 6-23) and
  integrated by SciPy's ``solve_ivp`` (DOP853, rtol 1e-10) with its event finder for the PT-02 trip (4 bar gauge,
  the plant's) and the design pressure (6 bar gauge). The model regularises the orifice's square root at equal
  pressures (``x / sqrt(x + 1e-8)``): 1e-7 relative before the trip (7.5e-8 choked).
"""
from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy.integrate import solve_ivp

from scenarios.safety.path import ATMOSPHERE, Barriers, Batch, Demand, Gas, PathSetup, ReliefDevice, Supply, simulate

ROOT = Path(__file__).resolve().parents[2]
FOLDER = ROOT / "scenarios" / "safety"
C, R = 273.15, 8.314462618
Y_AIR, Y0, ALARM, LOC = 0.2095, 0.01, 0.08, 0.105  # dry air; the model's start; AT-01's alarm; ethanol (scenario)
V_VESSEL, V0, FLOW = 4.0, 1.5, 1e-4
A, B, CC = 5.24677, 1598.673, -46.424  # ethanol's Antoine constants (NIST, as in test_safety_relief.py)
P_INERT = 1.2e5
CHEM = {"V0": V0, "cA0": 2000.0, "T0": 50 + C, "k0": 1.1e4, "Ea": 60e3, "dH": -2e5, "c_dose": 5000.0,
        "p_inert": P_INERT}
BATCH = Batch(ROOT / "plant_models" / "api_bay" / "plant.yaml", "R-101", CHEM, flow=FLOW, dose_time=4000.0,
              digest_time=4000.0, coolant=15 + C, alarm=65 + C, mtt=80 + C, td24=400.0)
INGRESS, PURGE = 5 / 3600, 20 / 3600  # m3/s


def gas(**kw) -> Gas:
    return Gas(**({"ingress": INGRESS, "loc": LOC, "oxygen": "AT-101", "purge": PURGE} | kw))


def nitrogen(g: Gas) -> PathSetup:
    return PathSetup("nitrogen_loss", gas=g)


def regulator(g: Gas) -> PathSetup:
    return PathSetup("regulator_open", gas=g)


def crossing(level: float, vh: float, q: float = INGRESS, y0: float = Y0) -> float:
    """Seconds for the dilution exponential to rise from ``y0`` to ``level`` at constant headspace ``vh``."""
    return vh / q * np.log((Y_AIR - y0) / (Y_AIR - level))


def test_without_nitrogen_the_headspace_breathes_air_as_the_purge_exponential_says():
    """The nitrogen lost in the digestion (headspace 4 - 1.9 m3): the O2 trace is the exponential to 1e-7 and the
    flammable crossing (the LOC) is its closed form to 1e-3 s; the path runs a batch past the event."""
    t_event, vh = 5000.0, V_VESSEL - V0 - FLOW * 4000.0
    path = simulate(BATCH, nitrogen(gas()), Demand(t_event, frozenset({"AT-101"}), 300.0), keep_trace=True)
    t, y = path.trace["t"], path.trace["R-101.AT-01"]
    after = t >= t_event
    assert np.allclose(y[~after], Y0, atol=1e-12)
    expected = Y_AIR + (Y0 - Y_AIR) * np.exp(-INGRESS * (t[after] - t_event) / vh)
    assert np.max(np.abs(y[after] - expected)) < 1e-7
    assert path.top_event and path.top == "flammable"
    assert path.t_flammable == pytest.approx(t_event + crossing(LOC, vh), abs=1e-3)
    assert t[-1] == pytest.approx(t_event + BATCH.duration)  # the hazard outlasts the batch: a batch past the event
    assert path.peak_oxygen == pytest.approx(y[-1]) and path.peak_oxygen > 0.2


def test_while_b_is_dosed_the_shrinking_headspace_follows_the_power_law():
    t_event = 1000.0
    path = simulate(BATCH, nitrogen(gas()), Demand(t_event, frozenset({"AT-101"}), 300.0), keep_trace=True)
    t, y = path.trace["t"], path.trace["R-101.AT-01"]
    dosing = (t >= t_event) & (t <= BATCH.dose_time)
    vh0 = V_VESSEL - V0 - FLOW * t_event
    expected = Y_AIR - (Y_AIR - Y0) * ((vh0 - FLOW * (t[dosing] - t_event)) / vh0) ** (INGRESS / FLOW)
    assert dosing.sum() > 100 and np.max(np.abs(y[dosing] - expected)) < 1e-7
    # the LOC is crossed while dosing: (vh0 - F tau) = vh0 ((y_air - LOC) / (y_air - y0))^(F / Q)
    tau = (vh0 - vh0 * ((Y_AIR - LOC) / (Y_AIR - Y0)) ** (FLOW / INGRESS)) / FLOW
    assert tau < BATCH.dose_time - t_event and path.t_flammable == pytest.approx(t_event + tau, abs=1e-3)


def test_the_o2_interlock_acts_at_the_exact_alarm_crossing_and_purges_the_headspace():
    """AT-01 as an interlock: the dosing stops and the nitrogen purge starts when the O2 rises through 8 % (closed
    form, 1e-3 s); then the O2 decays as exp(-Q_purge t / Vh) and never reaches the LOC."""
    t_event, vh = 5000.0, V_VESSEL - V0 - FLOW * 4000.0
    path = simulate(BATCH, nitrogen(gas()), Demand(t_event, frozenset(), 300.0), keep_trace=True)
    t_trip = t_event + crossing(ALARM, vh)
    assert path.acted["AT-101"] == pytest.approx(t_trip, abs=1e-3)
    assert not path.top_event and path.peak_oxygen == pytest.approx(ALARM, abs=1e-6)
    t, y = path.trace["t"], path.trace["R-101.AT-01"]
    later = t > t_trip + 1.0
    assert np.max(np.abs(y[later] - ALARM * np.exp(-PURGE * (t[later] - t_trip) / vh))) < 1e-7
    assert ("dosing stopped by AT-101" in {e for _, _, e in path.events})
    assert any(e == "alarm" and at == pytest.approx(t_trip, abs=1e-3) for at, _, e in path.events)


def test_the_operator_acts_after_the_response_time_and_is_late_when_the_air_comes_fast():
    """Answering the alarm after 5 min: in time at 5 m3/h ingress (8 % -> LOC takes 0.214 Vh / Q = 6.5 min),
    too late at 15 m3/h (2.2 min): the path turns flammable at the closed-form time."""
    t_event, vh = 5000.0, V_VESSEL - V0 - FLOW * 4000.0
    slow = simulate(BATCH, nitrogen(gas(operator=True)), Demand(t_event, frozenset(), 300.0))
    assert slow.acted["AT-101"] == pytest.approx(t_event + crossing(ALARM, vh) + 300.0, abs=1e-3)
    assert not slow.top_event
    fast = simulate(BATCH, nitrogen(gas(operator=True, ingress=3 * INGRESS)), Demand(t_event, frozenset(), 300.0))
    assert fast.top_event and fast.t_flammable == pytest.approx(t_event + crossing(LOC, vh, 3 * INGRESS), abs=1e-3)
    assert fast.acted["AT-101"] > fast.t_flammable


@settings(max_examples=12, deadline=None)
@given(ingress=st.floats(0.5, 60.0), t_event=st.floats(0.0, 7900.0))
def test_an_interlock_at_the_alarm_keeps_any_breathing_headspace_below_the_loc(ingress, t_event):
    """Whatever the air ingress (m3/h) and the moment, the interlock acts at the 8 % crossing, the O2 peaks
    there and the LOC is never reached; with the interlock failed the LOC always is (O2 tends to 20.95 %)."""
    g = gas(ingress=ingress / 3600)
    kept = simulate(BATCH, nitrogen(g), Demand(t_event, frozenset(), 300.0))
    assert not kept.top_event and kept.peak_oxygen < ALARM + 1e-6 and "AT-101" in kept.acted
    lost = simulate(BATCH, nitrogen(g), Demand(t_event, frozenset({"AT-101"}), 300.0))
    assert lost.top_event and lost.t_flammable > kept.acted["AT-101"]


# --- the failed-open nitrogen regulator and PT-02 ------------------------------------------------------------------

G, M_N2, T_SUPPLY = 1.4, 28.0134e-3, 293.15
P_SUPPLY, CDA = 7e5 + ATMOSPHERE, 1e-5
P_TRIP, P_DESIGN = 4e5 + ATMOSPHERE, 6e5 + ATMOSPHERE  # the plant's PT-02 trip and design pressure (gauge)


def orifice(p):
    """Nitrogen (mol/s) through the orifice into a vessel at ``p``: choked below the critical ratio."""
    critical = (2 / (G + 1)) ** (G / (G - 1))
    r = p / P_SUPPLY
    if r <= critical:
        return CDA * P_SUPPLY * np.sqrt(G / (M_N2 * R * T_SUPPLY)) * (2 / (G + 1)) ** ((G + 1) / (2 * (G - 1)))
    if r >= 1:
        return 0.0
    return CDA * P_SUPPLY * np.sqrt(2 * G / ((G - 1) * M_N2 * R * T_SUPPLY) * (r ** (2 / G) - r ** ((G + 1) / G)))


def head(y):
    V, T, n = y[0], y[4], y[6]
    vh = V_VESSEL - V
    p_gas = P_INERT * T / CHEM["T0"] * (V_VESSEL - V0) / vh + R * n * T / vh
    return p_gas + 1e5 * 10 ** (A - B / (T + CC)), p_gas


def rhs(t, y, F_dose, n2_open):
    V, nA, nB, nP, T, Tj, n, o2 = y
    r = CHEM["k0"] * np.exp(-CHEM["Ea"] / (R * T)) * nA * nB / V
    q = -CHEM["dH"] * r - 2500.0 * (T - Tj) + 1000.0 * 3500.0 * F_dose * (CHEM["T0"] - T)
    P, p_gas = head(y)
    n_in = n2_open * orifice(P)
    return [F_dose, -r, F_dose * CHEM["c_dose"] - r, r, q / (1000.0 * 3500.0 * V),
            (2500.0 * (T - Tj) + 2.0 * 4180.0 * (BATCH.coolant - Tj)) / (300.0 * 4180.0), n_in,
            -n_in * o2 / (p_gas * (V_VESSEL - V) / (R * T))]


def reference(t_event: float, sis_works: bool):
    """SciPy: the regulator fails open at ``t_event`` in the dosing; PT-02 (when it works) closes the nitrogen and
    stops the dosing at the trip. Returns the trip time, the design crossing, a dense solution per segment."""
    y = np.array([V0, 2000.0 * V0, 0.0, 0.0, CHEM["T0"], CHEM["T0"], 0.0, Y0])
    t, n2, dosing, trip, design, pieces = 0.0, 0.0, FLOW, None, None, []
    end = t_event + BATCH.duration
    while t < end:
        stop = min(c for c in (t_event, BATCH.dose_time, end) if c > t)

        armed = sis_works and trip is None

        def trip_crossing(t, y, *args, armed=armed):
            return head(y)[0] - P_TRIP if armed else -1.0

        def design_crossing(t, y, *args):
            return head(y)[0] - P_DESIGN
        trip_crossing.terminal, trip_crossing.direction, design_crossing.direction = True, 1, 1
        sol = solve_ivp(rhs, (t, stop), y, method="DOP853", rtol=1e-10, atol=1e-10, args=(dosing, n2),
                        dense_output=True, events=[trip_crossing, design_crossing])
        pieces.append(sol)
        if design is None and sol.t_events[1].size:
            design = float(sol.t_events[1][0])
        t, y = float(sol.t[-1]), sol.y[:, -1]
        if sol.status == 1:
            trip, n2, dosing = t, 0.0, 0.0
        elif t == t_event:
            n2 = 1.0
        elif t == BATCH.dose_time:
            dosing = 0.0
    return trip, design, pieces


def evaluate(pieces, t):
    out = np.empty((8, t.size))
    for sol in pieces:
        inside = (t >= sol.t[0]) & (t <= sol.t[-1])
        out[:, inside] = sol.sol(t[inside])
    return out


REGULATOR = Gas(supply=Supply(P_SUPPLY, CDA), pressure_trip="SIF-101-PT")


def test_pt02_closes_the_failed_regulator_at_the_exact_trip_crossing():
    """The trip time, the head pressure, the nitrogen let in and the diluted O2 on the whole trace are SciPy's;
    the pressure stays near the trip point (the dosing stopped too), far below the design pressure."""
    trip, design, pieces = reference(1000.0, sis_works=True)
    path = simulate(BATCH, regulator(REGULATOR), Demand(1000.0, frozenset(), 300.0), keep_trace=True)
    assert design is None and not path.top_event and path.top == "design"
    assert path.acted["SIF-101-PT"] == pytest.approx(trip, abs=0.02)
    t = path.trace["t"]
    ref = evaluate(pieces, t)
    assert np.allclose(path.trace["R-101.PT-01"], head(ref)[0], rtol=1e-5)
    # the twin integrates at atol 1e-8: the O2 fraction within 3e-7 (of 0.01: 2e-7 found just after the failure);
    # SciPy's keeps the closed form of a pure nitrogen dilution, y0 n0 / (n0 + n_N2)
    assert np.allclose(path.trace["R-101.AT-01"], ref[7], rtol=0, atol=3e-7)
    n0 = P_INERT * (V_VESSEL - V0) / (R * CHEM["T0"])
    assert ref[7][-1] == pytest.approx(Y0 * n0 / (n0 + ref[6][-1]), rel=1e-9)
    assert path.trace["R-101.AT-01"][-1] < 0.5 * Y0  # the nitrogen let in diluted the oxygen
    grid = np.linspace(0.0, t[-1], 20001)
    assert path.peak_pressure == pytest.approx(head(evaluate(pieces, grid))[0].max(), rel=1e-5)
    assert P_TRIP < path.peak_pressure < P_TRIP + 1e3  # the warming batch's vapour adds a little after the trip
    assert ("trip" in {e for _, _, e in path.events}) and path.trace["R-101.F_dose"][-1] == 0.0


def test_with_pt02_failed_the_supply_drives_the_vessel_through_its_design_pressure():
    trip, design, pieces = reference(1000.0, sis_works=False)
    path = simulate(BATCH, regulator(REGULATOR), Demand(1000.0, frozenset({"SIF-101-PT"}), 300.0), keep_trace=True)
    assert trip is None and design is not None
    assert path.top_event and path.t_design == pytest.approx(design, abs=0.02)
    assert ("design pressure exceeded" in {e for _, _, e in path.events})
    ref = evaluate(pieces, path.trace["t"])
    assert np.allclose(path.trace["R-101.PT-01"], head(ref)[0], rtol=1e-5)


def test_the_orifice_is_choked_below_the_critical_ratio():
    """At the start (1.5 bar into 8 bar) the flow is the textbook choked flow: the pressure rises at n R T / Vh."""
    from scenarios.safety.path import _reactor
    from twin import Twin

    tw = Twin(sample_interval=1.0)
    tw.add(_reactor(BATCH.plant, "R-101", tuple(sorted(CHEM.items()))))
    for name, value in (("p_supply", P_SUPPLY), ("CdA_N2", CDA), ("N2_open", 1.0), ("F_cool", 0.0)):
        tw.set(f"R-101.{name}", value)
    tw.run(until=1.0)
    choked = CDA * P_SUPPLY * np.sqrt(G / (M_N2 * R * T_SUPPLY)) * (2 / (G + 1)) ** ((G + 1) / (2 * (G - 1)))
    assert tw.tags["R-101.N2_in"].value == pytest.approx(choked, rel=1e-7)
    tw.close()


@settings(max_examples=8, deadline=None)
@given(supply=st.floats(2.0, 15.0), cda=st.floats(1e-6, 5e-5), t_event=st.floats(0.0, 7900.0))
@example(supply=2.0, cda=4.221754555554062e-05, t_event=1.5751623405166484e-149)  # a failure a 1e-149 s step gave
def test_pt02_keeps_any_failed_regulator_below_the_design_pressure(supply, cda, t_event):
    """Whatever the supply (bar gauge), the orifice and the moment: PT-02 closes the nitrogen at its 4 bar gauge
    crossing (when the pressure reaches it) and the design pressure is never reached; with PT-02 failed a supply
    above the design pressure always drives the vessel through it."""
    g = Gas(supply=Supply(supply * 1e5 + ATMOSPHERE, cda), pressure_trip="SIF-101-PT")
    kept = simulate(BATCH, regulator(g), Demand(t_event, frozenset(), 300.0))
    assert not kept.top_event and kept.peak_pressure < P_TRIP + 2e3
    if "SIF-101-PT" in kept.acted:
        assert kept.peak_pressure > P_TRIP - 1.0
    else:  # a supply below the trip point (the dosing compressing the pad may still carry it over)
        assert kept.peak_pressure < P_TRIP
    if supply > 6.2:  # above the design pressure (below it the dosing's compression may or may not reach it)
        lost = simulate(BATCH, regulator(g), Demand(t_event, frozenset({"SIF-101-PT"}), 300.0))
        assert lost.top_event and lost.t_design > t_event


# --- bad input and the example scenarios --------------------------------------------------------------------------

def test_a_regulator_path_needs_its_supply_and_refuses_the_vapour_relief():
    with pytest.raises(ValueError, match="supply"):
        PathSetup("regulator_open")
    with pytest.raises(ValueError, match="tempered"):
        PathSetup("regulator_open", Barriers(relief=ReliefDevice("RD-101", 5e5)), REGULATOR)


@pytest.mark.parametrize(("edit", "message"), [
    (("    oxygen: {loc: 10.5 %, ipl: AT-101, purge: 20 m3/h, operator: true}\n", ""), "oxygen: section"),
    (("ingress: 5 m3/h}", "}"), "ingress"),
    (("dosing_stuck_open, flow: 0.5 L/s}", "dosing_stuck_open, flow: 0.5 L/s, ingress: 1 m3/h}"),
     "belongs to a nitrogen_loss"),
    (("ipl: AT-101, purge", "ipl: AT-110, purge"), "AT-101"),
])
def test_bad_headspace_sections_are_refused_with_file_key_and_hint(tmp_path, edit, message):
    from scenarios.scenario import load
    from twin.config import ConfigError

    text = (FOLDER / "api_bay_paths.yaml").read_text()
    old, new = edit
    old = old.replace("    oxygen", "  oxygen")
    assert old in text
    path = tmp_path / "paths.yaml"
    path.write_text(text.replace(old, new).replace("../../", f"{ROOT}/").replace(
        "api_bay_lopa.yaml", str(FOLDER / "api_bay_lopa.yaml")))
    with pytest.raises(ConfigError, match=message) as err:
        load(path)
    assert "paths.yaml" in str(err.value)


def test_the_o2_alarm_answered_by_hand_is_late_and_the_interlock_agrees_with_the_lopa():
    """api_bay_paths.yaml's inerting_loss (5 m3/h of air): the operator answering AT-01 after a lognormal 5 min is
    late on a third of the paths he must stop alone, so the dynamic frequency lies above the LOPA's 3e-3/yr;
    acting at the exact crossing (o2_interlock) the estimate covers it again."""
    from scenarios.safety.model import accident_paths
    from scenarios.scenario import load

    scenario = load(FOLDER / "api_bay_paths.yaml")
    by_hand = accident_paths(scenario.settings("base"))["inerting_loss"].estimate(60, np.random.default_rng(1))
    assert by_hand.reach == 1.0 and by_hand.late["AT-101"] > 0.2
    assert by_hand.estimate.low > by_hand.lopa == pytest.approx(3e-3)
    interlock = accident_paths(scenario.settings("o2_interlock"))["inerting_loss"].estimate(
        60, np.random.default_rng(1))
    assert interlock.late["AT-101"] == 0.0 and interlock.agrees


def test_the_pressure_scenario_agrees_with_its_lopa():
    """api_bay_pressure.yaml: PT-02 always closes the nitrogen in time, so the dynamic estimate covers the LOPA
    (1e-5/yr: 0.1/yr x SIF 0.01 x disc 0.01, the disc as its PFD)."""
    from scenarios.safety.model import accident_paths
    from scenarios.scenario import load

    sampler = accident_paths(load(FOLDER / "api_bay_pressure.yaml").settings("base"))["nitrogen_overpressure"]
    assert sampler.setup.barriers.relief is None and sampler.static == pytest.approx(0.01)
    found = sampler.estimate(40, np.random.default_rng(2))
    assert found.reach == 1.0 and found.late["SIF-101-PT"] == 0.0 and found.agrees
    assert found.lopa == pytest.approx(1e-5)
