"""Tags and the TagBus: the one place where every signal of the twin lives.

A **tag** is one named signal ``ASSET.SIGNAL`` (``R-101.TT-01``, ``FD-API.massflow``) with a value, an
engineering unit, a timestamp and a quality. Units, the bridge, the viewer and the reports read and write tags,
never each other's internals.

>>> bus = TagBus()
>>> _ = bus.define("R-101.TT-01", unit="K", description="reactor temperature")
>>> bus.write("R-101.TT-01", 293.15, t=0.0)
>>> bus["R-101.TT-01"].value
293.15

Every write is kept in the tag's history (NumPy arrays of time, value, quality). Subscribers are called when a
value or its quality changes. The bus is safe to write from several threads (a bridge's network thread and the
simulation thread).
"""
from __future__ import annotations

import difflib
import math
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import IntEnum
from fnmatch import fnmatchcase

import numpy as np

TAG_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]*(\.[A-Za-z0-9_\-]+)+$")


class Quality(IntEnum):
    """Data quality of a tag value, as OPC UA's status code severities: good, uncertain, bad."""

    GOOD = 0
    UNCERTAIN = 1
    BAD = 2


class UnknownTagError(KeyError):
    """A tag name that the bus does not hold; the message suggests the closest names."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0])


class _History:
    """Append-only (time, value, quality) arrays that grow by doubling."""

    __slots__ = ("t", "v", "q", "n")

    def __init__(self, dtype) -> None:
        self.t = np.empty(16)
        self.v = np.empty(16, dtype=dtype)
        self.q = np.empty(16, dtype=np.uint8)
        self.n = 0

    def reserve(self, extra: int) -> None:
        """Make room for ``extra`` more samples (at least doubling, so appends stay amortised O(1))."""
        if self.n + extra > len(self.t):
            size = max(2 * len(self.t), self.n + extra)
            for name in ("t", "v", "q"):
                old = getattr(self, name)
                new = np.empty(size, dtype=old.dtype)
                new[: self.n] = old[: self.n]
                setattr(self, name, new)

    def append(self, t: float, v, q: int) -> None:
        if self.n == len(self.t):
            self.reserve(1)
        self.t[self.n] = t
        self.v[self.n] = v
        self.q[self.n] = q
        self.n += 1


@dataclass
class Tag:
    """One signal: its current value, unit, timestamp (simulation or source time, s) and quality."""

    name: str
    unit: str = ""
    description: str = ""
    dtype: type = float
    value: object = math.nan
    timestamp: float = math.nan
    quality: Quality = Quality.BAD
    _history: _History = field(default=None, repr=False, compare=False)

    @property
    def asset(self) -> str:
        """The asset tag this signal belongs to (``R-101`` for ``R-101.TT-01``)."""
        return self.name.split(".", 1)[0]

    def history(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Copies of the recorded ``(times, values, qualities)``."""
        h = self._history
        return h.t[: h.n].copy(), h.v[: h.n].copy(), h.q[: h.n].copy()


Subscriber = Callable[[Tag], None]


class TagBus:
    """All tags of a twin, by name: define, write, read, subscribe, and the recorded history.

    ``strict=True`` (the default) refuses writes to tags that were never defined, so a misspelt tag fails loudly
    with the closest names suggested; ``strict=False`` defines them on first write.
    """

    def __init__(self, strict: bool = True) -> None:
        self.strict = strict
        self._tags: dict[str, Tag] = {}
        self._subscribers: list[tuple[str, Subscriber]] = []
        self._lock = threading.RLock()

    # -- defining and looking up -------------------------------------------------------------------------------
    def define(self, name: str, unit: str = "", description: str = "", dtype: type = float,
               initial: object = None) -> Tag:
        """Declare a tag (idempotent when unit and dtype agree); returns it."""
        if not isinstance(name, str) or not TAG_NAME.match(name):
            raise ValueError(f"tag name {name!r} is not of the form ASSET.SIGNAL (e.g. 'R-101.TT-01')")
        if dtype not in (float, int, bool, str, bytes):
            raise TypeError(f"tag {name}: dtype must be float, int, bool, str or bytes, not {dtype!r}")
        with self._lock:
            tag = self._tags.get(name)
            if tag is not None:
                if (tag.unit, tag.dtype) != (unit, dtype):
                    raise ValueError(
                        f"tag {name} is already defined with unit {tag.unit!r} and dtype {tag.dtype.__name__}; "
                        f"cannot redefine it with unit {unit!r} and dtype {dtype.__name__}"
                    )
                return tag
            np_dtype = {float: np.float64, int: np.int64, bool: np.bool_, str: object, bytes: object}[dtype]
            tag = Tag(name, unit, description, dtype, _history=_History(np_dtype))
            if dtype is not float:
                tag.value = None
            self._tags[name] = tag
        if initial is not None:
            self.write(name, initial, t=0.0)
        return tag

    def __getitem__(self, name: str) -> Tag:
        try:
            return self._tags[name]
        except KeyError:
            raise UnknownTagError(self._unknown(name)) from None

    def __contains__(self, name: object) -> bool:
        return name in self._tags

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._tags))

    def __len__(self) -> int:
        return len(self._tags)

    def names(self, pattern: str = "*") -> list[str]:
        """Tag names matching a glob pattern, e.g. ``"R-101.*"`` or ``"*.TT-*"``."""
        return [n for n in self._tags if fnmatchcase(n, pattern)]

    def _unknown(self, name: str) -> str:
        close = difflib.get_close_matches(str(name), self._tags, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        return f"unknown tag {name!r}{hint}"

    # -- writing and reading -----------------------------------------------------------------------------------
    def write(self, name: str, value: object, t: float, quality: Quality = Quality.GOOD) -> None:
        """Set a tag's value at time ``t`` (s), record it and notify subscribers if value or quality changed."""
        tag = self._tags.get(name)
        if tag is None:
            if self.strict:
                raise UnknownTagError(self._unknown(name) + " (define it first, or use TagBus(strict=False))")
            tag = self.define(name, dtype=type(value) if type(value) in (int, bool, str) else float)
        try:
            value = tag.dtype(value)
        except (TypeError, ValueError):
            raise TypeError(
                f"tag {name} holds {tag.dtype.__name__} values; cannot store {value!r} ({type(value).__name__})"
            ) from None
        quality = Quality(quality)
        with self._lock:
            if t < tag.timestamp:
                raise ValueError(f"tag {name}: write at t={t} is older than its last value at t={tag.timestamp}")
            changed = quality != tag.quality or not _same(value, tag.value)
            tag.value, tag.timestamp, tag.quality = value, float(t), quality
            tag._history.append(t, value, quality)
            subscribers = [cb for pattern, cb in self._subscribers if fnmatchcase(name, pattern)] if changed else ()
        for callback in subscribers:
            callback(tag)

    def record(self, name: str, times: np.ndarray, values: np.ndarray, quality: Quality = Quality.GOOD) -> None:
        """Append many samples of one float tag at once (a continuous unit's trace); notify once at the last one."""
        n = len(times)
        if n == 0:
            return
        if n == 1:
            return self.write(name, values[0], t=times[0], quality=quality)
        tag = self[name]
        if tag.dtype is not float:
            raise TypeError(f"tag {name} holds {tag.dtype.__name__} values; record() takes float traces only")
        with self._lock:
            if times[0] < tag.timestamp:
                raise ValueError(f"tag {name}: write at t={times[0]} is older than its last value at t={tag.timestamp}")
            h = tag._history
            h.reserve(n)
            h.t[h.n:h.n + n] = times
            h.v[h.n:h.n + n] = values
            h.q[h.n:h.n + n] = int(quality)
            h.n += n
            value, quality = float(values[-1]), Quality(quality)
            changed = quality != tag.quality or not _same(value, tag.value)
            tag.value, tag.timestamp, tag.quality = value, float(times[-1]), quality
            subscribers = [cb for pattern, cb in self._subscribers if fnmatchcase(name, pattern)] if changed else ()
        for callback in subscribers:
            callback(tag)

    def read(self, name: str) -> object:
        """The current value of a tag."""
        return self[name].value

    def subscribe(self, pattern: str, callback: Subscriber) -> Callable[[], None]:
        """Call ``callback(tag)`` when a tag matching ``pattern`` (glob) changes; returns an unsubscribe function."""
        entry = (pattern, callback)
        with self._lock:
            self._subscribers.append(entry)

        def unsubscribe() -> None:
            with self._lock:
                if entry in self._subscribers:
                    self._subscribers.remove(entry)

        return unsubscribe

    # -- history -----------------------------------------------------------------------------------------------
    def history(self, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Recorded ``(times, values, qualities)`` of one tag."""
        return self[name].history()

    def columns(self, pattern: str = "*") -> dict[str, np.ndarray]:
        """History as long-format columns ``tag, t, value, quality`` (``pandas.DataFrame(bus.columns())``)."""
        names, ts, vs, qs = [], [], [], []
        for name in self.names(pattern):
            t, v, q = self[name].history()
            names.append(np.full(len(t), name, dtype=object))
            ts.append(t)
            vs.append(v.astype(object))
            qs.append(q)
        if not names:
            return {"tag": np.array([], dtype=object), "t": np.array([]), "value": np.array([], dtype=object),
                    "quality": np.array([], dtype=np.uint8)}
        return {"tag": np.concatenate(names), "t": np.concatenate(ts), "value": np.concatenate(vs),
                "quality": np.concatenate(qs)}


def _same(a: object, b: object) -> bool:
    """Equality in which NaN equals NaN (a tag that stays NaN has not changed)."""
    if a == b:
        return True
    return isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b)
