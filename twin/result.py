"""The result of a twin run, in memory: KPIs, traces as columns, the event log, quick plots.

``pandas.DataFrame(result.table("LIW-*.m_hopper"))`` or ``polars.DataFrame(result.table())`` take the traces
directly: ``table`` is a dict of equal-length NumPy columns, ``t`` first. Writing reports to disk belongs to the
scenario framework.
"""
from __future__ import annotations

import numpy as np

from twin.tags import TagBus


class Result:
    """What a run produced: the bus with its history, the event log and the KPIs."""

    def __init__(self, twin, t_end: float, wall_time: float) -> None:
        self.tags: TagBus = twin.tags
        self.t_end = t_end
        self.wall_time = wall_time
        self.event_log = list(twin.events)
        self.kpis = {
            "simulated_time_s": self.t_end,
            "wall_time_s": wall_time,
            "real_time_factor": self.t_end / wall_time if wall_time > 0 else float("inf"),
            "state_events": sum(1 for e in self.event_log if e[2] == "state"),
            "discrete_changes": sum(1 for e in self.event_log if e[2] == "set"),
        }

    def __repr__(self) -> str:
        return f"<Result t_end={self.t_end:g} s, {len(self.tags)} tags, {len(self.event_log)} events>"

    def trace(self, tag: str) -> tuple[np.ndarray, np.ndarray]:
        """Recorded ``(times, values)`` of one tag."""
        t, v, _ = self.tags.history(tag)
        return t, v

    def events(self, kind: str | None = None) -> dict[str, np.ndarray]:
        """The event log as columns ``t, name, kind`` (``kind``: ``"state"`` or ``"set"``; default both)."""
        rows = [e for e in self.event_log if kind is None or e[2] == kind]
        return {"t": np.array([r[0] for r in rows], float), "name": np.array([r[1] for r in rows], dtype=object),
                "kind": np.array([r[2] for r in rows], dtype=object)}

    def table(self, pattern: str = "*") -> dict[str, np.ndarray]:
        """Float tags matching ``pattern`` on their common time axis (sample-and-hold between writes)."""
        names = [n for n in self.tags.names(pattern) if self.tags[n].dtype is float and self.tags[n].history()[0].size]
        if not names:
            return {"t": np.empty(0)}
        t = np.unique(np.concatenate([self.tags.history(n)[0] for n in names]))
        columns = {"t": t}
        for n in names:
            tn, vn, _ = self.tags.history(n)
            # the last write at or before each time; NaN before the first one
            idx = np.searchsorted(tn, t, side="right") - 1
            col = np.where(idx >= 0, vn[np.maximum(idx, 0)], np.nan)
            columns[n] = col
        return columns

    def plot(self, *patterns: str, ax=None, events: bool = True):
        """Plot the traces of tags matching ``patterns`` (one axis per unit of measure); returns the figure."""
        import matplotlib

        if ax is None:
            matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt

        names = [n for p in (patterns or ("*",)) for n in self.tags.names(p) if self.tags[n].dtype is float]
        by_unit: dict[str, list[str]] = {}
        for n in names:
            by_unit.setdefault(self.tags[n].unit, []).append(n)
        if ax is None:
            fig, axes = plt.subplots(len(by_unit) or 1, 1, sharex=True, figsize=(8, 2.6 * max(len(by_unit), 1)),
                                     squeeze=False)
            axes = axes[:, 0]
        else:
            fig, axes = ax.figure, [ax] * len(by_unit)
        for a, (unit, group) in zip(axes, by_unit.items(), strict=False):
            for n in group:
                t, v = self.trace(n)
                a.plot(t / 3600, v, label=n)
            a.set_ylabel(unit or "-")
            a.legend(loc="best", fontsize="small")
            if events:
                for t, _name, kind in self.event_log:
                    if kind == "state":
                        a.axvline(t / 3600, color="crimson", lw=0.8, ls="--")
        axes[-1].set_xlabel("time [h]")
        fig.tight_layout()
        return fig
