"""The plan as a Gantt chart: one row per unit (and lab instrument), operations coloured by product, cleans hatched
(major cleans dark), maintenance windows grey."""
from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.patches import Patch

from scenarios.scheduling.plan import HOUR, Plan


def gantt(plan: Plan, title: str = "Production plan") -> Figure:
    """A :class:`matplotlib.figure.Figure` of ``plan`` (time in hours); save it with ``fig.savefig(path)``."""
    problem = plan.problem
    products = list(problem.recipes)
    colours = {p: f"C{i % 10}" for i, p in enumerate(products)}
    sequences = dict(sorted(plan.sequences().items()))
    units = set(problem.units())
    fig = Figure(figsize=(12, 0.45 * len(sequences) + 1.8))
    ax = fig.add_subplot()
    for row, (unit, sequence) in enumerate(sequences.items()):
        for lo, hi in problem.closed.get(unit, ()):
            ax.barh(row, (hi - lo) / HOUR, left=lo / HOUR, height=0.6, color="0.85", edgecolor="0.5", hatch="xx")
        previous = None
        for op in sequence:
            product = problem.batches[op.batch].product
            if previous is not None and op.unit in units:
                before = problem.batches[previous.batch].product
                clean = problem.cleaning[before][product]
                ax.barh(row, clean / HOUR, left=previous.end / HOUR, height=0.6, facecolor="white",
                        edgecolor="0.2" if before != product else "0.6", hatch="////" if before != product else "..")
            ax.barh(row, (op.end - op.start) / HOUR, left=op.start / HOUR, height=0.6, color=colours[product],
                    edgecolor="black", linewidth=0.4)
            previous = op
    ax.set_yticks(range(len(sequences)), list(sequences))
    ax.invert_yaxis()
    ax.set_xlabel("time (h)")
    ax.set_title(f"{title}: makespan {plan.makespan / HOUR:g} h, gap {plan.gap:.1%}")
    handles = [Patch(color=colours[p], label=p) for p in products]
    handles += [Patch(facecolor="white", edgecolor="0.2", hatch="////", label="major clean"),
                Patch(facecolor="white", edgecolor="0.6", hatch="..", label="minor clean"),
                Patch(facecolor="0.85", edgecolor="0.5", hatch="xx", label="maintenance")]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small")
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return fig
