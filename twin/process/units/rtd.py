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
    """Dispersed plug flow of Peclet number ``Pe`` and mean residence time ``tau`` (``cells`` per vessel length).

    ``boundaries="closed"``: Danckwerts closed-closed vessel; the outlet is the vessel's exit. ``"open"``: the
    open-open vessel of tracer studies, fluid dispersing freely across the inlet and the measuring point; modelled
    as the same medium extended ``margin`` vessel lengths up- and downstream, the feed entering at ``z = 0``; the
    outputs ``probe_<c>`` give the convective flow ``u c`` at ``z = 1``, whose moments are ``tau (1 + 2/Pe)`` and
    ``tau**2 (2/Pe + 8/Pe**2)``. The outlet port is the far end of the extended domain (mass is conserved).
    """

    def __init__(self, tag: str, components: tuple[str, ...], *, tau: float = 60.0, Pe: float = 20.0,
                 cells: int = 50, boundaries: str = "closed", margin: int = 2,
                 holdup: dict[str, float] | None = None) -> None:
        super().__init__(tag)
        if Pe / cells >= 2:
            raise ValueError(f"{tag}: Pe/cells = {Pe / cells:.2f} >= 2 makes central differences oscillate; "
                             f"use at least {int(Pe / 2) + 1} cells")
        if boundaries not in ("closed", "open"):
            raise ValueError(f"{tag}: boundaries must be 'closed' or 'open', not {boundaries!r}")
        self.stream = solids(components)
        inlet = self.inlet("in", self.stream)
        tau_ = self.parameter("tau", tau, "s", "mean residence time of one vessel length")
        Pe_ = self.parameter("Pe", Pe, "1", "Peclet number u L / D")
        N = cells
        pad = N * margin if boundaries == "open" else 0  # cells added up- and downstream
        out = {}
        for c in components:
            # c_k: the cell's holdup as a flow equivalent (kg/s): holdup of cell k = c_k * tau / N
            start = (holdup or {}).get(c, 0.0) / tau if not pad else 0.0
            cs = [self.state(f"c_{c}_{k}", start, "kg/s", f"{c} in cell {k} as flow equivalent")
                  for k in range(N + 2 * pad)]
            faces = [0 if pad else inlet[f"m_{c}"]]
            faces += [(cs[k] + cs[k + 1]) / 2 - N / Pe_ * (cs[k + 1] - cs[k]) for k in range(len(cs) - 1)]
            faces.append(cs[-1])
            for k in range(len(cs)):
                # open: the feed enters at z = 0, the face between cells pad - 1 and pad
                feed = inlet[f"m_{c}"] / 2 if pad and k in (pad - 1, pad) else 0
                self.der(cs[k], N / tau_ * (faces[k] - faces[k + 1] + feed))
            if pad:
                self.output(f"probe_{c}", (cs[pad + N - 1] + cs[pad + N]) / 2, "kg/s",
                            f"convective flow of {c} at z = 1")
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
