"""Cleanroom HVAC zone: supply, return and exfiltration air, room pressure and temperature.

Air in the room (ideal gas at ``T``): ``V / (R_air T) dp/dt = rho (Q_s - Q_r - Q_ex)`` with exfiltration through
the leakage area ``Q_ex = C_leak * sign(dp) * sqrt(|dp|)``; the room pressure ``dp`` is relative to the corridor.
Energy: ``rho cp V dT/dt = rho cp Q_s (T_s - T) + Q_int + UA (T_amb - T)``.
"""
from __future__ import annotations

import casadi as ca

from twin.process.model import ProcessModel

R_AIR = 287.05  # J/(kg K), dry air


class CleanroomZone(ProcessModel):
    def __init__(self, tag: str, *, volume: float = 150.0, C_leak: float = 0.02, UA: float = 150.0,
                 p_ref: float = 101325.0, dp0: float = 0.0, T0: float = 293.15, dp_low: float = 10.0) -> None:
        super().__init__(tag)
        Qs = self.input("Q_supply", 1.0, "m3/s", "supply air flow")
        Qr = self.input("Q_return", 0.9, "m3/s", "return air flow")
        Ts = self.input("T_supply", 291.15, "K", "supply air temperature")
        Qint = self.input("Q_internal", 2000.0, "W", "heat from people, machines, lights")
        Tamb = self.input("T_amb", 295.15, "K", "temperature around the room")
        V = self.parameter("volume", volume, "m3", "room volume")
        C = self.parameter("C_leak", C_leak, "m3/(s Pa^0.5)", "leakage coefficient")
        UA_ = self.parameter("UA", UA, "W/K", "envelope heat-transfer coefficient times area")
        p0 = self.parameter("p_ref", p_ref, "Pa", "absolute pressure of the corridor")
        lo = self.parameter("dp_low", dp_low, "Pa", "alarm: room overpressure lost")
        dp = self.state("dp", dp0, "Pa", "room pressure relative to the corridor")
        T = self.state("T", T0, "K", "room air temperature")
        rho = (p0 + dp) / (R_AIR * T)
        cp = 1006.0
        Qex = C * ca.sign(dp) * ca.sqrt(ca.fabs(dp) + 1e-9)
        self.der(dp, R_AIR * T / V * rho * (Qs - Qr - Qex))
        self.der(T, (rho * cp * Qs * (Ts - T) + Qint + UA_ * (Tamb - T)) / (rho * cp * V))
        self.output("ACH", Qs / V * 3600, "1/h", "air changes per hour")
        self.output("Q_exfiltration", Qex, "m3/s", "air leaving through leaks")
        self.guard("dp_lost", lo - dp, +1)
