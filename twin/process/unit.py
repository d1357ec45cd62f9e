"""The process models of a twin as ONE continuous unit: a flowsheet integrated as a whole between events."""
from __future__ import annotations

import numpy as np

from twin.process.flowsheet import Flowsheet
from twin.process.simulator import Simulator
from twin.unit import ContinuousUnit


class FlowsheetUnit(ContinuousUnit):
    """Adapts a :class:`Flowsheet` to the :class:`~twin.unit.ContinuousUnit` contract.

    Each model's inputs and parameters are read from their tags at the start of every ``advance``; states and
    outputs are recorded at the twin's sample times; guards are reported as events ``<tag>.<guard>``.
    """

    locates_events = True

    def __init__(self, flowsheet: Flowsheet, **simulator_options) -> None:
        super().__init__("FLOWSHEET")
        self.flowsheet = flowsheet
        self.options = simulator_options
        self.sim: Simulator | None = None
        self._fired: list[str] = []

    def attach(self, twin) -> None:
        self.twin = twin
        self.dae = self.flowsheet.build()
        for name in self.dae.p_names:  # the models' own signals are defined when added; these are boundary inlets
            if name not in twin.tags:
                twin.tags.define(name, unit=self.dae.units.get(name, ""), initial=0.0)

    def start(self, t0: float) -> None:
        self.sim = Simulator(self.dae, dt=self.twin.sample_interval, **self.options)
        self.sim.t = self.time = t0
        self.sim.p = self._inputs()
        y = self.sim.outputs()
        for name, value in zip(self.dae.y_names, y, strict=True):
            self.twin.tags.write(name, value, t=t0)

    def _inputs(self) -> np.ndarray:
        read = self.twin.tags.read
        return np.array([read(n) for n in self.dae.p_names], float)

    def advance(self, t_end: float) -> float:
        seg = self.sim.advance(t_end, self._inputs())
        record = self.twin.tags.record
        for row, name in enumerate(self.dae.y_names):
            record(name, seg.t, seg.y[row])
        self.time = seg.t_end
        self._fired = seg.fired
        return seg.t_end

    def fired(self) -> list[str]:
        return list(self._fired)
