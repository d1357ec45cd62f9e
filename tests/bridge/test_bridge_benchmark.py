"""The bridge benchmark runs end to end at a small size, and counts every update on both sides."""
import shutil

import pytest


@pytest.mark.slow
def test_benchmark_smoke(capsys):
    if not (shutil.which("node") and shutil.which("npm")):
        pytest.skip("benchmarks.bridge needs Node.js and npm for its node-opcua server")
    from benchmarks.bridge import main

    result = main(n=200, seconds=2.0)
    for side in ("asyncua", "bridge"):
        assert result[side]["holes"] == 0 and result[side]["updates"] > 0
    assert result["bridge"]["problems"] == 0
    assert "ratios bridge / asyncua" in capsys.readouterr().out


@pytest.mark.slow
def test_backfill_benchmark_reads_the_same_history_both_ways(capsys):
    """The batched HistoryRead returns, node for node, what asyncua's per-node read_raw_history returns (the
    benchmark raises otherwise), in one request instead of one per node."""
    from benchmarks.bridge.backfill import main

    result = main(n=60, values=3)
    assert result["requests"] == (60, 1) and result["asyncua"] > 0 and result["bridge"] > 0
    assert "ratio asyncua / bridge" in capsys.readouterr().out
