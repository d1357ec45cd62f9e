"""Tag tables from files: one sample a row, one tag a column, the header naming the tags (CSV or Parquet).

A column named ``t``, ``time`` or ``timestamp`` is the samples' time, not a tag (unless asked for by name). Every
other column chosen must be numeric; values missing from the file are NaN here, and the caller decides whether a
gap is an error (fitting) or a sample not scored.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

TIME_COLUMNS = ("t", "time", "timestamp")


class TableError(ValueError):
    """A file that cannot serve as a tag table; the message names the file, the column and the fix."""


@dataclass(frozen=True)
class Table:
    """Samples of some tags: ``values`` is rows x tags (float, NaN where missing); ``time`` the time column or None."""

    path: str
    tags: tuple[str, ...]
    values: np.ndarray
    time: np.ndarray | None

    def label(self, row: int) -> str:
        """How to name a row to a person: its 1-based number and, when there is one, its time."""
        return f"row {row + 1}" + (f" (t = {self.time[row]})" if self.time is not None else "")


def read_table(path: str | Path, columns: list[str] | None = None, *, states: bool = True) -> Table:
    """Read a CSV or Parquet (``.parquet``/``.pq``) file; ``columns``: the tags to take (default: all but time).

    The file streams block by block straight into one float array (a CSV's tag columns parsed as float64, no type
    guessing; a Parquet file's row groups cast as they come), so a 1 GB CSV of a million samples is read in about
    3 s without holding an Arrow table beside the array; a CSV with a column that is not numbers falls back to
    Arrow's type inference, to name that column. ``states=False`` refuses a Parquet bool column taken by default
    (``columns`` None): a model fitted on every column would score a state as a 0/1 measurement."""
    path = str(path)
    names = _header(path)
    time_name = next((n for n in names if n.lower() in TIME_COLUMNS and n not in (columns or ())), None)
    if columns is None:
        columns = [n for n in names if n != time_name]
        if not states:
            _refuse_flags(path, columns)
    else:
        missing = [c for c in columns if c not in names]
        if missing:
            raise TableError(f"{path}: no column {missing[0]!r}{_closest(missing[0], names)}; its columns are "
                             f"{', '.join(names[:12])}{' ...' if len(names) > 12 else ''}")
    if not columns:
        raise TableError(f"{path}: no tag columns (only {', '.join(names) or 'nothing'}); give a header row of tags")
    wanted = [*columns, *([time_name] if time_name else [])]
    try:
        values, time = _stream(list(columns), time_name, *_batches(path, wanted, columns))
    except _NotNumbers:
        values, time = _whole(path, columns, time_name)
    return Table(path, tuple(columns), values, time)


def _is_parquet(path: str) -> bool:
    return path.lower().endswith((".parquet", ".pq"))


def _header(path: str) -> list[str]:
    """The file's column names (a CSV's first block is parsed for them, a Parquet file's schema read)."""
    import pyarrow as pa

    if not Path(path).is_file():
        raise TableError(f"{path}: no such file")
    try:
        if _is_parquet(path):
            import pyarrow.parquet as pq

            names = list(pq.read_schema(path).names)
        else:
            import pyarrow.csv as pacsv

            with pacsv.open_csv(path) as reader:
                names = list(reader.schema.names)
    except (pa.ArrowInvalid, OSError) as exc:
        raise _unreadable(path, exc) from None
    except UnicodeDecodeError as exc:   # a header in Latin-1 or UTF-16 (pyarrow decodes names as UTF-8)
        raise TableError(f"{path}: the header is not UTF-8 text (byte {exc.object[exc.start]:#04x} in a column "
                         "name); save the file as UTF-8 CSV") from None
    twice = next((n for i, n in enumerate(names) if n in names[:i]), None)
    if twice is not None:
        raise TableError(f"{path}: column {twice!r} appears twice in the header (columns "
                         f"{names.index(twice) + 1} and {names.index(twice, names.index(twice) + 1) + 1}); "
                         "rename or drop one")
    if len(names) == 1 and ";" in names[0] and not _is_parquet(path):
        raise TableError(f"{path}: one column named {names[0][:40]!r}: the file looks separated by ';'; write "
                         "it with commas (e.g. pandas to_csv(sep=','))")
    return names


def _refuse_flags(path: str, columns: list[str]) -> None:
    """A Parquet file's bool columns (a pump running, a valve open) are states, not measurements: taken by default
    they would be scored as 0/1 beside the measurements and blamed in alarms. Named with --columns they are."""
    if not _is_parquet(path):
        return
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pq.read_schema(path)
    flags = [n for n in columns if pa.types.is_boolean(schema.field(n).type)]
    if flags:
        raise TableError(f"{path}: column {flags[0]!r} holds true/false states, not measurements"
                         f"{f' (and {len(flags) - 1} more)' if len(flags) > 1 else ''}; name the tags to monitor "
                         "with --columns (a bool column named there is taken as 0/1)")


def _unreadable(path: str, exc: Exception) -> TableError:
    kind = "Parquet" if _is_parquet(path) else "CSV"
    return TableError(f"{path}: cannot read it as {kind} ({exc}); give a header row of tag names and one sample a row")


class _NotNumbers(Exception):
    """A column that does not parse as float64: read the file the slow way to name it."""


#: Bytes of CSV text parsed per block (Arrow's default): a block's rows over it estimate the file's rows.
CSV_BLOCK = 1 << 20


def _batches(path: str, wanted: list[str], tags: list[str]):
    """Record batches of the ``wanted`` columns, the tags as float64; and a guess of how many rows per batch row of
    text (Parquet: the exact row count; CSV: from the file's size over the block size)."""
    if _is_parquet(path):
        import pyarrow.parquet as pq

        file = pq.ParquetFile(path)
        for name in tags:
            _check_numeric(path, name, file.schema_arrow.field(name).type)
        return file.metadata.num_rows, file.iter_batches(batch_size=65536, columns=wanted)
    return Path(path).stat().st_size / CSV_BLOCK, _csv_batches(path, wanted, tags)


def _csv_batches(path: str, wanted: list[str], tags: list[str]):
    import pyarrow as pa
    import pyarrow.csv as pacsv

    read = pacsv.ReadOptions(block_size=CSV_BLOCK)
    convert = pacsv.ConvertOptions(include_columns=wanted, column_types=dict.fromkeys(tags, pa.float64()))
    try:
        with pacsv.open_csv(pa.memory_map(path), read_options=read, convert_options=convert) as reader:
            yield from reader
    except pa.ArrowInvalid as exc:
        if "conversion error" in str(exc):
            raise _NotNumbers from None
        raise _unreadable(path, exc) from None


def _stream(tags: list[str], time_name: str | None, expected: float, batches) -> tuple[np.ndarray, np.ndarray | None]:
    """Copy each batch's tag columns into one column-major float array, sized from ``expected`` rows (an int) or
    ``expected`` first batches (a float: a CSV's blocks) and doubled if that was short; the time column beside it."""
    import pyarrow as pa

    rows, values, times = 0, None, []
    tensor = int(pa.__version__.split(".")[0]) >= 16   # RecordBatch.to_tensor(null_to_nan=, row_major=) from 16 on
    for batch in batches:
        n = batch.num_rows
        if values is None or rows + n > len(values):
            guess = expected if isinstance(expected, int) else int(1.05 * expected * n) + n
            grown = np.empty((max(guess, 2 * (rows + n)) if values is not None else max(guess, n), len(tags)),
                             order="F")
            if values is not None:
                grown[:rows] = values[:rows]
            values = grown
        block = batch.select(tags)
        if n and tensor and all(t == pa.float64() for t in block.schema.types):  # one copy, column-major, NaN nulls
            values[rows: rows + n] = np.asarray(block.to_tensor(null_to_nan=True, row_major=False))
        else:
            for j, name in enumerate(tags):
                column = block.column(name)
                if column.type != pa.float64():
                    column = column.cast(pa.float64())
                values[rows: rows + n, j] = column.to_numpy(zero_copy_only=False)
        if time_name is not None:
            times.append(batch.column(time_name))
        rows += n
    values = np.empty((0, len(tags))) if values is None else values[:rows]
    time = pa.chunked_array(times).to_numpy() if time_name is not None and times else None
    return values, time


def _whole(path: str, columns: list[str], time_name: str | None) -> tuple[np.ndarray, np.ndarray | None]:
    """The file read whole with Arrow's type inference, each tag column checked to be numeric."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    try:
        table = pacsv.read_csv(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise _unreadable(path, exc) from None
    values = np.empty((table.num_rows, len(columns)), order="F")
    for j, name in enumerate(columns):
        col = table.column(name)
        _check_numeric(path, name, col.type)
        values[:, j] = col.cast(pa.float64()).to_numpy(zero_copy_only=False)
    time = table.column(time_name).to_numpy(zero_copy_only=False) if time_name is not None else None
    return values, time


def _check_numeric(path: str, name: str, kind) -> None:
    import pyarrow as pa

    if not (pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_boolean(kind)
            or pa.types.is_null(kind)):
        raise TableError(f"{path}: column {name!r} holds {kind} values, not numbers; leave it out with "
                         "--columns, or fix the file")


def _closest(name: str, names: list[str]) -> str:
    close = difflib.get_close_matches(name, names, n=2)
    return f" (did you mean {' or '.join(map(repr, close))}?)" if close else ""


def select(table: Table, tags: tuple[str, ...], model_file: str) -> np.ndarray:
    """The table's values in the order of a model's ``tags``; refuses a table that lacks one of them."""
    where = {name: j for j, name in enumerate(table.tags)}
    missing = [t for t in tags if t not in where]
    if missing:
        unused = [name for name in table.tags if name not in tags]
        raise TableError(f"{table.path}: no column for tag {missing[0]!r}{_closest(missing[0], unused)} "
                         f"({len(missing)} of the {len(tags)} tags of {model_file} missing); check the file against "
                         "the model's tags (twin monitor check shows them) or fit a model on this tag set")
    order = [where[t] for t in tags]
    return table.values if order == list(range(len(table.tags))) else table.values[:, order]
