"""Scheduling benchmark: a 4-week plan of the multipurpose OSD plant with CP-SAT, and its execution in the twin
against the same model on SimPy (``python -m benchmarks.scheduling``)."""
