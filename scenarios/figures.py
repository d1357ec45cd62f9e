"""Figures of results as PNG: traces (mean and 95% band over replications) and KPIs with their intervals.

Every function takes one or several result folders: with several, the curves and bars are overlaid, one colour per
result, for ``twin compare``. Figures are built on ``matplotlib.figure.Figure`` (no pyplot, no global state).
Results hold SI values (time ``t`` in seconds); the axes show them in the units of :func:`report.display_unit`.
"""
from __future__ import annotations

import io
import json
import math
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from scipy import stats

from scenarios import drawing, plugins
from scenarios.report import display_unit

RELATIVE = "-"   # the unit of fractions (utilisation, downtime)


def trace_bands(table, column: str, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Time, mean and half-width of the confidence band of ``column`` over the replications of a traces table."""
    reps = table.column("replication").to_numpy()
    t_all, v_all = table.column("t").to_numpy(), table.column(column).to_numpy().astype(float)
    runs = np.split(np.arange(len(reps)), np.flatnonzero(np.diff(reps)) + 1)   # rows come replication by replication
    n = min(len(idx) for idx in runs)
    values = np.stack([v_all[idx[:n]] for idx in runs])
    t = t_all[runs[0][:n]]
    if len(runs) < 2:
        return t, values[0], np.zeros(n)
    half = stats.t.ppf(0.5 + confidence / 2, len(runs) - 1) * values.std(axis=0, ddof=1) / math.sqrt(len(runs))
    return t, values.mean(axis=0), half


POINTS = 1500   # buckets a curve is thinned to: a panel is ~600 px wide, so more points cost time and show nothing
#: how report figures are saved: 110 dpi, PNG at zlib level 1 (PIL's default 6 took a quarter of the save time of
#: the flagship's figures for files ~15 % smaller)
PNG = {"dpi": 110, "pil_kwargs": {"compress_level": 1}}


def thinned(t: np.ndarray, mean: np.ndarray, half: np.ndarray, points: int = POINTS):
    """``(t, mean)`` of a curve's extremes and ``(tb, low, high)`` of its band's envelope, over ``points`` buckets:
    each bucket keeps the samples of its lowest and highest mean (in time order) and the band's lowest low and
    highest high, so a spike of one sample still shows; curves shorter than ``2 x points`` are kept whole::

        >>> t = np.arange(10_000.0); y = np.zeros_like(t); y[4321] = 5.0
        >>> (tt, yy), (tb, lo, hi) = thinned(t, y, np.zeros_like(t), points=100)
        >>> len(tt) <= 200, float(yy.max()), float(tt[np.argmax(yy)]), len(tb)
        (True, 5.0, 4321.0, 100)
    """
    n = len(t)
    if n <= 2 * points:
        return (t, mean), (t, mean - half, mean + half)
    size = -(-n // points)                        # samples per bucket; the last bucket is padded with its last sample
    starts = np.arange(0, n, size)
    padded = np.pad(mean, (0, len(starts) * size - n), mode="edge").reshape(len(starts), size)
    keep = np.unique(np.concatenate([starts + padded.argmin(axis=1), starts + padded.argmax(axis=1)]).clip(0, n - 1))
    return (t[keep], mean[keep]), (t[starts], np.minimum.reduceat(mean - half, starts),
                                   np.maximum.reduceat(mean + half, starts))


def limits(result, name: str) -> tuple[float, float]:
    """The range the KPI or trace ``name`` of ``result``'s study cannot leave (:attr:`Study.ranges`)."""
    from scenarios.registry import STUDIES, get_study

    return get_study(result.study).range_of(name) if result.study in STUDIES else (-math.inf, math.inf)


def traces_figure(results: Sequence) -> Figure | None:
    """One panel per trace signal, a curve and band per result; None when no result has traces."""
    tables = [(r.name, r.traces()) for r in results]
    tables = [(name, t) for name, t in tables if t is not None]
    if not tables:
        return None
    signals = [c for c in tables[0][1].column_names if c not in ("replication", "t")]
    cols = 2 if len(signals) > 1 else 1
    rows = math.ceil(len(signals) / cols)
    fig = Figure(figsize=(5.5 * cols, 2.4 * rows))
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.5 / rows, top=1 - 0.25 / rows, hspace=0.35, wspace=0.15)
    axes = fig.subplots(rows, cols, squeeze=False, sharex=True).ravel()
    size, unit = display_unit("s", max(float(np.max(tb.column("t").to_numpy(), initial=0)) for _, tb in tables))
    for ax, signal in zip(axes, signals, strict=False):
        for name, table in tables:
            if signal in table.column_names:
                (t, mean), (tb, low, high) = thinned(*trace_bands(table, signal))
                low, high = np.clip(low, *limits(results[0], signal)), np.clip(high, *limits(results[0], signal))
                line, = ax.plot(t / size, mean, lw=1.2, label=name)
                if np.any(high > low):  # one replication: no band
                    ax.fill_between(tb / size, low, high, color=line.get_color(), alpha=0.25, lw=0)
        ax.set_title(signal, fontsize="medium", y=1.0)   # y given: no search for the top ticks (same pixels)
        ax.grid(alpha=0.3)
    for ax in axes[len(signals):]:
        ax.set_visible(False)
    for ax in axes[-cols:]:
        ax.set_xlabel(f"time [{unit}]")
    axes[0].legend(fontsize="small")
    return fig


def kpis_figure(results: Sequence) -> Figure | None:
    """KPIs as bars with 95% intervals, one panel per unit, one bar per result; None without KPIs."""
    names = [k for k in results[0].kpis if all(k in r.kpis for r in results)]
    if not names:
        return None
    by_unit: dict[str, list[str]] = {}
    for k in names:
        by_unit.setdefault(results[0].kpis[k]["unit"], []).append(k)
    widths = [max(len(ks), 1.5) for ks in by_unit.values()]
    width_in, height_in = min(2.2 + 0.45 * len(results) * sum(widths), 16), 3.8
    fig = Figure(figsize=(width_in, height_in))   # laid out by hand: constrained layout took 3/4 of the time
    label = 0.06 * max(len(k) for k in names) + 0.25   # inches under the axes for the rotated KPI names
    fig.subplots_adjust(left=0.6 / width_in, right=1 - 0.15 / width_in, bottom=min(label / height_in, 0.6),
                        top=1 - (0.7 if len(results) > 1 else 0.35) / height_in, wspace=0.35)
    axes = fig.subplots(1, len(by_unit), squeeze=False, width_ratios=widths)[0]
    width = 0.8 / len(results)
    for ax, (unit, keys) in zip(axes, by_unit.items(), strict=True):
        x = np.arange(len(keys))
        size, shown = display_unit(unit, max(abs(results[0].kpis[k]["mean"]) for k in keys))
        for j, r in enumerate(results):
            mean = [r.kpis[k]["mean"] / size for k in keys]
            below = [r.kpis[k]["mean"] - r.kpis[k]["low"] for k in keys]   # the interval, cut to the KPI's range
            above = [r.kpis[k]["high"] - r.kpis[k]["mean"] for k in keys]
            error = np.array([below, above]) / size   # NaN without an interval (one replication): no error bar
            ax.bar(x + (j - (len(results) - 1) / 2) * width, mean, width, label=r.name,
                   **({"yerr": np.nan_to_num(error), "capsize": 2} if np.isfinite(error).any() else {}))
        ax.set_xticks(x, keys, rotation=45, ha="right", fontsize="small")
        ax.set_title("fraction of time" if unit == RELATIVE else shown, fontsize="medium", y=1.0)
        ax.grid(axis="y", alpha=0.3)
    if len(results) > 1:
        fig.legend(*axes[0].get_legend_handles_labels(), loc="upper center", ncols=len(results), fontsize="small")
    return fig


_AHEAD: dict[str, bytes] = {}   # PNGs drawn before their result was (ahead), by the key of what they show


def save(path: Path, build: Callable[[], Figure | None], key: str | None = None) -> Path:
    """Save the figure ``build()`` gives (none when it gives None) as the PNG ``path``: now, or when the open
    :func:`scenarios.drawing.batch` closes, maybe in another process; returns ``path``. ``key`` names everything
    the figure shows (the settings it is drawn from): a PNG drawn :func:`ahead` under that key is written instead."""
    def job() -> None:
        if key in _AHEAD:
            Path(path).write_bytes(_AHEAD[key])
        elif (fig := build()) is not None:
            fig.savefig(path, **PNG)
    drawing.submit(job)
    return Path(path)


def ahead(key: str, build: Callable[[], Figure]) -> None:
    """Draw ``build()``'s figure now and keep its PNG for :func:`save` under the same ``key``. A figure known before
    its result (drawn from the settings alone) is drawn so by the warm process of :mod:`scenarios.plugins` while
    the run simulates: a study's figure module does it in its ``ahead(settings)``."""
    buffer = io.BytesIO()
    build().savefig(buffer, format="png", **PNG)
    _AHEAD[key] = buffer.getvalue()


def write(results: Sequence, folder: Path, traces: bool = True) -> list[Path]:
    """Write ``traces.png`` (unless ``traces`` is false) and ``kpis.png`` for ``results`` into ``folder``; returns
    the files written (in an open :func:`scenarios.drawing.batch`: to be written)."""
    folder.mkdir(parents=True, exist_ok=True)
    drawn = (("traces.png", traces_figure), ("kpis.png", kpis_figure)) if traces else (("kpis.png", kpis_figure),)
    files = [save(folder / name, partial(draw, results)) for name, draw in drawn]
    return [f for f in files if drawing.batching() or f.is_file()]


def write_result_figures(result, traces: bool = True) -> list[Path]:
    return write([result], result.path / "figures", traces)


def add_view(result, name: str, *, title: str = "", t: float | None = None, assets: dict | None = None,
             signal: str = "state", rooms: dict | None = None, cmap: str | None = None,
             clim: tuple[float, float] | None = None, label: str = "", fleet: int | None = None) -> None:
    """Ask for a 3D picture of the result's plant, ``figures/<name>.png``, drawn by a report plug-in (the viewer).

    ``assets``: ``{tag: value}`` at time ``t`` (s), states (``running``, ``down``, ``alarm`` ...) or, with ``cmap``,
    numbers on ``clim``; ``signal`` names them. ``rooms``: ``{space: number}`` on ``cmap``, titled ``label``.
    ``fleet``: a replication whose vehicles to draw at ``t`` on the transport network of the folder's
    ``network.json`` (:mod:`viewer.tracks` says what it holds). The request goes to ``views.json`` in the result
    folder, so studies never import the viewer.
    """
    file = Path(result.path) / "views.json"
    views = [v for v in (json.loads(file.read_text(encoding="utf-8")) if file.is_file() else []) if v["name"] != name]
    view = {"name": name, "title": title, "plant": str(result.settings["plant"]), "t": t, "signal": signal,
            "assets": {str(k): _plain(v) for k, v in (assets or {}).items()},
            "rooms": {str(k): float(v) for k, v in (rooms or {}).items()},
            "cmap": cmap, "clim": list(clim) if clim else None, "label": label, "fleet": fleet}
    file.write_text(json.dumps(views + [view], indent=1), encoding="utf-8")


def _plain(value):
    return value if isinstance(value, str) else float(value)


def write_plugin_figures(result) -> list[Path]:
    """Figures drawn by the plug-ins of the entry-point group ``twin.report_figures`` (the viewer's 3D views), by
    the warm process :func:`scenarios.plugins.start` launched if it runs, else here (:mod:`scenarios.plugins`).
    A plug-in that fails costs its pictures, not the result folder: the reason is printed and the report goes on.
    """
    return plugins.draw(Path(result.path))
