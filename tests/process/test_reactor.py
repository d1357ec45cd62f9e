"""Jacketed semi-batch reactor: adiabatic temperature rise and energy balance against hand calculations."""
import dataclasses

import pytest

from twin import Twin
from twin.process.units import SemiBatchReactor
from twin.process.units.reactor import (
    GROUPS,
    PARAMETERS,
    Contents,
    Headspace,
    Inerting,
    Jacket,
    Kinetics,
    Relief,
)

RHO, CP, DH, C_DOSE = 1000.0, 3500.0, -1.5e5, 5000.0


def dose(tw, flow, seconds):
    tw.set("R-1.F_dose", flow)
    yield tw.env.timeout(seconds)
    tw.set("R-1.F_dose", 0.0)


def reactor(UA: float) -> SemiBatchReactor:
    """2 m3 of A at 2000 mol/m3 and 20 degC; no interlock."""
    return SemiBatchReactor("R-1", contents=Contents(V0=2.0, cA0=2000.0, T0=293.15, rho=RHO, cp=CP, c_dose=C_DOSE),
                            kinetics=Kinetics(dH=DH), jacket=Jacket(UA=UA), T_trip=None)


def run(UA, F_cool, hours=8.0):
    tw = Twin(sample_interval=10.0)
    tw.add(reactor(UA))
    tw.set("R-1.F_cool", F_cool)
    tw.env.process(dose(tw, 1e-3, 400.0))  # 0.4 m3 of B solution: 2000 mol of B, A (4000 mol) in excess
    tw.run(until=hours * 3600)
    return {n.split(".", 1)[1]: tw.tags[n].value for n in tw.tags.names("R-1.*")}


def test_adiabatic_temperature_rise_matches_the_hand_calculation():
    s = run(UA=0.0, F_cool=0.0)
    # Hand calculation: all 2000 mol of B react; the heat warms 2.4 m3 of contents (dosed at T0):
    # dT_ad = -dH * n_B / (rho * cp * V) = 1.5e5 * 2000 / (1000 * 3500 * 2.4) = 35.714 K
    assert s["nP"] == pytest.approx(2000.0, rel=1e-6)
    assert s["V"] == pytest.approx(2.4, rel=1e-12)
    assert s["T"] - 293.15 == pytest.approx(1.5e5 * 2000 / (1000 * 3500 * 2.4), rel=1e-6)
    assert s["Q_jacket"] == 0.0


def test_energy_balance_closes_with_jacket_cooling():
    s = run(UA=8e3, F_cool=2.0, hours=3.0)
    # Enthalpy of the contents (reference 0 K, constant rho*cp): in = reaction heat + dosed enthalpy - jacket heat
    gained = RHO * CP * (s["V"] * s["T"] - 2.0 * 293.15)
    dosed = RHO * CP * 0.4 * 293.15
    assert gained == pytest.approx(dosed + s["Q_rxn"] - s["Q_jacket"], rel=1e-7)
    assert s["Q_rxn"] == pytest.approx(-DH * s["nP"], rel=1e-7)  # heat released = dH times product formed
    assert s["Q_jacket"] > 0.5 * s["Q_rxn"]  # the jacket took most of it


def test_an_input_changed_a_hair_after_the_start_does_not_stop_the_run():
    """The dosing doubled 1.6e-149 s after the start (an event a hair after another; hypothesis found it on a safety
    path): SUNDIALS cannot take such a step (it failed with RHSFUNC_ERR / TOO_MUCH_WORK), so the clock moves alone.
    Reference: the volume by hand, V = 2 + 1e-4 * 1.6e-149 + 2e-4 * 100 m3 (dosing is the only flow)."""
    tw = Twin(sample_interval=10.0)
    tw.add(reactor(UA=8e3))
    tw.set("R-1.F_cool", 2.0)
    tw.set("R-1.F_dose", 1e-4)

    def double_the_dosing(tw):
        yield tw.env.timeout(1.5751623405166484e-149)
        tw.set("R-1.F_dose", 2e-4)

    tw.env.process(double_the_dosing(tw))
    tw.run(until=100.0)
    assert tw.tags["R-1.V"].value == pytest.approx(2.0 + 2e-4 * 100.0, rel=1e-12)


def test_a_threshold_left_out_is_not_watched():
    """No magic numbers for "off": without a relief device, a design pressure, a pressure trip, an O2 alarm, a LOC or
    an interlock the reactor declares neither their guards nor their tags (they were 1e12 Pa and 100 % before)."""
    bare = SemiBatchReactor("R", T_trip=None)
    assert set(bare.guards) == {"at_setpoint", "drained"}
    assert not {"T_trip", "P_relief", "P_design", "P_trip", "O2_alarm", "LOC"} & set(bare.inputs)
    watched = SemiBatchReactor("R", headspace=Headspace(P_design=7e5, P_trip=5e5), relief=Relief(P_relief=6e5),
                               inerting=Inerting(O2_alarm=0.08, LOC=0.105))
    assert set(watched.guards) == {"T_high", "at_setpoint", "drained", "P_relief", "P_design", "P_high", "O2_high",
                                   "flammable", "reseat"}
    assert {n: watched.inputs[n].value for n in ("T_trip", "P_relief", "P_design", "P_trip", "O2_alarm", "LOC")} == {
        "T_trip": 353.15, "P_relief": 6e5, "P_design": 7e5, "P_trip": 5e5, "O2_alarm": 0.08, "LOC": 0.105}


def test_parameters_by_name_land_in_their_groups():
    """``SemiBatchReactor.of`` (a plant's params, a scenario's chemistry) builds the same model as the groups, every
    parameter the tag of its name; an unknown name is refused with the known ones, and a plant's params with it."""
    flat = SemiBatchReactor.of("R", V0=1.5, k0=1.1e4, UA=2.5e3, T_trip=348.15, p_inert=1.2e5, vent_gas=1.0,
                               P_design=7.01e5, P_relief=6.01e5, LOC=0.105)
    grouped = SemiBatchReactor("R", contents=Contents(V0=1.5), kinetics=Kinetics(k0=1.1e4), jacket=Jacket(UA=2.5e3),
                               T_trip=348.15, headspace=Headspace(p_inert=1.2e5, vent_gas=True, P_design=7.01e5),
                               relief=Relief(P_relief=6.01e5), inerting=Inerting(LOC=0.105))
    assert {n: v.value for n, v in flat.inputs.items()} == {n: v.value for n, v in grouped.inputs.items()}
    assert list(flat.guards) == list(grouped.guards) and "vent" in flat.outputs  # vent_gas: the three balances
    assert flat.states["V"].value == 1.5 and flat.inputs["k0"].value == 1.1e4
    assert set(PARAMETERS) == {f.name for g in GROUPS.values() for f in dataclasses.fields(g)} | {"T_trip"}
    with pytest.raises(TypeError, match="no parameter 'kO'.*k0"):
        SemiBatchReactor.of("R", kO=1.0)


def test_a_plant_reactor_with_an_unknown_parameter_names_the_asset():
    from twin.behaviours import BehaviourError
    from twin.examples.reactor_interlock import PLANT
    from twin.plant import load

    with pytest.raises(BehaviourError, match=r"R-101 \(semi_batch_reactor\).*no parameter 'jacket_UA'"):
        Twin(load(PLANT), params={"R-101": {"jacket_UA": 2e3}})


def test_every_field_of_the_groups_reaches_the_model():
    """Each group field is a parameter tag of its name, a state's start, or the build-time vent_gas choice."""
    from twin.process.units.reactor import _PARAMETERS

    declared = {name: group for name, group, _, _ in _PARAMETERS}
    starts = {"V0", "cA0", "T0", "O2_0"}
    for key, group in GROUPS.items():
        for f in dataclasses.fields(group):
            assert declared.get(f.name) == key or f.name in starts | {"vent_gas"}, (key, f.name)
    assert set(declared) - {f.name for g in GROUPS.values() for f in dataclasses.fields(g)} == {"T_trip"}
