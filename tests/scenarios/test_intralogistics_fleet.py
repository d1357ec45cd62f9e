"""Fleet sizing and engines: the smallest simulated fleet that keeps up with the orders is never below the
travel-time lower bound (offered load in vehicles, scenarios.intralogistics.sizing), the busy time each run measures
is at least the loaded work the route table predicts, and the same model on SimPy (the specification of twin.des's
API) gives the same KPIs and event log."""
import numpy as np
import pytest
import simpy
from logistics_graphs import grid, params

from scenarios.intralogistics.model import Logistics
from scenarios.intralogistics.params import LogisticsParams
from scenarios.intralogistics.sizing import lower_bound, offered_load

NET = grid(2, 4)
STATIONS = [f"S{i}" for i in range(8)]
DAY = 86400.0


def stream(every):
    return {"from": STATIONS, "to": STATIONS, "every": every, "load": 0.0, "container": "T", "due": 1e9}


@pytest.mark.parametrize("every", [40.0, 25.0, pytest.param(15.0, marks=pytest.mark.slow)])
def test_the_smallest_fleet_that_keeps_up_is_never_below_the_bound(every):
    p = params(1, [stream(every)], horizon=DAY, warmup=0.25 * DAY)
    bound = lower_bound(LogisticsParams.of(p), NET)
    kept_up = None
    for n in range(1, bound + 4):
        p["fleet"]["vehicles"] = n
        run = Logistics(p, np.random.SeedSequence(11), network=NET).run()
        window = p["horizon"] - p["warmup"]
        # the measured busy time covers at least the loaded work predicted from the route table (-3 sd of noise)
        offered = offered_load(LogisticsParams.of(p), NET)
        assert run.kpis["utilisation"] * n >= offered * 0.9 or run.kpis["utilisation"] > 0.99
        if run.kpis["backlog"] < 0.01 * window / every:
            kept_up = n
            break
    assert kept_up is not None and kept_up >= bound, (kept_up, bound)


def test_simpy_runs_the_same_model_to_the_same_numbers():
    p = params(3, [stream(60.0)], horizon=DAY, rule="nearest")
    ours = Logistics(p, np.random.SeedSequence(5), network=NET).run()
    theirs = Logistics(p, np.random.SeedSequence(5), network=NET, des=simpy).run()
    assert ours.kpis == pytest.approx(theirs.kpis, nan_ok=True, rel=0, abs=0)
    assert list(ours.events["event"]) == list(theirs.events["event"])
    assert np.array_equal(ours.events["t"], theirs.events["t"])


@pytest.mark.slow
def test_optimised_dispatch_against_the_rules_on_the_same_random_numbers():
    """Paired replications (the same order streams under every rule): the Hungarian assignment drives less empty
    than FIFO on every replication, and is not significantly worse than the best rule (the paired 95% interval of
    the difference reaches zero or below; measured: 0.334 of metres empty against nearest's 0.503, -0.169 +/-
    0.023). It is optimal per decision, not per week: no stronger claim holds in general."""
    from scipy import stats

    def share(rule, r):
        p = params(4, [stream(25.0)], horizon=DAY / 3, rule=rule)
        return Logistics(p, np.random.SeedSequence([2, r]), network=NET).run().kpis["empty_travel"]
    runs = {rule: np.array([share(rule, r) for r in range(6)]) for rule in ("fifo", "nearest", "due", "optimised")}
    assert np.all(runs["optimised"] < runs["fifo"])
    best = min(("fifo", "nearest", "due"), key=lambda rule: runs[rule].mean())
    d = runs["optimised"] - runs[best]
    half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))
    assert d.mean() - half <= 0, f"optimised - {best}: {d.mean():.4f} +/- {half:.4f}"
