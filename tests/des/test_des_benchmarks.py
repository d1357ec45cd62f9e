"""Smoke run of the DES benchmarks at a tiny size: every engine simulates the same thing (identical statistics).
Timings are never asserted here; `python -m benchmarks.des` measures them."""
import argparse

import pytest

from benchmarks.cli import add_parser
from benchmarks.des import line
from benchmarks.des.run import measure, statistics_table, table


def test_engines_print_identical_statistics():
    results = measure(scale=0.02, repeat=1)
    assert {m.engine for m in results} == {"simpy", "twin.des", "salabim"}
    for model in {m.model for m in results}:
        stats = [m.statistics for m in results if m.model == model]
        assert stats[0] == stats[1] == stats[2], model
        assert all(m.events > 100 for m in results if m.model == model)
    assert "vs SimPy" in table(results) and "mean flow time" in statistics_table(results)


def test_line_model_statistics_near_theory():
    # Stations in series with mean service 0.7 < mean interarrival 1.0: throughput -> 1 job per time unit and each
    # machine works 70 % of the time (flow balance), whatever the blocking.
    import twin.des

    env, statistics = line.build_simpy_like(twin.des, seed=3)
    env.run(until=20_000)
    stats = statistics()
    assert stats["jobs completed"] / 20_000 == pytest.approx(1.0, rel=0.03)
    assert 0.66 < stats["utilisation min"] <= stats["utilisation max"] < 0.74


def test_twin_bench_des_command(capsys):
    parser = argparse.ArgumentParser(prog="twin")
    add_parser(parser.add_subparsers())
    args = parser.parse_args(["bench", "des", "--quick", "--repeat", "1", "--no-salabim"])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "(c) 1,000 timeout loops" in out and "salabim" not in out


def test_bench_flowline_command_prints_all_three_engines_with_equal_process_statistics(capsys):
    """`twin bench flowline` at a tiny size: SimPy and twin.des simulate the same line (identical statistics)."""
    from twin.cli import main

    assert main(["bench", "flowline", "--horizon", "300", "--repeat", "1", "--replications", "3"]) == 0
    out = capsys.readouterr().out
    assert "flowline (fast path)" in out
    jobs = next(line for line in out.splitlines() if line.startswith("jobs completed")).split()
    assert jobs[2] == jobs[3], "simpy and twin.des must complete the same jobs"
