"""Discrete-event benchmarks: each model written once per engine (SimPy's API for SimPy and twin.des, salabim's
for salabim), printing identical statistics. ``python -m benchmarks.des`` or ``twin bench des`` runs them."""
