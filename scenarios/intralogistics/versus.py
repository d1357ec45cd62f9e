"""The optimised dispatch against the best rule, on the same random numbers, with a paired interval.

::

    import scenarios
    from scenarios.intralogistics.versus import versus_best_rule

    results = scenarios.run("scenarios/intralogistics/multipurpose_osd.yaml",
                            ["base", "nearest", "due", "optimised", "cpsat"])
    for v in versus_best_rule(results):
        print(v)     # cpsat - nearest, lead_time: -0.4 s, 95 % paired interval [-20.1, 19.3] s, p 0.96, n 5

For each result dispatched by ``optimised`` (Hungarian) or ``cpsat``, the best rule is the result dispatched by a
rule (``fifo``, ``nearest``, ``due``) with the lowest mean lead time (or the KPI ``by`` names), among those that
differ from it only in ``dispatch`` and drew the same random numbers
(:func:`scenarios.compare.common_random_numbers`: same file, seed and replications, none failed). Replication r of
both then met the same orders, so the difference is taken replication by replication: its mean, its 95 % Student-t
interval (:func:`scenarios.results.summarise` of the differences) and the paired t-test's p-value
(:func:`scenarios.compare.paired`). The best rule is picked on the same replications, which favours the rule a little:
an optimised dispatch that beats it beats it at least by that much.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from scenarios.compare import common_random_numbers, paired
from scenarios.results import Result, summarise

RULES = ("fifo", "nearest", "due")
OPTIMISED = ("optimised", "cpsat")
SETTINGS = ("plant", "horizon", "warmup", "seed", "replications")   # beside the study's own fields


@dataclass(frozen=True)
class Versus:
    """``variant - rule`` in ``kpi`` (SI ``unit``), paired by replication: ``difference`` the mean, ``low`` and
    ``high`` its 95 % interval, ``p_value`` the paired t-test's, over ``n`` replications."""

    variant: str
    rule: str
    kpi: str
    difference: float
    low: float
    high: float
    p_value: float
    n: int
    unit: str

    def __str__(self) -> str:
        return (f"{self.variant} - {self.rule}, {self.kpi}: {self.difference:+.4g} {self.unit}, 95 % paired interval "
                f"[{self.low:.4g}, {self.high:.4g}] {self.unit}, p {self.p_value:.2g}, n {self.n}")


def versus_best_rule(results: Mapping[str, Result] | Iterable[Result], kpi: str = "lead_time",
                     by: str = "lead_time") -> list[Versus]:
    """Each optimised result of ``results`` (a :class:`scenarios.api.Results` or Results) against its best rule, the
    one of lowest mean ``by``, in ``kpi``; none for an optimised result with no rule result to pair with."""
    results = list(results.values()) if isinstance(results, Mapping) else list(results)
    rules = [r for r in results if _rule(r) in RULES and {kpi, by} <= set(r.kpis)]
    out = []
    for o in (r for r in results if _rule(r) in OPTIMISED and kpi in r.kpis):
        pairs = [r for r in rules if _same_but_dispatch(o, r) and common_random_numbers(o, r)]
        if not pairs:
            continue
        best = min(pairs, key=lambda r: r.kpis[by]["mean"])
        d = np.asarray(o.kpis[kpi]["values"], float) - np.asarray(best.kpis[kpi]["values"], float)
        s = summarise(d)
        out.append(Versus(o.name, best.name, kpi, s["mean"], s["low"], s["high"],
                          paired(best.kpis[kpi]["values"], o.kpis[kpi]["values"]), s["n"], o.kpis[kpi]["unit"]))
    return out


def _rule(result: Result) -> str | None:
    return (result.settings.get("dispatch") or {}).get("rule")


def _same_but_dispatch(a: Result, b: Result) -> bool:
    """Whether ``a`` and ``b`` ran the same plant, network, fleet and orders: every setting but the dispatch."""
    from scenarios.intralogistics import STUDY

    keys = (*SETTINGS, *(k for k in STUDY.fields if k != "dispatch"))
    return a.study == b.study == STUDY.name and all(a.settings.get(k) == b.settings.get(k) for k in keys)
