"""Tablet press: the feed frame as a small stirred holdup, tablets struck at the rate the blend arrives.

Outputs: tablet rate (1/s), tablet weight (kg), API content per tablet (kg) and its fraction of the target; the
guards ``api_low``/``api_high`` fire when the API content leaves the band ``target * (1 +- tolerance)``, the signal a
diversion gate acts on.
"""
from __future__ import annotations

import casadi as ca

from twin.process.model import ProcessModel, solids


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
