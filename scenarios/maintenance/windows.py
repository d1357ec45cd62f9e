"""Planned maintenance windows: when each asset is down for its preventive replacement over a planning horizon, as
the maintenance study's policy plans it, for the scheduling study to plan production around.

>>> from scenarios.maintenance.params import Action, Asset, MaintenanceParams, Policy
>>> press = Asset(Action(12000.0, 24 * 3600.0), Action(2000.0, 4 * 3600.0), shape=2.5, scale=2000 * 3600.0)
>>> p = MaintenanceParams(horizon=0.0, warmup=0.0, assets={"TP-401": press, "TP-402": press},
...                       policy=Policy("age", age=100 * 3600.0))
>>> w = planned(p, until=14 * 24 * 3600.0, ages={"TP-401": 90 * 3600.0})
>>> [(a / 3600, b / 3600) for a, b in w["TP-401"]], [(a / 3600, b / 3600) for a, b in w["TP-402"]]
([(10.0, 14.0), (114.0, 118.0), (218.0, 222.0), (322.0, 326.0)], [(100.0, 104.0), (204.0, 208.0), (308.0, 312.0)])

**The plan** follows the maintenance model (:mod:`scenarios.maintenance.model`) with no failure: under ``policy:
age`` an asset runs until its age (operating time since its last replacement; ``ages`` at the plan's start, 0 for
one just replaced) reaches ``age``, stops, waits for one of the ``crew`` (the earliest stop first, ties in asset
order) and is down for its preventive duration; then it runs again from new. Its window is from the stop to the
end of the work, waiting included. A failure before the planned age is not in the plan: it is unplanned, the
scheduling study's breakdowns. ``run_to_failure`` plans nothing; ``condition`` and ``rul`` decide at each inspection
from the indicator, so they plan no window ahead and are refused.
"""
from __future__ import annotations

import heapq
import math
from collections.abc import Mapping

from scenarios.maintenance.params import MaintenanceParams


class NotPlanned(ValueError):
    """No windows from this scenario (not a maintenance one, no such variant, a policy that plans nothing ahead);
    ``key``: the key of the reference at fault (``scenario`` or ``variant``)."""

    def __init__(self, message: str, key: str = "scenario") -> None:
        super().__init__(message)
        self.key = key


def planned(params: MaintenanceParams, until: float, ages: Mapping[str, float] | None = None,
            ) -> dict[str, list[tuple[float, float]]]:
    """Each asset's planned down windows ``(from, to)`` in s from the plan's start, those starting before ``until``."""
    ages = dict(ages or {})
    unknown = sorted(set(ages) - set(params.assets))
    if unknown:
        raise KeyError(unknown[0])
    windows: dict[str, list[tuple[float, float]]] = {tag: [] for tag in params.assets}
    kind = params.policy.kind
    if kind == "run_to_failure":
        return windows
    if kind != "age":
        raise NotPlanned(f"a {kind} policy replaces an asset when an inspection says so and plans no window ahead; "
                         "plan with the age policy's variant, or give the windows by hand (maintenance:)", "variant")
    age = params.replacement_age
    order = list(params.assets)
    due = [(max(0.0, age - ages.get(tag, 0.0)), k) for k, tag in enumerate(order)]
    heapq.heapify(due)
    free = [0.0] * params.crew   # when each member of the crew is next free
    while due and due[0][0] < until:
        stop, k = heapq.heappop(due)
        start = max(stop, heapq.heappop(free))
        end = start + params.assets[order[k]].preventive.duration
        heapq.heappush(free, end)
        windows[order[k]].append((stop, end))
        if math.isfinite(end + age):
            heapq.heappush(due, (end + age, k))
    return windows


def from_scenario(path, variant: str, until: float, ages: Mapping[str, float] | None = None,
                  ) -> dict[str, list[tuple[float, float]]]:
    """The planned windows of ``variant`` of the maintenance scenario file at ``path`` (see :func:`planned`)."""
    from scenarios.scenario import load
    from twin import config

    doc = config.load(path)   # its study first: a scheduling file naming itself would load itself without end
    study = doc.get("study") if isinstance(doc, Mapping) else None
    if study != "maintenance":
        article = ("an " if str(study)[:1] in "aeiou" else "a ") + str(study) if study else "no"
        raise NotPlanned(f"{path} is {article} scenario; name a maintenance scenario "
                         "(e.g. scenarios/maintenance/multipurpose_osd.yaml)")
    scenario = load(path)
    if variant not in scenario.variants:
        raise NotPlanned(f"{path} has no variant '{variant}'; its variants are {', '.join(scenario.variants)}",
                         "variant")
    return planned(MaintenanceParams.of(scenario.variants[variant]), until, ages)


def merged(*windows: Mapping[str, list[tuple[float, float]]]) -> dict[str, list[tuple[float, float]]]:
    """The windows of each unit from several sources as one sorted list, windows that meet or overlap made one."""
    out: dict[str, list[tuple[float, float]]] = {}
    for unit in sorted({u for source in windows for u in source}):
        spans = sorted(w for source in windows for w in source.get(unit, ()))
        union: list[tuple[float, float]] = []
        for lo, hi in spans:
            if union and lo <= union[-1][1]:
                union[-1] = (union[-1][0], max(union[-1][1], hi))
            else:
                union.append((lo, hi))
        if union:
            out[unit] = union
    return out
