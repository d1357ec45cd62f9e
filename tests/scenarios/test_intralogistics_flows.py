"""GMP flow separation: over random grids whose rooms and doors are tagged clean-only or dirty-only, and random
orders of clean and dirty containers, no vehicle ever carries a container through a corridor of the other flow
(counted from the vehicles' waypoints in the event log, each naming the container carried, independently of the
routing that avoids them), under static and congestion-aware routes; without the rule the same count finds a
crossing, so the property can fail."""
import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from logistics_graphs import grid, params

from scenarios.intralogistics.model import Logistics


def crossings(events, net, flows: dict[str, str]) -> list[tuple[str, str]]:
    """(container, node) for every waypoint where a loaded vehicle stood in a node tagged for the other flow."""
    bad = []
    for event, place, carried in zip(events["event"], events["place"], events["holds"]):
        if event == "at" and carried in flows:
            tag = net.graph.nodes[place].get("flow")
            if tag is not None and tag != flows[carried]:
                bad.append((carried, place))
    return bad


def reachable(net, a, b, flow) -> bool:
    """Whether b can be reached from a through nodes not tagged for the other flow (a plain subgraph search)."""
    keep = [n for n, tag in net.graph.nodes(data="flow") if tag in (None, flow)]
    return nx.has_path(net.graph.subgraph(keep), a, b)


def run(net, vehicles, requests, routing=(False, "start"), rule=True):
    """Requests (t, from, to, flow) on ``net``: the containers' flows and the run's events; ``rule=False`` orders
    every container without its flow (the routing then ignores the tags)."""
    m = Logistics(params(vehicles, [], horizon=1e7, congestion=routing[0], replan=routing[1]),
                  np.random.SeedSequence(0), network=net)
    flows = {}

    def release():
        for t, a, b, flow in requests:
            yield m.env.timeout(max(0.0, t - m.env.now))
            o = m.order(a, b, 0.0, t + 3600.0, m.container(flow.upper()), flow=flow if rule else None)
            flows[o.container] = flow
    m.env.process(release())
    events = m.run().events
    assert all(o.delivered == o.delivered for o in m.orders)
    return flows, events


@st.composite
def tagged(draw):
    rows, cols = draw(st.integers(2, 3)), draw(st.integers(2, 4))
    net = grid(rows, cols, airlock=draw(st.sampled_from([0.0, 30.0])))
    nx.set_node_attributes(net.graph, None, "flow")
    corridors = sorted(n for n, kind in net.graph.nodes(data="kind") if kind in ("room", "door"))
    for node in draw(st.lists(st.sampled_from(corridors), max_size=5, unique=True)):
        net.graph.nodes[node]["flow"] = draw(st.sampled_from(["clean", "dirty"]))
    n = rows * cols
    wanted = draw(st.lists(st.tuples(st.floats(0, 1500), st.integers(0, n - 1), st.integers(0, n - 1),
                                     st.sampled_from(["clean", "dirty"])), min_size=1, max_size=30))
    requests = sorted((t, f"S{a}", f"S{b}", f) for t, a, b, f in wanted if reachable(net, f"S{a}", f"S{b}", f))
    routing = draw(st.sampled_from([(False, "start"), (True, "start"), (True, "room")]))
    return net, draw(st.integers(1, 6)), requests, routing


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tagged())
def test_no_container_crosses_the_other_flows_corridors(case):
    net, vehicles, requests, routing = case
    flows, events = run(net, vehicles, requests, routing)
    assert crossings(events, net, flows) == []


def test_the_count_sees_a_crossing_without_the_rule():
    """A 2 x 3 grid: the dirty container's shortest way S0 -> S2 runs through clean-only R1;
    with its flow it goes round the lower row, without it straight through."""
    net = grid(2, 3)
    nx.set_node_attributes(net.graph, None, "flow")
    net.graph.nodes["R1"]["flow"] = "clean"
    requests = [(0.0, "S0", "S2", "dirty")]
    flows, events = run(net, 1, requests, rule=False)
    assert crossings(events, net, flows) == [("DIRTY-0001", "R1")]
    flows, events = run(net, 1, requests)
    assert crossings(events, net, flows) == [] and "R4" in set(events["place"])


def test_a_vehicle_is_cleaned_after_a_dirty_load_before_its_next_job():
    """By hand on a row of three rooms (doors 10 m apart, stations 2 m off; 1 m/s, 0.5 m/s2, 30 s handling) with
    ``fleet.cleaning: {station: S2, time: 100 s}``: a dirty load S0 -> S1 (14 m) is delivered at 30 + leg(14) + 30;
    the vehicle then drives empty to S2 (14 m) and is cleaned 100 s; a clean order from S0 made at the delivery waits
    for it: S2 -> S0 is 24 m, so it is loaded at cleaned + leg(24) + 30. Without cleaning, loaded at delivered +
    leg(14) + 30 (the drive back). A clean load needs no cleaning."""
    from scenarios.intralogistics.model import leg_time

    def run(cleaning, flow="dirty"):
        p = params(1, [], horizon=3600.0)
        p["fleet"]["cleaning"] = cleaning
        m = Logistics(p, np.random.SeedSequence(0), network=grid(1, 3))
        first = m.order("S0", "S1", 0.0, 1e9, "WASTE-1", flow=flow)

        def then():
            yield first.done
            m.order("S0", "S2", 0.0, 1e9, "KIT-1", flow="clean")
        m.env.process(then())
        ev = m.run().events
        at = lambda source, event: [t for t, s, e in zip(ev["t"], ev["source"], ev["event"])   # noqa: E731
                                    if s == source and e == event]
        return at, first.delivered

    at, delivered = run({"station": "S2", "time": 100.0})
    assert delivered == pytest.approx(30 + leg_time(14, 1, 0.5) + 30)
    (cleaned,) = at("AGV-01", "cleaned")
    assert cleaned == pytest.approx(delivered + leg_time(14, 1, 0.5) + 100)
    assert at("KIT-1", "loaded") == [pytest.approx(cleaned + leg_time(24, 1, 0.5) + 30)]
    at, delivered = run(None)
    assert at("AGV-01", "cleaned") == [] and at("KIT-1", "loaded") == [pytest.approx(delivered + leg_time(14, 1, 0.5)
                                                                                      + 30)]
    at, _ = run({"station": "S2", "time": 100.0}, flow="clean")
    assert at("AGV-01", "cleaned") == []
