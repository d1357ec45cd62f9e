"""The safety study's schema: the scenario keys it reads, with their units and defaults (``twin.config`` records).

A scenario is checked against these before anything runs (file, line and key of every mistake); what a schema
cannot say (IPLs on the plant's tags, a trip point below the MTT) is :mod:`scenarios.safety.checks`. The checked
mapping becomes :class:`scenarios.safety.params.SafetyParams`.
"""
from __future__ import annotations

from scenarios.safety.paths import KINDS
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

STATE = Record({"at": Quantity("s", "30 d"), "tag": Str(), "value": Anything()}, required=("at", "tag", "value"),
               name="a barrier state change")


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


THERMAL = Record({"reactor": Str(), "chemistry": MapOf(Real()),
                  "dosing": Record({"flow": Quantity("m**3/s", "0.1 L/s"), "time": Quantity("s", "1 h")},
                                   required=("flow", "time"), name="a dosing"),
                  "coolant": Quantity("K", "20 degC"), "mtt": Quantity("K", "80 degC"),
                  "decomposition": Record({"q0": Quantity("W/kg", "10 W/kg"), "T0": Quantity("K", "150 degC"),
                                           "Ea": Quantity("J/mol", "100 kJ/mol")}, required=("q0", "T0", "Ea"),
                                          name="a decomposition")},
                 required=("reactor", "dosing", "coolant", "decomposition"), name="a thermal risk section")
MONTE_CARLO = Record({"paths": Integer(minimum=1), "bias": Number(0)}, defaults={"paths": 100_000, "bias": 0.5},
                     name="a Monte Carlo section")
RESPONSE = Record({"median": Quantity("s", "5 min"), "sigma": Number(0)}, required=("median",),
                  defaults={"sigma": 0.8}, name="an operator response time (lognormal: median, sigma of its log)")
ALARM = Record({"ipl": Str(), "at": Quantity("K", "65 degC"), "response": RESPONSE}, required=("ipl", "at"),
               name="an alarm the operator answers")
SUPPLY = Record({"pressure": Quantity("Pa", "7 bar"), "cda": Quantity("m**2", "1e-5 m2")},
                required=("pressure", "cda"), name="the nitrogen supply before the pad regulator (gauge pressure, "
                "the orifice's discharge coefficient times area)")
SIMULATED = Record({"initiating_event": Str(KINDS), "simulates": ListOf(Str()),
                    "flow": Quantity("m**3/s", "0.5 L/s"), "restart": Quantity("s", "40 min"),
                    "ingress": Quantity("m**3/s", "5 m3/h"), "supply": SUPPLY},
                   required=("initiating_event",),
                   name="a LOPA scenario run through the twin")
FULL_COOLING = Record({"flow": Quantity("kg/s", "4 kg/s"), "temperature": Quantity("K", "-5 degC")},
                      required=("flow", "temperature"), name="the emergency coolant of the SIS trip")
QUENCH = Record({"flow": Quantity("m**3/s", "2 L/s"), "volume": Quantity("m**3", "1 m3"),
                 "temperature": Quantity("K", "5 degC")}, required=("flow", "volume", "temperature"),
                name="the quench (cold inert solvent) the SIS trip drowns the batch in")
RELIEF = Record({"ipl": Str(), "set": Quantity("Pa", "5 bar")}, required=("ipl", "set"),
                name="a relief device (its IPL, its set pressure, gauge)")
OXYGEN = Record({"loc": Quantity("1", "10.5 %"), "ipl": Str(), "purge": Quantity("m**3/s", "20 m3/h"),
                 "operator": Boolean()}, required=("loc",), defaults={"operator": False},
                name="the headspace oxygen: the solvent's LOC, the IPL acting on the O2 alarm and the nitrogen it "
                "purges in")
ACCIDENT_PATHS = Record({"paths": Integer(minimum=2), "bias": Number(0), "digest": Quantity("s", "1 h"),
                         "alarm": ALARM, "trip": Str(), "interlock": Str(), "full_cooling": FULL_COOLING,
                         "quench": QUENCH, "relief": RELIEF, "oxygen": OXYGEN, "pressure_trip": Str(),
                         "trip_limit": Boolean(), "scenarios": MapOf(SIMULATED)},
                        required=("scenarios",), defaults={"paths": 200, "bias": 0.5, "trip_limit": True},
                        name="an accident-paths section")

#: the study's own keys (the common ones, plant, horizon, seed ..., are every study's)
FIELDS = {"lopa": FilePath(), "states": ListOf(STATE), "thermal": THERMAL, "monte_carlo": MONTE_CARLO,
          "accident_paths": ACCIDENT_PATHS, "barrier_view": Boolean()}
