"""Material tracking: where a container was at any time, read back from the event log, agrees with the orders the
model kept (origin before loading, the vehicle in between, the target after delivery), and a schedule's IBC goes
through its stations in route order with its process times between arrival and the next request."""
import numpy as np
import pytest
from logistics_graphs import grid, params

from scenarios.intralogistics.model import Logistics
from scenarios.intralogistics.tracking import history, where

NET = grid(2, 3)


def schedule_run():
    p = params(2, [{"from": ["S3"], "to": ["S4"], "every": 900.0, "load": 0.0, "container": "TOTE", "due": 600.0}],
               horizon=2 * 86400.0)
    p["batches"] = {"route": ["S0", "S1", "S2", "S5"], "every": 4 * 3600.0, "start": 3600.0, "lead": 1800.0,
                    "allowance": 600.0, "process": {"S1": 3600.0, "S2": 7200.0}, "load": 300.0, "container": "IBC",
                    "release": 4 * 3600.0}
    m = Logistics(p, np.random.SeedSequence(3), network=NET)
    return m, m.run()


def test_where_agrees_with_the_orders():
    m, run = schedule_run()
    done = [o for o in m.orders if o.delivered == o.delivered]
    assert len(done) > 100
    for o in done[::7]:
        loaded = next(s.t for s in history(run.events, o.container) if s.status == "loaded" and s.t >= o.created)
        assert where(run.events, o.container, o.created - 1e-6) is None or o.container.startswith("IBC")
        assert where(run.events, o.container, (loaded + o.delivered) / 2).place.startswith("AGV-")
        after = where(run.events, o.container, o.delivered)
        assert after.place == o.target and after.status in ("delivered", "processing", "quarantine")


def test_an_ibc_follows_its_route_with_its_process_times():
    _, run = schedule_run()
    steps = history(run.events, "IBC-0002")
    places = [s.place for s in steps if s.status in ("delivered", "processing")]
    assert places == ["S1", "S1", "S2", "S2", "S5"]
    started = {s.place: s.t for s in steps if s.status == "processing"}
    requested = [s.t for s in steps if s.status == "requested"]
    assert requested[1] - started["S1"] == 3600.0 and requested[2] - started["S2"] == 7200.0
    assert steps[0].holds == "batch 1 kit" and steps[-1].holds == "batch 1 after S2"
    delivered = [s.t for s in steps if s.place == "S5" and s.status == "delivered"][0]
    assert where(run.events, "IBC-0002", delivered + 3600).status == "quarantine"       # QC has not released it
    assert where(run.events, "IBC-0002", delivered + 4 * 3600).status == "released"


def test_the_reports_paired_interval_is_scipys_paired_t_interval():
    """figures.paired against scipy.stats.ttest_rel(...).confidence_interval (the paired t-test's 95 % interval)."""
    from scipy import stats

    from scenarios.intralogistics.figures import paired

    rng = np.random.default_rng(4)
    base = rng.normal(500, 40, 8)
    variant = base - 12 + rng.normal(0, 5, 8)
    mean, half = paired(list(base), list(variant))
    ci = stats.ttest_rel(variant, base).confidence_interval(0.95)
    assert mean - half == pytest.approx(ci.low, rel=1e-12) and mean + half == pytest.approx(ci.high, rel=1e-12)
