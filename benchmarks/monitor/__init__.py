"""Monitoring benchmarks: ``twin monitor check`` on a million samples, and the live monitor's cost on 10,000 tags
(``python -m benchmarks.monitor``)."""
