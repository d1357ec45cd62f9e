"""Studies from Python (scenarios.load / run / read) and results that never mix: the defects of issue 18.

Each defect test fails on the code before the API (d644bda^): results of two studies in one folder, an earlier
run's files beside a new one, `twin compare` across studies (exit 0, 4.993 against 1.72e+06 "batches/d"), a corrupt
scenario.yaml (a traceback), a partial folder accepted, and Ctrl-C (a traceback, exit 1 or 139).
"""
import contextlib
import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml
from scenario_files import PLANT, SMALL

import scenarios
from scenarios import registry, runs
from scenarios.registry import Study
from twin.cli import main

ONE_STAGE = f"""\
plant: {PLANT}
study: line_capacity
horizon: 5 d
seed: 3
replications: 2
release: {{pattern: fixed, every: 6 h}}
stages:
  blending: {{units: [BL-301], process: 2 h}}
"""

OTHER_STUDY = f"""\
plant: {PLANT}
study: scheduling
horizon: 3 d
seed: 3
replications: 2
products:
  MET:
    steps:
      blending: {{units: [BL-301], time: 2 h}}
orders:
  - {{product: MET, batches: 2, due: 2 d}}
cleaning:
  MET: {{MET: 30 min}}
solver: {{time_limit: 5 s}}
"""


def write(folder, name, text):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text)
    return folder / name


def cli(*args) -> int:
    return main([*map(str, args), "--no-progress"] if args[0] != "compare" else list(map(str, args)))


def test_samples_of_two_studies_with_one_name_land_in_their_own_folders(tmp_path, monkeypatch):
    """The README's order of commands: two studies' samples both called multipurpose_osd.yaml, run one after the
    other with the default folders. Before: both in results/multipurpose_osd/base, the second report embedding the
    first's traces figure."""
    monkeypatch.chdir(tmp_path)
    lines = write(tmp_path / "line_capacity", "multipurpose_osd.yaml", ONE_STAGE)
    plan = write(tmp_path / "scheduling", "multipurpose_osd.yaml", OTHER_STUDY)
    assert cli("run", lines, "--workers", "1") == 0
    assert cli("run", plan, "--workers", "1") == 0
    first = scenarios.read("results/line_capacity/multipurpose_osd/base")
    second = scenarios.read("results/scheduling/multipurpose_osd/base")
    assert first.study == "line_capacity" and second.study == "scheduling"
    assert set(first.kpis) == {"throughput", "flow_time", "wip", "utilisation.blending", "down.blending"}
    assert "throughput" not in second.kpis and "makespan" in second.kpis
    assert first.provenance["scenario_hash"] != second.provenance["scenario_hash"]


def test_two_files_with_one_name_in_one_study_never_share_a_folder(tmp_path, monkeypatch, capsys):
    """Two different line_capacity files both called s.yaml (in folders a/ and b/): before, the second run replaced
    the first's results/line_capacity/s with no word. Now the second goes to s-<hash of its path> and says so; an
    edited first file (same path, new hash) still replaces its own results."""
    monkeypatch.chdir(tmp_path)
    first = write(tmp_path / "a", "s.yaml", ONE_STAGE)
    second = write(tmp_path / "b", "s.yaml", ONE_STAGE.replace("every: 6 h", "every: 8 h"))
    assert cli("run", first, "--workers", "1") == 0
    assert cli("run", second, "--workers", "1") == 0
    own = f"s-{hashlib.sha256(str(second.resolve()).encode()).hexdigest()[:8]}"
    assert f"note: {Path('results/line_capacity/s')} holds the results of another s.yaml, so these are in " \
           f"{Path('results/line_capacity', own)}" in capsys.readouterr().err
    assert scenarios.read("results/line_capacity/s/base").provenance["file"] == str(first)
    assert scenarios.read(f"results/line_capacity/{own}/base").provenance["file"] == str(second)
    assert cli("sweep", second, "--workers", "1") == 0                        # a sweep finds the same folder
    assert scenarios.read(f"results/line_capacity/{own}/base").provenance["file"] == str(second)
    first.write_text(ONE_STAGE.replace("seed: 3", "seed: 4"))               # the first file, edited
    assert cli("run", first, "--workers", "1") == 0
    assert scenarios.read("results/line_capacity/s/base").settings["seed"] == 4
    assert sorted(p.name for p in (tmp_path / "results" / "line_capacity").iterdir()) == ["s", own]


def test_a_rerun_leaves_no_file_of_the_earlier_run(tmp_path):
    """A folder is replaced whole: a figure only the earlier run drew is gone, and no temporary folder is left."""
    out = tmp_path / "out"
    assert cli("run", write(tmp_path, "s.yaml", ONE_STAGE), "-o", out, "--workers", "1") == 0
    (out / "figures" / "gantt.png").write_bytes(b"an earlier run's figure")
    earlier = scenarios.read(out).provenance["run"]
    assert cli("run", write(tmp_path, "s.yaml", ONE_STAGE), "-o", out, "--workers", "1") == 0
    assert not (out / "figures" / "gantt.png").exists()
    assert scenarios.read(out).provenance["run"] != earlier
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "s.yaml"]


def test_a_folder_that_is_not_a_result_is_never_replaced(tmp_path, capsys):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.tex").write_text("months of work")
    assert cli("run", write(tmp_path, "s.yaml", ONE_STAGE), "-o", tmp_path / "mine", "--workers", "1") == 2
    assert "not a pharma-twin result" in capsys.readouterr().err
    assert (tmp_path / "mine" / "thesis.tex").read_text() == "months of work"


def test_a_result_records_its_study_plant_scenario_hash_and_version(tmp_path):
    import hashlib

    from twin import __version__

    path = write(tmp_path, "s.yaml", ONE_STAGE)
    result = scenarios.run(path, workers=1)["base"]
    p = result.provenance
    assert (p["study"], p["scenario"], p["plant"], p["version"]) == ("line_capacity", "s", str(PLANT), __version__)
    assert p["scenario_hash"] == hashlib.sha256(path.read_bytes()).hexdigest()[:16] and p["complete"]
    saved = yaml.safe_load((result.save(tmp_path / "r") / "scenario.yaml").read_text())["provenance"]
    assert saved == p


@pytest.fixture(scope="module")
def two_studies(tmp_path_factory):
    """A line_capacity and a scheduling result, saved."""
    tmp = tmp_path_factory.mktemp("two")
    a = scenarios.run(write(tmp, "lines.yaml", ONE_STAGE), workers=1)["base"]
    b = scenarios.run(write(tmp, "plan.yaml", OTHER_STUDY), workers=1)["base"]
    return a.save(tmp / "a"), b.save(tmp / "b")


def test_compare_refuses_results_of_different_studies(two_studies, tmp_path, capsys):
    a, b = two_studies
    assert cli("compare", a, b, "-o", tmp_path / "cmp") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "different studies" in err and "line_capacity" in err and "scheduling" in err
    assert not (tmp_path / "cmp").exists()
    with pytest.raises(scenarios.ResultError, match="different studies"):
        scenarios.read(a).compare(scenarios.read(b))


def test_compare_refuses_a_kpi_in_other_units(two_studies, tmp_path, capsys):
    a, _ = two_studies
    other = tmp_path / "other"
    scenarios.read(a).save(other)
    kpis = json.loads((other / "kpis.json").read_text())
    kpis["kpis"]["throughput"]["unit"] = "kg/s"
    (other / "kpis.json").write_text(json.dumps(kpis))
    assert cli("compare", a, other, "-o", tmp_path / "cmp") == 2
    assert "throughput" in capsys.readouterr().err


def test_compare_names_its_folder_after_what_it_compares(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli("sweep", write(tmp_path, "line.yaml", SMALL.replace("{plant}", str(PLANT))), "--workers", "1") == 0
    assert cli("compare", "results/line_capacity/line/base", "results/line_capacity/line/second_blender") == 0
    assert (tmp_path / "results/line_capacity/compare/line.base_vs_line.second_blender/report.html").is_file()


@pytest.mark.parametrize("damage, says", [
    (lambda f: (f / "scenario.yaml").write_text("study: [line_capacity\nplant: x"), "scenario.yaml"),
    (lambda f: (f / "kpis.json").write_text('{"kpis": {"throughput": '), "kpis.json, line 1"),
    (lambda f: (f / "kpis.json").write_text('{"kpis": {"throughput": 3}}'), "kpis.json"),
    (lambda f: (f / "scenario.yaml").write_text("- a list"), "not a mapping"),
])
def test_compare_refuses_a_corrupt_result_in_one_line(two_studies, tmp_path, capsys, damage, says):
    a, _ = two_studies
    broken = tmp_path / "broken"
    scenarios.read(a).save(broken)
    damage(broken)
    assert cli("compare", a, broken, "-o", tmp_path / "cmp") == 2
    err = capsys.readouterr().err
    assert err.startswith("twin compare: ") and err.count("\n") == 1 and says in err and "corrupt" in err


def test_compare_refuses_a_partial_folder(two_studies, tmp_path, capsys):
    """What an interrupted run of the old code left: settings and KPIs, no report, no provenance."""
    a, _ = two_studies
    partial = tmp_path / "partial"
    partial.mkdir()
    settings = yaml.safe_load((a / "scenario.yaml").read_text())
    del settings["provenance"]
    (partial / "scenario.yaml").write_text(yaml.safe_dump(settings))
    (partial / "kpis.json").write_text((a / "kpis.json").read_text())
    assert cli("compare", a, partial, "-o", tmp_path / "cmp") == 2
    assert "partial result" in capsys.readouterr().err


def interrupted_on_replication(n):
    def run(params, seed):
        if seed.spawn_key[-1] == n:
            raise KeyboardInterrupt
        return registry.get_study("line_capacity").run(params, seed)
    return run


def test_interrupted_run_gives_partial_results_marked_as_such(tmp_path, monkeypatch):
    stopping = Study("line_capacity", "stops", {}, run=interrupted_on_replication(2))
    real = registry.get_study
    monkeypatch.setattr(runs, "get_study", lambda name: stopping if name == "line_capacity" else real(name))
    scenario = scenarios.load(write(tmp_path, "s.yaml", ONE_STAGE.replace("replications: 2", "replications: 5")))
    with pytest.raises(scenarios.Interrupted) as info:
        scenarios.run(scenario, workers=1)
    partial = info.value.partial
    assert not partial.complete and partial["base"].settings["replications_done"] == 2
    assert partial["base"].kpis["throughput"]["n"] == 2
    folder = partial.save(tmp_path / "partial")
    assert yaml.safe_load((folder / "scenario.yaml").read_text())["provenance"]["complete"] is False
    with pytest.raises(scenarios.ResultError, match="partial result"):
        scenarios.read(folder).compare(scenarios.read(folder))


LONG = f"""\
plant: {PLANT}
study: line_capacity
horizon: 400 d
seed: 3
replications: 400
release: {{pattern: poisson, every: 5 h}}
stages:
  granulation: {{units: [GR-201], process: [2 h, 3 h, 4 h], mtbf: 50 h, mttr: 2 h}}
  blending: {{units: [BL-301], process: 2 h}}
"""


@pytest.mark.slow
@pytest.mark.parametrize("where", [["--workers", "2"], ["--workers", "1"], ["--cluster", "local:2"]],
                         ids=["pool", "in-process", "dask"])
def test_ctrl_c_stops_a_sweep_in_one_line_and_keeps_the_earlier_result(tmp_path, where):
    """SIGINT to the process group, as a terminal's Ctrl-C: exit 130, one line, no traceback, within seconds; the
    earlier result in the folder stays whole (a Dask cluster's workers may log a warning on the way). Before: a
    traceback per process, exit 1 (once 139), folders with kpis.json but no report."""
    out = tmp_path / "out"
    assert cli("run", write(tmp_path, "short.yaml", ONE_STAGE), "-o", out, "--workers", "1") == 0
    earlier = scenarios.read(out).provenance["run"]
    twin = [sys.executable, "-m", "twin.cli"]
    proc = subprocess.Popen([*twin, "run", str(write(tmp_path, "long.yaml", LONG)), "-o", str(out), *where],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    err: list[str] = []
    reader = threading.Thread(target=lambda: err.extend(iter(lambda: proc.stderr.read(1), "")), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 120
        while " runs" not in "".join(err):  # the progress bar counts finished replications: it is simulating
            assert proc.poll() is None and time.monotonic() < deadline, "".join(err)
            time.sleep(0.1)
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=30)
    finally:
        kill_group(proc)
    reader.join(5)
    message = "".join(err).replace("\r", "\n").strip().splitlines()[-1]
    assert proc.returncode == 130, "".join(err)
    assert "Traceback" not in "".join(err), "".join(err)
    assert message.startswith("twin run: interrupted after ") and message.endswith("; nothing written"), message
    assert scenarios.read(out).provenance["run"] == earlier
    assert sorted(p.name for p in tmp_path.iterdir()) == ["long.yaml", "out", "short.yaml"]


def kill_group(proc: subprocess.Popen) -> None:
    """Kill what is left of a child's process group (its session: the child and the processes it started)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


POOL_STOPPED_MID_SEND = """
from concurrent.futures import ProcessPoolExecutor
from scenarios import sweep

def outcomes(_):
    return b"x" * 8_000_000          # a chunk's outcomes: tens of 64 kB pipe buffers, sent back to back

if __name__ == "__main__":
    pool = ProcessPoolExecutor(2, initializer=sweep._deaf_to_ctrl_c)
    futures = [pool.submit(outcomes, i) for i in range(100)]
    futures[0].result()
    sweep._stop(pool)                 # as on Ctrl-C: the workers are terminated, most likely while sending
    print("stopped", flush=True)
"""


def test_a_pool_stopped_while_its_workers_send_lets_the_process_exit(tmp_path):
    """The workers of a pool stopped by Ctrl-C are terminated, and one sending its results leaves the pool's manager
    thread waiting for the rest of the message, which the interpreter's exit joins: before, the child hung here
    (9 of 9 runs; the slow Ctrl-C test's `twin run` outlived its 30 s once in a fresh clone); now ~1 s."""
    proc = subprocess.Popen([sys.executable, "-c", POOL_STOPPED_MID_SEND], cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=60)
    finally:
        kill_group(proc)
    assert proc.returncode == 0 and out == "stopped\n", err


def study_files(tmp_path):
    """One short scenario per study (minutes of run time in all), with the files it names."""
    from cm_files import flagship_text
    from scenario_files import ROOT
    from test_energy_model import ONE_ROOM
    from test_safety_lopa import YAML as LOPA

    write(tmp_path, "lopa.yaml", LOPA)
    maintenance = (ROOT / "scenarios" / "maintenance" / "multipurpose_osd.yaml").read_text()
    for old, new in (("../../plant_models", str(ROOT / "plant_models")), ("horizon: 730 d", "horizon: 100 d"),
                     ("replications: 20", "replications: 2")):
        assert old in maintenance, old
        maintenance = maintenance.replace(old, new)
    intralogistics = (ROOT / "scenarios" / "intralogistics" / "multipurpose_osd.yaml").read_text()
    for old, new in (("../../plant_models", str(ROOT / "plant_models")), ("horizon: 7 d", "horizon: 2 d"),
                     ("replications: 5", "replications: 2"), ("../scheduling", str(ROOT / "scenarios" / "scheduling"))):
        assert old in intralogistics, old
        intralogistics = intralogistics.replace(old, new)
    return {
        "line_capacity": write(tmp_path, "line_capacity.yaml", ONE_STAGE),
        "scheduling": write(tmp_path, "scheduling.yaml", OTHER_STUDY),
        "energy": write(tmp_path, "energy.yaml", ONE_ROOM.replace("replications: 1", "replications: 2")),
        "safety": write(tmp_path, "safety.yaml", f"plant: {ROOT / 'plant_models' / 'api_bay' / 'plant.yaml'}\n"
                                                 "study: safety\nhorizon: 1 yr\nseed: 1\nreplications: 2\n"
                                                 "lopa: lopa.yaml\n"),
        "continuous_manufacturing": write(tmp_path, "cm.yaml", flagship_text(("horizon: 24 h", "horizon: 30 min"))),
        "maintenance": write(tmp_path, "maintenance.yaml",
                             (ROOT / "scenarios" / "maintenance" / "multipurpose_osd.yaml").read_text()
                             .replace("../../plant_models", str(ROOT / "plant_models"))
                             .replace("replications: 20", "replications: 2")),
        "intralogistics": write(tmp_path, "intralogistics.yaml", intralogistics),
    }


@pytest.mark.slow
def test_every_study_from_python_gives_the_kpis_of_the_command_line(tmp_path):
    """As a notebook does it: load, run, look at the KPIs, save; the same seed through `twin run` gives the same
    values bit for bit. Every registered study has a case here (a new study adds its short scenario)."""
    files = study_files(tmp_path)
    assert set(files) == set(registry.STUDIES)
    for study, path in files.items():
        scenario = scenarios.load(path)
        assert isinstance(scenario, scenarios.Scenario) and scenario.study.name == study
        results = scenarios.run(scenario, variants="base", workers=1)
        result = results["base"]
        assert result.complete and not result.failures and result.path is None, study   # nothing written yet
        assert "<table>" in results._repr_html_() and list(result.summary().index) == list(result.kpis)
        assert cli("run", path, "-o", tmp_path / "cli" / study, "--workers", "1") == 0
        by_cli = json.loads((tmp_path / "cli" / study / "kpis.json").read_text())["kpis"]
        assert exact(result.kpis) == exact(by_cli), study
        saved = result.save(tmp_path / "api" / study)
        assert json.dumps(scenarios.read(saved).kpis, sort_keys=True) == json.dumps(result.kpis, sort_keys=True), study


def exact(kpis: dict) -> dict[str, list[str]]:
    """Each KPI's values as their shortest round-trip text: equal exactly when the floats are bit for bit, a NaN
    (a KPI a run could not measure) equal to a NaN."""
    return {k: [repr(float(x)) for x in v["values"]] for k, v in kpis.items()}


def test_thinned_curves_keep_every_extreme_of_the_full_curve():
    """The figures draw 1,500 buckets of a day sampled every second: each bucket's lowest and highest mean and its
    band's envelope, checked against a plain loop over the buckets."""
    import numpy as np

    from scenarios.figures import thinned

    rng = np.random.default_rng(1)
    t = np.arange(86401.0)
    mean, half = rng.normal(100, 1, t.size), rng.uniform(0, 2, t.size)
    mean[[0, 4321, 86400]] = [50.0, 150.0, 40.0]
    (tt, yy), (tb, low, high) = thinned(t, mean, half, points=1500)
    size = -(-t.size // 1500)
    for i, a in enumerate(range(0, t.size, size)):
        b = min(a + size, t.size)
        inside = (tt >= a) & (tt < b)
        assert yy[inside].min() == mean[a:b].min() and yy[inside].max() == mean[a:b].max()
        assert (tb[i], low[i], high[i]) == (a, (mean - half)[a:b].min(), (mean + half)[a:b].max())
    assert len(tt) <= 3000 and {50.0, 150.0, 40.0} <= set(yy)


def test_a_scenario_shows_its_variants_and_what_they_change(write_scenario):
    scenario = scenarios.load(write_scenario())
    page = scenario._repr_html_()
    assert "<td>base</td><td><code>as written</code>" in page
    assert "<td>second_blender</td><td><code>stages.blending.units: [&#x27;BL-301&#x27;, &#x27;BL-302&#x27;]" in page
    assert repr(scenario) == f"<Scenario line_capacity 'scenario' ({scenario.file}): variants base, second_blender>"


def test_a_run_into_a_sweep_says_the_sweep_compares_the_earlier_run(write_scenario, tmp_path, capsys):
    out = tmp_path / "sweep"
    assert cli("sweep", write_scenario(), "-o", out, "--workers", "1") == 0
    before = scenarios.read(out / "base").provenance["run"]
    capsys.readouterr()
    assert cli("run", write_scenario(), "-o", out / "base", "--workers", "1") == 0
    assert f"note: {out / 'report.html'} compares the earlier run of 'base'" in capsys.readouterr().err
    assert scenarios.read(out / "base").provenance["run"] != before
    assert json.loads((out / "comparison.json").read_text())["results"][0]["run"] == before


def test_a_sweep_folder_reads_back_as_results_in_sweep_order(write_scenario, tmp_path):
    out = tmp_path / "sweep"
    assert cli("sweep", write_scenario(), "-o", out, "--workers", "1") == 0
    back = scenarios.read(out)
    assert isinstance(back, scenarios.Results) and list(back) == ["base", "second_blender"]
    assert (back.study, back.name, back.path) == ("line_capacity", "scenario", out)
    rows = json.loads((out / "comparison.json").read_text())["rows"]
    assert json.loads(json.dumps(back.compare().rows)) == rows
    assert "<h3>line_capacity — scenario</h3>" in back._repr_html_()
