"""Behaviours from the plant YAML: an asset's ``behaviour:`` and ``params:`` become a unit of the twin.

``plant.yaml``::

    R-101:
      behaviour: semi_batch_reactor
      params: {jacket_ua: 2.5 kW/K, max_temperature: 80 degC}

``Twin(plant)`` builds a :class:`~twin.process.units.SemiBatchReactor` for R-101 with ``UA = 2500 W/K`` and the trip
point of its SIS temperature transmitter (``TT-02``'s ``trip`` property) or else ``max_temperature``. Process models
are joined along the plant's links (through assets without a model, such as a diversion gate). Keyword arguments
given to ``Twin(plant, params={"R-101": {...}})`` override or complete the plant's parameters. Assets whose
behaviour the library does not model yet stay static (``twin.static``); a behaviour name that looks like a misspelt
library name is an error.
"""
from __future__ import annotations

import difflib
from collections import deque

import numpy as np

from twin.process import units as lib


class BehaviourError(ValueError):
    """A behaviour or a parameter of the plant YAML the twin cannot use; names tag and key."""


def _feeder(asset, ctx):
    p = asset.params
    m0 = p.get("hopper_volume", 0.06) * p.get("bulk_density", 500.0)
    m_low = p.get("refill_level", 0.2) * m0
    F = p.get("feed_rate", 1e-3)
    return lib.LossInWeightFeeder, dict(component=p.get("material", asset.tag), components=ctx["components"],
                                        F_sp=F, F_max=3 * F, m0=m0, m_low=m_low), \
        {"refill": (m0, m_low)}


def _blender(asset, ctx):
    p = asset.params
    return lib.Blender, dict(components=ctx["components"], tau=p.get("mean_residence_time", 90.0),
                             n=int(p.get("tanks", 5))), {}


def _press(asset, ctx):
    p = asset.params
    comps, feeds = ctx["components"], ctx["feeds"]
    api = "API" if "API" in comps else comps[0]
    target = feeds.get(api, 0.0) / max(sum(feeds.values()), 1e-12) if feeds else 0.1
    return lib.TabletPress, dict(components=comps, api=api, tablet_mass=p.get("tablet_mass", 2.5e-4),
                                 api_target=target or 0.1), {}


def _reactor(asset, ctx):
    p = asset.params
    kwargs = {}
    if "jacket_ua" in p:
        kwargs["UA"] = p["jacket_ua"]
    sis = [i for i in asset.instruments.values() if "trip" in getattr(i, "properties", {}) and
           str(getattr(i, "unit", "")) == "K"]
    if sis:
        kwargs["T_trip"] = float(sis[0].properties["trip"])
    elif "max_temperature" in p:
        kwargs["T_trip"] = p["max_temperature"]
    return lib.SemiBatchReactor.of, kwargs, {}  # its parameters by name


def _chiller(asset, ctx):
    p = asset.params
    return lib.Chiller, ({"Q_nom": p["cooling_capacity"]} if "cooling_capacity" in p else {}), \
        {"inputs": {"T_set": p["supply_temperature"]} if "supply_temperature" in p else {}}


def _plain(cls):
    """A unit built from its defaults (and ``Twin(plant, params=...)``)."""
    return lambda asset, ctx: (cls, {}, {})


#: plant-YAML behaviour -> builder(asset, context) returning (model class, keyword arguments, extras)
BUILDERS = {
    "liw_feeder": _feeder, "feeder": _feeder,
    "continuous_blender": _blender, "blender": _blender,
    "tablet_press": _press,
    "semi_batch_reactor": _reactor,
    "chiller": _chiller,
    "cstr": _plain(lib.CSTR), "plate_heat_exchanger": _plain(lib.PlateHeatExchanger),
    "cleanroom_zone": _plain(lib.CleanroomZone),
}


def attach_behaviours(twin, plant, params: dict[str, dict] | None = None, seed: int = 0) -> None:
    """Add a unit for every asset of ``plant`` whose behaviour the library models, and join them by the links."""
    params = params or {}
    unknown = sorted(set(params) - set(plant.assets))
    if unknown:
        close = difflib.get_close_matches(unknown[0], plant.assets, n=3)
        raise BehaviourError(f"params given for {unknown}, which the plant does not hold"
                             + (f"; did you mean {', '.join(close)}?" if close else ""))
    assets = [a for a in plant.assets.values() if a.behaviour]
    for a in assets:
        if a.behaviour not in BUILDERS:
            close = difflib.get_close_matches(a.behaviour, BUILDERS, n=1, cutoff=0.8)
            if close:
                raise BehaviourError(f"{a.tag}: behaviour {a.behaviour!r} is not known; did you mean {close[0]!r}? "
                                     f"(the library models {', '.join(sorted(BUILDERS))})")
    feeders = [a for a in assets if BUILDERS.get(a.behaviour) is _feeder]
    ctx = {"components": tuple(dict.fromkeys(a.params.get("material", a.tag) for a in feeders)),
           "feeds": {a.params.get("material", a.tag): a.params.get("feed_rate", 0.0) for a in feeders}}
    rngs = iter(np.random.SeedSequence(seed).spawn(max(len(feeders), 1)))
    models = {}
    twin.static = []
    for a in assets:
        build = BUILDERS.get(a.behaviour)
        if build is None:
            twin.static.append(a.tag)
            continue
        cls, kwargs, extra = build(a, ctx)
        kwargs |= params.get(a.tag, {})
        try:
            model = cls(a.tag, **kwargs)
        except TypeError as exc:
            raise BehaviourError(f"{a.tag} ({a.behaviour}): {exc}; check the params given for it") from None
        twin.add(model)
        models[a.tag] = model
        for name, value in extra.get("inputs", {}).items():
            twin.tags.write(f"{a.tag}.{name}", value, t=0.0)
        if "refill" in extra:
            m_full, m_low = extra["refill"]
            twin.add(lib.HopperRefill(a.tag, m_full, m_low, np.random.default_rng(next(rngs))))
    _connect(twin, plant, models)


def _connect(twin, plant, models) -> None:
    """Join each model's outlet to the nearest models downstream along the links, through assets without one."""
    graph = plant.graph
    for tag, model in models.items():
        if "out" not in model.outlets or tag not in graph:
            continue
        seen, queue = {tag}, deque(graph.successors(tag))
        while queue:
            nxt = queue.popleft()
            if nxt in seen:
                continue
            seen.add(nxt)
            target = models.get(nxt)
            if target is None:
                queue.extend(graph.successors(nxt))
            elif "in" in target.inlets:
                twin.connect(f"{tag}.out", f"{nxt}.in")
