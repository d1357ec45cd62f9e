"""The relief device and the head pressure on the accident path, against SciPy.

Reference: R-101's equations (:class:`twin.process.units.SemiBatchReactor`, the plant's UA 2.5 kW/K and 4 m3
vessel, the model's jacket of 300 kg of water) written again in NumPy with the head pressure (ethanol's vapour
pressure, Antoine constants of the NIST Chemistry WebBook after Ambrose & Sprake 1970, plus nitrogen padded to
0.5 bar gauge at the start, an ideal gas compressed by the liquid) and integrated with SciPy's ``solve_ivp``
(DOP853, rtol 1e-10); the set-pressure, reseat and design-pressure crossings located by SciPy's event finder. The
open device is the stated tempered model: no temperature change, the net heat boils ethanol off (838 kJ/kg,
38.56 kJ/mol at the normal boiling point / 46.07 g/mol, NIST).
"""
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import solve_ivp

from scenarios.safety.path import ATMOSPHERE, Barriers, Batch, Demand, PathSetup, ReliefDevice, simulate

ROOT = Path(__file__).resolve().parents[2]
C = 273.15
R = 8.314462618
A, B, CC = 5.24677, 1598.673, -46.424  # ethanol, log10(p / bar) = A - B / (T + C), 293-367 K (NIST)
H_VAP, V_VESSEL = 38.56e3 / 46.07e-3, 4.0


def vapour(T):
    return 1e5 * 10 ** (A - B / (T + CC))


P_INERT = 0.5e5 + ATMOSPHERE - vapour(50 + C)  # nitrogen: 0.5 bar gauge in all at 50 degC
DESIGN, SET = 2.1e5 + ATMOSPHERE, 1.8e5 + ATMOSPHERE  # a weak vessel, so that the runaway reaches it
CHEM = {"V0": 1.5, "cA0": 2000.0, "T0": 50 + C, "k0": 1.1e4, "Ea": 60e3, "dH": -2e5, "c_dose": 5000.0,
        "p_inert": P_INERT, "h_vap": H_VAP, "P_design": DESIGN}
BATCH = Batch(ROOT / "plant_models" / "api_bay" / "plant.yaml", "R-101", CHEM, flow=1e-4, dose_time=4000.0,
              digest_time=4000.0, coolant=15 + C, alarm=65 + C, mtt=80 + C, td24=400.0)
NO_SAFETY = frozenset({"TAH-101", "SIF-101"})


def pressure(y):
    V, T = y[0], y[4]
    return P_INERT * T / CHEM["T0"] * (V_VESSEL - CHEM["V0"]) / (V_VESSEL - V) + vapour(T)


def net_heat(y, F_dose):
    V, nA, nB, nP, T, Tj = y
    r = CHEM["k0"] * np.exp(-CHEM["Ea"] / (R * T)) * nA * nB / V
    return -CHEM["dH"] * r - 2500.0 * (T - Tj) + 1000.0 * 3500.0 * F_dose * (CHEM["T0"] - T), r


def rhs(t, y, F_dose, F_cool, relief):
    V, nA, nB, nP, T, Tj = y
    q, r = net_heat(y, F_dose)
    return [F_dose - relief * q / (H_VAP * 1000.0), -r, F_dose * CHEM["c_dose"] - r, r,
            (1 - relief) * q / (1000.0 * 3500.0 * V), (2500.0 * (T - Tj) + F_cool * 4180.0 * (BATCH.coolant - Tj))
            / (300.0 * 4180.0)]


def reference(t_fail: float, relief_works: bool):
    """SciPy: cooling lost at ``t_fail``, the dosing running its course; returns the opening and reseat times, the
    design-pressure crossing (None: none), the end state and the peak pressure on the dense solutions."""
    y = np.array([CHEM["V0"], CHEM["cA0"] * CHEM["V0"], 0.0, 0.0, CHEM["T0"], CHEM["T0"]])
    t, open_, opened, reseated, design, peak = 0.0, 0, [], [], None, 0.0
    while t < BATCH.duration:
        end = min(c for c in (t_fail, BATCH.dose_time, BATCH.duration) if c > t)
        args = (BATCH.flow if t < BATCH.dose_time else 0.0, 2.0 if t < t_fail else 0.0, open_)

        def design_crossing(t, y, *args):
            return pressure(y) - DESIGN

        def toggle(t, y, F_dose, F_cool, relief):
            return -net_heat(y, F_dose)[0] if relief else (pressure(y) - SET if relief_works else -1.0)
        toggle.terminal, toggle.direction, design_crossing.direction = True, 1, 1
        sol = solve_ivp(rhs, (t, end), y, method="DOP853", rtol=1e-10, atol=1e-10, args=args, dense_output=True,
                        events=[toggle, design_crossing])
        grid = np.linspace(sol.t[0], sol.t[-1], 2001)
        peak = max(peak, float(pressure(sol.sol(grid)).max()))
        if design is None and sol.t_events[1].size:
            design = float(sol.t_events[1][0])
        t, y = float(sol.t[-1]), sol.y[:, -1]
        if sol.status == 1:
            (reseated if open_ else opened).append(t)
            open_ = 1 - open_
    return opened, reseated, design, y, peak


def relieved(set_pressure: float) -> PathSetup:
    return PathSetup("cooling_loss", Barriers(alarm="TAH-101", trip="SIF-101", relief=ReliefDevice("RD-101",
                                                                                               set_pressure)))


def run(failed):
    return simulate(BATCH, relieved(SET), Demand(1000.0, failed, 300.0), keep_trace=True)


def test_without_the_relief_the_runaway_crosses_the_design_pressure_when_scipy_does():
    opened, _, design, _, peak = reference(1000.0, relief_works=False)
    path = run(NO_SAFETY | {"RD-101"})
    assert opened == [] and design is not None
    assert path.top_event and path.t_design == pytest.approx(design, abs=1e-3)
    assert "RD-101" not in path.acted
    assert path.peak_pressure == pytest.approx(peak, rel=1e-4)


def test_a_working_relief_tempers_the_batch_below_the_design_pressure():
    """The disc opens at the exact set-pressure crossing, the temperature holds while ethanol boils off, the device
    recloses when the net heat falls through zero: times, the boiled-off volume and the pressure on the whole trace
    are SciPy's, and the design pressure is never reached."""
    opened, reseated, design, y_end, peak = reference(1000.0, relief_works=True)
    path = run(NO_SAFETY)
    assert design is None and not path.top_event and path.t_design is None
    assert len(opened) == 1 and path.acted["RD-101"] == pytest.approx(opened[0], abs=1e-3)
    # the liquid dosed while the device is open compresses the nitrogen a little (the model vents vapour only)
    assert SET < peak < SET + 1e3 and path.peak_pressure == pytest.approx(peak, rel=1e-5)
    trace = path.trace
    held = (trace["t"] > opened[0]) & (trace["t"] < reseated[0])
    assert held.sum() > 10 and np.ptp(trace["R-101.T"][held]) < 1e-6  # tempered: the temperature holds
    closed = trace["t"][(trace["t"] > opened[0]) & (trace["R-101.relief"] == 0.0)][0]  # the reseat's event sample
    assert len(reseated) == 1 and closed == pytest.approx(reseated[0], abs=1e-3)
    assert trace["R-101.LT-01"][-1] == pytest.approx(y_end[0], abs=1e-7)  # the boiled-off ethanol left the batch
    assert trace["R-101.T"][-1] == pytest.approx(y_end[4], abs=1e-5)
    assert ("relief opened" in {e for _, _, e in path.events})


def test_a_relief_set_above_the_design_pressure_is_refused():
    with pytest.raises(ValueError, match="design pressure"):
        simulate(BATCH, relieved(DESIGN + 1e4), Demand(1000.0, NO_SAFETY, 300.0))


FOLDER = ROOT / "scenarios" / "safety"


def test_the_relief_variant_simulates_the_disc_where_the_lopa_credits_it():
    from scenarios.safety.model import accident_paths
    from scenarios.scenario import load

    samplers = accident_paths(load(FOLDER / "api_bay_paths.yaml").settings("relief"))
    cooling, overcharge = samplers["runaway_cooling_loss"], samplers["dosing_overcharge"]
    assert cooling.setup.barriers.relief == ReliefDevice("RD-101", pytest.approx(5e5 + ATMOSPHERE))
    assert "RD-101" in cooling.barriers
    assert cooling.static == pytest.approx(1.0)  # RD-101's PFD is now drawn path by path, not multiplied in
    assert overcharge.setup.barriers.relief is None  # its LOPA row credits no relief device


@pytest.mark.parametrize("relief, key, words", [("{ipl: RD-101, set: 7 bar}", "set", "design pressure"),
                                                 ("{ipl: RD-110, set: 5 bar}", "ipl", "RD-101")])
def test_a_bad_relief_is_refused_with_its_file_and_a_hint(tmp_path, relief, key, words):
    from scenarios.scenario import load
    from twin.config import ConfigError

    text = (FOLDER / "api_bay_paths.yaml").read_text().replace("{ipl: RD-101, set: 5 bar}", relief)
    path = tmp_path / "paths.yaml"
    path.write_text(text.replace("../../", f"{ROOT}/").replace("api_bay_lopa.yaml", str(FOLDER / "api_bay_lopa.yaml")))
    with pytest.raises(ConfigError) as info:
        load(path).settings("relief")
    assert key in str(info.value) and words in str(info.value) and info.value.file is not None


def test_the_head_pressure_is_ethanols_boiling_point_and_boyles_law():
    """Independent references: ethanol boils at 351.44 K under 1 atm (NIST Chemistry WebBook, Tboil 351.44 K), and
    the padding gas obeys Boyle's law when 0.5 m3 of liquid at the same temperature is dosed into the 2.5 m3
    headspace (no reaction, no jacket): p_inert * 2.5 / 2.0."""
    from twin import Twin
    from twin.process.units import SemiBatchReactor
    from twin.process.units.reactor import Contents, Headspace, Jacket, Kinetics

    tw = Twin(sample_interval=10.0)
    tw.add(SemiBatchReactor("R", contents=Contents(V0=1.5, T0=351.44), kinetics=Kinetics(k0=0.0), jacket=Jacket(UA=0.0),
                            headspace=Headspace(V_vessel=4.0, p_inert=1e5)))
    tw.set("R.T_dose", 351.44)
    tw.run(until=10.0)
    assert tw.tags["R.PT-01"].value - 1e5 == pytest.approx(ATMOSPHERE, rel=2e-3)
    tw.set("R.F_dose", 1e-3)
    tw.run(until=510.0)
    assert tw.tags["R.LT-01"].value == pytest.approx(2.0, rel=1e-9)
    assert tw.tags["R.PT-01"].value - 1e5 * 2.5 / 2.0 == pytest.approx(ATMOSPHERE, rel=2e-3)
    tw.close()


@settings(max_examples=8, deadline=None)
@given(t_fail=st.floats(0.0, 3000.0), set_gauge=st.floats(0.8e5, 1.9e5))
def test_a_working_relief_caps_the_pressure_wherever_it_is_set(t_fail, set_gauge):
    """Property: whenever the cooling fails and wherever the disc is set below the design pressure, the working disc
    keeps the head pressure no higher than the same path without it, and above its set pressure by no more than the
    stated model allows: it vents vapour only, so the liquid still dosed while it is open compresses the nitrogen
    (at most the whole 0.4 m3 dose into the 2.1 m3 left: Boyle, the nitrogen at most at 110 degC)."""
    demand = Demand(t_fail, NO_SAFETY, 300.0)
    held = simulate(BATCH, relieved(set_gauge + ATMOSPHERE), demand)
    bare = simulate(BATCH, relieved(set_gauge + ATMOSPHERE), Demand(t_fail, NO_SAFETY | {"RD-101"}, 300.0))
    assert not held.top_event
    nitrogen = P_INERT * (110 + C) / CHEM["T0"] * 2.5 / 2.1
    assert held.peak_pressure <= set_gauge + ATMOSPHERE + nitrogen * 0.4 / 2.1
    assert held.peak_pressure <= bare.peak_pressure + 1e-6


def test_the_relief_variants_figure_draws_the_head_pressure():
    from scenarios.safety.figures import paths_figure
    from scenarios.safety.model import accident_paths
    from scenarios.scenario import load

    settings = load(FOLDER / "api_bay_paths.yaml").settings("relief")
    samplers = {"runaway_cooling_loss": accident_paths(settings)["runaway_cooling_loss"]}
    fig = paths_figure(samplers, 337.0)
    temperature, head = fig.axes
    assert head.get_ylabel().startswith("head pressure")
    assert "RD-101 alone (relief)" in [t.get_text() for t in temperature.get_legend().get_texts()]
    sampler = samplers["runaway_cooling_loss"]
    bare = sampler.run(Demand(sampler.batch.dose_time / 4, frozenset(sampler.barriers), sampler.response.median))
    assert head.get_lines()[-1].get_ydata().max() == pytest.approx((bare.peak_pressure - ATMOSPHERE) / 1e5)


def test_a_relief_on_a_reactor_without_design_pressure_is_refused_with_its_key(tmp_path):
    """The top event of a relieved path is the design pressure: a plant that gives none is named at the relief key
    (it was a TypeError traceback deep in the check)."""
    from scenarios.scenario import load
    from twin.config import ConfigError

    plant = (ROOT / "plant_models" / "api_bay" / "plant.yaml").read_text()
    plant = plant.replace(", design_pressure: 6 bar", "").replace(
        "plant: api_bay.ifc", f"plant: {ROOT / 'plant_models' / 'api_bay' / 'api_bay.ifc'}")
    (tmp_path / "plant.yaml").write_text(plant)
    text = (FOLDER / "api_bay_paths.yaml").read_text().replace("../../plant_models/api_bay/plant.yaml", "plant.yaml")
    (tmp_path / "paths.yaml").write_text(text.replace("api_bay_lopa.yaml", str(FOLDER / "api_bay_lopa.yaml")))
    with pytest.raises(ConfigError) as info:
        load(tmp_path / "paths.yaml")
    assert "relief" in str(info.value) and "no design pressure" in str(info.value) and info.value.line is not None
