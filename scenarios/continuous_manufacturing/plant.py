"""The plant is not the model: ``truth:`` (how the plant really is) and ``uncertainty:`` (what the twin does not know).

Both address the model's own parameters by dotted path, nested or flat::

    truth:                                   # the simulated plant uses these; the twin's model keeps the scenario's
      press.feed_frame_tau: 40 s
      blender: {tau: 117 s}
      feeders: {LIW-101: {feed_factor: 0.97, drift: -1 %/h}}
    uncertainty:                             # what the twin admits not knowing: a range, or a standard deviation
      press.feed_frame_tau: [10 s, 40 s]     # absolute
      blender.tau: {within: 30 %}            # relative to the model's value (wherever a variant moves it)
      feeders.LIW-101.feed_factor: {sd: 2 %}

The paths (:func:`paths`) are the blender's ``tau`` and ``tanks``, the feed frame's ``press.feed_frame_tau``, the NIR
probe's ``pat.bias`` and ``pat.noise``, and per feeder its ``feed_factor`` (of the lot in the hopper at the start;
later lots are drawn around it), ``drift`` (of the feed factor, 1/s, e.g. ``-1 %/h``), ``flow_noise`` (the relative
standard deviation of its short-term flow noise), ``load_cell_noise`` and ``load_cell_bias`` (relative, on the flow the
load cells report). Without ``truth:`` the plant is the model, bit for bit.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from twin.config import ConfigError, suggest, to_si

if TYPE_CHECKING:
    from scenarios.continuous_manufacturing.params import CmParams

SD_RANGE = 3.0   # a standard deviation spans the range model -/+ this many of them (99.7 % of a normal)

#: path -> (SI unit, smallest value allowed, exclusive); per feeder under ``feeders.<tag>.``
UNIT_PATHS = {"blender.tau": ("s", 0.0, True), "blender.tanks": ("tanks", 1.0, False),
              "press.feed_frame_tau": ("s", 0.0, True), "pat.bias": ("1", -1.0, True), "pat.noise": ("1", 0.0, False)}
FEEDER_PATHS = {"feed_factor": ("1", 0.0, True), "drift": ("1/s", None, False), "flow_noise": ("1", 0.0, False),
                "load_cell_noise": ("1", 0.0, False), "load_cell_bias": ("1", -1.0, True)}
EXAMPLES = {"s": "40 s", "1": "2 %", "1/s": "-1 %/h", "tanks": "5"}


def paths(params: Mapping[str, Any]) -> dict[str, tuple[str, float | None, bool]]:
    """Every path ``truth:`` and ``uncertainty:`` may name, with its SI unit and lower bound (value, exclusive)."""
    out = dict(UNIT_PATHS)
    for tag in params["feeders"]:
        out |= {f"feeders.{tag}.{key}": rule for key, rule in FEEDER_PATHS.items()}
    return out


def model_value(params: Mapping[str, Any], path: str) -> float:
    """The value the twin's model has at ``path``."""
    node: Any = params
    for part in _split(path):
        node = node[part]
    return float(node)


def flatten(section: Mapping[str, Any], leaf=lambda v: not isinstance(v, Mapping)) -> dict[str, tuple[Any, Any]]:
    """``{dotted path: (value, (mapping, key))}`` of a nested ``truth:`` / ``uncertainty:``; the mapping and key tell
    where the value was written (for its file and line). ``leaf`` says which values end a path."""
    out: dict[str, tuple[Any, Any]] = {}
    for key, value in section.items():
        if leaf(value):
            out[str(key)] = (value, (section, key))
        else:
            out |= {f"{key}.{sub}": item for sub, item in flatten(value, leaf).items()}
    return out


def truth(params: Mapping[str, Any]) -> dict[str, float]:
    """``truth:`` as ``{path: SI value}`` (checked: see :func:`check`)."""
    known = paths(params)
    return {path: _value(value, known[path], where) for path, (value, where) in flatten(params["truth"]).items()}


def uncertainty(params: Mapping[str, Any]) -> dict[str, tuple[float, float]]:
    """``uncertainty:`` as ``{path: (low, high)}`` in SI; a standard deviation ``{sd: s}`` becomes the model's value
    -/+ :data:`SD_RANGE` ``s``, a relative range ``{within: r}`` the model's value times ``1 -/+ r``."""
    known, out = paths(params), {}
    for path, (value, _) in flatten(params["uncertainty"], _is_entry).items():
        rule = known[path]
        centre = model_value(params, path)
        if isinstance(value, Mapping) and "sd" in value:
            sd = _value(value["sd"], (rule[0], 0.0, False), (value, "sd"))
            out[path] = (centre - SD_RANGE * sd, centre + SD_RANGE * sd)
        elif isinstance(value, Mapping):
            r = _value(value["within"], ("1", 0.0, False), (value, "within"))
            out[path] = (centre - r * abs(centre), centre + r * abs(centre))
        else:
            out[path] = (_value(value[0], rule, (value, 0)), _value(value[1], rule, (value, 1)))
    return out


def spread(low: float, high: float) -> float:
    """A declared range ``(low, high)`` as a standard deviation: the range is taken as -/+ :data:`SD_RANGE` of them
    (what the twin's filters start from, in the run and following live)."""
    return max((high - low) / (2 * SD_RANGE), 1e-9)


def apply(p: CmParams) -> CmParams:
    """``p`` with the plant's values of ``truth:`` in place of the model's (the simulated plant)."""
    for path, value in p.truth.items():
        p = _replaced(p, _split(path), int(round(value)) if path == "blender.tanks" else value)
    return p


def _replaced(node, parts: list[str], value):
    """``node`` (a frozen dataclass or a mapping) with the value at ``parts`` replaced."""
    head, *rest = parts
    new = _replaced(_get(node, head), rest, value) if rest else value
    return {**node, head: new} if isinstance(node, Mapping) else dataclasses.replace(node, **{head: new})


def _get(node, key: str):
    return node[key] if isinstance(node, Mapping) else getattr(node, key)


def check(params: Mapping[str, Any]) -> None:
    """Each path exists (else the nearest valid one is suggested), each value has the path's unit and stays above
    its bound (no zero or negative residence time), each range is ordered and holds the model's own value."""
    known = paths(params)
    for section in ("truth", "uncertainty"):
        leaf = _is_entry if section == "uncertainty" else (lambda v: not isinstance(v, Mapping))
        for path, (_, (where, key)) in flatten(params[section], leaf).items():
            if path not in known:
                raise _error(where, key, f"{section} path '{path}' is not a parameter of the model",
                             expected="one of " + ", ".join(sorted(known)),
                             hint=suggest(path, known) or "paths are written as in the scenario, e.g. blender.tau")
    truth(params)
    for path, (low, high) in uncertainty(params).items():
        value, (where, key) = flatten(params["uncertainty"], _is_entry)[path]
        own = model_value(params, path)
        if not low <= own <= high:
            raise _error(where, key, f"the range of '{path}' excludes the model's own value {own:g} (SI)",
                         expected="a range [low, high] with low <= the scenario's value <= high",
                         hint=f"widen it to hold {own:g}, or change the scenario's value")
        if isinstance(value, Mapping):      # the range a spread spans must respect the path's bound
            _value(low, known[path], (value, next(iter(value))))


def _is_entry(value) -> bool:
    return isinstance(value, list) or (isinstance(value, Mapping) and bool({"sd", "within"} & set(value)))


def _value(value, rule: tuple[str, float | None, bool], where: tuple[Any, Any]) -> float:
    unit, bound, exclusive = rule
    node, key = where
    try:
        number = to_si(value, "1" if unit == "tanks" else unit)
    except ValueError as exc:
        raise _error(node, key, f"{value!r}: {exc}", expected=f"a quantity in {unit} like '{EXAMPLES[unit]}'") from None
    if bound is not None and (number <= bound if exclusive else number < bound):
        raise _error(node, key, f"{value!r} is out of range", expected=f"a value {'>' if exclusive else '>='} "
                     f"{bound:g} {unit}" + (" (a residence time must be positive)" if unit == "s" else ""))
    if unit == "tanks" and number != int(number):
        raise _error(node, key, f"{value!r} tanks", expected="a whole number of tanks, e.g. 5")
    return number


def _split(path: str) -> list[str]:
    """``feeders.LIW-101.drift`` -> ``['feeders', 'LIW-101', 'drift']`` (tags may hold dots: matched greedily)."""
    head, _, rest = path.partition(".")
    if head != "feeders":
        return path.split(".")
    tag, _, key = rest.rpartition(".")
    return [head, tag, key]


def _error(node, key, message: str, **kw) -> ConfigError:
    if hasattr(node, "error"):
        return node.error(key, message, **kw)
    return ConfigError(message, key=str(key), **kw)
