"""A result folder on disk: what one variant's replications produced, for a person and for ``twin compare``.

::

    result/
      scenario.yaml     the settings as resolved (defaults filled in, SI units), the package version, the seed
      kpis.json         per KPI: mean, 95% confidence interval, standard deviation, unit, every replication's value
      traces.parquet    the traces of every replication (column ``replication``, then ``t`` and the signals)
      events.parquet    the event log of every replication (``replication``, ``t``, ``source``, ``event``, ...)
      failures.json     replications that raised: variant, seed, error and traceback (only if any did)
      figures/*.png     traces (mean and 95% band over replications) and KPIs with their intervals
      report.html       all of it on one page, figures embedded

Values are in SI units as the study gives them (``t`` and every time in seconds, rates per second), as
``viewer.recording`` reads them back; only tables, figures and reports convert them for a person to read.
:func:`read` loads a folder back as a :class:`ResultFolder`.
"""
from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import yaml
from scipy import stats

from scenarios import figures, report
from scenarios.registry import STUDIES, get_study
from scenarios.runs import Failure, Outcome
from scenarios.scenario import plain
from twin import __version__, config

CONFIDENCE = 0.95


def summarise(values: Sequence[float], confidence: float = CONFIDENCE) -> dict[str, Any]:
    """Mean of ``values`` with its Student-t confidence interval (NaN half-width for fewer than two values)."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    n = len(x)
    mean = float(x.mean()) if n else math.nan
    sd = float(x.std(ddof=1)) if n > 1 else math.nan
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * sd / math.sqrt(n)) if n > 1 else math.nan
    return {"mean": mean, "low": mean - half, "high": mean + half, "half_width": half, "sd": sd, "n": n}


@dataclass
class ResultFolder:
    """A result folder read back: settings, KPI summaries, traces and events as Arrow tables."""

    path: Path
    settings: dict[str, Any]
    kpis: dict[str, dict[str, Any]]
    failures: list[dict[str, Any]]

    @property
    def name(self) -> str:
        return self.settings.get("variant", self.path.name)

    def traces(self) -> pa.Table | None:
        file = self.path / "traces.parquet"
        return pq.read_table(file) if file.exists() else None

    def events(self) -> pa.Table | None:
        file = self.path / "events.parquet"
        return pq.read_table(file) if file.exists() else None


def table(result: ResultFolder) -> str:
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


def write(folder: str | Path, settings: dict[str, Any], outcomes: Sequence[Outcome | Failure]) -> ResultFolder:
    """Write one variant's result folder from its outcomes (in replication order) and return it read back."""
    folder = Path(folder)
    (folder / "figures").mkdir(parents=True, exist_ok=True)
    done = [o for o in outcomes if isinstance(o, Outcome)]
    failed = [o for o in outcomes if isinstance(o, Failure)]
    settings = {**settings, "package": {"name": "pharma-twin", "version": __version__},
                "replications_done": len(done), "replications_failed": len(failed)}
    (folder / "scenario.yaml").write_text(yaml.safe_dump(settings, sort_keys=False, allow_unicode=True))
    kpis = _kpis(done)
    (folder / "kpis.json").write_text(json.dumps({"variant": settings.get("variant"), "confidence": CONFIDENCE,
                                                  "kpis": kpis}, indent=2, allow_nan=True))
    failures = [{"variant": f.task.variant, "replication": f.task.replication, "seed": f.task.seed,
                 "spawn_key": [f.task.replication], "error": f.error, "traceback": f.traceback} for f in failed]
    failures_file = folder / "failures.json"
    if failures:
        failures_file.write_text(json.dumps(failures, indent=2))
    elif failures_file.exists():
        failures_file.unlink()
    for name in ("traces", "events"):
        table = _stack(done, name)
        if table is not None:
            pq.write_table(table, folder / f"{name}.parquet")
    result = ResultFolder(folder, settings, kpis, failures)
    figures.write_result_figures(result)
    study = settings.get("study")
    if study in STUDIES and get_study(study).figures is not None:
        get_study(study).figures(result)
    figures.write_plugin_figures(result)
    report.write_result_report(result)
    return result


def read(folder: str | Path) -> ResultFolder:
    """A result folder written by :func:`write` (as ``twin run`` leaves it)."""
    folder = Path(folder)
    for file in ("scenario.yaml", "kpis.json"):
        if not (folder / file).is_file():
            raise FileNotFoundError(f"{folder}: not a result folder (no {file}); "
                                    "give a folder written by `twin run` or one variant's folder of `twin sweep`")
    settings = plain(config.load(folder / "scenario.yaml"))  # safe: refuses alias bombs, names the line
    kpis = json.loads((folder / "kpis.json").read_text())["kpis"]
    failures_file = folder / "failures.json"
    failures = json.loads(failures_file.read_text()) if failures_file.exists() else []
    return ResultFolder(folder, settings, kpis, failures)


def _kpis(done: Sequence[Outcome]) -> dict[str, dict[str, Any]]:
    """Per KPI (in the order the study gives them): the summary, the unit and every replication's value."""
    if not done:
        return {}
    names = list(done[0].run.kpis)
    return {k: {**summarise([o.run.kpis[k] for o in done]), "unit": done[0].run.units.get(k, ""),
                "values": [o.run.kpis[k] for o in done]} for k in names}


def _stack(done: Sequence[Outcome], name: str) -> pa.Table | None:
    """Every replication's traces (or events) in one table, with a ``replication`` column first."""
    parts = [(o.task.replication, getattr(o.run, name)) for o in done if len(getattr(o.run, name).get("t", ()))]
    if not parts:
        return None
    columns = {"replication": np.concatenate([np.full(len(cols["t"]), r, dtype=np.int32) for r, cols in parts])}
    for key in parts[0][1]:
        columns[key] = np.concatenate([cols[key] for _, cols in parts])
    return pa.table({k: pa.array(v.tolist() if v.dtype == object else v) for k, v in columns.items()})
