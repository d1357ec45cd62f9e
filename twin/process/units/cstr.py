"""CSTR with a first-order Arrhenius reaction A -> B and a cooling jacket at ``T_c``: the classic runaway benchmark.

Defaults are the textbook example of Seborg, Edgar, Mellichamp & Doyle, *Process Dynamics and Control* (Example 2.5
/ the exothermic CSTR), in SI: q = 100 L/min, V = 100 L, cAf = 1 mol/L, Tf = 350 K, -dH = 5e4 J/mol, rho = 1000 g/L,
cp = 0.239 J/(g K), E/R = 8750 K, k0 = 7.2e10 1/min, UA = 5e4 J/(min K). With T_c = 300 K it has a steady state
cA = 0.5 mol/L, T = 350 K; a warmer coolant makes it ignite (run away) to the upper steady state.
"""
from __future__ import annotations

import casadi as ca

from twin.process.model import ProcessModel


class CSTR(ProcessModel):
    def __init__(self, tag: str, *, V: float = 0.1, k0: float = 7.2e10 / 60, EoR: float = 8750.0,
                 dH: float = -5e4, rho: float = 1000.0, cp: float = 239.0, UA: float = 5e4 / 60,
                 cA0: float = 500.0, T0: float = 350.0, T_high: float = 400.0) -> None:
        super().__init__(tag)
        q = self.input("q", 100e-3 / 60, "m3/s", "feed flow")
        cAf = self.input("cAf", 1000.0, "mol/m3", "feed concentration of A")
        Tf = self.input("Tf", 350.0, "K", "feed temperature")
        Tc = self.input("T_c", 300.0, "K", "coolant temperature")
        V_ = self.parameter("V", V, "m3", "volume")
        k0_ = self.parameter("k0", k0, "1/s", "pre-exponential factor")
        EoR_ = self.parameter("EoR", EoR, "K", "activation temperature E/R")
        dH_ = self.parameter("dH", dH, "J/mol", "reaction enthalpy")
        rho_ = self.parameter("rho", rho, "kg/m3", "density")
        cp_ = self.parameter("cp", cp, "J/(kg K)", "heat capacity")
        UA_ = self.parameter("UA", UA, "W/K", "heat-transfer coefficient times area")
        T_hi = self.parameter("T_high", T_high, "K", "runaway alarm temperature")
        cA = self.state("cA", cA0, "mol/m3", "concentration of A")
        T = self.state("T", T0, "K", "temperature")
        k = k0_ * ca.exp(-EoR_ / T)
        self.der(cA, q / V_ * (cAf - cA) - k * cA)
        self.der(T, q / V_ * (Tf - T) + (-dH_) / (rho_ * cp_) * k * cA + UA_ / (V_ * rho_ * cp_) * (Tc - T))
        self.output("conversion", 1 - cA / cAf, "1", "conversion of A")
        self.guard("runaway", T - T_hi, +1)
