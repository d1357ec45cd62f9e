"""Variants of one scenario share their random numbers (replication r of each draws from child r of the seed), so
the comparison pairs their replications: the paired t-test against the textbook formula, the pairing recognised only
where it holds, and a difference the pairing shows where Welch's test on the two means cannot."""
import numpy as np
import pytest
from scipy import stats

from scenarios import compare
from scenarios.results import Result


def result(variant, values, *, seed=1, file="s.yaml", replications=None, failures=()):
    n = len(values)
    settings = {"study": "line_capacity", "variant": variant, "seed": seed, "replications": replications or n,
                "provenance": {"scenario": "s", "file": file, "complete": True}}
    kpi = {"mean": float(np.mean(values)), "low": 0.0, "high": 0.0, "sd": float(np.std(values, ddof=1)), "n": n,
           "unit": "1/s", "values": list(values)}
    return Result(settings, {"throughput": kpi}, failures=list(failures))


def test_paired_p_value_matches_the_textbook_formula():
    """t = mean(d) / (sd(d) / sqrt(n)) with n - 1 degrees of freedom, two-sided."""
    a, b = [4.1, 5.0, 6.2, 5.5, 4.8], [4.5, 5.1, 6.9, 5.6, 5.4]
    d = np.subtract(b, a)
    t = d.mean() / (d.std(ddof=1) / np.sqrt(d.size))
    assert compare.paired(a, b) == pytest.approx(2 * stats.t.sf(abs(t), d.size - 1), rel=1e-10)
    assert compare.paired([1.0, 2.0], [1.0, 2.0]) == 1.0 and compare.paired([1.0, 2.0], [2.0, 3.0]) == 0.0


def test_common_random_numbers_pair_what_welch_cannot_separate():
    """20 replications whose luck (sd 10) is shared, the variant better by 1 +/- 0.5: Welch's test on the means sees
    nothing (p > 0.5), the paired test sees the difference (p < 1e-6)."""
    rng = np.random.default_rng(7)
    luck = rng.normal(100.0, 10.0, 20)
    base, better = result("base", luck), result("replanning", luck + 1.0 + rng.normal(0.0, 0.5, 20))
    row = compare.compare([base, better])[0]
    assert row["test"] == "paired" and row["significant"] and row["p_value"] < 1e-6
    assert compare.welch(base.kpis["throughput"]["values"], better.kpis["throughput"]["values"]) > 0.5


@pytest.mark.parametrize("other", [
    dict(seed=2), dict(file="t.yaml"), dict(failures=[{"replication": 3}]), dict(replications=21)])
def test_results_that_do_not_share_their_random_numbers_are_not_paired(other):
    values = np.arange(20.0)
    row = compare.compare([result("base", values), result("other", values + 1.0, **other)])[0]
    assert row["test"] == "welch"
