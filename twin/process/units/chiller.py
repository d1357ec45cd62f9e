"""Chiller with a part-load efficiency curve (DOE-2 form), its chilled-water supply as a first-order lag.

Electric power ``P = Q_nom / COP_nom * EIR(PLR)`` with ``EIR(PLR) = a + b PLR + c PLR**2`` and part-load ratio
``PLR = Q / Q_nom``; hence ``COP(PLR) = COP_nom * PLR / EIR(PLR)``. The default curve is OpenStudio's default
EIRFPLR divided by its full-load value (1.00138), so that ``EIR(1) = 1`` exactly, as EnergyPlus asks of the curve.
The load ``Q`` is what the chilled water brings back: ``m cp (T_return - T_supply)``.
"""
from __future__ import annotations

import casadi as ca

from twin.process.model import ProcessModel


class Chiller(ProcessModel):
    def __init__(self, tag: str, *, Q_nom: float = 300e3, COP_nom: float = 5.5,
                 eir: tuple[float, float, float] = tuple(c / 1.00138225 for c in (0.06369119, 0.58488832, 0.35280274)),
                 tau: float = 120.0,
                 T0: float = 280.15) -> None:
        super().__init__(tag)
        m = self.input("m_chw", 10.0, "kg/s", "chilled-water flow")
        T_ret = self.input("T_return", 285.15, "K", "chilled-water return temperature")
        T_set = self.input("T_set", 280.15, "K", "chilled-water supply set point")
        Qn = self.parameter("Q_nom", Q_nom, "W", "nominal cooling capacity")
        COPn = self.parameter("COP_nom", COP_nom, "1", "COP at full load")
        a = self.parameter("eir_a", eir[0], "1", "EIR(PLR) constant coefficient")
        b = self.parameter("eir_b", eir[1], "1", "EIR(PLR) linear coefficient")
        c = self.parameter("eir_c", eir[2], "1", "EIR(PLR) quadratic coefficient")
        tau_ = self.parameter("tau", tau, "s", "time constant of the supply temperature")
        T_sup = self.state("T_supply", T0, "K", "chilled-water supply temperature")
        E = self.state("E", 0.0, "J", "electric energy used")
        cpw = 4186.0
        # the supply follows its set point, but no lower than full capacity allows
        T_floor = T_ret - Qn / (m * cpw)
        self.der(T_sup, (ca.fmax(T_set, T_floor) - T_sup) / tau_)
        Q = ca.fmax(m * cpw * (T_ret - T_sup), 0)
        plr = Q / Qn
        P = Qn / COPn * (a + b * plr + c * plr**2) * (plr > 0)
        self.der(E, P)
        self.output("Q", Q, "W", "cooling delivered")
        self.output("PLR", plr, "1", "part-load ratio")
        self.output("P", P, "W", "electric power")
        self.output("COP", Q / ca.fmax(P, 1e-9), "1", "coefficient of performance")
