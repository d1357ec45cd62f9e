"""What a twin needs to follow a plant through its measurements, and the alarms it raises on its own estimates.

A :class:`FollowPlan` holds everything ``twin follow`` needs besides the plant's address: the model the twin
believes (a built flowsheet), the outputs the plant measures with their noise, the parameters it estimates with
their prior spread, process noise, the model's inputs read from the plant's tags, the estimator's period and the
alarms it serves. A study builds one from its scenario (its ``uncertainty:`` and its instruments; the entry-point
group ``twin.followers``), ``twin follow`` builds one from flags for a plant file.

>>> from twin import Twin
>>> from twin.process import Flowsheet
>>> from twin.process.units import CSTR
>>> plan = FollowPlan(Flowsheet(CSTR("R-1")).build(), measurements={"R-1.T": 0.2}, parameters={"R-1.UA": 200.0},
...                   inputs={"R-1.T_c": "R-1.T_c"}, alarms=(Alarm("R-1.hot", of="R-1.T", low=0, high=360),))
>>> plan.plant_tags
['R-1.T', 'R-1.T_c']
>>> tw = Twin()
>>> watch = AlarmWatch(tw.tags, plan.alarms)
>>> _ = tw.tags.define("R-1.T.est"), tw.tags.define("R-1.T.std")
>>> tw.tags.write("R-1.T.est", 350.0, t=0.0); tw.tags.write("R-1.T.std", 4.0, t=0.0)   # 350 + 3 x 4 > 360
>>> tw.tags.read("R-1.hot")
True
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from twin.tags import Tag, TagBus


@dataclass(frozen=True)
class Alarm:
    """``tag`` (a bool) is raised while the estimate of ``of`` give or take ``sds`` standard deviations reaches
    outside ``[low, high]``: the twin cannot vouch that the quantity is inside its limits."""

    tag: str
    of: str
    low: float
    high: float
    sds: float = 3.0
    description: str = ""


@dataclass(frozen=True)
class FollowPlan:
    """How a twin follows a plant: the filter's settings (names are the model's), where they live on the plant.

    ``tags``: measurement name -> the plant tag that measures it (default: the same name); ``inputs``: model input
    -> the plant tag it is read from; ``publish``: the names whose estimates are served (default: states and
    estimated parameters); ``notes``: what the plan leaves out (an uncertain quantity it cannot estimate), told to
    the user once.
    """

    model: Any                                  # a twin.process Dae
    measurements: Mapping[str, float]
    parameters: Mapping[str, float] = field(default_factory=dict)
    process_noise: Mapping[str, float] = field(default_factory=dict)
    std0: Mapping[str, float] = field(default_factory=dict)
    tags: Mapping[str, str] = field(default_factory=dict)
    inputs: Mapping[str, str] = field(default_factory=dict)
    publish: tuple[str, ...] | None = None
    period: float = 10.0
    alarms: tuple[Alarm, ...] = ()
    notes: tuple[str, ...] = ()
    step_means: Mapping[str, float] = field(default_factory=dict)
    plant: Any = None                                          # the twin.plant.Plant it stands for (for serving)
    options: Mapping[str, Any] = field(default_factory=dict)   # more keyword arguments of the filter (max_step)

    @property
    def settings(self) -> dict[str, dict[str, float]]:
        """The filter's keyword arguments (``ExtendedKalmanFilter(model, **plan.settings)``)."""
        return {"measurements": dict(self.measurements), "parameters": dict(self.parameters),
                "process_noise": dict(self.process_noise), "std0": dict(self.std0), **self.options}

    @property
    def measured_tags(self) -> list[str]:
        """The plant tags of the measurements."""
        return [self.tags.get(name, name) for name in self.measurements]

    @property
    def plant_tags(self) -> list[str]:
        """Every plant tag the twin reads: measurements, then inputs."""
        return list(dict.fromkeys([*self.measured_tags, *self.inputs.values()]))


class StepMeans:
    """Each tag of ``steps`` (tag -> step, s) copied to ``<tag>.step`` stamped one step earlier: a mean over a step,
    reported at the step's end, becomes the value that held over the step (an estimator holds an input from its
    time on). :attr:`names` maps each tag to its copy."""

    def __init__(self, bus: TagBus, steps: Mapping[str, float]) -> None:
        self.bus, self.steps = bus, dict(steps)
        self.names = {tag: f"{tag}.step" for tag in self.steps}
        for tag, copy in self.names.items():
            bus.define(copy, unit=bus[tag].unit, description=f"{tag}, over the step it reports")
        self._stops = [bus.subscribe(tag, self._copy) for tag in self.steps]

    def close(self) -> None:
        for stop in self._stops:
            stop()

    def _copy(self, tag: Tag) -> None:
        copy = self.names[tag.name]
        t = max(tag.timestamp - self.steps[tag.name], self.bus[copy].timestamp)   # NaN (never written) loses
        self.bus.write(copy, tag.value, t=t, quality=tag.quality)


class AlarmWatch:
    """Raise and clear ``alarms`` on ``bus`` as the estimator writes ``<of>.est`` and ``<of>.std`` (an alarm is
    judged when its standard deviation is written, which the estimator does after the mean)."""

    def __init__(self, bus: TagBus, alarms: Iterable[Alarm]) -> None:
        self.bus, self.alarms = bus, {}
        for alarm in alarms:
            bus.define(alarm.tag, dtype=bool, description=alarm.description or
                       f"{alarm.of} +/- {alarm.sds:g} sd outside {alarm.low:g}..{alarm.high:g}")
            self.alarms.setdefault(f"{alarm.of}.std", []).append(alarm)
        self._stops = [bus.subscribe(name, self._judge) for name in self.alarms]

    def close(self) -> None:
        for stop in self._stops:
            stop()

    def _judge(self, std: Tag) -> None:
        for alarm in self.alarms[std.name]:
            mean = self.bus.read(f"{alarm.of}.est")
            raised = not (alarm.low <= mean - alarm.sds * std.value and mean + alarm.sds * std.value <= alarm.high)
            self.bus.write(alarm.tag, bool(raised), t=std.timestamp)


def raised(bus: TagBus, alarms: Iterable[Alarm]) -> dict[str, int]:
    """How many times each alarm went from clear to raised in ``bus``'s history."""
    out = {}
    for alarm in alarms:
        states = bus.history(alarm.tag)[1]
        out[alarm.tag] = int(sum(bool(now) and not bool(before) for before, now in zip([False, *states[:-1]], states)))
    return out
