"""``twin monitor fit`` and ``check`` on real CSV and Parquet files; the model file; bad input named."""
import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from twin.cli import main
from twin.monitor.modelfile import load, save, to_dict
from twin.monitor.pca import MonitorError, fit_pca

TAGS = ["FD-API.massflow", "FD-EXC.massflow", "BL-01.speed", "NIR-01.api", "TP-01.force", "TP-01.speed"]


def samples(seed, n):
    rng = np.random.default_rng(seed)
    w = np.random.default_rng(99).normal(size=(2, len(TAGS)))
    return rng.normal(size=(n, 2)) @ w + 0.2 * rng.normal(size=(n, len(TAGS))) + 10


def write_csv(path, x, tags=TAGS, time=True):
    cols = (["t"] if time else []) + list(tags)
    data = np.column_stack([np.arange(len(x)), x]) if time else x
    np.savetxt(path, data, delimiter=",", header=",".join(cols), comments="")
    return str(path)


@pytest.fixture
def normal(tmp_path):
    return write_csv(tmp_path / "normal.csv", samples(0, 1000))


def run(capsys, *argv):
    code = main(["monitor", *map(str, argv)])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_fit_prints_components_variance_and_both_limits(tmp_path, normal, capsys):
    code, out, _ = run(capsys, "fit", normal, "--components", "2", "--confidence", "0.99", "-o", tmp_path / "m.json")
    model = load(tmp_path / "m.json")
    assert code == 0 and model.tags == tuple(TAGS) and model.components == 2
    assert f"T-squared {model.t2_limit:.4g} (F distribution)" in out and f"SPE {model.spe_limit:.4g}" in out
    assert "components: 2" in out and f"{100 * model.explained_variance_ratio[0]:7.2f} %" in out


def test_check_json_is_one_row_per_sample_in_order(tmp_path, normal, capsys):
    run(capsys, "fit", normal, "--components", "2", "-o", tmp_path / "m.json")
    y = samples(1, 300)
    y[150:, 3] += 3.0  # NIR bias step
    data = write_csv(tmp_path / "day.csv", y)
    code, out, _ = run(capsys, "check", tmp_path / "m.json", data, "--json")
    doc = json.loads(out)
    model = load(tmp_path / "m.json")
    t2, spe = model.statistics(y)
    assert code == 1 and set(doc) == {"limits", "alarm_fraction", "rows"} and len(doc["rows"]) == 300
    assert doc["limits"]["t2"] == model.t2_limit and doc["limits"]["spe"] == model.spe_limit
    assert [r["t2"] for r in doc["rows"]] == pytest.approx(t2, rel=1e-12)
    assert [r["spe"] for r in doc["rows"]] == pytest.approx(spe, rel=1e-12)
    alarm = [r["alarm"] for r in doc["rows"]]
    assert alarm == ((t2 > model.t2_limit) | (spe > model.spe_limit)).tolist()
    assert doc["alarm_fraction"] == pytest.approx(np.mean(alarm))
    assert all(r["top"][0] == "NIR-01.api" for r in doc["rows"][150:] if r["alarm"])


def test_check_parquet_summary_and_charts(tmp_path, normal, capsys):
    run(capsys, "fit", normal, "--components", "press", "--lags", "1", "-o", tmp_path / "m.json")
    y = samples(2, 200)
    y[120:, 0] *= 1.3
    table = pa.table({"time": np.arange(200.0), **{t: y[:, j] for j, t in enumerate(TAGS)}})
    pq.write_table(table, tmp_path / "day.parquet")
    code, out, _ = run(capsys, "check", tmp_path / "m.json", tmp_path / "day.parquet", "--plot", tmp_path / "c.png")
    assert code == 1 and "200 samples" in out and "first alarm: row" in out
    assert "tags the alarms blame (mean share of the limits): FD-API.massflow" in out
    assert (tmp_path / "c.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_model_file_round_trip_is_exact(tmp_path):
    model = fit_pca(samples(0, 500), TAGS, components=3, lags=1, spe_method="box")
    save(model, tmp_path / "m.json", source="normal.csv")
    again = load(tmp_path / "m.json")
    assert to_dict(again, "normal.csv") == to_dict(model, "normal.csv")
    x = samples(3, 50)
    assert np.array_equal(again.statistics(x)[1], model.statistics(x)[1], equal_nan=True)


@pytest.mark.parametrize(("edit", "message"), [
    (lambda d: d.update(version=3), "version 3, this pharma-twin reads versions 1 and 2; fit the model again"),
    (lambda d: d["limits"].update(kind="quantile"), "limits.kind is 'quantile'; use one of theoretical, empirical"),
    (lambda d: d["limits"].pop("kind"), "key 'limits.kind' missing"),
    (lambda d: d.update(format="other"), "not a monitor model"),
    (lambda d: d["limits"].update(spe=1.0), "limits.spe is 1.0 but the model's numbers give"),
    (lambda d: d.pop("loadings"), "key 'loadings' missing"),
    (lambda d: d.update(tags=d["tags"][:-1]), "key 'mean' does not fit 5 tags"),
    # a repeated tag checked one column as two variables (no alarm, exit 0); confidence 5 was a ValueError traceback
    (lambda d: d["tags"].__setitem__(1, d["tags"][0]), "tag 'FD-API.massflow' appears twice in the model's tags"),
    (lambda d: d.update(confidence=5), "confidence is 5, not in \\(0, 1\\)"),
])
def test_a_model_file_edited_or_of_another_version_is_refused(tmp_path, edit, message):
    save(fit_pca(samples(0, 500), TAGS, components=2), tmp_path / "m.json")
    doc = json.loads((tmp_path / "m.json").read_text())
    edit(doc)
    (tmp_path / "m.json").write_text(json.dumps(doc))
    with pytest.raises(MonitorError, match=message):
        load(tmp_path / "m.json")


def test_check_file_from_another_tag_set(tmp_path, normal, capsys):
    run(capsys, "fit", normal, "--components", "2", "-o", tmp_path / "m.json")
    other = write_csv(tmp_path / "other.csv", samples(1, 50), tags=[*TAGS[:3], "NIR-01.apl", *TAGS[4:]])
    code, _, err = run(capsys, "check", tmp_path / "m.json", other)
    assert code == 2
    assert f"{other}: no column for tag 'NIR-01.api' (did you mean 'NIR-01.apl'?) (1 of the 6 tags of" in err
    gap = samples(1, 50)
    gap[7, 2] = np.nan
    code, _, err = run(capsys, "check", tmp_path / "m.json", write_csv(tmp_path / "gap.csv", gap))
    assert code == 2 and "tag 'BL-01.speed' has a missing or non-finite value at row 8 (t = 7" in err
    code, out, _ = run(capsys, "check", tmp_path / "m.json", tmp_path / "gap.csv", "--skip-missing", "--json")
    rows, whole = json.loads(out)["rows"], load(tmp_path / "m.json").statistics(samples(1, 50))[0]
    assert rows[7] == {"t2": None, "spe": None, "alarm": False, "top": []} and len(rows) == 50
    assert [r["t2"] for r in rows[:7] + rows[8:]] == pytest.approx(np.delete(whole, 7), rel=1e-12)
    code, out, _ = run(capsys, "check", tmp_path / "m.json", tmp_path / "gap.csv", "--skip-missing")
    assert "unscored: 1 samples with a missing value" in out
    code, _, err = run(capsys, "check", tmp_path / "nothing.json", other)
    assert code == 2 and "no such model file; fit one with twin monitor fit" in err


@pytest.mark.parametrize(("change", "args", "message"), [
    (lambda x: x.__setitem__((slice(None), 2), 5.0), [], "normal.csv: tag BL-01.speed is constant (5)"),
    (lambda x: x.__setitem__((4, 1), np.nan), [], "normal.csv: tag FD-EXC.massflow: missing or non-finite value at"),
    (None, ["--components", "6"], "components must be 1 to 5"),
    (None, ["--confidence", "1.5"], "--confidence must be strictly between 0 and 1 (e.g. 0.99), got 1.5"),
    (None, ["--columns", "TP-01.forse"], "no column 'TP-01.forse' (did you mean 'TP-01.force' or"),
])
def test_bad_training_input_writes_no_model(tmp_path, capsys, change, args, message):
    x = samples(0, 300)
    if change:
        change(x)
    data = write_csv(tmp_path / "normal.csv", x)
    code, out, err = run(capsys, "fit", data, *args, "-o", tmp_path / "m.json")
    assert code == 2 and message in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == [tmp_path / "normal.csv"]


@pytest.mark.parametrize(("content", "message"), [
    (b"t,A-1.x,A-1.x,B-1.y\n0,1,2,3\n", "column 'A-1.x' appears twice in the header (columns 2 and 3); rename"),
    ("t,Temp\u00e9rature,B-1.y\n0,1,2\n".encode("latin-1"), "not UTF-8 text (byte 0xe9 in a column name)"),
    (b"t;A-1.x;B-1.y\n0;1;2\n", "the file looks separated by ';'; write it with commas"),
])
def test_a_file_pyarrow_reads_otherwise_is_named_in_one_line(tmp_path, normal, capsys, content, message):
    """A repeated column was pyarrow's KeyError traceback (fit and check), a Latin-1 header a UnicodeDecodeError
    traceback in check; a ';'-separated file one column of words."""
    run(capsys, "fit", normal, "--components", "2", "-o", tmp_path / "m.json")
    (tmp_path / "odd.csv").write_bytes(content)
    for argv in (["fit", tmp_path / "odd.csv", "-o", tmp_path / "new.json"], ["check", tmp_path / "m.json",
                                                                             tmp_path / "odd.csv"]):
        code, _, err = run(capsys, *argv)
        assert code == 2 and message in err and "Traceback" not in err, err
    assert not (tmp_path / "new.json").exists()


def test_a_variance_that_overflows_writes_no_model(tmp_path, capsys):
    """One corrupt 1e300 overflowed the column's variance: a model was written with overflow warnings and other
    limits."""
    x = samples(0, 300)
    x[3, 1] = 1e300
    code, _, err = run(capsys, "fit", write_csv(tmp_path / "normal.csv", x), "-o", tmp_path / "m.json")
    assert code == 2 and "tag FD-EXC.massflow: its variance overflows (a value of 1e+300 at row 4)" in err, err
    assert "RuntimeWarning" not in err and not (tmp_path / "m.json").exists()


def test_a_check_file_with_no_samples_or_an_overflowing_value_is_refused(tmp_path, normal, capsys):
    """A header-only file was '0 of 0 samples', exit 0; a 1e300 printed RuntimeWarnings and counted its sample
    'unscored: a missing value'."""
    run(capsys, "fit", normal, "--components", "2", "-o", tmp_path / "m.json")
    code, _, err = run(capsys, "check", tmp_path / "m.json", write_csv(tmp_path / "empty.csv", np.zeros((0, 6))))
    assert code == 2 and "empty.csv: no samples (a header only)" in err, err
    x = samples(1, 20)
    x[5, 3] = 1e300
    code, _, err = run(capsys, "check", tmp_path / "m.json", write_csv(tmp_path / "huge.csv", x))
    assert code == 2 and "tag 'NIR-01.api' holds 1e+300 at row 6" in err and "RuntimeWarning" not in err, err


def test_columns_as_people_type_them(tmp_path, normal, capsys):
    """'--columns "A, B"' asked for a column ' B' (did you mean 'B'?); an empty --columns fitted every column."""
    code, _, _ = run(capsys, "fit", normal, "--columns", f"{TAGS[0]}, {TAGS[2]}, {TAGS[4]}", "-o", tmp_path / "m.json")
    assert code == 0 and load(tmp_path / "m.json").tags == (TAGS[0], TAGS[2], TAGS[4])
    code, _, err = run(capsys, "fit", normal, "--columns", "", "-o", tmp_path / "n.json")
    assert code == 2 and "--columns is empty" in err and not (tmp_path / "n.json").exists()


def test_too_few_samples_and_text_columns(tmp_path, capsys):
    data = write_csv(tmp_path / "few.csv", samples(0, 6))
    code, _, err = run(capsys, "fit", data, "-o", tmp_path / "m.json")
    assert code == 2 and "6 samples for 6 variables" in err
    (tmp_path / "text.csv").write_text("A-1.x,B-1.y,batch\n1,2,a\n2,3,b\n")
    code, _, err = run(capsys, "fit", tmp_path / "text.csv", "-o", tmp_path / "m.json")
    assert code == 2 and "column 'batch' holds string values, not numbers; leave it out with --columns" in err
    assert not (tmp_path / "m.json").exists()
