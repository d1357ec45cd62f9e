"""Tablet press: the feed frame as a small stirred holdup, tablets struck at the rate the blend arrives; each
tablet's weight from its die fill, held on target by the press's weight control.

:class:`TabletPress` (CasADi, on the Twin's clock) gives the tablet rate (1/s), the API mass fraction, the API per
tablet (kg) and its fraction of the target; the guards ``api_low``/``api_high`` fire when the API content leaves the
band ``target * (1 +- tolerance)``, the signal a diversion gate acts on.

:func:`press` strikes the tablets one by one (a discrete process: ~14 tablets a second, too fast and too many for
the continuous clock). A die takes a volume of blend set by the fill depth; its tablet weighs that volume times the
blend's bulk density. To first order in the small relative deviations (products of two deviations, ~1e-4, dropped)
tablet ``i`` weighs ``W (1 + y_i)`` with::

    y_i = u_k + x_i + v_i + d_i

- ``x_i``: the blend's bulk-density deviation as the dies meet it, an AR(1) sequence at the tablet rate (standard
  deviation ``density_sd``, correlation time ``density_time``: consolidation in the feed frame, fines and air
  content drift slowly against the tablet rate), stationary, variance ``density_sd**2``;
- ``v_i``: die-to-die fill scatter, white (punch lengths, the feed frame's paddles), standard deviation ``fill_sd``;
- ``d_i``: any deterministic disturbance the caller adds, such as the blend's density moving with its composition
  (:func:`blend_density`: bulk volumes add, ``1 / rho = sum_c w_c / rho_c``, so a blend short of a light API is
  denser and its tablets heavier);
- ``u_k``: the fill-depth correction of the weight control, held over control period ``k`` (``every`` tablets).

Without control (``u = 0``) the weights have variance ``density_sd**2 + fill_sd**2``, the closed form the tests
check. The weight control is the loop of a rotary press (compression force as the weight's proxy, fill depth as the
actuator): the mean ``m_k`` of period ``k``'s tablets, inside a ``deadband`` taken as on target, moves the fill
depth by the velocity-form PI law ``u_{k+1} = u_k - gain (e_k - e_{k-1}) - integral e_k``, clipped to
``+-limit``. Its sensitivity from a disturbance to the sampled mean is ``S(z) = z (z - 1) / (z**2 + (gain +
integral - 1) z - gain)``; by Jury's test the loop is stable exactly when ``0 <= gain < 1`` and ``0 < integral < 2
(1 - gain)``. A constant disturbance ``D`` (inside the limit) leaves ``e_k = D s_k`` with ``s`` the step response of
``S``, which decays to 0: the integral action removes any offset. A loop that reacts to every tablet (``every =
1``) passes white fill scatter through ``S``, whose squared gain exceeds 1: it adds variance (Deming's funnel);
averaging over a period and a deadband are what keep a real press's loop from chasing noise. With the density's
AR(1) inside the periods the tablets' variance is that of the loop lifted to the control periods (a discrete
Lyapunov equation; ``tests/process/test_press.py`` derives it and checks the flagship's press against it).
"""
from __future__ import annotations

from dataclasses import dataclass

import casadi as ca
import numpy as np

from twin.process.model import ProcessModel, solids
from twin.process.noise import ar1


class TabletPress(ProcessModel):
    def __init__(self, tag: str, components: tuple[str, ...], api: str = "API", *, tablet_mass: float = 2.5e-4,
                 api_target: float = 0.1, tau_ff: float = 20.0, tolerance: float = 0.05,
                 holdup: dict[str, float] | None = None) -> None:
        super().__init__(tag)
        if api not in components:
            raise ValueError(f"{tag}: API component {api!r} is not one of the stream's {components}")
        self.stream = solids(components)
        inlet = self.inlet("in", self.stream)
        w_t = self.parameter("tablet_mass", tablet_mass, "kg", "target tablet weight")
        target = self.parameter("api_target", api_target, "1", "target API mass fraction")
        tol = self.parameter("tolerance", tolerance, "1", "allowed relative deviation of the API content")
        tau = self.parameter("tau_ff", tau_ff, "s", "feed-frame mean residence time")
        flows = {}
        for c in components:
            M = self.state(f"M_{c}", (holdup or {}).get(c, 0.0), "kg", f"{c} held in the feed frame")
            self.der(M, inlet[f"m_{c}"] - M / tau)
            flows[c] = M / tau
        total = sum(flows.values())
        w_api = flows[api] / ca.fmax(total, 1e-12)
        n = self.state("tablets", 0.0, "1", "tablets pressed")
        self.der(n, total / w_t)
        self.output("tablet_rate", total / w_t, "1/s", "tablets per second")
        self.output("w_api", w_api, "1", "API mass fraction of the tablets")
        self.output("api_content", w_api * w_t, "kg", "API per tablet")
        self.output("api_ratio", w_api / target, "1", "API content relative to target")
        self.guard("api_low", (1 - tol) - w_api / target, +1)
        self.guard("api_high", w_api / target - (1 + tol), +1)


@dataclass(frozen=True)
class DieFill:
    """The tablet-to-tablet weight scatter of an uncontrolled press (relative standard deviations, see the module)."""
    density_sd: float = 0.0       # the blend's bulk density at the dies, stationary standard deviation
    density_time: float = 0.0     # s, its correlation time (0: white)
    fill_sd: float = 0.0          # die-to-die fill scatter, white

    @property
    def sd(self) -> float:
        """The standard deviation of an uncontrolled tablet's weight (relative)."""
        return float(np.hypot(self.density_sd, self.fill_sd))


@dataclass(frozen=True)
class WeightControl:
    """The press's weight loop: PI on the mean of every ``every`` tablets, acting on the fill depth."""
    every: int                    # tablets per control period (the sampled mean's size)
    gain: float                   # proportional gain (per unit relative weight error)
    integral: float               # integral gain per control period
    deadband: float = 0.0         # relative error taken as on target
    limit: float = 0.2            # largest fill-depth correction (relative)

    def __post_init__(self) -> None:
        if self.every < 1:
            raise ValueError(f"weight control every {self.every} tablets: needs at least 1")
        if not (0 <= self.gain < 1 and 0 < self.integral < 2 * (1 - self.gain)):
            raise ValueError(f"weight control gain {self.gain:g}, integral {self.integral:g} is unstable: needs "
                             "0 <= gain < 1 and 0 < integral < 2 (1 - gain) (Jury's test)")


def blend_density(fractions: dict[str, np.ndarray], densities: dict[str, float]) -> np.ndarray:
    """The bulk density of a blend of mass ``fractions`` (per component, summing to 1) from its components' bulk
    ``densities``, their bulk volumes adding up: ``1 / sum_c (w_c / rho_c)``."""
    return 1 / sum(np.asarray(w, float) / densities[c] for c, w in fractions.items())


@dataclass(frozen=True)
class Pressed:
    """Tablets struck by :func:`press`: ``weight`` (relative deviation from target, one per tablet), and per control
    period its sampled ``mean`` and the fill-depth ``correction`` it ran with."""
    weight: np.ndarray
    mean: np.ndarray
    correction: np.ndarray


def press(n: int, rate: float, fill: DieFill, control: WeightControl | None, rng: np.random.Generator, *,
          disturbance: np.ndarray | None = None) -> Pressed:
    """Strike ``n`` tablets at ``rate`` per second (the AR(1)'s clock) with die ``fill``, under ``control`` (None:
    none; the periods then hold 1 tablet each) and an optional deterministic ``disturbance`` per tablet."""
    x = ar1(rng, n, fill.density_sd, 1 / rate, fill.density_time)
    open_loop = x + fill.fill_sd * rng.standard_normal(n)
    if disturbance is not None:
        open_loop = open_loop + disturbance
    if control is None:
        return Pressed(open_loop, open_loop, np.zeros(n))
    every = control.every
    periods = -(-n // every)
    edges = np.arange(0, n, every)
    means = np.add.reduceat(open_loop, edges) / np.diff(np.append(edges, n))
    u = np.empty(periods)
    seen = np.empty(periods)
    correction, last = 0.0, 0.0
    gain, integral, band, limit = control.gain, control.integral, control.deadband, control.limit
    for k in range(periods):
        u[k] = correction
        seen[k] = m = correction + means[k]
        e = 0.0 if abs(m) <= band else m
        correction = min(limit, max(-limit, correction - gain * (e - last) - integral * e))
        last = e
    return Pressed(open_loop + np.repeat(u, every)[:n], seen, u)
