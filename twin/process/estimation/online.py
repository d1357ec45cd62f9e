"""The estimator as a unit of the Twin: it reads measurement and input tags and writes its estimates as tags.

>>> from twin import Twin
>>> from twin.process import Flowsheet
>>> from twin.process.units import CSTR
>>> from twin.process.estimation import Estimator, ExtendedKalmanFilter
>>> model = Flowsheet(CSTR("R-1")).build()          # what the twin believes: UA = 833 W/K
>>> ekf = ExtendedKalmanFilter(model, measurements={"R-1.T": 0.2}, parameters={"R-1.UA": 200.0},
...                            std0={"R-1.T": 1.0, "R-1.cA": 20.0})
>>> tw = Twin(sample_interval=10.0)
>>> _ = tw.add(CSTR("R-1", UA=1000.0, T0=340.0))    # the plant: another UA, another start
>>> _ = tw.add(Estimator(ekf, period=60.0, inputs=["R-1.T_c"]))
>>> def operator(tw):                                 # excite the plant: coolant steps
...     for T_c in (295.0, 305.0, 295.0):
...         yield tw.env.timeout(900)
...         tw.set("R-1.T_c", T_c)
>>> _ = tw.env.process(operator(tw))
>>> _ = tw.run(until=3600)
>>> abs(tw.tags.read("R-1.UA.est") - 1000.0) < 3 * tw.tags.read("R-1.UA.std") < 30
True

Every ``period`` seconds of the Twin's clock the estimator takes the samples that arrived on the bus since its last
turn, in time order: it predicts to each sample's time, with the inputs held at the values their tags had (an
input tag's change is a break point), and updates with all measurements of that instant. Samples of BAD quality and
NaN values are skipped (a dropout), measurements older than the filter's time are counted in ``late`` and skipped (a
filter whose ``t0`` lies ahead of the twin's clock, as when following a plant from its first sample, counts nothing
before it). Then it predicts to now (if the filter is not ahead of it) and writes, at now:

- ``<name>.est`` and ``<name>.std`` for each published name (default: every state and estimated parameter);
- ``<tag>.nis`` (the last update's NIS), ``<tag>.updates``, ``<tag>.rejected`` (gated outliers), ``<tag>.late``.

The same object follows a simulated plant (the Twin's own units write the measured tags) or a live one (the bridge
writes them from OPC UA): it only reads the bus.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import numpy as np

from twin.process.estimation.augmented import EstimationError, check_name
from twin.tags import Quality, Tag
from twin.unit import DiscreteUnit


class Estimator(DiscreteUnit):
    """A filter (:class:`~twin.process.estimation.ExtendedKalmanFilter` or
    :class:`~twin.process.estimation.MovingHorizonEstimator`) on the Twin's clock and TagBus.

    ``period``: seconds between turns. ``tags``: measurement name -> the bus tag that measures it (default: the
    tag of the same name). ``inputs``: the model's inputs read from the bus (names in the model; a mapping gives
    other bus tags), e.g. set points and feed rates; the others keep the filter's values, so a plant's parameter
    tags never leak into the model. ``publish``: the names written back (states, estimated parameters, outputs).
    """

    def __init__(self, filter, *, period: float, tag: str = "EST", tags: Mapping[str, str] | None = None,
                 inputs: Iterable[str] | Mapping[str, str] = (), publish: Iterable[str] | None = None) -> None:
        super().__init__(tag)
        if not (isinstance(period, int | float) and period > 0 and math.isfinite(period)):
            raise EstimationError(f"{tag}: period must be a positive number of seconds, got {period!r}")
        self.filter, self.period = filter, float(period)
        model = filter.model
        tags = dict(tags or {})
        for name in tags:
            check_name(name, model.meas_names, "a declared measurement", f"{tag}: tags")
        self.measured = {tags.get(n, n): n for n in model.meas_names}  # bus tag -> measurement name
        inputs = dict(inputs) if isinstance(inputs, Mapping) else {n: n for n in inputs}
        self.inputs = {bus: check_name(name, model.input_names, "an input of the model (estimated parameters "
                                       "are not read from the bus)", f"{tag}: inputs") for name, bus in inputs.items()}
        valid = dict.fromkeys(model.names + model.dae.y_names)
        self.publish = [check_name(n, valid, "a state, estimated parameter or output", f"{tag}: publish")
                        for n in (model.names if publish is None else publish)]
        self._read: dict[str, int] = {}  # bus tag -> samples of its history already assimilated
        self.late = 0

    def attach(self, twin) -> None:
        super().attach(twin)
        bus, units = twin.tags, self.filter.model.dae.units
        for name in self.publish:
            unit = units.get(name, "")
            bus.define(f"{name}.est", unit=unit, description=f"estimate of {name} ({self.tag})")
            bus.define(f"{name}.std", unit=unit, description=f"standard deviation of the estimate of {name}")
        for signal in ("nis", "updates", "rejected", "late"):
            bus.define(self.tag_of(signal), description=f"{self.tag}: {signal}")

    def process(self, twin):
        yield twin.env.timeout(0)  # the units have started: the tags hold their first values
        self._check_tags(twin.tags)
        self.step(twin.now)
        while True:
            yield twin.env.timeout(self.period)
            self.step(twin.now)

    def _check_tags(self, bus) -> None:
        for bus_tag in (*self.measured, *self.inputs):
            if bus_tag not in bus:
                bus[bus_tag]  # raises UnknownTagError with the nearest names
        self._read = {name: 0 for name in (*self.measured, *self.inputs)}

    # -- one turn ---------------------------------------------------------------------------------------------
    def step(self, now: float) -> None:
        """Assimilate what arrived since the last turn, predict to ``now`` and publish."""
        bus, f = self.twin.tags, self.filter
        events: dict[float, tuple[dict, dict]] = {}  # time -> (measurements, inputs)
        for bus_tag in self._read:
            t, v, q = self._new_samples(bus[bus_tag])
            kind = 0 if bus_tag in self.measured else 1
            name = self.measured.get(bus_tag) or self.inputs[bus_tag]
            for tk, vk, qk in zip(t, v, q, strict=True):
                if qk != Quality.BAD and math.isfinite(vk):
                    events.setdefault(float(tk), ({}, {}))[kind][name] = float(vk)
        for tk in sorted(events):
            measured, inputs = events[tk]
            if tk < f.t:  # before the filter's time: an input still holds from then on, a measurement is late
                self.late += bool(measured)
                if inputs:
                    f.predict(f.t, inputs)
                continue
            f.predict(tk)
            if measured:
                f.update(measured)
            if inputs:
                f.predict(f.t, inputs)  # the new inputs hold from this instant on
        if now > f.t:
            f.predict(now)
        self._publish(bus, now)

    def _new_samples(self, tag: Tag) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        h = tag._history  # read in place: the history grows, what was read stays
        start, end = self._read[tag.name], h.n
        self._read[tag.name] = end
        return h.t[start:end], h.v[start:end].astype(float), h.q[start:end]

    def _publish(self, bus, now: float) -> None:
        f = self.filter
        for name in self.publish:
            bus.write(f"{name}.est", f.mean(name), t=now)
            bus.write(f"{name}.std", f.std(name), t=now)
        bus.write(self.tag_of("nis"), f.nis, t=now)
        bus.write(self.tag_of("updates"), f.updates, t=now)
        bus.write(self.tag_of("rejected"), f.rejected, t=now)
        bus.write(self.tag_of("late"), self.late, t=now)
