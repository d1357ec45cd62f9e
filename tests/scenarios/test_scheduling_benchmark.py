"""Smoke run of ``python -m benchmarks.scheduling`` at a small size (slow: CP-SAT searches for its time limits)."""
import pytest

from benchmarks.scheduling.__main__ import four_weeks, main


@pytest.mark.slow
def test_benchmark_runs_and_both_engines_agree(capsys):
    assert main(["--batches", "6", "--first", "3", "--then", "5", "--replications", "5", "--workers", "1"]) == 0
    out = capsys.readouterr().out
    assert "6 batches" in out and "ratio SimPy/twin.des" in out and "same KPIs" in out


def test_four_weeks_holds_the_asked_batches_within_the_horizon():
    problem = four_weeks(30)
    assert len(problem.batches) == 30 and problem.horizon == 28 * 86400
    assert all(0 <= b.release <= 20 * 86400 and b.due > b.release for b in problem.batches)
