"""Side-by-side benchmarks against the peer tools, reported as ratios measured in the same process."""
