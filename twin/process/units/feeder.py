"""Loss-in-weight feeder: gravimetric mass-flow control, hopper level, refills, feed-factor changes.

The screw delivers ``F = ff * k * s`` (feed factor ``ff`` relative to its calibration, screw speed ``s`` as a fraction
of full speed, ``k = F_max``). The gravimetric controller moves the speed with integral action so that ``F`` follows
the set point with time constant ``tau_c / ff``; while the hopper is refilled (input ``refill`` > 0, kg/s) the
weighing is void and the controller holds the speed (volumetric mode). A new refill lot may bring a different feed
factor (input ``ff``): this is the feed-factor noise a DES refill process draws per lot.

Guards: ``low`` when the hopper mass falls through ``m_low`` (call a refill), ``empty`` when it runs dry.
:class:`HopperRefill` is the refill system: a DES process that answers ``low``.
"""
from __future__ import annotations

import casadi as ca

from twin.process.model import ProcessModel, solids
from twin.unit import DiscreteUnit


class LossInWeightFeeder(ProcessModel):
    def __init__(self, tag: str, component: str, components: tuple[str, ...], *, F_sp: float = 5e-3,
                 F_max: float = 1e-2, m0: float = 20.0, m_low: float = 5.0, tau_c: float = 10.0) -> None:
        super().__init__(tag)
        if component not in components:
            raise ValueError(f"{tag}: component {component!r} is not one of the stream's {components}")
        F_sp_ = self.input("F_sp", F_sp, "kg/s", "mass-flow set point")
        refill = self.input("refill", 0.0, "kg/s", "refill mass flow into the hopper (0 when not refilling)")
        ff = self.input("ff", 1.0, "1", "feed factor of the current lot relative to calibration")
        k = self.parameter("F_max", F_max, "kg/s", "mass flow at full screw speed and calibrated feed factor")
        tau = self.parameter("tau_c", tau_c, "s", "closed-loop time constant of the gravimetric control")
        m_low_ = self.parameter("m_low", m_low, "kg", "hopper mass that calls for a refill")
        m = self.state("m_hopper", m0, "kg", "powder mass in the hopper")
        s = self.state("speed", F_sp / F_max, "1", "screw speed as a fraction of full speed")
        F = ff * k * s
        self.der(m, refill - F)
        self.der(s, ca.if_else(refill > 0, 0, (F_sp_ - F) / (k * tau)))
        self.output("massflow", F, "kg/s", "mass flow delivered")
        self.guard("low", m_low_ - m, +1)
        self.guard("empty", -m, +1)
        self.stream = solids(components)
        self.outlet("out", self.stream, {f"m_{c}": (F if c == component else 0) for c in components})


class HopperRefill(DiscreteUnit):
    """The refill system of a feeder, a DES process: on the feeder's ``low`` event it tops the hopper up to ``m_full``
    in ``duration`` seconds; each lot brings a feed factor drawn from ``N(1, ff_sigma)`` with ``rng``."""

    def __init__(self, feeder: str, m_full: float, m_low: float, rng, ff_sigma: float = 0.03,
                 duration: float = 60.0) -> None:
        super().__init__(feeder + "-REFILL")
        self.feeder, self.rate, self.duration = feeder, (m_full - m_low) / duration, duration
        self.rng, self.ff_sigma = rng, ff_sigma

    def process(self, twin):
        f = self.feeder
        while True:
            yield twin.event(f"{f}.low")
            twin.set(f"{f}.refill", self.rate)
            yield twin.env.timeout(self.duration)
            twin.set(f"{f}.refill", 0.0)
            twin.set(f"{f}.ff", 1.0 + self.ff_sigma * self.rng.standard_normal())
