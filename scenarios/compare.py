"""The what-if table: each result against the first, KPI by KPI, with the difference and its significance.

Significance is Welch's t-test (unequal variances) on the replications' values at the 5% level; a KPI that does not
vary at all in either result is significant exactly when the two values differ.
"""
from __future__ import annotations

import json
import math
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from scipy import stats

from scenarios import figures, report
from scenarios.registry import STUDIES, get_study
from scenarios.results import ResultFolder

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


def compare(results: Sequence[ResultFolder], alpha: float = ALPHA) -> list[dict]:
    """Rows ``kpi, variant, base, value, difference, relative, p_value, significant, unit`` (base: the first)."""
    if len(results) < 2:
        raise ValueError("compare needs at least two results: the base and one what-if")
    base, rows = results[0], []
    for other in results[1:]:
        for kpi, b in base.kpis.items():
            if kpi not in other.kpis:
                continue
            o = other.kpis[kpi]
            p = welch(b["values"], o["values"])
            diff = o["mean"] - b["mean"]
            rows.append({"kpi": kpi, "variant": other.name, "base": b["mean"], "value": o["mean"],
                         "difference": diff, "relative": diff / b["mean"] if b["mean"] else math.nan,
                         "p_value": p, "significant": bool(p < alpha), "unit": b["unit"]})
    return rows


def table(rows: Sequence[dict]) -> str:
    """The comparison as text for a terminal."""
    head = f"{'KPI':<26}{'variant':<18}{'base':>10}{'variant':>10}{'diff':>11}{'p':>11}  significant  unit"
    lines = [head, "-" * len(head)]
    for r in rows:
        size, unit = report.display_unit(r["unit"], r["base"])
        base, value, diff = (report.number(r[k] / size) for k in ("base", "value", "difference"))
        lines.append(f"{r['kpi']:<26}{r['variant']:<18}{base:>10}{value:>10}{diff:>11}"
                     f"{report.number(r['p_value']):>11}  {'YES' if r['significant'] else 'no':<11}  {unit}")
    return "\n".join(lines)


def write(results: Sequence[ResultFolder], folder: str | Path) -> Path:
    """Write the comparison (``comparison.json``, overlaid figures, ``report.html``) into ``folder``."""
    folder = Path(folder)
    rows = compare(results)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "comparison.json").write_text(json.dumps(
        {"base": str(results[0].path), "results": [str(r.path) for r in results], "alpha": ALPHA, "rows": rows},
        indent=2))
    pngs = figures.write(results, folder / "figures")
    study = results[0].settings.get("study")
    if study in STUDIES and get_study(study).comparison_figures is not None:
        pngs += get_study(study).comparison_figures(results, folder / "figures")
    return report.write_comparison_report(folder, rows, results, pngs)
