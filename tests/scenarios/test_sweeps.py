"""Replications and sweeps: bit-for-bit reproducible, the same on a process pool and on a Dask cluster, confidence
intervals as scipy computes them, failures reported without sinking the sweep, clear cluster errors."""
import math
import socket
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait as futures_wait

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scenario_files import SMALL, fails_on_odd_replications
from scipy import stats

from scenarios import runs
from scenarios import sweep as sweep_module
from scenarios.registry import Study
from scenarios.results import summarise
from scenarios.runs import Failure, Outcome, tasks
from scenarios.scenario import load
from scenarios.sweep import CHUNK_SECONDS, ClusterError, chunk_size, run_tasks, sweep


def same_runs(a: list, b: list) -> None:
    """Every outcome identical: KPIs, traces and events, bit for bit."""
    assert [o.task for o in a] == [o.task for o in b]
    for x, y in zip(a, b, strict=True):
        assert x.run.kpis == y.run.kpis
        for part in ("traces", "events"):
            cx, cy = getattr(x.run, part), getattr(y.run, part)
            assert cx.keys() == cy.keys()
            for key in cx:
                assert np.array_equal(cx[key], cy[key]), (part, key)


def test_same_seed_same_result_bit_for_bit(write_scenario):
    scenario = load(write_scenario())
    first = run_tasks(list(tasks(scenario)), workers=1, progress=False)
    again = run_tasks(list(tasks(load(write_scenario()))), workers=1, progress=False)
    same_runs(first, again)
    # the replications differ from each other, and another seed gives other numbers
    assert first[0].run.kpis != first[1].run.kpis
    other = load(write_scenario(scenario.file.read_text().replace("seed: 7", "seed: 8")))
    assert run_tasks(list(tasks(other)), workers=1, progress=False)[0].run.kpis != first[0].run.kpis


def test_process_pool_equals_one_process(write_scenario):
    scenario = load(write_scenario())
    todo = list(tasks(scenario))
    same_runs(run_tasks(todo, workers=1, progress=False), run_tasks(todo, workers=2, progress=False))


def test_dask_local_cluster_equals_process_pool(write_scenario):
    pytest.importorskip("distributed")
    scenario = load(write_scenario())
    todo = list(tasks(scenario))
    same_runs(run_tasks(todo, workers=2, progress=False), run_tasks(todo, cluster="local:2", progress=False))


def test_variants_share_random_numbers(write_scenario):
    """Common random numbers: a second blender leaves granulation (upstream, its own streams) exactly as it was."""
    by_variant = sweep(load(write_scenario()), workers=1, progress=False)
    for base, variant in zip(by_variant["base"], by_variant["second_blender"], strict=True):
        assert base.run.kpis["utilisation.granulation"] == variant.run.kpis["utilisation.granulation"]
        assert base.run.kpis["utilisation.blending"] != variant.run.kpis["utilisation.blending"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_cluster_says_where_and_how_to_start_one(write_scenario):
    pytest.importorskip("distributed")
    address = f"tcp://127.0.0.1:{free_port()}"
    todo = list(tasks(load(write_scenario())))
    with pytest.raises(ClusterError) as info:
        run_tasks(todo, cluster=address, progress=False, timeout=1.0)
    message = str(info.value)
    assert address in message and "dask scheduler" in message and "local:N" in message


@pytest.mark.parametrize("address", ["10.0.0.5", "local:0", "local:two", "http://host:8786"])
def test_malformed_cluster_address(write_scenario, address):
    todo = list(tasks(load(write_scenario())))
    with pytest.raises(ClusterError, match="expected"):
        run_tasks(todo, cluster=address, progress=False)


def test_confidence_interval_matches_scipy():
    rng = np.random.default_rng(3)
    for n in (2, 5, 30):
        x = rng.normal(10, 2, n)
        low, high = stats.t.interval(0.95, n - 1, loc=x.mean(), scale=stats.sem(x))
        s = summarise(x)
        assert (s["low"], s["high"]) == pytest.approx((low, high), rel=1e-12)
        assert s["n"] == n and s["mean"] == pytest.approx(x.mean())
    assert np.isnan(summarise([1.0])["half_width"])


def test_a_failed_run_is_reported_and_does_not_sink_the_sweep(write_scenario, monkeypatch):
    scenario = load(write_scenario())
    flaky = Study("line_capacity", "flaky", {}, run=fails_on_odd_replications)
    real = runs.get_study
    monkeypatch.setattr(runs, "get_study", lambda name: flaky if name == "line_capacity" else real(name))
    outcomes = run_tasks(list(tasks(scenario)), workers=1, progress=False)
    failed = [o for o in outcomes if isinstance(o, Failure)]
    assert [(f.task.variant, f.task.replication) for f in failed] == [("base", 1), ("second_blender", 1)]
    assert "variant 'base', replication 1 (seed 7" in str(failed[0]) and "the model diverged" in str(failed[0])
    assert "RuntimeError" in failed[0].traceback
    assert sum(isinstance(o, Outcome) for o in outcomes) == 4


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 5000), st.integers(1, 64), st.floats(1e-7, 100.0))
def test_chunk_size_takes_a_share_of_the_tasks_left_within_the_time_cap(left, workers, seconds_per_task):
    """Guided self-scheduling: ceil(left / 4w) tasks, but no more than CHUNK_SECONDS of work, and at least one
    (Polychronopoulos & Kuck, IEEE Trans. Computers 36(12), 1987, with a share of left/4w instead of left/w)."""
    size = chunk_size(left, workers, seconds_per_task)
    assert 1 <= size <= math.ceil(left / (4 * workers)) <= left
    assert size == 1 or size * seconds_per_task <= CHUNK_SECONDS
    assert chunk_size(left, workers, 0.0) == math.ceil(left / (4 * workers))   # instant tasks: the share alone
    assert chunk_size(left, workers, math.inf) == 1                               # nothing timed yet: one task


def test_chunk_size_by_hand():
    assert chunk_size(200, 2, 0.0) == 25 and chunk_size(8, 2, 0.0) == 1 and chunk_size(9, 2, 0.0) == 2
    assert chunk_size(200, 2, 0.02) == 10         # 20 ms runs: 0.2 s of work
    assert chunk_size(200, 2, 5.0) == 1           # long runs travel singly: the progress bar moves run by run


def test_schedule_probes_with_single_tasks_and_ends_with_them(write_scenario):
    """The first 2w chunks hold one task each (nothing timed yet), the last one task (none left to share); every task
    runs once and the outcomes come back in task order."""
    scenario = load(write_scenario(SMALL.replace("replications: 3", "replications: 30")))
    todo = list(tasks(scenario))
    sizes = []
    with ThreadPoolExecutor(2) as pool:
        def submit(fn, chunk):
            sizes.append(len(chunk))
            return pool.submit(fn, chunk)

        outcomes = sweep_module._scheduled(submit, futures_wait, todo, 2, lambda outcome: outcome)
    assert [o.task for o in outcomes] == todo and sum(sizes) == len(todo) == 60
    assert sizes[:4] == [1, 1, 1, 1] and sizes[-1] == 1 and max(sizes) > 1


@pytest.mark.slow
def test_sweep_benchmark_smoke_run(capsys):
    """``python -m benchmarks.sweep --quick`` runs every contender, checks they agree, and reports both speed-ups."""
    pytest.importorskip("distributed")
    from benchmarks.sweep import main

    assert main(["--quick"]) == 0
    out = capsys.readouterr().out
    for line in ("peer: ProcessPoolExecutor(2).map", "run_tasks, process pool of 2", "Dask local:2",
                 "speed-up 1 -> 2 workers, wall:", "speed-up 1 -> 2 workers, CPU:", "framework overhead, 1 worker:"):
        assert line in out, line
