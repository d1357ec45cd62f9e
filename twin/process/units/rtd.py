"""Residence-time distribution elements for powder streams: tanks in series and axial dispersion.

Both hold every component of a ``solids`` stream and pass it on with the element's RTD; for a tracer pulse the
outlet flow is the RTD ``E(t)``. Tanks in series: mean ``tau``, variance ``tau**2 / n``. Axial dispersion
(closed-closed vessel, Danckwerts boundaries, ``cells`` finite volumes with central differences, stable for
``Pe / cells < 2``): mean ``tau``, variance ``tau**2 * (2/Pe - 2/Pe**2 * (1 - exp(-Pe)))``.
"""
from __future__ import annotations

import casadi as ca

from twin.process.model import ProcessModel, solids


class TanksInSeries(ProcessModel):
    """``n`` equal stirred tanks with total mean residence time ``tau``; outputs the outlet mass fractions."""

    def __init__(self, tag: str, components: tuple[str, ...], *, tau: float = 60.0, n: int = 5,
                 holdup: dict[str, float] | None = None) -> None:
        super().__init__(tag)
        if int(n) != n or n < 1:
            raise ValueError(f"{tag}: the number of tanks n must be a positive integer, got {n!r}")
        self.stream = solids(components)
        inlet = self.inlet("in", self.stream)
        tau_ = self.parameter("tau", tau, "s", "mean residence time")
        out = {}
        for c in components:
            flow = inlet[f"m_{c}"]
            start = (holdup or {}).get(c, 0.0) / n
            for j in range(1, n + 1):
                M = self.state(f"M_{c}_{j}", start, "kg", f"{c} held in tank {j}")
                self.der(M, flow - M * n / tau_)
                flow = M * n / tau_
            out[f"m_{c}"] = flow
        _outputs(self, components, out)
        self.outlet("out", self.stream, out)


class AxialDispersion(ProcessModel):
    """A closed-closed dispersed plug flow of Peclet number ``Pe`` and mean residence time ``tau``."""

    def __init__(self, tag: str, components: tuple[str, ...], *, tau: float = 60.0, Pe: float = 20.0,
                 cells: int = 50, holdup: dict[str, float] | None = None) -> None:
        super().__init__(tag)
        if Pe / cells >= 2:
            raise ValueError(f"{tag}: Pe/cells = {Pe / cells:.2f} >= 2 makes central differences oscillate; "
                             f"use at least {int(Pe / 2) + 1} cells")
        self.stream = solids(components)
        inlet = self.inlet("in", self.stream)
        tau_ = self.parameter("tau", tau, "s", "mean residence time")
        Pe_ = self.parameter("Pe", Pe, "1", "Peclet number u L / D")
        N = cells
        out = {}
        for c in components:
            # c_k: the cell's holdup as a flow equivalent (kg/s): holdup of cell k = c_k * tau / N
            start = (holdup or {}).get(c, 0.0) / tau
            cs = [self.state(f"c_{c}_{k}", start, "kg/s", f"{c} in cell {k} as flow equivalent") for k in range(N)]
            faces = [inlet[f"m_{c}"]]
            faces += [(cs[k] + cs[k + 1]) / 2 - N / Pe_ * (cs[k + 1] - cs[k]) for k in range(N - 1)]
            faces.append(cs[-1])
            for k in range(N):
                self.der(cs[k], N / tau_ * (faces[k] - faces[k + 1]))
            out[f"m_{c}"] = cs[-1]
        _outputs(self, components, out)
        self.outlet("out", self.stream, out)


class Blender(TanksInSeries):
    """A continuous powder blender, its RTD as tanks in series (``tau`` about 1-3 min, ``n`` 3-10)."""


def _outputs(model: ProcessModel, components, out) -> None:
    total = sum(out.values())
    model.output("massflow", total, "kg/s", "total outlet mass flow")
    for c in components:
        model.output(f"m_{c}", out[f"m_{c}"], "kg/s", f"outlet mass flow of {c}")
        model.output(f"w_{c}", out[f"m_{c}"] / ca.fmax(total, 1e-12), "1", f"mass fraction of {c} at the outlet")
