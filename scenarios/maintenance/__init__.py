"""Maintenance: assets that wear out, replaced at failure or at a planned age by a maintenance crew (DES only).

Each asset is a plant tag with a Weibull lifetime (``shape``, ``scale``) or a wear process (``wear: {mean_life,
cv}``: a condition indicator rising from 0 to failure at 1 as a Wiener process, :mod:`twin.monitor.degradation`),
and the cost and duration of a corrective (after a failure) and a preventive replacement. ``policy`` is
``run_to_failure``, ``age`` (replace at ``age`` of operation, Barlow & Proschan's age replacement) or ``condition``
(replace when an inspection every ``inspect`` finds the indicator at ``level`` or above) or ``rul`` (replace when,
at an inspection, the estimated remaining life is shorter than ``lead`` with probability ``risk`` or more: the
drift and diffusion estimated online from every reading of the asset's paths so far, :class:`RULEstimator`);
``crew`` people do the work, failures first. See
``multipurpose_osd.yaml`` beside this file, :mod:`scenarios.maintenance.model` for the model,
:mod:`scenarios.maintenance.params` for the parameters it reads, typed and frozen (``MaintenanceParams.of(params)``),
and :mod:`scenarios.maintenance.renewal` for the renewal-reward theory its results are checked against.

KPIs, in SI units: ``cost_rate`` (cost per second, all assets), ``availability`` (mean share of time up),
``unplanned_stops`` and ``planned_stops`` (per second, all assets), and per asset ``cost_rate.<tag>`` and
``availability.<tag>``. Events: each ``failure``, ``preventive`` replacement and ``restored`` asset, timed in s.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scenarios.registry import Deferred, Study
from scenarios.scenario import check_events
from twin.config import Integer, MapOf, Number, Quantity, Record, Str, suggest

ACTION = Record({"cost": Number(minimum=0), "duration": Quantity("s", "4 h")}, required=("cost", "duration"),
                name="a maintenance action")
WEAR = Record({"mean_life": Quantity("s", "2000 h", minimum=1.0),   # 1 / life finite
               "cv": Number(minimum=0.01, maximum=10.0)},   # as the plant's wear_cv (twin.plant.parameters)
              required=("mean_life", "cv"), name="a wear process")
ASSET = Record({"shape": Number(minimum=0), "scale": Quantity("s", "2000 h", positive=True), "wear": WEAR,
                "corrective": ACTION, "preventive": ACTION},
               required=("corrective", "preventive"), name="an asset")
POLICY = Record({"kind": Str(["run_to_failure", "age", "condition", "rul"]),
                 "age": Quantity("s", "800 h", positive=True), "level": Number(minimum=0),
                 "inspect": Quantity("s", "24 h", positive=True), "lead": Quantity("s", "48 h", positive=True),
                 "risk": Number(minimum=0)},
                required=("kind",), defaults={"inspect": 24 * 3600.0, "lead": 48 * 3600.0, "risk": 0.05},
                name="a maintenance policy")


def check(params: Mapping[str, Any], tags: frozenset[str]) -> None:
    """Assets are plant tags with a positive Weibull shape; an age policy has its age; the crew is not empty. An
    asset given no lifetime here takes its plant's (:func:`lifetimes_from_plant`)."""
    assets = params["assets"]
    if not assets:
        raise params.error("assets", "no assets", expected="at least one plant tag with its lifetime and actions")
    policy = params["policy"]
    for tag, asset in assets.items():
        if tag not in tags:
            raise assets.error(tag, f"unknown plant tag '{tag}'", expected="a tag of the plant model",
                               hint=suggest(tag, tags) or f"the plant's tags are {', '.join(sorted(tags))}")
        lifetimes_from_plant(params["plant"], tag, asset)
        if asset.get("wear") is None and (asset.get("shape") is None or asset.get("scale") is None):
            raise assets.error(tag, "no lifetime", expected="a Weibull 'shape' and 'scale', or 'wear: {mean_life, cv}'",
                               hint="or give the asset's class weibull_shape and weibull_scale (or wear_mean_life "
                                    "and wear_cv) in the plant overlay's classes: and name the overlay as plant:")
        if asset.get("wear") is None and not asset["shape"] > 0:
            raise asset.error("shape", "the Weibull shape must be positive", expected="e.g. 2.5 (wear-out)")
        if policy["kind"] in ("condition", "rul") and asset.get("wear") is None:
            raise assets.error(tag, f"a {policy['kind']} policy needs the asset's wear process",
                               hint="add wear: {mean_life: 2000 h, cv: 0.3} (its indicator runs from 0 to 1)")
    if policy["kind"] == "age" and policy.get("age") is None:
        raise params.error("policy", "an age policy needs its replacement age", hint="e.g. policy: {kind: age, "
                           "age: 800 h}")
    if policy["kind"] == "condition" and not 0 < (policy.get("level") or 0) < 1:
        raise params.error("policy", "a condition policy needs its level, between 0 (new) and 1 (failed)",
                           hint="e.g. policy: {kind: condition, level: 0.8, inspect: 24 h}")
    if policy["kind"] == "rul" and not 0 < policy["risk"] < 1:
        raise params.error("policy", "a rul policy's risk must be between 0 and 1", hint="e.g. risk: 0.05")
    if params["crew"] < 1:
        raise params.error("crew", "the crew must have at least one person", expected="an integer >= 1")
    check_bounded(params)


def check_bounded(params: Mapping[str, Any]) -> None:
    """At most :data:`scenarios.scenario.MAX_EVENTS` inspections, or replacements or failures of one asset, over a
    replication's horizon (``inspect: 1e-300 h`` ran for ever), refused at the key that makes them."""
    horizon, policy, assets = params["horizon"], params["policy"], params["assets"]
    counts = []
    if policy["kind"] in ("condition", "rul"):
        counts.append((policy, "inspect", horizon / policy["inspect"], "inspections"))
    if policy["kind"] == "age":
        counts.append((policy, "age", horizon / policy["age"], "replacements of each asset"))
    for tag, asset in assets.items():
        life = asset["wear"]["mean_life"] if asset.get("wear") is not None else asset.get("scale")
        key = "wear" if asset.get("wear") is not None else "scale"
        if life is not None:
            counts.append((assets[tag], key, horizon / life, "lifetimes of the asset"))
    check_events(horizon, counts)


def lifetimes_from_plant(plant, tag: str, asset: dict) -> None:
    """Fill in an asset's lifetime from its plant parameters (the overlay's ``classes:`` or the asset's ``params:``:
    ``weibull_shape``, ``weibull_scale``, ``wear_mean_life``, ``wear_cv``, :mod:`twin.plant.parameters`) when the
    scenario gives none; the plant's values were checked (file, line, key) when it loaded."""
    if asset.get("wear") is not None or asset.get("shape") is not None or asset.get("scale") is not None:
        return
    from scenarios.scenario import plant_of

    given = plant_of(plant).assets[tag].params
    if given.get("weibull_shape") is not None and given.get("weibull_scale") is not None:
        asset["shape"], asset["scale"] = given["weibull_shape"], given["weibull_scale"]
    if given.get("wear_mean_life") is not None and given.get("wear_cv") is not None:
        asset["wear"] = {"mean_life": given["wear_mean_life"], "cv": given["wear_cv"]}


STUDY = Study(
    name="maintenance",
    description=__doc__.splitlines()[0],
    fields={"assets": MapOf(ASSET), "policy": POLICY, "crew": Integer(minimum=1)},
    defaults={"policy": {"kind": "run_to_failure"}, "crew": 1},
    required=("assets",),
    run=Deferred("scenarios.maintenance.model:simulate"),
    check=check,
)
