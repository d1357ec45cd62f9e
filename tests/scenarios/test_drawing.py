"""Figures drawn together (scenarios.drawing): in the warm process a forked helper takes jobs from the same queue;
every job runs once, a job the helper failed or left is run here, and a failure here raises as it would alone."""
from __future__ import annotations

import os
import time

import pytest

import scenarios
from scenarios import drawing, plugins


@pytest.fixture
def helper(monkeypatch):
    """A helper is allowed, and a core is idle (the machine running the tests may be busy)."""
    monkeypatch.setattr(drawing, "idle_core", lambda: True)
    drawing.allow_helper()
    yield
    drawing.allow_helper(False)


def recorder(folder, name):
    """A job that writes the pid of the process it ran in to ``folder/name`` (appending: twice shows twice)."""
    def job():
        with open(folder / name, "a") as f:
            f.write(f"{os.getpid()}\n")
    return job


def ran(folder, name) -> list[int]:
    return [int(line) for line in (folder / name).read_text().split()]


def wait_for(path, timeout=60.0):
    end = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < end, f"{path.name} never written"
        time.sleep(0.01)


def test_outside_a_batch_a_job_runs_at_once_and_inside_when_it_closes(tmp_path):
    drawing.submit(recorder(tmp_path, "now"))
    assert ran(tmp_path, "now") == [os.getpid()]
    with drawing.batch():
        drawing.submit(recorder(tmp_path, "later"))
        drawing.here(recorder(tmp_path, "here"))
        assert drawing.batching() and not (tmp_path / "later").exists() and not (tmp_path / "here").exists()
    assert ran(tmp_path, "later") == ran(tmp_path, "here") == [os.getpid()]   # no helper unless allowed


def test_a_batch_inside_another_draws_its_own_jobs_when_it_closes(tmp_path):
    with drawing.batch():
        drawing.submit(recorder(tmp_path, "outer"))
        with drawing.batch():
            drawing.submit(recorder(tmp_path, "inner"))
        assert (tmp_path / "inner").exists() and not (tmp_path / "outer").exists()
    assert (tmp_path / "outer").exists() and not drawing.batching()


def test_no_helper_on_a_busy_machine(tmp_path, monkeypatch):
    """With every core busy (load average at the cores less a half, this process counted), the jobs run here."""
    monkeypatch.setattr(os, "getloadavg", lambda: ((os.cpu_count() or 1) - 0.5, 0.0, 0.0))
    drawing.allow_helper()
    try:
        with drawing.batch():
            drawing.here(recorder(tmp_path, "here"))
            for name in "ab":
                drawing.submit(recorder(tmp_path, name))
    finally:
        drawing.allow_helper(False)
    assert ran(tmp_path, "a") == ran(tmp_path, "b") == ran(tmp_path, "here") == [os.getpid()]


def test_the_helper_draws_beside_this_process_and_every_job_runs_once(tmp_path, helper):
    # this process is busy with its own job until a shared job is done: only the helper can have done it
    with drawing.batch():
        drawing.here(lambda: wait_for(tmp_path / "a"))
        for name in "abcdef":
            drawing.submit(recorder(tmp_path, name))
    pids = {name: ran(tmp_path, name) for name in "abcdef"}
    assert all(len(p) == 1 for p in pids.values()), pids
    assert pids["a"] != [os.getpid()]


def test_a_job_that_fails_in_the_helper_is_run_here(tmp_path, helper):
    me = os.getpid()

    def flaky():
        if os.getpid() != me:
            raise RuntimeError("only in the helper")
        recorder(tmp_path, "flaky")()

    with drawing.batch():
        drawing.here(lambda: wait_for(tmp_path / "tried"))
        drawing.submit(lambda: (recorder(tmp_path, "tried")(), flaky()))
        drawing.submit(recorder(tmp_path, "other"))
    assert ran(tmp_path, "flaky") == [me] and ran(tmp_path, "tried")[0] != me


def test_jobs_of_a_helper_that_died_are_run_here(tmp_path, helper):
    me = os.getpid()

    def dies():
        if os.getpid() != me:
            os.kill(os.getpid(), 9)
        recorder(tmp_path, "dies")()

    with drawing.batch():
        drawing.here(lambda: time.sleep(0.5))
        drawing.submit(dies)
        drawing.submit(recorder(tmp_path, "other"))
    assert ran(tmp_path, "dies") == [me] and len(ran(tmp_path, "other")) == 1


def test_a_failure_raises_here_and_leaves_no_helper(tmp_path, helper):
    with pytest.raises(ZeroDivisionError), drawing.batch():
        drawing.submit(lambda: 1 / 0)
        drawing.submit(recorder(tmp_path, "other"))
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)   # the helper was reaped


def test_the_warm_process_draws_from_the_tables_it_is_handed(write_scenario, tmp_path):
    result = scenarios.run(write_scenario(), "base", workers=1)["base"]
    folder = tmp_path / "r"
    folder.mkdir()
    result.write_data(folder, tables=())      # no Parquet file: the traces exist only in the tables handed over
    plugins.start(result.settings["plant"])
    try:
        assert plugins.report(folder, {"traces": result.traces(), "events": result.events()})()
    finally:
        plugins.stop()
    assert (folder / "figures" / "traces.png").is_file() and (folder / "report.html").is_file()
    assert not (folder / plugins.HANDED).exists()



def test_a_result_s_tables_are_built_without_importing_pandas():
    """pa.array imports pandas the first time (1 s of CPU between the run and its report): Result.of builds the
    tables from the columns' buffers instead, the same tables as pa.array's."""
    import subprocess
    import sys

    code = """
import sys
from types import SimpleNamespace as N
import numpy as np
from scenarios import results
runs = [N(task=N(replication=r), run=N(traces={"t": np.arange(3.0), "x": np.array([1, 2, r], np.int32)},
                                       events={"t": np.array([0.5]), "event": np.array(["start é"], object)}))
        for r in range(2)]
tables = {name: results._stack(runs, name) for name in ("traces", "events")}
assert "pandas" not in sys.modules
import pyarrow as pa
assert tables["traces"].equals(pa.table({"replication": pa.array(np.array([0, 0, 0, 1, 1, 1], np.int32)),
                                         "t": pa.array([0.0, 1, 2] * 2),
                                         "x": pa.array(np.array([1, 2, 0, 1, 2, 1], np.int32))}))
assert tables["events"].equals(pa.table({"replication": pa.array(np.array([0, 1], np.int32)),
                                         "t": pa.array([0.5, 0.5]), "event": pa.array(["start é"] * 2)}))
mixed = np.array(["a", None], object)
assert results._column(mixed).equals(pa.array(mixed.tolist()))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
