"""The optimised dispatch against the best rule on common random numbers: the paired difference, its 95 % interval
and p-value equal SciPy's paired t-test (``scipy.stats.ttest_rel`` and its ``confidence_interval``), an independent
computation of the same textbook interval (mean of the differences +/- t(0.975, n-1) sd / sqrt(n))."""
import json
import re
from pathlib import Path

import numpy as np
import pytest
import yaml
from scipy import stats

from scenarios.intralogistics.figures import comparison_figures
from scenarios.intralogistics.versus import versus_best_rule
from scenarios.results import Result, summarise

SAMPLE = Path(__file__).parents[2] / "scenarios" / "intralogistics" / "multipurpose_osd.yaml"


def result(name: str, rule: str, lead: list[float], seed: int = 7, vehicles: int = 4, failed: bool = False) -> Result:
    settings = {"study": "intralogistics", "variant": name, "seed": seed, "replications": len(lead), "plant": "p.ifc",
                "horizon": 86400.0, "fleet": {"vehicles": vehicles}, "dispatch": {"rule": rule, "window": 10},
                "provenance": {"file": "s.yaml", "scenario": "s", "complete": True}}
    failures = [{"replication": 0}] if failed else []
    return Result(settings, {"lead_time": {**summarise(lead), "values": lead, "unit": "s"}}, failures)


def scipy_rows(optimised: list[float], rule: list[float]) -> tuple[float, float, float, float]:
    t = stats.ttest_rel(optimised, rule)
    ci = t.confidence_interval(0.95)
    return float(np.mean(np.subtract(optimised, rule))), ci.low, ci.high, t.pvalue


def test_the_difference_to_the_best_rule_equals_scipys_paired_t_interval():
    """Four replications: nearest is the best rule by its mean (10.5 against fifo's 12.75 and due's 11.0); each
    optimised variant is compared with it alone, and results on other random numbers or another fleet never are."""
    fifo, nearest, due = [12.0, 14.0, 11.0, 14.0], [10.0, 12.0, 9.0, 11.0], [10.0, 13.0, 9.5, 11.5]
    hungarian, cp = [9.0, 11.1, 8.2, 10.2], [9.5, 11.0, 8.0, 11.2]
    results = [result("base", "fifo", fifo), result("nearest", "nearest", nearest), result("due", "due", due),
               result("optimised", "optimised", hungarian), result("cpsat", "cpsat", cp),
               result("lucky", "fifo", [1.0, 1.0, 1.0, 1.0], seed=8),           # other random numbers
               result("big", "nearest", [1.0, 1.0, 1.0, 1.0], vehicles=6),      # another fleet
               result("broken", "due", [1.0, 1.0, 1.0, 1.0], failed=True)]     # a failed replication
    rows = {v.variant: v for v in versus_best_rule(results)}
    assert set(rows) == {"optimised", "cpsat"}
    for name, values in (("optimised", hungarian), ("cpsat", cp)):
        v = rows[name]
        mean, low, high, p = scipy_rows(values, nearest)
        assert v.rule == "nearest" and v.n == 4 and v.unit == "s"
        assert v.difference == pytest.approx(mean, abs=1e-12)
        assert (v.low, v.high, v.p_value) == pytest.approx((low, high, p), rel=1e-10)
    assert rows["optimised"].high < 0 < rows["cpsat"].high   # by hand: -0.875 +/- 0.152, -0.575 +/- 0.904
    assert "optimised - nearest, lead_time: -0.875 s" in str(rows["optimised"])


def test_no_row_without_a_rule_on_the_same_random_numbers():
    assert versus_best_rule([result("optimised", "optimised", [1.0, 2.0]),
                             result("base", "fifo", [1.0, 2.0], seed=9)]) == []


def test_the_sample_sweep_reports_the_optimised_dispatch_against_the_best_rule(tmp_path, monkeypatch, capsys):
    """The sample plant for 8 h, three replications of FIFO, nearest, Hungarian and CP-SAT: the comparison's
    ``best_rule.json`` and ``best_rule.png`` (and the manual's example, docs/studies/intralogistics.md, run on these
    results) give each optimised variant against the rule of lowest mean lead time,
    the numbers SciPy's paired t-test gives on the replications' lead times (the Hungarian assignment measured equal
    to nearest in all three: rarely more than one order waits for an idle vehicle in 8 h)."""
    import scenarios

    d = yaml.safe_load(SAMPLE.read_text())
    d["plant"] = str((SAMPLE.parent / d["plant"]).resolve())
    d.update(horizon="8 h", warmup="1 h", replications=3)
    d["variants"] = {"nearest": {"dispatch.rule": "nearest"}, "optimised": {"dispatch.rule": "optimised"},
                     "cpsat": {"dispatch.rule": "cpsat"}}
    file = tmp_path / "s.yaml"
    file.write_text(yaml.safe_dump(d))
    results = scenarios.run(file, workers=1)
    files = comparison_figures(list(results.values()), tmp_path / "figures")
    assert tmp_path / "figures" / "best_rule.png" in files
    table = json.loads((tmp_path / "figures" / "best_rule.json").read_text())
    written = table["lead_time"]
    lead = {n: results[n].kpis["lead_time"]["values"] for n in results}
    best = min(("base", "nearest"), key=lambda n: np.mean(lead[n]))
    assert sorted(w["variant"] for w in written) == ["cpsat", "optimised"]
    assert {w["rule"] for w in table["waiting"]} == {best}   # the wait against the rule best in lead time
    for w in written:
        mean, low, high, p = scipy_rows(lead[w["variant"]], lead[best])
        assert w["rule"] == best and w["n"] == 3
        assert (w["difference"], w["low"], w["high"]) == pytest.approx((mean, low, high), rel=1e-9, abs=1e-9)
        if np.ptp(np.subtract(lead[w["variant"]], lead[best])) == 0:   # SciPy: nan; compare.paired: 1 when all 0
            p = 1.0 if mean == 0 else 0.0
        assert w["p_value"] == pytest.approx(p, rel=1e-9)
    page = (SAMPLE.parents[2] / "docs" / "studies" / "intralogistics.md").read_text(encoding="utf-8")
    (code,) = re.findall(r"```python\n(import scenarios\nfrom scenarios.intralogistics.versus .*?)```", page, re.S)
    monkeypatch.setattr(scenarios, "run", lambda *args, **kw: results)   # the docs' example on these results
    exec(code, {})
    assert capsys.readouterr().out.splitlines() == [str(v) for v in versus_best_rule(results)]
