"""Air leaking between rooms through closed doors and airlocks, and the room pressures it sets: an airflow network
in the manner of NIST's CONTAM.

Nodes are the rooms, with the outdoors as the reference at 0 Pa. Each leak path (a door's gaps, or a room's
shell to the outdoors) is an orifice, ``m = C_d A sqrt(2 rho |dp|)`` in the direction of the pressure drop.
A room's *offset* (supply minus return and exhaust, kg/s) leaves it through its paths, so the pressures solve
``offset_i = sum over the paths of i of the mass flow out of i``: one equation per room, started from the
linearised network (each path as the conductance that carries its flow, re-solved as CONTAM initialises) and solved
by Newton's method (:func:`scipy.optimize.root`). The design offsets are those that hold every room at its design
overpressure; a control that scales a room's supply and return together scales its offset, and the network tells
what that does to every door of the cascade. Air is incompressible here (``rho`` at the room set-point).

Doors come from the scenario (``leakage.doors``, an airlock being a room with a door on each side), or else
every pair of rooms whose walls touch on the same storey, found from the rooms' geometry in the plant.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

OUTSIDE = "outside"
C_D = 0.61            # discharge coefficient of a sharp-edged orifice (ISO 5167), as CONTAM's default for cracks
TOUCH = 0.05          # m: walls closer than this are one wall (the rooms are neighbours)
MIN_SHARED = 0.9      # m: a shared wall shorter than a door is not a way through
RESIDUAL = 1e-10      # kg/s per kg/s of the largest offset: what a room may fail to pass on
POLISH = 20           # Newton steps after MINPACK at most
BACKTRACK = 40        # halvings of a Newton step at most
LINEAR_SWEEPS = 30    # linearised solves before Newton's method
DP_FLOOR = 1e-3       # Pa: the least pressure drop a linearised path is taken at
DP_SMOOTH = 1e-10     # Pa: the orifice law rounded off this close to dp = 0, where its slope is infinite


@dataclass(frozen=True)
class Network:
    """Rooms (their order is the order of the pressures) and leak paths ``(room, room or OUTSIDE, area m2)``."""

    rooms: tuple[str, ...]
    paths: tuple[tuple[str, str, float], ...]
    rho: float = 1.2

    def _ends(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        index = {room: i for i, room in enumerate(self.rooms)} | {OUTSIDE: -1}
        a = np.array([index[p[0]] for p in self.paths], dtype=int)
        b = np.array([index[p[1]] for p in self.paths], dtype=int)
        return a, b, C_D * np.array([p[2] for p in self.paths]) * np.sqrt(2 * self.rho)

    def flows(self, pressures: np.ndarray) -> np.ndarray:
        """Mass flow (kg/s) through each path from its first end to its second, at the room ``pressures`` (Pa)."""
        a, b, k = self._ends()
        p = np.append(np.asarray(pressures, dtype=float), 0.0)     # index -1: the outdoors
        dp = p[a] - p[b]
        return k * dp / np.sqrt(np.abs(dp) + DP_SMOOTH)

    def net_outflow(self, pressures: np.ndarray) -> np.ndarray:
        """Mass flow (kg/s) leaving each room through its paths: at equilibrium, the room's offset."""
        a, b, _ = self._ends()
        m = self.flows(pressures)
        out = np.zeros(len(self.rooms) + 1)
        np.add.at(out, a, m)
        np.add.at(out, b, -m)
        return out[:-1]

    def pressures(self, offsets: np.ndarray, guess: np.ndarray | None = None) -> np.ndarray:
        """Room pressures (Pa over the outdoors) at which the paths carry the rooms' ``offsets`` (kg/s) away."""
        a, b, k = self._ends()
        n = len(self.rooms)

        def residual(p):
            return self.net_outflow(p) - offsets

        def jacobian(p):
            q = np.append(p, 0.0)
            dp = np.abs(q[a] - q[b])
            slope = k * (dp / 2 + DP_SMOOTH) / (dp + DP_SMOOTH) ** 1.5     # d flow / d dp
            jac = np.zeros((n + 1, n + 1))
            np.add.at(jac, (a, a), slope)
            np.add.at(jac, (b, b), slope)
            np.add.at(jac, (a, b), -slope)
            np.add.at(jac, (b, a), -slope)
            return jac[:n, :n]

        start = self._linearised(offsets, np.zeros(n) if guess is None else np.asarray(guess, dtype=float))
        from scipy.optimize import root

        x = root(residual, start, jac=jacobian, method="hybr", options={"xtol": 1e-12}).x
        tolerance = RESIDUAL * max(1.0, np.abs(offsets).max())
        for _ in range(POLISH):                   # Newton's own steps where MINPACK stalls near dp = 0
            if np.max(np.abs(residual(x))) <= tolerance:
                return x
            step, now = np.linalg.solve(jacobian(x), residual(x)), np.abs(residual(x)).max()
            for _ in range(BACKTRACK):
                if np.abs(residual(x - step)).max() < now:
                    break
                step = step / 2                   # backtrack until the residual falls
            x = x - step
        if np.max(np.abs(residual(x))) > tolerance:
            raise RuntimeError("the room pressures did not converge: is every room connected to the outdoors "
                               "through some path?")
        return x


    def _linearised(self, offsets: np.ndarray, p: np.ndarray) -> np.ndarray:
        """A start for Newton: each path as the conductance that carries its flow at the last pressures
        (``k / sqrt(dp)``), the linear network solved, repeated with under-relaxation (CONTAM's initialisation)."""
        a, b, k = self._ends()
        n = len(self.rooms)
        for _ in range(LINEAR_SWEEPS):
            q = np.append(p, 0.0)
            g = k / np.sqrt(np.maximum(np.abs(q[a] - q[b]), DP_FLOOR))
            laplacian = np.zeros((n + 1, n + 1))
            np.add.at(laplacian, (a, a), g)
            np.add.at(laplacian, (b, b), g)
            np.add.at(laplacian, (a, b), -g)
            np.add.at(laplacian, (b, a), -g)
            p = 0.5 * p + 0.5 * np.linalg.solve(laplacian[:n, :n], offsets)
        return p


def neighbours(spaces) -> list[tuple[str, str]]:
    """Pairs of rooms on the same storey whose walls touch over at least a door's width (from their meshes)."""
    boxes = {n: s.mesh.bounds for n, s in spaces.items() if s.mesh is not None}
    pairs = []
    numbers = list(boxes)
    for i, first in enumerate(numbers):
        for second in numbers[i + 1:]:
            (lo1, hi1), (lo2, hi2) = boxes[first], boxes[second]
            gap = np.maximum(lo1 - hi2, lo2 - hi1)                  # per axis: > 0 apart, < 0 overlapping
            overlap = np.minimum(hi1, hi2) - np.maximum(lo1, lo2)
            if gap[2] >= 0 or spaces[first].storey != spaces[second].storey:
                continue
            for wall, along in ((0, 1), (1, 0)):
                if abs(gap[wall]) <= TOUCH and overlap[along] >= MIN_SHARED:
                    pairs.append((first, second))
                    break
    return pairs
