"""Thermal risk of a semi-batch reaction: Stoessel's criticality class from the reactor model.

On a cooling failure the unreacted reagent left in the reactor (the accumulation) reacts adiabatically: the
temperature climbs to the MTSR (maximum temperature of the synthesis reaction), ``T + n_acc (-dH) / (m cp)`` at
the worst moment. If that reaches the onset of a decomposition, the decomposition runs away after its time to
maximum rate under adiabatic conditions, ``TMRad = cp R T^2 / (q(T) Ea)`` (Townsend and Tou's approximation for a
zero-order decomposition whose specific heat release ``q(T) = q0 exp(-Ea/R (1/T - 1/T0))`` follows van 't Hoff and
Arrhenius). TD24 is the temperature at which TMRad is 24 h. With the process temperature Tp and the maximum
technical temperature MTT (the boiling point of an open system, the set pressure of a closed one), Stoessel's
classes rank the scenario (F. Stoessel, Thermal Safety of Chemical Processes, Wiley-VCH 2008, section 3.4):

===== ===================== ============================================================
class order                 meaning
===== ===================== ============================================================
1     MTSR < MTT < TD24     the synthesis cannot reach the boiling point, no decomposition
2     MTSR < TD24 < MTT     the boiling point is not reached, but must not be held for long
3     MTT < MTSR < TD24     the boiling point is reached; evaporative cooling is the barrier
4     MTT < TD24 < MTSR     the decomposition can start unless evaporative cooling holds
5     TD24 < MTT, TD24 < MTSR  the decomposition starts before the boiling point can stop it
===== ===================== ============================================================
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

R = 8.314462618  # J/(mol K), CODATA 2018
DAY = 86400.0


@dataclass(frozen=True)
class Decomposition:
    """A decomposition's specific heat release ``q0`` (W/kg) at ``T0`` (K), its activation energy ``Ea`` (J/mol)
    and the heat capacity ``cp`` (J/(kg K)) of the mass."""

    q0: float
    T0: float
    Ea: float
    cp: float

    def q(self, T: float) -> float:
        """Specific heat release rate at ``T`` (W/kg)."""
        return self.q0 * math.exp(-self.Ea / R * (1 / T - 1 / self.T0))

    def tmr_ad(self, T: float) -> float:
        """Time to maximum rate under adiabatic conditions from ``T`` (s), Townsend and Tou."""
        return self.cp * R * T**2 / (self.q(T) * self.Ea)

    def td24(self) -> float:
        """The temperature (K) at which :meth:`tmr_ad` is 24 h."""
        return brentq(lambda T: math.log(self.tmr_ad(T) / DAY), 200.0, 2000.0, xtol=1e-9)


def criticality(Tp: float, mtsr: float, mtt: float, td24: float) -> int:
    """Stoessel's criticality class 1-5 from the four temperatures (see the table above)."""
    if not Tp <= mtsr:
        raise ValueError(f"the MTSR ({mtsr:g} K) cannot lie below the process temperature ({Tp:g} K)")
    if td24 <= mtsr and td24 <= mtt:
        return 5
    if mtsr < mtt:
        return 1 if mtt < td24 else 2
    return 3 if mtsr < td24 else 4


def mtsr(trace: dict[str, np.ndarray], reactor: str, dH: float, rho: float, cp: float) -> tuple[float, float]:
    """The MTSR (K) over a reactor trace and the time (s) it is reached: the temperature plus the adiabatic rise of
    the accumulated, unreacted reagent (the limiting one of ``nA``, ``nB``) in the mass present then."""
    T, V = trace[f"{reactor}.T"], trace[f"{reactor}.V"]
    accumulated = np.minimum(trace[f"{reactor}.nA"], trace[f"{reactor}.nB"])
    rise = accumulated * -dH / (rho * V * cp)
    i = int(np.argmax(T + rise))
    return float(T[i] + rise[i]), float(trace["t"][i])


@dataclass(frozen=True)
class ThermalRisk:
    """The temperatures (K) and times (s) of a semi-batch reaction's thermal risk, and its criticality class."""

    Tp: float
    dT_ad: float
    mtsr: float
    mtsr_time: float
    mtt: float
    td24: float
    tmr_ad_at_mtsr: float

    @property
    def criticality(self) -> int:
        return criticality(self.Tp, self.mtsr, self.mtt, self.td24)


def assess_reactor(reactor: str, chemistry: dict[str, float], flow: float, time: float, coolant: float,
                   mtt: float, decomposition: Decomposition, dt: float = 10.0) -> ThermalRisk:
    """Dose B at ``flow`` (m3/s) for ``time`` (s) into the :class:`~twin.process.units.SemiBatchReactor` with
    ``chemistry`` (its parameters by name, SI) and the jacket fed at ``coolant`` (K); the MTSR over the dosing."""
    from twin.process import simulate
    from twin.process.units import SemiBatchReactor

    model = SemiBatchReactor.of(reactor, **chemistry)
    dH, rho, cp, c_dose = (model.inputs[k].value for k in ("dH", "rho", "cp", "c_dose"))
    Tp, V0, nA0 = (model.states[k].value for k in ("T", "V", "nA"))
    trace = simulate(model, until=time, dt=dt, inputs={f"{reactor}.F_dose": flow, f"{reactor}.T_cin": coolant,
                                                       f"{reactor}.T_dose": Tp})
    dT_ad = min(nA0, c_dose * flow * time) * -dH / (rho * cp * (V0 + flow * time))
    top, when = mtsr(trace, reactor, dH, rho, cp)
    return ThermalRisk(Tp, dT_ad, top, when, mtt, decomposition.td24(), decomposition.tmr_ad(top))
