"""Plate heat exchanger in counter-current flow, as ``cells`` lumps per side (hot flows 1 -> N, cold N -> 1).

Each lump holds ``M / cells`` of fluid; between neighbouring lumps heat flows ``UA / cells * (Th_k - Tc_k)``. As the
lumps become many, the steady outlet temperatures tend to the effectiveness-NTU solution of a counterflow exchanger.
"""
from __future__ import annotations

import casadi as ca

from twin.process.model import ProcessModel


class PlateHeatExchanger(ProcessModel):
    def __init__(self, tag: str, *, UA: float = 5e3, cp_h: float = 4180.0, cp_c: float = 4180.0,
                 M_h: float = 5.0, M_c: float = 5.0, cells: int = 40, Th0: float = 293.15, Tc0: float = 293.15) -> None:
        super().__init__(tag)
        mh = self.input("m_h", 0.5, "kg/s", "hot-side mass flow")
        Thi = self.input("Th_in", 353.15, "K", "hot-side inlet temperature")
        mc = self.input("m_c", 0.8, "kg/s", "cold-side mass flow")
        Tci = self.input("Tc_in", 288.15, "K", "cold-side inlet temperature")
        UA_ = self.parameter("UA", UA, "W/K", "overall heat-transfer coefficient times area")
        cph = self.parameter("cp_h", cp_h, "J/(kg K)", "hot-side heat capacity")
        cpc = self.parameter("cp_c", cp_c, "J/(kg K)", "cold-side heat capacity")
        Mh = self.parameter("M_h", M_h, "kg", "hot-side holdup")
        Mc = self.parameter("M_c", M_c, "kg", "cold-side holdup")
        N = cells
        Th = [self.state(f"Th_{k}", Th0, "K", f"hot lump {k}") for k in range(N)]
        Tc = [self.state(f"Tc_{k}", Tc0, "K", f"cold lump {k}") for k in range(N)]
        for k in range(N):
            q = UA_ / N * (Th[k] - Tc[k])
            up_h = Thi if k == 0 else Th[k - 1]
            up_c = Tci if k == N - 1 else Tc[k + 1]
            self.der(Th[k], (mh * cph * (up_h - Th[k]) - q) / (Mh / N * cph))
            self.der(Tc[k], (mc * cpc * (up_c - Tc[k]) + q) / (Mc / N * cpc))
        Q = mh * cph * (Thi - Th[-1])
        self.output("Th_out", Th[-1], "K", "hot outlet temperature")
        self.output("Tc_out", Tc[0], "K", "cold outlet temperature")
        self.output("duty", Q, "W", "heat transferred (hot side)")
        C_min = ca.fmin(mh * cph, mc * cpc)
        self.output("effectiveness", Q / ca.fmax(C_min * (Thi - Tci), 1e-12), "1", "Q / Q_max")
