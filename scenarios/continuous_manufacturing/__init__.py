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

from scenarios.continuous_manufacturing import checks, schema
from scenarios.registry import Deferred, Study

STUDY = Study(
    name="continuous_manufacturing",
    description=__doc__.splitlines()[0],
    fields=schema.FIELDS,
    defaults=schema.DEFAULTS,
    required=schema.REQUIRED,
    run=Deferred("scenarios.continuous_manufacturing.model:simulate"),
    check=checks.check,
    figures=Deferred("scenarios.continuous_manufacturing.figures:figures"),
    comparison_figures=Deferred("scenarios.continuous_manufacturing.figures:comparison_figures"),
    figures_show_traces=True,   # content, feeders, weight and mspc.png draw every trace
    views=True,   # its figures ask for 3D views
    twin=Deferred("scenarios.continuous_manufacturing.live:plant_twin"),
    follow=Deferred("scenarios.continuous_manufacturing.live:follow_plan"),
    ranges={"mspc_false_alarm_rate": (0.0, 1.0), "mspc_detected": (0.0, 1.0), "mspc_alarm_rate": (0.0, 1.0),
            "mspc_blame": (0.0, 1.0), "mspc_delay": (0.0, float("inf")), "mspc_alarm": (0.0, 1.0)},
)
