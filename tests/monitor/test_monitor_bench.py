"""``python -m benchmarks.monitor`` on a small case: it checks its verdicts against scikit-learn's itself."""
from benchmarks.monitor.__main__ import main


def test_benchmark_runs_small(capsys):
    assert main(["--rows", "3000", "--tags", "20", "--live-tags", "200", "--repeat", "1", "--csv"]) == 0
    out = capsys.readouterr().out
    assert "ratio peer/ours" in out and "4 models of 50 tags" in out and "CSV read, summary" in out
