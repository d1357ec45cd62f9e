"""A TagBus's history written to a file as it grows: rows ``tag, t, value, quality``, CSV or Parquet by extension.

>>> log = TagLog("follow.parquet", bus)      # doctest: +SKIP
>>> log.flush()                              # the rows recorded since the last flush, appended   # doctest: +SKIP
>>> log.close()                              # doctest: +SKIP

Each :meth:`~TagLog.flush` appends what the bus recorded since the previous one (a CSV's lines, a Parquet file's
row group), so a run that stops, a tag that falls silent or a server that goes away lose at most what came after
the last flush. A BAD row of a bool, int or str tag (a gap mark) has an empty value (CSV) or a null (Parquet): the
bus holds the last value there, not data. Parquet columns: ``tag`` (string), ``t`` (float64, s), ``value``
(float64; bools as 0/1, text as null), ``quality`` (uint8: 0 good, 1 uncertain, 2 bad).
"""
from __future__ import annotations

import csv
from fnmatch import fnmatchcase
from pathlib import Path

from twin.tags import Quality, TagBus

COLUMNS = ["tag", "t", "value", "quality"]
PARQUET = (".parquet", ".pq")


def kind_of(path: str | Path) -> str:
    """``"parquet"`` or ``"csv"`` by the file's extension; anything else is a ValueError naming both."""
    suffix = Path(path).suffix.lower()
    if suffix in PARQUET:
        return "parquet"
    if suffix == ".csv":
        return "csv"
    raise ValueError(f"log file {str(path)!r}: write .csv or .parquet (the format is chosen by the extension)")


class TagLog:
    """The history of the tags of ``bus`` matching ``pattern``, appended to ``path`` on every :meth:`flush`."""

    def __init__(self, path: str | Path, bus: TagBus, pattern: str = "*") -> None:
        self.path, self.bus, self.pattern, self.kind = Path(path), bus, pattern, kind_of(path)
        self._done: dict[str, int] = {}    # tag -> rows of its history already written
        self._writer = None
        self._file = None
        self.rows = 0
        if self.kind == "csv":
            self._file = open(self.path, "w", newline="", encoding="utf-8")  # noqa: SIM115 (closed in close())
            self._csv = csv.writer(self._file)
            self._csv.writerow(COLUMNS)
            self._file.flush()

    def flush(self) -> int:
        """Append the rows recorded since the last flush; returns how many."""
        rows = self._new_rows()
        if rows:
            if self.kind == "csv":
                self._csv.writerows(rows)
                self._file.flush()
            else:
                self._parquet(rows)
        self.rows += len(rows)
        return len(rows)

    def close(self) -> None:
        """Flush, then close the file (a Parquet file gets its footer here; an empty one its schema)."""
        self.flush()
        if self.kind == "parquet" and self._writer is None:
            self._parquet([])
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if self._file is not None:
            self._file.close()
            self._file = None

    def _new_rows(self) -> list[tuple]:
        rows = []
        for name in [n for n in self.bus if fnmatchcase(n, self.pattern)]:
            tag = self.bus[name]
            t, v, q = self.bus.history(name)
            start = self._done.get(name, 0)
            self._done[name] = len(t)
            typed = tag.dtype is not float
            for tk, vk, qk in zip(t[start:], v[start:], q[start:], strict=True):
                bad = typed and qk == Quality.BAD
                rows.append((name, float(tk), None if bad else _value(vk, self.kind), int(qk)))
        return rows

    def _parquet(self, rows: list[tuple]) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = pa.schema([("tag", pa.string()), ("t", pa.float64()), ("value", pa.float64()),
                            ("quality", pa.uint8())])
        columns = list(zip(*rows, strict=True)) if rows else [[], [], [], []]
        table = pa.Table.from_arrays([pa.array(list(c), type=f.type) for c, f in zip(columns, schema, strict=True)],
                                     schema=schema)
        if self._writer is None:
            self._writer = pq.ParquetWriter(self.path, schema)
        self._writer.write_table(table)


def _value(value, kind: str):
    """A value as the file holds it: as it is (CSV), or a float (Parquet; text is null)."""
    if kind == "csv":
        return value
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
