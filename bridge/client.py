"""The live plant into the twin: an OPC UA client that keeps the mapped tags of a TagBus in step with a server.

>>> bridge = Bridge(bus, load_mapping("plant.yaml"), "opc.tcp://plc:4840")   # doctest: +SKIP
>>> async with bridge:                                                         # doctest: +SKIP
...     await asyncio.sleep(3600)   # the bus follows the plant meanwhile

One subscription carries every mapped node (monitored items created in batches, so thousands of tags connect in
seconds); each data change lands in the bus with its source timestamp and its status as the tag's quality.

When the connection drops, the bridge reconnects (a back-off doubling from 0.5 s, capped at 2 s and reset by a
good connection, so that an outage costs at most 2 s more than its length), re-creates the subscription and reads
every tag's current value. For nodes the server historizes it back-fills the gap from the server's history; for
the others it marks the gap explicitly: a BAD-quality entry (NaN for float tags) where the data stopped. A value
is written only if its source timestamp is newer than the tag's last one, so nothing is ever written twice.
Bad input (an unknown node, a value that does not convert) is reported in ``problems`` and that tag is skipped;
the other tags keep flowing.

Only the network is worth retrying. A refusal that retrying cannot fix (the server does not trust this client's
certificate, does not offer the policy, refuses the login) ends :meth:`Bridge.run` with :class:`Refused`: one
message saying what to change.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from asyncua import Client, ua
from asyncua.common.subscription import DataChangeEvent, StatusChangeEvent, Subscription

from bridge.mapping import Mapping, TagMap
from bridge.security import ClientSecurity
from twin.config import ConfigError
from twin.tags import Quality, TagBus

log = logging.getLogger(__name__)
BATCH = 1000  # nodes per read / monitored-item request
SHOWN = 20  # problems reported one by one; the others are only counted
# Status codes by which a server refuses a connection for a reason that retrying cannot fix: the settings must change.
REFUSALS = {
    "BadSecurityPolicyRejected": "the server does not offer this security policy; see its endpoints with "
                                 "`twin bridge --discover`",
    "BadSecurityModeRejected": "the server does not offer this security mode (with policy None: it takes secured "
                               "connections only; give e.g. --policy Basic256Sha256,SignAndEncrypt --pki ./pki)",
    "BadCertificateUntrusted": "the server does not trust this client's certificate",
    "BadSecurityChecksFailed": "the server does not trust this client's certificate",
    "BadCertificateInvalid": "the server rejected this client's certificate",
    "BadCertificateUriInvalid": "the server rejected this client's certificate (its application URI)",
    "BadCertificateTimeInvalid": "this client's certificate has expired or is not yet valid: delete PKI/own to make "
                                 "a new one",
    "BadUserAccessDenied": "the server refused the user name / password or user certificate",
    "BadIdentityTokenRejected": "the server does not accept this kind of login (anonymous, user name or "
                                "certificate); set --user or --cert-login",
    "BadIdentityTokenInvalid": "the server refused the login (anonymous, user name or certificate); set --user or "
                               "--cert-login",
    "BadTcpEndpointUrlInvalid": "the server does not serve this endpoint URL; see its endpoints with "
                                "`twin bridge --discover`",
}


_OVERFLOW = 0x0480  # StatusCode InfoType DataValue (bit 10) with the Overflow bit (7): a queue discarded values


class _Subscription(Subscription):
    """asyncua's subscription (iterator mode, unbounded queue) that checks the sequence numbers of its notification
    messages, reporting ``count`` missing ones to ``on_lost(count)`` and setting ``lost`` (re-subscribe), and keeps the
    server's revised monitored-item settings of its last request in ``revised``."""

    def __init__(self, session, params, on_lost: Callable[[int], None], lost: asyncio.Event) -> None:
        super().__init__(session, params, None, queue_maxsize=0)
        self.on_lost, self.lost = on_lost, lost
        self.revised: list[ua.MonitoredItemCreateResult] = []
        self._expected: int | None = None
        self._overflowed: set[int] = set()  # client handles flagged Overflow in the last data message

    async def publish_callback(self, publish_result: ua.PublishResult) -> None:
        message = publish_result.NotificationMessage
        if message.NotificationData:  # a keep-alive carries the next number without using it
            number = int(message.SequenceNumber)
            if self._expected is not None and number != self._expected:
                self.on_lost((number - self._expected) % 0xFFFFFFFF)
                self.lost.set()
            self._expected = number % 0xFFFFFFFF + 1  # 1 follows 2**32 - 1 (0 is never used)
            for data in message.NotificationData:
                if isinstance(data, ua.DataChangeNotification):
                    self._overflowed = _spread_overflow(data.MonitoredItems, self._overflowed)
        await super().publish_callback(publish_result)

    async def create_monitored_items(self, monitored_items):
        session, kept = self.server, []
        original = session.create_monitored_items

        async def keep(params):
            results = await original(params)
            kept.extend(results)
            return results

        session.create_monitored_items = keep
        try:
            return await super().create_monitored_items(monitored_items)
        finally:
            del session.create_monitored_items
            self.revised = kept


def _spread_overflow(items: list[ua.MonitoredItemNotification], before: set[int]) -> set[int]:
    """Set the Overflow bit on every value of an item that carries it on one of its values in this message, or did in
    the message ``before`` (client handles); return this message's. Servers differ in which value they flag and which
    they discard (node-opcua keeps the flagged oldest and replaces the newest, whose successor may come in the next
    message), so the values lost may lie before any of them: a BAD mark before each is the honest record."""
    flagged = {item.ClientHandle for item in items
               if item.Value.StatusCode is not None and item.Value.StatusCode.value & _OVERFLOW == _OVERFLOW}
    for item in items:
        if item.ClientHandle in flagged | before:
            status = item.Value.StatusCode or ua.StatusCode(ua.StatusCodes.Good)
            item.Value.StatusCode = ua.StatusCode(status.value | _OVERFLOW)
    return flagged


class Refused(Exception):
    """The server refused the connection for a reason that retrying will not fix; the message says what to change."""


def quality_of(status: ua.StatusCode | None) -> Quality:
    """An OPC UA status code's severity as a tag quality (the two top bits: 00 good, 01 uncertain, 1x bad)."""
    if status is None:
        return Quality.GOOD
    return (Quality.GOOD, Quality.UNCERTAIN, Quality.BAD, Quality.BAD)[status.value >> 30]


class Bridge:
    """Keeps ``bus`` in step with the nodes of ``mapping`` on an OPC UA server, across connection losses.

    - ``endpoint``: overrides the mapping's endpoint.
    - ``time_origin``: UNIX time (s) of the bus's ``t = 0``; a value stamped ``T`` lands at ``t = T - time_origin``.
    - ``backoff``: first and longest wait (s) between reconnection attempts.
    - ``report``: called with each problem message (besides collecting them in ``problems``).
    """

    def __init__(self, bus: TagBus, mapping: Mapping, endpoint: str | None = None, *,
                 security: ClientSecurity | None = None, time_origin: float = 0.0, timeout: float = 4.0,
                 backoff: tuple[float, float] = (0.5, 2.0), report: Callable[[str], None] | None = None) -> None:
        self.bus, self.mapping = bus, mapping
        self.endpoint = endpoint or mapping.endpoint
        if not self.endpoint:
            raise ConfigError("no endpoint", file=mapping.source,
                              hint="give one (opc.tcp://host:4840) on the command line or as `endpoint:` in it")
        self.security = security or ClientSecurity()
        self.time_origin, self.timeout, self.backoff = time_origin, timeout, backoff
        self.report = report
        self.problems: list[str] = []
        self.stats = {"updates": 0, "duplicates": 0, "backfilled": 0, "gaps": 0, "reconnects": 0, "connections": 0,
                      "lost": 0, "lost_messages": 0}
        self.connected = asyncio.Event()
        self._last: dict[str, float] = {}  # tag -> bus time of the last value written
        self._maps = {m.tag: m for m in mapping.tags}
        self._by_node: dict[ua.NodeId, list[TagMap]] = {}  # one node may feed several tags
        self._historizing: set[str] = set()
        self._reported: set[str] = set()
        self._task: asyncio.Task | None = None
        self._lost_at: float | None = None  # bus time the connection was lost at, while it is
        for m in mapping.tags:
            try:
                bus.define(m.tag, unit=m.unit, dtype=m.dtype)
            except ValueError as exc:
                raise ConfigError(str(exc), file=m.where) from None
            self._last[m.tag] = bus[m.tag].timestamp

    async def __aenter__(self) -> Bridge:
        self._task = asyncio.create_task(self.run())
        return self

    async def __aexit__(self, *exc) -> None:
        self._task.cancel()
        try:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task  # a bug inside the bridge surfaces here rather than vanishing with its task
        finally:
            if self._lost_at is not None and not self.connected.is_set():  # the record ends in an outage: say so
                for name in self._maps:
                    if not math.isnan(self._last[name]):
                        self._mark_gap(name, self._lost_at, None)

    @property
    def finished(self) -> bool:
        """True once :meth:`run` has ended (a :class:`Refused` connection; leaving ``async with`` raises it)."""
        return self._task is not None and self._task.done()

    # -- the connection loop -------------------------------------------------------------------------------------
    async def run(self) -> None:
        """Connect, follow the server, and reconnect with backoff whenever the connection is lost; until cancelled."""
        delays, lost_at = backoff(*self.backoff), None
        while True:
            try:
                lost_at = self._lost_at = await self._session(lost_at)
                delays = backoff(*self.backoff)
                self.stats["reconnects"] += 1
            except (OSError, TimeoutError, ConnectionError, ua.UaError, ValueError, AssertionError) as exc:
                refusal = refusal_of(exc, self.endpoint, self.security)
                if refusal:
                    raise Refused(refusal) from None
                delay = next(delays)
                self._problem(self._explain(exc) + f"; retrying every {self.backoff[1]:g} s at most",
                              key=f"connect:{type(exc)}")
                lost_at = self._lost_at = lost_at if lost_at is not None else self._now()
                self.connected.clear()
                await asyncio.sleep(delay)
                continue
            self.connected.clear()
            await asyncio.sleep(next(delays))

    async def _session(self, lost_at: float | None) -> float:
        """One connection, from connect to loss; returns the bus time at which the connection was lost."""
        client = Client(self.endpoint, timeout=self.timeout, watchdog_intervall=self.timeout)
        lost = asyncio.Event()

        async def on_lost(_exc: Exception) -> None:
            lost.set()

        client.connection_lost_callback = on_lost
        try:
            await self.security.apply(client)
        except ValueError as exc:  # SecurityError: a setting that cannot work
            raise Refused(str(exc)) from None
        await client.connect()
        try:
            nodes = await self._resolve(client)
            subs = await self._monitor(client, nodes, lost)
            await self._catch_up(client, nodes, lost_at)
            self.connected.set()
            self.stats["connections"] += 1
            self._reported = {key for key in self._reported if not key.startswith("connect:")}  # report anew
            tasks = {asyncio.create_task(self._consume(sub, lost)) for sub in subs} | {asyncio.create_task(lost.wait())}
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in tasks:
                task.cancel()
            for task in done:
                if not task.cancelled() and task.exception():
                    raise task.exception()  # a bug: surfaces in run()'s caller, never swallowed
            return min(self._healthy_until(sub) for sub in subs) if subs else self._now()
        finally:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.disconnect(), self.timeout)

    def _healthy_until(self, sub) -> float:
        """Bus time up to which every change is known to have arrived: the last publish response received (data or
        keep-alive), less one sampling interval and a network allowance."""
        received = sub.last_publish_at
        now = self._now()
        at = now - (time.monotonic() - received) if received is not None else now
        return at - self.mapping.sampling_interval - 0.1

    def _subscription_parameters(self) -> ua.CreateSubscriptionParameters:
        return ua.CreateSubscriptionParameters(
            RequestedPublishingInterval=1000 * self.mapping.publishing_interval,
            RequestedLifetimeCount=max(30, int(60 / self.mapping.publishing_interval)),
            RequestedMaxKeepAliveCount=max(3, int(5 / self.mapping.publishing_interval)),
            MaxNotificationsPerPublish=0, PublishingEnabled=True, Priority=0)

    # -- resolving and checking the nodes ------------------------------------------------------------------------
    async def _resolve(self, client: Client) -> dict[str, ua.NodeId]:
        """NodeIds of the mapped tags (browse paths translated in batches), checked to exist and be readable."""
        found: dict[str, ua.NodeId] = {}
        by_path = [m for m in self.mapping.tags if m.path is not None]
        for m in self.mapping.tags:
            if m.node is not None:
                found[m.tag] = ua.NodeId.from_string(m.node)
        objects = ua.NodeId(ua.ObjectIds.ObjectsFolder)
        for i in range(0, len(by_path), BATCH):
            chunk = by_path[i:i + BATCH]
            results = await client.translate_browsepaths(objects, ["/" + m.path for m in chunk])
            for m, result in zip(chunk, results):
                if result.StatusCode.is_good() and result.Targets:
                    target = result.Targets[0].TargetId
                    found[m.tag] = ua.NodeId(target.Identifier, target.NamespaceIndex, target.NodeIdType)
                else:
                    self._problem(f"{m.where}: browse path {m.path} does not exist on {self.endpoint} "
                                  f"({result.StatusCode.name}); tag {m.tag} is not bridged; hint: "
                                  "`twin bridge --discover` lists the server's nodes", key=m.tag)
        names = list(found)
        historizing: set[str] = set()
        for i in range(0, len(names), BATCH):
            chunk = names[i:i + BATCH]
            values = await _read(client, [found[n] for n in chunk], ua.AttributeIds.Value)
            flags = await _read(client, [found[n] for n in chunk], ua.AttributeIds.Historizing)
            for name, value, flag in zip(chunk, values, flags):
                if value.StatusCode.name in ("BadNodeIdUnknown", "BadNodeIdInvalid", "BadAttributeIdInvalid"):
                    m = self._maps[name]
                    self._problem(f"{m.where}: node {m.source} does not exist on {self.endpoint} "
                                  f"({value.StatusCode.name}); tag {name} is not bridged; hint: "
                                  "`twin bridge --discover` lists the server's nodes", key=name)
                    del found[name]
                elif flag.StatusCode.is_good() and flag.Value.Value:
                    historizing.add(name)
        self._historizing = historizing
        self._by_node = {}
        for name, node in found.items():
            self._by_node.setdefault(node, []).append(self._maps[name])
        return found

    async def _monitor(self, client: Client, nodes: dict[str, ua.NodeId], lost: asyncio.Event) -> list[Subscription]:
        """Subscriptions of ``tags_per_subscription`` nodes each, their monitored items created in batches (at most
        the server's MaxMonitoredItemsPerCall); a node the server refuses is reported and skipped, and settings the
        server revised so far that changes would be lost are reported."""
        unique = list(dict.fromkeys(nodes.values()))
        per_call = await _operation_limit(client, "MaxMonitoredItemsPerCall", BATCH)
        subs = []
        for first in range(0, len(unique), self.mapping.tags_per_subscription):
            sub = _Subscription(client.uaclient.session, self._subscription_parameters(), self._lost_messages, lost)
            self._check_revised_interval(await sub.init())
            subs.append(sub)
            part = unique[first:first + self.mapping.tags_per_subscription]
            for i in range(0, len(part), per_call):
                chunk = part[i:i + per_call]
                handles = await sub.subscribe_data_change(
                    [client.get_node(n) for n in chunk], queuesize=self.mapping.queue_size,
                    sampling_interval=1000 * self.mapping.sampling_interval)
                for node, handle in zip(chunk, handles):
                    for m in self._by_node[node] if isinstance(handle, ua.StatusCode) else ():
                        self._problem(f"{m.where}: the server refused to monitor node {m.source} ({handle.name}); "
                                      f"tag {m.tag} is not bridged", key=m.tag)
                self._check_revised_items(sub.revised)
        return subs

    def _check_revised_interval(self, result: ua.CreateSubscriptionResult) -> None:
        """A server may publish less often than asked: then each queue must hold more changes."""
        interval = result.RevisedPublishingInterval / 1000
        if interval > self.mapping.publishing_interval * 1.01:
            self._problem(f"{self.endpoint} publishes every {interval:g} s, not every "
                          f"{self.mapping.publishing_interval:g} s as asked: changes wait longer",
                          key="revised:interval")

    def _check_revised_items(self, results: list[ua.MonitoredItemCreateResult]) -> None:
        """Report queues the server cut below what one publishing interval (plus 1 s of slack) of changes needs."""
        rate = self.mapping.change_rate
        need = max(1, math.ceil(rate * (self.mapping.publishing_interval + 1.0)))
        small = [r.RevisedQueueSize for r in results if r.StatusCode.is_good() and r.RevisedQueueSize < need]
        if small:
            self._problem(f"{self.endpoint} cut the queues of {len(small)} monitored items to {min(small)} values, "
                          f"fewer than the {need} that {rate:g} changes a second need: changes will be lost (counted "
                          "as lost); hint: lower change_rate or ask the server's administrator for longer queues",
                          key="revised:queue")

    def _lost_messages(self, count: int) -> None:
        """Notification messages missing from a subscription's sequence: their changes are lost (then re-read)."""
        self.stats["lost_messages"] += count
        self.stats["lost"] += count
        self._problem(f"{self.endpoint} skipped {count} notification message(s) in a subscription's sequence: the "
                      "changes they carried are lost; the bridge re-subscribes and back-fills or marks the gap",
                      key=f"sequence:{self.stats['lost_messages']}")

    # -- catching up after a (re)connection ----------------------------------------------------------------------
    async def _catch_up(self, client: Client, nodes: dict[str, ua.NodeId], lost_at: float | None) -> None:
        """Back-fill or mark the gap of every tag, then write the current values read from the server."""
        names = list(nodes)
        current: dict[str, ua.DataValue] = {}
        for i in range(0, len(names), BATCH):
            chunk = names[i:i + BATCH]
            current.update(zip(chunk, await _read(client, [nodes[n] for n in chunk], ua.AttributeIds.Value)))
        stamps = {name: self._stamp(dv) for name, dv in current.items()}
        gap = [] if lost_at is None else [name for name in names if not math.isnan(self._last[name])]
        filled = await self._backfill(client, {n: nodes[n] for n in gap if n in self._historizing}, stamps)
        for name in names:
            marked = name in gap and name not in filled and self._mark_gap(name, lost_at, stamps[name])
            if not self._deliver(self._maps[name], current[name]) and marked:
                self._deliver(self._maps[name], current[name], at=self._now())  # unchanged: re-read, stamped now

    async def _backfill(self, client: Client, nodes: dict[str, ua.NodeId], current: dict[str, float]) -> set[str]:
        """Write the values the server's history holds after each tag's last value, up to its ``current`` one;
        return the tags whose history reached it (the others have a gap to mark).

        One HistoryRead carries many nodes: tags whose last values lie close together share a request (and its
        start time). The server may store a value a moment after serving it: nodes whose history stops short are
        read again until it is there, up to ``timeout``."""
        todo = {name for name in nodes if current[name] > self._last[name]}
        filled = set(nodes) - todo  # unchanged since the last value: nothing to fill
        found: dict[str, list[ua.DataValue]] = {}
        deadline = time.monotonic() + self.timeout
        while todo:
            for group in self._history_groups(todo):
                start = datetime.fromtimestamp(self.time_origin + self._last[group[0]], UTC)
                end = datetime.fromtimestamp(self.time_origin + max(self._now(), *map(current.get, group)) + 1.0, UTC)
                try:
                    results = await read_history(client, [nodes[name] for name in group], start, end)
                except ua.UaError as exc:
                    results = [ua.StatusCode(getattr(exc, "code", ua.StatusCodes.Bad))] * len(group)
                refused: dict[str, list[str]] = {}
                for name, result in zip(group, results):
                    if isinstance(result, ua.StatusCode):
                        refused.setdefault(result.name, []).append(name)
                        todo.discard(name)
                        continue
                    found[name] = result
                    if any(self._stamp(dv) >= current[name] for dv in result):
                        todo.discard(name)
                        filled.add(name)
                for status, names in refused.items():
                    listed = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
                    self._problem(f"the server's history of {listed} could not be read ({status}); their gaps are "
                                  "marked instead", key=f"history:{status}:{names[0]}")
            if not todo or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.05)
        for name, values in found.items():
            for dv in sorted(values, key=self._stamp):
                if self._stamp(dv) > self._last[name] and self._deliver(self._maps[name], dv):
                    self.stats["backfilled"] += 1
        return filled

    def _history_groups(self, names: set[str]) -> list[list[str]]:
        """The tags in HistoryRead requests: by their last value's time, at most ``BATCH`` a request and a second
        apart at most, so that no request reads much history that one of its tags already has."""
        groups: list[list[str]] = []
        for name in sorted(names, key=self._last.__getitem__):
            if not groups or len(groups[-1]) == BATCH or self._last[name] - self._last[groups[-1][0]] > 1.0:
                groups.append([])
            groups[-1].append(name)
        return groups

    def _mark_gap(self, name: str, lost_at: float, next_stamp: float | None) -> bool:
        """A BAD entry (NaN, or the last value for other types) where the data may have stopped: at ``lost_at``,
        the end of the healthy connection, or just after the tag's last value if the next one came before that."""
        last = self._last[name]
        at = max(math.nextafter(last, math.inf), lost_at)
        if next_stamp is not None and last < next_stamp <= at:
            at = math.nextafter(last, math.inf)
        tag = self.bus[name]
        self.bus.write(name, math.nan if tag.dtype is float else tag.value, t=at, quality=Quality.BAD)
        self._last[name] = at
        self.stats["gaps"] += 1
        return True

    # -- data changes --------------------------------------------------------------------------------------------
    async def _consume(self, sub, lost: asyncio.Event) -> None:
        async for event in sub:
            if isinstance(event, DataChangeEvent):
                dv = event.data.monitored_item.Value
                overflow = dv.StatusCode is not None and dv.StatusCode.value & _OVERFLOW == _OVERFLOW
                for tag_map in self._by_node.get(event.node.nodeid, ()):
                    if overflow:
                        self._overflowed(tag_map, dv)
                    self._deliver(tag_map, dv)
            elif isinstance(event, StatusChangeEvent) and not event.notification.Status.is_good():
                lost.set()

    def _overflowed(self, m: TagMap, dv: ua.DataValue) -> None:
        """The server's queue of ``m``'s node overflowed before ``dv``: values were discarded. Counted as lost and
        marked BAD just after the tag's last value (the server does not say how many)."""
        self.stats["lost"] += 1
        stamp = self._stamp(dv)
        if stamp > math.nextafter(self._last[m.tag], math.inf):
            self._mark_gap(m.tag, self._last[m.tag], stamp)
        self._problem(f"{self.endpoint} discarded values of {m.tag} and others (their queues overflowed: "
                      f"queue_size {self.mapping.queue_size} at {self.mapping.change_rate:g} changes a second); they "
                      "are counted as lost and marked BAD; hint: raise subscription queue_size or change_rate",
                      key="overflow")

    def _deliver(self, m: TagMap, dv: ua.DataValue, at: float | None = None) -> bool:
        """Write one server value into the bus (at its timestamp, or ``at``) unless it is not newer than the tag's
        last value; True if written."""
        t = self._stamp(dv) if at is None else at
        if t <= self._last[m.tag]:
            self.stats["duplicates"] += 1
            return False
        quality = quality_of(dv.StatusCode)
        raw = dv.Value.Value if dv.Value is not None else None
        if raw is None and quality is not Quality.GOOD:
            value = math.nan if m.dtype is float else self.bus[m.tag].value
        else:
            try:
                value = m.convert(raw)
            except TypeError as exc:
                self._problem(str(exc) + "; its other values are skipped too until they convert", key=f"type:{m.tag}")
                return False
        self.bus.write(m.tag, value, t=t, quality=quality)
        self._last[m.tag] = t
        self.stats["updates"] += 1
        return True

    def _stamp(self, dv: ua.DataValue) -> float:
        """Bus time of a value: its source timestamp, else its server timestamp, else now."""
        stamp = dv.SourceTimestamp or dv.ServerTimestamp
        if stamp is None:
            return self._now()
        if stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=UTC)
        return stamp.timestamp() - self.time_origin

    def _now(self) -> float:
        return time.time() - self.time_origin

    # -- problems ------------------------------------------------------------------------------------------------
    @property
    def unbridged(self) -> set[str]:
        """The mapping's tags left out: their node or browse path does not exist on the server, or it refused to
        monitor it (each reported once in :attr:`problems`)."""
        return self._reported & self._maps.keys()

    def _problem(self, message: str, key: str) -> None:
        """Report a problem once per key (a tag, a kind of connection failure), and only the first ``SHOWN`` of them,
        so that a flood stays readable; all are kept in ``problems``."""
        if key in self._reported:
            return
        self._reported.add(key)
        self.problems.append(message)
        if len(self.problems) > SHOWN + 1:
            return
        if len(self.problems) == SHOWN + 1:  # a mapping of 100,000 tags against the wrong server: not 100,000 lines
            message = f"more problems than {SHOWN}: the others are counted in `problems`, not shown"
        if self.report:
            self.report(message)
        else:
            log.warning(message)

    def _explain(self, exc: Exception) -> str:
        """A network failure in words, with the likely fix."""
        if isinstance(exc, OSError | TimeoutError | ConnectionError):
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
            return f"cannot reach {self.endpoint}: {reason}; hint: is the server running, and are host and port right?"
        return f"lost {self.endpoint}: {type(exc).__name__}: {exc}"


def refusal_of(exc: BaseException, endpoint: str, security: ClientSecurity) -> str | None:
    """The message for a refusal that retrying cannot fix (see ``REFUSALS``), or None for a network failure."""
    name = type(exc).__name__
    if name in REFUSALS:
        hint = REFUSALS[name]
        if "trust this client" in hint:
            hint += _trust_hint(security)
        return f"{endpoint} refused the connection: {name}: {hint}"
    if "no matching endpoints" in str(exc).lower():
        return (f"{endpoint} offers no endpoint with policy {security.policy} / {security.mode or 'None'}; see its "
                f"endpoints with `twin bridge --discover {endpoint} --policy ...`, or ask its administrator")
    if isinstance(exc, AssertionError) and security.policy != "None":
        # asyncua cannot parse the fault a strict server answers to OpenSecureChannel with (node-opcua:
        # BadSecurityChecksFailed); it fails an assertion instead.
        return (f"{endpoint} refused to open a secure channel: the server does not trust this client's certificate, "
                "most likely" + _trust_hint(security))
    return None


def _trust_hint(security: ClientSecurity) -> str:
    cert = Path(security.pki) / "own" / "cert.der" if security.pki else Path("PKI/own/cert.der")
    return (f": trust it on the server by copying {cert} into the server's trusted certificates (a node-opcua "
            "server: move it from PKI/rejected to PKI/trusted/certs; `twin serve`: move it from PKI/rejected to "
            "PKI/trusted, or `twin serve --trust FILE`), then run again")


def backoff(first: float, longest: float):
    """The waits between reconnection attempts: ``first``, doubling up to ``longest``, then ``longest`` forever."""
    delay = first
    while True:
        yield delay
        delay = min(2 * delay, longest)


async def read_history(client: Client, nodes: list[ua.NodeId], start: datetime, end: datetime
                   ) -> list[list[ua.DataValue] | ua.StatusCode]:
    """The raw history of many nodes between ``start`` and ``end`` in one HistoryRead request (and one more for the
    nodes the server continues, until none is); a node's error comes back as its status code."""
    details = ua.ReadRawModifiedDetails(IsReadModified=False, StartTime=start, EndTime=end, NumValuesPerNode=0,
                                        ReturnBounds=False)
    out: list[list[ua.DataValue] | ua.StatusCode] = [[] for _ in nodes]
    pending: dict[int, bytes | None] = dict.fromkeys(range(len(nodes)))  # node index -> continuation point
    while pending:
        asked = list(pending)
        params = ua.HistoryReadParameters(
            HistoryReadDetails=details, TimestampsToReturn=ua.TimestampsToReturn.Both,
            NodesToRead=[ua.HistoryReadValueId(NodeId=nodes[i], ContinuationPoint=pending[i]) for i in asked])
        results = await client.uaclient.history_read(params)
        previous, pending = pending, {}
        for i, result in zip(asked, results):
            if not result.StatusCode.is_good():
                out[i] = result.StatusCode
                continue
            out[i] += getattr(result.HistoryData, "DataValues", None) or []
            if result.ContinuationPoint and result.ContinuationPoint != previous[i]:  # the same again: no progress
                pending[i] = result.ContinuationPoint
    return out


async def _operation_limit(client: Client, name: str, default: int) -> int:
    """The server's ``ServerCapabilities.OperationLimits.<name>`` (0 or unreadable: no limit stated), at most
    ``default``."""
    node = ua.NodeId(getattr(ua.ObjectIds, f"Server_ServerCapabilities_OperationLimits_{name}"))
    (dv,) = await _read(client, [node], ua.AttributeIds.Value)
    value = dv.Value.Value if dv.StatusCode.is_good() and dv.Value is not None else 0
    return min(default, int(value)) if isinstance(value, int) and value > 0 else default


async def _read(client: Client, nodes: list[ua.NodeId], attribute: ua.AttributeIds) -> list[ua.DataValue]:
    """One Read request for one attribute of many nodes; per-node errors come back as status codes."""
    params = ua.ReadParameters(NodesToRead=[ua.ReadValueId(NodeId=n, AttributeId=attribute) for n in nodes],
                               TimestampsToReturn=ua.TimestampsToReturn.Both)
    return await client.uaclient.read(params)
