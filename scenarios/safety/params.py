"""The safety study's parameters as typed, frozen values: what the model reads, named and in SI units.

The scenario's schema (:mod:`scenarios.safety.schema`) checks the file and fills in the defaults;
:meth:`SafetyParams.of` turns the checked mapping (or a result's ``settings``) into these, so the model reads
``p.accident_paths.alarm.response.median`` instead of ``params["accident_paths"]["alarm"]["response"]["median"]``.
Pressures are absolute here (the file gives them gauge), and a section left out is None::

    >>> from scenarios.safety.params import SafetyParams
    >>> p = SafetyParams.of({"plant": "plant.yaml", "lopa": "lopa.yaml", "horizon": 3.15e7,
    ...                      "states": [{"at": 86400.0, "tag": "R-101.TT-02.test_age", "value": "1.5 yr"}],
    ...                      "accident_paths": {"paths": 200, "bias": 0.5, "relief": {"ipl": "RD-101", "set": 5e5},
    ...                                         "scenarios": {"runaway": {"initiating_event": "cooling_loss"}}}})
    >>> p.accident_paths.relief, p.states[0].bus_value, p.thermal
    (ReliefDevice(ipl='RD-101', set=601325.0), 47304000.0, None)
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scenarios.safety.path import ATMOSPHERE, FullCooling, Quench, ReliefDevice, Supply
from scenarios.safety.paths import Response
from twin.config import to_si


@dataclass(frozen=True)
class State:
    """A barrier's health written to the TagBus at ``at`` (s): ``tag`` is ``<IPL tag>.bypassed``, ``.failed`` or
    ``.test_age``, ``value`` as the file gives it (true/false, or a time such as ``1.5 yr``)."""

    at: float
    tag: str
    value: Any

    @property
    def bus_value(self) -> Any:
        """The value the bus carries: a proof test's age in s, a flag as it is."""
        return to_si(self.value, "s") if self.tag.endswith(".test_age") else self.value


@dataclass(frozen=True)
class Dosing:
    """B dosed at ``flow`` (m3/s) for ``time`` (s)."""

    flow: float
    time: float


@dataclass(frozen=True)
class DecompositionKinetics:
    """The final reaction mass's decomposition as DSC measures it: heat release ``q0`` (W/kg) at ``T0`` (K), its
    activation energy ``Ea`` (J/mol)."""

    q0: float
    T0: float
    Ea: float


@dataclass(frozen=True)
class Thermal:
    """The reactor's semi-batch reaction: the plant's ``reactor`` tag, its ``chemistry`` (SI parameters of the
    :class:`~twin.process.units.SemiBatchReactor` by name), the dosing, the coolant's inlet temperature (K), the MTT
    (K; None: the plant's ``max_temperature``) and the decomposition."""

    reactor: str
    chemistry: Mapping[str, float]
    dosing: Dosing
    coolant: float
    decomposition: DecompositionKinetics
    mtt: float | None = None


@dataclass(frozen=True)
class MonteCarlo:
    """Each LOPA scenario's accident paths sampled: ``paths`` of them, barriers failing with ``max(PFD, bias)``."""

    paths: int = 100_000
    bias: float | None = 0.5


@dataclass(frozen=True)
class Alarm:
    """The temperature alarm the operator answers: its IPL, its set point ``at`` (K), the operator's response."""

    ipl: str
    at: float
    response: Response = Response()


@dataclass(frozen=True)
class Oxygen:
    """The headspace oxygen: the solvent's LOC, the IPL acting on the O2 alarm (None: none does), the nitrogen it
    purges in (m3/s) and whether an operator answers the alarm (else an interlock acts at the crossing)."""

    loc: float
    ipl: str | None = None
    purge: float = 0.0
    operator: bool = False


@dataclass(frozen=True)
class Simulated:
    """A LOPA scenario run through the twin: its initiating event, the LOPA modifiers the simulation decides, the
    flow through a jammed dosing valve (m3/s), how long a stopped agitator stands still (s), the air a headspace
    without nitrogen breathes (m3/s) and the nitrogen supply a failed-open regulator lets in (None: not given)."""

    initiating_event: str
    simulates: tuple[str, ...] = ()
    flow: float | None = None
    restart: float | None = None
    ingress: float | None = None
    supply: Supply | None = None


@dataclass(frozen=True)
class AccidentPathsParams:
    """The accident-paths section: ``paths`` demands per LOPA scenario with importance sampling ``bias``, the
    digestion after the dosing (s; None: as long as the dosing), the barriers named by their IPLs (None: absent)
    with the SIS trip's actions, the headspace oxygen, whether to bisect the SIS trip limit, and the scenarios."""

    scenarios: dict[str, Simulated]
    paths: int = 200
    bias: float | None = 0.5
    digest: float | None = None
    alarm: Alarm | None = None
    trip: str | None = None
    interlock: str | None = None
    full_cooling: FullCooling | None = None
    quench: Quench | None = None
    relief: ReliefDevice | None = None
    oxygen: Oxygen | None = None
    pressure_trip: str | None = None
    trip_limit: bool = True


@dataclass(frozen=True)
class SafetyParams:
    """One variant of a safety scenario: the plant and LOPA files, the horizon (s), the barrier-health timeline and
    the optional sections (None: left out)."""

    plant: Path
    lopa: Path
    horizon: float
    states: tuple[State, ...] = ()
    thermal: Thermal | None = None
    monte_carlo: MonteCarlo | None = None
    accident_paths: AccidentPathsParams | None = None
    barrier_view: bool = False

    @classmethod
    def of(cls, params: Mapping[str, Any]) -> SafetyParams:
        """The typed parameters of a checked scenario mapping (``Scenario.variants[name]``, a task's params or a
        result's ``settings``)."""
        thermal, mc, ap = params.get("thermal"), params.get("monte_carlo"), params.get("accident_paths")
        return cls(plant=Path(params["plant"]), lopa=Path(params["lopa"]), horizon=float(params["horizon"]),
                   states=tuple(State(float(s["at"]), s["tag"], s["value"]) for s in params.get("states") or ()),
                   thermal=None if thermal is None else _thermal(thermal),
                   monte_carlo=None if mc is None else MonteCarlo(int(mc["paths"]), mc["bias"]),
                   accident_paths=None if ap is None else _accident_paths(ap),
                   barrier_view=bool(params.get("barrier_view")))


def _thermal(spec: Mapping[str, Any]) -> Thermal:
    d = spec["decomposition"]
    return Thermal(spec["reactor"], dict(spec.get("chemistry") or {}), Dosing(**spec["dosing"]), spec["coolant"],
                   DecompositionKinetics(d["q0"], d["T0"], d["Ea"]), spec.get("mtt"))


def _given(section: Mapping | None, build):
    return None if section is None else build(section)


def _accident_paths(spec: Mapping[str, Any]) -> AccidentPathsParams:
    def simulated(sim: Mapping[str, Any]) -> Simulated:
        return Simulated(sim["initiating_event"], tuple(sim.get("simulates") or ()), sim.get("flow"),
                         sim.get("restart"), sim.get("ingress"),
                         _given(sim.get("supply"), lambda s: Supply(s["pressure"] + ATMOSPHERE, s["cda"])))

    def alarm(a: Mapping[str, Any]) -> Alarm:
        return Alarm(a["ipl"], a["at"], _given(a.get("response"), lambda r: Response(**r)) or Response())

    return AccidentPathsParams(
        scenarios={name: simulated(sim) for name, sim in spec["scenarios"].items()},
        paths=int(spec["paths"]), bias=spec["bias"], digest=spec.get("digest"),
        alarm=_given(spec.get("alarm"), alarm), trip=spec.get("trip"), interlock=spec.get("interlock"),
        full_cooling=_given(spec.get("full_cooling"), lambda c: FullCooling(**c)),
        quench=_given(spec.get("quench"), lambda q: Quench(**q)),
        relief=_given(spec.get("relief"), lambda r: ReliefDevice(r["ipl"], r["set"] + ATMOSPHERE)),
        oxygen=_given(spec.get("oxygen"), lambda o: Oxygen(o["loc"], o.get("ipl"), o.get("purge") or 0.0,
                                                          bool(o.get("operator")))),
        pressure_trip=spec.get("pressure_trip"), trip_limit=bool(spec.get("trip_limit", True)))
