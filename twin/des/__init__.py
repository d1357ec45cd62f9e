"""Discrete-event simulation with SimPy 4.1's API over a compiled core (``twin._des``).

A SimPy model runs here by changing its import::

    import twin.des as simpy

    def clock(env, name, tick):
        while True:
            print(name, env.now)
            yield env.timeout(tick)

    env = simpy.Environment()
    env.process(clock(env, 'fast', 0.5))
    env.run(until=2)

Same events, same order, same values as SimPy, several times faster. Beyond SimPy, without cost when unused:
``Resource(env, monitor=True).stats`` (utilisation, queue lengths, waiting times), ``env.run(progress=...)``
for long runs and ``env.pause()`` to return from ``run()`` and continue later. SimPy's module layout is kept
(``twin.des.core``, ``.events``, ``.resources.resource`` ...), so ``from simpy.x import Y`` maps one to one.
"""
from twin.des.core import BoundClass, EmptySchedule, Environment, Infinity, SimTime, StopSimulation
from twin.des.events import (
    NORMAL,
    PENDING,
    URGENT,
    AllOf,
    AnyOf,
    Condition,
    ConditionValue,
    Event,
    EventCallback,
    EventCallbacks,
    EventPriority,
    EventType,
    Initialize,
    Interruption,
    Process,
    ProcessGenerator,
    Timeout,
)
from twin.des.exceptions import Interrupt, SimPyException
from twin.des.resources.base import BaseResource, Get, GetType, Put, PutType, ResourceType
from twin.des.resources.container import Container, ContainerAmount, ContainerGet, ContainerPut
from twin.des.resources.resource import (
    Preempted,
    PreemptiveResource,
    PriorityRequest,
    PriorityResource,
    Release,
    Request,
    Resource,
    SortedQueue,
)
from twin.des.resources.stats import ResourceStats
from twin.des.resources.store import FilterStore, FilterStoreGet, PriorityItem, PriorityStore, Store, StoreGet, StorePut
from twin.des.rt import RealtimeEnvironment
from twin.des.util import start_delayed, subscribe_at

__all__ = [
    "NORMAL", "PENDING", "URGENT", "AllOf", "AnyOf", "BaseResource", "BoundClass", "Condition", "ConditionValue",
    "Container", "ContainerAmount", "ContainerGet", "ContainerPut", "EmptySchedule", "Environment", "Event",
    "EventCallback", "EventCallbacks", "EventPriority", "EventType", "FilterStore", "FilterStoreGet", "Get",
    "GetType", "Infinity", "Initialize", "Interrupt", "Interruption", "Preempted", "PreemptiveResource",
    "PriorityItem", "PriorityRequest", "PriorityResource", "PriorityStore", "Process", "ProcessGenerator", "Put",
    "PutType", "RealtimeEnvironment", "Release", "Request", "Resource", "ResourceStats", "ResourceType",
    "SimPyException", "SimTime", "SortedQueue", "StopSimulation", "Store", "StoreGet", "StorePut", "Timeout",
    "start_delayed", "subscribe_at",
]
