"""Base classes of the shared resources: :class:`BaseResource` and its :class:`Put` / :class:`Get` events."""
from __future__ import annotations

from typing import TypeVar

from twin._des import BaseResource, Get, Put
from twin.des.core import BoundClass, Environment
from twin.des.events import Event, Process

ResourceType = TypeVar("ResourceType", bound=BaseResource)
PutType = TypeVar("PutType", bound=Put)
GetType = TypeVar("GetType", bound=Get)

__all__ = [
    "BaseResource", "BoundClass", "Environment", "Event", "Get", "GetType", "Process", "Put", "PutType",
    "ResourceType",
]
