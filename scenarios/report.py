"""``report.html``: one self-contained page a person opens to see the KPIs, the figures and the settings.

Figures are embedded as base64 PNG, so the page can be mailed or archived on its own. Results hold SI values
(seconds, per second); a page, a table or a figure shows them in the unit a person reads (:func:`display_unit`).
"""
from __future__ import annotations

import base64
import html
import math
from collections.abc import Sequence
from pathlib import Path

import yaml

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 72em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; } th, td { padding: .3em .8em; border-bottom: 1px solid #ddd; }
th { text-align: left; background: #f4f4f4; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.yes { color: #b00; font-weight: bold; } .failed { color: #b00; } pre { background: #f7f7f7; padding: 1em; }
img { max-width: 100%; }
"""


TIMES = (("d", 86400.0), ("h", 3600.0), ("min", 60.0))


def display_unit(unit: str, typical: float) -> tuple[float, str]:
    """The unit to show values in SI ``unit`` of about ``typical`` in, as (its size in ``unit``, its name).

    Seconds become days, hours or minutes, the largest that leaves ``typical`` at 2 or more; a rate per second
    becomes per hour, or per day when fewer than one a hour; other units stay. Divide a value by the size::

        >>> display_unit("s", 118440.0), display_unit("batches/s", 5.8e-5), display_unit("kg", 3.0)
        ((3600.0, 'h'), (1.1574074074074073e-05, 'batches/d'), (1.0, 'kg'))
    """
    typical = abs(typical) if math.isfinite(typical) else 0.0
    if unit == "s":
        return next(((size, name) for name, size in TIMES if typical >= 2 * size), (1.0, "s"))
    if unit.endswith("/s"):
        return (1 / 3600, unit[:-2] + "/h") if typical * 3600 >= 1 else (1 / 86400, unit[:-2] + "/d")
    return 1.0, unit


def number(x: float) -> str:
    """A KPI value, with four significant digits."""
    return "–" if x is None or (isinstance(x, float) and not math.isfinite(x)) else f"{x:.4g}"


def page(title: str, body: str) -> str:
    return (f"<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{STYLE}</style></head><body>\n<h1>{html.escape(title)}</h1>\n{body}\n</body></html>\n")


def image(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f"<p><img alt='{html.escape(path.stem)}' src='data:image/png;base64,{data}'></p>"


def kpi_table(kpis: dict) -> str:
    def row(name: str, v: dict) -> str:
        size, unit = display_unit(v["unit"], v["mean"])
        return (f"<tr><td>{html.escape(name)}</td><td class=num>{number(v['mean'] / size)}</td>"
                f"<td class=num>[{number(v['low'] / size)}, {number(v['high'] / size)}]</td><td>{html.escape(unit)}"
                f"</td><td class=num>{v['n']}</td></tr>")

    rows = "".join(row(k, v) for k, v in kpis.items())
    return ("<table><tr><th>KPI</th><th>mean</th><th>95% confidence interval</th><th>unit</th>"
            f"<th>replications</th></tr>{rows}</table><p class=note>Intervals: Student's t over the replications, "
            "cut to the range the quantity can take (a fraction to [0, 1], a time or a count to zero and up) where "
            "the study declares it.</p>")


def failures_section(failures: Sequence[dict]) -> str:
    if not failures:
        return ""
    items = "".join(f"<li>variant '{html.escape(f['variant'])}', replication {f['replication']} (seed {f['seed']}, "
                    f"spawn key {f['spawn_key']}): {html.escape(f['error'])}</li>" for f in failures)
    return f"<h2 class=failed>Failed replications</h2><ul class=failed>{items}</ul>"


def write_result_report(result) -> Path:
    """Write ``report.html`` into a result folder (see :mod:`scenarios.results`)."""
    s = result.settings
    figures = "".join(image(p) for p in sorted((result.path / "figures").glob("*.png")))
    body = (f"<p>Study <b>{html.escape(str(s.get('study')))}</b>, variant <b>{html.escape(result.name)}</b>: "
            f"{s.get('replications_done')} replications from seed {s.get('seed')}, pharma-twin "
            f"{html.escape(str(s.get('package', {}).get('version')))}.</p>"
            f"<h2>KPIs</h2>{kpi_table(result.kpis)}{failures_section(result.failures)}"
            f"<h2>Figures</h2>{figures}"
            f"<h2>Settings</h2><p>As resolved, with defaults, in SI units (times in seconds).</p>"
            f"<pre>{html.escape(yaml.safe_dump(s, sort_keys=False, allow_unicode=True))}</pre>")
    out = result.path / "report.html"
    out.write_text(page(f"{s.get('study')} — {result.name}", body), encoding="utf-8")
    return out


def test_name(rows: Sequence[dict]) -> str:
    """Which test the comparison's significance comes from, in words (rows of :func:`scenarios.compare.compare`)."""
    names = {"paired": "paired t-test on common random numbers", "welch": "Welch's t-test"}
    return " / ".join(names[t] for t in sorted({r.get("test", "welch") for r in rows})) or names["welch"]


def write_comparison_report(folder: Path, rows: Sequence[dict], results: Sequence, figures: Sequence[Path]) -> Path:
    """Write the what-if ``report.html``: the comparison table, overlaid figures, and links to each result."""
    base = results[0].name

    def line(r: dict) -> str:
        size, unit = display_unit(r["unit"], r["base"])
        return (f"<tr><td>{html.escape(r['kpi'])}</td><td>{html.escape(r['variant'])}</td>"
                f"<td class=num>{number(r['base'] / size)}</td><td class=num>{number(r['value'] / size)}</td>"
                f"<td class=num>{number(r['difference'] / size)}</td><td class=num>{number(r['relative'] * 100)}%</td>"
                f"<td class=num>{number(r['p_value'])}</td><td class={'yes' if r['significant'] else 'no'}>"
                f"{'yes' if r['significant'] else 'no'}</td><td>{html.escape(unit)}</td></tr>")

    lines = "".join(line(r) for r in rows)
    links = "".join(f"<li><a href='{html.escape(str(Path(r.path).resolve().as_uri()))}/report.html'>"
                    f"{html.escape(r.name)}</a></li>" for r in results if r.path is not None)
    failures = failures_section([f for r in results for f in r.failures])
    body = (f"<p>Every variant against <b>{html.escape(base)}</b>: difference of the means, and whether it is "
            f"significant ({test_name(rows)} over the replications, 5% level).</p>"
            "<table><tr><th>KPI</th><th>variant</th><th>base</th><th>variant</th><th>difference</th>"
            f"<th>relative</th><th>p-value</th><th>significant</th><th>unit</th></tr>{lines}</table>"
            f"{failures}<h2>Figures</h2>{''.join(image(p) for p in figures)}<h2>Results</h2><ul>{links}</ul>")
    out = folder / "report.html"
    out.write_text(page(f"What-if: {', '.join(r.name for r in results)}", body), encoding="utf-8")
    return out
