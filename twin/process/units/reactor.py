"""Jacketed semi-batch reactor: A charged, B dosed, A + B -> P exothermic, jacket heating/cooling, interlock.

Rate ``r = k0 exp(-Ea / (R T)) cA cB V`` (mol/s). Energy of the contents (density and heat capacity constant):
``rho cp V dT/dt = (-dH) r + UA (Tj - T) + rho cp F (T_dose - T) + rho cp F_charge (T_charge - T) + Q_heat``; the
jacket is one lump fed with heat-transfer fluid ``F_cool`` at ``T_cin`` (hot water to heat, cooling water to cool).
``F_charge`` charges A solution, ``F_out`` drains the contents. Two running totals make the energy balance
checkable: heat released by the reaction and heat taken by the jacket.

Guards: ``T_high`` the high-temperature interlock (``T`` rising through ``T_trip``), ``at_setpoint`` (``T`` rising
through the input ``T_sp``), ``drained`` (volume falling through ``V_heel``).

Head pressure ``PT-01`` (Pa, absolute): the solvent's vapour pressure at ``T`` (Antoine, ``log10(p / bar) = A - B /
(T + C)``; default ethanol, NIST Chemistry WebBook after Ambrose & Sprake 1970, 293-367 K) plus the inert gas, an
ideal gas of partial pressure ``p_inert`` at ``T0`` in the headspace ``V_vessel - V0``, compressed by the liquid
(an overfilled vessel keeps 1 L of headspace: the pressure soars without a division by zero).
Guards ``P_relief`` and ``P_design``: the pressure rising through the relief device's set pressure and the design
pressure. A relief device open (input ``relief`` = 1) tempers the batch: the net heat boils solvent off (latent heat
``h_vap``) instead of heating the contents, so the temperature holds (only vapour leaves: liquid dosed meanwhile still
compresses the inert gas); ``reseat`` is the net heat falling through zero
(the boil-off stops, the device recloses). With ``vent_gas`` the device vents the headspace as it is, gas with
the vapour: the pressure holds at the set pressure, the net heat splits between boiling solvent off (molar mass
``M_solvent``) and warming the contents (the inerts vented, the solvent's vapour must carry more of the pressure:
the temperature climbs toward the boiling point at the set pressure), and ``reseat`` is the vent flow falling
through zero.

Inerting: ``AT-01`` the headspace's oxygen fraction (state ``O2``, dry basis: the solvent vapour left out, as an
extractive analyser reads it), a well-mixed gas balance ``Vh dO2/dt = Q_air (0.2095 - O2) - Q_N2 O2`` with
``Vh = V_vessel - V`` the headspace: ``Q_air`` air drawn in (a vent breathing, an open manway), ``Q_N2`` nitrogen
purged in, the same volume leaving by the vent (the pressure does not change). Guards ``O2_high`` (rising through
the analyser's ``O2_alarm``) and ``flammable`` (rising through the solvent's limiting oxygen concentration ``LOC``).
A nitrogen regulator failed open (input ``N2_open`` = 1) lets nitrogen from the supply ``p_supply`` through its
orifice ``CdA_N2`` (ideal-gas orifice flow, choked below the critical pressure ratio); the moles let in (state
``n_N2``) raise the inert gas's pressure and dilute the oxygen. Guard ``P_high``: the head pressure rising through
the pressure SIS's trip point ``P_trip``.

The parameters come in groups, each field named as its tag: :class:`Contents`, :class:`Kinetics`, :class:`Jacket`,
``T_trip``, :class:`Headspace`, :class:`Relief` and :class:`Inerting`. A threshold left out (None: the interlock,
a relief device, the design pressure, the pressure trip, the O2 alarm, the LOC) is not watched: the model declares
neither its guard nor its tag. :meth:`SemiBatchReactor.of` takes the same parameters by name, as a plant's
``params`` and a scenario's chemistry give them.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import casadi as ca

from twin.process.model import ProcessModel

R = 8.314462618  # J/(mol K), CODATA 2018
AIR_O2 = 0.2095  # oxygen mole fraction of dry air
M_N2, GAMMA_N2 = 28.0134e-3, 1.4  # kg/mol and heat-capacity ratio of nitrogen
T_TRIP = 353.15  # K, the high-temperature interlock's trip point unless told (80 degC)


@dataclass(frozen=True)
class Contents:
    """The batch: at the start ``V0`` m3 holding A at ``cA0`` mol/m3 at ``T0`` K; the density (kg/m3) and heat
    capacity (J/(kg K)) of the contents; B at ``c_dose`` in the dosed solution and A at ``c_charge`` in the charged
    one (mol/m3); ``V_heel`` the volume left when drained (m3)."""

    V0: float = 2.0
    cA0: float = 2000.0
    T0: float = 293.15
    rho: float = 1000.0
    cp: float = 3500.0
    c_dose: float = 5000.0
    c_charge: float = 2000.0
    V_heel: float = 0.05


@dataclass(frozen=True)
class Kinetics:
    """A + B -> P: the Arrhenius pre-exponential factor ``k0`` (m3/(mol s)) and activation energy ``Ea`` (J/mol),
    the reaction enthalpy ``dH`` (J/mol, negative: exothermic)."""

    k0: float = 5e4
    Ea: float = 60e3
    dH: float = -1.5e5


@dataclass(frozen=True)
class Jacket:
    """The jacket: heat-transfer coefficient times area ``UA`` (W/K), the coolant it holds (kg) and its heat
    capacity (J/(kg K))."""

    UA: float = 8e3
    m_jacket: float = 300.0
    cp_cool: float = 4180.0


@dataclass(frozen=True)
class Headspace:
    """The vessel above the liquid: its volume with the liquid ``V_vessel`` (m3), the inert gas's partial pressure
    ``p_inert`` at ``T0`` and ``V0`` (Pa), the solvent (Antoine ``A``, ``B`` K, ``C`` K with p in bar; latent heat
    ``h_vap`` J/kg; molar mass ``M_solvent`` kg/mol; default ethanol), how an open relief vents it (``vent_gas``:
    the gas as it is with the vapour, else the vapour alone), and the pressures watched on ``PT-01`` (absolute,
    Pa; None: not watched): the design pressure and the pressure SIS's trip point."""

    V_vessel: float = 4.0
    p_inert: float = 0.0
    antoine_A: float = 5.24677
    antoine_B: float = 1598.673
    antoine_C: float = -46.424
    h_vap: float = 8.37e5
    M_solvent: float = 46.07e-3
    vent_gas: bool = False
    P_design: float | None = None
    P_trip: float | None = None


@dataclass(frozen=True)
class Relief:
    """A relief device watching the head pressure: rising through its set pressure ``P_relief`` (Pa, absolute) is
    the guard that opens it (input ``relief`` = 1), ``reseat`` the one that closes it (see the module doc)."""

    P_relief: float


@dataclass(frozen=True)
class Inerting:
    """The headspace's oxygen and nitrogen: the oxygen fraction at the start, the analyser's alarm point and the
    solvent's limiting oxygen concentration (None: not watched), the nitrogen supply before the pad regulator
    (Pa absolute, K) and the regulator's orifice (discharge coefficient times area, m2)."""

    O2_0: float = 0.01
    O2_alarm: float | None = None
    LOC: float | None = None
    p_supply: float = 8e5
    CdA_N2: float = 1e-5
    T_supply: float = 293.15


#: the groups of :class:`SemiBatchReactor` by keyword, each field named as its tag
GROUPS = {"contents": Contents, "kinetics": Kinetics, "jacket": Jacket, "headspace": Headspace, "relief": Relief,
          "inerting": Inerting}


#: the reactor's inputs: (tag, default, unit, meaning)
INPUTS = (
    ("F_dose", 0.0, "m3/s", "dosing flow of the B solution"),
    ("T_dose", 293.15, "K", "temperature of the dosed solution"),
    ("F_cool", 2.0, "kg/s", "coolant flow through the jacket"),
    ("T_cin", 283.15, "K", "coolant inlet temperature"),
    ("Q_heat", 0.0, "W", "heating power into the contents"),
    ("F_charge", 0.0, "m3/s", "charging flow of the A solution"),
    ("T_charge", 293.15, "K", "temperature of the charged solution"),
    ("F_out", 0.0, "m3/s", "discharge flow"),
    ("T_sp", 1e4, "K", "temperature set point announced by the at_setpoint event"),
    ("relief", 0.0, "1", "relief device open (1) or closed (0)"),
    ("Q_air", 0.0, "m3/s", "air drawn into the headspace (as much gas leaves by the vent)"),
    ("Q_N2", 0.0, "m3/s", "nitrogen purged into the headspace (as much gas leaves by the vent)"),
    ("N2_open", 0.0, "1", "nitrogen regulator failed open (1) or working (0)"),
)

#: the reactor's parameters in the order it declares them: (tag, its group, unit, meaning); T_trip has no group
_PARAMETERS = (
    ("k0", "kinetics", "m3/(mol s)", "pre-exponential factor"),
    ("Ea", "kinetics", "J/mol", "activation energy"),
    ("dH", "kinetics", "J/mol", "reaction enthalpy (negative: exothermic)"),
    ("rho", "contents", "kg/m3", "density of the contents"),
    ("cp", "contents", "J/(kg K)", "heat capacity of the contents"),
    ("UA", "jacket", "W/K", "jacket heat-transfer coefficient times area"),
    ("m_jacket", "jacket", "kg", "coolant held in the jacket"),
    ("cp_cool", "jacket", "J/(kg K)", "coolant heat capacity"),
    ("c_dose", "contents", "mol/m3", "concentration of B in the dosed solution"),
    ("T_trip", None, "K", "high-temperature interlock trip point"),
    ("c_charge", "contents", "mol/m3", "concentration of A in the charged solution"),
    ("V_heel", "contents", "m3", "volume left when drained"),
    ("V_vessel", "headspace", "m3", "vessel volume (liquid + headspace)"),
    ("p_inert", "headspace", "Pa", "inert gas partial pressure at T0 and V0"),
    ("antoine_A", "headspace", "1", "solvent's Antoine A (p in bar, T in K)"),
    ("antoine_B", "headspace", "K", "solvent's Antoine B"),
    ("antoine_C", "headspace", "K", "solvent's Antoine C"),
    ("h_vap", "headspace", "J/kg", "solvent's latent heat of vaporisation"),
    ("P_relief", "relief", "Pa", "relief device set pressure (absolute)"),
    ("P_design", "headspace", "Pa", "vessel design pressure (absolute)"),
    ("O2_alarm", "inerting", "1", "oxygen analyser's alarm point"),
    ("LOC", "inerting", "1", "solvent's limiting oxygen concentration"),
    ("p_supply", "inerting", "Pa", "nitrogen supply before the regulator (absolute)"),
    ("CdA_N2", "inerting", "m2", "regulator orifice: discharge coefficient times area"),
    ("T_supply", "inerting", "K", "nitrogen supply temperature"),
    ("P_trip", "headspace", "Pa", "pressure SIS trip point (absolute)"),
    ("M_solvent", "headspace", "kg/mol", "solvent's molar mass"),
)


class SemiBatchReactor(ProcessModel):
    """The reactor of the module doc: ``contents``, ``kinetics``, ``jacket``, the high-temperature interlock's trip
    point ``T_trip`` (K; None: no interlock), the ``headspace``, a ``relief`` device (None: none) and the
    ``inerting``::

        SemiBatchReactor("R-101", kinetics=Kinetics(k0=1.1e4, dH=-2e5), jacket=Jacket(UA=2.5e3),
                         headspace=Headspace(p_inert=1.2e5, vent_gas=True), relief=Relief(P_relief=6e5))

    :meth:`of` builds one from parameters by name (a plant's ``params``, a scenario's chemistry)."""

    def __init__(self, tag: str, *, contents: Contents = Contents(), kinetics: Kinetics = Kinetics(),
                 jacket: Jacket = Jacket(), T_trip: float | None = T_TRIP, headspace: Headspace = Headspace(),
                 relief: Relief | None = None, inerting: Inerting = Inerting()) -> None:
        super().__init__(tag)
        groups = {"contents": contents, "kinetics": kinetics, "jacket": jacket, "headspace": headspace,
                  "relief": relief, "inerting": inerting}
        v = {name: self.input(name, default, unit, text) for name, default, unit, text in INPUTS}
        for name, group, unit, text in _PARAMETERS:  # a threshold left out (None) is not declared
            value = T_trip if group is None else getattr(groups[group], name) if groups[group] else None
            if value is not None:
                v[name] = self.parameter(name, value, unit, text)
        c = contents
        v |= {name: self.state(name, start, unit, text) for name, start, unit, text in (
            ("V", c.V0, "m3", "liquid volume"), ("nA", c.cA0 * c.V0, "mol", "A in the reactor"),
            ("nB", 0.0, "mol", "B in the reactor"), ("nP", 0.0, "mol", "product in the reactor"),
            ("T", c.T0, "K", "temperature of the contents"), ("Tj", c.T0, "K", "jacket temperature"),
            ("Q_rxn", 0.0, "J", "heat released by the reaction so far"),
            ("Q_jacket", 0.0, "J", "heat taken by the jacket so far"),
            ("O2", inerting.O2_0, "1", "headspace oxygen fraction (dry basis)"),
            ("n_N2", 0.0, "mol", "inert gas let in by a failed-open regulator, less what was vented"))}
        q_net, F_in = self._reaction(v)
        P, p_gas, Vh = self._head_pressure(v, c)
        n_in = self._regulator(v, P)
        reseat = self._liquid(v, headspace.vent_gas, q_net, F_in, P, p_gas, Vh, n_in)
        self._oxygen(v, p_gas, Vh, n_in)
        if relief is not None:  # watched only while the device is open
            self.guard("reseat", reseat - (1 - v["relief"]) * 1e12, +1)

    def _reaction(self, v: dict):
        """A + B -> P, the jacket, the two running heat totals; the net heat into the contents and the net flow in."""
        T, V = v["T"], v["V"]
        r = v["k0"] * ca.exp(-v["Ea"] / (R * T)) * v["nA"] * v["nB"] / V
        q_rx = -v["dH"] * r
        q_j = v["UA"] * (T - v["Tj"])
        out = v["F_out"] / ca.fmax(V, 1e-6)  # fraction of the contents drained per second
        q_net = q_rx - q_j + v["rho"] * v["cp"] * (v["F_dose"] * (v["T_dose"] - T) + v["F_charge"] * (
            v["T_charge"] - T)) + v["Q_heat"]
        self.der(v["nA"], v["F_charge"] * v["c_charge"] - r - out * v["nA"])
        self.der(v["nB"], v["F_dose"] * v["c_dose"] - r - out * v["nB"])
        self.der(v["nP"], r - out * v["nP"])
        self.der(v["Tj"], (q_j + v["F_cool"] * v["cp_cool"] * (v["T_cin"] - v["Tj"])) / (v["m_jacket"] * v["cp_cool"]))
        self.der(v["Q_rxn"], q_rx)
        self.der(v["Q_jacket"], q_j)
        self.output("TT-01", T, "K", "reactor temperature")
        self.output("LT-01", V, "m3", "liquid volume")
        self.output("rate", r, "mol/s", "reaction rate")
        self.output("conversion_B", v["nP"] / ca.fmax(v["nP"] + v["nB"], 1e-12), "1", "fraction of dosed B converted")
        self._guard("T_high", T, v.get("T_trip"))
        self.guard("at_setpoint", T - v["T_sp"], +1)
        self.guard("drained", v["V_heel"] - V, +1)
        return q_net, v["F_dose"] + v["F_charge"] - v["F_out"]

    def _head_pressure(self, v: dict, c: Contents):
        """``PT-01``: the inert gas compressed by the liquid plus the solvent's vapour (Antoine); its guards."""
        T, V = v["T"], v["V"]
        Vh = ca.fmax(v["V_vessel"] - V, 1e-3)
        p_gas = v["p_inert"] * (T / c.T0) * (v["V_vessel"] - c.V0) / Vh + R * v["n_N2"] * T / Vh
        P = p_gas + 1e5 * 10 ** (v["antoine_A"] - v["antoine_B"] / (T + v["antoine_C"]))
        self.output("PT-01", P, "Pa", "head pressure (absolute): solvent vapour + inert gas")
        self._guard("P_relief", P, v.get("P_relief"))
        self._guard("P_design", P, v.get("P_design"))
        self._guard("P_high", P, v.get("P_trip"))
        return P, p_gas, Vh

    def _regulator(self, v: dict, P):
        """Nitrogen through a failed-open pad regulator's orifice (mol/s): ideal-gas orifice flow, choked below the
        critical pressure ratio, no flow back into the supply."""
        g = GAMMA_N2  # orifice: p/p0 held at the critical ratio below it (choked), no flow back into the supply
        ratio = ca.fmin(ca.fmax(P / v["p_supply"], (2 / (g + 1)) ** (g / (g - 1))), 1.0)
        x = ratio ** (2 / g) - ratio ** ((g + 1) / g)  # sqrt(x) regularised as x / sqrt(x + 1e-8): finite slope at
        return v["N2_open"] * v["CdA_N2"] * v["p_supply"] * ca.sqrt(2 * g / ((g - 1) * M_N2 * R * v["T_supply"])) * \
            x / ca.sqrt(x + 1e-8)  # equal pressures, 1e-8/(2x) relative below them (x = 0.067 choked: 7.5e-8)

    def _liquid(self, v: dict, vent_gas: bool, q_net, F_in, P, p_gas, Vh, n_in):
        """The volume, the temperature and the inert gas, with the relief device shut or open (input ``relief``):
        open, it boils solvent off with the net heat (the vapour only, the temperature held) or, ``vent_gas``,
        vents the headspace as it is at the set pressure. Returns what closes it rising through zero (reseat)."""
        T, V, rho, cp, opened = v["T"], v["V"], v["rho"], v["cp"], v["relief"]
        if vent_gas:  # the pressure held at the set pressure, the net heat split between warming the contents and
            # boiling solvent off; unknowns dT/dt, boil-off (kg/s), vent (mol/s) from three balances
            p_v, n_g = P - p_gas, p_gas * Vh / (R * T)
            B_, C_ = v["antoine_B"], v["antoine_C"]
            system = ca.vertcat(
                ca.horzcat(rho * cp * V, v["h_vap"], 0),  # energy
                ca.horzcat(P * Vh / (R * T**2), 1 / v["M_solvent"] - P / (R * T * rho), -1),  # moles in the headspace
                ca.horzcat(R * n_g / Vh + p_v * ca.log(10) * B_ / (T + C_) ** 2, -n_g * R * T / (Vh**2 * rho),
                           -R * T * (p_gas / P) / Vh))  # the pressure held
            rates = ca.solve(system, ca.vertcat(q_net, -n_in - P * F_in / (R * T),
                                                -R * T * n_in / Vh - n_g * R * T * F_in / Vh**2))
            dT_open, boil_off, vent = rates[0], rates[1], rates[2]
            self.der(V, F_in - opened * boil_off / rho)
            self.der(T, (1 - opened) * q_net / (rho * cp * V) + opened * dT_open)
            self.der(v["n_N2"], n_in - opened * (p_gas / P) * vent)
            self.output("vent", opened * vent, "mol/s", "gas and vapour through the open relief")
            reseat = -vent  # the vent flow falling through zero
        else:  # vapour only, the temperature held
            self.der(V, F_in - opened * q_net / (v["h_vap"] * rho))
            self.der(T, (1 - opened) * q_net / (rho * cp * V))
            self.der(v["n_N2"], n_in)
            reseat = -q_net  # the net heat falling through zero
        return reseat

    def _oxygen(self, v: dict, p_gas, Vh, n_in) -> None:
        """The headspace's oxygen (dry basis), well mixed: air in, nitrogen purged in or let in; its guards."""
        O2 = v["O2"]
        n_gas = ca.fmax(p_gas, 1.0) * Vh / (R * v["T"])  # moles of gas in the headspace
        self.der(O2, (v["Q_air"] * (AIR_O2 - O2) - v["Q_N2"] * O2) / Vh - n_in * O2 / n_gas)
        self.output("AT-01", O2, "1", "headspace oxygen fraction (dry basis)")
        self.output("N2_in", n_in, "mol/s", "nitrogen through a failed-open regulator")
        self._guard("O2_high", O2, v.get("O2_alarm"))
        self._guard("flammable", O2, v.get("LOC"))

    def _guard(self, name: str, signal, threshold) -> None:
        """The guard ``name``: ``signal`` rising through ``threshold`` (none when the threshold is not watched)."""
        if threshold is not None:
            self.guard(name, signal - threshold, +1)

    @classmethod
    def of(cls, tag: str, **parameters: float) -> SemiBatchReactor:
        """The reactor from parameters by name, each the tag of the same name (``UA``, ``k0``, ``P_design``,
        ``vent_gas`` ...: :data:`PARAMETERS`), as a plant's ``params`` and a scenario's chemistry give them; an
        unknown name raises a TypeError that names the known ones."""
        unknown = sorted(set(parameters) - set(PARAMETERS))
        if unknown:
            raise TypeError(f"SemiBatchReactor has no parameter {', '.join(map(repr, unknown))}; "
                            f"the parameters are {', '.join(PARAMETERS)}")
        groups = {}
        for key, group in GROUPS.items():
            given = {f.name: parameters[f.name] for f in dataclasses.fields(group) if f.name in parameters}
            if "vent_gas" in given:
                given["vent_gas"] = bool(given["vent_gas"])
            if given or key != "relief":
                groups[key] = group(**given)
        return cls(tag, T_trip=parameters.get("T_trip", T_TRIP), **groups)


#: every parameter :meth:`SemiBatchReactor.of` takes by name (the groups' fields and ``T_trip``)
PARAMETERS = tuple(f.name for group in GROUPS.values() for f in dataclasses.fields(group)) + ("T_trip",)
