"""Maintenance: assets that wear out, replaced at failure or at a planned age by a maintenance crew (DES only).

Each asset is a plant tag with a Weibull lifetime (``shape``, ``scale``) and the cost and duration of a corrective
(after a failure) and a preventive replacement; ``policy`` is ``run_to_failure`` or ``age`` (replace at ``age`` of
operation, Barlow & Proschan's age replacement); ``crew`` people do the work, failures first. See
``multipurpose_osd.yaml`` beside this file, :mod:`scenarios.maintenance.model` for the model and
:mod:`scenarios.maintenance.renewal` for the renewal-reward theory its results are checked against.

KPIs, in SI units: ``cost_rate`` (cost per second, all assets), ``availability`` (mean share of time up),
``unplanned_stops`` and ``planned_stops`` (per second, all assets), and per asset ``cost_rate.<tag>`` and
``availability.<tag>``. Events: each ``failure``, ``preventive`` replacement and ``restored`` asset, timed in s.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scenarios.registry import Deferred, Study
from twin.config import Integer, MapOf, Number, Quantity, Record, Str, suggest

ACTION = Record({"cost": Number(minimum=0), "duration": Quantity("s", "4 h")}, required=("cost", "duration"),
                name="a maintenance action")
ASSET = Record({"shape": Number(minimum=0), "scale": Quantity("s", "2000 h", positive=True),
                "corrective": ACTION, "preventive": ACTION},
               required=("shape", "scale", "corrective", "preventive"), name="an asset")
POLICY = Record({"kind": Str(["run_to_failure", "age"]), "age": Quantity("s", "800 h", positive=True)},
                required=("kind",), name="a maintenance policy")


def check(params: Mapping[str, Any], tags: frozenset[str]) -> None:
    """Assets are plant tags with a positive Weibull shape; an age policy has its age; the crew is not empty."""
    assets = params["assets"]
    if not assets:
        raise params.error("assets", "no assets", expected="at least one plant tag with its lifetime and actions")
    for tag, asset in assets.items():
        if tag not in tags:
            raise assets.error(tag, f"unknown plant tag '{tag}'", expected="a tag of the plant model",
                               hint=suggest(tag, tags) or f"the plant's tags are {', '.join(sorted(tags))}")
        if not asset["shape"] > 0:
            raise asset.error("shape", "the Weibull shape must be positive", expected="e.g. 2.5 (wear-out)")
    policy = params["policy"]
    if policy["kind"] == "age" and policy.get("age") is None:
        raise params.error("policy", "an age policy needs its replacement age", hint="e.g. policy: {kind: age, "
                           "age: 800 h}")
    if params["crew"] < 1:
        raise params.error("crew", "the crew must have at least one person", expected="an integer >= 1")


STUDY = Study(
    name="maintenance",
    description=__doc__.splitlines()[0],
    fields={"assets": MapOf(ASSET), "policy": POLICY, "crew": Integer(minimum=1)},
    defaults={"policy": {"kind": "run_to_failure"}, "crew": 1},
    required=("assets",),
    run=Deferred("scenarios.maintenance.model:simulate"),
    check=check,
)
