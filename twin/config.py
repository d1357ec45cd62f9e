"""YAML configuration: safe loading that remembers line numbers, a small declarative schema, SI units.

Every YAML file of the project (plant overlays, scenarios, bridge mappings) goes through here::

    SCHEMA = Record({"plant": Str(), "volume": Quantity("m**3"), "tags": ListOf(Str())}, required=["plant"])
    cfg = load("plant.yaml", SCHEMA)     # -> plain dicts and lists, quantities already in SI
    cfg["volume"]                        # "2.5 m3" in the file -> 2.5;  "500 L" -> 0.5

Mappings and lists come back as :class:`Mapping` / :class:`Sequence` (a ``dict`` / ``list`` that also knows the
file and the line of each key and item), so that checks done later, once the plant is known, still point at the
right line: ``raise cfg["assets"].error("R-10", "unknown tag", choices=plant.tags)``.

Every problem is a :class:`ConfigError` naming file, line and key, what was expected, and the closest valid
alternative. ``value unit`` strings are converted with pint (``"30 min"`` -> 1800.0 s, ``"1.2 bar"`` -> 120000.0 Pa,
``"25 degC"`` -> 298.15 K); plain numbers are taken to be in SI already.
"""
from __future__ import annotations

import difflib
import functools
import math
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "ConfigError", "Mapping", "Sequence", "load", "loads", "validate", "to_si", "convert", "units", "suggest",
    "Schema", "Anything", "Str", "Number", "Integer", "Boolean", "Quantity", "Param", "FilePath",
    "ListOf", "MapOf", "Record",
]


class ConfigError(ValueError):
    """Bad configuration: what is wrong, where (file, line, key), what was expected, and a hint to fix it."""

    def __init__(self, message: str, *, file: str | Path | None = None, line: int | None = None,
                 key: str | None = None, expected: str | None = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.message, self.file, self.line, self.key = message, file, line, key
        self.expected, self.hint = expected, hint

    def __str__(self) -> str:
        where = ":".join(str(p) for p in (self.file, self.line) if p is not None)
        head = ", ".join(p for p in (where, f"key '{self.key}'" if self.key else "") if p)
        text = f"{head}: {self.message}" if head else self.message
        if self.expected:
            text += f"\n  expected: {self.expected}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


def suggest(word: str, choices: Iterable[str]) -> str | None:
    """``"did you mean 'R-101'?"`` for the closest of ``choices`` to ``word``, or None if nothing is close."""
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None


# --- loading with line numbers -------------------------------------------------------------------------------

class Mapping(dict):
    """A YAML mapping as a ``dict`` that remembers its file, its line and the line of each key."""

    file: str | None = None
    line: int | None = None
    path: str = ""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lines: dict[Any, int] = {}

    def key_path(self, key) -> str:
        return f"{self.path}.{key}" if self.path else str(key)

    def error(self, key, message: str, *, expected: str | None = None, hint: str | None = None,
              choices: Iterable[str] | None = None) -> ConfigError:
        """A :class:`ConfigError` pointing at ``key`` of this mapping (suggesting the closest of ``choices``)."""
        if hint is None and choices is not None:
            hint = suggest(key, choices)
        return ConfigError(message, file=self.file, line=self.lines.get(key, self.line), key=self.key_path(key),
                           expected=expected, hint=hint)


class Sequence(list):
    """A YAML list as a ``list`` that remembers its file, its line and the line of each item."""

    file: str | None = None
    line: int | None = None
    path: str = ""

    def __init__(self, *args) -> None:
        super().__init__(*args)
        self.lines: list[int] = []

    def key_path(self, index: int) -> str:
        return f"{self.path}[{index}]"

    def error(self, index: int, message: str, *, expected: str | None = None, hint: str | None = None,
              choices: Iterable[str] | None = None) -> ConfigError:
        line = self.lines[index] if index < len(self.lines) else self.line
        return ConfigError(message, file=self.file, line=line, key=self.key_path(index), expected=expected, hint=hint)


MAX_ALIASES = 1_000
"""At most this many aliases (``*name``) in one YAML file: a hand-written file needs a few."""
MAX_EXPANDED = 100_000
"""At most this many values added by expanding aliases: a "billion laughs" file (aliases of aliases of lists,
9 levels deep) would expand to 10**9 strings from 1 kB of text and hang every reader that walks it."""


class _LineLoader(yaml.SafeLoader):
    """PyYAML's safe loader, building :class:`Mapping` / :class:`Sequence` that carry their marks.

    It refuses alias bombs while it composes the file, before anything is built: each alias adds the expanded
    size of what it names, and the file is refused at the alias that crosses :data:`MAX_ALIASES` or
    :data:`MAX_EXPANDED`, or that names a value it sits inside (a cycle no reader could walk).
    """

    def compose_document(self):
        self.aliases, self.expanded, self.sizes, self.open = 0, 0, {}, set()
        return super().compose_document()

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            node = super().compose_node(parent, index)
            self._count_alias(event, node)
            return node
        self.open.add(event.anchor)
        try:
            return super().compose_node(parent, index)
        finally:
            self.open.discard(event.anchor)

    def _count_alias(self, event, node) -> None:
        line = event.start_mark.line + 1
        if event.anchor in self.open:
            raise ConfigError(f"the alias *{event.anchor} refers to a value that contains it (a cycle)",
                              file=self.name, line=line, hint="repeat the value instead of aliasing it")
        self.aliases += 1
        self.expanded += self._size(node)
        if self.aliases > MAX_ALIASES or self.expanded > MAX_EXPANDED:
            raise ConfigError(f"too many aliases: *{event.anchor} brings the file to {self.aliases} aliases "
                              f"expanding to {self.expanded} values (a 'billion laughs' alias bomb?)",
                              file=self.name, line=line,
                              expected=f"at most {MAX_ALIASES} aliases and {MAX_EXPANDED} values added by them",
                              hint="write the values out, or split the file")

    def _size(self, node) -> int:
        """How many values ``node`` stands for once its aliases are expanded (memoised per node)."""
        if isinstance(node, yaml.ScalarNode):
            return 1
        if id(node) not in self.sizes:
            items = node.value if isinstance(node, yaml.SequenceNode) else (n for kv in node.value for n in kv)
            self.sizes[id(node)] = 1 + sum(self._size(item) for item in items)
        return self.sizes[id(node)]

    def construct_yaml_map(self, node):
        data = Mapping()
        data.file, data.line = self.name, node.start_mark.line + 1
        yield data
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if key in data:
                raise ConfigError("duplicate key: a later value would silently replace the first",
                                  file=self.name, line=key_node.start_mark.line + 1, key=str(key),
                                  hint=f"the first '{key}' is on line {data.lines[key]}; keep one of them")
            data[key] = self.construct_object(value_node, deep=True)
            data.lines[key] = key_node.start_mark.line + 1

    def construct_yaml_seq(self, node):
        data = Sequence()
        data.file, data.line = self.name, node.start_mark.line + 1
        yield data
        for item in node.value:
            data.append(self.construct_object(item, deep=True))
            data.lines.append(item.start_mark.line + 1)


_LineLoader.add_constructor("tag:yaml.org,2002:map", _LineLoader.construct_yaml_map)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _LineLoader.construct_yaml_seq)

if yaml.__with_libyaml__:
    class _FastLineLoader(yaml.CSafeLoader):
        """libyaml's parser (about 20x faster: a 100,000-line file in seconds) with the same constructors; used only
        for text without anchors or aliases, since its composer cannot refuse an alias bomb."""

        construct_yaml_map, construct_yaml_seq = _LineLoader.construct_yaml_map, _LineLoader.construct_yaml_seq

    _FastLineLoader.add_constructor("tag:yaml.org,2002:map", _FastLineLoader.construct_yaml_map)
    _FastLineLoader.add_constructor("tag:yaml.org,2002:seq", _FastLineLoader.construct_yaml_seq)
else:  # pragma: no cover -- PyYAML built without libyaml
    _FastLineLoader = None
_ANCHOR_OR_ALIAS = re.compile(r"(?:^|[\s\[{,:\-?])[&*]\S")


def loads(text: str, schema: Schema | None = None, *, file: str | Path = "<string>") -> Any:
    """Parse YAML ``text`` (safe loading only) and validate it against ``schema`` if given."""
    data = _load_fast(text, file) if _FastLineLoader is not None and not _ANCHOR_OR_ALIAS.search(text) else None
    if data is None:
        data = _load_checked(text, file)
    _set_paths(data, "")
    return validate(data, schema, file=file, line=1) if schema is not None else data


def _load_fast(text: str, file: str | Path) -> Any:
    """The document through libyaml, or None if it is not valid YAML (the Python parser then words the error)."""
    loader = _FastLineLoader(text)
    loader.name = str(file)
    try:
        return loader.get_single_data()
    except yaml.YAMLError:
        return None
    finally:
        loader.dispose()


def _load_checked(text: str, file: str | Path) -> Any:
    """The document through PyYAML's Python parser, refusing alias bombs while composing."""
    loader = _LineLoader(text)
    loader.name = str(file)
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise ConfigError(f"not valid YAML: {exc.problem or exc.context}", file=file,
                          line=mark.line + 1 if mark else None,
                          hint="check indentation, colons and quotes on this line or the one before") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"not valid YAML: {exc}", file=file) from None
    finally:
        loader.dispose()
    return data


def validate(value, schema: Schema, *, file: str | Path | None = None, line: int | None = None, key: str = ""):
    """Check an already parsed ``value`` against ``schema`` (e.g. a document after a scenario variant changed it).

    Errors point at ``file``, ``line`` and ``key``; by default at the value's own file and line when it came from
    :func:`load` (a :class:`Mapping` or :class:`Sequence`). A string read from elsewhere (a CSV cell) gets them
    from the caller: ``validate("2.5 m3", Quantity("m**3"), file="layers.csv", line=7, key="volume")``.
    """
    file = getattr(value, "file", None) if file is None else file
    line = getattr(value, "line", None) if line is None else line
    return schema.validate(value, _Where(file, line, key))


def load(path: str | Path, schema: Schema | None = None) -> Any:
    """Read the YAML file at ``path`` and validate it against ``schema`` (see :func:`loads`)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("file not found", file=path, hint=suggest_file(path)) from None
    except (IsADirectoryError, PermissionError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the file ({type(exc).__name__})", file=path,
                          expected="a readable UTF-8 YAML file") from None
    return loads(text, schema, file=path)


def suggest_file(path: Path) -> str:
    """A hint for a missing file: the closest name in its folder, else the folder's own absence."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        return f"the folder {folder} does not exist either"
    return suggest(path.name, (p.name for p in folder.iterdir())) or f"no similar file in {folder.resolve()}"


def _set_paths(node, path: str) -> None:
    """Record each mapping's and list's dotted key path, for error messages."""
    if isinstance(node, Mapping):
        node.path = path
        for key, value in node.items():
            _set_paths(value, node.key_path(key))
    elif isinstance(node, Sequence):
        node.path = path
        for i, value in enumerate(node):
            _set_paths(value, node.key_path(i))


# --- units ---------------------------------------------------------------------------------------------------

_NUMBER_UNIT = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(.*?)\s*$")
_POWER = re.compile(r"(?<=[A-Za-z])(\d)")  # m3 -> m**3, s2 -> s**2


@functools.cache
def units():
    """The project's one pint ``UnitRegistry`` (loaded on first use: it takes a noticeable fraction of a second).

    A year (``yr``, ``a``, ``year``) is 365 d = 8,760 h, as reliability engineering counts it (the IEC 61508-6
    Annex B tables, OREDA), not pint's Julian year of 8,766 h: a proof test every ``1 yr`` is 8,760 h.
    """
    import logging

    import pint

    registry = pint.UnitRegistry()
    log = logging.getLogger("pint.util")   # pint logs that it redefines a unit: that is the point
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        registry.define("year = 365 * day = a = yr")
    finally:
        log.setLevel(level)
    return registry


def convert(value: float, unit: str, to: str) -> float:
    """``value`` in ``unit`` expressed in the unit ``to``, offsets included: ``convert(25, "degC", "K")`` -> 298.15.

    Raises ``ValueError`` naming both units when pint does not know one or they measure different things.
    """
    import pint

    try:
        return float(units().Quantity(float(value), unit).to(to).magnitude)
    except pint.errors.DimensionalityError:
        raise ValueError(f"cannot convert {unit!r} to {to!r}: they measure different things") from None
    except Exception as exc:  # pint's parser raises many kinds (tokenize, syntax, undefined unit, ...)
        raise ValueError(f"cannot convert {unit!r} to {to!r}: {type(exc).__name__}: {exc}") from None


def to_si(text: str | float, unit: str | None = None) -> float:
    """Convert ``"value unit"`` to a float in SI units (``unit`` names the SI unit expected, e.g. ``"m**3"``).

    >>> to_si("2.5 m3"), to_si("30 min", "s"), to_si("1.2 bar", "Pa")
    (2.5, 1800.0, 120000.0)

    A bare number is returned as is. Raises ``ValueError`` with a readable reason otherwise.
    """
    import pint

    if isinstance(text, bool) or not isinstance(text, int | float | str):
        raise ValueError(f"expected a number or a 'value unit' string, got {type(text).__name__}")
    if isinstance(text, int | float):
        return float(text)
    match = _NUMBER_UNIT.match(text)
    if not match:
        raise ValueError(f"'{text}' does not start with a number")
    value, written = float(match.group(1)), match.group(2).replace("°", "deg").replace("²", "2").replace("³", "3")
    if not written:
        return value
    ureg = units()
    unit = _POWER.sub(r"**\1", unit) if unit else unit    # the expected unit written as the values are ("kg/m3")
    try:
        quantity = ureg.Quantity(value, _POWER.sub(r"**\1", written))
        converted = quantity.to(unit) if unit else quantity.to_base_units()
    except pint.errors.DimensionalityError:
        raise ValueError(f"'{written}' is not a unit of {unit} ({ureg.Unit(unit).dimensionality})") from None
    except Exception as exc:  # pint's parser raises many kinds (tokenize, syntax, undefined unit, ...)
        raise ValueError(f"unknown unit '{written}' ({type(exc).__name__})") from None
    return float(converted.magnitude)


# --- schema --------------------------------------------------------------------------------------------------

class _Where:
    """Where a value sits: file, line, dotted key path."""

    __slots__ = ("file", "line", "key")

    def __init__(self, file, line, key) -> None:
        self.file, self.line, self.key = file, line, key

    def error(self, message: str, expected: str | None = None, hint: str | None = None) -> ConfigError:
        return ConfigError(message, file=self.file, line=self.line, key=self.key or None, expected=expected, hint=hint)

    def child(self, container, key) -> _Where:
        lines = getattr(container, "lines", None)
        if isinstance(lines, dict):
            line = lines.get(key, self.line)
        else:
            line = lines[key] if lines and key < len(lines) else self.line
        path = f"{self.key}[{key}]" if isinstance(key, int) else (f"{self.key}.{key}" if self.key else str(key))
        return _Where(self.file, line, path)


def _kind(value) -> str:
    return {Mapping: "a mapping", dict: "a mapping", Sequence: "a list", list: "a list",
            type(None): "nothing (empty value)"}.get(type(value), f"{type(value).__name__} {value!r}")


class Schema:
    """A node of a declarative schema: ``validate`` checks a parsed value and returns it converted."""

    expected = "a value"
    doc = ""  # what the key means, for the generated YAML reference (see described)

    def described(self, text: str) -> Schema:
        """This node, with ``text`` saying what its key means (``scenarios.reference`` shows it)."""
        self.doc = text
        return self

    def validate(self, value, where: _Where):
        raise NotImplementedError

    def missing(self):
        """The value an optional key takes when it is absent."""
        return None

    def fail(self, value, where: _Where, hint: str | None = None) -> ConfigError:
        return where.error(f"got {_kind(value)}", expected=self.expected, hint=hint)


class Anything(Schema):
    """Any value, unchecked (for free-form parts another module validates itself)."""

    def validate(self, value, where):
        return value


class Str(Schema):
    """A string, optionally one of ``choices`` (a near-miss gets a suggestion)."""

    def __init__(self, choices: Iterable[str] | None = None, *, pattern: str | None = None) -> None:
        self.choices = list(choices) if choices is not None else None
        self.pattern = re.compile(pattern) if pattern else None
        self.expected = f"one of {', '.join(self.choices)}" if self.choices else "a string"
        if self.pattern:
            self.expected += f" matching {pattern}"

    def validate(self, value, where):
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise self.fail(value, where)
        value = str(value)
        if self.choices is not None and value not in self.choices:
            raise self.fail(value, where, suggest(value, self.choices))
        if self.pattern and not self.pattern.match(value):
            raise self.fail(value, where)
        return value


class Number(Schema):
    """A plain finite number (no unit), optionally bounded below and above (a fraction: ``Number(0, 1)``)."""

    expected = "a number"

    def __init__(self, minimum: float | None = None, maximum: float | None = None) -> None:
        self.minimum, self.maximum = minimum, maximum
        bounds = [f">= {minimum}"] * (minimum is not None) + [f"<= {maximum}"] * (maximum is not None)
        if bounds:
            self.expected = f"{type(self).expected} {' and '.join(bounds)}"

    def validate(self, value, where):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(value, where)
        if not math.isfinite(value):  # YAML's .inf and .nan
            raise where.error(f"got {_kind(value)}: not a finite number", expected=self.expected)
        if (self.minimum is not None and value < self.minimum) or (self.maximum is not None and value > self.maximum):
            raise self.fail(value, where)
        return value


class Integer(Number):
    expected = "an integer"

    def validate(self, value, where):
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.fail(value, where)
        return super().validate(value, where)


class Boolean(Schema):
    expected = "true or false"

    def validate(self, value, where):
        if not isinstance(value, bool):
            raise self.fail(value, where)
        return value


class Quantity(Schema):
    """A physical quantity, ``"2.5 m3"`` or a bare number already in ``unit`` (an SI unit); returns SI float.

    Quantities are amounts, durations, absolute temperatures and pressures: by default they may not be negative
    (``minimum=0``, in SI), and ``positive=True`` also refuses zero (a time between failures, a horizon). A signed
    quantity (a coordinate, a bias, a drift) says ``minimum=None``. Infinite and NaN values are always refused.
    """

    def __init__(self, unit: str, example: str | None = None, *, minimum: float | None = 0.0,
                 positive: bool = False) -> None:
        self.unit, self.minimum, self.positive = unit, minimum, positive
        sign = ", positive" if positive else ", not negative" if minimum == 0 else ""
        like = f" like '{example}'" if example else ""
        self.expected = f"a number in {unit} or a 'value unit' string{like}{sign}"

    def validate(self, value, where):
        try:
            si = to_si(value, self.unit)
        except ValueError as exc:
            raise where.error(f"got {_kind(value)}: {exc}", expected=self.expected) from None
        if not math.isfinite(si):
            raise where.error(f"got {_kind(value)}: not a finite number", expected=self.expected)
        if self.positive and si <= 0:
            raise where.error(f"got {_kind(value)}: must be positive", expected=self.expected)
        if self.minimum is not None and si < self.minimum:
            floor = "negative" if self.minimum == 0 else f"below {self.minimum:g} {self.unit}"
            raise where.error(f"got {_kind(value)}: it cannot be {floor}", expected=self.expected)
        return si


class Param(Schema):
    """A free parameter: number, bool, string or list of them; ``"value unit"`` strings become SI floats."""

    expected = "a number, true/false, a string, a 'value unit' string or a list of them"

    def validate(self, value, where):
        if isinstance(value, list):
            return [self.validate(v, where.child(value, i)) for i, v in enumerate(value)]
        if isinstance(value, dict) or value is None:
            raise self.fail(value, where)
        if isinstance(value, str) and _NUMBER_UNIT.match(value) and _NUMBER_UNIT.match(value).group(2):
            try:
                return to_si(value)
            except ValueError:
                return value  # a label that starts with a digit ("2nd shift") stays text
        return value


class FilePath(Schema):
    """A path, relative to the YAML file's folder; ``exists=True`` checks it is there."""

    def __init__(self, *, exists: bool = True) -> None:
        self.exists = exists
        self.expected = "a path to an existing file, relative to this YAML file" if exists else "a path"

    def validate(self, value, where):
        if not isinstance(value, str) or not value:
            raise self.fail(value, where)
        base = Path(where.file).parent if where.file and not str(where.file).startswith("<") else Path(".")
        path = (base / value).resolve()
        if self.exists and not path.exists():
            raise where.error(f"file not found: {path}", expected=self.expected, hint=suggest_file(path))
        return path


class ListOf(Schema):
    """A list whose items all match ``item``, at least ``min_items`` and at most ``max_items`` of them (a point
    ``[x, y]`` is ``min_items=2, max_items=2``: a third value is refused, not dropped)."""

    def __init__(self, item: Schema, *, min_items: int = 0, max_items: int | None = None) -> None:
        self.item, self.min_items, self.max_items = item, min_items, max_items
        count = (f" (exactly {min_items})" if max_items == min_items else
                 f" ({min_items} to {max_items})" if min_items and max_items is not None else
                 f" (at most {max_items})" if max_items is not None else
                 f" (at least {min_items})" if min_items else "")
        self.expected = f"a list of {item.expected}{count}"

    def missing(self):
        return Sequence()

    def validate(self, value, where):
        if not isinstance(value, list) or len(value) < self.min_items or (
                self.max_items is not None and len(value) > self.max_items):
            got = f"a list of {len(value)}" if isinstance(value, list) else _kind(value)
            raise where.error(f"got {got}", expected=self.expected)
        out = Sequence(self.item.validate(v, where.child(value, i)) for i, v in enumerate(value))
        _copy_marks(value, out)
        return out


class MapOf(Schema):
    """A mapping from free keys (checked by ``key``) to values matching ``value``."""

    def __init__(self, value: Schema, *, key: Schema | None = None) -> None:
        self.key, self.value = key or Str(), value
        self.expected = f"a mapping of {self.key.expected} to {value.expected}"

    def missing(self):
        return Mapping()

    def validate(self, value, where):
        if value is None:
            value = Mapping()
        if not isinstance(value, dict):
            raise self.fail(value, where)
        out = Mapping()
        for k, v in value.items():
            inner = where.child(value, k)
            out[self.key.validate(k, inner)] = self.value.validate(v, inner)
        _copy_marks(value, out)
        return out


class Record(Schema):
    """A mapping with known keys: ``fields`` maps each key to its schema; keys in ``required`` must be present.

    An unknown key is an error that suggests the closest known key; absent optional keys are filled with
    ``defaults`` (else None, or an empty mapping or list for :class:`MapOf` and :class:`ListOf`).
    """

    def __init__(self, fields: dict[str, Schema], *, required: Iterable[str] = (),
                 defaults: dict[str, Any] | None = None, name: str = "a mapping") -> None:
        self.fields, self.required, self.defaults = fields, list(required), defaults or {}
        self.expected = f"{name} with keys {', '.join(fields)}" + (
            f" ({', '.join(self.required)} required)" if self.required else "")

    def validate(self, value, where):
        if not isinstance(value, dict):
            raise self.fail(value, where)
        out = Mapping()
        for k, v in value.items():
            inner = where.child(value, k)
            if k not in self.fields:
                raise inner.error(f"unknown key '{k}'", expected=f"one of {', '.join(self.fields)}",
                                  hint=suggest(k, self.fields))
            out[k] = self.fields[k].validate(v, inner)
        for k in self.required:
            if k not in value:
                raise where.error(f"missing key '{k}'", expected=self.expected,
                                  hint=f"add '{k}: ...' ({self.fields[k].expected})")
        for k in self.fields:
            if k not in out:
                out[k] = self.defaults[k] if k in self.defaults else self.fields[k].missing()
        _copy_marks(value, out)
        return out


def _copy_marks(source, target) -> None:
    target.file, target.line, target.path = (getattr(source, "file", None), getattr(source, "line", None),
                                             getattr(source, "path", ""))
    target.lines = getattr(source, "lines", {} if isinstance(target, dict) else [])
