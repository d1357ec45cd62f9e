"""State colouring: which tag colours each asset, and how.

A :class:`Rule` names a signal and says how its value becomes a colour::

    Rule("state")                                   # every ASSET.state: running / idle / down / alarm
    Rule("TT-01", cmap="coolwarm", clim=(280, 360)) # every ASSET.TT-01 on a colour map (K)
    Rule("R-101.LT-01", cmap="viridis")             # one tag only; the range defaults to its recorded range

:class:`Colouring` binds rules to the assets of a scene and the tags of a source (a Recording or a TagBus): the
first rule that has a tag for an asset colours it. A rule that matches no tag is reported with the closest tag
names, and the scene opens all the same.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib import colormaps

from twin.config import suggest
from viewer.scene import ASSET_COLOUR, STATE_COLOURS, rgb

STATES = tuple(STATE_COLOURS)  # a state tag holds one of these names, or its index (0 running ... 3 alarm)
_STATE_RGB = np.array([rgb(c) for c in STATE_COLOURS.values()])
_NONE_RGB = rgb(ASSET_COLOUR)


@dataclass(frozen=True)
class Rule:
    """Colour by ``signal`` (``"state"`` on every asset, or a full tag ``"R-101.TT-01"``).

    Without ``cmap`` the value is a state; with it, a number placed on the colour map between ``clim`` (low,
    high), by default the range the source recorded.
    """

    signal: str
    cmap: str | None = None
    clim: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.signal, str) or not self.signal:
            raise ValueError(f"a colouring rule needs a signal name such as 'state' or 'TT-01', got {self.signal!r}")
        if self.cmap is not None and self.cmap not in colormaps:
            hint = suggest(self.cmap, list(colormaps))
            raise ValueError(f"unknown colour map '{self.cmap}'" + (f": {hint}" if hint else
                                                                     " (try viridis, coolwarm, plasma)"))
        if self.clim is not None and not (len(self.clim) == 2 and self.clim[0] < self.clim[1]):
            raise ValueError(f"clim must be (low, high) with low < high, got {self.clim!r}")

    def tag_for(self, asset: str, names: set[str]) -> str | None:
        """The tag this rule reads for ``asset`` among ``names``, or None."""
        if "." in self.signal:
            return self.signal if self.signal.split(".", 1)[0] == asset and self.signal in names else None
        tag = f"{asset}.{self.signal}"
        return tag if tag in names else None


class Colouring:
    """Rules bound to the asset tags of a scene (``assets``, in scene order) and the tag ``names`` of a source.

    :attr:`messages` lists rules that found no tag. ``ranges`` gives ``{tag: (low, high)}`` for continuous rules
    without ``clim`` (e.g. :meth:`ranges_of` a Recording).
    """

    def __init__(self, rules: Sequence[Rule], assets: Sequence[str], names: Iterable[str],
                 ranges: Mapping[str, tuple[float, float]] | None = None) -> None:
        names = set(names)
        self.rules = list(rules)
        self.assets = list(assets)
        self.messages: list[str] = []
        self.bindings: list[tuple[int, str, Rule]] = []  # (asset position, tag, rule)
        for rule in self.rules:
            bound = [(i, rule.tag_for(a, names), rule) for i, a in enumerate(self.assets)]
            bound = [b for b in bound if b[1] is not None]
            if not bound:
                self.messages.append(_unmatched(rule, names, self.assets))
            taken = {i for i, _, _ in self.bindings}
            self.bindings += [b for b in bound if b[0] not in taken]
        self.tags = [tag for _, tag, _ in self.bindings]
        self._positions = np.array([i for i, _, _ in self.bindings], dtype=np.intp)
        ranges = ranges or {}
        self._lo, self._span = np.zeros(len(self.bindings)), np.ones(len(self.bindings))
        self._continuous = np.array([r.cmap is not None for _, _, r in self.bindings], dtype=bool)
        for k, (_, tag, rule) in enumerate(self.bindings):
            if rule.cmap is not None:
                lo, hi = rule.clim or ranges.get(tag, (0.0, 1.0))
                self._lo[k], self._span[k] = lo, (hi - lo) or 1.0
        self._luts = {r.cmap: (colormaps[r.cmap](np.linspace(0, 1, 256))[:, :3] * 255).round().astype(np.uint8)
                      for r in self.rules if r.cmap}
        self._lut_of = [self._luts.get(r.cmap) for _, _, r in self.bindings]

    def colours(self, values: Sequence, base: np.ndarray) -> np.ndarray:
        """Colours of all assets: ``base`` (n_assets x 3) with the bound assets recoloured from ``values`` (one
        per tag of :attr:`tags`, in that order)."""
        out = base.copy()
        for k, value in enumerate(values):
            out[self._positions[k]] = self._colour(k, value)
        return out

    def _colour(self, k: int, value) -> np.ndarray:
        if self._continuous[k]:
            if value is None or not isinstance(value, int | float | np.number) or math.isnan(value):
                return _NONE_RGB
            x = (float(value) - self._lo[k]) / self._span[k]
            return self._lut_of[k][int(min(max(x, 0.0), 1.0) * 255)]
        return state_colour(value)


def state_colour(value) -> np.ndarray:
    """The colour of a state value: a name (``"alarm"``), an index into :data:`STATES`, or the plain asset colour
    for anything else (no value yet, an unknown state)."""
    if isinstance(value, str):
        key = value.strip().lower()
        return _STATE_RGB[STATES.index(key)] if key in STATES else _NONE_RGB
    if isinstance(value, int | float | np.number) and not (isinstance(value, float) and math.isnan(value)) \
            and float(value).is_integer() and 0 <= value < len(STATES):
        return _STATE_RGB[int(value)]
    return _NONE_RGB


def ranges_of(traces: Mapping[str, tuple[np.ndarray, np.ndarray]]) -> dict[str, tuple[float, float]]:
    """``{tag: (min, max)}`` of the finite numeric samples of each trace."""
    out = {}
    for tag, (_, v) in traces.items():
        if v.dtype.kind in "fiu" and v.size and np.isfinite(v).any():
            out[tag] = (float(np.nanmin(v)), float(np.nanmax(v)))
    return out


def _unmatched(rule: Rule, names: set[str], assets: Sequence[str]) -> str:
    signals = sorted({n.split(".", 1)[1] for n in names if "." in n})
    candidates = names if "." in rule.signal else signals
    hint = suggest(rule.signal, candidates)
    known = ", ".join(signals[:8]) + (" ..." if len(signals) > 8 else "") if signals else "none"
    what = f"tag '{rule.signal}'" if "." in rule.signal else f"signal '{rule.signal}' on any of {len(assets)} assets"
    return f"colouring: no {what}" + (f"; {hint}" if hint else f"; the source's signals are: {known}")
