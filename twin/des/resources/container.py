"""A :class:`Container` of continuous or discrete matter with a *level* and a *capacity*."""

from twin._des import Container, ContainerGet, ContainerPut
from twin.des.core import BoundClass, Environment

ContainerAmount = int | float

__all__ = ["BoundClass", "Container", "ContainerAmount", "ContainerGet", "ContainerPut", "Environment"]
