"""Time distributions as a planner writes them, checked with ``twin.config``'s errors (file, line, key)::

    process: 3 h                                   # a fixed time
    process: [2.5 h, 3 h, 4 h]                     # triangular: low, most likely, high
    process: {dist: exponential, mean: 3 h}        # any distribution of twin.des.flowline, in 'value unit' strings

Every form becomes ``{dist: kind, parameter: seconds, ...}``; :class:`twin.des.flowline.Distribution` checks it.
"""
from __future__ import annotations

from twin.config import Schema, to_si
from twin.des.flowline import PARAMETERS, Distribution, FlowLineError


class Duration(Schema):
    """A random (or fixed) duration; validates to a plain ``{dist: ..., ...}`` mapping in seconds."""

    expected = ("a time such as '3 h', a triangular [low, mode, high] such as [2.5 h, 3 h, 4 h], or a mapping "
                "such as {dist: exponential, mean: 3 h}")

    def validate(self, value, where):
        if isinstance(value, dict):
            spec = dict(value)
        elif isinstance(value, list):
            if len(value) != 3:
                raise where.error(f"a triangular time needs 3 values (low, mode, high), got {len(value)}",
                                  expected=self.expected)
            spec = {"dist": "triangular", **dict(zip(("low", "mode", "high"), value, strict=True))}
        else:
            spec = {"dist": "deterministic", "value": value}
        kind = spec.get("dist")
        if kind not in PARAMETERS:
            raise where.error(f"unknown distribution {kind!r}", expected=f"dist: one of {', '.join(PARAMETERS)}")
        try:
            seconds = {k: v if k in ("dist", "k", "shape") else to_si(v, "s") for k, v in spec.items()}
            Distribution(kind, {k: v for k, v in seconds.items() if k != "dist"})
        except (ValueError, FlowLineError) as exc:
            raise where.error(f"{exc}", expected=self.expected) from None
        return seconds


def mean(spec) -> float:
    """The mean of a validated duration, in seconds."""
    return Distribution(spec["dist"], {k: v for k, v in spec.items() if k != "dist"}).mean
