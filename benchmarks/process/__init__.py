"""Benchmarks of the continuous core: ``python -m benchmarks.process``."""
