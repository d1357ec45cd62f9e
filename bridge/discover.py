"""``twin bridge --discover``: browse a server and write a starter mapping.

Every variable under the Objects folder (the server's own diagnostics excepted) becomes a mapping entry with its
NodeId, its type and, when the server states one, its engineering unit. Its tag is the plant tag it matches, when
a plant is given: names are compared without case and punctuation, so ``Objects/Reactors/R101/TT_01`` finds
``R-101.TT-01``; otherwise a tag is made from the node's parent and own browse names. The subscription settings are
sized for the number of variables found (:func:`bridge.sizing.plan`, 1 change a second per tag).
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from asyncua import Client, ua

from bridge.mapping import Mapping, TagMap
from bridge.security import ClientSecurity
from bridge.sizing import plan
from twin.tags import TAG_NAME

_TYPES = {ua.ObjectIds.Double: float, ua.ObjectIds.Float: float, ua.ObjectIds.Boolean: bool,
          ua.ObjectIds.String: str, ua.ObjectIds.LocalizedText: str, **{getattr(ua.ObjectIds, name): int for name in
          ("SByte", "Byte", "Int16", "UInt16", "Int32", "UInt32", "Int64", "UInt64")}}


def _key(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", name.lower())


def guess_tag(path: list[str], plant_tags: dict[str, str]) -> str:
    """The plant tag matching the last two names of ``path`` (see the module doc), else one made from them."""
    asset, signal = (path[-2] if len(path) > 1 else "Objects"), path[-1]
    found = plant_tags.get(_key(asset) + "." + _key(signal))
    if found:
        return found
    clean = [re.sub(r"[^A-Za-z0-9_\-]+", "_", part).strip("_") or "x" for part in (asset, signal)]
    return ".".join(clean)


async def discover(endpoint: str, *, security: ClientSecurity | None = None, plant_tags: Iterable[str] = (),
                   max_nodes: int = 20000, timeout: float = 10.0) -> Mapping:
    """Browse ``endpoint`` from the Objects folder and return a starter mapping (see the module doc)."""
    keyed = {_key(t.split(".", 1)[0]) + "." + _key(t.split(".", 1)[1]): t for t in plant_tags}
    client = Client(endpoint, timeout=timeout)
    await (security or ClientSecurity()).apply(client)
    entries: list[TagMap] = []
    async with client:
        queue = [(client.nodes.objects, [])]
        seen = {client.nodes.objects.nodeid, ua.NodeId(ua.ObjectIds.Server)}
        while queue and len(seen) < max_nodes:
            node, path = queue.pop(0)
            for ref in await node.get_children_descriptions(refs=ua.ObjectIds.HierarchicalReferences):
                child = ua.NodeId(ref.NodeId.Identifier, ref.NodeId.NamespaceIndex, ref.NodeId.NodeIdType)
                if child in seen or ref.ReferenceTypeId == ua.NodeId(ua.ObjectIds.HasProperty):
                    continue
                seen.add(child)
                child_path = [*path, ref.BrowseName.Name]
                if ref.NodeClass == ua.NodeClass.Variable:
                    entries.append(await _entry(client.get_node(child), child_path, keyed))
                queue.append((client.get_node(child), child_path))
    used: set[str] = set()
    unique = []
    for entry in entries:
        tag, n = entry.tag, 2
        while tag in used or not TAG_NAME.match(tag):
            tag = f"{entry.tag}_{n}" if TAG_NAME.match(f"{entry.tag}_{n}") else f"X-{len(used)}.signal"
            n += 1
        used.add(tag)
        unique.append(TagMap(tag=tag, node=entry.node, unit=entry.unit, dtype=entry.dtype))
    sized = plan(len(unique))
    return Mapping(tags=tuple(unique), endpoint=endpoint, publishing_interval=sized.publishing_interval,
                   sampling_interval=sized.sampling_interval, queue_size=sized.queue_size,
                   tags_per_subscription=sized.tags_per_subscription)


async def _entry(node, path: list[str], keyed: dict[str, str]) -> TagMap:
    datatype = await node.read_data_type()
    unit = ""
    try:
        eu = await (await node.get_child("0:EngineeringUnits")).read_value()
        unit = eu.DisplayName.Text or ""
    except ua.UaError:
        pass
    dtype = _TYPES.get(datatype.Identifier, float) if datatype.NamespaceIndex == 0 else float
    return TagMap(tag=guess_tag(path, keyed), node=node.nodeid.to_string(), unit=unit, dtype=dtype)
