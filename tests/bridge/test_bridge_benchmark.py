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
