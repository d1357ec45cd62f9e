"""The barrier graph against independent references: the LOPA register worked by hand, and brute force over random
bow-ties (path enumeration for frequencies, every subset of events for the minimal cut sets and the min-cut)."""
import itertools
import math
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scenarios.safety import bowtie, lopa
from scenarios.safety.bowtie import BarrierGraphError, BowTie

ROOT = Path(__file__).resolve().parents[2]
LOPA = ROOT / "scenarios" / "safety" / "api_bay_lopa.yaml"


def random_bowtie(seed: int) -> BowTie:
    """Threats -> preventive barriers -> top event -> mitigative barriers -> consequences, random links forward,
    some barrier nodes instances of one physical barrier."""
    rng = np.random.default_rng(seed)
    bt = BowTie()
    threats = [f"T{i}" for i in range(rng.integers(1, 4))]
    for t in threats:
        bt.add_threat(t, float(rng.uniform(0.01, 1)))
    pfds = rng.choice([1.0, 0.5, 0.1, 0.01, 0.001], size=4)
    layers = [threats]
    for side in ("P", "M"):
        nodes = [f"{side}{i}" for i in range(rng.integers(0, 4))]
        for n in nodes:
            physical = f"B{rng.integers(0, 4)}"
            bt.add_barrier(n, float(pfds[int(physical[1:])]), barrier=physical)
        layers.append(nodes)
        if side == "P":
            bt.add_event("TOP")
            layers.append(["TOP"])
    consequences = [f"C{i}" for i in range(rng.integers(1, 3))]
    for c in consequences:
        bt.add_consequence(c, 1e-3)
    layers.append(consequences)
    flat = [(depth, n) for depth, layer in enumerate(layers) for n in layer]
    for (d1, a), (d2, b) in itertools.combinations(flat, 2):
        if d2 > d1 and rng.random() < 0.5:
            bt.link(a, b)
    return bt


def reaches(bt: BowTie, consequence: str, threats: set[str], failed: set[str], removed=frozenset()) -> bool:
    """Does any threat in ``threats`` reach ``consequence`` through failed barriers only (nodes ``removed`` cut)?"""
    g = bt.graph
    passable = [n for n, d in g.nodes(data=True) if n not in removed and (d["kind"] != "barrier"
                                                                          or d["barrier"] in failed)]
    sub = g.subgraph(passable)
    return any(t in sub and consequence in sub and nx.has_path(sub, t, consequence) for t in threats)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_random_bowties_against_brute_force(seed):
    bt = random_bowtie(seed)
    g = bt.graph
    threats = [n for n, k in g.nodes(data="kind") if k == "threat"]
    barriers = sorted(bt.pfd)
    for c in bt.consequences:
        # frequency: the sum over every simple path of threat frequency x barrier PFDs
        expected = sum(g.nodes[p[0]]["frequency"] * math.prod(bt.pfd[g.nodes[n]["barrier"]] for n in p
                                                                 if g.nodes[n]["kind"] == "barrier")
                       for t in threats for p in nx.all_simple_paths(g, t, c))
        assert bt.frequencies()[c] == pytest.approx(expected, rel=1e-12, abs=1e-300)
        # minimal cut sets: every subset of one threat and the physical barriers that, failed, opens a path
        opening = [(t, frozenset(s)) for t in threats for r in range(len(barriers) + 1)
                   for s in itertools.combinations(barriers, r) if reaches(bt, c, {t}, set(s))]
        minimal = {(t, s) for t, s in opening if not any(t2 == t and s2 < s for t2, s2 in opening)}
        assert set(bt.cut_sets(c)) == minimal
        # weakest cut: the cheapest set of barrier nodes that, working, blocks every threat
        nodes = [n for n, k in g.nodes(data="kind") if k == "barrier"]
        credit = {n: -math.log10(bt.pfd[g.nodes[n]["barrier"]]) for n in nodes}
        blocking = [sum(credit[n] for n in s) for r in range(len(nodes) + 1) for s in itertools.combinations(nodes, r)
                    if not reaches(bt, c, set(threats), set(barriers), removed=frozenset(s))]
        value, cut = bt.weakest_cut(c)
        assert value == pytest.approx(min(blocking, default=math.inf), abs=1e-9)
        if math.isfinite(value):
            assert not reaches(bt, c, set(threats), set(barriers), removed=cut)


def test_bowtie_of_the_lopa_gives_its_register():
    study = lopa.load(LOPA)
    bt = bowtie.from_lopa(study)
    for entry in lopa.register(study):
        assert bt.frequencies()[entry.scenario] * lopa.YEAR == pytest.approx(entry.frequency, rel=1e-12)
    # TAH-101 and SIF-101 are shared by two scenarios, each appears once as a barrier
    assert sorted(bt.pfd) == ["AT-101", "RD-101", "SIF-101", "TAH-101"]
    assert bt.cut_sets("dosing_overcharge") == [("dosing_overcharge:dosing valve XV-101 fails open (B overcharged)",
                                                 frozenset({"TAH-101", "SIF-101"}))]


def test_restore_suggestions_worked_by_hand():
    """Alarm (0.1) bypassed on both reactor scenarios, disc (0.01) failed on one: restoring the alarm divides two
    frequencies by 10, the disc one by 100. Risk (sum of frequency / tolerable) by hand."""
    bt = BowTie()
    bt.add_threat("cooling", 0.1)
    bt.add_threat("overcharge", 0.2)
    bt.add_barrier("cooling/alarm", 0.1, barrier="alarm")
    bt.add_barrier("overcharge/alarm", 0.1, barrier="alarm")
    bt.add_barrier("disc", 0.01)
    bt.add_consequence("rupture", 1e-3)
    bt.add_consequence("runaway", 1e-2)
    bt.link("cooling", "cooling/alarm", "disc", "rupture")
    bt.link("overcharge", "overcharge/alarm", "runaway")
    bt.set_pfd("alarm", 1.0)
    bt.set_pfd("disc", 1.0)
    now = 0.1 / 1e-3 + 0.2 / 1e-2                       # 100 + 20
    assert bt.risk() == pytest.approx(now)
    gains = dict(bt.suggestions())
    assert gains["alarm"] == pytest.approx(now - (0.01 / 1e-3 + 0.02 / 1e-2))    # 120 - 12 = 108
    assert gains["disc"] == pytest.approx(now - (0.001 / 1e-3 + 0.2 / 1e-2))     # 120 - 21 = 99
    assert [b for b, _ in bt.suggestions()] == ["alarm", "disc"]
    bt.restore("alarm")
    assert bt.frequencies()["runaway"] == pytest.approx(0.02)


def test_bad_graphs_are_refused_with_the_reason():
    bt = BowTie()
    bt.add_threat("T", 1.0)
    bt.add_barrier("B1", 0.1)
    bt.add_barrier("B2", 0.1)
    bt.add_consequence("C", 1e-4)
    bt.link("T", "B1", "B2", "C")
    with pytest.raises(BarrierGraphError, match=r"closes a cycle: B2 -> B1 -> B2"):
        bt.link("B2", "B1")
    assert bt.frequencies()["C"] == pytest.approx(0.01)  # the refused link left the graph as it was
    with pytest.raises(BarrierGraphError, match=r"unknown node 'B12'; did you mean 'B[12]'\?"):
        bt.link("B1", "B12")
    for pfd in (0, 1.5, -1, float("nan"), True):
        with pytest.raises(BarrierGraphError, match=r"outside \(0, 1\]"):
            bt.set_pfd("B1", pfd)
    with pytest.raises(BarrierGraphError, match="unknown barrier 'B11'"):
        bt.set_pfd("B11", 0.5)
    with pytest.raises(BarrierGraphError, match="two PFDs"):
        bt.add_barrier("B1-copy", 0.2, barrier="B1")
