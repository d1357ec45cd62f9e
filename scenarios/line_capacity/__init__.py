"""Line capacity: how many batches a day the plant's stages turn out, with breakdowns, repairs and shifts (DES only).

The scenario lists the stages in flow order, each with the plant units (tags) that do it, a process time, a cleaning
time, and the units' mean time between failures and to repair; batches are released at fixed intervals, as a
Poisson stream, or whenever the first stage has room (``saturated``: the line's capacity). See
``multipurpose_osd.yaml`` beside this file, :mod:`scenarios.line_capacity.model` for the model itself, and
:mod:`scenarios.line_capacity.params` for the parameters it reads, typed and frozen (``LineParams.of(params)``).

KPIs, in SI units (reports show them per day and in hours): ``throughput`` (batches/s), ``flow_time`` (s, release
to packed), ``wip`` (batches in the line), ``utilisation.<stage>`` and ``down.<stage>`` (fraction of unit time
processing / under repair). Traces and the event log are timed in seconds (column ``t``).
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from scenarios.line_capacity.model import DAY, simulate
from scenarios.line_capacity.times import Duration, mean
from scenarios.registry import Study
from scenarios.scenario import check_events
from twin.config import Integer, ListOf, MapOf, Quantity, Record, Str, suggest

RELEASE = Record({"every": Quantity("s", "4 h"), "pattern": Str(["fixed", "poisson", "saturated"])},
                 defaults={"pattern": "fixed", "every": 0.0}, name="a release")
SHIFTS = Record({"count": Integer(minimum=1), "length": Quantity("s", "8 h")},
                defaults={"count": 3, "length": 8 * 3600.0}, name="a shift pattern")
STAGE = Record({"units": ListOf(Str(), min_items=1), "process": Duration(), "cleaning": Quantity("s", "30 min"),
                "mtbf": Quantity("s", "120 h", positive=True), "mttr": Quantity("s", "4 h")},
               required=("units", "process"), defaults={"cleaning": 0.0}, name="a stage")


def check(params: Mapping[str, Any], tags: frozenset[str]) -> None:
    """Plant tags exist and serve one stage each; breakdowns have both times; shifts fit in a day."""
    stages = params["stages"]
    if not stages:
        raise params.error("stages", "no stages", expected="at least one stage with its units and process time")
    seen: dict[str, str] = {}
    for name, stage in stages.items():
        for i, tag in enumerate(stage["units"]):
            if tag not in tags:
                raise stage["units"].error(i, f"unknown plant tag '{tag}'", expected="a tag of the plant model",
                                           hint=suggest(tag, tags) or f"the plant's tags are {', '.join(sorted(tags))}")
            if tag in seen:
                raise stage["units"].error(i, f"unit '{tag}' already serves stage '{seen[tag]}'",
                                           hint="a unit belongs to one stage")
            seen[tag] = name
        if (stage["mtbf"] is None) != (stage["mttr"] is None):
            given = "mtbf" if stage["mtbf"] is not None else "mttr"
            raise stages[name].error(given, "breakdowns need both mtbf and mttr",
                                     hint="give both, or neither for a unit that never fails")
    release = params["release"]
    if release["pattern"] != "saturated" and not release["every"] > 0:
        raise release.error("every", f"a {release['pattern']} release needs a positive interval 'every'",
                            hint="e.g. every: 4 h, or pattern: saturated to measure the line's capacity")
    shifts = params["shifts"]
    if not 0 < shifts["count"] * shifts["length"] <= DAY:
        raise shifts.error("length", "the shifts must fit in a day", expected="0 < count x length <= 24 h")
    if not params["trace_interval"] > 0:
        raise params.error("trace_interval", "the trace interval must be positive", expected="a time such as 1 h")
    check_bounded(params)


def check_bounded(params: Mapping[str, Any]) -> None:
    """At most :data:`scenarios.scenario.MAX_EVENTS` releases, breakdowns of one unit, batches through a saturated
    stage or trace rows in one replication (``every: 1e-300 h`` ran for ever), refused at the key that makes them."""
    horizon = params["horizon"]
    release, stages = params["release"], params["stages"]
    counts = [(params, "trace_interval", horizon / params["trace_interval"], "trace rows")]
    if release["pattern"] != "saturated":
        counts.append((release, "every", horizon / release["every"], "releases"))
    for name, stage in stages.items():
        if stage["mtbf"] is not None:
            counts.append((stages[name], "mtbf", horizon / stage["mtbf"], "breakdowns of each unit"))
        if release["pattern"] == "saturated":
            counts.append((stages[name], "process", horizon / max(mean(stage["process"]) + stage["cleaning"], 1e-300)
                           * len(stage["units"]), "batches through the stage"))
    check_events(horizon, counts)


STUDY = Study(
    name="line_capacity",
    description=__doc__.splitlines()[0],
    fields={"release": RELEASE, "shifts": SHIFTS, "stages": MapOf(STAGE), "trace_interval": Quantity("s", "1 h")},
    defaults={"release": {"pattern": "fixed", "every": 0.0}, "shifts": {"count": 3, "length": 8 * 3600.0},
              "trace_interval": 3600.0},
    required=("stages", "release"),
    run=simulate,
    check=check,
    ranges={"utilisation.*": (0.0, 1.0), "down.*": (0.0, 1.0), "*": (0.0, math.inf)},  # rates, times, queues >= 0
)
