"""The execution environment: the event calendar and the clock (SimPy's ``simpy.core``)."""
from __future__ import annotations

from types import MethodType
from typing import Generic, TypeVar

from twin._des import EmptySchedule, Environment, Infinity, StopSimulation
from twin.des.events import NORMAL, URGENT, AllOf, AnyOf, Event, EventPriority, Process, ProcessGenerator, Timeout

SimTime = int | float
T = TypeVar("T")


class BoundClass(Generic[T]):
    """Allows classes to behave like methods: ``instance.attr(*args)`` calls ``cls(instance, *args)``.

    The compiled classes define their factories (``env.timeout``, ``store.put`` ...) as methods; this is kept
    for models that declare their own, e.g. ``put = BoundClass(MyPut)`` on a resource subclass.
    """

    def __init__(self, cls: type[T]):
        self.cls = cls

    def __get__(self, instance, owner=None):
        if instance is None:
            return self.cls
        return MethodType(self.cls, instance)

    @staticmethod
    def bind_early(instance: object) -> None:
        """Bind all :class:`BoundClass` attributes of the *instance's* class to the instance itself."""
        for name, obj in instance.__class__.__dict__.items():
            if type(obj) is BoundClass:
                setattr(instance, name, getattr(instance, name))


__all__ = [
    "NORMAL", "URGENT", "AllOf", "AnyOf", "BoundClass", "EmptySchedule", "Environment", "Event", "EventPriority",
    "Infinity", "Process", "ProcessGenerator", "SimTime", "StopSimulation", "T", "Timeout",
]
