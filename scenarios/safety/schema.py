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
    Mapping,
    Number,
    Quantity,
    Record,
    Str,
)

#: the reactor's parameters a chemistry may set: name -> (SI unit, example, sign, meaning). The same names, units and
#: meanings as :class:`twin.process.units.SemiBatchReactor`'s tags (its module imports CasADi, which a scenario is
#: checked without; tests/scenarios/test_safety_params.py holds the two equal). Sign: "+" positive, "0" not
#: negative, "" signed.
CHEMISTRY = {
    "V0": ("m3", "1.5 m3", "+", "liquid volume at the start (A charged)"),
    "cA0": ("mol/m3", "2000 mol/m3", "0", "A in the charge"),
    "T0": ("K", "50 degC", "+", "the process temperature at the start (B is dosed at it)"),
    "rho": ("kg/m3", "1000 kg/m3", "+", "density of the contents"),
    "cp": ("J/(kg K)", "3.5 kJ/(kg K)", "+", "heat capacity of the contents"),
    "c_dose": ("mol/m3", "5000 mol/m3", "0", "concentration of B in the dosed solution"),
    "c_charge": ("mol/m3", "2000 mol/m3", "0", "concentration of A in the charged solution"),
    "V_heel": ("m3", "0.05 m3", "0", "volume left when drained"),
    "k0": ("m3/(mol s)", "1.1e4 m3/(mol s)", "0", "pre-exponential factor"),
    "Ea": ("J/mol", "60 kJ/mol", "0", "activation energy"),
    "dH": ("J/mol", "-200 kJ/mol", "", "reaction enthalpy (negative: exothermic)"),
    "UA": ("W/K", "2.5 kW/K", "0", "jacket heat-transfer coefficient times area (default: the plant's jacket_ua)"),
    "m_jacket": ("kg", "300 kg", "+", "coolant held in the jacket"),
    "cp_cool": ("J/(kg K)", "4.18 kJ/(kg K)", "+", "coolant heat capacity"),
    "V_vessel": ("m3", "4 m3", "+", "vessel volume, liquid and headspace (default: the plant's volume)"),
    "p_inert": ("Pa", "1.2 bar", "0", "inert gas partial pressure at T0 and V0 (absolute)"),
    "antoine_A": ("1", "5.24677", "", "solvent's Antoine A (p in bar, T in K; default ethanol)"),
    "antoine_B": ("K", "1598.673 K", "", "solvent's Antoine B"),
    "antoine_C": ("K", "-46.424 K", "", "solvent's Antoine C"),
    "h_vap": ("J/kg", "837 kJ/kg", "+", "solvent's latent heat of vaporisation"),
    "M_solvent": ("kg/mol", "46.07 g/mol", "+", "solvent's molar mass"),
    "vent_gas": ("1", "1", "0", "1: an open relief vents the headspace as it is, gas with the vapour"),
    "P_design": ("Pa", "7 bar", "+", "vessel design pressure, absolute (default: the plant's design_pressure)"),
    "P_trip": ("Pa", "5 bar", "+", "pressure SIS trip point, absolute (default: the plant's PT-02 trip)"),
    "P_relief": ("Pa", "6 bar", "+", "relief device set pressure, absolute (accident_paths.relief sets it)"),
    "O2_0": ("1", "1 %", "0", "headspace oxygen fraction at the start"),
    "O2_alarm": ("1", "8 %", "0", "oxygen analyser's alarm point (default: the plant's AT-01 alarm)"),
    "LOC": ("1", "10.5 %", "0", "solvent's limiting oxygen concentration (accident_paths.oxygen sets it)"),
    "p_supply": ("Pa", "8 bar", "+", "nitrogen supply before the regulator, absolute"),
    "CdA_N2": ("m2", "1e-5 m2", "0", "regulator orifice: discharge coefficient times area"),
    "T_supply": ("K", "20 degC", "+", "nitrogen supply temperature"),
    "T_trip": ("K", "75 degC", "+", "high-temperature interlock trip point (default: the plant's TT-02 trip)"),
}


class Chemistry(Record):
    """The reactor's parameters by name, each in its unit and sign; only those given (the model's defaults, or the
    plant's, hold for the rest)."""

    def __init__(self) -> None:
        super().__init__({name: Quantity(unit, example, minimum=None if sign == "" else 0.0,
                                         positive=sign == "+").described(text)
                          for name, (unit, example, sign, text) in CHEMISTRY.items()},
                         name="the reactor's parameters by name")

    def validate(self, value, where):
        out = super().validate(Mapping() if value is None else value, where)
        for name in [k for k, v in out.items() if v is None]:
            del out[name]
        return out


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
    "chemistry": Chemistry().described("the reactor model's parameters by name (see thermal.chemistry below)"),
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
