"""The twin served over OPC UA: every tag of a TagBus becomes a variable that SCADA/MES clients read and subscribe to.

The address space follows the plant hierarchy, ``Objects/site/area/space/asset/signal``; each signal's NodeId is
``ns=<urn:pharma-twin:tags>;s=<tag>`` so that mappings stay valid when the hierarchy changes. Float signals are
``AnalogItemType`` variables with ``EngineeringUnits`` (UNECE codes, OPC UA Part 8) and ``EURange``. Setpoint
tags are writable: a client's write lands in the TagBus, i.e. in the twin's inputs. Every change of a historized tag
is stored in asyncua's SQLite history store (as it is served, not sampled by a subscription as asyncua's own
``historize_node_data_change`` does), so that clients can read the history after the fact.

>>> server = TwinServer(bus, "opc.tcp://127.0.0.1:4840", setpoints=["R-101.TT-SP"])  # doctest: +SKIP
>>> async with server:                                                                  # doctest: +SKIP
...     await asyncio.sleep(3600)
"""
from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from fnmatch import fnmatchcase
from pathlib import Path

from asyncua import Server, ua
from asyncua.common.callback import CallbackType
from asyncua.server.history_sql import HistorySQLite

from bridge.security import SERVER_URI, ServerSecurity
from twin.tags import Quality, Tag, TagBus

NAMESPACE = "urn:pharma-twin:tags"
UNECE_NAMESPACE = "http://www.opcfoundation.org/UA/units/un/cefact"
# UN/CEFACT Recommendation 20 common codes of the units a pharma plant uses.
UNECE_CODES = {
    "K": "KEL", "degC": "CEL", "°C": "CEL", "Pa": "PAL", "kPa": "KPA", "bar": "BAR", "kg": "KGM", "g": "GRM",
    "kg/s": "KGS", "kg/h": "E93", "m3/s": "MQS", "m3/h": "MQH", "L": "LTR", "m3": "MTQ", "m": "MTR", "m/s": "MTS",
    "s": "SEC", "min": "MIN", "h": "HUR", "W": "WTT", "kW": "KWT", "J": "JOU", "kWh": "KWH", "%": "P1",
    "1/s": "S4", "Hz": "HTZ", "rpm": "RPM", "A": "AMP", "V": "VLT", "kg/m3": "KMQ", "mol": "C34", "": "C62",
}
_VARIANT = {float: ua.VariantType.Double, int: ua.VariantType.Int64, bool: ua.VariantType.Boolean,
            str: ua.VariantType.String, bytes: ua.VariantType.ByteString}  # bytes: an FMI 3 Binary
_DATATYPE = {float: ua.ObjectIds.Double, int: ua.ObjectIds.Int64, bool: ua.ObjectIds.Boolean,
             str: ua.ObjectIds.String, bytes: ua.ObjectIds.ByteString}
STATUS = {Quality.GOOD: ua.StatusCodes.Good, Quality.UNCERTAIN: ua.StatusCodes.Uncertain,
          Quality.BAD: ua.StatusCodes.Bad}


def unece_unit_id(code: str) -> int:
    """OPC UA Part 8 §5.6.3: the UnitId of a UNECE common code packs its (up to three) characters into an Int32."""
    unit_id = 0
    for char in code:
        unit_id = (unit_id << 8) | ord(char)
    return unit_id


def eu_information(unit: str) -> ua.EUInformation:
    """The ``EngineeringUnits`` value of a unit; units without a UNECE code get ``UnitId = -1`` and their name."""
    code = UNECE_CODES.get(unit)
    return ua.EUInformation(
        NamespaceUri=UNECE_NAMESPACE,
        UnitId=unece_unit_id(code) if code else -1,
        DisplayName=ua.LocalizedText(unit),
        Description=ua.LocalizedText(unit),
    )


def hierarchy_of(plant) -> dict[str, tuple[str, str, str]]:
    """Where each asset of a :class:`twin.plant.Plant` sits: ``(site, area, space)`` = plant, storey, room."""
    return {asset.tag: (plant.name, asset.storey or "unplaced", asset.space or "unplaced") for asset in plant}


class _SQLiteHistory(HistorySQLite):
    """asyncua's SQLite history store, tuned for many small commits, with two fixes: table names that string NodeIds
    fit (asyncua quotes them, then rejects its own quotes as SQL injection), and timestamps kept as naive UTC, since
    Python's sqlite3 cannot read back an aware timestamp that falls on a whole second."""

    def _get_table_name(self, node_id: ua.NodeId) -> str:
        return f"{node_id.NamespaceIndex}_{node_id.Identifier}"  # tag names hold only letters, digits, _ - .

    async def init(self) -> None:
        await super().init()
        # asyncua commits every value: with a write-ahead log a commit need not wait for the disk (a crash of the
        # server loses nothing committed; only a power cut may lose the last moments).
        await self._db.execute("PRAGMA journal_mode=WAL")
        await self._db.execute("PRAGMA synchronous=NORMAL")

    async def save_node_value(self, node_id: ua.NodeId, datavalue: ua.DataValue) -> None:
        await super().save_node_value(node_id, dataclasses.replace(
            datavalue, SourceTimestamp=_naive(datavalue.SourceTimestamp),
            ServerTimestamp=_naive(datavalue.ServerTimestamp)))

    @staticmethod
    def _get_bounds(start, end, nb_values):
        start_time, end_time, order, limit = HistorySQLite._get_bounds(start, end, nb_values)
        return _naive_text(start_time), _naive_text(end_time), order, limit


def _naive(stamp: datetime | None) -> datetime | None:
    return stamp.astimezone(UTC).replace(tzinfo=None) if stamp is not None and stamp.tzinfo else stamp


def _naive_text(text: str) -> str:
    return _naive(datetime.fromisoformat(text)).isoformat(" ")


class Unservable(OSError):
    """The server cannot listen where it was told (the port taken): the caller's setting, not the network."""


class TwinServer:
    """An OPC UA server over a TagBus. Use ``async with`` (or ``start``/``stop``) inside a running event loop.

    - ``hierarchy``: asset tag -> ``(site, area, space)``; assets not in it are placed under ``name``.
    - ``ranges``: tag -> ``(low, high)`` for ``EURange`` (default: the whole real line).
    - ``setpoints``: glob patterns of tags that clients may write.
    - ``history``: an SQLite file in which the tags matching ``historize`` (glob) are stored.
    - ``time_origin``: UNIX time (s) of the bus's ``t = 0``; source timestamps are ``time_origin + t``.
    - ``clock``: the bus time now, stamped on client writes (default: wall clock less ``time_origin``).
    - ``instruments``: instrument tag -> ``(tag it reads or None, unit, description)``: read-only nodes that serve
      the value of the tag they read (:func:`bridge.instruments.measured_variables`), or no value (None).
    """

    def __init__(self, bus: TagBus, endpoint: str = "opc.tcp://127.0.0.1:4840", *, name: str = "pharma-twin",
                 hierarchy: Mapping[str, Sequence[str]] | None = None,
                 ranges: Mapping[str, tuple[float, float]] | None = None, setpoints: Iterable[str] = (),
                 history: str | Path | None = None, historize: str = "*",
                 security: ServerSecurity | None = None, time_origin: float = 0.0,
                 clock: Callable[[], float] | None = None,
                 instruments: Mapping[str, tuple[str | None, str, str]] | None = None) -> None:
        self.bus, self.endpoint, self.name = bus, endpoint, name
        self.instruments = {tag: spec for tag, spec in (instruments or {}).items() if tag not in bus}
        self._readers: dict[str, list[str]] = {}  # bus tag -> the instrument tags that serve its value
        self.hierarchy = dict(hierarchy or {})
        self.ranges = dict(ranges or {})
        self.setpoints = tuple(setpoints)
        self.history, self.historize = history, historize
        self.security = security or ServerSecurity(allow_anonymous=True)
        self.time_origin = time_origin
        self.clock = clock or (lambda: time.time() - self.time_origin)
        self.server: Server | None = None
        self.ns = 0
        self._node_ids: dict[str, ua.NodeId] = {}
        self._tags_by_node: dict[ua.NodeId, str] = {}
        self._historized: set[ua.NodeId] = set()
        self._storage = None
        self._queue: asyncio.Queue | None = None
        self._writer: asyncio.Task | None = None
        self._unsubscribe: Callable[[], None] | None = None

    async def __aenter__(self) -> TwinServer:
        await self.start()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.stop()

    def node_id(self, tag: str) -> ua.NodeId:
        """The NodeId under which ``tag`` is served."""
        return self._node_ids[tag]

    # -- starting and stopping -----------------------------------------------------------------------------------
    async def start(self) -> None:
        """Build the address space from the bus's tags, then listen on ``endpoint``."""
        server = self.server = Server()
        if self.history is not None:
            self._storage = _SQLiteHistory(str(self.history))
            server.iserver.history_manager.set_storage(self._storage)
        await server.init()
        server.set_endpoint(self.endpoint)
        server.set_server_name(self.name)
        await server.set_application_uri(SERVER_URI)
        await self.security.apply(server)
        self.ns = await server.register_namespace(NAMESPACE)
        await self._build_address_space()
        server.subscribe_server_callback(CallbackType.PreWrite, self._stamp_client_write)
        server.subscribe_server_callback(CallbackType.PostWrite, self._on_client_write)
        self._queue = asyncio.Queue()
        loop = asyncio.get_running_loop()
        self._unsubscribe = self.bus.subscribe(  # the value is taken now, in the writer's thread
            "*", lambda tag: loop.call_soon_threadsafe(self._enqueue, tag.name, self._datavalue(tag)))
        self._writer = asyncio.create_task(self._write_changes())
        try:
            await server.start()
        except OSError as exc:
            await self.stop()
            raise Unservable(f"cannot serve on {self.endpoint}: {exc.strerror or exc}; hint: is another server "
                             "using this port? choose another port") from None

    async def stop(self) -> None:
        """Stop serving; the bus keeps its tags and history."""
        if self._unsubscribe:
            self._unsubscribe()
            self._unsubscribe = None
        if self._writer:
            self._writer.cancel()
            await asyncio.gather(self._writer, return_exceptions=True)
            self._writer = None
        if self.server is not None:
            server, self.server = self.server, None
            await server.stop()

    # -- the address space ---------------------------------------------------------------------------------------
    async def _build_address_space(self) -> None:
        folders: dict[tuple[str, ...], ua.NodeId] = {(): ua.NodeId(ua.ObjectIds.ObjectsFolder)}
        variables, properties = [], []
        served = {name: self.bus[name] for name in self.bus}
        for name, (source, unit, description) in self.instruments.items():
            if source is not None:
                self._readers.setdefault(source, []).append(name)
                served[name] = dataclasses.replace(self.bus[source], name=name, description=description or name)
            else:
                served[name] = Tag(name=name, unit=unit, description=description or name, value=None)
        for name, tag in served.items():
            path = (*self.hierarchy.get(tag.asset, (self.name,)), tag.asset)
            parent = await self._folder(path, folders)
            node_id = ua.NodeId(name, self.ns)
            self._node_ids[name] = node_id
            self._tags_by_node[node_id] = name
            if self.history is not None and fnmatchcase(name, self.historize):
                self._historized.add(node_id)
            variables.append(self._variable(tag, node_id, parent))
            if tag.dtype is float:
                properties += self._analog_properties(tag, node_id)
        isession = self.server.iserver.isession
        for items in (variables, properties):
            for result in await isession.add_nodes(items):
                result.StatusCode.check()
        for node_id in self._historized:
            await self._storage.new_historized_node(node_id, period=None)
        for name, node_id in self._node_ids.items():  # the current values, with their timestamps and quality
            await self._set(node_id, self._datavalue(served[name]))

    async def _folder(self, path: tuple[str, ...], folders: dict) -> ua.NodeId:
        if path not in folders:
            parent = await self._folder(path[:-1], folders)
            node = await self.server.get_node(parent).add_folder(ua.NodeId("/".join(path), self.ns),
                                                                 ua.QualifiedName(path[-1], self.ns))
            folders[path] = node.nodeid
        return folders[path]

    def _variable(self, tag: Tag, node_id: ua.NodeId, parent: ua.NodeId) -> ua.AddNodesItem:
        writable = tag.name in self.bus and any(fnmatchcase(tag.name, p) for p in self.setpoints)
        historized = node_id in self._historized
        access = (ua.AccessLevel.CurrentRead.mask | (ua.AccessLevel.CurrentWrite.mask if writable else 0)
                  | (ua.AccessLevel.HistoryRead.mask if historized else 0))
        attrs = ua.VariableAttributes(
            DisplayName=ua.LocalizedText(tag.name.split(".", 1)[1]),
            Description=ua.LocalizedText(tag.description or tag.name),
            Value=self._datavalue(tag).Value,
            DataType=ua.NodeId(_DATATYPE[tag.dtype]),
            ValueRank=ua.ValueRank.Scalar,
            AccessLevel=access,
            UserAccessLevel=access,
            Historizing=historized,
        )
        return ua.AddNodesItem(
            ParentNodeId=parent,
            ReferenceTypeId=ua.NodeId(ua.ObjectIds.HasComponent),
            RequestedNewNodeId=node_id,
            BrowseName=ua.QualifiedName(tag.name.split(".", 1)[1], self.ns),
            NodeClass=ua.NodeClass.Variable,
            NodeAttributes=attrs,
            TypeDefinition=ua.NodeId(ua.ObjectIds.AnalogItemType if tag.dtype is float
                                     else ua.ObjectIds.BaseDataVariableType),
        )

    def _analog_properties(self, tag: Tag, node_id: ua.NodeId) -> list[ua.AddNodesItem]:
        low, high = self.ranges.get(tag.name, (-1.7976931348623157e308, 1.7976931348623157e308))
        values = {
            "EngineeringUnits": (ua.Variant(eu_information(tag.unit)), ua.ObjectIds.EUInformation),
            "EURange": (ua.Variant(ua.Range(Low=float(low), High=float(high))), ua.ObjectIds.Range),
        }
        return [
            ua.AddNodesItem(
                ParentNodeId=node_id,
                ReferenceTypeId=ua.NodeId(ua.ObjectIds.HasProperty),
                RequestedNewNodeId=ua.NodeId(f"{tag.name}.{prop}", self.ns),
                BrowseName=ua.QualifiedName(prop, 0),
                NodeClass=ua.NodeClass.Variable,
                NodeAttributes=ua.VariableAttributes(
                    DisplayName=ua.LocalizedText(prop), Value=value, DataType=ua.NodeId(datatype),
                    ValueRank=ua.ValueRank.Scalar, AccessLevel=ua.AccessLevel.CurrentRead.mask,
                    UserAccessLevel=ua.AccessLevel.CurrentRead.mask),
                TypeDefinition=ua.NodeId(ua.ObjectIds.PropertyType),
            )
            for prop, (value, datatype) in values.items()
        ]

    def _datavalue(self, tag: Tag) -> ua.DataValue:
        """The tag's value as OPC UA serves it; a tag never written (a bool or int one has no NaN) is an empty value
        with status BadWaitingForInitialData."""
        if tag.value is None:
            return ua.DataValue(ua.Variant(), StatusCode=ua.StatusCode(ua.StatusCodes.BadWaitingForInitialData),
                                ServerTimestamp=datetime.now(UTC))
        stamp = None if tag.timestamp != tag.timestamp else datetime.fromtimestamp(self.time_origin + tag.timestamp,
                                                                                   UTC)
        return ua.DataValue(ua.Variant(tag.dtype(tag.value), _VARIANT[tag.dtype]),
                            StatusCode=ua.StatusCode(STATUS[tag.quality]), SourceTimestamp=stamp,
                            ServerTimestamp=datetime.now(UTC))

    # -- bus -> OPC UA -------------------------------------------------------------------------------------------
    def _enqueue(self, name: str, datavalue: ua.DataValue) -> None:
        if name in self._node_ids:  # tags defined after the start are not served
            self._queue.put_nowait((self._node_ids[name], datavalue))
            for reader in self._readers.get(name, ()):
                self._queue.put_nowait((self._node_ids[reader], datavalue))

    async def _write_changes(self) -> None:
        while True:
            await self._set(*await self._queue.get())

    async def _set(self, node_id: ua.NodeId, datavalue: ua.DataValue) -> None:
        """Serve a new value, and store it when the node is historized: every change, none sampled away."""
        await self.server.iserver.aspace.write_attribute_value(node_id, ua.AttributeIds.Value, datavalue)
        if node_id in self._historized:
            await self._storage.save_node_value(node_id, datavalue)

    # -- OPC UA -> bus (setpoints) -------------------------------------------------------------------------------
    async def _stamp_client_write(self, event, _dispatcher) -> None:
        """Before a client's write: stamp it with the twin's time, so that OPC UA and the bus agree on it."""
        for item in event.request_params.NodesToWrite:
            name = self._tags_by_node.get(item.NodeId)
            if name is not None and item.AttributeId == ua.AttributeIds.Value:
                t = max(self.clock(), self.bus[name].timestamp)  # never before the tag's last value (NaN: never set)
                item.Value = dataclasses.replace(item.Value, SourceTimestamp=datetime.fromtimestamp(
                    self.time_origin + t, UTC), ServerTimestamp=datetime.now(UTC))

    async def _on_client_write(self, event, _dispatcher) -> None:
        """After a client's write: the value goes into the bus, i.e. into the twin's inputs."""
        for item, status in zip(event.request_params.NodesToWrite, event.response_params):
            name = self._tags_by_node.get(item.NodeId)
            if name is None or item.AttributeId != ua.AttributeIds.Value or not status.is_good():
                continue
            t = round(item.Value.SourceTimestamp.timestamp() - self.time_origin, 6)
            self.bus.write(name, item.Value.Value.Value, t=max(t, self.bus[name].timestamp))
