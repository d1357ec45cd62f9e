"""Stores of objects: FIFO :class:`Store`, :class:`PriorityStore` (smallest first) and :class:`FilterStore`."""
from twin._des import FilterStore, FilterStoreGet, PriorityItem, PriorityStore, Store, StoreGet, StorePut
from twin.des.core import BoundClass, Environment

__all__ = [
    "BoundClass", "Environment", "FilterStore", "FilterStoreGet", "PriorityItem", "PriorityStore", "Store",
    "StoreGet", "StorePut",
]
