"""The continuous tablet line of ``plant_models/osd_cm_line``: three loss-in-weight feeders, a blender, a press.

Feeders ``LIW-101`` (API), ``LIW-102`` (excipient) and ``LIW-103`` (lubricant) feed blender ``BL-101``, which feeds
tablet press ``TP-101``. A DES process per feeder refills its hopper when the ``low`` state event fires: it opens
the refill for ``REFILL_TIME`` seconds, and the new lot brings a new feed factor drawn from ``N(1, ff_sigma)``
(one random stream per feeder, spawned from the run's seed).

>>> from twin import Twin
>>> tw = Twin(sample_interval=1.0)
>>> build(tw, seed=1)
>>> result = tw.run(until=3600)
>>> 0.095 < result.tags["TP-101.w_api"].value < 0.105
True
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twin.process.units import Blender, HopperRefill, LossInWeightFeeder, TabletPress

COMPONENTS = ("API", "MCC", "MgSt")
REFILL_TIME = 60.0  # s


@dataclass(frozen=True)
class FeederSpec:
    tag: str
    component: str
    F_sp: float  # kg/s
    m0: float  # kg, hopper mass after a refill
    m_low: float  # kg


THROUGHPUT = 30.0 / 3600  # kg/s of blend (30 kg/h)
FEEDERS = (
    FeederSpec("LIW-101", "API", 0.10 * THROUGHPUT, 10.0, 3.0),
    FeederSpec("LIW-102", "MCC", 0.89 * THROUGHPUT, 40.0, 10.0),
    FeederSpec("LIW-103", "MgSt", 0.01 * THROUGHPUT, 2.0, 0.5),
)
BLENDER_TAU, BLENDER_N, PRESS_TAU, TAU_C = 120.0, 5, 20.0, 10.0


def build(twin, seed: int = 0, ff_sigma: float = 0.03) -> None:
    """Add the line's models, streams and refill processes to ``twin``."""
    for spec in FEEDERS:
        twin.add(LossInWeightFeeder(spec.tag, spec.component, COMPONENTS, F_sp=spec.F_sp, F_max=3 * spec.F_sp,
                                    m0=spec.m0, m_low=spec.m_low, tau_c=TAU_C))
    steady = {s.component: s.F_sp for s in FEEDERS}
    twin.add(Blender("BL-101", COMPONENTS, tau=BLENDER_TAU, n=BLENDER_N,
                     holdup={c: f * BLENDER_TAU for c, f in steady.items()}))
    twin.add(TabletPress("TP-101", COMPONENTS, "API", api_target=0.10, tau_ff=PRESS_TAU,
                         holdup={c: f * PRESS_TAU for c, f in steady.items()}))
    for spec in FEEDERS:
        twin.connect(f"{spec.tag}.out", "BL-101.in")
    twin.connect("BL-101.out", "TP-101.in")
    streams = np.random.SeedSequence(seed).spawn(len(FEEDERS))
    for spec, ss in zip(FEEDERS, streams, strict=True):
        twin.add(HopperRefill(spec.tag, spec.m0, spec.m_low, np.random.default_rng(ss), ff_sigma, REFILL_TIME))
