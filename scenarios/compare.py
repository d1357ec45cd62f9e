"""The what-if table: each result against the first, KPI by KPI, with the difference and its significance.

Variants of one scenario run on common random numbers (replication r of every variant draws from child r of the
scenario's seed), so their replications pair up: significance is then the paired t-test on the replications'
differences, which the common randomness makes far sharper than comparing the two means. Results that do not share
their random numbers (another scenario file or seed, failed replications) are compared by Welch's t-test (unequal
variances). Both at the 5% level; each row says which test (``test``). A KPI whose difference does not vary at
all is significant exactly when it is not zero.
"""
from __future__ import annotations

import html
import json
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import stats

from scenarios import figures, report
from scenarios.registry import STUDIES, get_study
from scenarios.results import Result, ResultError, replacing

ALPHA = 0.05


def welch(a: Sequence[float], b: Sequence[float]) -> float:
    """The two-sided p-value of Welch's t-test for equal means of ``a`` and ``b``."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if len(a) < 2 or len(b) < 2:
        return math.nan
    if a.std() == 0 and b.std() == 0:
        return 1.0 if a.mean() == b.mean() else 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(stats.ttest_ind(a, b, equal_var=False).pvalue)


def paired(a: Sequence[float], b: Sequence[float]) -> float:
    """The two-sided p-value of the paired t-test for a zero mean of ``b - a`` (replication by replication)."""
    d = np.asarray(b, float) - np.asarray(a, float)
    d = d[np.isfinite(d)]
    if len(d) < 2:
        return math.nan
    if d.std() == 0:
        return 1.0 if d.mean() == 0 else 0.0
    return float(stats.ttest_1samp(d, 0.0).pvalue)


def common_random_numbers(a: Result, b: Result) -> bool:
    """Whether replication r of ``a`` and of ``b`` drew the same random numbers: the same scenario file and seed,
    as many replications, every one of them run and none failed."""
    same = all(a.settings.get(k) == b.settings.get(k) for k in ("seed", "replications"))
    return (same and a.settings.get("seed") is not None and a.provenance.get("file") is not None
            and a.provenance.get("file") == b.provenance.get("file")
            and not a.failures and not b.failures and a.complete and b.complete)


def check(results: Sequence[Result]) -> None:
    """Refuse (:class:`ResultError`) fewer than two results, results of different studies, a KPI in different
    units, and results of interrupted runs: a comparison of those would mean nothing."""
    if len(results) < 2:
        raise ResultError("compare needs at least two results: the base and one what-if")
    base = results[0]
    for other in results[1:]:
        if other.study != base.study:
            raise ResultError(f"cannot compare results of different studies: {_where(base)} is from the {base.study} "
                              f"study, {_where(other)} from the {other.study} study; compare variants of one study")
        for kpi, b in base.kpis.items():
            unit = other.kpis.get(kpi, {}).get("unit", b["unit"])
            if unit != b["unit"]:
                raise ResultError(f"cannot compare KPI '{kpi}': {b['unit']} in {_where(base)}, {unit} in "
                                  f"{_where(other)}; compare results of the same study and version")
    for r in results:
        if not r.complete:
            p = r.settings
            raise ResultError(f"{_where(r)} is a partial result (interrupted after {p.get('replications_done')} of "
                              f"{p.get('replications')} replications); run it again to compare it")


def _where(result: Result) -> str:
    return str(result.path) if result.path is not None else f"'{result.label}'"


def compare(results: Sequence[Result], alpha: float = ALPHA) -> list[dict]:
    """Rows ``kpi, variant, base, value, difference, relative, p_value, significant, test, unit`` (base: the
    first; ``test``: ``paired`` or ``welch``)."""
    check(results)
    base, rows = results[0], []
    for other in results[1:]:
        test = "paired" if common_random_numbers(base, other) else "welch"
        for kpi, b in base.kpis.items():
            if kpi not in other.kpis:
                continue
            o = other.kpis[kpi]
            p = (paired if test == "paired" else welch)(b["values"], o["values"])
            diff = o["mean"] - b["mean"]
            rows.append({"kpi": kpi, "variant": other.name, "base": b["mean"], "value": o["mean"],
                         "difference": diff, "relative": diff / b["mean"] if b["mean"] else math.nan,
                         "p_value": p, "significant": bool(p < alpha), "test": test, "unit": b["unit"]})
    return rows


@dataclass(eq=False)
class Comparison:
    """Results KPI by KPI against the first: ``rows`` as :func:`compare` gives them; :meth:`report` writes it."""

    results: list[Result]
    alpha: float = ALPHA
    rows: list[dict] = field(init=False)
    path: Path | None = None

    def __post_init__(self):
        self.rows = compare(self.results, self.alpha)

    def default_folder(self) -> Path:
        """``results/<study>/compare/<base>_vs_<other>...``, after the labels (scenario.variant) it compares."""
        return Path("results", str(self.results[0].study), "compare", "_vs_".join(r.label for r in self.results))

    def table(self) -> str:
        return table(self.rows)

    def frame(self):
        """The rows as a pandas DataFrame (SI units)."""
        import pandas as pd

        return pd.DataFrame(self.rows)

    def report(self, folder: str | Path | None = None) -> Path:
        """Write ``comparison.json``, overlaid figures and ``report.html`` into ``folder`` (default
        :meth:`default_folder`), replacing an earlier comparison there; returns the page."""
        folder = Path(folder) if folder is not None else self.default_folder()
        for r in self.results:   # replacing a result it compares (or a sweep holding it) would delete that result
            if r.path is not None and folder.resolve() in (r.path.resolve(), *r.path.resolve().parents):
                raise ResultError(f"{folder}: it holds {r.path}, a result this compares, which writing the comparison "
                                  "there would delete; give another folder (-o)")
        with replacing(folder) as tmp:
            self.write_report(tmp)
        self.path = folder
        return folder / "report.html"

    def write_report(self, folder: Path) -> Path:
        """The comparison into the (new, empty) ``folder``; the page links to the results' folders."""
        results = self.results
        (folder / "comparison.json").write_text(json.dumps(
            {"base": results[0].label, "results": [{"label": r.label, "path": str(r.path) if r.path else None,
                                                    "run": r.provenance.get("run")} for r in results],
             "alpha": self.alpha, "rows": self.rows}, indent=2))
        pngs = figures.write(results, folder / "figures")
        study = results[0].study
        if study in STUDIES and get_study(study).comparison_figures is not None:
            pngs += get_study(study).comparison_figures(results, folder / "figures")
        return report.write_comparison_report(folder, self.rows, results, pngs)

    def _repr_html_(self) -> str:
        from scenarios.report import display_unit, number

        def row(r: dict) -> str:
            size, unit = display_unit(r["unit"], r["base"])
            cells = [r["kpi"], r["variant"], number(r["base"] / size), number(r["value"] / size),
                     number(r["difference"] / size), number(r["p_value"]), "yes" if r["significant"] else "no", unit]
            return "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in cells) + "</tr>"

        head = "".join(f"<th>{h}</th>" for h in ("KPI", "variant", "base", "value", "difference", "p", "significant",
                                                 "unit"))
        return (f"<p>Against <b>{html.escape(self.results[0].label)}</b> ({report.test_name(self.rows)}, "
                f"{self.alpha:.0%} level)</p><table><tr>{head}</tr>{''.join(row(r) for r in self.rows)}</table>")


def table(rows: Sequence[dict]) -> str:
    """The comparison as text for a terminal."""
    kpi = max([24, *(len(r["kpi"]) for r in rows)]) + 2         # a long name never runs into the next column
    variant = max([16, *(len(r["variant"]) for r in rows)]) + 2
    head = f"{'KPI':<{kpi}}{'variant':<{variant}}{'base':>11}{'variant':>11}{'diff':>11}{'p':>11}  significant  unit"
    lines = [head, "-" * len(head)]
    for r in rows:
        size, unit = report.display_unit(r["unit"], r["base"])
        base, value, diff = (report.number(r[k] / size) for k in ("base", "value", "difference"))
        lines.append(f"{r['kpi']:<{kpi}}{r['variant']:<{variant}}{base:>11}{value:>11}{diff:>11}"
                     f"{report.number(r['p_value']):>11}  {'YES' if r['significant'] else 'no':<11}  {unit}")
    return "\n".join(lines)


def write(results: Sequence[Result], folder: str | Path) -> Path:
    """Write the comparison of ``results`` into ``folder``; returns its ``report.html``."""
    return Comparison(list(results)).report(folder)
