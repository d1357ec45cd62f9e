"""`twin run`, `twin sweep`, `twin compare`: the result folder, its files, the report and the what-if table."""
import json

import pyarrow.parquet as pq
import pytest
import yaml
from scenario_files import PLANT, SMALL, fails_on_odd_replications

from scenarios import compare, registry, results, runs
from scenarios.registry import Study
from twin import __version__
from twin.cli import main


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    """The small scenario run once for the tests that only read its result folder."""
    folder = tmp_path_factory.mktemp("small")
    scenario = folder / "scenario.yaml"
    scenario.write_text(SMALL.replace("{plant}", str(PLANT)))
    assert main(["run", str(scenario), "-o", str(folder / "result"), "--workers", "1", "--no-progress"]) == 0
    return folder / "result"


def test_run_writes_a_complete_result_folder(small_run):
    for name in ("scenario.yaml", "kpis.json", "traces.parquet", "events.parquet", "report.html",
                 "figures/traces.png", "figures/kpis.png"):
        assert (small_run / name).is_file(), name
    settings = yaml.safe_load((small_run / "scenario.yaml").read_text())
    assert settings["package"]["version"] == __version__
    assert settings["seed"] == 7 and settings["replications"] == 3 and settings["variant"] == "base"
    assert settings["shifts"] == {"count": 3, "length": 28800.0}           # defaults written out, in SI
    assert settings["stages"]["blending"]["cleaning"] == 3600.0
    kpis = json.loads((small_run / "kpis.json").read_text())["kpis"]
    assert kpis["throughput"]["unit"] == "batches/s" and len(kpis["throughput"]["values"]) == 3
    assert kpis["throughput"]["mean"] == pytest.approx(sum(kpis["throughput"]["values"]) / 3, rel=1e-12)
    traces = pq.read_table(small_run / "traces.parquet")
    assert traces.column_names[:4] == ["replication", "t", "wip", "completed"]
    assert traces.column("t").to_pylist()[:3] == [0.0, 3600.0, 7200.0]      # seconds: sampled every hour
    assert sorted(set(traces.column("replication").to_pylist())) == [0, 1, 2]
    events = pq.read_table(small_run / "events.parquet")
    assert {"released", "start", "end", "completed", "breakdown", "repaired"} <= set(events.column("event").to_pylist())
    assert set(events.column("source").to_pylist()) == {"line", "GR-201", "BL-301"}


def test_result_folder_is_timed_in_seconds_as_the_viewer_reads_it(small_run):
    """SI in the folder: the 10-day horizon is 864000 s in traces, events and KPIs; the viewer's recording of the
    folder spans it, and a unit's state follows its logged starts and ends."""
    from viewer.recording import Recording

    kpis = json.loads((small_run / "kpis.json").read_text())["kpis"]
    assert kpis["flow_time"]["unit"] == "s" and 3 * 3600 < kpis["flow_time"]["mean"] < 10 * 86400
    events = pq.read_table(small_run / "events.parquet").to_pydict()
    assert min(events["t"]) >= 0 and max(events["t"]) <= 864000.0
    rec = Recording.from_folder(small_run)
    assert rec.span[0] == 0.0 and 864000.0 - 3600.0 <= rec.span[1] <= 864000.0
    start = next(t for t, r, s, e in zip(events["t"], events["replication"], events["source"], events["event"],
                                         strict=True) if (r, s, e) == (0, "BL-301", "start"))
    assert rec.at("BL-301.state", start) == "running"


def test_display_units_worked_by_hand():
    from scenarios.report import display_unit

    assert display_unit("s", 30.0) == (1.0, "s") and display_unit("s", 150.0) == (60.0, "min")
    assert display_unit("s", 11.5 * 3600) == (3600.0, "h") and display_unit("s", 60 * 86400) == (86400.0, "d")
    assert display_unit("s", float("nan")) == (1.0, "s")
    assert display_unit("kg/s", 20 / 3600) == (1 / 3600, "kg/h")                   # 20 kg/h
    assert display_unit("batches/s", 5 / 86400) == (1 / 86400, "batches/d")        # 5 a day: fewer than one an hour
    assert display_unit("-", 0.5) == (1.0, "-") and display_unit("batches/d", 5.0) == (1.0, "batches/d")


def test_report_shows_kpis_figures_and_settings(small_run):
    from scenarios.report import display_unit

    page = (small_run / "report.html").read_text()
    kpis = json.loads((small_run / "kpis.json").read_text())["kpis"]
    for name, k in kpis.items():
        size, unit = display_unit(k["unit"], k["mean"])
        assert f"<td>{name}</td><td class=num>{k['mean'] / size:.4g}</td>" in page
    flow = kpis["flow_time"]
    assert f"<td>flow_time</td><td class=num>{flow['mean'] / 3600:.4g}</td>" in page           # seconds shown in h
    assert f"<td>throughput</td><td class=num>{kpis['throughput']['mean'] * 86400:.4g}</td>" in page  # per day
    assert page.count("data:image/png;base64,") == 2
    assert "BL-301" in page and "seed 7" in page


def test_run_reads_back_and_compares(small_run, write_scenario, tmp_path):
    other = tmp_path / "blender"
    assert main(["run", str(write_scenario()), "--variant", "second_blender", "-o", str(other),
                 "--workers", "1", "--no-progress"]) == 0
    assert main(["compare", str(small_run), str(other), "-o", str(tmp_path / "cmp")]) == 0
    rows = json.loads((tmp_path / "cmp" / "comparison.json").read_text())["rows"]
    blending = next(r for r in rows if r["kpi"] == "utilisation.blending")
    assert blending["variant"] == "second_blender" and blending["significant"]
    assert blending["value"] == pytest.approx(blending["base"] / 2, rel=0.1)   # the same work on two blenders
    granulation = next(r for r in rows if r["kpi"] == "utilisation.granulation")
    assert granulation["difference"] == 0 and not granulation["significant"]   # upstream, same random numbers
    assert (tmp_path / "cmp" / "report.html").is_file() and (tmp_path / "cmp" / "figures" / "traces.png").is_file()


def test_welch_p_value_matches_the_textbook_formula():
    """Welch's t and Welch-Satterthwaite degrees of freedom computed by hand, then the t distribution's tail."""
    from scipy import stats

    a, b = [4.1, 5.0, 6.2, 5.5, 4.8], [6.0, 7.1, 6.6, 8.0, 7.4, 6.9]
    va, vb = stats.tvar(a) / len(a), stats.tvar(b) / len(b)
    t = (sum(a) / len(a) - sum(b) / len(b)) / (va + vb) ** 0.5
    df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
    assert compare.welch(a, b) == pytest.approx(2 * stats.t.sf(abs(t), df), rel=1e-10)
    assert compare.welch([1.0, 1.0], [1.0, 1.0]) == 1.0 and compare.welch([1.0, 1.0], [2.0, 2.0]) == 0.0


def test_sweep_writes_every_variant_and_the_comparison(write_scenario, tmp_path, capsys):
    out = tmp_path / "sweep"
    assert main(["sweep", str(write_scenario()), "-o", str(out), "--workers", "2", "--no-progress"]) == 0
    for variant in ("base", "second_blender"):
        assert results.read(out / variant).settings["variant"] == variant
    assert (out / "report.html").is_file() and (out / "comparison.json").is_file()
    assert "utilisation.blending" in capsys.readouterr().out


def test_failed_replications_are_reported_with_variant_and_seed(write_scenario, tmp_path, monkeypatch, capsys):
    flaky = Study("line_capacity", "flaky", {}, run=fails_on_odd_replications)
    real = registry.get_study
    monkeypatch.setattr(runs, "get_study", lambda name: flaky if name == "line_capacity" else real(name))
    out = tmp_path / "sweep"
    assert main(["sweep", str(write_scenario()), "-o", str(out), "--workers", "1", "--no-progress"]) == 1
    failures = json.loads((out / "base" / "failures.json").read_text())
    assert [(f["variant"], f["replication"], f["seed"]) for f in failures] == [("base", 1, 7)]
    assert results.read(out / "base").kpis["throughput"]["n"] == 2              # the others made it
    assert "variant 'second_blender', replication 1 (seed 7" in capsys.readouterr().err
    assert "the model diverged" in (out / "report.html").read_text()


def test_bad_input_exits_with_2_and_a_message(write_scenario, tmp_path, capsys):
    assert main(["run", str(tmp_path / "missing.yaml")]) == 2
    assert "file not found" in capsys.readouterr().err
    assert main(["run", str(write_scenario()), "--variant", "second_blendr"]) == 2
    assert "did you mean 'second_blender'?" in capsys.readouterr().err
    assert main(["compare", str(tmp_path), str(tmp_path)]) == 2
    assert "not a result folder" in capsys.readouterr().err


def test_help_teaches_with_examples(capsys):
    for command in ("run", "sweep", "compare"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        text = capsys.readouterr().out
        assert "examples:" in text and f"twin {command} " in text


def test_kpi_table_says_a_single_run_has_no_interval():
    from types import SimpleNamespace

    from scenarios.results import table

    nan = float("nan")
    text = table(SimpleNamespace(kpis={
        "throughput": {"mean": 19.9, "low": nan, "high": nan, "unit": "kg/h", "n": 1},
        "yield": {"mean": 0.99, "low": 0.98, "high": 1.0, "unit": "-", "n": 5},
    }))
    assert "nan" not in text
    assert "(1 run: no interval)" in text.splitlines()[0]
    assert "[0.98, 1]" in text.splitlines()[1]
