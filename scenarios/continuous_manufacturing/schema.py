"""The continuous line's schema: the scenario keys it reads, with their units and defaults (``twin.config`` records).

A scenario is checked against these before anything runs (file, line and key of every mistake); what a schema
cannot say (the units on the plant's tags, limits that close the band, a monitor period off the sample grid) is
:mod:`scenarios.continuous_manufacturing.checks`. The checked mapping becomes
:class:`scenarios.continuous_manufacturing.params.CmParams`.
"""
from __future__ import annotations

from twin.config import Anything, Boolean, Integer, ListOf, MapOf, Number, Quantity, Record, Str
from twin.monitor.limits import LIMITS

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

FAULT = Record({"kind": Str(["feeder_drift", "nir_bias", "load_cell_stuck", "blender_fouling"]), "feeder": Str(),
                "at": Quantity("s", "6 h"), "duration": Quantity("s", "2 h"), "feed_factor": Number(minimum=0),
                "bias": Quantity("1", "2 %", minimum=None), "factor": Number(minimum=0)},
               required=("kind", "at"), defaults={"duration": 0.0, "feed_factor": 1.0, "bias": 0.0, "factor": 1.0},
               name="a fault")
TRAINING = Record({"runs": Integer(minimum=1), "hours": Quantity("s", "6 h"), "seed": Integer(minimum=0)},
                  defaults={"runs": 4, "hours": 6 * 3600.0, "seed": 1}, name="the monitor's training")
MONITOR_DEFAULTS = {"enabled": False, "tag": "MSPC-101", "period": 10.0, "components": 4, "confidence": 0.99,
            "limits": "empirical", "holdup_noise": 0.005, "training": {"runs": 4, "hours": 6 * 3600.0, "seed": 1},
            "faults": []}
MONITOR = Record({"enabled": Boolean(), "tag": Str(), "period": Quantity("s", "10 s"),
                  "components": Integer(minimum=1), "confidence": Number(minimum=0),
                  "limits": Str(list(LIMITS)),
                  "holdup_noise": Quantity("1", "0.5 %"), "training": TRAINING, "faults": ListOf(FAULT)},
                 defaults=MONITOR_DEFAULTS, name="the MSPC monitor")

FIELDS = {"sample_interval": Quantity("s", "1 s"), "feeders": MapOf(FEEDER), "blender": BLENDER, "press": PRESS,
          "pat": PAT, "gate": GATE, "limits": ListOf(Quantity("1", "95 %"), min_items=2),
          "margin": Quantity("1", "1 %"), "control": Str(["ratio", "mpc", "none"]),
          "control_interval": Quantity("s", "2 s"), "interlock": Boolean(), "mpc": MPC, "power": MapOf(POWER),
          "disturbances": ListOf(DISTURBANCE), "rtrt": RTRT, "truth": MapOf(Anything()),
          "uncertainty": MapOf(Anything()), "monitor": MONITOR}
DEFAULTS = {"sample_interval": 1.0, "limits": [0.95, 1.05], "margin": 0.01, "control": "ratio",
            "control_interval": 2.0, "interlock": False, "mpc": MPC_DEFAULTS, "power": {},
            "rtrt": {"window": 3600.0, "tablets": 10, "tablet_cv": None, "pat_units": 0}, "truth": {},
            "uncertainty": {}, "monitor": MONITOR_DEFAULTS}
REQUIRED = ("feeders", "blender", "press", "pat", "gate")
