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
"""
from __future__ import annotations

import casadi as ca

from twin.process.model import ProcessModel

R = 8.314462618  # J/(mol K), CODATA 2018
AIR_O2 = 0.2095  # oxygen mole fraction of dry air
M_N2, GAMMA_N2 = 28.0134e-3, 1.4  # kg/mol and heat-capacity ratio of nitrogen


class SemiBatchReactor(ProcessModel):
    def __init__(self, tag: str, *, V0: float = 2.0, cA0: float = 2000.0, T0: float = 293.15, k0: float = 5e4,
                 Ea: float = 60e3, dH: float = -1.5e5, rho: float = 1000.0, cp: float = 3500.0, UA: float = 8e3,
                 m_jacket: float = 300.0, cp_cool: float = 4180.0, c_dose: float = 5000.0,
                 T_trip: float = 353.15, c_charge: float = 2000.0, V_heel: float = 0.05, V_vessel: float = 4.0,
                 p_inert: float = 0.0, antoine_A: float = 5.24677, antoine_B: float = 1598.673,
                 antoine_C: float = -46.424, h_vap: float = 8.37e5, P_relief: float = 1e12,
                 P_design: float = 1e12, O2_0: float = 0.01, O2_alarm: float = 1.0, LOC: float = 1.0,
                 p_supply: float = 8e5, CdA_N2: float = 1e-5, T_supply: float = 293.15,
                 P_trip: float = 1e12, vent_gas: bool = False, M_solvent: float = 46.07e-3) -> None:
        super().__init__(tag)
        F = self.input("F_dose", 0.0, "m3/s", "dosing flow of the B solution")
        T_dose = self.input("T_dose", 293.15, "K", "temperature of the dosed solution")
        F_cool = self.input("F_cool", 2.0, "kg/s", "coolant flow through the jacket")
        T_cin = self.input("T_cin", 283.15, "K", "coolant inlet temperature")
        Q_heat = self.input("Q_heat", 0.0, "W", "heating power into the contents")
        F_ch = self.input("F_charge", 0.0, "m3/s", "charging flow of the A solution")
        T_ch = self.input("T_charge", 293.15, "K", "temperature of the charged solution")
        F_out = self.input("F_out", 0.0, "m3/s", "discharge flow")
        T_sp = self.input("T_sp", 1e4, "K", "temperature set point announced by the at_setpoint event")
        relief = self.input("relief", 0.0, "1", "relief device open (1) or closed (0)")
        Q_air = self.input("Q_air", 0.0, "m3/s", "air drawn into the headspace (as much gas leaves by the vent)")
        Q_N2 = self.input("Q_N2", 0.0, "m3/s", "nitrogen purged into the headspace (as much gas leaves by the vent)")
        N2_open = self.input("N2_open", 0.0, "1", "nitrogen regulator failed open (1) or working (0)")
        k0_ = self.parameter("k0", k0, "m3/(mol s)", "pre-exponential factor")
        Ea_ = self.parameter("Ea", Ea, "J/mol", "activation energy")
        dH_ = self.parameter("dH", dH, "J/mol", "reaction enthalpy (negative: exothermic)")
        rho_ = self.parameter("rho", rho, "kg/m3", "density of the contents")
        cp_ = self.parameter("cp", cp, "J/(kg K)", "heat capacity of the contents")
        UA_ = self.parameter("UA", UA, "W/K", "jacket heat-transfer coefficient times area")
        mj = self.parameter("m_jacket", m_jacket, "kg", "coolant held in the jacket")
        cpc = self.parameter("cp_cool", cp_cool, "J/(kg K)", "coolant heat capacity")
        cB_in = self.parameter("c_dose", c_dose, "mol/m3", "concentration of B in the dosed solution")
        T_trip_ = self.parameter("T_trip", T_trip, "K", "high-temperature interlock trip point")
        cA_in = self.parameter("c_charge", c_charge, "mol/m3", "concentration of A in the charged solution")
        V_heel_ = self.parameter("V_heel", V_heel, "m3", "volume left when drained")
        V_vessel_ = self.parameter("V_vessel", V_vessel, "m3", "vessel volume (liquid + headspace)")
        p_inert_ = self.parameter("p_inert", p_inert, "Pa", "inert gas partial pressure at T0 and V0")
        A_ = self.parameter("antoine_A", antoine_A, "1", "solvent's Antoine A (p in bar, T in K)")
        B_ = self.parameter("antoine_B", antoine_B, "K", "solvent's Antoine B")
        C_ = self.parameter("antoine_C", antoine_C, "K", "solvent's Antoine C")
        h_vap_ = self.parameter("h_vap", h_vap, "J/kg", "solvent's latent heat of vaporisation")
        P_relief_ = self.parameter("P_relief", P_relief, "Pa", "relief device set pressure (absolute)")
        P_design_ = self.parameter("P_design", P_design, "Pa", "vessel design pressure (absolute)")
        O2_alarm_ = self.parameter("O2_alarm", O2_alarm, "1", "oxygen analyser's alarm point")
        LOC_ = self.parameter("LOC", LOC, "1", "solvent's limiting oxygen concentration")
        p_supply_ = self.parameter("p_supply", p_supply, "Pa", "nitrogen supply before the regulator (absolute)")
        CdA_ = self.parameter("CdA_N2", CdA_N2, "m2", "regulator orifice: discharge coefficient times area")
        T_supply_ = self.parameter("T_supply", T_supply, "K", "nitrogen supply temperature")
        P_trip_ = self.parameter("P_trip", P_trip, "Pa", "pressure SIS trip point (absolute)")
        M_s = self.parameter("M_solvent", M_solvent, "kg/mol", "solvent's molar mass")
        V = self.state("V", V0, "m3", "liquid volume")
        nA = self.state("nA", cA0 * V0, "mol", "A in the reactor")
        nB = self.state("nB", 0.0, "mol", "B in the reactor")
        nP = self.state("nP", 0.0, "mol", "product in the reactor")
        T = self.state("T", T0, "K", "temperature of the contents")
        Tj = self.state("Tj", T0, "K", "jacket temperature")
        Q_rx = self.state("Q_rxn", 0.0, "J", "heat released by the reaction so far")
        Q_j = self.state("Q_jacket", 0.0, "J", "heat taken by the jacket so far")
        O2 = self.state("O2", O2_0, "1", "headspace oxygen fraction (dry basis)")
        n_N2 = self.state("n_N2", 0.0, "mol", "inert gas let in by a failed-open regulator, less what was vented")
        r = k0_ * ca.exp(-Ea_ / (R * T)) * nA * nB / V
        q_rx = -dH_ * r
        q_j = UA_ * (T - Tj)
        out = F_out / ca.fmax(V, 1e-6)  # fraction of the contents drained per second
        q_net = q_rx - q_j + rho_ * cp_ * (F * (T_dose - T) + F_ch * (T_ch - T)) + Q_heat
        self.der(nA, F_ch * cA_in - r - out * nA)
        self.der(nB, F * cB_in - r - out * nB)
        self.der(nP, r - out * nP)
        self.der(Tj, (q_j + F_cool * cpc * (T_cin - Tj)) / (mj * cpc))
        self.der(Q_rx, q_rx)
        self.der(Q_j, q_j)
        self.output("TT-01", T, "K", "reactor temperature")
        self.output("LT-01", V, "m3", "liquid volume")
        self.output("rate", r, "mol/s", "reaction rate")
        self.output("conversion_B", nP / ca.fmax(nP + nB, 1e-12), "1", "fraction of dosed B converted")
        self.guard("T_high", T - T_trip_, +1)
        self.guard("at_setpoint", T - T_sp, +1)
        self.guard("drained", V_heel_ - V, +1)
        Vh = ca.fmax(V_vessel_ - V, 1e-3)
        p_gas = p_inert_ * (T / T0) * (V_vessel_ - V0) / Vh + R * n_N2 * T / Vh
        P = p_gas + 1e5 * 10 ** (A_ - B_ / (T + C_))
        self.output("PT-01", P, "Pa", "head pressure (absolute): solvent vapour + inert gas")
        self.guard("P_relief", P - P_relief_, +1)
        self.guard("P_design", P - P_design_, +1)
        self.guard("P_high", P - P_trip_, +1)
        g = GAMMA_N2  # orifice: p/p0 held at the critical ratio below it (choked), no flow back into the supply
        ratio = ca.fmin(ca.fmax(P / p_supply_, (2 / (g + 1)) ** (g / (g - 1))), 1.0)
        x = ratio ** (2 / g) - ratio ** ((g + 1) / g)  # sqrt(x) regularised as x / sqrt(x + 1e-8): finite slope at
        n_in = N2_open * CdA_ * p_supply_ * ca.sqrt(2 * g / ((g - 1) * M_N2 * R * T_supply_)) * x / ca.sqrt(
            x + 1e-8)  # equal pressures, 1e-8/(2x) relative below them (x = 0.067 choked: 7.5e-8)
        F_in = F + F_ch - F_out
        if vent_gas:  # the pressure held at the set pressure, the net heat split between warming the contents and
            # boiling solvent off; unknowns dT/dt, boil-off (kg/s), vent (mol/s) from three balances
            p_v, n_g = P - p_gas, p_gas * Vh / (R * T)
            system = ca.vertcat(
                ca.horzcat(rho_ * cp_ * V, h_vap_, 0),  # energy
                ca.horzcat(P * Vh / (R * T**2), 1 / M_s - P / (R * T * rho_), -1),  # moles in the headspace
                ca.horzcat(R * n_g / Vh + p_v * ca.log(10) * B_ / (T + C_) ** 2, -n_g * R * T / (Vh**2 * rho_),
                           -R * T * (p_gas / P) / Vh))  # the pressure held
            rates = ca.solve(system, ca.vertcat(q_net, -n_in - P * F_in / (R * T),
                                                -R * T * n_in / Vh - n_g * R * T * F_in / Vh**2))
            dT_open, boil_off, vent = rates[0], rates[1], rates[2]
            self.der(V, F_in - relief * boil_off / rho_)
            self.der(T, (1 - relief) * q_net / (rho_ * cp_ * V) + relief * dT_open)
            self.der(n_N2, n_in - relief * (p_gas / P) * vent)
            self.output("vent", relief * vent, "mol/s", "gas and vapour through the open relief")
            reseat = -vent  # the vent flow falling through zero
        else:  # vapour only, the temperature held
            self.der(V, F_in - relief * q_net / (h_vap_ * rho_))
            self.der(T, (1 - relief) * q_net / (rho_ * cp_ * V))
            self.der(n_N2, n_in)
            reseat = -q_net  # the net heat falling through zero
        n_gas = ca.fmax(p_gas, 1.0) * Vh / (R * T)  # moles of gas in the headspace
        self.der(O2, (Q_air * (AIR_O2 - O2) - Q_N2 * O2) / Vh - n_in * O2 / n_gas)
        self.output("AT-01", O2, "1", "headspace oxygen fraction (dry basis)")
        self.output("N2_in", n_in, "mol/s", "nitrogen through a failed-open regulator")
        self.guard("O2_high", O2 - O2_alarm_, +1)
        self.guard("flammable", O2 - LOC_, +1)
        self.guard("reseat", reseat - (1 - relief) * 1e12, +1)  # watched only while the device is open
