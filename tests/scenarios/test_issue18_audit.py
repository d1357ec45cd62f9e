"""Defects found by the issue-18 audit (an outside user trying every point of the issue), each fixed where it was.

Each test fails on the code before its fix; the audit's note (notes/issue-18-audit.md) lists the commands tried.
"""
import re

import pytest

from scenarios import compare
from scenarios.scheduling import jobshop
from twin.cli import build_parser, main


def test_the_comparison_table_keeps_long_names_and_numbers_in_their_columns():
    """`twin compare` of two safety results printed 'frequency.runaway_cooling_lossbase': a KPI name longer than
    its column ran into the variant's, and two 10-character numbers ('-1.829e-08') ran into each other."""
    rows = [{"kpi": "mean_frequency.runaway_cooling_loss", "variant": "a_variant_with_a_long_name", "base": -1.829e-08,
             "value": -1.5e-08, "difference": 3.29e-09, "p_value": 0.5, "significant": False, "unit": "1/yr"},
            {"kpi": "throughput", "variant": "b", "base": 1.0, "value": 2.0, "difference": 1.0, "p_value": 1e-6,
             "significant": True, "unit": "batches/s"}]
    lines = compare.table(rows).splitlines()
    fields = [re.split(r"\s+", line.strip()) for line in (lines[0], lines[2], lines[3])]
    assert fields[0] == ["KPI", "variant", "base", "variant", "diff", "p", "significant", "unit"]
    assert fields[1][:4] == ["mean_frequency.runaway_cooling_loss", "a_variant_with_a_long_name", "-1.829e-08",
                             "-1.5e-08"]
    assert [len(f) for f in fields[1:]] == [8, 8]
    # every column starts where its heading does
    assert lines[2].index("a_variant") == lines[3].index("b ") == lines[0].index("variant")


@pytest.mark.parametrize("argv, message", [
    (["view", "results/x", "--movie", "m.mp4", "--from", "-1h"], "argument --from: '-1h' is not a time >= 0"),
    (["view", "results/x", "--time", "-5h"], "argument --time: '-5h' is not a time >= 0"),
    (["view", "results/x", "--time", "-.5"], "argument --time: '-.5' is not a time >= 0"),
])
def test_a_value_that_starts_with_minus_and_a_digit_reaches_the_options_check(argv, message, capsys):
    """argparse read '-1h' as an option: `twin view R --movie m.mp4 --from -1h` said "expected one argument"
    (only `--from=-1h` reached the time check). Now every command's parser takes it as the option's value."""
    with pytest.raises(SystemExit) as stop:
        build_parser(argv[0]).parse_args(argv)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "expected one argument" not in err, err


@pytest.mark.parametrize("fps, seconds, refused", [("30", "100000", True), ("1000", "600", True),
                                                    ("30", "600", False), ("20", "10", False)])
def test_a_movie_of_more_frames_than_can_be_drawn_is_refused_before_anything_loads(tmp_path, capsys, fps, seconds,
                                                                                   refused):
    """`--fps 30 --seconds 100000` (three million frames, days of drawing and a growing MP4) started drawing."""
    missing = tmp_path / "no_such_result"      # refused before the source is read: its absence is the next error
    code = main(["view", str(missing), "--movie", str(tmp_path / "m.mp4"), "--fps", fps, "--seconds", seconds])
    err = capsys.readouterr().err
    assert code == 2 and len(err.splitlines()) == 1, err
    assert ("frames, more than 18,000" in err) == refused, err
    assert not (tmp_path / "m.mp4").exists()


def test_a_job_shop_file_with_a_byte_order_mark_is_read(tmp_path):
    """A job-shop file saved by Notepad starts with U+FEFF: it was refused as "bad header '\\ufeff2 2'"."""
    path = tmp_path / "bom.txt"
    path.write_bytes("2 2\r\n0 1 1 3\r\n1 3 0 2\r\n".encode("utf-8-sig"))
    assert jobshop.read(path) == jobshop.JobShop([[(0, 1), (1, 3)], [(1, 3), (0, 2)]], 2)


def test_a_parquet_bool_column_is_not_fitted_as_a_measurement_unless_named(tmp_path, capsys):
    """`twin monitor fit` took a Parquet bool column (a pump running) by default and scored it as 0/1: a model of
    four tags whose alarms blamed 'RUN'. Now it is refused by name; named with --columns it is taken as 0/1, and a
    check against that model reads it."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(1)
    a = rng.normal(size=300)
    data = tmp_path / "train.parquet"
    pq.write_table(pa.table({"A": a, "B": a + 0.3 * rng.normal(size=300), "RUN": rng.random(300) > 0.5}), data)
    assert main(["monitor", "fit", str(data), "-o", str(tmp_path / "m.json")]) == 2
    err = capsys.readouterr().err
    assert "column 'RUN' holds true/false states" in err and "--columns" in err and len(err.splitlines()) == 1
    assert not (tmp_path / "m.json").exists()
    assert main(["monitor", "fit", str(data), "--columns", "A,B,RUN", "-o", str(tmp_path / "m.json")]) == 0
    assert main(["monitor", "check", str(tmp_path / "m.json"), str(data)]) in (0, 1)   # 1: some alarms
    assert "300 samples against" in capsys.readouterr().out


@pytest.mark.parametrize("args", [["--help"], ["inspect", "plant_models/api_bay/api_bay.ifc"]])
def test_a_reader_that_goes_away_ends_the_command_quietly(args):
    """`twin monitor fit ... | head -1` printed a BrokenPipeError traceback; `twin --help` with its reader gone
    printed 'Exception ignored ... BrokenPipeError' and exited 120. Now: nothing on stderr, 141 (as SIGPIPE)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}   # stdout buffered, as by default
    p = subprocess.Popen([sys.executable, "-m", "twin.cli", *args], cwd=Path(__file__).resolve().parents[2],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    p.stdout.close()                       # the reader is gone before the first line
    err = p.stderr.read().decode()
    assert p.wait(timeout=60) == 141 and err == "", err


def test_the_engines_public_names_come_from_twin():
    """Issue 18 names `twin.Twin` and `twin.load_plant` as the one import path of each: `twin.load_plant` was an
    AttributeError (the README imported `load` from `twin.plant`). Both load on first use: `import twin` stays light."""
    import subprocess
    import sys

    import twin
    import twin.plant
    from twin.twin import Twin

    assert twin.load_plant is twin.plant.load and twin.Twin is Twin
    assert {"Twin", "load_plant"} <= set(twin.__all__)
    light = subprocess.run([sys.executable, "-c", "import sys, twin; print('twin.plant' in sys.modules)"],
                           capture_output=True, text=True, check=True)
    assert light.stdout.strip() == "False"


def test_a_long_preparation_shows_its_clock_moving(capsys):
    """The scheduling run's plan sat at 'preparing: 0%| 0/1 [00:00<?, base]' with nothing moving while it planned
    (68 s when the issue was filed): tqdm redraws only on an update. Now the bar is redrawn each second."""
    import time
    from types import SimpleNamespace

    from scenarios import sweep

    scenario = SimpleNamespace(study=SimpleNamespace(prepare=lambda params: time.sleep(2.6)))
    sweep.prepare(scenario, [SimpleNamespace(variant="base", params={})], progress=True)
    drawn = capsys.readouterr().err.replace("\r", "\n")
    assert re.search(r"0/1 \[00:0[12]<", drawn), drawn    # drawn at 0 %, with a second or two gone


def test_an_interrupted_write_leaves_no_empty_folders_behind(tmp_path):
    """Ctrl-C while `twin sweep` wrote its reports left an empty results/line_capacity: 'complete results or none'
    held for the result but not for the folders made to hold it. An existing parent is kept."""
    from scenarios.results import replacing

    (tmp_path / "results").mkdir()
    with pytest.raises(KeyboardInterrupt), replacing(tmp_path / "results" / "line_capacity" / "osd" / "base") as tmp:
        (tmp / "kpis.json").write_text("{}")
        raise KeyboardInterrupt
    assert [p.name for p in tmp_path.rglob("*")] == ["results"]


def test_the_energy_checks_modules_leave_scipy_to_their_functions():
    """The energy study's check (a chiller the plant lacks) imported SciPy's signal and interpolate through
    twin.process.noise and scenarios.energy.psychro before its message: 1.55 s CPU, now 1.18 s (twin.process itself
    still brings CasADi and scipy.optimize: the check builds the rooms' zones from the air model)."""
    import subprocess
    import sys

    probe = ("import sys; import twin.process.noise, scenarios.energy.psychro; "
             "print(sorted(m for m in ('scipy.signal', 'scipy.interpolate') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_a_scenario_refused_at_a_plant_tag_does_not_wait_for_trimesh(tmp_path):
    """The maintenance sample with an unknown tag (TP-491) loaded trimesh with the plant overlay before its message,
    as every overlay did: 1.26 s CPU, now 0.76 s (load 8). An overlay on an IFC file needs no mesh library."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    text = (root / "scenarios/maintenance/multipurpose_osd.yaml").read_text()
    assert "  TP-401: &press" in text
    bad = tmp_path / "maintenance.yaml"
    bad.write_text(text.replace("../../plant_models", str(root / "plant_models")).replace("  TP-401: &press",
                                                                                         "  TP-491: &press"))
    probe = ("import sys; from twin.cli import main; code = main(['run', sys.argv[1]]); "
             "print(code, 'trimesh' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", probe, str(bad)], capture_output=True, text=True, cwd=tmp_path)
    assert "unknown plant tag 'TP-491'" in done.stderr, done.stderr
    assert done.stdout.split() == ["2", "False"], done.stdout


@pytest.mark.parametrize("variants, message", [(["base", "base"], "names 'base' twice"), ([], "no variant to run")])
def test_a_variant_list_that_would_mislead_is_refused(variants, message):
    """`scenarios.run(s, variants=["base", "base"])` ran base's replications twice on the same seeds and reported
    n = 2 x replications (each value twice: an interval too narrow by sqrt 2); `variants=[]` ran every variant."""
    from pathlib import Path

    import scenarios

    sample = Path(__file__).resolve().parents[2] / "scenarios/line_capacity/multipurpose_osd.yaml"
    with pytest.raises(ValueError, match=message):
        scenarios.run(sample, variants=variants, workers=1)


def test_a_movie_is_whole_or_absent(tmp_path):
    """Ctrl-C 45 frames into `twin view RESULT --movie run.mp4` left a cut run.mp4 (and would have cut an earlier
    movie at that name). Now the movie is written under a hidden name and moved in place at its end."""
    from viewer import export

    class Playback:   # writes what a movie writer would, frame by frame, then is interrupted (or not)
        def __init__(self, stop: bool) -> None:
            self.stop = stop

        def movie(self, path, **options):
            path.write_bytes(b"frames")
            if self.stop:
                raise KeyboardInterrupt
            return path

    target = tmp_path / "run.mp4"
    target.write_bytes(b"an earlier movie")
    with pytest.raises(KeyboardInterrupt):
        export.movie(Playback(stop=True), target)
    assert [p.name for p in tmp_path.iterdir()] == ["run.mp4"] and target.read_bytes() == b"an earlier movie"
    assert export.movie(Playback(stop=False), target) == target
    assert [p.name for p in tmp_path.iterdir()] == ["run.mp4"] and target.read_bytes() == b"frames"


def test_a_folder_of_several_runs_results_is_never_replaced_by_one(tmp_path):
    """`twin run X -o results` replaced the whole results/ folder (the flagship's run, a sweep, comparisons of
    other studies) with the one result: a folder of result folders counted as replaceable at any depth. Now only a
    result, a comparison, or a folder of those (a sweep, a scenario's variants) is replaced."""
    from scenarios.results import ResultError, replacing

    results = tmp_path / "results"
    for variant in ("results/line_capacity/osd/base", "results/safety/bay/base", "scenario/base", "scenario/two"):
        (tmp_path / variant).mkdir(parents=True)
        (tmp_path / variant / "kpis.json").write_text("{}")
    for folder in (results, results / "line_capacity"):
        with pytest.raises(ResultError, match="several runs"), replacing(folder):
            pass
    assert (results / "safety/bay/base/kpis.json").is_file() and (results / "line_capacity/osd/base").is_dir()
    with replacing(tmp_path / "scenario") as tmp:   # a scenario's variants: a sweep writes there
        (tmp / "kpis.json").write_text("{}")
    assert [p.name for p in (tmp_path / "scenario").iterdir()] == ["kpis.json"]


def test_a_comparison_is_never_written_over_a_result_it_compares(tmp_path, capsys):
    """`twin compare SWEEP/base SWEEP/two -o SWEEP/base` replaced the base result with the comparison (its KPIs,
    traces and events gone), and `-o SWEEP` would have deleted the whole sweep. Both are refused now."""
    from pathlib import Path

    sample = Path(__file__).resolve().parents[2] / "scenarios/line_capacity/multipurpose_osd.yaml"
    text = sample.read_text().replace("../../plant_models", str(sample.parents[2] / "plant_models"))
    scenario = tmp_path / "osd.yaml"
    scenario.write_text(text.replace("replications: 20", "replications: 2").replace("horizon: 60 d", "horizon: 10 d"))
    sweep = tmp_path / "sweep"
    assert main(["sweep", str(scenario), "-o", str(sweep), "--workers", "1", "--no-progress"]) == 0
    capsys.readouterr()
    for out in (sweep / "base", sweep):
        assert main(["compare", str(sweep / "base"), str(sweep / "two_shifts"), "-o", str(out)]) == 2
        assert "a result this compares" in capsys.readouterr().err
    assert (sweep / "base" / "kpis.json").is_file() and (sweep / "two_shifts" / "kpis.json").is_file()
    assert main(["compare", str(sweep / "base"), str(sweep / "two_shifts"), "-o", str(tmp_path / "c")]) == 0


def test_a_results_folder_that_cannot_be_written_is_one_line(tmp_path, capsys, monkeypatch):
    """`twin run X -o /proc/x` ran the whole study, then printed a FileNotFoundError traceback (a read-only mount
    or a full disk would have done the same). An -o that is a file, or under one, is now refused before the run;
    a write that fails anyway is one line, exit 2."""
    from pathlib import Path

    import scenarios.api

    sample = Path(__file__).resolve().parents[2] / "scenarios/line_capacity/multipurpose_osd.yaml"
    scenario = tmp_path / "osd.yaml"
    scenario.write_text(sample.read_text().replace("../../plant_models", str(sample.parents[2] / "plant_models"))
                        .replace("replications: 20", "replications: 2").replace("horizon: 60 d", "horizon: 10 d"))
    (tmp_path / "a.txt").write_text("mine")
    ran = []
    monkeypatch.setattr(scenarios.api, "sweep", lambda *a, **k: ran.append(1))
    for out, message in ((tmp_path / "a.txt", "is a file, not a folder"),
                         (tmp_path / "a.txt" / "x", "a.txt is a file")):
        assert main(["run", str(scenario), "-o", str(out), "--no-progress"]) == 2
        err = capsys.readouterr().err
        assert message in err and len(err.splitlines()) == 1, err
    assert ran == [] and (tmp_path / "a.txt").read_text() == "mine"
    monkeypatch.undo()

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(scenarios.api.Results, "report", full)
    assert main(["run", str(scenario), "-o", str(tmp_path / "out"), "--workers", "1", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err == "twin run: cannot write the results: [Errno 28] No space left on device\n", err


def test_a_comparison_that_cannot_be_written_is_one_line(tmp_path, capsys, monkeypatch):
    """`twin compare A B -o /proc/x` printed a FileNotFoundError traceback."""
    from scenarios.compare import Comparison

    def full(self, folder=None):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Comparison, "report", full)
    monkeypatch.setattr("scenarios.results.read", lambda folder: None)
    monkeypatch.setattr(Comparison, "__init__", lambda self, results: None)
    assert main(["compare", "a", "b", "-o", str(tmp_path / "c")]) == 2
    assert capsys.readouterr().err == "twin compare: cannot write the comparison: [Errno 28] No space left on device\n"


def test_a_gantt_chart_with_no_folder_to_go_to_is_refused_before_the_plan(tmp_path, capsys):
    """`twin schedule plan S -o /nope/p.png` planned for seconds, then printed a FileNotFoundError traceback."""
    with pytest.raises(SystemExit) as stop:
        build_parser("schedule").parse_args(["schedule", "plan", "s.yaml", "-o", str(tmp_path / "nope" / "p.png")])
    assert stop.value.code == 2 and "no folder" in capsys.readouterr().err


@pytest.mark.parametrize("change, key, message", [
    (("horizon: 60 d", "horizon: 1e300 d"), "horizon", r"a horizon of 1e\+300 d"),
    (("every: 4.8 h}", "every: 1e-300 h}"), "release.every", "releases over the horizon"),
    (("mtbf: 150 h", "mtbf: 1e-9 h"), "stages.granulation.mtbf", "breakdowns of each unit over the horizon"),
    (("trace_interval: 1 h", "trace_interval: 1e-6 s"), "trace_interval", "trace rows over the horizon"),
])
def test_a_line_that_would_run_for_ever_is_refused_at_its_key(tmp_path, change, key, message):
    """`horizon: 1e300 d` or `every: 1e-300 h` in the line-capacity sample were accepted and ran for ever (no
    output with --no-progress, killed after 30 s); now refused at their key before anything runs."""
    from pathlib import Path

    import scenarios
    from twin.config import ConfigError

    sample = Path(__file__).resolve().parents[2] / "scenarios/line_capacity/multipurpose_osd.yaml"
    text = sample.read_text().replace("../../plant_models", str(sample.parents[2] / "plant_models"))
    text += "trace_interval: 1 h\n" if "trace_interval" not in text else ""
    assert change[0] in text
    (tmp_path / "s.yaml").write_text(text.replace(change[0], change[1], 1))
    with pytest.raises(ConfigError, match=message) as refused:
        scenarios.load(tmp_path / "s.yaml")
    assert refused.value.key == key and refused.value.line is not None


@pytest.mark.parametrize("sample", ["energy/osd_cm_line.yaml", "maintenance/condition.yaml",
                                    "continuous_manufacturing/flagship.yaml", "safety/api_bay.yaml"])
def test_a_horizon_of_more_than_a_century_is_refused_in_every_study(tmp_path, sample):
    """`horizon: 1e300 d` was accepted by the energy, maintenance and flagship samples, whose runs never ended
    (killed after 15 s), and by safety, which reported 'time_above 1e+300 d'."""
    import re
    import shutil
    from pathlib import Path

    import scenarios
    from twin.config import ConfigError

    root = Path(__file__).resolve().parents[2]
    shutil.copytree(root / "scenarios" / Path(sample).parent, tmp_path / "scenarios" / Path(sample).parent,
                    ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    (tmp_path / "plant_models").symlink_to(root / "plant_models")
    copy = tmp_path / "scenarios" / sample
    text, n = re.subn(r"^horizon: .*$", "horizon: 1e300 d", copy.read_text(), count=1, flags=re.M)
    assert n == 1
    copy.write_text(text)
    with pytest.raises(ConfigError, match="at most 100 years") as refused:
        scenarios.load(copy)
    assert refused.value.key == "horizon"


def test_the_drawing_process_ends_quietly_when_its_parent_is_gone(tmp_path):
    """`twin run` of an energy scenario killed mid-report left its drawing process printing a BrokenPipeError
    traceback onto the terminal they shared. Here the parent closes the answer pipe before the first answer."""
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "from scenarios.plugins import serve; serve()"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    child.stdout.close()
    _, err = child.communicate(f'{{"report": "{tmp_path / "missing"}"}}\n'.encode(), timeout=120)
    assert b"Traceback" not in err and b"BrokenPipe" not in err, err.decode()[-600:]
    assert child.returncode == 0


@pytest.mark.parametrize("change, key, message", [
    (("inspect: 24 h}", "inspect: 1e-300 h}"), "policy.inspect", "inspections over the horizon"),
    (("age: 1400 h}", "age: 1e-300 h}"), "variants.age.policy.age", "replacements of each asset over the horizon"),
])
def test_a_maintenance_policy_that_would_run_for_ever_is_refused_at_its_key(tmp_path, change, key, message):
    """`inspect: 1e-300 h` or `age: 1e-300 h` in the condition sample were accepted; the sweep never ended."""
    from pathlib import Path

    import scenarios
    from twin.config import ConfigError

    sample = Path(__file__).resolve().parents[2] / "scenarios/maintenance/condition.yaml"
    text = sample.read_text().replace("../../plant_models", str(sample.parents[2] / "plant_models"))
    assert change[0] in text
    (tmp_path / "m.yaml").write_text(text.replace(change[0], change[1], 1))
    with pytest.raises(ConfigError, match=message) as refused:
        scenarios.load(tmp_path / "m.yaml")
    assert refused.value.key == key


@pytest.mark.slow   # 8 s CPU: the energy study's check and report
def test_a_run_whose_every_replication_failed_still_gets_its_report(tmp_path, monkeypatch, capsys):
    """An energy run whose replications all failed (`step: 1e-300 s`) ended in a KeyError traceback from the
    study's figures, which need the replications' data; the failures were never shown. Now the report lists them
    and `twin run` exits 1 with each failure named."""
    from pathlib import Path

    import scenarios.energy.model

    def fails(params, rng):
        raise ValueError("the model failed")

    monkeypatch.setattr(scenarios.energy.model, "simulate", fails)
    sample = Path(__file__).resolve().parents[2] / "scenarios/energy/osd_cm_line.yaml"
    scenario = tmp_path / "e.yaml"
    scenario.write_text(sample.read_text().replace("../../plant_models", str(sample.parents[2] / "plant_models")))
    assert main(["run", str(scenario), "-o", str(tmp_path / "out"), "--workers", "1", "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "FAILED: variant 'base', replication 0" in err and "the model failed" in err
    assert "the model failed" in (tmp_path / "out" / "report.html").read_text()


def test_an_energy_step_that_would_run_for_ever_is_refused_at_its_key(tmp_path):
    """`step: 1 ms` (6e8 steps in the sample's week) or `1e-300 s` were accepted: the run never ended."""
    from pathlib import Path

    import scenarios
    from twin.config import ConfigError

    sample = Path(__file__).resolve().parents[2] / "scenarios/energy/osd_cm_line.yaml"
    text = sample.read_text().replace("../../plant_models", str(sample.parents[2] / "plant_models"))
    assert "\nstep: 5 min" in text
    (tmp_path / "e.yaml").write_text(text.replace("\nstep: 5 min", "\nstep: 1 ms", 1))
    with pytest.raises(ConfigError, match="control steps over the horizon") as refused:
        scenarios.load(tmp_path / "e.yaml")
    assert refused.value.key == "step"


def test_an_order_stream_that_would_run_for_ever_is_refused_at_its_key(tmp_path):
    """`every: 1e-300 s` on an intralogistics order stream was accepted; the run never ended (killed after 25 s)."""
    import shutil
    from pathlib import Path

    import scenarios
    from twin.config import ConfigError

    root = Path(__file__).resolve().parents[2]
    for study in ("intralogistics", "scheduling", "maintenance"):   # the sample's qc.from names the scheduling one
        shutil.copytree(root / "scenarios" / study, tmp_path / "scenarios" / study,
                        ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    (tmp_path / "plant_models").symlink_to(root / "plant_models")
    copy = tmp_path / "scenarios/intralogistics/multipurpose_osd.yaml"
    text = copy.read_text()
    assert "every: 20 min, load: 300 kg" in text
    copy.write_text(text.replace("every: 20 min, load: 300 kg", "every: 1e-300 s, load: 300 kg"))
    with pytest.raises(ConfigError, match="orders of the stream over the horizon") as refused:
        scenarios.load(copy)
    assert refused.value.key == "orders[2].every"


@pytest.mark.parametrize("change, key", [(("time: 4000 s}", "time: 1e300 s}"), "thermal.dosing.time"),
                                         (("digest: 4000 s ", "digest: 1e300 s "), "accident_paths.digest")])
def test_a_dosing_or_digestion_of_more_than_a_week_is_refused_at_its_key(tmp_path, change, key):
    """In the safety paths sample, a dosing `time: 1e300 s` gave a ValueError traceback from the simulator at the
    check, and `digest: 1e300 s` made every replication fail ('Maximum allowed size exceeded')."""
    import shutil
    from pathlib import Path

    import scenarios
    from twin.config import ConfigError

    root = Path(__file__).resolve().parents[2]
    shutil.copytree(root / "scenarios/safety", tmp_path / "scenarios/safety",
                    ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    (tmp_path / "plant_models").symlink_to(root / "plant_models")
    copy = tmp_path / "scenarios/safety/api_bay_paths.yaml"
    assert change[0] in copy.read_text()
    copy.write_text(copy.read_text().replace(change[0], change[1], 1))
    with pytest.raises(ConfigError, match="at most 7 d") as refused:
        scenarios.load(copy)
    assert refused.value.key == key
