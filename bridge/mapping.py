"""The mapping file: which OPC UA node feeds which twin tag, and how its raw value converts.

A mapping is a YAML file (safe loading only)::

    endpoint: opc.tcp://plc.example:4840       # optional; `twin bridge ENDPOINT` overrides it
    subscription:                               # every key optional: derived from the tag count and change_rate
      change_rate: 1.0                          # changes per second of a tag, at most (default 1)
      publishing_interval: 0.1                  # s, how often the server sends a batch of changes
      sampling_interval: 0                      # s, how often the server samples each node (0: on change)
      queue_size: 10                            # changes kept per node between two publishes
      tags_per_subscription: 2500               # nodes per subscription (several subscriptions for many tags)
    tags:
      - tag: R-101.TT-01                        # the twin tag written
        node: ns=2;s=R101.TT01                  # a NodeId ...
        unit: K                                 # the tag's engineering unit
        source_unit: degC                       # the server's unit: converted with pint
      - tag: R-101.PT-01
        path: 2:Plant/2:Reactors/2:R-101/2:PT-01   # ... or a browse path from the Objects folder
        scale: 1000.0                           # tag = raw * scale + offset (before the unit conversion)
        type: float                             # float (default), int, bool or str

The subscription keys left out are derived by :func:`bridge.sizing.plan` from the number of tags and
``change_rate`` (see docs/bridge.md, "Subscription sizing").

Every error is a :class:`twin.config.ConfigError` naming the file, the line and the key, and what was expected.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import yaml
from asyncua import ua

from bridge.sizing import plan
from twin import config
from twin.config import ConfigError, Integer, ListOf, Number, Quantity, Record, Str
from twin.tags import TAG_NAME

TYPES = {"float": float, "int": int, "bool": bool, "str": str}


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
            q0, q1 = (config.convert(x, self.source_unit, self.unit) for x in (0.0, 1.0))
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
    publishing_interval: float = 0.1
    sampling_interval: float = 0.0
    queue_size: int = 10
    source: str = "<mapping>"
    tags_per_subscription: int = 2500
    change_rate: float = 1.0  # changes per second of a tag, at most: what the queues are sized for


SUBSCRIPTION_KEYS = ("publishing_interval", "sampling_interval", "queue_size", "tags_per_subscription")
TAG_SCHEMA = Record({
    "tag": Str(pattern=TAG_NAME.pattern), "node": Str(), "path": Str(), "unit": Str(), "source_unit": Str(),
    "scale": Number(), "offset": Number(), "type": Str(choices=TYPES),
}, required=["tag"], defaults={"unit": "", "scale": 1.0, "offset": 0.0, "type": "float"},
    name="a tag binding {tag, node or path, ...}")
SCHEMA = Record({
    "endpoint": Str(pattern=r"^opc\.tcp://"),
    "subscription": Record({"publishing_interval": Quantity("s", "100 ms"), "sampling_interval": Quantity("s"),
                            "queue_size": Integer(minimum=1), "tags_per_subscription": Integer(minimum=1),
                            "change_rate": Number()},
                           defaults={"change_rate": 1.0}),
    "tags": ListOf(TAG_SCHEMA, min_items=1),
}, required=["tags"], defaults={"subscription": {"change_rate": 1.0}}, name="a bridge mapping")


def load_mapping(path: str | Path) -> Mapping:
    """Read and check a mapping file; raises ``ConfigError`` naming file, line and key."""
    try:
        doc = config.load(path, SCHEMA)
    except ConfigError as exc:
        if exc.message == "file not found":
            exc.hint = f"`twin bridge --discover ENDPOINT -o {path}` writes a starter mapping"
        raise
    return _mapping(doc, str(path))


def parse_mapping(text: str, source: str = "<mapping>") -> Mapping:
    """Check a mapping given as YAML text (``source`` names it in messages)."""
    return _mapping(config.loads(text, SCHEMA, file=source), source)


def _mapping(doc, source: str) -> Mapping:
    sub = doc["subscription"]
    if sub["change_rate"] < 0:
        raise sub.error("change_rate", "a tag's changes per second cannot be negative")
    sized = plan(len(doc["tags"]), float(sub["change_rate"]))
    given = {key: sub.get(key) for key in SUBSCRIPTION_KEYS if sub.get(key) is not None}
    settings = {key: given.get(key, getattr(sized, key)) for key in SUBSCRIPTION_KEYS}
    if settings["publishing_interval"] <= 0 or settings["sampling_interval"] < 0:
        raise doc.error("subscription", "intervals must be positive (sampling may be 0: as fast as possible)")
    tags, seen = doc["tags"], {}
    entries = []
    for i, entry in enumerate(tags):
        tag_map = _tag_map(entry, tags, i)
        if tag_map.tag in seen:
            raise tags.error(i, f"tag {tag_map.tag} is already mapped on line {seen[tag_map.tag]}",
                             hint="map each tag from one node only")
        seen[tag_map.tag] = tags.lines[i]
        entries.append(tag_map)
    return Mapping(tags=tuple(entries), endpoint=doc["endpoint"], source=source, change_rate=float(sub["change_rate"]),
                   **settings)


def _tag_map(entry, tags, index: int) -> TagMap:
    where = f"{tags.file}:{tags.lines[index]}"
    if (entry["node"] is None) == (entry["path"] is None):
        raise tags.error(index, f"tag {entry['tag']} needs exactly one of 'node' or 'path'",
                         expected="node: a NodeId such as 'ns=2;s=TT01', or path: a browse path from Objects "
                                  "such as '2:Plant/2:R-101/2:TT-01'")
    if entry["node"] is not None:
        try:
            ua.NodeId.from_string(entry["node"])
        except Exception:
            raise entry.error("node", f"{entry['node']!r} is not a NodeId",
                              expected="e.g. 'ns=2;s=R101.TT01' or 'ns=2;i=1001'") from None
    tag_map = TagMap(tag=entry["tag"], node=entry["node"], path=entry["path"], unit=entry["unit"],
                     dtype=TYPES[entry["type"]], scale=float(entry["scale"]), offset=float(entry["offset"]),
                     source_unit=entry["source_unit"], where=where)
    if tag_map.source_unit is not None:
        if tag_map.dtype is not float:
            raise entry.error("source_unit", "unit conversion needs a float tag", hint="remove 'type' or the unit")
        try:
            tag_map._affine  # noqa: B018 -- converts once, here, so that bad units fail at load
        except ValueError as exc:
            raise entry.error("source_unit", str(exc),
                              expected="two units of the same kind that pint knows, e.g. degC and K") from None
    return tag_map


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
        "subscription": {"change_rate": mapping.change_rate,
                         **{key: getattr(mapping, key) for key in SUBSCRIPTION_KEYS}},
        "tags": entries,
    }
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
