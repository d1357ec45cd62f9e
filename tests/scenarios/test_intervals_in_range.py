"""Confidence intervals that stay where the quantity can be: a tardiness is never negative, an on-time fraction
never above 1 (issue 23: -1.28 min and 1.36 were reported). The interval is the Student-t one cut to the study's
declared range (Study.ranges): the true mean lies inside the range, so the cut interval covers it exactly when the
uncut one does, checked here by simulation."""
import math
from types import SimpleNamespace

import numpy as np
import pytest

from scenarios.figures import limits
from scenarios.registry import Run, get_study
from scenarios.results import _kpis, summarise


def test_a_tardiness_interval_stops_at_zero():
    """Five replications, four on time: the t-interval of the mean (0.15 h) reaches -0.27 h; cut, it starts at 0."""
    values = [0.0, 0.0, 0.0, 0.0, 0.75]
    free, cut = summarise(values), summarise(values, bounds=(0.0, math.inf))
    assert free["low"] < 0 and cut["low"] == 0.0 and cut["high"] == free["high"] and cut["mean"] == free["mean"]
    fraction = summarise([1.0, 1.0, 1.0, 0.8], bounds=(0.0, 1.0))
    assert fraction["high"] == 1.0 and summarise([1.0, 1.0, 1.0, 0.8])["high"] > 1.0


def test_cutting_to_the_range_keeps_the_coverage():
    """4,000 runs of 5 zero-inflated exponential values (a tardiness: mean 0.3): the cut interval covers the true
    mean in exactly the runs the uncut one does, and never leaves [0, inf)."""
    rng = np.random.default_rng(11)
    true = 0.3
    covered_free = covered_cut = 0
    for _ in range(4000):
        x = np.where(rng.random(5) < 0.5, 0.0, rng.exponential(2 * true, 5))
        free, cut = summarise(x), summarise(x, bounds=(0.0, math.inf))
        covered_free += free["low"] <= true <= free["high"]
        covered_cut += cut["low"] <= true <= cut["high"]
        assert cut["low"] >= 0.0
    assert covered_cut == covered_free


def test_the_studies_declare_their_ranges_and_results_use_them():
    scheduling = get_study("scheduling")
    assert scheduling.range_of("tardiness") == (0.0, math.inf) and scheduling.range_of("on_time") == (0.0, 1.0)
    assert get_study("line_capacity").range_of("queue.granulation") == (0.0, math.inf)
    assert get_study("safety").range_of("anything") == (-math.inf, math.inf)
    done = [SimpleNamespace(run=Run({"tardiness": v, "on_time": o}, {"tardiness": "s", "on_time": "1"}))
            for v, o in ((0.0, 1.0), (0.0, 1.0), (0.0, 1.0), (2700.0, 0.8))]
    kpis = _kpis(done, "scheduling")
    assert kpis["tardiness"]["low"] == 0.0 and kpis["on_time"]["high"] == 1.0
    assert _kpis(done, None)["tardiness"]["low"] < 0     # no study, no range
    assert limits(SimpleNamespace(study="line_capacity"), "wip") == (0.0, math.inf)


@pytest.mark.parametrize("n", [0, 1])
def test_too_few_values_give_no_interval(n):
    s = summarise([3.0] * n, bounds=(0.0, math.inf))
    assert math.isnan(s["low"]) and math.isnan(s["high"])
