"""Two coupled FMUs (a reactor and its temperature-control unit) against the same plant written as one model.

The reference is the monolithic ODE of both units (reactor T, c; TCU Tj, I), written in CasADi from the same
equations as twin/fmu/models/reactor.c and tcu.c and integrated by CVODES at rtol 1e-12. Co-simulation holds each
coupling value constant over a communication step (zero-order hold), a first-order error: the test states a
tolerance of 1 K at a 10 s step over the hour, and checks that the error halves with the step (observed order
between 0.8 and 1.3). The set point changes at t = 1234.5 s, between grid points, from a DES process.
"""
import casadi as ca
import numpy as np
import pytest

from twin.fmu.master import CoSimulation
from twin.fmu.testing import MODELS
from twin.fmu.unit import FMUUnit
from twin.twin import Twin

T_SP_CHANGE, T_SET_1, T_SET_2, STOP = 1234.5, 330.0, 340.0, 3600.0
GRID = np.arange(0.0, STOP + 1, 40.0)


def reference() -> np.ndarray:
    """Reactor temperature on GRID from the monolithic model (CasADi + CVODES)."""
    r = {v.name: v.start for v in MODELS["reactor"].variables if v.kind == "parameter"}
    c = {v.name: v.start for v in MODELS["tcu"].variables if v.kind == "parameter"}
    x, t_set = ca.SX.sym("x", 4), ca.SX.sym("T_set")
    T, conc, Tj, integral = x[0], x[1], x[2], x[3]
    rate = r["k0"] * ca.exp(-r["Ea_R"] / T) * conc
    error = t_set - T
    supply = t_set + c["Kp"] * (error + integral / c["Ti"])
    ode = ca.vertcat((-r["dH"] * rate * r["volume"] - r["UA"] * (T - Tj)) / r["m_cp"], -rate,
                     (supply - Tj) / c["tau"] + c["UA"] * (T - Tj) / c["m_cp_j"], error)
    opts = {"abstol": 1e-10, "reltol": 1e-12}
    before = GRID[GRID <= T_SP_CHANGE]
    after = GRID[GRID > T_SP_CHANGE]
    first = ca.integrator("first", "cvodes", {"x": x, "p": t_set, "ode": ode}, 0.0,
                          np.append(before, T_SP_CHANGE), opts)
    out1 = np.array(first(x0=[300.0, 1000.0, 300.0, 0.0], p=T_SET_1)["xf"])
    second = ca.integrator("second", "cvodes", {"x": x, "p": t_set, "ode": ode}, T_SP_CHANGE, after, opts)
    out2 = np.array(second(x0=out1[:, -1], p=T_SET_2)["xf"])
    return np.concatenate([out1[0, :-1], out2[0]])


@pytest.fixture(scope="module")
def exact():
    return reference()


def coupled_run(fmu, step, ordering="jacobi", interface="CoSimulation", version=2):
    tw = Twin(sample_interval=step)
    reactor = FMUUnit("R-101", fmu("reactor", version), interface=interface,
                      inputs={"T_jacket": "R-101.TT-02"}, outputs={"T": "R-101.TT-01"})
    tcu = FMUUnit("TCU-101", fmu("tcu", version), interface=interface,
                  inputs={"T": "R-101.TT-01", "T_set": "R-101.TIC-01.SP"}, outputs={"Tj": "R-101.TT-02"})
    tw.add(CoSimulation([reactor, tcu], step=step, ordering=ordering))

    def operator(tw):
        yield tw.env.timeout(777.7)
        tw.tags.define("R-101.HS-01", dtype=bool)
        tw.set("R-101.HS-01", True)            # touches no FMU input: no communication point
        yield tw.env.timeout(T_SP_CHANGE - 777.7)
        tw.set("R-101.TIC-01.SP", T_SET_2)     # an FMU input: a communication point here

    tw.env.process(operator(tw))
    tw.run(until=STOP)
    return tw


def error(tw, exact) -> float:
    times, values, _ = tw.tags.history("R-101.TT-01")
    at = np.searchsorted(times, GRID)
    assert np.allclose(times[at], GRID)
    return float(np.abs(values[at] - exact).max())


@pytest.mark.parametrize("ordering", ["jacobi", "gauss-seidel"])
def test_coupled_fmus_converge_to_the_monolithic_model(fmu, exact, ordering):
    errors = [error(coupled_run(fmu, step, ordering), exact) for step in (40.0, 20.0, 10.0, 5.0)]
    assert errors[2] < 1.0, f"error at a 10 s step: {errors[2]:.3f} K"
    orders = np.log2(np.array(errors[:-1]) / np.array(errors[1:]))
    assert np.all((orders > 0.8) & (orders < 1.3)), f"observed orders {orders}"


@pytest.mark.parametrize("version", [2, 3])
def test_model_exchange_pair_agrees_too(fmu, exact, version):
    assert error(coupled_run(fmu, 10.0, interface="ModelExchange", version=version), exact) < 1.0


def test_communication_points_at_des_events_touching_inputs_only(fmu):
    tw = coupled_run(fmu, 10.0)
    times = tw.tags.history("R-101.TT-01")[0]
    assert np.isclose(times, T_SP_CHANGE).any()
    assert not np.isclose(times, 777.7).any()
    assert len(times) == STOP / 10.0 + 2  # the grid, its start, and the one extra point


def test_gauss_seidel_uses_the_newest_outputs(fmu):
    """In Gauss-Seidel order the second FMU already sees the first one's output at the end of the step."""
    jacobi, seidel = (coupled_run(fmu, 40.0, ordering) for ordering in ("jacobi", "gauss-seidel"))
    tj = [tw.tags.history("R-101.TT-02")[1] for tw in (jacobi, seidel)]
    assert np.abs(tj[0] - tj[1]).max() > 1e-3
