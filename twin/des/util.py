"""Helpers to start processes later and to be told when an event happens (SimPy's ``simpy.util``)."""
from __future__ import annotations

from twin.des.core import Environment, SimTime
from twin.des.events import Event, Process, ProcessGenerator


def start_delayed(env: Environment, generator: ProcessGenerator, delay: SimTime) -> Process:
    """Return a helper process that starts a process for *generator* after *delay*.

    >>> env = Environment()
    >>> def hello(env):
    ...     print('hello at', env.now)
    ...     yield env.timeout(1)
    >>> _ = start_delayed(env, hello(env), 5)
    >>> env.run()
    hello at 5

    Raise a :exc:`ValueError` if ``delay <= 0``.
    """
    if delay <= 0:
        raise ValueError(f"delay(={delay}) must be > 0.")

    def starter():
        yield env.timeout(delay)
        return env.process(generator)

    return env.process(starter())


def subscribe_at(event: Event) -> None:
    """Register the active process to receive an interrupt with cause ``(event, value)`` when *event* occurs.

    The most common use is passing a :class:`Process` to get notified when it terminates. Raise a
    :exc:`RuntimeError` if *event* has already occurred.
    """
    env = event.env
    assert env.active_process is not None
    subscriber = env.active_process

    def signaller(signaller: Event, receiver: Process):
        result = yield signaller
        if receiver.is_alive:
            receiver.interrupt((signaller, result))

    if event.callbacks is not None:
        env.process(signaller(event, subscriber))
    else:
        raise RuntimeError(f"{event} has already terminated.")


__all__ = ["Environment", "Event", "Process", "ProcessGenerator", "SimTime", "start_delayed", "subscribe_at"]
