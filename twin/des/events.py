"""Events: the base :class:`Event`, :class:`Timeout`, :class:`Process` and conditions (SimPy's ``simpy.events``).

The classes are compiled (``twin._des``) and can be subclassed in Python as on SimPy.
"""
from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any, NewType, TypeVar

from twin._des import (
    NORMAL,
    PENDING,
    URGENT,
    AllOf,
    AnyOf,
    Condition,
    ConditionValue,
    Event,
    Initialize,
    Interruption,
    Process,
    Timeout,
)
from twin.des.exceptions import Interrupt

EventPriority = NewType("EventPriority", int)
EventType = TypeVar("EventType", bound=Event)
EventCallback = Callable[[EventType], None]
EventCallbacks = list[EventCallback]
ProcessGenerator = Generator[Event, Any, Any]

__all__ = [
    "NORMAL", "PENDING", "URGENT", "AllOf", "AnyOf", "Condition", "ConditionValue", "Event", "EventCallback",
    "EventCallbacks", "EventPriority", "EventType", "Initialize", "Interrupt", "Interruption", "Process",
    "ProcessGenerator", "Timeout",
]
