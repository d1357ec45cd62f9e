"""The safety study's schema: the scenario keys it reads, with their units and defaults (``twin.config`` records).

A scenario is checked against these before anything runs (file, line and key of every mistake); what a schema
cannot say (IPLs on the plant's tags, a trip point below the MTT) is :mod:`scenarios.safety.checks`. The checked
mapping becomes :class:`scenarios.safety.params.SafetyParams`.
"""
from __future__ import annotations

from scenarios.safety.path import KINDS
from twin.config import (
    Anything,
    Boolean,
    FilePath,
    Integer,
    ListOf,
    MapOf,
    Number,
    Quantity,
    Record,
    Schema,
    Str,
    to_si,
)


class Real(Schema):
    """A number: plain, written as text (YAML reads ``1.1e4`` as a string), or ``value unit`` (-> SI)."""

    expected = "a number or a 'value unit' string"

    def validate(self, value, where):
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise self.fail(value, where)
        try:
            return float(value)
        except ValueError:
            try:
                return to_si(value)
            except ValueError as exc:
                raise where.error(f"got {value!r}: {exc}", expected=self.expected) from None


STATE = Record({
    "at": Quantity("s", "30 d").described("when the barrier's health changes, from the start"),
    "tag": Str().described("the health tag: `<IPL tag>.bypassed`, `.failed` or `.test_age`"),
    "value": Anything().described("true or false; for .test_age the time since the proof test (1.5 yr)")},
    required=("at", "tag", "value"), name="a barrier state change")
DOSING = Record({"flow": Quantity("m**3/s", "0.1 L/s").described("B solution dosed"),
                 "time": Quantity("s", "1 h").described("how long the dosing lasts")},
                required=("flow", "time"), name="a dosing")
DECOMPOSITION = Record({
    "q0": Quantity("W/kg", "10 W/kg").described("the final reaction mass's heat release at T0 (DSC)"),
    "T0": Quantity("K", "150 degC").described("the temperature q0 was measured at"),
    "Ea": Quantity("J/mol", "100 kJ/mol").described("the decomposition's activation energy")},
    required=("q0", "T0", "Ea"), name="a decomposition")
THERMAL = Record({
    "reactor": Str().described("the plant's semi-batch reactor (tag)"),
    "chemistry": MapOf(Real()).described("parameters of the reactor model by name (V0, cA0, T0, k0, Ea, dH, c_dose, "
                                         "p_inert, vent_gas ...: twin.process.units.reactor.PARAMETERS)"),
    "dosing": DOSING.described("B dosed into A at the process temperature"),
    "coolant": Quantity("K", "20 degC").described("the jacket's coolant inlet temperature"),
    "mtt": Quantity("K", "80 degC").described("the maximum technical temperature (default: the plant's "
                                              "max_temperature)"),
    "decomposition": DECOMPOSITION.described("the decomposition that gives TD24 and TMRad")},
    required=("reactor", "dosing", "coolant", "decomposition"), name="a thermal risk section")
MONTE_CARLO = Record({"paths": Integer(minimum=1).described("accident paths sampled per LOPA scenario"),
                      "bias": Number(0).described("importance sampling: each barrier fails with max(PFD, bias)")},
                     defaults={"paths": 100_000, "bias": 0.5}, name="a Monte Carlo section")
RESPONSE = Record({"median": Quantity("s", "5 min").described("the operator's median response time"),
                   "sigma": Number(0).described("the standard deviation of its logarithm")},
                  required=("median",), defaults={"sigma": 0.8},
                  name="an operator response time (lognormal: median, sigma of its log)")
ALARM = Record({"ipl": Str().described("the LOPA's IPL of the alarm"),
                "at": Quantity("K", "65 degC").described("the alarm's set point on the reactor temperature"),
                "response": RESPONSE.described("how long the operator takes to stop the dosing")},
               required=("ipl", "at"), name="an alarm the operator answers")
SUPPLY = Record({"pressure": Quantity("Pa", "7 bar").described("the supply before the pad regulator, gauge"),
                 "cda": Quantity("m**2", "1e-5 m2").described("the regulator orifice's discharge coefficient x area")},
                required=("pressure", "cda"), name="the nitrogen supply before the pad regulator (gauge pressure, "
                "the orifice's discharge coefficient times area)")
SIMULATED = Record({
    "initiating_event": Str(KINDS).described("what goes wrong, at a time drawn over the batch"),
    "simulates": ListOf(Str()).described("the LOPA modifiers the simulation decides instead (dosing_in_progress)"),
    "flow": Quantity("m**3/s", "0.5 L/s").described("dosing_stuck_open: the flow through the jammed valve "
                                                    "(default: the recipe's)"),
    "restart": Quantity("s", "40 min").described("agitator_stop: how long the agitator stands still (default: for "
                                                 "the rest of the batch)"),
    "ingress": Quantity("m**3/s", "5 m3/h").described("nitrogen_loss: the air the headspace breathes in"),
    "supply": SUPPLY.described("regulator_open: the nitrogen the failed regulator lets in")},
    required=("initiating_event",), name="a LOPA scenario run through the twin")
FULL_COOLING = Record({"flow": Quantity("kg/s", "4 kg/s").described("emergency coolant through the jacket"),
                       "temperature": Quantity("K", "-5 degC").described("its inlet temperature")},
                      required=("flow", "temperature"), name="the emergency coolant of the SIS trip")
QUENCH = Record({"flow": Quantity("m**3/s", "2 L/s").described("quench solvent through the charging line"),
                 "volume": Quantity("m**3", "1 m3").described("how much solvent"),
                 "temperature": Quantity("K", "5 degC").described("its temperature")},
                required=("flow", "volume", "temperature"),
                name="the quench (cold inert solvent) the SIS trip drowns the batch in")
RELIEF = Record({"ipl": Str().described("the LOPA's IPL of the relief device"),
                 "set": Quantity("Pa", "5 bar").described("its set pressure, gauge, below the plant's "
                                                          "design_pressure")},
                required=("ipl", "set"), name="a relief device (its IPL, its set pressure, gauge)")
OXYGEN = Record({"loc": Quantity("1", "10.5 %").described("the solvent's limiting oxygen concentration: the top "
                                                          "event of nitrogen_loss"),
                 "ipl": Str().described("the IPL acting on the plant's O2 alarm (AT-01's alarm)"),
                 "purge": Quantity("m**3/s", "20 m3/h").described("the nitrogen it purges in"),
                 "operator": Boolean().described("an operator answers the alarm after a response time (false: an "
                                                 "interlock acts at the crossing)")},
                required=("loc",), defaults={"operator": False},
                name="the headspace oxygen: the solvent's LOC, the IPL acting on the O2 alarm and the nitrogen it "
                "purges in")
ACCIDENT_PATHS = Record({
    "paths": Integer(minimum=2).described("demands simulated per scenario and replication"),
    "bias": Number(0).described("importance sampling: each simulated barrier fails with max(PFD, bias)"),
    "digest": Quantity("s", "1 h").described("digestion after the dosing (default: as long as the dosing)"),
    "alarm": ALARM.described("the temperature alarm: the operator stops the dosing"),
    "trip": Str().described("the IPL of the SIS trip: stops the dosing at the plant's trip point (TT-02)"),
    "interlock": Str().described("the IPL of the agitation interlock: stops the dosing when the agitator stops"),
    "full_cooling": FULL_COOLING.described("the SIS trip also switches the jacket to this coolant"),
    "quench": QUENCH.described("the SIS trip also drowns the batch in cold solvent"),
    "relief": RELIEF.described("the relief device on the path: the top event becomes the design pressure"),
    "oxygen": OXYGEN.described("the headspace oxygen's top event and barrier"),
    "pressure_trip": Str().described("the IPL of the pressure SIS (PT-02's trip): closes the nitrogen, stops the "
                                     "dosing"),
    "trip_limit": Boolean().described("bisect the highest SIS trip point that still stops each path in time"),
    "scenarios": MapOf(SIMULATED).described("the LOPA scenarios run through the twin, by name")},
    required=("scenarios",), defaults={"paths": 200, "bias": 0.5, "trip_limit": True},
    name="an accident-paths section")

#: the study's own keys (the common ones, plant, horizon, seed ..., are every study's)
FIELDS = {
    "lopa": FilePath().described("the LOPA: a YAML file or a CSV worksheet (scenarios.safety.lopa)"),
    "states": ListOf(STATE).described("barrier health over the horizon, written to the TagBus"),
    "thermal": THERMAL.described("the reactor's thermal risk (Stoessel): MTSR, MTT, TD24, criticality class"),
    "monte_carlo": MONTE_CARLO.described("each LOPA scenario's accident paths sampled"),
    "accident_paths": ACCIDENT_PATHS.described("LOPA scenarios run demand by demand through the twin's reactor"),
    "barrier_view": Boolean().described("the report adds the plant in 3D coloured by barrier state")}
