"""Subscription settings from the number of tags and how often they change, so that no update is lost at scale.

OPC UA moves changes in three stages, each of which drops values when it is sized for fewer tags than it carries:

1. the server **samples** each monitored item. ``sampling_interval = 0`` asks for the fastest rate the server offers,
   which servers such as node-opcua serve by reporting each change as it is written (no timer per item); a positive
   interval runs a timer per item: 10,000 items sampled every 0.1 s cost node-opcua 100,000 timer callbacks a second.
2. each item's **queue** holds the changes between two publishes: ``queue_size`` covers ``hold`` seconds of the
   item's changes (publishing interval plus a stalled client or network), at least 10. An item whose queue overflows
   discards its oldest value and sets the Overflow bit on the next: the bridge counts those as lost.
3. the server **publishes** one notification message per publishing interval per subscription. Items are spread
   over several subscriptions so that a message carries at most ``per_message`` notifications (a few hundred kB):
   one huge message is slow to encode, send and decode and stalls every tag behind it.

The bridge creates monitored items 1000 at a time, or fewer if the server's MaxMonitoredItemsPerCall says so.

>>> plan(10_000, change_rate=1.0)
Sizing(publishing_interval=0.1, sampling_interval=0.0, queue_size=10, tags_per_subscription=2500)
"""
from __future__ import annotations

import math
from dataclasses import dataclass

MAX_PER_SUBSCRIPTION = 5000  # items: re-creating a subscription after a reconnection stays a matter of seconds


@dataclass(frozen=True)
class Sizing:
    """The subscription settings of a mapping (see the module doc)."""

    publishing_interval: float = 0.1  # s
    sampling_interval: float = 0.0  # s; 0: the server's fastest (change-driven where it can)
    queue_size: int = 10  # values kept per item between two publishes
    tags_per_subscription: int = 2500

    def queue_holds(self, change_rate: float) -> float:
        """Seconds of changes at ``change_rate`` (per second per tag) one item's queue holds."""
        return math.inf if change_rate <= 0 else self.queue_size / change_rate


def plan(tags: int, change_rate: float = 1.0, *, latency: float = 0.25, hold: float = 10.0,
         per_message: int = 250, items_per_request: int = 1000) -> Sizing:
    """Settings for ``tags`` tags each changing ``change_rate`` times a second, delivered within ``latency`` s.

    The publishing interval is at most half the latency (a change waits up to one interval before it is sent), and
    no shorter than needed: ``0.1 s`` at most, ``0.05 s`` at least; queues hold ``hold`` s of changes; subscriptions
    carry ``per_message`` notifications per publish each."""
    if tags < 0 or change_rate < 0 or latency <= 0:
        raise ValueError(f"plan: tags, change_rate and latency must be positive, got {tags}, {change_rate}, {latency}")
    publishing = min(0.1, max(0.05, latency / 2))
    queue = max(10, math.ceil(change_rate * hold))
    changes = change_rate * publishing  # notifications one tag adds to a message
    per_sub = max(100, int(per_message / changes)) if changes > 0 else 10_000
    return Sizing(publishing_interval=publishing, sampling_interval=0.0, queue_size=queue,
                  tags_per_subscription=min(per_sub, MAX_PER_SUBSCRIPTION, max(tags, 1)))
