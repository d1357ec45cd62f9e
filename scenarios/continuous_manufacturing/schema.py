"""The continuous line's schema: the scenario keys it reads, with their units and defaults (``twin.config`` records).

A scenario is checked against these before anything runs (file, line and key of every mistake); what a schema
cannot say (the units on the plant's tags, limits that close the band, a monitor period off the sample grid) is
:mod:`scenarios.continuous_manufacturing.checks`. The checked mapping becomes
:class:`scenarios.continuous_manufacturing.params.CmParams`.
"""
from __future__ import annotations

from twin.config import Anything, Boolean, Integer, ListOf, MapOf, Number, Quantity, Record, Str
from twin.monitor.limits import LIMITS

FEEDER = Record({
    "component": Str().described("the material it feeds (the press's api names one of them)"),
    "rate": Quantity("kg/s", "6 kg/h").described("set point: its mass flow in the recipe"),
    "hopper": Quantity("kg", "10 kg").described("what a full hopper holds"),
    "refill_at": Quantity("kg", "3 kg").described("the level at which the hopper is topped up (a new lot)"),
    "ff_sd": Quantity("1", "2 %").described("scatter of each new lot's feed factor (relative sd)"),
    "control_time": Quantity("s", "10 s").described("time constant of the feeder's gravimetric loop"),
    "hopper_mixing": Str(["fifo", "mixed"]).described("fifo: a lot reaches the screw once the older material has "
                                                      "left; mixed: at once, in its share of the hopper"),
    "feed_factor": Number(minimum=0).described("the first lot's feed factor (later lots scatter around it)"),
    "drift": Quantity("1/s", "-1 %/h", minimum=None).described("the feed factor's own drift"),
    "flow_noise": Quantity("1", "1 %").described("short-term flow noise the loop leaves (relative sd, AR(1))"),
    "flow_noise_time": Quantity("s", "3 s").described("the flow noise's correlation time"),
    "load_cell_noise": Quantity("1", "0.5 %").described("white noise on the flow the load cells report (relative "
                                                        "to the rate)"),
    "load_cell_bias": Quantity("1", "0.5 %", minimum=None).described("relative bias of the reported flow")},
    required=("component", "rate", "hopper", "refill_at"),
    defaults={"ff_sd": 0.0, "control_time": 10.0, "hopper_mixing": "fifo", "feed_factor": 1.0, "drift": 0.0,
              "flow_noise": 0.0, "flow_noise_time": 3.0, "load_cell_noise": 0.0, "load_cell_bias": 0.0},
    name="a feeder")
BLENDER = Record({"tag": Str().described("the blender's tag in the plant"),
                  "tau": Quantity("s", "90 s").described("mean residence time"),
                  "tanks": Integer(minimum=1).described("stirred tanks in series (the RTD's shape)")},
                 required=("tag", "tau", "tanks"), name="a blender")
DIE_FILL = Record({
    "density_sd": Quantity("1", "1 %").described("the blend's bulk density at the dies wandering (relative sd)"),
    "density_time": Quantity("s", "30 s").described("that wander's correlation time"),
    "fill_sd": Quantity("1", "1 %").described("die-to-die fill scatter (relative sd, white)"),
    "densities": MapOf(Quantity("kg/m^3", "450 kg/m^3")).described(
        "each component's bulk density: the blend's density follows its composition (none: it does not)")},
    defaults={"density_sd": 0.0, "density_time": 0.0, "fill_sd": 0.0, "densities": {}}, name="the press's die fill")
WEIGHT_CONTROL = Record({
    "enabled": Boolean().described("the press corrects its fill depth from the tablets' weight"),
    "every": Integer(minimum=1).described("tablets whose mean weight is one measurement"),
    "gain": Number(minimum=0).described("the PI law's proportional gain"),
    "integral": Number(minimum=0).described("the PI law's integral gain (stable: gain < 1, integral < 2 (1 - gain))"),
    "deadband": Quantity("1", "0.5 %").described("weight errors within this are left alone"),
    "limit": Quantity("1", "20 %").described("the largest fill-depth correction")},
    defaults={"enabled": False, "every": 50, "gain": 0.2, "integral": 0.3, "deadband": 0.0, "limit": 0.2},
    name="the press's weight control")
PRESS = Record({"tag": Str().described("the tablet press's tag in the plant"),
                "api": Str().described("the component whose content is controlled, measured and released"),
                "tablet_mass": Quantity("kg", "400 mg").described("target tablet weight"),
                "feed_frame_tau": Quantity("s", "20 s").described("the feed frame's residence time (one tank)"),
                "weight": DIE_FILL.described("each tablet's weight from the die fill"),
                "weight_control": WEIGHT_CONTROL.described("the press's weight loop")},
               required=("tag", "tablet_mass", "feed_frame_tau"),
               defaults={"api": "API", "weight": {"density_sd": 0.0, "density_time": 0.0, "fill_sd": 0.0,
                                                  "densities": {}},
                         "weight_control": {"enabled": False, "every": 50, "gain": 0.2, "integral": 0.3,
                                            "deadband": 0.0, "limit": 0.2}}, name="a press")
PAT = Record({"tag": Str().described("the NIR probe's tag at the blender outlet"),
              "interval": Quantity("s", "5 s").described("sampling period (a multiple of sample_interval)"),
              "noise": Quantity("1", "1 %").described("white noise of a sample (relative)"),
              "bias": Quantity("1", "0.5 %", minimum=None).described("relative bias of its readings")},
             required=("tag", "interval"), defaults={"noise": 0.0, "bias": 0.0}, name="an NIR probe")
GATE = Record({"tag": Str().described("the diversion gate's tag"),
               "switch_time": Quantity("s", "0.5 s").described("time to reach either position"),
               "hold": Quantity("s", "30 s").described("shortest diversion window"),
               "settle": Quantity("s", "10 s").described("time a window lasts after the content is back"),
               "alarm": Quantity("1", "10 %").described("a feeder this far off its set point diverts what its upset "
                                                        "may reach (0: off)")},
              required=("tag",), defaults={"switch_time": 0.0, "hold": 0.0, "settle": 0.0, "alarm": 0.0},
              name="a diversion gate")
DISTURBANCE = Record({
    "kind": Str(["step", "drift", "stoppage", "nir_bias", "nir_dropout"]).described(
        "a feeder's feed-factor step or drift or its stoppage; the NIR probe's bias step or dropout"),
    "feeder": Str().described("the feeder's tag (step, drift, stoppage)"),
    "at": Quantity("s", "6 h").described("when it starts"),
    "duration": Quantity("s", "2 h").described("how long a drift, stoppage or dropout lasts"),
    "feed_factor": Number(minimum=0).described("a step's factor, or where a drift ends"),
    "bias": Quantity("1", "-3 %", minimum=None).described("an nir_bias step")},
    required=("kind", "at"), defaults={"duration": 0.0, "feed_factor": 1.0, "bias": 0.0}, name="a disturbance")
POWER = Record({"running": Quantity("W", "1.5 kW").described("electric power while running"),
                "idle": Quantity("W", "0.2 kW").described("electric power while a feeder's screw stands")},
               required=("running",), defaults={"idle": 0.0}, name="a unit's electric power")
MPC_DEFAULTS = {"interval": 10.0, "horizon": 300.0, "moves": 6, "rate_weight": 0.1, "move_weight": 0.01}
MPC = Record({"interval": Quantity("s", "10 s").described("time between solves"),
              "horizon": Quantity("s", "5 min").described("prediction horizon (at least moves x interval)"),
              "moves": Integer(minimum=1).described("free moves of the set points (held after them)"),
              "rate_weight": Number(minimum=0).described("weight of the press's intake off its nominal rate"),
              "move_weight": Number(minimum=0).described("weight of the screws' moves")},
             defaults={"interval": 10.0, "horizon": 300.0, "moves": 6, "rate_weight": 0.1, "move_weight": 0.01},
             name="the model-predictive controller")
RTRT = Record({"window": Quantity("s", "1 h").described("a sub-lot's length"),
               "tablets": Integer(minimum=10).described("tablets assayed per sub-lot by Ph. Eur. 2.9.40 (10 or 30)"),
               "tablet_cv": Anything().described("no longer read (refused): the press model gives the scatter"),
               "pat_units": Integer(minimum=0).described("PAT units per sub-lot for Ph. Eur. 2.9.47 (0: none; "
                                                         "at least 385)")},
              defaults={"window": 3600.0, "tablets": 10, "pat_units": 0}, name="the real-time release")

FAULT = Record({
    "kind": Str(["feeder_drift", "nir_bias", "load_cell_stuck", "blender_fouling"]).described(
        "the plant's fault the monitor should catch"),
    "feeder": Str().described("the feeder's tag (feeder_drift, load_cell_stuck)"),
    "at": Quantity("s", "6 h").described("when it starts"),
    "duration": Quantity("s", "2 h").described("how long a ramp takes (feeder_drift, blender_fouling)"),
    "feed_factor": Number(minimum=0).described("where a feeder_drift ends, times the feed factor"),
    "bias": Quantity("1", "2 %", minimum=None).described("an nir_bias step"),
    "factor": Number(minimum=0).described("where blender_fouling ends, times the residence time")},
    required=("kind", "at"), defaults={"duration": 0.0, "feed_factor": 1.0, "bias": 0.0, "factor": 1.0},
    name="a fault")
TRAINING = Record({"runs": Integer(minimum=1).described("normal runs the monitor is fitted on"),
                   "hours": Quantity("s", "6 h").described("length of each"),
                   "seed": Integer(minimum=0).described("their seeds' root")},
                  defaults={"runs": 4, "hours": 6 * 3600.0, "seed": 1}, name="the monitor's training")
MONITOR_DEFAULTS = {"enabled": False, "tag": "MSPC-101", "period": 10.0, "components": 4, "confidence": 0.99,
                    "limits": "empirical", "holdup_noise": 0.005,
                    "training": {"runs": 4, "hours": 6 * 3600.0, "seed": 1}, "faults": []}
MONITOR = Record({
    "enabled": Boolean().described("the MSPC monitor watches the run"),
    "tag": Str().described("its tag (traces and events)"),
    "period": Quantity("s", "10 s").described("time between its samples (a multiple of sample_interval)"),
    "components": Integer(minimum=1).described("principal components kept"),
    "confidence": Number(minimum=0).described("the limits' confidence (0..1)"),
    "limits": Str(list(LIMITS)).described("empirical: the training's own quantiles; theoretical: F and "
                                          "Jackson-Mudholkar"),
    "holdup_noise": Quantity("1", "0.5 %").described("white noise of the blender's weighed hold-up (relative)"),
    "training": TRAINING.described("the normal runs it is fitted on"),
    "faults": ListOf(FAULT).described("faults injected into the plant")},
    defaults=MONITOR_DEFAULTS, name="the MSPC monitor")

FIELDS = {
    "sample_interval": Quantity("s", "1 s").described("the twin's recording step (traces, instruments)"),
    "feeders": MapOf(FEEDER).described("the loss-in-weight feeders by plant tag"),
    "blender": BLENDER.described("the continuous blender"),
    "press": PRESS.described("the tablet press"),
    "pat": PAT.described("the NIR probe at the blender outlet"),
    "gate": GATE.described("the diversion gate before the press"),
    "limits": ListOf(Quantity("1", "95 %"), min_items=2).described("[low, high] API content, of label claim"),
    "margin": Quantity("1", "1 %").described("the gate acts this far inside the limits"),
    "control": Str(["ratio", "mpc", "none"]).described("ratio: minor feeders follow the largest one's measured "
                                                       "flow; mpc: model-predictive; none: own set points"),
    "control_interval": Quantity("s", "2 s").described("the ratio controller's period"),
    "interlock": Boolean().described("a feeder that stops stops the others; all restart together"),
    "mpc": MPC.described("the MPC's tuning (control: mpc)"),
    "power": MapOf(POWER).described("electric power per unit tag (energy KPIs)"),
    "disturbances": ListOf(DISTURBANCE).described("upsets of the feeders and the NIR probe"),
    "rtrt": RTRT.described("real-time release per sub-lot"),
    "truth": MapOf(Anything()).described("the plant's values where it differs from the model, by dotted path "
                                         "(blender.tau: 117 s)"),
    "uncertainty": MapOf(Anything()).described("what the twin does not know, by dotted path: [low, high], "
                                               "{within: 30 %} or {sd: 2 %}"),
    "monitor": MONITOR.described("multivariate monitoring (MSPC)")}
DEFAULTS = {"sample_interval": 1.0, "limits": [0.95, 1.05], "margin": 0.01, "control": "ratio",
            "control_interval": 2.0, "interlock": False, "mpc": MPC_DEFAULTS, "power": {},
            "rtrt": {"window": 3600.0, "tablets": 10, "tablet_cv": None, "pat_units": 0}, "truth": {},
            "uncertainty": {}, "monitor": MONITOR_DEFAULTS}
REQUIRED = ("feeders", "blender", "press", "pat", "gate")
