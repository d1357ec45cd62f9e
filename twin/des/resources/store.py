"""Stores of objects: FIFO :class:`Store`, :class:`PriorityStore` (smallest first) and :class:`FilterStore`."""
from typing import Any, NamedTuple

from twin._des import FilterStore, FilterStoreGet, PriorityStore, Store, StoreGet, StorePut
from twin.des.core import BoundClass, Environment


class PriorityItem(NamedTuple):
    """Wrap an arbitrary *item* with an orderable *priority*; comparisons consider only the priority, so
    unorderable items can go into a :class:`PriorityStore`."""

    priority: Any
    item: Any

    def __lt__(self, other: "PriorityItem") -> bool:  # type: ignore[override]
        return self.priority < other.priority


__all__ = [
    "BoundClass", "Environment", "FilterStore", "FilterStoreGet", "PriorityItem", "PriorityStore", "Store",
    "StoreGet", "StorePut",
]
