"""Live tags from an OPC UA server into a TagBus, for commands of the packages below the bridge.

``twin monitor live`` (in ``twin``, which never imports the bridge) finds this function through the entry-point group
``twin.live_feeds`` (``opcua = "bridge.feed:feed"``, see pyproject.toml)::

    async with feed(bus, "opc.tcp://127.0.0.1:4840", ["FD-1.rate", "NIR-1.api"]) as origin:
        ...   # the bus follows the server; a value stamped T (UNIX s) lands at t = T - origin

Without a mapping file the nodes are found by tag name in the ``urn:pharma-twin:tags`` namespace, as ``twin serve``
publishes them (a virtual plant); a live plant's server needs a mapping (``twin bridge --discover``). Anonymous,
unencrypted, as ``twin follow``: a loopback or a trusted network.
"""
from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Callable


@contextlib.asynccontextmanager
async def feed(bus, endpoint: str, tags: list[str], *, mapping: str | None = None,
               report: Callable[[str], None] | None = None) -> AsyncIterator[float]:
    """Keep ``tags`` of ``bus`` in step with the server at ``endpoint`` while inside; yields the time origin."""
    from bridge.client import Bridge
    from bridge.follow import _namespace
    from bridge.mapping import Mapping, TagMap, load_mapping

    if mapping is not None:
        bindings = load_mapping(mapping)
    else:
        ns = await _namespace(endpoint)
        bindings = Mapping(tuple(TagMap(name, node=f"ns={ns};s={name}") for name in tags), endpoint=endpoint)
    origin = time.time()
    async with Bridge(bus, bindings, endpoint, time_origin=origin, report=report):
        yield origin
