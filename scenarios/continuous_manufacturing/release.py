"""Release decisions: diversion windows from the predicted and measured content, and RTRT per Ph. Eur. 2.9.40.

Content uniformity (Ph. Eur. 2.9.40, Table 2.9.40.-2): for ``n`` dosage units of contents ``x_i`` (% of label
claim) with mean ``X`` and standard deviation ``s``, the acceptance value is ``AV = |M - X| + k s`` with ``k = 2.4``
for ``n = 10`` (2.0 for 30) and the reference value ``M = X`` if ``98.5 <= X <= 101.5``, else ``98.5`` below and
``101.5`` above (the case ``T <= 101.5``). The batch passes the first stage when ``AV <= L1 = 15``.
"""
from __future__ import annotations

import numpy as np

K = {10: 2.4, 30: 2.0}   # acceptability constants of Ph. Eur. 2.9.40
L1 = 15.0


def acceptance_value(contents: np.ndarray) -> float:
    """The AV of dosage units with ``contents`` in % of label claim (10 or 30 units)."""
    x = np.asarray(contents, float)
    if x.size not in K:
        raise ValueError(f"Ph. Eur. 2.9.40 takes 10 or 30 units, got {x.size}")
    mean, s = x.mean(), x.std(ddof=1)
    reference = min(max(mean, 98.5), 101.5)
    return abs(reference - mean) + K[x.size] * s


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
