"""One replication of the safety study: the risk register, the thermal risk, sampled and simulated accident paths,
and the barrier-health timeline replayed on a TagBus, as KPIs, traces and events (see :mod:`scenarios.safety`).

:func:`assess` is the study's ``run``; each section of the scenario adds its KPIs in its own function below.
:func:`accident_paths` builds the samplers of :mod:`scenarios.safety.paths` from the scenario (the report's figures
use them too), :func:`thermal_risk` the reactor's Stoessel assessment.
"""
from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from scenarios.registry import Run
from scenarios.safety import lopa, montecarlo, paths
from scenarios.safety.params import MonteCarlo, SafetyParams, Thermal
from scenarios.safety.path import TOP_EVENTS, AccidentPath, Barriers, Batch, Gas, PathSetup

if TYPE_CHECKING:
    from scenarios.safety.thermal import ThermalRisk


def thermal_risk(thermal: Thermal, plant_path: Path) -> ThermalRisk:
    """The reactor's thermal risk; UA and MTT default to the plant's ``jacket_ua`` and ``max_temperature``."""
    from scenarios.safety.thermal import Decomposition, assess_reactor
    from twin import plant
    from twin.process.units.reactor import Contents

    asset = {a.tag: a for a in plant.load(plant_path)}[thermal.reactor]
    chemistry = {"UA": asset.params.get("jacket_ua", 8e3), **thermal.chemistry}
    mtt = thermal.mtt if thermal.mtt is not None else asset.params.get("max_temperature")
    d, cp = thermal.decomposition, chemistry.get("cp", Contents.cp)
    return assess_reactor(thermal.reactor, chemistry, thermal.dosing.flow, thermal.dosing.time, thermal.coolant,
                          mtt, Decomposition(d.q0, d.T0, d.Ea, cp))


def batch(p: SafetyParams) -> Batch:
    """The batch the accident paths run: the thermal section's reaction, then the digestion."""
    thermal, ap = p.thermal, p.accident_paths
    risk = thermal_risk(thermal, p.plant)
    dose = thermal.dosing
    return Batch(p.plant, thermal.reactor, dict(thermal.chemistry), dose.flow, dose.time,
                       ap.digest if ap.digest is not None else dose.time, thermal.coolant,
                       ap.alarm.at if ap.alarm else risk.mtt, risk.mtt, risk.td24)


def _credited(hazard: lopa.Hazard, ipl: str | None) -> str | None:
    """``ipl`` if the LOPA scenario credits it (None: it does not act on this scenario's paths)."""
    return ipl if ipl in hazard.pfds else None


def accident_paths(params: SafetyParams | Mapping[str, Any]) -> dict[str, paths.AccidentPaths]:
    """The simulated LOPA scenarios by name, barriers credited in each (``params`` typed, or a scenario's
    settings)."""
    p = params if isinstance(params, SafetyParams) else SafetyParams.of(params)
    spec, study = p.accident_paths, lopa.load(p.lopa)
    the_batch, hazards = batch(p), {h.name: h for h in study.hazards}
    oxygen = spec.oxygen
    out = {}
    for name, sim in spec.scenarios.items():
        h = hazards[name]
        credited = functools.partial(_credited, h)
        gas = Gas(ingress=sim.ingress or 0.0, loc=oxygen and oxygen.loc, purge=oxygen.purge if oxygen else 0.0,
                        oxygen=credited(oxygen and oxygen.ipl), operator=bool(oxygen and oxygen.operator),
                        supply=sim.supply, pressure_trip=credited(spec.pressure_trip))
        # the simulated relief is tempered (vapour): a gas overpressure's enters as its PFD
        relief = spec.relief if spec.relief and sim.initiating_event != "regulator_open" and credited(
            spec.relief.ipl) else None
        barriers = Barriers(alarm=credited(spec.alarm and spec.alarm.ipl), trip=credited(spec.trip),
                                  interlock=credited(spec.interlock), full_cooling=spec.full_cooling,
                                  quench=spec.quench, relief=relief)
        setup = PathSetup(sim.initiating_event, barriers, gas, stuck_flow=sim.flow, restart=sim.restart)
        out[name] = paths.AccidentPaths(the_batch, h, setup, simulated_modifiers=sim.simulates,
                                        response=spec.alarm.response if spec.alarm else paths.Response())
    return out


class _Output:
    """The KPIs (with units) and the event log of a replication as they are added."""

    def __init__(self) -> None:
        self.kpis: dict[str, float] = {}
        self.units: dict[str, str] = {}
        self.events: dict[str, list] = {"t": [], "source": [], "event": [], "peak": [], "weight": []}

    def kpi(self, name: str, value: float, unit: str) -> None:
        self.kpis[name], self.units[name] = float(value), unit

    def log(self, t: float, source: str, event: str, peak: float = math.nan, weight: float = math.nan) -> None:
        for key, value in zip(self.events, (t, source, event, peak, weight), strict=True):
            self.events[key].append(value)

    def run(self, traces: dict[str, np.ndarray]) -> Run:
        return Run(kpis=self.kpis, units=self.units, traces=traces, events={
            k: np.array(v, dtype=object if k in ("source", "event") else float) for k, v in self.events.items()})


def assess(params: Mapping[str, Any], seed: np.random.SeedSequence) -> Run:
    """The risk register as KPIs, then the states replayed on a TagBus (static: every replication is the same)."""
    p = SafetyParams.of(params)
    study, out = lopa.load(p.lopa), _Output()
    register_kpis(study, out)
    if p.thermal is not None:
        thermal_kpis(p, out)
    if p.monte_carlo is not None:
        monte_carlo_kpis(study, p.monte_carlo, np.random.default_rng(seed), out)
    if p.accident_paths is not None:
        path_kpis(p, np.random.default_rng(seed.spawn(1)[0]), out)
    return out.run(timeline(study, p, out))


def register_kpis(study: lopa.Lopa, out: _Output) -> None:
    """The LOPA's risk register and each SIF's PFDavg."""
    for e in lopa.register(study):
        out.kpi(f"frequency.{e.scenario}", e.frequency, "1/yr")
        out.kpi(f"gap.{e.scenario}", e.gap, "1")
        out.kpi(f"rrf_needed.{e.scenario}", e.rrf_needed, "1")
        out.kpi(f"sil_required.{e.scenario}", e.sil_required, "SIL")
    for layer in study.layers.values():
        if layer.sif:  # computed from its architecture (a worksheet's SIF has a PFD per scenario instead)
            out.kpi(f"pfd.{layer.name}", layer.pfd, "1")


def thermal_kpis(p: SafetyParams, out: _Output) -> None:
    """Stoessel's assessment of the reactor: temperatures (K), TMRad at the MTSR (s), the criticality class."""
    risk = thermal_risk(p.thermal, p.plant)
    for name, value in (("Tp", risk.Tp), ("dT_ad", risk.dT_ad), ("MTSR", risk.mtsr), ("MTT", risk.mtt),
                        ("TD24", risk.td24)):
        out.kpi(f"thermal.{name}", value, "K")
    out.kpi("thermal.TMRad_at_MTSR", risk.tmr_ad_at_mtsr, "s")
    out.kpi("thermal.class", risk.criticality, "class")


def monte_carlo_kpis(study: lopa.Lopa, mc: MonteCarlo, rng: np.random.Generator, out: _Output) -> None:
    """Each LOPA scenario's accident paths sampled (Monte Carlo) against its static frequency."""
    for h in study.hazards:
        e = montecarlo.estimate(h, mc.paths, rng, bias=mc.bias)
        out.kpi(f"mc_frequency.{h.name}", e.frequency, "1/yr")
        out.kpi(f"mc_agrees.{h.name}", e.covers(h.mitigated * lopa.YEAR), "1")


def path_kpis(p: SafetyParams, rng: np.random.Generator, out: _Output) -> None:
    """Each simulated scenario's dynamic frequency and why it differs from the LOPA; every path in the event log."""
    spec = p.accident_paths
    for name, sampler in accident_paths(p).items():
        found = sampler.estimate(spec.paths, rng, bias=spec.bias)
        e = found.estimate
        for key, value in (("frequency", e.frequency), ("low", e.low), ("high", e.high)):
            out.kpi(f"dyn_{key}.{name}", value, "1/yr")
        out.kpi(f"dyn_agrees.{name}", found.agrees, "1")
        out.kpi(f"dyn_top_events.{name}", e.hits, "paths")
        out.kpi(f"dyn_reach.{name}", found.reach, "1")
        out.kpi(f"dyn_assumed_reach.{name}", found.assumed_reach, "1")
        for ipl, share in found.late.items():
            out.kpi(f"dyn_late.{name}.{ipl}", share, "1")
        if sampler.setup.barriers.trip is not None and spec.trip_limit:
            limit = paths.trip_limit(sampler)
            out.kpi(f"dyn_trip_limit.{name}", math.nan if limit is None else limit, "K")
        if found.paths[0].peak_pressure is not None:
            out.kpi(f"dyn_peak_pressure.{name}", max(path.peak_pressure for path in found.paths), "Pa")
        if found.paths[0].peak_oxygen is not None:
            out.kpi(f"dyn_peak_oxygen.{name}", max(path.peak_oxygen for path in found.paths), "1")
        for path, weight in zip(found.paths, found.weights, strict=True):
            log_path(name, path, weight, out)


def log_path(name: str, path: AccidentPath, weight: float, out: _Output) -> None:
    """A path's top event at its time in the batch, and the path itself (source ``<name>.path``, at its initiating
    event, with its peak and importance weight) for the report's scatter."""
    said = (f"event at {path.demand.t_event:.0f} s, failed: {', '.join(sorted(path.demand.failed)) or 'none'}"
            + "".join(f", {b} acted at {t:.0f} s" for b, t in path.acted.items()))
    if path.top_event:
        out.log(path.t_top, name, f"{TOP_EVENTS[path.top]}, {said}")
    out.log(path.demand.t_event, f"{name}.path", f"{'top event' if path.top_event else 'held'}, {said}",
            path.peak_of_top, weight)


def timeline(study: lopa.Lopa, p: SafetyParams, out: _Output) -> dict[str, np.ndarray]:
    """The states replayed on a TagBus: each SIF's worst momentary PFD, each scenario's time-average frequency and
    time above the tolerable one; the frequencies as step traces; the states in the event log."""
    from scenarios.safety.live import LiveBarriers
    from twin.tags import TagBus

    bus = TagBus()
    LiveBarriers(study, bus)
    states = sorted(p.states, key=lambda s: s.at)
    for state in states:
        bus.write(state.tag, state.bus_value, t=state.at)
    for name in study.layers:
        if f"{name}.pfd_now" in bus:  # the worst momentary PFD of each SIF (an overdue test shows here)
            out.kpi(f"pfd_now_max.{name}", float(np.nanmax(bus.history(f"{name}.pfd_now")[1])), "1")
    traces: dict[str, np.ndarray] = {}
    for h in study.hazards:
        t, f, _ = bus.history(f"{h.name}.frequency")
        t, f = np.append(t, p.horizon), np.append(f, f[-1])
        out.kpi(f"mean_frequency.{h.name}", np.sum(f[:-1] * np.diff(t)) / p.horizon, "1/yr")
        out.kpi(f"time_above.{h.name}", np.sum(np.diff(t)[f[:-1] > h.tolerable * lopa.YEAR * (1 + 1e-12)]), "s")
        traces["t"] = np.repeat(t, 2)[1:]  # steps: each value held until the next change
        traces[f"frequency.{h.name}"] = np.repeat(f, 2)[:-1]
    for s in states:
        out.log(s.at, s.tag, str(s.value))
    return traces
