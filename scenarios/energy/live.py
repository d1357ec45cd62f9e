"""Shadow mode fed live: the site's tags streamed from its OPC UA server into a TagBus as they arrive, on the
scenario's clock, until they cover the scenario's window (``twin energy shadow SCENARIO --endpoint ...``).

The feed is the bridge's, found through the entry-point group ``twin.live_feeds`` (``scenarios`` never imports the
bridge): the same path ``twin follow`` and ``twin monitor live`` take. What it gathers is what
:func:`scenarios.energy.shadow.recording` reads from a recording of the window: each tag's samples at
``t = UNIX time - start`` up to the horizon, and a tag's last value held to the horizon (OPC UA reports a value when
it changes). Then :func:`scenarios.energy.shadow.run` judges the model against the meter as on a recording.

The window is complete once a sample stamped after its end has arrived: a server publishes a subscription's changes
in the order it took them, so every sample of the window came before it, among them those stamped at the horizon
itself, which the model interpolates towards. Stopping at the first sample that reaches the window's end instead
lost a sample: the site's other tags stamped at the same instant may still be on the way (one publish later), and
their last value was held in its place (live NMBE 0.04429 for 0.04449 on the test's day).
"""
from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Iterable, Mapping
from typing import Any

from twin.tags import Quality, TagBus


def feed_of(name: str = "opcua"):
    """The live feed ``name`` of the group ``twin.live_feeds`` (the bridge registers ``opcua``)."""
    from importlib.metadata import entry_points

    feeds = {ep.name: ep for ep in entry_points(group="twin.live_feeds")}
    if name not in feeds:
        raise ValueError("no live feed installed (the bridge registers one under twin.live_feeds); pip install -e .")
    return feeds[name].load()


async def gather(params: Mapping[str, Any], endpoint: str, tags: Iterable[str], *, start: float,
                 mapping: str | None = None, duration: float | None = None) -> TagBus:
    """The ``tags`` from the server at ``endpoint`` until a sample stamped after the scenario's horizon arrives
    (the window is complete), or ``duration`` seconds of wall time pass; on the scenario's clock (``start``: the
    UNIX time of its t = 0), cut at the horizon."""
    names = list(tags)
    live = TagBus()                      # the feed defines the tags (with the mapping's units)
    end = None if duration is None else time.monotonic() + duration
    horizon = float(params["horizon"])

    def report(message: str) -> None:
        print(f"twin energy shadow: {message}", file=sys.stderr)

    async with feed_of()(live, endpoint, names, mapping=mapping, report=report) as origin:
        shift = origin - start
        while end is None or time.monotonic() < end:
            latest = max((live[n].timestamp for n in names if live[n].timestamp == live[n].timestamp),
                         default=float("-inf"))
            if latest + shift > horizon:
                break
            await asyncio.sleep(0.2)
    return _held(live, names, shift, horizon)


def _held(live: TagBus, names: list[str], shift: float, horizon: float) -> TagBus:
    """``live``'s samples moved by ``shift`` seconds up to ``horizon``, each tag's last value held to the latest
    sample of any, at most to ``horizon`` (a value read once, before the window, stays until it changes). What
    came after the horizon is left out: it is complete only up to there."""
    bus = TagBus()
    histories = {name: live.history(name) for name in names}
    ends = [t[-1] + shift for t, _, _ in histories.values() if t.size]
    latest = min(max(ends, default=0.0), horizon)
    for name, (t, v, q) in histories.items():
        bus.define(name)
        keep = t + shift <= horizon
        t, v, q = t[keep] + shift, v[keep], q[keep]
        for tk, vk, qk in zip(t, v, q, strict=True):
            bus.write(name, float(vk), t=float(tk), quality=Quality(int(qk)))
        if t.size and t[-1] < latest:
            bus.write(name, float(v[-1]), t=float(latest), quality=Quality(int(q[-1])))
    return bus


def run(params, endpoint: str, names: Mapping[str, str], *, start: float, mapping: str | None = None,
        duration: float | None = None):
    """:func:`scenarios.energy.shadow.run` on the tags gathered live (``names``: dry_bulb, dew_point, meter)."""
    from scenarios.energy import shadow

    bus = asyncio.run(gather(params, endpoint, names.values(), start=start, mapping=mapping, duration=duration))
    return shadow.run(params, bus, **names)
