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


def read_table(path: str | Path, columns: list[str] | None = None) -> Table:
    """Read a CSV or Parquet (``.parquet``/``.pq``) file; ``columns``: the tags to take (default: all but time)."""
    import pyarrow as pa

    path = str(path)
    table = _arrow(path)
    names = list(table.column_names)
    time_name = next((n for n in names if n.lower() in TIME_COLUMNS and n not in (columns or ())), None)
    if columns is None:
        columns = [n for n in names if n != time_name]
    else:
        missing = [c for c in columns if c not in names]
        if missing:
            raise TableError(f"{path}: no column {missing[0]!r}{_closest(missing[0], names)}; its columns are "
                             f"{', '.join(names[:12])}{' ...' if len(names) > 12 else ''}")
    if not columns:
        raise TableError(f"{path}: no tag columns (only {', '.join(names) or 'nothing'}); give a header row of tags")
    values = np.empty((table.num_rows, len(columns)), order="F")  # filled column by column
    for j, name in enumerate(columns):
        col = table.column(name)
        if not (pa.types.is_integer(col.type) or pa.types.is_floating(col.type) or pa.types.is_boolean(col.type)
                or pa.types.is_null(col.type)):
            raise TableError(f"{path}: column {name!r} holds {col.type} values, not numbers; leave it out with "
                             "--columns, or fix the file")
        values[:, j] = col.cast(pa.float64()).to_numpy(zero_copy_only=False)
    time = None
    if time_name is not None:
        time = table.column(time_name).to_numpy(zero_copy_only=False)
    return Table(path, tuple(columns), values, time)


def _arrow(path: str):
    import pyarrow as pa

    if not Path(path).is_file():
        raise TableError(f"{path}: no such file")
    try:
        if path.lower().endswith((".parquet", ".pq")):
            import pyarrow.parquet as pq

            return pq.read_table(path)
        import pyarrow.csv as pacsv

        return pacsv.read_csv(path)
    except (pa.ArrowInvalid, OSError) as exc:
        kind = "Parquet" if path.lower().endswith((".parquet", ".pq")) else "CSV"
        raise TableError(f"{path}: cannot read it as {kind} ({exc}); give a header row of tag names and one "
                         "sample a row") from None


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
