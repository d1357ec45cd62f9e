"""The mapping file: which OPC UA node feeds which twin tag, and how its raw value converts.

A mapping is a YAML file (safe loading only)::

    endpoint: opc.tcp://plc.example:4840       # optional; `twin bridge ENDPOINT` overrides it
    subscription:
      publishing_interval: 0.5                  # s, how often the server sends a batch of changes
      sampling_interval: 0.1                    # s, how often the server samples each node
      queue_size: 10                            # changes kept per node between two publishes
    tags:
      - tag: R-101.TT-01                        # the twin tag written
        node: ns=2;s=R101.TT01                  # a NodeId ...
        unit: K                                 # the tag's engineering unit
        source_unit: degC                       # the server's unit: converted with pint
      - tag: R-101.PT-01
        path: 2:Plant/2:Reactors/2:R-101/2:PT-01   # ... or a browse path from the Objects folder
        scale: 1000.0                           # tag = raw * scale + offset (before the unit conversion)
        type: float                             # float (default), int, bool or str

Every error names the file, the line and the key, and says what was expected.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from pathlib import Path

import yaml

from twin.tags import TAG_NAME

TYPES = {"float": float, "int": int, "bool": bool, "str": str}


class MappingError(ValueError):
    """A mapping file that cannot be used; the message names file, line and key."""


@dataclass(frozen=True)
class TagMap:
    """One binding: an OPC UA node (``node`` id or browse ``path``) feeds the twin tag ``tag``."""

    tag: str
    node: str | None = None
    path: str | None = None
    unit: str = ""
    dtype: type = float
    scale: float = 1.0
    offset: float = 0.0
    source_unit: str | None = None
    where: str = ""  # "file:line", for messages

    @property
    def source(self) -> str:
        """How the node is addressed, for messages: its node id or its browse path."""
        return self.node if self.node is not None else f"path {self.path}"

    @functools.cached_property
    def _affine(self) -> tuple[float, float]:
        """``(a, b)`` such that ``tag value = a * raw + b``: scaling, then the unit conversion."""
        a, b = self.scale, self.offset
        if self.source_unit and self.source_unit != self.unit:
            q0, q1 = (_units().Quantity(x, self.source_unit).to(self.unit).magnitude for x in (0.0, 1.0))
            a, b = a * (q1 - q0), b * (q1 - q0) + q0
        return a, b

    def convert(self, raw: object) -> object:
        """The tag value for a raw server value; ``TypeError`` names node, tag and types when it cannot convert."""
        try:
            if self.dtype is float:
                if isinstance(raw, str) or raw is None:
                    raise TypeError
                a, b = self._affine
                return a * float(raw) + b
            if self.dtype is int:
                if isinstance(raw, float) and not raw.is_integer() or isinstance(raw, str) or raw is None:
                    raise TypeError
                return int(raw) * int(self.scale) + int(self.offset)
            if self.dtype is bool:
                if raw not in (0, 1, True, False):
                    raise TypeError
                return bool(raw)
            return str(raw)
        except (TypeError, ValueError, OverflowError):
            raise TypeError(
                f"{self.where}: node {self.source} sent {raw!r} ({type(raw).__name__}), which does not convert to "
                f"tag {self.tag} of type {self.dtype.__name__}; hint: set `type:` in the mapping to the node's type"
            ) from None


@dataclass(frozen=True)
class Mapping:
    """A whole mapping file: the endpoint, the subscription settings and the tag bindings."""

    tags: tuple[TagMap, ...]
    endpoint: str | None = None
    publishing_interval: float = 0.5
    sampling_interval: float = 0.1
    queue_size: int = 10
    source: str = "<mapping>"


@functools.cache
def _units():
    import pint  # imported on first use: building the registry takes a moment

    return pint.UnitRegistry()


# -- loading -----------------------------------------------------------------------------------------------------
class _Located(dict):
    """A YAML mapping that remembers the line of itself and of each of its keys."""

    line: int = 0
    lines: dict


class _Loader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> _Located:
    loader.flatten_mapping(node)
    located = _Located(loader.construct_pairs(node, deep=True))
    located.line = node.start_mark.line + 1
    located.lines = {k.value: k.start_mark.line + 1 for k, _ in node.value}
    return located


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_mapping(path: str | Path) -> Mapping:
    """Read and check a mapping file; raises ``MappingError`` naming file, line and key."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise MappingError(f"{path}: no such mapping file; hint: `twin bridge --discover ENDPOINT -o {path}` "
                           "writes a starter mapping") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise MappingError(f"{path}: cannot read the mapping file: {exc}") from None
    return parse_mapping(text, source=str(path))


def parse_mapping(text: str, source: str = "<mapping>") -> Mapping:
    """Check a mapping given as YAML text (``source`` names it in messages)."""
    try:
        doc = yaml.load(text, Loader=_Loader)  # noqa: S506 -- _Loader is a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        raise MappingError(f"{source}{line}: not valid YAML: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(doc, _Located):
        raise MappingError(f"{source}: expected a mapping with a `tags:` list, got {type(doc).__name__}")
    _only(doc, {"endpoint", "subscription", "tags"}, source)
    sub = doc.get("subscription") or _Located()
    if not isinstance(sub, _Located):
        raise MappingError(f"{source}:{doc.lines['subscription']}: key 'subscription' must be a mapping")
    _only(sub, {"publishing_interval", "sampling_interval", "queue_size"}, source)
    tags = doc.get("tags")
    if not isinstance(tags, list) or not tags:
        line = doc.lines.get("tags", doc.line)
        raise MappingError(f"{source}:{line}: key 'tags' must be a non-empty list of {{tag, node or path}} entries")
    entries = tuple(_tag_map(entry, source, doc.lines["tags"]) for entry in tags)
    seen: dict[str, str] = {}
    for entry in entries:
        if entry.tag in seen:
            raise MappingError(f"{entry.where}: tag {entry.tag} is already mapped at {seen[entry.tag]}; "
                               "map each tag from one node only")
        seen[entry.tag] = entry.where
    endpoint = doc.get("endpoint")
    if endpoint is not None and not (isinstance(endpoint, str) and endpoint.startswith("opc.tcp://")):
        raise MappingError(f"{source}:{doc.lines['endpoint']}: key 'endpoint' must look like "
                           f"'opc.tcp://host:4840', got {endpoint!r}")
    return Mapping(
        tags=entries,
        endpoint=endpoint,
        publishing_interval=_number(sub, "publishing_interval", 0.5, source, positive=True),
        sampling_interval=_number(sub, "sampling_interval", 0.1, source),
        queue_size=int(_number(sub, "queue_size", 10, source, positive=True)),
        source=source,
    )


def _tag_map(entry: object, source: str, list_line: int) -> TagMap:
    if not isinstance(entry, _Located):
        raise MappingError(f"{source}:{list_line}: each entry of 'tags' must be a mapping like "
                           f"{{tag: R-101.TT-01, node: 'ns=2;s=TT01'}}, got {entry!r}")
    _only(entry, {"tag", "node", "path", "unit", "source_unit", "scale", "offset", "type"}, source)
    where = f"{source}:{entry.line}"
    tag = entry.get("tag")
    if not isinstance(tag, str) or not TAG_NAME.match(tag):
        raise MappingError(f"{where}: key 'tag' must be a twin tag ASSET.SIGNAL (e.g. R-101.TT-01), got {tag!r}")
    node, path = entry.get("node"), entry.get("path")
    if (node is None) == (path is None):
        raise MappingError(f"{where}: tag {tag} needs exactly one of 'node' (a NodeId such as 'ns=2;s=TT01') "
                           "or 'path' (a browse path from Objects such as '2:Plant/2:R-101/2:TT-01')")
    for key, value in (("node", node), ("path", path)):
        if value is not None and not isinstance(value, str):
            raise MappingError(f"{source}:{entry.lines[key]}: key '{key}' must be a string, got {value!r}")
    if node is not None:
        from asyncua import ua

        try:
            ua.NodeId.from_string(node)
        except Exception:
            raise MappingError(f"{source}:{entry.lines['node']}: {node!r} is not a NodeId; expected e.g. "
                               "'ns=2;s=R101.TT01' or 'ns=2;i=1001'") from None
    type_name = entry.get("type", "float")
    if type_name not in TYPES:
        raise MappingError(f"{source}:{entry.lines['type']}: key 'type' must be one of {', '.join(TYPES)}, "
                           f"got {type_name!r}")
    unit, source_unit = entry.get("unit", ""), entry.get("source_unit")
    tag_map = TagMap(
        tag=tag, node=node, path=path, unit=str(unit), dtype=TYPES[type_name],
        scale=_number(entry, "scale", 1.0, source), offset=_number(entry, "offset", 0.0, source),
        source_unit=source_unit, where=where,
    )
    if source_unit is not None:
        if tag_map.dtype is not float:
            raise MappingError(f"{source}:{entry.lines['source_unit']}: unit conversion needs a float tag")
        try:
            tag_map._affine  # noqa: B018 -- converts once, here, so that bad units fail at load
        except Exception as exc:
            raise MappingError(f"{source}:{entry.lines['source_unit']}: cannot convert {source_unit!r} to "
                               f"{unit!r}: {exc}") from None
    return tag_map


def _only(doc: _Located, allowed: set[str], source: str) -> None:
    for key in doc:
        if key not in allowed:
            raise MappingError(f"{source}:{doc.lines[key]}: unknown key {key!r}; expected one of "
                               f"{', '.join(sorted(allowed))}")


def _number(doc: _Located, key: str, default: float, source: str, positive: bool = False) -> float:
    value = doc.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) \
            or (positive and value <= 0):
        kind = "a positive number" if positive else "a finite number"
        raise MappingError(f"{source}:{doc.lines.get(key, doc.line)}: key '{key}' must be {kind}, got {value!r}")
    return float(value)


def dump_mapping(mapping: Mapping) -> str:
    """The mapping as YAML text that ``parse_mapping`` reads back to the same mapping."""
    entries = []
    for m in mapping.tags:
        entry = {"tag": m.tag, **({"node": m.node} if m.node is not None else {"path": m.path})}
        if m.unit:
            entry["unit"] = m.unit
        if m.source_unit:
            entry["source_unit"] = m.source_unit
        if (m.scale, m.offset) != (1.0, 0.0):
            entry.update(scale=m.scale, offset=m.offset)
        if m.dtype is not float:
            entry["type"] = m.dtype.__name__
        entries.append(entry)
    doc = {
        **({"endpoint": mapping.endpoint} if mapping.endpoint else {}),
        "subscription": {"publishing_interval": mapping.publishing_interval,
                         "sampling_interval": mapping.sampling_interval, "queue_size": mapping.queue_size},
        "tags": entries,
    }
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
