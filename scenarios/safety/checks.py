"""What the safety study's schema cannot say, checked before anything runs: the LOPA reads cleanly, its IPLs stand
on tags of the plant, the states name health tags within the horizon, the reactor is a semi-batch reactor of the
plant, the accident paths name the LOPA's scenarios, IPLs and modifiers, and their barriers act below the MTT.

Every refusal is a :class:`twin.config.ConfigError` naming the file, line and key of the culprit with a hint.
"""
from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from scenarios.safety import lopa, model, path
from scenarios.safety.params import SafetyParams
from twin.config import suggest, to_si


@functools.cache
def plant_signals(path: Path) -> frozenset[str]:
    """Equipment and instrument tags of the plant at ``path`` (what an IPL may stand on)."""
    from twin import plant

    model = plant.load(path)
    return frozenset(asset.tag for asset in model) | frozenset(model.instruments)


def check(params: Mapping[str, Any], tags: frozenset[str]) -> None:
    """The LOPA file reads cleanly, its IPLs stand on tags of the plant, the states name their health tags."""
    study = lopa.load(params["lopa"])
    lopa.check_tags(study, tags | plant_signals(params["plant"]))
    _check_states(params["states"], study, params["horizon"])
    if params["thermal"] is not None:
        _check_step_times(params["thermal"]["dosing"], params["accident_paths"])
        _check_thermal(params["thermal"], params["plant"])
    mc = params["monte_carlo"]
    for section in (mc, params["accident_paths"]):
        if section is not None and section["bias"] is not None and not 0 < section["bias"] < 1:
            raise section.error("bias", f"got {section['bias']}", hint="bias: 0.5 (or leave it out)",
                                expected="a probability in (0, 1): the biased failure chance")
    if params["accident_paths"] is not None:
        _check_paths(params["accident_paths"], study, params)


MAX_STEP_TIME = 7 * 86400.0
"""The longest dosing or digestion the reactor is simulated over: hours in practice, a week at most (1e300 s
overflowed the simulator: a ValueError traceback at the check, or every replication failed)."""


def _check_step_times(dosing, paths) -> None:
    """The dosing's ``time`` and the accident paths' ``digest`` at most :data:`MAX_STEP_TIME`."""
    for where, name in ((dosing, "time"), (paths, "digest")):
        if where is not None and where.get(name) is not None and where[name] > MAX_STEP_TIME:
            raise where.error(name, f"{where[name] / 3600:.3g} h", expected="at most 7 d (a dosing or digestion "
                              "takes hours)", hint="check the value and its unit")


def _check_states(states, study: lopa.Lopa, horizon: float) -> None:
    """Each state names the health tag of an IPL, with a value of its kind (a flag, a proof test's age that is a
    time and not negative), within the horizon."""
    from scenarios.safety.live import HEALTH

    health = {f"{layer.tag}.{signal}": kind for layer in study.layers.values() for signal, kind in HEALTH.items()}
    for i, state in enumerate(states):
        if state["tag"] not in health:
            raise states[i].error("tag", f"'{state['tag']}' is not the health tag of an IPL",
                                  expected="<IPL tag>.bypassed, .failed or .test_age",
                                  hint=suggest(state["tag"], health) or f"e.g. {next(iter(health), 'R-101.bypassed')}")
        kind, value = health[state["tag"]], state["value"]
        if kind is bool and not isinstance(value, bool):
            raise states[i].error("value", f"got {value!r}", expected="true or false")
        if kind is float:
            try:
                age = to_si(value, "s")
            except ValueError as exc:
                raise states[i].error("value", f"got {value!r}: {exc}", expected="a time such as 400 d") from None
            if not age >= 0:
                raise states[i].error("value", f"got {value!r}: a proof test's age cannot be negative",
                                      expected="a time since the last proof test, such as 400 d (0 d: just tested)")
        if not 0 <= state["at"] <= horizon:
            raise states[i].error("at", f"{state['at']:g} s lies outside the horizon",
                                  expected=f"0 <= at <= {horizon:g} s")


def _check_paths(spec, study: lopa.Lopa, params) -> None:
    """The simulated scenarios, IPLs and modifiers are the LOPA's; the reactor comes from the thermal section; the
    alarm and the SIS trip lie below the MTT."""
    if params["thermal"] is None:
        raise spec.error("scenarios", "accident paths run the reactor of the 'thermal' section, which is missing",
                         hint="add a thermal: section (reactor, chemistry, dosing, coolant, decomposition)")
    named = [(spec[k], "ipl") for k in ("alarm", "relief", "oxygen") if spec[k] and spec[k]["ipl"]] + [
        (spec, k) for k in ("trip", "interlock", "pressure_trip") if spec[k]]
    for where, key in named:
        if where[key] not in study.layers:
            raise where.error(key, f"'{where[key]}' is not an IPL of the LOPA",
                              expected=f"one of {', '.join(study.layers)}", hint=suggest(where[key], study.layers))
    hazards = {h.name: h for h in study.hazards}
    for name, sim in spec["scenarios"].items():
        if name not in hazards:
            raise spec["scenarios"].error(name, f"'{name}' is not a scenario of the LOPA",
                                          expected=f"one of {', '.join(hazards)}", hint=suggest(name, hazards))
        _check_simulated(name, sim, hazards[name], spec)
    _check_limits(spec, model.batch(SafetyParams.of(params)))


def _check_simulated(name: str, sim, hazard: lopa.Hazard, spec) -> None:
    """A simulated scenario's options belong to its initiating event, its modifiers are its LOPA row's."""
    kind = sim["initiating_event"]
    if sim["restart"] is not None and kind != "agitator_stop":
        raise sim.error("restart", f"'{name}' starts with {kind}: there is no agitator to restart",
                        hint="restart: belongs to an agitator_stop scenario; remove it here")
    for key, needs, example in (("ingress", "nitrogen_loss", "ingress: 5 m3/h"),
                                ("supply", "regulator_open", "supply: {pressure: 7 bar, cda: 1e-5 m2}")):
        if (sim[key] is not None) != (kind == needs):
            raise sim.error(key, f"'{name}' starts with {kind}: {key} belongs to a {needs} scenario, which needs it",
                            hint=example if sim[key] is None else f"remove {key}: here")
    if kind == "nitrogen_loss" and spec["oxygen"] is None:
        raise spec.error("scenarios", f"'{name}' loses the nitrogen: its top event is the headspace oxygen rising "
                         "through the solvent's LOC, which the oxygen: section gives",
                         hint="oxygen: {loc: 10.5 %} (ethanol; add ipl:, purge: for the O2 alarm's action)")
    for i, modifier in enumerate(sim["simulates"]):
        if modifier not in hazard.modifiers:
            raise sim["simulates"].error(i, f"'{modifier}' is not a modifier of scenario '{name}'",
                                         expected=f"one of {', '.join(hazard.modifiers) or '(none)'}",
                                         hint=suggest(modifier, hazard.modifiers))


def _check_limits(spec, batch: path.Batch) -> None:
    """The SIS trip point and the alarm lie below the MTT, a relief device's set pressure below the design
    pressure."""
    limits = [("the SIS trip point", path.trip_point(batch), spec, "trip")]
    if spec["alarm"]:
        limits.append(("the alarm", spec["alarm"]["at"], spec["alarm"], "at"))
    if spec["relief"]:
        design = path.design_pressure(batch)
        if design is None:
            raise spec.error("relief", f"{batch.reactor} has no design pressure, the top event of a path with a "
                             "relief device", hint="give the reactor a design_pressure in the plant overlay, or "
                             "P_design (absolute) in thermal.chemistry")
        if not spec["relief"]["set"] + path.ATMOSPHERE < design:
            raise spec["relief"].error("set", f"the set pressure ({spec['relief']['set'] / 1e5:g} bar gauge) is not "
                                       f"below the design pressure ({(design - path.ATMOSPHERE) / 1e5:g} bar gauge)",
                                       hint="a relief device must open before the vessel's design pressure")
    for what, value, where, key in limits:
        if not value < batch.mtt:
            raise where.error(key, f"{what} ({value - 273.15:.1f} degC) is not below the MTT "
                              f"({batch.mtt - 273.15:.1f} degC)",
                              hint="a barrier acting at or after the MTT cannot prevent reaching it")


def _check_thermal(spec, plant_path: Path) -> None:
    """The reactor is a semi-batch reactor of the plant (the chemistry's names, units and signs are the schema's)."""
    from twin import plant

    assets = {a.tag: a for a in plant.load(plant_path)}
    reactors = [t for t, a in assets.items() if a.behaviour == "semi_batch_reactor"]
    if spec["reactor"] not in reactors:
        raise spec.error("reactor", f"'{spec['reactor']}' is not a semi-batch reactor of the plant",
                         expected=f"one of {', '.join(reactors) or '(none)'}", hint=suggest(spec["reactor"], reactors))
