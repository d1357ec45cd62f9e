"""Control charts of a check as one PNG: T-squared and SPE per sample against their limits, and the tags' mean
contributions over the alarming samples (without alarms: at the sample with the largest T-squared)."""
from __future__ import annotations

import numpy as np


def control_charts(model, x: np.ndarray, check, path: str, title: str = "", top: int = 12) -> str:
    """Draw the charts of ``check`` (of rows ``x`` against ``model``) to ``path``; returns the path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(check.t2)
    fig, (ax_t2, ax_spe, ax_c) = plt.subplots(3, 1, figsize=(10, 9), constrained_layout=True)
    step = max(1, n // 20000)  # a long file drawn as at most ~20,000 points (every step-th, alarms all kept)
    keep = np.union1d(np.arange(0, n, step), check.rows)
    for ax, values, limit, name in ((ax_t2, check.t2, model.t2_limit, "T-squared"),
                                    (ax_spe, check.spe, model.spe_limit, "SPE")):
        ax.plot(keep, values[keep], lw=0.6, color="tab:blue")
        over = keep[values[keep] > limit]
        ax.plot(over, values[over], ".", color="tab:red", ms=3, label="over the limit")
        ax.axhline(limit, color="tab:red", ls="--", lw=1, label=f"{100 * model.confidence:g} % limit {limit:.3g}")
        ax.set_yscale("log")
        ax.set_ylabel(name)
        ax.legend(loc="upper left", fontsize=8)
    ax_spe.set_xlabel("sample")
    if len(check.rows):  # the alarms' mean contributions: a false alarm or two does not hide the fault
        c_t2, c_spe = model.contributions(x)
        c_t2, c_spe = np.nanmean(c_t2[check.rows], axis=0), np.nanmean(c_spe[check.rows], axis=0)
        what = f"mean contributions over the {len(check.rows)} alarming samples"
    else:
        row = int(np.nanargmax(check.t2 / model.t2_limit))
        c_t2, c_spe = model.contributions(np.asarray(x, dtype=float)[max(0, row - model.lags): row + 1])
        c_t2, c_spe = c_t2[-1], c_spe[-1]
        what = f"contributions at sample {row} (no alarm; the largest T-squared)"
    order = np.argsort(-(np.abs(c_t2) / model.t2_limit + c_spe / model.spe_limit))[:top]
    pos = np.arange(len(order))
    ax_c.bar(pos - 0.2, c_t2[order] / model.t2_limit, 0.4, label="to T-squared / its limit")
    ax_c.bar(pos + 0.2, c_spe[order] / model.spe_limit, 0.4, label="to SPE / its limit")
    ax_c.set_xticks(pos, [model.tags[j] for j in order], rotation=30, ha="right", fontsize=8)
    ax_c.set_ylabel("contribution")
    ax_c.set_title(what, fontsize=10)
    ax_c.legend(fontsize=8)
    fig.suptitle(title or "control charts", fontsize=11)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
