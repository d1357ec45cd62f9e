"""What the continuous line's schema cannot say: the units on the plant's tags, rates and levels that make sense,
limits and a margin that leave a band, periods on the sample grid, a stable weight loop; then ``truth:`` and
``uncertainty:`` (:func:`.plant.check`) and the monitor (:func:`.mspc.check`). Each refusal names the file, line and
key, and suggests a fix.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scenarios.continuous_manufacturing import mspc, plant, release
from twin.config import suggest


def check(params: Mapping[str, Any], tags: frozenset[str]) -> None:
    """The units exist in the plant; rates, limits, margin and periods make sense together."""
    where = {"blender": params["blender"], "press": params["press"], "pat": params["pat"], "gate": params["gate"]}
    for key, unit in where.items():
        _plant_tag(unit, "tag", unit["tag"], tags, f"the plant has no {key} '{unit['tag']}'")
    feeders = params["feeders"]
    if not feeders:
        raise params.error("feeders", "no feeders", expected="the line's loss-in-weight feeders by tag")
    for tag, f in feeders.items():
        _plant_tag(feeders, tag, tag, tags, f"the plant has no feeder '{tag}'")
        if not f["rate"] > 0:
            raise f.error("rate", f"feeder {tag} has a rate of {f['rate'] * 3600:g} kg/h",
                          expected="a positive mass flow such as 6 kg/h", hint="a feeder that is off is left out")
        if not 0 <= f["refill_at"] < f["hopper"]:
            raise f.error("refill_at", f"feeder {tag} refills at {f['refill_at']:g} kg with a hopper of "
                          f"{f['hopper']:g} kg", expected="0 <= refill_at < hopper")
    components = [f["component"] for f in feeders.values()]
    if params["press"]["api"] not in components:
        raise params["press"].error("api", f"no feeder delivers '{params['press']['api']}'",
                                    expected=f"one of the feeders' components: {', '.join(components)}",
                                    hint=suggest(params["press"]["api"], components))
    if len(params["limits"]) != 2:
        raise params.error("limits", f"{len(params['limits'])} limits given",
                           expected="[low, high], e.g. [95 %, 105 %]")
    low, high = params["limits"]
    if not 0 < low < 1 < high:
        raise params.error("limits", f"limits {low:.0%} to {high:.0%} of label claim are inverted or exclude 100 %",
                           expected="[low, high] with low < 100 % < high, e.g. [95 %, 105 %]",
                           hint=f"limits: [{min(low, high):.0%}, {max(low, high):.0%}]" if low > high else None)
    if not 0 <= params["margin"] < min(1 - low, high - 1):
        raise params.error("margin", f"a margin of {params['margin']:.1%} closes the band {low:.0%}-{high:.0%}",
                           expected=f"0 <= margin < {min(1 - low, high - 1):.1%}")
    if params["gate"]["switch_time"] < 0:
        raise params["gate"].error("switch_time", "a gate cannot switch in negative time",
                                   expected="0 s or more, e.g. 0.5 s")
    dt = params["sample_interval"]
    if not dt > 0:
        raise params.error("sample_interval", "the sample interval must be positive", expected="a time such as 1 s")
    interval = params["pat"]["interval"]
    if interval < dt or abs(interval / dt - round(interval / dt)) > 1e-9:
        raise params["pat"].error("interval", f"the NIR samples every {interval:g} s but the twin records every "
                                  f"{dt:g} s", expected=f"a multiple of the sample interval ({dt:g} s)",
                                  hint=f"interval: {max(1, round(interval / dt)) * dt:g} s, or a smaller "
                                       "sample_interval")
    for i, d in enumerate(params["disturbances"]):
        if d["kind"].startswith("nir_"):
            if d["kind"] == "nir_dropout" and not d["duration"] > 0:
                raise params["disturbances"][i].error("duration", "a dropout of the NIR probe needs a positive "
                                                      "duration", expected="a time such as 10 min")
            continue
        if d.get("feeder") not in feeders:
            raise params["disturbances"][i].error("feeder", f"no feeder '{d.get('feeder')}' in this scenario",
                                                  expected=f"one of {', '.join(feeders)}",
                                                  hint=suggest(str(d.get("feeder")), list(feeders)))
        if d["kind"] != "step" and not d["duration"] > 0:
            raise params["disturbances"][i].error("duration", f"a {d['kind']} needs a positive duration",
                                                  expected="a time such as 2 min")
    if not params["control_interval"] >= dt:
        raise params.error("control_interval", "the ratio controller cannot act faster than the twin records",
                           expected=f"at least the sample interval ({dt:g} s)")
    for tag, power in params["power"].items():
        _plant_tag(params["power"], tag, tag, tags, f"the plant has no unit '{tag}' to give a power to")
        for state in ("running", "idle"):
            if power[state] < 0:
                raise power.error(state, f"{tag} draws {power[state] / 1000:g} kW when {state}",
                                  expected="0 kW or more, e.g. 2.2 kW")
    mpc = params["mpc"]
    if not mpc["interval"] >= dt:
        raise mpc.error("interval", f"the MPC would solve every {mpc['interval']:g} s but the twin records every "
                        f"{dt:g} s", expected=f"at least the sample interval ({dt:g} s), e.g. 10 s")
    if not mpc["horizon"] >= mpc["interval"] * mpc["moves"]:
        raise mpc.error("horizon", f"a horizon of {mpc['horizon']:g} s is shorter than {mpc['moves']} moves of "
                        f"{mpc['interval']:g} s", expected="horizon >= moves * interval; about three times the "
                        "line's residence time (blender + feed frame) sees a disturbance through",
                        hint=f"horizon: {3 * (params['blender']['tau'] + params['press']['feed_frame_tau']):g} s")
    r = params["rtrt"]
    if r["tablet_cv"] is not None:
        raise r.error("tablet_cv", "rtrt.tablet_cv is no longer read: the tablets' scatter comes from the press "
                      "model (issue 17)", expected="the press's die fill and weight control under press:",
                      hint="delete tablet_cv; put e.g. weight: {density_sd: 1 %, density_time: 30 s, fill_sd: 1 %} "
                           "and weight_control: {enabled: true, every: 50, gain: 0.2, integral: 0.3} under press:")
    densities = params["press"]["weight"]["densities"]
    missing = [c for c in dict.fromkeys(components) if c not in densities]
    if densities and missing:
        raise params["press"]["weight"].error("densities", f"no bulk density for {', '.join(missing)}",
                                              expected="one for every component the feeders deliver",
                                              hint=f"add {missing[0]}: 500 kg/m^3")
    for c, rho in densities.items():
        if not rho > 0:
            raise densities.error(c, f"a bulk density of {rho:g} kg/m^3", expected="a positive density such as 450 "
                                  "kg/m^3")
    control = params["press"]["weight_control"]
    if control["enabled"] and not (control["gain"] < 1 and 0 < control["integral"] < 2 * (1 - control["gain"])):
        # Jury's test on the loop's characteristic polynomial (twin.process.units.press)
        raise control.error("integral", f"gain {control['gain']:g} with integral {control['integral']:g} makes "
                            "the weight loop unstable", expected="gain < 1 and 0 < integral < 2 (1 - gain)",
                            hint="gain: 0.2, integral: 0.3")
    if r["tablets"] not in (10, 30):
        raise r.error("tablets", f"{r['tablets']} tablets per sub-lot", expected="10 (Ph. Eur. 2.9.40's first "
                      "stage, 30 if it fails) or 30")
    if r["pat_units"] and r["pat_units"] < release.LARGE[-1][0]:
        raise r.error("pat_units", f"{r['pat_units']} PAT units per sub-lot", expected=f"0 (no large-sample "
                      f"test) or at least {release.LARGE[-1][0]} (the Ph. Eur. 2.9.47 rows carried here)",
                      hint="pat_units: 500")
    plant.check(params)
    mspc.check(params)


def _plant_tag(where, key, tag: str, tags: frozenset[str], message: str) -> None:
    if tag not in tags:
        raise where.error(key, message, expected="a tag of the plant model",
                          hint=suggest(tag, tags) or f"the plant's tags are {', '.join(sorted(tags))}")



def _plant_tag(where, key, tag: str, tags: frozenset[str], message: str) -> None:
    if tag not in tags:
        raise where.error(key, message, expected="a tag of the plant model",
                          hint=suggest(tag, tags) or f"the plant's tags are {', '.join(sorted(tags))}")
