"""The line live: the plant twin with its instruments on the bus (``twin serve``), and how a twin follows it
(``twin follow``).

``twin serve flagship.yaml`` serves :func:`plant_twin`: the Twin playing the plant (``truth:`` applied) with its
instruments (:mod:`.gauges`) reporting every sample as it is taken, as a plant's server would: per feeder
``<tag>.cell_flow`` (the load cells' step mean, stamped at the step's end) and the NIR probe's raw samples
``<pat>.sample`` (NaN, BAD, in a dropout).

:func:`follow_plan` is the twin's side (``twin follow flagship.yaml --endpoint ...``): the extended Kalman filter of
:mod:`.estimator` made live. Its model is the scenario's blender, NIR probe and feed frame, fed with the load cells'
readings; the ``uncertainty:`` paths it can estimate become augmented parameters with the declared range as -/+ 3
standard deviations (``blender.tau``, ``press.feed_frame_tau``, ``pat.bias``); it measures the probe's reading with
the probe's noise (the load cells' step means are applied over their step: :attr:`FollowPlan.step_means`); it
serves the content predicted at the press and an alarm, ``<gate>.divert``, raised while that
prediction -/+ 3 sd leaves the gate's limits (the scenario's limits tightened by its margin).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from scenarios.continuous_manufacturing import estimator, gauges, plant
from scenarios.continuous_manufacturing.params import CmParams
from twin.config import ConfigError
from twin.following import Alarm, FollowPlan

HOLDUP_SD = 0.3          # of a hold-up's steady value: how well a follower joining the line knows it
PERIOD = 10.0            # s between the follower's published estimates (every sample is assimilated)
# The probe's bias as a random walk, 1/sqrt(s). Ten times the in-run estimator's (estimator.BIAS_WALK), which takes
# a step as a jump and can walk slowly; the follower has no jump rule, so its walk alone must follow a drift. With 1 s
# samples of 1 % noise (R = 1e-4 s) the Kalman-Bucy steady state has sd (q R)^(1/4) = 0.1 % and a lag of
# sqrt(R/q) = 100 s: a drift stays within 3 sd up to ~10 %/h (with 1e-5: 0.032 % and 1,000 s, ~0.35 %/h).
BIAS_WALK = 1e-4
#: uncertainty path -> (unit, parameter) the filter estimates
ESTIMATED = {"blender.tau": ("blender", "tau"), "press.feed_frame_tau": ("press", "tau_ff"),
             "pat.bias": ("pat", "bias")}


def plant_twin(params: Mapping[str, Any], seed: np.random.SeedSequence):
    """Replication 0's Twin of the plant, not yet run, its instruments reporting every sample as it is taken."""
    from scenarios.continuous_manufacturing.model import Line

    line = Line(params, seed)

    def report(tw):
        while True:
            line.gauges.read_to(tw.now)
            yield tw.env.timeout(line.p.sample_interval)

    line.twin.env.process(report(line.twin))
    return line.twin


def follow_plan(params: Mapping[str, Any]) -> FollowPlan:
    """How the twin follows the line: the filter's model, priors and noises from the scenario (see the module)."""
    import twin.plant
    from twin.process import Flowsheet
    from twin.process.units import Blender, TabletPress

    p = CmParams.of(params)
    feeders, b, pr, pat = p.feeders, p.blender, p.press, p.pat
    components = list(p.components)
    shared = sorted({c for c in components if components.count(c) > 1})
    if shared:
        raise _error(params, "feeders", f"several feeders deliver {', '.join(shared)}: the live estimator reads one "
                           "load cell per component", expected="one feeder per component to follow the line live")
    ranges = p.uncertainty
    if not ranges:
        raise _error(params, "uncertainty", "the scenario declares nothing the twin does not know: there is nothing "
                           "to estimate", expected="an uncertainty: section",
                           hint="e.g. uncertainty: {blender.tau: {within: 30 %}, pat.bias: [-2 %, 2 %]}")
    comps = tuple(components)
    api, target = pr.api, p.target
    steady = {f.component: f.rate for f in feeders.values()}
    tags = {"blender": b.tag, "press": pr.tag, "pat": pat.tag}
    sheet = Flowsheet(Blender(b.tag, comps, tau=b.tau, n=b.tanks, holdup={c: r * b.tau for c, r in steady.items()}),
                      estimator.Probe(pat.tag, comps, api, pat.bias),
                      TabletPress(pr.tag, comps, api, api_target=target, tau_ff=pr.feed_frame_tau,
                                  tablet_mass=pr.tablet_mass,
                                  holdup={c: r * pr.feed_frame_tau for c, r in steady.items()}))
    sheet.connect(f"{b.tag}.out", f"{pat.tag}.in").connect(f"{pat.tag}.out", f"{pr.tag}.in")
    sheet.boundary(f"{b.tag}.in")
    parameters, notes = {}, []
    for path, (low, high) in ranges.items():
        if path in ESTIMATED:
            unit, name = ESTIMATED[path]
            parameters[f"{tags[unit]}.{name}"] = plant.spread(low, high)
        elif path == "blender.tanks":
            notes.append(f"blender.tanks {low:g}-{high:g}: a whole number, not estimated (the twin keeps "
                         f"{b.tanks})")
        else:
            notes.append(f"{path}: not estimated live (the twin reads the load cells' flows)")
    dt = p.sample_interval
    noise = {f"{pat.tag}.bias": BIAS_WALK} if f"{pat.tag}.bias" in parameters else {}
    for c in dict.fromkeys(components):
        q = gauges.cell_diffusion(feeders, [tag for tag, f in feeders.items() if f.component == c], dt)
        if q > 0:
            noise[f"{b.tag}.M_{c}_1"] = q
    # a follower may join the line in an upset: each hold-up known only within a share of the recipe's
    std0 = {f"{unit}.M_{c}{suffix}": HOLDUP_SD * r * tau for unit, tau, suffixes in
            ((b.tag, b.tau / b.tanks, [f"_{j}" for j in range(1, b.tanks + 1)]),
             (pr.tag, pr.feed_frame_tau, [""])) for c, r in steady.items() for suffix in suffixes}
    low, high = p.limits
    margin = p.margin
    divert = Alarm(f"{p.gate.tag}.divert", of=f"{pr.tag}.api_ratio", low=low + margin,
                   high=high - margin, description=f"the twin would divert: the content predicted at "
                   f"{pr.tag} -/+ 3 sd outside {low + margin:.1%}..{high - margin:.1%}")
    return FollowPlan(sheet.build(), measurements={f"{pat.tag}.reading": gauges.nir_sd(pat, target)},
                      parameters=parameters, process_noise=noise, std0=std0,
                      tags={f"{pat.tag}.reading": f"{pat.tag}.sample"},
                      inputs={f"{b.tag}.in.m_{f.component}": f"{tag}.cell_flow" for tag, f in feeders.items()},
                      step_means={f"{tag}.cell_flow": dt for tag in feeders},
                      publish=(*parameters, f"{b.tag}.w_{api}", f"{pr.tag}.api_ratio"),
                      period=PERIOD, alarms=(divert,), notes=tuple(notes), options={"max_step": dt},
                      plant=twin.plant.load(p.plant))



def _error(params, key: str, message: str, **kw) -> ConfigError:
    """A ConfigError at ``key`` of ``params`` (its file and line when it knows them)."""
    return params.error(key, message, **kw) if hasattr(params, "error") else ConfigError(message, key=key, **kw)
