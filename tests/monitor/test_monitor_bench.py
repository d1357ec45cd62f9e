"""``python -m benchmarks.monitor`` on a small case: it checks its verdicts against scikit-learn's itself."""
import pytest

from benchmarks.monitor.__main__ import main


def test_benchmark_runs_small(capsys):
    assert main(["--rows", "3000", "--tags", "20", "--live-tags", "200", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    assert "ratio peer/ours" in out and "4 models of 50 tags" in out and "s CPU" in out


@pytest.mark.slow
def test_benchmark_checks_a_csv_file_too(capsys):
    assert main(["--rows", "3000", "--tags", "20", "--live-tags", "50", "--repeat", "1", "--csv"]) == 0
    assert "CSV read, summary" in capsys.readouterr().out
