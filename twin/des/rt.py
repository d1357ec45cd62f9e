"""An environment whose clock follows the wall clock (SimPy's ``simpy.rt``)."""
from __future__ import annotations

from time import monotonic, sleep

from twin.des.core import EmptySchedule, Environment, Infinity, SimTime


class RealtimeEnvironment(Environment):
    """An :class:`Environment` synchronised with the wall clock: one unit of simulated time takes *factor*
    seconds. With *strict*, :meth:`step` raises :exc:`RuntimeError` when an event is processed more than
    *factor* seconds late. ``env.pause()`` (from a process or callback) returns from ``run()`` between events,
    which is how a live twin hands control back to its caller.
    """

    def __init__(self, initial_time: SimTime = 0, factor: float = 1.0, strict: bool = True):
        Environment.__init__(self, initial_time)
        self.env_start = initial_time
        self.real_start = monotonic()
        self._factor = factor
        self._strict = strict

    @property
    def factor(self) -> float:
        """Scaling factor of the real-time."""
        return self._factor

    @property
    def strict(self) -> bool:
        """``True`` if :meth:`step` raises :exc:`RuntimeError` when processing events takes too long."""
        return self._strict

    def sync(self) -> None:
        """Synchronise the internal time with the wall clock now (e.g. after a long set-up before ``run()``)."""
        self.real_start = monotonic()

    def step(self) -> None:
        """Process the next event after enough real time has passed for it to happen."""
        evt_time = self.peek()
        if evt_time is Infinity:
            raise EmptySchedule
        real_time = self.real_start + (evt_time - self.env_start) * self.factor
        if self.strict and monotonic() - real_time > self.factor:
            # Events scheduled for time *t* may take just up to *t+1* for their computation.
            delta = monotonic() - real_time
            raise RuntimeError(f"Simulation too slow for real time ({delta:.3f}s).")
        # Sleep in a loop to fix inaccuracies of some platforms' sleep and to ignore interrupts.
        while True:
            delta = real_time - monotonic()
            if delta <= 0:
                break
            sleep(delta)
        Environment.step(self)


__all__ = ["EmptySchedule", "Environment", "Infinity", "RealtimeEnvironment", "SimTime"]
