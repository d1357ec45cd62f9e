"""Release decisions: diversion windows from the predicted and measured content, and RTRT per Ph. Eur. 2.9.40/2.9.47.

Content uniformity (Ph. Eur. 2.9.40, Table 2.9.40.-2): for ``n`` dosage units of contents ``x_i`` (% of label
claim) with mean ``X`` and standard deviation ``s``, the acceptance value is ``AV = |M - X| + k s`` with ``k = 2.4``
for ``n = 10`` (2.0 for 30) and the reference value ``M = X`` if ``98.5 <= X <= 101.5``, else ``98.5`` below and
``101.5`` above (the case ``T <= 101.5``). Stage 1 (10 units) passes when ``AV <= L1``; otherwise stage 2 tests 20
more: the 30 pass when their ``AV <= L1`` and no unit lies outside ``[(1 - 0.01 L2) M, (1 + 0.01 L2) M]``. Unless
the monograph says otherwise ``L1 = 15.0`` and ``L2 = 25.0`` (stated so in Ph. Eur. 2.9.47 as well).

Large samples (Ph. Eur. 2.9.47, for PAT data, n >= 100), Alternative 1 (parametric): ``AV = |M - X| + k s <= L1``
and at most ``c2`` units outside the L2 range, ``k`` and ``c2`` from Table 2.9.47.-1 by sample size. Only the rows
checked against the text are carried (:data:`LARGE`: n >= 385: k = 2.23, c2 = 3; n >= 407: 2.24, 3; n >= 490: 2.24,
4; read from the Ph. Eur. 8.0 text, 04/2013:20947, where the chapter itself works these three sizes as its examples
of reading Table 2.9.47.-1); other sizes are refused rather than guessed. The full table was not found in a source
that could be checked.

The units tested are the press's tablets (:class:`Tablets`): each tablet's content is its weight (from the press
model, :mod:`twin.process.units.press`) times the API fraction of the blend it was pressed from, so the scatter
between tablets comes from the die fill and the weight control, not from a constant.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

K = {10: 2.4, 30: 2.0}   # acceptability constants of Ph. Eur. 2.9.40
L1 = 15.0
L2 = 25.0
LARGE = ((490, 2.24, 4), (407, 2.24, 3), (385, 2.23, 3))   # Ph. Eur. 2.9.47 Table 2.9.47.-1: (n at least, k, c2)


def acceptance_value(contents: np.ndarray) -> float:
    """The AV of dosage units with ``contents`` in % of label claim (10 or 30 units)."""
    x = np.asarray(contents, float)
    if x.size not in K:
        raise ValueError(f"Ph. Eur. 2.9.40 takes 10 or 30 units, got {x.size}")
    mean, s = x.mean(), x.std(ddof=1)
    return abs(reference(mean) - mean) + K[x.size] * s


def reference(mean: float) -> float:
    """The reference value ``M`` of Ph. Eur. 2.9.40 (target ``T <= 101.5``)."""
    return min(max(mean, 98.5), 101.5)


def outside_l2(contents: np.ndarray) -> int:
    """How many units lie outside ``[(1 - 0.01 L2) M, (1 + 0.01 L2) M]``."""
    x = np.asarray(contents, float)
    m = reference(x.mean())
    return int(np.sum((x < (1 - 0.01 * L2) * m) | (x > (1 + 0.01 * L2) * m)))


def two_stages(draw) -> tuple[bool, float, int]:
    """Ph. Eur. 2.9.40 with both stages: ``draw(n)`` gives ``n`` more units' contents (% LC). Returns whether
    the units comply, the last AV computed and how many units were tested (10 or 30)."""
    first = np.asarray(draw(10), float)
    av = acceptance_value(first)
    if av <= L1:
        return True, av, 10
    units = np.concatenate([first, np.asarray(draw(20), float)])
    av = acceptance_value(units)
    return av <= L1 and outside_l2(units) == 0, av, 30


def large_sample(contents: np.ndarray) -> tuple[bool, float]:
    """Ph. Eur. 2.9.47, Alternative 1, on ``n`` units' contents (% LC): whether they comply, and their AV."""
    x = np.asarray(contents, float)
    row = next((r for r in LARGE if x.size >= r[0]), None)
    if row is None:
        raise ValueError(f"Ph. Eur. 2.9.47 rows carried here start at n = {LARGE[-1][0]}, got {x.size}")
    _, k, c2 = row
    av = abs(reference(x.mean()) - x.mean()) + k * x.std(ddof=1)
    return av <= L1 and outside_l2(x) <= c2, av


def windows(flag: np.ndarray) -> list[tuple[int, int]]:
    """Index ranges ``[start, end)`` where ``flag`` is true, in order."""
    edges = np.diff(np.concatenate([[0], flag.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True))


def divert(predicted: np.ndarray, measured: np.ndarray, low: float, high: float, margin: float,
           lag: int = 0, *, hold: int = 0, settle: int = 0, also: np.ndarray | None = None) -> np.ndarray:
    """True where the gate sends the material to waste: where the predicted or the measured content (fractions of
    label claim; rows of a band, each row a case, any of them counts) left the band tightened by ``margin`` on both
    sides ``lag`` samples earlier (the gate's switching time: it reaches either position that much after the
    decision). Hysteresis: the gate returns to accept only after ``settle`` samples back inside, and a window
    lasts at least ``hold`` samples (a gate is not flicked back and forth on noise). ``also``: further samples
    to divert (the feeders' alarms), decided at the same time."""
    lo, hi = low + margin, high - margin
    decided = np.zeros(np.shape(predicted)[-1], bool)
    for signal_ in (np.atleast_2d(predicted), np.atleast_2d(measured)):
        decided |= ((signal_ < lo) | (signal_ > hi)).any(axis=0)
    if also is not None:
        decided |= also
    decided = widen(decided, hold, settle)
    return np.concatenate([np.zeros(lag, bool), decided[:decided.size - lag]]) if lag else decided


def widen(flag: np.ndarray, hold: int, settle: int) -> np.ndarray:
    """``flag`` with each window kept ``settle`` samples past its end and at least ``hold`` samples long."""
    if not (hold or settle):
        return flag
    out = flag.copy()
    for start, end in windows(flag):
        out[start:min(flag.size, max(end + settle, start + hold))] = True
    return out


@dataclass(frozen=True)
class Tablets:
    """A run's tablets in the order struck: the grid sample each was struck in (``step``; its blend has that
    sample's content) and its weight as a relative deviation from the target weight (``weight``)."""
    step: np.ndarray
    weight: np.ndarray

    @staticmethod
    def steps(count: np.ndarray) -> np.ndarray:
        """The grid sample of each tablet from ``count``, the tablets struck by each grid point: tablet ``i`` (from
        0) falls in the first sample whose count exceeds ``i``."""
        return np.searchsorted(count, np.arange(int(np.floor(count[-1] + 1e-9))), side="right")

    def between(self, first: int, end: int) -> np.ndarray:
        """The tablets struck in grid samples ``first`` to ``end - 1``."""
        return np.arange(*np.searchsorted(self.step, [first, end]))

    def contents(self, which: np.ndarray, content: np.ndarray) -> np.ndarray:
        """Tablets ``which``'s API content in % of label claim: weight times the API fraction (of its target) of
        their blend, ``content`` per grid sample."""
        return 100 * (1 + self.weight[which]) * content[self.step[which]]

    def per_sample(self, size: int) -> np.ndarray:
        """The mean relative weight deviation of the tablets struck in each of ``size`` grid samples (NaN where
        none)."""
        n = np.bincount(self.step, minlength=size)[:size]
        total = np.bincount(self.step, weights=self.weight, minlength=size)[:size]
        return np.divide(total, n, out=np.full(size, np.nan), where=n > 0)
