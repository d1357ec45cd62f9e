"""Job-shop instances with CP-SAT (scenarios.scheduling.jobshop) and ``twin schedule jobshop``.

References: ft06 from the OR-Library (J.E. Beasley, jobshop1.txt; Fisher & Thompson 1963), optimal makespan 55;
small random instances against brute-force enumeration of every machine sequence.
"""
import itertools
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scenarios.scheduling import jobshop
from twin.cli import main
from twin.config import ConfigError

# ft06 as printed in OR-Library's jobshop1.txt ("Fisher and Thompson 6x6 instance, alternate name (mt06)")
FT06 = """\
 6 6
 2  1  0  3  1  6  3  7  5  3  4  6
 1  8  2  5  4 10  5 10  0 10  3  4
 2  5  3  4  5  8  0  9  1  1  4  7
 1  5  0  5  2  5  3  3  4  8  5  9
 2  9  1  3  4  5  5  4  0  3  3  1
 1  3  3  3  5  9  0 10  4  4  2  1
"""


def check_feasible(shop: jobshop.JobShop, solution: jobshop.Solution) -> None:
    """Every job in order, no machine doing two things at once, the makespan the last end."""
    spans = {m: [] for m in range(shop.machines)}
    last = 0
    for job, starts in zip(shop.jobs, solution.starts):
        for k, ((machine, t), s) in enumerate(zip(job, starts)):
            assert s >= 0
            if k:
                assert s >= starts[k - 1] + job[k - 1][1]
            spans[machine].append((s, s + t))
            last = max(last, s + t)
    for intervals in spans.values():
        intervals.sort()
        assert all(a[1] <= b[0] for a, b in zip(intervals, intervals[1:]))
    assert last == solution.makespan


def test_ft06_is_55_proven_optimal():
    shop = jobshop.parse(FT06)
    solution = jobshop.solve(shop, time_limit=30)
    assert (solution.makespan, solution.lower_bound, solution.optimal) == (55, 55, True)
    check_feasible(shop, solution)


def brute_force(shop: jobshop.JobShop) -> int:
    """The optimal makespan by trying every order of the jobs on every machine (semi-active schedules)."""
    on = [[(j, k) for j, job in enumerate(shop.jobs) for k, (m, _) in enumerate(job) if m == machine]
          for machine in range(shop.machines)]
    best = None
    for orders in itertools.product(*(itertools.permutations(ops) for ops in on)):
        before = {}   # operation -> the one before it on its machine
        for order in orders:
            before.update({b: a for a, b in zip(order, order[1:])})
        end, pending = {}, [(j, k) for j, job in enumerate(shop.jobs) for k in range(len(job))]
        while pending:   # earliest starts by repeated relaxation; a cycle leaves operations pending
            ready = [(j, k) for j, k in pending if (k == 0 or (j, k - 1) in end) and
                     (before.get((j, k)) is None or before[(j, k)] in end)]
            if not ready:
                break
            for j, k in ready:
                start = max(end.get((j, k - 1), 0), end.get(before.get((j, k)), 0))
                end[(j, k)] = start + shop.jobs[j][k][1]
                pending.remove((j, k))
        if not pending:
            best = min(best or 10**9, max(end.values()))
    return best


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from([(2, 2), (2, 3), (3, 2), (3, 3)]))
def test_small_random_instances_match_brute_force(seed, size):
    n, m = size
    rng = np.random.default_rng(seed)
    shop = jobshop.JobShop([[(int(machine), int(rng.integers(1, 10))) for machine in rng.permutation(m)]
                            for _ in range(n)], m)
    solution = jobshop.solve(shop, time_limit=10, workers=1)
    assert solution.optimal
    assert solution.makespan == brute_force(shop)
    check_feasible(shop, solution)


@pytest.mark.parametrize(("text", "line", "words"), [
    ("", None, "no instance"),
    ("2 x\n0 1\n0 1\n", 1, "bad header"),
    ("# two jobs\n2 2\n0 1 1 2\n", 2, "announces 2 jobs but 1"),
    ("1 2\n0 1 1\n", 2, "odd count"),
    ("2 2\n0 1 1 2\n\n0 1 two 2\n", 4, "'two' is not"),
    ("1 2\n0 1 2 5\n", 2, "machine 2 does not exist"),
])
def test_bad_files_name_the_line(text, line, words):
    with pytest.raises(ConfigError) as caught:
        jobshop.parse(text, "shop.txt")
    assert caught.value.line == line and words in str(caught.value) and "shop.txt" in str(caught.value)


def test_cli_prints_makespan_bound_and_proof(tmp_path):
    """Through the installed ``twin`` entry point, as a user runs it."""
    path = tmp_path / "ft06.txt"
    path.write_text("# ft06, Fisher & Thompson (1963)\n" + FT06)
    done = subprocess.run([sys.executable, "-m", "twin.cli", "schedule", "jobshop", str(path), "--time-limit", "30"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "makespan: 55" in done.stdout and "lower bound: 55" in done.stdout and "optimal: yes" in done.stdout


def test_cli_bad_input(tmp_path, capsys):
    assert main(["schedule", "jobshop", str(tmp_path / "nope.txt")]) == 2
    assert "no such file" in capsys.readouterr().err
    bad = tmp_path / "bad.txt"
    bad.write_text("2 2\n0 1 1 2\n0 1 5 2\n")
    assert main(["schedule", "jobshop", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.txt:3" in err and "machine 5" in err
    assert main(["schedule", "jobshop", str(bad), "--time-limit", "0"]) == 2
