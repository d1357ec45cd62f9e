"""The continuous line's parameters as typed, frozen values: what the model reads, named and in SI units.

The scenario's schema (:mod:`scenarios.continuous_manufacturing`) checks the file, converts its units and fills in
the defaults; :meth:`CmParams.of` turns the checked mapping (a variant, a task's params or a result's settings) into
these, so the model reads ``p.press.weight_control.gain`` instead of ``params["press"]["weight_control"]["gain"]``.
Each class names the scenario key it holds, and its fields are the key's names. ``truth:`` and ``uncertainty:`` are
read once into ``{path: SI value}`` and ``{path: (low, high)}`` (:mod:`.plant`)::

    >>> from scenarios.continuous_manufacturing.params import CmParams
    >>> from scenarios.scenario import load
    >>> p = CmParams.of(load("scenarios/continuous_manufacturing/flagship.yaml").variants["mismatch"])
    >>> p.feeders["LIW-101"].rate * 3600, p.blender.tanks, p.press.weight_control.every, p.rtrt.pat_units
    (6.0, 5, 50, 500)
    >>> p.truth["blender.tau"], p.uncertainty["press.feed_frame_tau"]
    (117.0, (10.0, 40.0))

Times are in s, masses in kg, mass flows in kg/s, densities in kg/m^3, powers in W, fractions in 0..1.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Self


def _record(cls, given: Mapping[str, Any], **nested):
    """``cls`` from the schema's record ``given``: each field from the key of its name (``nested[name]`` converts)."""
    return cls(**{f.name: nested[f.name](given[f.name]) if f.name in nested else given[f.name]
                  for f in fields(cls) if f.name in given})


@dataclass(frozen=True)
class Record:
    """A section of the scenario: :meth:`of` builds it from the schema's checked mapping, each field from the key of
    its name (a section with nested sections converts them in its own ``of``)."""

    @classmethod
    def of(cls, given: Mapping[str, Any]) -> Self:
        return _record(cls, given)


@dataclass(frozen=True)
class Feeder(Record):
    """``feeders.<tag>``: a loss-in-weight feeder. Its ``component``, set point ``rate`` (kg/s), ``hopper`` size
    and ``refill_at`` level (kg), the lots' feed-factor scatter ``ff_sd``, the gravimetric loop's ``control_time``
    (s), ``hopper_mixing`` (``fifo`` or ``mixed``), the first lot's ``feed_factor`` and its ``drift`` (1/s); the
    short-term ``flow_noise`` (relative sd, AR(1) of ``flow_noise_time`` s), the load cells' white
    ``load_cell_noise`` (relative to the rate) and relative ``load_cell_bias``."""

    component: str
    rate: float
    hopper: float
    refill_at: float
    ff_sd: float = 0.0
    control_time: float = 10.0
    hopper_mixing: str = "fifo"
    feed_factor: float = 1.0
    drift: float = 0.0
    flow_noise: float = 0.0
    flow_noise_time: float = 3.0
    load_cell_noise: float = 0.0
    load_cell_bias: float = 0.0


@dataclass(frozen=True)
class Blender(Record):
    """``blender:``: the blender's plant ``tag``, mean residence time ``tau`` (s) and ``tanks`` in series (its
    RTD)."""

    tag: str
    tau: float
    tanks: int


@dataclass(frozen=True)
class DieFill(Record):
    """``press.weight``: the blend's bulk density at the dies wandering by ``density_sd`` (relative) with a
    ``density_time`` (s) correlation, the die-to-die ``fill_sd``, and the components' bulk ``densities`` (kg/m^3;
    empty: the density does not follow the composition)."""

    density_sd: float = 0.0
    density_time: float = 0.0
    fill_sd: float = 0.0
    densities: dict[str, float] = field(default_factory=dict)

    @classmethod
    def of(cls, given: Mapping[str, Any]) -> DieFill:
        return _record(cls, given, densities=dict)


@dataclass(frozen=True)
class WeightControl(Record):
    """``press.weight_control``: a PI law on the mean weight of every ``every`` tablets moving the fill depth
    (``gain``, ``integral``), errors within ``deadband`` left alone, at most ``limit`` of fill depth (relative)."""

    enabled: bool = False
    every: int = 50
    gain: float = 0.2
    integral: float = 0.3
    deadband: float = 0.0
    limit: float = 0.2


@dataclass(frozen=True)
class Press(Record):
    """``press:``: the tablet press's plant ``tag``, the ``api`` component, ``tablet_mass`` (kg), the feed frame's
    residence time ``feed_frame_tau`` (s), its die fill ``weight`` and ``weight_control``."""

    tag: str
    api: str
    tablet_mass: float
    feed_frame_tau: float
    weight: DieFill
    weight_control: WeightControl

    @classmethod
    def of(cls, given: Mapping[str, Any]) -> Press:
        return _record(cls, given, weight=DieFill.of, weight_control=WeightControl.of)


@dataclass(frozen=True)
class Pat(Record):
    """``pat:``: the NIR probe at the blender outlet: its ``tag``, sampling ``interval`` (s), relative ``noise`` and
    ``bias`` on each sample."""

    tag: str
    interval: float
    noise: float = 0.0
    bias: float = 0.0


@dataclass(frozen=True)
class Gate(Record):
    """``gate:``: the diversion gate's ``tag``, its ``switch_time`` (s), the shortest window ``hold`` and the time
    ``settle`` it stays after the content is back (s), and the feeder ``alarm`` (relative deviation; 0: off)."""

    tag: str
    switch_time: float = 0.0
    hold: float = 0.0
    settle: float = 0.0
    alarm: float = 0.0


@dataclass(frozen=True)
class Disturbance(Record):
    """``disturbances[i]``: a ``kind`` (``step``, ``drift``, ``stoppage`` of a ``feeder``; ``nir_bias``,
    ``nir_dropout`` of the probe) ``at`` a time (s), over ``duration`` (s), to a ``feed_factor`` or by a ``bias``."""

    kind: str
    at: float
    feeder: str | None = None
    duration: float = 0.0
    feed_factor: float = 1.0
    bias: float = 0.0


@dataclass(frozen=True)
class Power(Record):
    """``power.<tag>``: a unit's electric power (W) ``running`` and ``idle`` (a stopped feeder)."""

    running: float
    idle: float = 0.0


@dataclass(frozen=True)
class MpcTuning(Record):
    """``mpc:``: the model-predictive controller solves every ``interval`` (s) over ``horizon`` (s) with ``moves``
    free moves, weighing the press's intake (``rate_weight``) and the screws' moves (``move_weight``)."""

    interval: float = 10.0
    horizon: float = 300.0
    moves: int = 6
    rate_weight: float = 0.1
    move_weight: float = 0.01


@dataclass(frozen=True)
class Rtrt(Record):
    """``rtrt:``: real-time release per sub-lot of ``window`` (s): Ph. Eur. 2.9.40 on ``tablets`` (10 or 30) and,
    with ``pat_units`` (0: none), 2.9.47 on that many PAT units."""

    window: float = 3600.0
    tablets: int = 10
    pat_units: int = 0


@dataclass(frozen=True)
class Fault(Record):
    """``monitor.faults[i]``: a fault of the plant (:mod:`.mspc`): a ``kind`` (``feeder_drift``, ``nir_bias``,
    ``load_cell_stuck``, ``blender_fouling``) ``at`` a time (s) over ``duration`` (s), of a ``feeder``, to a
    ``feed_factor``, by a ``bias`` or by a ``factor`` of the blender's residence time."""

    kind: str
    at: float
    feeder: str | None = None
    duration: float = 0.0
    feed_factor: float = 1.0
    bias: float = 0.0
    factor: float = 1.0


@dataclass(frozen=True)
class Training(Record):
    """``monitor.training``: the MSPC monitor is fitted on ``runs`` normal runs of ``hours`` (s) each, seeded from
    ``seed``."""

    runs: int = 4
    hours: float = 6 * 3600.0
    seed: int = 1


@dataclass(frozen=True)
class Monitor(Record):
    """``monitor:``: the MSPC monitor (``enabled``, its ``tag``), sampling every ``period`` (s), with
    ``components`` principal components and ``confidence`` limits (``empirical`` or ``theoretical``), the blender's
    weighed hold-up with relative ``holdup_noise``; its ``training`` and the plant's ``faults``."""

    enabled: bool = False
    tag: str = "MSPC-101"
    period: float = 10.0
    components: int = 4
    confidence: float = 0.99
    limits: str = "empirical"
    holdup_noise: float = 0.005
    training: Training = Training()
    faults: tuple[Fault, ...] = ()

    @classmethod
    def of(cls, given: Mapping[str, Any]) -> Monitor:
        return _record(cls, given, training=Training.of, faults=lambda fs: tuple(Fault.of(f) for f in fs))


@dataclass(frozen=True)
class CmParams:
    """One variant of a continuous-manufacturing scenario: the run's ``horizon`` and ``sample_interval`` (s), the
    line's units, the content ``limits`` (low, high) and the gate's ``margin`` (fractions of label claim), the
    feeders' ``control`` (``ratio``, ``mpc`` or ``none``) every ``control_interval`` (s), the ``interlock``, the
    ``mpc`` tuning, units' ``power``, the ``disturbances``, the release, the monitor, the plant's ``truth``
    (``{path: SI value}``) and the twin's ``uncertainty`` (``{path: (low, high)}`` in SI) and the ``plant`` model's
    path."""

    horizon: float
    sample_interval: float
    feeders: dict[str, Feeder]
    blender: Blender
    press: Press
    pat: Pat
    gate: Gate
    limits: tuple[float, float]
    margin: float
    control: str
    control_interval: float
    interlock: bool
    mpc: MpcTuning
    power: dict[str, Power]
    disturbances: tuple[Disturbance, ...]
    rtrt: Rtrt
    monitor: Monitor
    truth: dict[str, float]
    uncertainty: dict[str, tuple[float, float]]
    plant: str | None = None

    @property
    def total(self) -> float:
        """The line's mass flow at its set points (kg/s)."""
        return sum(f.rate for f in self.feeders.values())

    @property
    def components(self) -> tuple[str, ...]:
        """Each feeder's component, in feeder order."""
        return tuple(f.component for f in self.feeders.values())

    def api_feeders(self) -> list[str]:
        """The feeders of the API, in order."""
        return [tag for tag, f in self.feeders.items() if f.component == self.press.api]

    @property
    def target(self) -> float:
        """The API's mass fraction in the recipe."""
        return sum(f.rate for f in self.feeders.values() if f.component == self.press.api) / self.total

    def shares(self) -> dict[str, float]:
        """Each component's mass fraction in the recipe, in order of first appearance."""
        return {c: sum(f.rate for f in self.feeders.values() if f.component == c) / self.total
                for c in dict.fromkeys(self.components)}

    @classmethod
    def of(cls, params: Mapping[str, Any]) -> CmParams:
        """The typed parameters of a checked scenario mapping (``Scenario.variants[name]``, a task's params or a
        result's settings); ``truth:`` and ``uncertainty:`` converted to SI by :mod:`.plant`."""
        from scenarios.continuous_manufacturing import plant

        return cls(horizon=params["horizon"], sample_interval=params["sample_interval"],
                   feeders={tag: Feeder.of(f) for tag, f in params["feeders"].items()},
                   blender=Blender.of(params["blender"]), press=Press.of(params["press"]), pat=Pat.of(params["pat"]),
                   gate=Gate.of(params["gate"]), limits=tuple(params["limits"]), margin=params["margin"],
                   control=params["control"], control_interval=params["control_interval"],
                   interlock=params["interlock"], mpc=MpcTuning.of(params["mpc"]),
                   power={tag: Power.of(w) for tag, w in params["power"].items()},
                   disturbances=tuple(Disturbance.of(d) for d in params["disturbances"]), rtrt=Rtrt.of(params["rtrt"]),
                   monitor=Monitor.of(params["monitor"]), truth=plant.truth(params),
                   uncertainty=plant.uncertainty(params),
                   plant=None if params.get("plant") is None else str(params["plant"]))


def typed(params: CmParams | Mapping[str, Any]) -> CmParams:
    """``params`` as :class:`CmParams` (built from a mapping with :meth:`CmParams.of`)."""
    return params if isinstance(params, CmParams) else CmParams.of(params)
