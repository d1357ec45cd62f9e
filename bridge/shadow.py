"""Shadow mode: the twin runs beside the live plant, and each tag both know is compared as it changes.

For every shadowed tag ``X`` the shadow keeps ``X.deviation`` (live - predicted, in the tag's unit) and ``X.alarm``
(true while the deviation lies outside the band the user set) in the output bus. Both signals are held between
changes (zero-order hold): a change on either side re-evaluates the pair at that time. The twin predicts from the
plant's own inputs: :func:`drive` feeds live values (set points an operator changes) into the twin as they arrive.

>>> drive(live_bus, twin, ["LIW-101.F_sp"])                                      # doctest: +SKIP
>>> shadow = Shadow(live_bus, twin.tags, ["TP-101.rate"], band=(-50.0, 50.0))   # doctest: +SKIP
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from twin.tags import Quality, Tag, TagBus

Band = float | tuple[float, float]


class Shadow:
    """Deviation and alarm tags for ``tags`` (each held by both ``live`` and ``predicted``), written into ``into``
    (default: ``predicted``). ``band``: a half-width ``b`` (the band ``[-b, b]``), a ``(low, high)`` pair, or a
    mapping from tag to either."""

    def __init__(self, live: TagBus, predicted: TagBus, tags: Iterable[str], band: Band | Mapping[str, Band],
                 into: TagBus | None = None) -> None:
        self.live, self.predicted, self.out = live, predicted, into if into is not None else predicted
        self.bands: dict[str, tuple[float, float]] = {}
        self._stops = []
        for name in tags:
            for bus, side in ((live, "live"), (predicted, "predicted")):
                if name not in bus:
                    raise KeyError(f"shadow: tag {name} is not in the {side} bus; shadow only tags both sides hold")
            tag_band = band.get(name) if isinstance(band, Mapping) else band
            if tag_band is None:
                raise ValueError(f"shadow: no band for tag {name}; give one for every shadowed tag")
            low, high = (-abs(tag_band), abs(tag_band)) if isinstance(tag_band, int | float) else map(float, tag_band)
            if not low <= high:
                raise ValueError(f"shadow: band of {name} is ({low}, {high}); low must not exceed high")
            self.bands[name] = (low, high)
            self.out.define(f"{name}.deviation", unit=live[name].unit, description=f"{name}: live - predicted")
            self.out.define(f"{name}.alarm", dtype=bool, description=f"{name}: deviation outside {low}..{high}")
            for bus in (live, predicted):
                self._stops.append(bus.subscribe(name, self._update))

    def close(self) -> None:
        """Stop following the two buses."""
        for stop in self._stops:
            stop()

    def _update(self, changed: Tag) -> None:
        name = changed.name
        live, predicted = self.live[name], self.predicted[name]
        t = max(live.timestamp, predicted.timestamp)  # NaN (never written) loses to any time
        if math.isnan(t):
            return
        deviation = live.value - predicted.value
        quality = max(live.quality, predicted.quality)
        low, high = self.bands[name]
        alarm = self.out[f"{name}.alarm"].value
        if not math.isnan(deviation):
            alarm = not low <= deviation <= high
        else:
            quality = Quality.BAD
        t = max(t, self.out[f"{name}.deviation"].timestamp)
        self.out.write(f"{name}.deviation", deviation, t=t, quality=quality)
        self.out.write(f"{name}.alarm", bool(alarm), t=t, quality=quality)


def drive(live: TagBus, twin, tags: Iterable[str]) -> list:
    """Feed each change of ``tags`` on the ``live`` bus into the twin's input of the same name at the time the plant
    stamped it (a twin running behind the wall clock takes it exactly then; one already past it, at once); a value of
    bad quality (a gap marker) is not fed. Returns the unsubscribe functions."""

    def set_at(name: str, value, delay: float):
        yield twin.env.timeout(delay)
        twin.set(name, value)

    def feed(tag: Tag) -> None:
        if tag.quality is not Quality.BAD:
            twin.env.process(set_at(tag.name, tag.value, max(0.0, tag.timestamp - twin.now)))

    return [live.subscribe(name, feed) for name in tags]
