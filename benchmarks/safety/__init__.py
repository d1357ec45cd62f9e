"""Safety study benchmarks: barrier-graph recomputation and Monte Carlo of accident paths (``python -m
benchmarks.safety``)."""
