"""Inconsistent flowsheets are rejected at build time naming tag and port; integrator failures name the unit."""
import pytest

from twin.process import (
    Flowsheet,
    FlowsheetError,
    IntegrationError,
    ModelError,
    ProcessModel,
    Simulator,
    simulate,
    solids,
)
from twin.process.units import Blender, LossInWeightFeeder, TabletPress


def line(components_press=("API", "MCC")):
    return Flowsheet(LossInWeightFeeder("LIW-101", "API", ("API", "MCC")), Blender("BL-101", ("API", "MCC")),
                     TabletPress("TP-101", components_press, "API"))


def test_unconnected_inlet_is_named_with_the_fix():
    fs = line().connect("LIW-101.out", "BL-101.in")
    with pytest.raises(FlowsheetError, match=r"TP-101.in: inlet is not connected; .*fs.connect"):
        fs.build()


def test_stream_mismatch_names_both_ports_and_units():
    fs = line(("API", "LAC")).connect("LIW-101.out", "BL-101.in").connect("BL-101.out", "TP-101.in")
    with pytest.raises(FlowsheetError, match=r"BL-101.out -> TP-101.in: stream mismatch.*m_MCC \[kg/s\]"):
        fs.build()


def test_misspelt_tag_and_port_suggest_the_right_ones():
    with pytest.raises(FlowsheetError, match="did you mean BL-101"):
        line().connect("LIW-101.out", "BL-1O1.in")
    with pytest.raises(FlowsheetError, match=r"BL-101 has no inlet 'inlet'; its inlets are \['in'\]"):
        line().connect("LIW-101.out", "BL-101.inlet")


class Mixer(ProcessModel):
    """No holdup: outlet = inlet * share + feed, an instant feed-through."""

    def __init__(self, tag, share, feed):
        super().__init__(tag)
        s = solids(("A",))
        inlet = self.inlet("in", s)
        self.outlet("out", s, {"m_A": share * inlet["m_A"] + feed})
        self.output("m_A", share * inlet["m_A"] + feed, "kg/s")
        x = self.state("clock", 0.0, "s")
        self.der(x, 1.0)


def test_algebraic_loop_is_rejected_or_solved_on_request():
    models = Mixer("M-1", 0.5, 1.0), Mixer("M-2", 1.0, 0.0)
    wiring = [("M-1.out", "M-2.in"), ("M-2.out", "M-1.in")]
    fs = Flowsheet(*models).connect(*wiring[0]).connect(*wiring[1])
    with pytest.raises(FlowsheetError, match=r"algebraic loop through inlets M-1.in, M-2.in.*solve_loops=True"):
        fs.build()
    # Solved by IDAS: m = 0.5 m + 1 -> m = 2 kg/s around the loop
    r = simulate(Mixer("M-1", 0.5, 1.0), Mixer("M-2", 1.0, 0.0), connect=wiring, solve_loops=True, until=5.0)
    assert r["M-1.m_A"][-1] == pytest.approx(2.0, rel=1e-9)


def test_model_declaration_errors():
    m = ProcessModel("X-1")
    m.state("x", 1.0)
    with pytest.raises(ModelError, match="declared twice"):
        m.input("x", 0.0)
    with pytest.raises(ModelError, match=r"states without equation \['x'\]"):
        Flowsheet(m).build()


def test_integrator_failure_names_unit_time_and_state():
    m = ProcessModel("R-9")
    x = m.state("T", 1.0, "K")
    m.der(x, x**2)  # blows up at t = 1
    sim = Simulator(Flowsheet(m).build(), dt=0.25, max_num_steps=5000)
    with pytest.raises(IntegrationError,
                       match=r"unit\(s\) R-9 between t = 0.75 s and t = 1 s: R-9.T = 4[.0-9]* \(d/dt = 16"):
        sim.advance(2.0)
