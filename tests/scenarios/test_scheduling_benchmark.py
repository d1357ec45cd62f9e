"""Smoke run of ``python -m benchmarks.scheduling`` at a small size (slow: CP-SAT searches for its time limits)."""
import pytest

from benchmarks.scheduling.__main__ import four_weeks, main
from scenarios.scheduling.greedy import fits, greedy


@pytest.mark.slow
def test_benchmark_runs_and_both_engines_agree(capsys):
    main(["--batches", "6", "--limits", "3", "--replications", "5", "--workers", "1"])
    out = capsys.readouterr().out
    assert "6 batches" in out and "first feasible plan" in out and "ratio SimPy/twin.des" in out
    assert "same KPIs" in out


def test_four_weeks_holds_the_asked_batches_within_the_horizon():
    problem = four_weeks(200)
    assert len(problem.batches) == 200 and problem.horizon == 28 * 86400
    assert all(0 <= b.release <= 20 * 86400 and b.due > b.release for b in problem.batches)
    assert fits(greedy(problem))   # the 200 batches do fit in the 4 weeks
