"""Continuous manufacturing: a direct-compression line with PAT, RTD traceability, diversion and real-time release.

Loss-in-weight feeders (hopper refills, feed-factor noise per lot) feed a continuous blender and a tablet press,
CasADi models on the Twin's clock; the scenario adds disturbances (feed-factor steps and drifts, stoppages) and
ratio control; ``interlock: true`` stops all feeders the instant one stops and restarts them together (the blend
ratio kept). From the feeders' records the line's residence-time distribution predicts the content reaching
the press; an NIR probe at the blender outlet measures it (sampling period, noise, bias); the diversion gate
rejects what either puts outside the limits tightened by the margin. ``truth:`` makes the simulated plant differ
from the twin's model and ``uncertainty:`` says what the twin does not know (:mod:`.plant`): the plant's instruments
(:mod:`.instruments`) feed the twin's prediction band, estimator and gate (:mod:`.monitor`, :mod:`.estimator`) and
the MPC's observer (:mod:`.observer`); release per sub-lot by Ph. Eur. 2.9.40 and 2.9.47 (:mod:`.release`). See
``flagship.yaml`` beside this file and ``docs/studies/continuous_manufacturing.md``.

KPIs: ``throughput`` (kg/h of accepted tablets), ``yield``, ``diverted`` and ``escaped`` (kg; out of the limits
yet accepted, judged on the Twin's true content), ``diversion_events``, ``av_max`` (the worst Ph. Eur. 2.9.40
acceptance value over the RTRT sub-lots), ``pat_av_max`` (2.9.47 on PAT units), ``windows_released`` (share of
sub-lots released), ``prediction_error`` (RTD model vs Twin), ``iae`` (the integral of the absolute deviation of the
true content from target, % LC min: how well the control held it), ``false_diversions`` and ``diverted_in_spec``;
with ``uncertainty:`` the estimator's ``estimate_error``, ``estimate_coverage``, ``nir_bias_error``/``_std`` and
``blender_tau_error``/``_std``;
with ``power`` given per unit (running and idle), ``energy`` (kWh) and ``specific_energy`` (kWh per kg accepted).
Events: the gate's ``divert``/``accept`` and, per feeder, when each raw-material lot reaches the press (``lot k in``,
``lot k out``), and per sub-lot ``sub-lot k released``/``rejected``. Figures: :mod:`.figures`; a comparison of
variants (``twin sweep``) adds the trade-off between diverted and escaped mass.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scenarios.continuous_manufacturing import mspc, plant, release
from scenarios.registry import Deferred, Study
from twin.config import Anything, Boolean, Integer, ListOf, MapOf, Number, Quantity, Record, Str, suggest

FEEDER = Record({"component": Str(), "rate": Quantity("kg/s", "6 kg/h"), "hopper": Quantity("kg", "10 kg"),
                 "refill_at": Quantity("kg", "3 kg"), "ff_sd": Quantity("1", "2 %"),
                 "control_time": Quantity("s", "10 s"), "hopper_mixing": Str(["fifo", "mixed"]),
                 "feed_factor": Number(minimum=0), "drift": Quantity("1/s", "-1 %/h", minimum=None),
                 "flow_noise": Quantity("1", "1 %"), "flow_noise_time": Quantity("s", "3 s"),
                 "load_cell_noise": Quantity("1", "0.5 %"), "load_cell_bias": Quantity("1", "0.5 %", minimum=None)},
                required=("component", "rate", "hopper", "refill_at"),
                defaults={"ff_sd": 0.0, "control_time": 10.0, "hopper_mixing": "fifo", "feed_factor": 1.0,
                          "drift": 0.0, "flow_noise": 0.0, "flow_noise_time": 3.0, "load_cell_noise": 0.0,
                          "load_cell_bias": 0.0},
                name="a feeder")
BLENDER = Record({"tag": Str(), "tau": Quantity("s", "90 s"), "tanks": Integer(minimum=1)},
                 required=("tag", "tau", "tanks"), name="a blender")
DIE_FILL = Record({"density_sd": Quantity("1", "1 %"), "density_time": Quantity("s", "30 s"),
                   "fill_sd": Quantity("1", "1 %"), "densities": MapOf(Quantity("kg/m^3", "450 kg/m^3"))},
                  defaults={"density_sd": 0.0, "density_time": 0.0, "fill_sd": 0.0, "densities": {}},
                  name="the press's die fill")
WEIGHT_CONTROL = Record({"enabled": Boolean(), "every": Integer(minimum=1), "gain": Number(minimum=0),
                         "integral": Number(minimum=0), "deadband": Quantity("1", "0.5 %"),
                         "limit": Quantity("1", "20 %")},
                        defaults={"enabled": False, "every": 50, "gain": 0.2, "integral": 0.3, "deadband": 0.0,
                                  "limit": 0.2}, name="the press's weight control")
PRESS = Record({"tag": Str(), "api": Str(), "tablet_mass": Quantity("kg", "400 mg"),
                "feed_frame_tau": Quantity("s", "20 s"), "weight": DIE_FILL, "weight_control": WEIGHT_CONTROL},
               required=("tag", "tablet_mass", "feed_frame_tau"),
               defaults={"api": "API", "weight": {"density_sd": 0.0, "density_time": 0.0, "fill_sd": 0.0,
                                                  "densities": {}},
                         "weight_control": {"enabled": False, "every": 50, "gain": 0.2, "integral": 0.3,
                                            "deadband": 0.0, "limit": 0.2}}, name="a press")
PAT = Record({"tag": Str(), "interval": Quantity("s", "5 s"), "noise": Quantity("1", "1 %"),
              "bias": Quantity("1", "0.5 %", minimum=None)}, required=("tag", "interval"),
             defaults={"noise": 0.0, "bias": 0.0},
             name="an NIR probe")
GATE = Record({"tag": Str(), "switch_time": Quantity("s", "0.5 s"), "hold": Quantity("s", "30 s"),
               "settle": Quantity("s", "10 s"), "alarm": Quantity("1", "10 %")}, required=("tag",),
              defaults={"switch_time": 0.0, "hold": 0.0, "settle": 0.0, "alarm": 0.0}, name="a diversion gate")
DISTURBANCE = Record({"kind": Str(["step", "drift", "stoppage", "nir_bias", "nir_dropout"]), "feeder": Str(),
                      "at": Quantity("s", "6 h"), "duration": Quantity("s", "2 h"), "feed_factor": Number(minimum=0),
                      "bias": Quantity("1", "-3 %", minimum=None)},
                     required=("kind", "at"), defaults={"duration": 0.0, "feed_factor": 1.0, "bias": 0.0},
                     name="a disturbance")
POWER = Record({"running": Quantity("W", "1.5 kW"), "idle": Quantity("W", "0.2 kW")}, required=("running",),
               defaults={"idle": 0.0}, name="a unit's electric power")
MPC_DEFAULTS = {"interval": 10.0, "horizon": 300.0, "moves": 6, "rate_weight": 0.1, "move_weight": 0.01}
MPC = Record({"interval": Quantity("s", "10 s"), "horizon": Quantity("s", "5 min"), "moves": Integer(minimum=1),
              "rate_weight": Number(minimum=0), "move_weight": Number(minimum=0)},
             defaults={"interval": 10.0, "horizon": 300.0, "moves": 6, "rate_weight": 0.1, "move_weight": 0.01},
             name="the model-predictive controller")
RTRT = Record({"window": Quantity("s", "1 h"), "tablets": Integer(minimum=10), "tablet_cv": Anything(),
               "pat_units": Integer(minimum=0)},
              defaults={"window": 3600.0, "tablets": 10, "pat_units": 0},
              name="the real-time release")


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


STUDY = Study(
    name="continuous_manufacturing",
    description=__doc__.splitlines()[0],
    fields={"sample_interval": Quantity("s", "1 s"), "feeders": MapOf(FEEDER), "blender": BLENDER, "press": PRESS,
            "pat": PAT, "gate": GATE, "limits": ListOf(Quantity("1", "95 %"), min_items=2),
            "margin": Quantity("1", "1 %"), "control": Str(["ratio", "mpc", "none"]),
            "control_interval": Quantity("s", "2 s"), "interlock": Boolean(), "mpc": MPC, "power": MapOf(POWER),
            "disturbances": ListOf(DISTURBANCE), "rtrt": RTRT, "truth": MapOf(Anything()),
            "uncertainty": MapOf(Anything()), "monitor": mspc.MONITOR},
    defaults={"sample_interval": 1.0, "limits": [0.95, 1.05], "margin": 0.01, "control": "ratio",
              "control_interval": 2.0, "interlock": False, "mpc": MPC_DEFAULTS, "power": {},
              "rtrt": {"window": 3600.0, "tablets": 10, "tablet_cv": None, "pat_units": 0}, "truth": {},
              "uncertainty": {}, "monitor": mspc.DEFAULTS},
    required=("feeders", "blender", "press", "pat", "gate"),
    run=Deferred("scenarios.continuous_manufacturing.model:simulate"),
    check=check,
    figures=Deferred("scenarios.continuous_manufacturing.figures:figures"),
    comparison_figures=Deferred("scenarios.continuous_manufacturing.figures:comparison_figures"),
    figures_show_traces=True,   # content, feeders, weight and mspc.png draw every trace
    views=True,   # its figures ask for 3D views
    twin=Deferred("scenarios.continuous_manufacturing.live:plant_twin"),
    follow=Deferred("scenarios.continuous_manufacturing.live:follow_plan"),
    ranges={"mspc_false_alarm_rate": (0.0, 1.0), "mspc_detected": (0.0, 1.0), "mspc_alarm_rate": (0.0, 1.0),
            "mspc_blame": (0.0, 1.0), "mspc_delay": (0.0, float("inf")), "mspc_alarm": (0.0, 1.0)},
)
