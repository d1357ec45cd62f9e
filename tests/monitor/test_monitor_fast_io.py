"""The fast paths of ``twin monitor check``: the streamed CSV/Parquet reader and the column-wise JSON writer, each
against the plain way (NumPy's ``loadtxt``; a row-by-row ``json.dumps`` of each sample's verdict)."""
import io
import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from twin.monitor import fit_pca, fit_pls
from twin.monitor import table as table_module
from twin.monitor.jsonrows import write_json
from twin.monitor.table import TableError, read_table

TAGS = ["A.x", "A.y", "B.x", "B.y"]


def samples(seed, n):
    rng = np.random.default_rng(seed)
    w = np.random.default_rng(7).normal(size=(2, len(TAGS)))
    return rng.normal(size=(n, 2)) @ w + 0.3 * rng.normal(size=(n, len(TAGS)))


def reference_json(model, result, top):
    """The verdict written the slow, obvious way: one dict per sample through json.dumps."""
    quality = model.predict(result.x) if hasattr(model, "y_tags") else None
    rows = []
    for i in range(len(result.t2)):
        row = {"t2": float(result.t2[i]) if np.isfinite(result.t2[i]) else None,
               "spe": float(result.spe[i]) if np.isfinite(result.spe[i]) else None,
               "alarm": bool(result.alarm[i]), "top": result.top_tags(i, top)}
        if quality is not None:
            row["quality"] = dict(zip(model.y_tags, quality[i].tolist()))
        rows.append(row)
    return {"limits": {"t2": model.t2_limit, "spe": model.spe_limit, "confidence": model.confidence,
                       "spe_method": model.spe_method, "kind": model.limits},
            "alarm_fraction": result.alarm_fraction, "rows": rows}


@pytest.mark.parametrize("lags, top", [(0, 3), (2, 1), (0, 10), (1, 0)])
def test_json_equals_the_row_by_row_reference(lags, top):
    model = fit_pca(samples(0, 400), TAGS, components=2, lags=lags)
    x = samples(1, 300)
    x[100:, 2] += 4.0  # alarms blamed on B.x
    x[50, 1] = np.nan  # an unscored sample (and, with lags, the ones after it)
    result = model.check(x)
    out = io.StringIO()
    write_json(out, model, result, top)
    doc = json.loads(out.getvalue())
    assert doc == reference_json(model, result, top)  # every float read back exactly
    assert doc["rows"][50]["t2"] is None and any(r["alarm"] for r in doc["rows"])


@pytest.mark.parametrize("stream", ["text", "bytes"])
def test_json_of_a_pls_model_carries_each_samples_quality(monkeypatch, stream):
    """Several blocks, to a text stream and to a file with bytes underneath (stdout: Arrow's bytes written to it
    directly, the file's own text before and after them in order)."""
    x, y = samples(0, 400), samples(2, 400)[:, :2]
    model = fit_pls(x, x[:, :2] @ [[1.0], [0.5]] + 0.1 * y[:, :1], TAGS, ["Q.api"], components=2)
    x1 = samples(3, 100)
    x1[60:, 0] += 5.0
    monkeypatch.setattr("twin.monitor.jsonrows.BLOCK", 32)  # several blocks, joined by ", "
    out = io.StringIO() if stream == "text" else io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    write_json(out, model, model.check(x1), 2)
    if stream == "bytes":
        out.flush()
        text = out.buffer.getvalue().decode()
    else:
        text = out.getvalue()
    assert json.loads(text) == reference_json(model, model.check(x1), 2)


def test_csv_streams_into_one_array_even_when_the_row_guess_is_short(tmp_path, monkeypatch):
    x = samples(4, 3000)
    x[:40] = np.round(x[:40], 15) * 1e10  # long first rows: the first block's rows per byte guess too few rows
    x[2000:] = np.round(x[2000:])         # short last rows
    path = tmp_path / "day.csv"
    np.savetxt(path, np.column_stack([np.arange(3000) * 0.5, x]), delimiter=",", header="t," + ",".join(TAGS),
               comments="", fmt="%.17g")
    monkeypatch.setattr(table_module, "CSV_BLOCK", 4096)  # many blocks of 4 kB
    table = read_table(path)
    reference = np.loadtxt(path, delimiter=",", skiprows=1)
    assert table.tags == tuple(TAGS) and table.values.shape == (3000, 4)
    assert np.array_equal(table.values, reference[:, 1:]) and np.array_equal(table.time, reference[:, 0])
    assert read_table(path, ["B.y", "A.x"]).values.tolist() == reference[:, [4, 1]].tolist()


def test_parquet_streams_by_row_group_with_gaps_as_nan(tmp_path):
    x = samples(5, 1000)
    columns = {tag: pa.array(np.where(np.arange(1000) % 97 == 3, np.nan, x[:, j]) if j == 1 else x[:, j])
               for j, tag in enumerate(TAGS)}
    columns["A.x"] = pa.array(np.round(x[:, 0] * 100).astype(np.int64))  # an integer column, cast to float
    pq.write_table(pa.table(columns), tmp_path / "d.parquet", row_group_size=128)
    table = read_table(tmp_path / "d.parquet")
    assert np.array_equal(table.values[:, 0], np.round(x[:, 0] * 100))
    assert np.isnan(table.values[3, 1]) and np.array_equal(table.values[:, 2:], x[:, 2:])


def test_a_csv_column_of_words_is_named(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("t,A.x,batch\n" + "".join(f"{i},{i * 0.5},{'B7' if i > 5000 else i}\n" for i in range(6000)))
    with pytest.raises(TableError, match="column 'batch' holds string values, not numbers"):
        read_table(path)
    assert read_table(path, ["A.x"]).values[-1, 0] == 2999.5


@pytest.mark.parametrize("lags", [0, 1])
def test_blame_and_top_tags_without_the_share_matrix_equal_those_with_it(lags, monkeypatch):
    """A summary sums the shares block by block (no alarms x tags array): the same means and top tags."""
    monkeypatch.setattr("twin.monitor.pca.CHUNK", 16)   # many blocks
    model = fit_pca(samples(0, 400), TAGS, components=2, lags=lags)
    x = samples(6, 500)
    x[200:, 3] += 3.0
    lean, full = model.check(x), model.check(x)
    full.share  # noqa: B018  (computed: the reference)
    assert "share" not in lean.__dict__ and len(lean.rows) > 30
    assert lean.top_tags(int(lean.rows[7]), 4) == full.top_tags(int(full.rows[7]), 4)
    assert [t for t, _ in lean.blame()] == [t for t, _ in full.blame()]
    assert [v for _, v in lean.blame()] == pytest.approx([v for _, v in full.blame()], rel=1e-12)
    assert "share" not in lean.__dict__


def test_an_empty_csv_field_is_a_gap(tmp_path):
    path = tmp_path / "gap.csv"
    path.write_text("t,A.x,A.y\n0,1.5,2\n1,,3\n2,4,\n")
    assert np.array_equal(read_table(path).values, [[1.5, 2.0], [np.nan, 3.0], [4.0, np.nan]], equal_nan=True)
