"""What the MPC starts from: the blender's and feed frame's hold-ups as the twin's model believes them, fed by the
load cells' records (an open-loop observer: no hold-up on a real line is measured).

Each component's hold-ups are a chain of stirred tanks (the model's ``tanks`` of ``tau / tanks`` each, then the feed
frame), linear: over a step ``h`` with the inflow's mean ``F`` held, ``x <- E x + g F`` with ``E = expm(A h)`` and
``g = A^-1 (E - I) e_1``, exact. The feeders' own states (hopper mass, screw speed) are measured on a real feeder and
read from the plant's tags.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from scipy import linalg


def delivered(t_mass: np.ndarray, mass: np.ndarray, t_refill: np.ndarray, refill: np.ndarray) -> np.ndarray:
    """What a feeder delivered since t = 0 at the times ``t_mass`` of its hopper's weighings ``mass``: the mass it
    lost plus what the refills (flows ``refill`` set at ``t_refill``, held between) poured in. Exact at the
    weighings, whatever the flow did between them (a screw stopping mid-step included)."""
    poured = np.concatenate([[0.0], np.cumsum(refill[:-1] * np.diff(t_refill))])
    k = np.searchsorted(t_refill, t_mass, side="right") - 1
    into = poured[np.maximum(k, 0)] + refill[np.maximum(k, 0)] * (t_mass - t_refill[np.maximum(k, 0)])
    return mass[0] - mass + np.where(k >= 0, into, 0.0)


class HoldupObserver:
    """The model's hold-ups of every component from t = 0 (the line full at its recipe); see the module docstring.

    ``components`` maps each feeder's tag to its component; ``steady`` each component's flow before t = 0."""

    def __init__(self, x_names: list[str], blender: str, press: str, components: Mapping[str, str],
                 steady: Mapping[str, float], tau: float, tanks: int, tau_ff: float) -> None:
        rates = np.array([tanks / tau] * tanks + [1 / tau_ff])
        self.A = np.diag(-rates) + np.diag(rates[:-1], -1)
        self.components = dict(components)
        self.index = {c: [x_names.index(f"{blender}.M_{c}_{j}") for j in range(1, tanks + 1)]
                      + [x_names.index(f"{press}.M_{c}")] for c in steady}
        self.x = {c: flow / rates for c, flow in steady.items()}     # steady hold-ups: flow times residence
        self.t = 0.0
        self._steps: dict[float, tuple[np.ndarray, np.ndarray]] = {}

    def step(self, h: float) -> tuple[np.ndarray, np.ndarray]:
        """``(E, g)`` of a step of ``h`` seconds (cached by length)."""
        if h not in self._steps:
            E = linalg.expm(self.A * h)
            self._steps[h] = E, linalg.solve(self.A, E - np.eye(len(E)))[:, 0]
        return self._steps[h]

    def advance(self, t: float, delivered: Mapping[str, tuple[np.ndarray, np.ndarray]], dt: float) -> None:
        """Move to time ``t`` on what each feeder delivered (tag -> (times, cumulative mass), from its load cells:
        :func:`delivered`), in steps of ``dt`` at most."""
        if t <= self.t:
            return
        grid = np.append(np.arange(self.t, t, dt), t)
        grid = grid[np.concatenate([[True], np.diff(grid) > 1e-12])]
        inflow = {c: np.zeros(grid.size - 1) for c in self.x}
        for tag, (times, mass) in delivered.items():
            inflow[self.components[tag]] += np.diff(np.interp(grid, times, mass)) / np.diff(grid)
        for k, h in enumerate(np.diff(grid)):
            E, g = self.step(round(float(h), 9))
            for c in self.x:
                self.x[c] = E @ self.x[c] + g * inflow[c][k]
        self.t = float(t)

    def fill(self, x: np.ndarray) -> np.ndarray:
        """``x`` (the MPC model's state vector) with the observed hold-ups written in."""
        for c, where in self.index.items():
            x[where] = self.x[c]
        return x
