"""The transport network: routes equal scipy.sparse.csgraph's shortest paths on the same weights (a second solver,
Johnson/Dijkstra in C); the sample's layout puts its doors on the shared walls of the IFC's rooms and joins the
upper store through the lift; the optimised dispatch never drives more empty than a rule on the same orders."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from logistics_graphs import grid
from scipy.sparse.csgraph import csgraph_from_dense, shortest_path

import scenarios
from scenarios.intralogistics import dispatch
from scenarios.intralogistics.network import as_matrix, network_of

SAMPLE = "scenarios/intralogistics/multipurpose_osd.yaml"


def same_as_csgraph(net):
    nodes, matrix = as_matrix(net)
    reference = shortest_path(csgraph_from_dense(matrix, null_value=np.inf), method="D")  # zero-length edges kept
    stations = [i for i, n in enumerate(nodes) if net.graph.nodes[n]["kind"] == "station"]
    for i in stations:
        for j in stations:
            if i != j:
                assert net.time(nodes[i], nodes[j]) == pytest.approx(reference[i, j], rel=1e-12)


@pytest.fixture(scope="module")
def sample():
    return network_of(scenarios.load(SAMPLE).variants["base"])


def test_sample_routes_equal_csgraph(sample):
    same_as_csgraph(sample)


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 4), st.integers(2, 4), st.floats(0.2, 3.0), st.sets(st.integers(0, 30), max_size=8))
def test_random_grids_route_like_csgraph(rows, cols, speed, dropped):
    full = grid(rows, cols)
    doors = [tuple(map(int, n[1:].split("|"))) for n in full.graph if n.startswith("D")]
    kept = {d for k, d in enumerate(doors) if k not in dropped}
    net = grid(rows, cols, doors=kept, speed=speed, airlock=45.0)
    nodes, matrix = as_matrix(net)
    reference = shortest_path(csgraph_from_dense(matrix, null_value=np.inf), method="D")
    for i, a in enumerate(nodes):
        for j, b in enumerate(nodes):
            if i != j and net.graph.nodes[a]["kind"] == "station" == net.graph.nodes[b]["kind"] \
                    and np.isfinite(reference[i, j]):
                assert net.time(a, b) == pytest.approx(reference[i, j], rel=1e-12)


def test_sample_layout_from_the_ifc(sample):
    """plant_models/multipurpose_osd_logistics/generate.py puts D-02 on the wall W01 [0,20]x[0,40] | P01 [20,72]x
    [18,22] at (20, 20), the upper store 6 m up, the lift in the warehouse's corner."""
    g = sample.graph
    assert g.nodes["D-02"]["xyz"] == (20.0, 20.0, 0.0) and set(g.predecessors("D-02")) == {"W01", "P01"}
    assert g.nodes["D-02"]["dwell"] == 90.0 and g.nodes["D-04"]["dwell"] == 0.0    # CNC | D airlock, D | D door
    assert g.nodes["WH-02"]["room"] == "W02" and g.nodes["WH-02"]["xyz"][2] > 6.0 and g.nodes["WH-01"]["room"] == "W01"
    path = sample.route("WH-02", "PK-601")
    assert "LIFT-01" in path and "D-01" in path                     # down the lift, through the plain door
    assert g.nodes["LIFT-01"]["kind"] == "lift" and g.nodes["LIFT-01"]["capacity"] == 1   # a zone, not a station
    assert sample.route("WH-01", "DS-101")[2:5] == ("D-02", "P01", "D-04")   # through the airlock


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 6), st.integers(1, 12), st.integers(0, 10**6))
def test_optimised_dispatch_never_drives_more_empty(vehicles, orders, seed):
    rng = np.random.default_rng(seed)
    cost, due = rng.uniform(0, 300, (vehicles, orders)), rng.uniform(0, 1000, orders)
    best = dispatch.empty_travel(cost, dispatch.assign("optimised", cost, due, window=orders))
    for rule in ("fifo", "nearest", "due"):
        pairs = dispatch.assign(rule, cost, due, window=orders)
        assert len(pairs) == min(vehicles, orders)
        assert best <= dispatch.empty_travel(cost, pairs) + 1e-9
    small = dispatch.assign("optimised", cost, due, window=1)     # the rolling window still fills every vehicle
    assert len(small) == min(vehicles, orders)
    assert dispatch.empty_travel(cost, small) <= dispatch.empty_travel(
        cost, dispatch.assign("nearest", cost, due, window=1)) + 1e-9
