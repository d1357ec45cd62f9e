"""A monitor on the TagBus: it reads a model's tags, writes T-squared, SPE and the alarm as tags.

>>> import numpy as np
>>> from twin import Twin
>>> from twin.monitor import Monitor, fit_pca
>>> rng = np.random.default_rng(0)
>>> normal = rng.normal(size=(500, 2)) @ rng.normal(size=(2, 4)) + 0.1 * rng.normal(size=(500, 4))
>>> tags = ["FD-1.rate", "FD-2.rate", "BL-1.speed", "NIR-1.api"]
>>> tw = Twin()
>>> for j, tag in enumerate(tags):
...     _ = tw.tags.define(tag, initial=float(normal[0, j]))
>>> _ = tw.add(Monitor(fit_pca(normal, tags, components=2), "MSPC-01", period=1.0))
>>> def nir_fails(tw):
...     yield tw.env.timeout(10)
...     tw.set("NIR-1.api", normal[0, 3] + 5.0)        # a bias step on the NIR
>>> _ = tw.env.process(nir_fails(tw))
>>> _ = tw.run(until=20)
>>> tw.tags.read("MSPC-01.alarm"), tw.tags.read("MSPC-01.top")
(1.0, 'NIR-1.api')

The same monitor watches live tags: :meth:`Monitor.bind` it to the bus a bridge fills and call :meth:`Monitor.step`
once a period. It runs the same on simulated and live tags, as DESIGN.md asks of a monitor.

Each step reads every model tag's current value (a tag held by reference: a list comprehension, no search) and scores
the sample, with the ``lags`` samples before it for a dynamic model. A tag that is missing, NaN or of BAD quality
makes the sample unscorable: T2 and SPE are written NaN with BAD quality and the alarm stays as it was, with
``NAME.missing`` naming the first such tag. Output tags of a monitor ``NAME``: ``T2``, ``SPE``, ``alarm`` (1.0 or
0.0), ``T2_limit``, ``SPE_limit`` (written once) and ``top`` (the tag carrying most of the current alarm, empty
without one). A PLS model (:mod:`twin.monitor.pls`) is scored the same way on its process tags, its tags at fault
named by contributions, and writes each quality tag's prediction as ``NAME.predicted.<quality tag>``.
"""
from __future__ import annotations

import asyncio
import difflib
import math
from collections import deque
from collections.abc import Callable

import numpy as np

from twin.monitor.pca import MonitorError, PCAMonitor
from twin.monitor.pls import PLSModel
from twin.tags import Quality, TagBus
from twin.unit import DiscreteUnit, Signal


class Monitor(DiscreteUnit):
    """A PCA (or PLS) monitor named ``tag`` (an asset tag, ``MSPC-01``) scoring the model's tags every ``period``
    seconds."""

    kind = "monitor"
    signals = (Signal("T2", "out", description="Hotelling T-squared of the current sample"),
               Signal("SPE", "out", description="squared prediction error (Q) of the current sample"),
               Signal("alarm", "out", description="1 when T-squared or SPE is over its limit, else 0"),
               Signal("T2_limit", "out", description="T-squared limit"),
               Signal("SPE_limit", "out", description="SPE limit"))

    def __init__(self, model: PCAMonitor | PLSModel, tag: str = "MSPC", period: float = 1.0) -> None:
        super().__init__(tag)
        if not period > 0:
            raise MonitorError(f"monitor {tag}: period must be a positive number of seconds, got {period!r}")
        if not isinstance(model, PCAMonitor | PLSModel):
            raise MonitorError(f"monitor {tag}: the live monitor takes a PCA or PLS model, not {type(model).__name__}")
        self.model, self.period = model, float(period)
        self.bus: TagBus | None = None
        self._inputs: list = []
        self._past: deque = deque(maxlen=model.lags + 1)
        # a sample's scores are z R, its residual z - B t', T-squared sum(t**2 / v): for PCA R = B = P, v = lambda;
        # for PLS R = W (P'W)^-1, B = P (the x loadings), v the training scores' variances
        if isinstance(model, PLSModel):
            self._mean, self._inv_scale, self._rot, self._back = (model.x_mean, 1.0 / model.x_scale, model.rotations,
                                                                  model.x_loadings)
            self._inv_lambda, self.quality = 1.0 / model.score_variance, model.y_tags
        else:
            self._mean, self._inv_scale, self._rot = model.mean, 1.0 / model.scale, model.loadings
            self._back, self._inv_lambda, self.quality = model.loadings, 1.0 / model.eigenvalues[: model.components], ()

    def attach(self, twin) -> None:
        self.twin = twin
        self.bind(twin.tags)
        twin.env.process(self.process(twin))

    def bind(self, bus: TagBus) -> Monitor:
        """Define the output tags on ``bus`` and hold the model's input tags, which must be defined there."""
        missing = [name for name in self.model.tags if name not in bus]
        if missing:
            close = difflib.get_close_matches(missing[0], [n for n in bus if n not in self.model.tags], n=2)
            hint = f" (did you mean {' or '.join(close)}?)" if close else ""
            raise MonitorError(f"monitor {self.tag}: no tag {missing[0]}{hint} on the bus ({len(missing)} of the "
                               f"model's {len(self.model.tags)} tags missing); fit the model on this plant's tags")
        self.bus = bus
        for s in self.signals:
            bus.define(self.tag_of(s.name), unit=s.unit, description=s.description)
        for name in ("top", "missing"):
            bus.define(self.tag_of(name), dtype=str, description="tag carrying most of the alarm" if name == "top"
                       else "first model tag without a good value")
        for name in self.quality:
            bus.define(self.tag_of(f"predicted.{name}"), description=f"{name} predicted from the process tags (PLS)")
        self._inputs = [bus[name] for name in self.model.tags]
        return self

    def process(self, twin):
        while True:
            self.step(twin.now)
            yield twin.env.timeout(self.period)

    def step(self, t: float) -> bool | None:
        """Score the current sample at time ``t`` and write the outputs; the alarm, or None if not scorable."""
        bus, tag_of = self.bus, self.tag_of
        if not self._past:
            bus.write(tag_of("T2_limit"), self.model.t2_limit, t)
            bus.write(tag_of("SPE_limit"), self.model.spe_limit, t)
        x = np.fromiter((tag.value for tag in self._inputs), dtype=float, count=len(self._inputs))
        bad = next((k for k, tag in enumerate(self._inputs) if tag.quality == Quality.BAD), None)
        if bad is None and not np.isfinite(x).all():
            bad = int(np.flatnonzero(~np.isfinite(x))[0])
        if bad is not None:
            self._past.clear()  # a dynamic model needs an unbroken run of samples
            bus.write(tag_of("missing"), self.model.tags[bad], t)
            bus.write(tag_of("T2"), math.nan, t, Quality.BAD)
            bus.write(tag_of("SPE"), math.nan, t, Quality.BAD)
            return None
        self._past.appendleft(x)
        if len(self._past) <= self.model.lags:
            return None
        z = (np.concatenate(self._past) - self._mean) * self._inv_scale
        scores = z @ self._rot
        e = z - self._back @ scores
        t2, spe = float(scores * scores @ self._inv_lambda), float(e @ e)
        if self.quality:
            m = self.model
            for name, value in zip(self.quality, (m.y_loadings @ scores * m.y_scale + m.y_mean).tolist()):
                bus.write(tag_of(f"predicted.{name}"), value, t)
        alarm = t2 > self.model.t2_limit or spe > self.model.spe_limit
        top = ""
        if alarm:
            top = self.model.tags[int(np.argmax(self.model.shares(np.stack(list(reversed(self._past))))[-1]))]
        bus.write(tag_of("missing"), "", t)
        bus.write(tag_of("T2"), t2, t)
        bus.write(tag_of("SPE"), spe, t)
        bus.write(tag_of("alarm"), float(alarm), t)
        bus.write(tag_of("top"), top, t)
        return alarm


async def watch(monitor: Monitor, bus: TagBus, feed, endpoint: str, *, duration: float | None = None,
                mapping: str | None = None, on_step: Callable[[float, bool | None], None] | None = None,
                stop: asyncio.Event | None = None, poll: float = 0.05) -> TagBus:
    """Score live tags: ``feed`` (the bridge's, found through the entry-point group ``twin.live_feeds``) keeps the
    model's tags of ``bus`` in step with the server at ``endpoint``; every ``monitor.period`` seconds of the plant's
    time (its source timestamps), once every tag has caught up (or a period later), the monitor steps, and
    ``on_step(t, alarm)`` hears of it. Ends after ``duration``
    seconds of wall time, or when ``stop`` is set."""
    import time

    names = list(monitor.model.tags)
    end = None if duration is None else time.monotonic() + duration
    async with feed(bus, endpoint, names, mapping=mapping):
        monitor.bind(bus)
        due, tags = None, [bus[n] for n in names]
        while (end is None or time.monotonic() < end) and not (stop is not None and stop.is_set()):
            stamps = np.array([tag.timestamp for tag in tags])
            if not np.isnan(stamps).all():
                latest, oldest = np.nanmax(stamps), np.nanmin(stamps)
                due = latest if due is None else due
                # score a sample once every tag has caught up with it (values of one instant, not a mix), or one
                # period later with the last values (a tag reported on change only may stay old)
                if latest >= due and (oldest >= due or latest >= due + monitor.period):
                    alarm = monitor.step(float(latest))
                    if on_step is not None:
                        on_step(float(latest), alarm)
                    due = latest + monitor.period
            await asyncio.sleep(poll)
    return bus
