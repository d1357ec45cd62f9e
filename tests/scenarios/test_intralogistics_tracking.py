"""Material tracking: where a container was at any time, read back from the event log, agrees with the orders the
model kept (origin before loading, the vehicle in between, the target after delivery), and a schedule's IBC goes
through its stations in route order with its process times between arrival and the next request; a vehicle's
position between its waypoints, and a container's on it, against positions worked out by hand."""
import networkx as nx
import numpy as np
import pytest
from logistics_graphs import grid, params

from scenarios.intralogistics.model import Logistics, leg_time
from scenarios.intralogistics.network import Network
from scenarios.intralogistics.tracking import history, locate, position, waypoints, where

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


def line(airlock: float, zone: str = "door", upstairs: float = 0.0) -> Network:
    """S0 -- R0 -- D -- R1 -- S1 on the x axis (2 + 5 + 5 + 2 m), D a door with an interlock of ``airlock`` s (or a
    lift riding that long, with R1 and S1 ``upstairs`` m up)."""
    graph = nx.DiGraph()
    for name, x, kind, dwell, capacity in (("S0", -2, "station", 0, 0), ("R0", 0, "room", 0, 0),
                                           ("D", 5, zone, airlock, 1), ("R1", 10, "room", 0, 0),
                                           ("S1", 12, "station", 0, 0)):
        z = upstairs if name in ("R1", "S1") else 0.0
        graph.add_node(name, kind=kind, xyz=(float(x), 0.0, z), dwell=float(dwell), capacity=capacity, room=None)
    for (u, v) in (("S0", "R0"), ("R0", "D"), ("D", "R1"), ("R1", "S1")):
        length = abs(graph.nodes[u]["xyz"][0] - graph.nodes[v]["xyz"][0])
        graph.add_edge(u, v, length=length)
        graph.add_edge(v, u, length=length)
    return Network(graph, {}, 1.0)


def one_trip(airlock: float, zone: str = "door", upstairs: float = 0.0):
    """One AGV at S0 given one order S0 -> S1 at t = 100 s: it loads for 30 s and leaves at 130 s."""
    net = line(airlock, zone, upstairs)
    m = Logistics(params(1, [], horizon=3600.0, handling=30.0), np.random.SeedSequence(1), network=net)

    def ask():
        yield m.env.timeout(100.0)
        m.order("S0", "S1", 0.0, 1e9, "IBC-0042", "batch 7")

    m.env.process(ask())
    return net, m.run()


def test_a_vehicle_moves_along_its_route_at_the_legs_mean_speed():
    """By hand: 14 m from rest to rest at 1 m/s and 0.5 m/s2 takes 14/1 + 1/0.5 = 16 s (trapezoid), spread over the
    metres evenly, so the AGV leaving S0 (x = -2) at 130 s is at x = -2 + 14 (t - 130) / 16; it stands at S0 before
    and at S1 (x = 12) after; an IBC on it is where it is."""
    net, run = one_trip(0.0)
    nodes = net.graph.nodes
    assert leg_time(14.0, 1.0, 0.5) == 16.0
    for t, x in ((0.0, -2.0), (130.0, -2.0), (134.0, 1.5), (138.0, 5.0), (145.0, 11.125), (146.0, 12.0),
                 (3000.0, 12.0)):
        assert position(run.events, nodes, "AGV-01", t) == pytest.approx((x, 0.0, 0.0), abs=1e-9), t
    assert locate(run.events, nodes, "IBC-0042", 120.0) == (-2.0, 0.0, 0.0)      # requested at S0, not loaded yet
    assert locate(run.events, nodes, "IBC-0042", 140.0) == pytest.approx((6.75, 0.0, 0.0))
    assert locate(run.events, nodes, "IBC-0042", 99.0) is None and position(run.events, nodes, "AGV-02", 9) is None


def test_a_vehicle_stands_in_an_airlock_for_its_cycle():
    """With a 20 s interlock at D the AGV reaches D at 138 s (8 s for 7 m), stands there until 158 s, then covers
    the last 7 m in 8 s: at x = 7.5 at 158 + 2.5 x 8/7 s, at S1 at 166 s."""
    net, run = one_trip(20.0)
    nodes = net.graph.nodes
    for t, x in ((138.0, 5.0), (148.0, 5.0), (158.0, 5.0), (158.0 + 2.5 * 8 / 7, 7.5), (166.0, 12.0)):
        assert position(run.events, nodes, "AGV-01", t) == pytest.approx((x, 0.0, 0.0), abs=1e-9), t
    times, places = waypoints(run.events, "AGV-01")
    assert places == ["S0", "R0", "D", "D", "R1", "S1"]
    assert times == pytest.approx([130.0, 130 + 16 / 7, 138.0, 158.0, 158 + 40 / 7, 166.0])


def test_the_snapshots_moments_are_the_peaks_counted_by_hand():
    """fleet.png: the most containers on vehicles (2 from t = 30; a delivery and a loading at 40 leave 2; after a
    warm-up to 45 the 2 standing then); fleet_queue.png: the most movers waiting for a zone (3 at t = 25; after 28,
    3 again at 30)."""
    from scenarios.intralogistics.figures import busiest, longest_queue

    events = {"t": [10, 20, 25, 30, 40, 40, 50, 60, 70, 80],
              "event": ["loaded", "wait", "wait", "loaded", "delivered", "loaded", "wait", "enter", "enter", "stored"]}
    assert busiest(events) == 30 and busiest(events, after=45) == 45
    queue = {"t": [5, 10, 25, 26, 30, 31, 40], "event": ["wait", "wait", "wait", "enter", "wait", "enter", "enter"]}
    assert longest_queue(queue) == 25 and longest_queue(queue, after=28) == 30


def test_a_vehicle_rides_the_lift_between_its_floors():
    """D a lift riding 20 s up to R1 and S1 6 m higher: the AGV gets in at the ground floor at 138 s, is half-way up
    at 148 s, gets out at the upper floor at 158 s (the drawing of a lift's shaft by its one node)."""
    net, run = one_trip(20.0, zone="lift", upstairs=6.0)
    nodes = net.graph.nodes
    for t, xyz in ((138.0, (5.0, 0.0, 0.0)), (148.0, (5.0, 0.0, 3.0)), (158.0, (5.0, 0.0, 6.0)),
                   (166.0, (12.0, 0.0, 6.0))):
        assert position(run.events, nodes, "AGV-01", t) == pytest.approx(xyz, abs=1e-9), t
