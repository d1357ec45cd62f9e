"""Resources with usage slots, priorities and preemption: :class:`Resource`, :class:`PriorityResource`,
:class:`PreemptiveResource` and their :class:`Request` / :class:`Release` events."""
from twin._des import (
    Preempted,
    PreemptiveResource,
    PriorityRequest,
    PriorityResource,
    Release,
    Request,
    Resource,
    SortedQueue,
)
from twin.des.core import BoundClass, Environment, SimTime

__all__ = [
    "BoundClass", "Environment", "Preempted", "PreemptiveResource", "PriorityRequest", "PriorityResource",
    "Release", "Request", "Resource", "SimTime", "SortedQueue",
]
