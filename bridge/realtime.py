"""A Twin in step with the wall clock, for serving it (``twin serve``) or running it beside the plant (shadow).

``run_in_real_time`` advances the twin every ``step`` seconds to the wall time elapsed (times ``speed``), inside the
event loop, so that OPC UA writes and reads see the twin between two steps and never in the middle of one. A twin
slower than ``speed`` asks (a plant served faster than the machine can simulate it) is advanced in slices of about
``step`` seconds of computing, sized from the last slice: it falls behind the wall clock, and the event loop still
answers clients between slices (one long catch-up would starve them: a client's connect timing out against a
server that is only busy).
"""
from __future__ import annotations

import asyncio
import time


async def run_in_real_time(twin, *, speed: float = 1.0, step: float = 0.2, until: float | None = None) -> None:
    """Run ``twin`` so that its clock follows the wall clock (``speed`` simulated seconds per second), until its
    time reaches ``until`` (s), or forever."""
    if speed <= 0 or step <= 0:
        raise ValueError(f"speed and step must be positive, got speed={speed}, step={step}")
    start, t0 = time.monotonic(), twin.now
    slice_ = step * speed                       # simulated seconds per slice, resized to take about `step`
    while until is None or twin.now < until:
        target = t0 + (time.monotonic() - start) * speed
        if until is not None:
            target = min(target, until)
        if target > twin.now:
            before, wall = twin.now, time.perf_counter()
            twin.run(until=min(target, twin.now + slice_))
            spent = time.perf_counter() - wall
            if spent > 0 and twin.now > before:
                slice_ = max(step * (twin.now - before) / spent, 1e-3)
        await asyncio.sleep(step)
