"""One variant's result: its replications in memory (:class:`Result`), and the folder it is saved in.

``scenarios.run`` gives a :class:`Result` per variant: the settings as resolved, KPI summaries with their confidence
intervals, traces and events as Arrow tables (``result.traces().to_pandas()`` for pandas) and the failed
replications. Nothing is written until asked: :meth:`Result.save` writes the data, :meth:`Result.report` the data
with figures and a page; :func:`read` loads a folder back. A saved folder::

    result/
      scenario.yaml     the settings as resolved (defaults filled in, SI units), the package version, the seed, and
                        ``provenance``: study, scenario, scenario hash, plant, run id, whether every replication ran
      kpis.json         per KPI: mean, 95% confidence interval, standard deviation, unit, every replication's value
      traces.parquet    the traces of every replication (column ``replication``, then ``t`` and the signals)
      events.parquet    the event log of every replication (``replication``, ``t``, ``source``, ``event``, ...)
      failures.json     replications that raised: variant, seed, error and traceback (only if any did)
      figures/*.png     traces (mean and 95% band over replications) and KPIs with their intervals (report only)
      report.html       all of it on one page, figures embedded (report only)

A folder is written whole or not at all (:func:`replacing`): under a temporary name beside its destination, then
moved in place, replacing an earlier result there entirely, so no file of an earlier run stays beside the new ones
and an interrupted write leaves the earlier result as it was.

Values are in SI units as the study gives them (``t`` and every time in seconds, rates per second), as
``viewer.recording`` reads them back; only tables, figures and reports convert them for a person to read.
"""
from __future__ import annotations

import datetime
import hashlib
import html
import json
import math
import shutil
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import yaml
from scipy import stats

from scenarios import drawing, figures, plugins, report
from scenarios.registry import STUDIES, get_study
from scenarios.runs import Failure, Outcome
from scenarios.scenario import plain
from twin import __version__, config

CONFIDENCE = 0.95
DATA = ("scenario.yaml", "kpis.json")  # the files every result folder has


class ResultError(ValueError):
    """A folder that is not a complete result, or results that cannot go together: the message says which, why,
    and what to do instead."""


def summarise(values: Sequence[float], confidence: float = CONFIDENCE,
              bounds: tuple[float, float] = (-math.inf, math.inf)) -> dict[str, Any]:
    """Mean of ``values`` with its Student-t confidence interval (NaN half-width for fewer than two values), cut to
    ``bounds``, the range the quantity cannot leave (a fraction's [0, 1], a waiting time's [0, inf)): the true mean
    lies inside it, so the cut interval covers it as often and never claims the impossible."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    n = len(x)
    mean = float(x.mean()) if n else math.nan
    sd = float(x.std(ddof=1)) if n > 1 else math.nan
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * sd / math.sqrt(n)) if n > 1 else math.nan
    low, high = (mean - half, mean + half) if n > 1 else (math.nan, math.nan)
    return {"mean": mean, "low": max(low, bounds[0]) if n > 1 else low, "high": min(high, bounds[1]) if n > 1 else high,
            "half_width": half, "sd": sd, "n": n}


@dataclass(eq=False)
class Result:
    """One variant's replications: settings, KPI summaries, failures, traces and events; saved at ``path`` or not.

    ``kpis[name]`` holds ``mean``, ``low`` and ``high`` (the 95% confidence interval), ``half_width``, ``sd``,
    ``n``, ``unit`` (SI) and ``values`` (one per replication), as in ``kpis.json``.
    """

    settings: dict[str, Any]
    kpis: dict[str, dict[str, Any]]
    failures: list[dict[str, Any]] = field(default_factory=list)
    path: Path | None = None
    tables: dict[str, pa.Table | None] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, settings: dict[str, Any], outcomes: Sequence[Outcome | Failure],
           provenance: dict[str, Any] | None = None) -> Result:
        """The result of one variant's ``outcomes`` (in replication order), run with ``settings``."""
        done = [o for o in outcomes if isinstance(o, Outcome)]
        failed = [o for o in outcomes if isinstance(o, Failure)]
        planned = settings.get("replications", len(outcomes))
        settings = {**settings, "package": {"name": "pharma-twin", "version": __version__},
                    "replications_done": len(done), "replications_failed": len(failed),
                    "provenance": {**(provenance or {}), "version": __version__, "run": uuid.uuid4().hex[:12],
                                   "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
                                   "complete": len(outcomes) >= planned}}
        failures = [{"variant": f.task.variant, "replication": f.task.replication, "seed": f.task.seed,
                     "spawn_key": [f.task.replication], "error": f.error, "traceback": f.traceback} for f in failed]
        return cls(settings, _kpis(done, settings.get("study")), failures,
                   tables={name: _stack(done, name) for name in ("traces", "events")})

    @property
    def name(self) -> str:
        """The variant's name (``base`` for the scenario as written)."""
        return str(self.settings.get("variant", self.path.name if self.path else "result"))

    @property
    def study(self) -> str | None:
        return self.settings.get("study")

    @property
    def provenance(self) -> dict[str, Any]:
        """Study, scenario name, file and hash, plant, version, run id, date and completeness, as recorded."""
        return self.settings.get("provenance") or {}

    @property
    def complete(self) -> bool:
        """False when the run was interrupted before every replication ran (failed replications count as run)."""
        return bool(self.provenance.get("complete", True))

    @property
    def label(self) -> str:
        """``<scenario>.<variant>``: how a comparison names this result."""
        scenario = self.provenance.get("scenario") or (self.path.parent.name if self.path else "")
        return f"{scenario}.{self.name}" if scenario else self.name

    def default_folder(self) -> Path:
        """``results/<study>/<scenario>/<variant>`` (the scenario's folder as :func:`scenario_folder` picks it)."""
        return scenario_folder({"study": self.study, **self.provenance}) / self.name

    def traces(self) -> pa.Table | None:
        """Every replication's traces (``replication``, ``t`` in seconds, the signals), or None without traces."""
        return self._table("traces")

    def events(self) -> pa.Table | None:
        """Every replication's event log (``replication``, ``t``, ``source``, ``event``, ...), or None."""
        return self._table("events")

    def _table(self, name: str) -> pa.Table | None:
        if name not in self.tables:
            file = self.path / f"{name}.parquet" if self.path else None
            self.tables[name] = pq.read_table(file) if file is not None and file.exists() else None
        return self.tables[name]

    def summary(self):
        """The KPIs as a pandas DataFrame (one row per KPI: mean, low, high, half_width, sd, n, unit; SI units)."""
        import pandas as pd

        columns = ["mean", "low", "high", "half_width", "sd", "n", "unit"]
        return pd.DataFrame([[k.get(c) for c in columns] for k in self.kpis.values()], columns=columns,
                            index=pd.Index(list(self.kpis), name="kpi"))

    def table(self) -> str:
        """The KPIs as text: mean and 95% confidence interval, in display units."""
        return table(self)

    def save(self, folder: str | Path | None = None) -> Path:
        """Write the data (settings, KPIs, failures, traces, events) into ``folder`` (default
        :meth:`default_folder`), replacing whatever result was there; returns the folder."""
        folder = Path(folder) if folder is not None else self.default_folder()
        with replacing(folder) as tmp:
            self.write_data(tmp)
        self.path = folder
        return folder

    def report(self, folder: str | Path | None = None, advance: Callable[[str], None] | None = None) -> Path:
        """Write the data, the figures and ``report.html`` into ``folder`` (default: where it was saved, else
        :meth:`default_folder`), replacing whatever result was there; returns the page."""
        folder = Path(folder) if folder is not None else self.path or self.default_folder()
        with replacing(folder) as tmp:
            self.write_report(tmp, advance)
        self.path = folder
        return folder / "report.html"

    def write_data(self, folder: Path, tables: Sequence[str] = ("traces", "events")) -> None:
        """The data files into the (new, empty) ``folder``; of the tables, those named in ``tables``
        (:meth:`write_tables` writes the others)."""
        (folder / "scenario.yaml").write_text(yaml.safe_dump(self.settings, sort_keys=False, allow_unicode=True))
        (folder / "kpis.json").write_text(json.dumps({"variant": self.settings.get("variant"),
                                                      "confidence": CONFIDENCE, "kpis": self.kpis},
                                                     indent=2, allow_nan=True))
        if self.failures:
            (folder / "failures.json").write_text(json.dumps(self.failures, indent=2))
        self.write_tables(folder, tables)

    def write_tables(self, folder: Path, names: Sequence[str] = ("traces", "events")) -> None:
        """The tables ``names`` as ``<name>.parquet`` into ``folder`` (none for a table the result lacks)."""
        for name in names:
            table = self._table(name)
            if table is not None:
                pq.write_table(table, folder / f"{name}.parquet")

    def write_report(self, folder: Path, advance: Callable[[str], None] | None = None) -> None:
        """Data, figures and page into the (new, empty) ``folder``; ``advance(step)`` after each step. The figures
        and page are drawn by the warm process of :mod:`scenarios.plugins` when one runs: it is handed the tables
        in memory and draws while the traces' Parquet file is written here (the events' comes first: the viewer's
        fleet views read it)."""
        advance = advance or (lambda step: None)
        self.write_data(folder, tables=("events",))
        drawn = plugins.report(folder, {name: table for name in ("traces", "events")
                                        if (table := self._table(name)) is not None})
        self.write_tables(folder, ("traces",))
        advance("data")
        if drawn():
            for step in ("study figures", "figures", "page"):
                advance(step)
        else:
            self.draw(folder, advance)

    def draw(self, folder: Path, advance: Callable[[str], None] | None = None) -> None:
        """The figures and ``report.html`` of this result into ``folder``, which holds its data. The figures are
        drawn together (:func:`scenarios.drawing.batch`: in the warm process, by two processes at once)."""
        advance = advance or (lambda step: None)
        there = replace(self, path=folder)  # the figures of studies and plug-ins read the folder they draw into
        (folder / "figures").mkdir(exist_ok=True)   # a warm process that died drawing may have made it
        study = get_study(self.study) if self.study in STUDIES else None
        with drawing.batch():
            if study is not None and study.figures is not None and self.kpis:   # no replication ran: no data to draw
                study.figures(there)
            drawing.here(plugins.begin(folder))   # the 3D views they asked for (a warm process may draw them)
            duplicate = study is not None and study.figures_show_traces and self.settings.get("replications_done") == 1
            figures.write_result_figures(there, traces=not duplicate)
        advance("study figures")
        advance("figures")
        report.write_result_report(there)
        advance("page")

    def compare(self, *others: Result):
        """This result against ``others``, KPI by KPI (:class:`scenarios.compare.Comparison`)."""
        from scenarios.compare import Comparison

        return Comparison([self, *others])

    def _repr_html_(self) -> str:
        state = "" if self.complete else " <b class=failed>(partial: interrupted)</b>"
        where = f", saved in <code>{html.escape(str(self.path))}</code>" if self.path else ", not saved"
        done = self.settings.get("replications_done")
        return (f"<p>{html.escape(str(self.study))} — <b>{html.escape(self.label)}</b>: {done} replications"
                f"{where}{state}</p>{report.kpi_table(self.kpis)}{report.failures_section(self.failures)}")

    def __repr__(self) -> str:
        return f"<Result {self.study} {self.label}: {len(self.kpis)} KPIs, " \
               f"{self.settings.get('replications_done')} replications{'' if self.complete else ', partial'}>"


def table(result) -> str:
    """The KPIs as text: mean and 95% confidence interval (none from a single replication), in display units."""
    def line(name: str, v: dict) -> str:
        size, unit = report.display_unit(v["unit"], v["mean"])
        low, high = v["low"], v["high"]
        if low is None or high is None or not (math.isfinite(low) and math.isfinite(high)):
            interval = "(1 run: no interval)" if v.get("n") == 1 else "[-]"
        else:
            interval = f"[{low / size:.4g}, {high / size:.4g}]"
        return f"  {name:<28}{v['mean'] / size:>12.4g}  {interval:<22} {unit}"

    return "\n".join(line(k, v) for k, v in result.kpis.items())


def write(folder: str | Path, settings: dict[str, Any], outcomes: Sequence[Outcome | Failure]) -> Result:
    """Write one variant's result folder with its report from its outcomes (in replication order)."""
    result = Result.of(settings, outcomes)
    result.report(folder)
    return result


def read(folder: str | Path) -> Result:
    """The result saved in ``folder``; :class:`ResultError` says why a folder is not a complete result."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ResultError(f"{folder}: no such result folder")
    for file in DATA:
        if not (folder / file).is_file():
            sweep = " (a sweep's folder: give its variants' folders)" if (folder / "comparison.json").exists() else ""
            raise ResultError(f"{folder}: not a result folder (no {file}){sweep}; give a folder written by "
                              "`twin run` or one variant's folder of `twin sweep`")
    try:
        settings = plain(config.load(folder / "scenario.yaml"))  # safe: refuses alias bombs, names the line
    except config.ConfigError as exc:
        raise ResultError(f"{folder}: a corrupt result ({str(exc).splitlines()[0]}); run the scenario again") from None
    if not isinstance(settings, dict):
        raise ResultError(f"{folder / 'scenario.yaml'}: a corrupt result (not a mapping of settings); "
                          "run the scenario again")
    kpis = _read_json(folder / "kpis.json", lambda doc: doc["kpis"])
    if not isinstance(kpis, dict) or not all(isinstance(k, dict) and {"mean", "unit", "values"} <= set(k)
                                             for k in kpis.values()):
        raise ResultError(f"{folder / 'kpis.json'}: a corrupt result (KPIs without mean, unit and values); "
                          "run the scenario again")
    if "provenance" not in settings and not (folder / "report.html").is_file():
        raise ResultError(f"{folder}: a partial result (no report.html: the run that wrote it was interrupted); "
                          "run the scenario again")
    failures_file = folder / "failures.json"
    failures = _read_json(failures_file, lambda doc: doc) if failures_file.exists() else []
    return Result(settings, kpis, failures, path=folder)


def scenario_folder(provenance: Mapping[str, Any]) -> Path:
    """Where a scenario's results go by default: ``results/<study>/<scenario>``, named after the file's stem; or
    ``results/<study>/<scenario>-<8 hex digits>`` when that folder holds results of another file with the same stem
    (``a/multipurpose_osd.yaml`` and ``b/multipurpose_osd.yaml`` of one study), so two files never share a folder.
    The digits hash the file's absolute path: every run of that file finds the same folder. An edited file is the
    same scenario (same path); an identical copy elsewhere (same hash) may share the folder."""
    folder = Path("results", *(p for p in (provenance.get("study"), provenance.get("scenario")) if p))
    file, digest = provenance.get("file"), provenance.get("scenario_hash")
    if not file or not any(_of_another_file(earlier, file, digest) for earlier in _recorded(folder)):
        return folder
    return folder.with_name(f"{folder.name}-{hashlib.sha256(str(Path(file).resolve()).encode()).hexdigest()[:8]}")


def _recorded(folder: Path) -> Iterator[Mapping[str, Any]]:
    """The provenance of each result in ``folder``: the folder itself (a run) or its variants (a sweep)."""
    for settings in (folder / "scenario.yaml", *folder.glob("*/scenario.yaml")):
        try:
            provenance = config.load(settings).get("provenance") if settings.is_file() else None
        except (config.ConfigError, AttributeError):
            continue   # a corrupt or foreign file: replacing() decides whether the folder may go
        if isinstance(provenance, Mapping):
            yield provenance


def _of_another_file(earlier: Mapping[str, Any], file: str, digest: str | None) -> bool:
    """Whether an ``earlier`` result came from a file other than ``file`` (another path, other contents)."""
    recorded = earlier.get("file")
    return bool(recorded) and Path(recorded).resolve() != Path(file).resolve() \
        and earlier.get("scenario_hash") != digest


def _read_json(file: Path, part: Callable[[Any], Any]) -> Any:
    try:
        return part(json.loads(file.read_text(encoding="utf-8")))
    except json.JSONDecodeError as exc:
        raise ResultError(f"{file}, line {exc.lineno}: a corrupt result ({exc.msg}); run the scenario again") from None
    except (KeyError, TypeError, UnicodeDecodeError) as exc:
        raise ResultError(f"{file}: a corrupt result ({type(exc).__name__}: {exc}); run the scenario again") from None


@contextmanager
def replacing(folder: Path) -> Iterator[Path]:
    """A new empty folder beside ``folder`` to write into; on success it replaces ``folder`` whole, on any error
    or Ctrl-C it is removed and ``folder`` is left as it was.

    ``folder`` may be missing, empty or an earlier result (or a sweep of them); a folder holding anything else is
    refused (:class:`ResultError`), so ``-o ~/Documents`` cannot wipe a user's files.
    """
    folder = Path(folder)
    if folder.exists() and not _replaceable(folder):
        raise ResultError(f"{folder}: the folder holds files that are not a pharma-twin result (or the results of "
                          "several runs, such as results/), so it is not replaced; give a new or empty folder (-o)")
    made = [p for p in (folder.parent, *folder.parent.parents) if not p.exists()]   # deepest first
    folder.parent.mkdir(parents=True, exist_ok=True)
    tag = uuid.uuid4().hex[:8]
    tmp, old = folder.with_name(f".{folder.name}.partial-{tag}"), folder.with_name(f".{folder.name}.old-{tag}")
    tmp.mkdir()
    moved = False
    try:
        yield tmp
        if folder.exists():
            folder.rename(old)
            moved = True
        tmp.rename(folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if moved and not folder.exists():
            old.rename(folder)
        for parent in made:   # the folders made for this result (results/<study>/...), unless another wrote there
            with suppress(OSError):
                parent.rmdir()
        raise
    if moved:
        shutil.rmtree(old, ignore_errors=True)


def _replaceable(folder: Path) -> bool:
    """Whether ``folder`` is empty, a result, a comparison, or a folder of such (a sweep, a scenario's variants);
    not a folder of those folders (``results/``, ``results/<study>``), which ``-o results`` would have wiped whole,
    every study's results, to write one run."""
    if not folder.is_dir():
        return False
    if _written(folder):
        return True
    children = [c for c in folder.iterdir() if not _leftover(c)]
    return all(c.is_dir() and _written(c) for c in children)


def _written(folder: Path) -> bool:
    """A result's or a comparison's folder (one variant, a sweep with its comparison, a comparison of results)."""
    return (folder / "kpis.json").is_file() or (folder / "comparison.json").is_file()


def _leftover(path: Path) -> bool:
    """A folder :func:`replacing` left behind when its process was killed outright."""
    return path.name.startswith(".") and (".partial-" in path.name or ".old-" in path.name)


def _kpis(done: Sequence[Outcome], study: str | None) -> dict[str, dict[str, Any]]:
    """Per KPI (in the order the study gives them): the summary (cut to the KPI's range, :attr:`Study.ranges`), the
    unit and every replication's value."""
    if not done:
        return {}
    names = list(done[0].run.kpis)
    bounds = get_study(study).range_of if study in STUDIES else lambda name: (-math.inf, math.inf)
    return {k: {**summarise([o.run.kpis[k] for o in done], bounds=bounds(k)), "unit": done[0].run.units.get(k, ""),
                "values": [o.run.kpis[k] for o in done]} for k in names}


def _stack(done: Sequence[Outcome], name: str) -> pa.Table | None:
    """Every replication's traces (or events) in one table, with a ``replication`` column first."""
    parts = [(o.task.replication, getattr(o.run, name)) for o in done if len(getattr(o.run, name).get("t", ()))]
    if not parts:
        return None
    columns = {"replication": np.concatenate([np.full(len(cols["t"]), r, dtype=np.int32) for r, cols in parts])}
    for key in parts[0][1]:
        columns[key] = np.concatenate([cols[key] for _, cols in parts])
    return pa.table({k: _column(v) for k, v in columns.items()})


def _column(values: np.ndarray) -> pa.Array:
    """``values`` as an Arrow array. Numbers and strings are built from their buffers: ``pa.array`` imports pandas
    the first time it is called (1 s of CPU, after the run and before its report is drawn); other objects are
    inferred by ``pa.array``."""
    if values.dtype.kind in "iuf" and values.dtype.isnative:
        return pa.Array.from_buffers(pa.from_numpy_dtype(values.dtype), len(values),
                                     [None, pa.py_buffer(np.ascontiguousarray(values))])
    if values.dtype == object and values.size and all(isinstance(v, str) for v in values):
        data = [v.encode() for v in values]
        offsets = np.zeros(len(data) + 1, np.int64)
        np.cumsum([len(b) for b in data], out=offsets[1:])
        if offsets[-1] < 2**31:
            return pa.Array.from_buffers(pa.string(), len(data), [None, pa.py_buffer(offsets.astype(np.int32)),
                                                                  pa.py_buffer(b"".join(data))])
    return pa.array(values.tolist() if values.dtype == object else values)
