"""The airflow network between rooms (scenarios.energy.leakage) against hand solutions, scipy's fsolve on the
equations written out here, mass conservation, and the cascade of the example plant."""
import functools
import textwrap
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import fsolve

from scenarios import scenario
from scenarios.energy import air, leakage, model
from scenarios.energy.params import EnergyParams
from twin import plant as plants
from twin.config import ConfigError

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "scenarios" / "energy" / "osd_cm_line.yaml"
RHO, CD = 1.2, 0.61


def orifice(area, dp):
    """Mass flow (kg/s) of air through an orifice of ``area`` under ``dp``: C_d A sqrt(2 rho dp), signed."""
    return CD * area * np.sign(dp) * np.sqrt(2 * RHO * np.abs(dp))


@functools.cache
def example():
    return scenario.load(EXAMPLE)


def test_three_rooms_in_series_match_the_hand_solution():
    # outside <- A <- B <- C, only C supplied with an excess of 0.05 kg/s: the same flow crosses every door,
    # so each door's drop is (m / (C_d A sqrt(2 rho)))^2 and the pressures add up from the outdoors
    m, areas = 0.05, (0.02, 0.01, 0.015)
    net = leakage.Network(("A", "B", "C"), (("A", "outside", areas[0]), ("B", "A", areas[1]),
                                            ("C", "B", areas[2])), rho=RHO)
    drops = [(m / (CD * a * np.sqrt(2 * RHO))) ** 2 for a in areas]     # 7.47, 29.86, 13.27 Pa
    p = net.pressures(np.array([0.0, 0.0, m]))
    assert p == pytest.approx(np.cumsum(drops), rel=1e-9)
    assert net.flows(p) == pytest.approx([m, m, m], rel=1e-9)


def test_a_branched_network_matches_fsolve_and_conserves_mass():
    # a grade-C room and an airlock both open onto a corridor; the corridor and the airlock leak outdoors;
    # the corridor is extracted (negative offset): the equations, written out, solved by MINPACK's hybrd
    doors = {("C", "corr"): 0.0124, ("lock", "corr"): 0.0124, ("lock", "outside"): 0.0124,
             ("C", "outside"): 0.005, ("corr", "outside"): 0.01}
    offsets = {"C": 0.12, "lock": 0.03, "corr": -0.02}
    net = leakage.Network(("C", "corr", "lock"), tuple((a, b, area) for (a, b), area in doors.items()), rho=RHO)

    def equations(p):
        c, corr, lock = p
        return [orifice(0.0124, c - corr) + orifice(0.005, c) - offsets["C"],
                orifice(0.01, corr) - orifice(0.0124, c - corr) - orifice(0.0124, lock - corr) - offsets["corr"],
                orifice(0.0124, lock - corr) + orifice(0.0124, lock) - offsets["lock"]]

    reference = fsolve(equations, [30.0, 10.0, 15.0], xtol=1e-13)
    p = net.pressures(np.array([offsets["C"], offsets["corr"], offsets["lock"]]))
    assert p == pytest.approx(reference, abs=1e-6)
    # what the supply puts in leaves to the outdoors, nowhere else
    to_outside = sum(f for f, (a, b, _) in zip(net.flows(p), net.paths) if b == "outside")
    assert to_outside == pytest.approx(sum(offsets.values()), rel=1e-9)


def test_neighbours_come_from_the_rooms_walls():
    spaces = plants.load(ROOT / "plant_models" / "osd_cm_line" / "osd_cm_line.ifc").spaces
    # generate.py places the ground-floor rooms on a 20 x 12.5 m plan: the airlocks G01 (0-4 m) and G03 (4-8 m)
    # and the technical room G20 (8-20 m) along y 0-3 m, the corridor G02 at y 3-5.5 m, the process rooms
    # G10, G11, G12 behind it; the upper level repeats corridor U02 and feeding room U10 above G02 and G10
    assert sorted(leakage.neighbours(spaces)) == sorted([
        ("G01", "G03"), ("G01", "G02"), ("G03", "G02"), ("G03", "G20"), ("G02", "G10"), ("G02", "G11"),
        ("G02", "G12"), ("G02", "G20"), ("G10", "G11"), ("G11", "G12"), ("U02", "U10")])


def test_the_design_offsets_hold_the_design_cascade_and_a_joint_setback_quarters_it():
    params = EnergyParams.of(example().variants["base"])
    zone_of = air.zones(params.plant, params.rooms)
    served = [zone_of[n] for ahu in params.ahus.values() for n in ahu.serves]
    design = np.array([z.dp for z in served])
    steps = np.ones((2, len(served)))
    steps[1] = 0.5
    pressures, margin = air.cascade(EnergyParams.of(example().variants["setback_losing_pressure"]), served, steps)
    assert pressures[0] == pytest.approx(design, abs=1e-6)
    # the orifice law is homogeneous: half of every offset is a quarter of every pressure (30 -> 7.5, 15 -> 3.75)
    assert pressures[1] == pytest.approx(design / 4, abs=1e-6)
    assert margin[1].min() == pytest.approx(15 / 4 - 10, abs=1e-6)


def test_setting_back_only_the_corridors_shifts_the_cascade_as_fsolve_says():
    params = example().variants["setback_corridors_only"]
    typed = EnergyParams.of(params)
    zone_of = air.zones(typed.plant, typed.rooms)
    served = [zone_of[n] for ahu in typed.ahus.values() for n in ahu.serves]
    names = [z.number for z in served]
    fraction = np.array([[0.5 if z.grade == "D" else 1.0 for z in served]])
    pressures, margin = air.cascade(typed, served, fraction)
    # the same network written out from the scenario: its doors at 124 cm2, each room's shell 1 cm2 per m2
    paths = [(a, b, 0.0124) for a, b in params["leakage"]["doors"]] + [(z.number, "outside", 1e-4 * z.area)
                                                                       for z in served]
    rho = 101325.0 / (287.05 * 294.15)

    def outflow(p):
        at = dict(zip(names, p)) | {"outside": 0.0}
        out = dict.fromkeys(names, 0.0)
        for a, b, area in paths:
            dp = at[a] - at[b]
            m = CD * area * np.sign(dp) * np.sqrt(2 * rho * abs(dp))
            out[a] = out.get(a, 0.0) + m
            out[b] = out.get(b, 0.0) - m
        return np.array([out[n] for n in names])

    design = np.array([z.dp for z in served])
    offsets = outflow(design) * fraction[0]
    reference = fsolve(lambda p: outflow(p) - offsets, design, xtol=1e-13)
    assert pressures[0] == pytest.approx(reference, abs=1e-6)
    assert outflow(pressures[0]).sum() == pytest.approx(offsets.sum(), abs=1e-12)   # all of it leaves outdoors
    # the corridor is extracted at design (the C rooms overflow into it): halving its offset raises it, and
    # the airlocks, supplied, fall to 13.8 Pa: still 10 Pa over the outdoors, so the variant stays compliant
    at = dict(zip(names, pressures[0]))
    assert at["G02"] > 15 > at["G01"] > 10
    assert margin.min() == pytest.approx(at["G01"] - 10, abs=1e-9)
    assert model.simulate(params).kpis["compliant"] == 1


@pytest.mark.parametrize("doors, message", [
    ("[[G01, G99]]", "door to room 'G99', which the plant does not have"),
    ("[[G01, G02, G03]]", "a door joins two rooms"),
    ("[[G01, G01]]", "a door joins two rooms"),
])
def test_bad_doors_are_refused_with_the_line(tmp_path, doors, message):
    text = EXAMPLE.read_text().replace("plant: ../../", f"plant: {ROOT}/")
    start = text.index("  doors:")
    end = text.index("\n\n", start)
    path = tmp_path / "energy.yaml"
    text = text[:start] + textwrap.indent(f"doors: {doors}", "  ") + text[end:]
    path.write_text(text)
    with pytest.raises(ConfigError, match=message) as error:
        scenario.load(path)
    assert error.value.line == text[:text.index("  doors:")].count("\n") + 1
    assert str(error.value.file).endswith("energy.yaml")


@settings(max_examples=30, deadline=None)
@given(st.integers(2, 6).flatmap(lambda n: st.tuples(
    st.just(n),
    st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n), st.floats(0.005, 0.05)), min_size=1, max_size=10),
    st.lists(st.floats(0.002, 0.02), min_size=n, max_size=n),
    st.lists(st.floats(-0.1, 0.1), min_size=n, max_size=n))))
def test_any_network_conserves_mass_in_every_room(case):
    # any rooms, any doors among them and to the outdoors (index n), each room's shell leaking outdoors, any
    # offsets (supplied or extracted) of rooms (pressures up to some kPa; a building's are tens of Pa): the solved
    # pressures carry each room's offset away, the rest outdoors
    n, doors, shells, offsets = case
    rooms = tuple(f"R{i}" for i in range(n))
    name = (*rooms, "outside")
    paths = tuple((name[a], name[b], area) for a, b, area in doors if a != b)
    net = leakage.Network(rooms, paths + tuple((r, "outside", s) for r, s in zip(rooms, shells)), rho=RHO)
    p = net.pressures(np.array(offsets))
    assert net.net_outflow(p) == pytest.approx(offsets, abs=1e-9)
    to_outside = sum(f for f, (a, b, _) in zip(net.flows(p), net.paths) if b == "outside")
    assert to_outside == pytest.approx(sum(offsets), abs=1e-9)
