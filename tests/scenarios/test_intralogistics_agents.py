"""Forklifts and people beside the AGVs: a property test over random floors, grades and orders finds every order
delivered (no deadlock among the kinds), no zone above its capacity, no forklift ever in a room of a grade it
avoids, no AGV on the stairs and no container on a kind that does not carry it; a person's trip over the stairs
lasts its trapezoidal leg plus the climb plus handling, by hand; bad agent input names its key and the reason."""
from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from logistics_graphs import params

from scenarios.intralogistics.checks import check_agents
from scenarios.intralogistics.model import Logistics, leg_time
from scenarios.intralogistics.network import Network, Room
from twin.config import ConfigError

GRADES = ("C", "D", "CNC")


def floor(grades: list[str], cols: int, upper: int | None = None) -> Network:
    """Rooms R<i> (10 m squares, grade ``grades[i]``) on a grid ``cols`` wide, each with a station S<i> 2 m off its
    centre, doors between all neighbours; room ``upper`` (if given) is lifted to z = 6 m and reached only by the
    stairs ST from R0 (or by the lift L for vehicles)."""
    graph, rooms = nx.DiGraph(), {}
    for i, grade in enumerate(grades):
        x, y, z = (i % cols) * 10.0, (i // cols) * 10.0, 6.0 if i == upper else 0.0
        rooms[f"R{i}"] = Room(f"R{i}", "up" if i == upper else "ground", (x - 5, y - 5), (x + 5, y + 5), z, grade)
        graph.add_node(f"R{i}", kind="room", xyz=(x, y, z), dwell=0.0, capacity=0, room=f"R{i}")
        graph.add_node(f"S{i}", kind="station", xyz=(x + 2, y, z), dwell=0.0, capacity=0, room=f"R{i}")
        graph.add_edge(f"R{i}", f"S{i}", length=2.0)
        graph.add_edge(f"S{i}", f"R{i}", length=2.0)
    n = len(grades)
    pairs = [(i, i + 1) for i in range(n - 1) if (i + 1) % cols] + [(i, i + cols) for i in range(n - cols)]
    for a, b in pairs:
        if upper in (a, b):
            continue
        door = f"D{a}-{b}"
        xa, ya, _ = graph.nodes[f"R{a}"]["xyz"]
        xb, yb, _ = graph.nodes[f"R{b}"]["xyz"]
        graph.add_node(door, kind="door", xyz=((xa + xb) / 2, (ya + yb) / 2, 0.0), dwell=0.0, capacity=1, room=None)
        for u, v in ((f"R{a}", door), (door, f"R{b}")):
            graph.add_edge(u, v, length=5.0)
            graph.add_edge(v, u, length=5.0)
    if upper is not None:
        graph.add_node("L", kind="lift", xyz=(0.0, -3.0, 0.0), dwell=20.0, capacity=1, room=None)
        for r in ("R0", f"R{upper}"):
            graph.add_edge(r, "L", length=3.0)
            graph.add_edge("L", r, length=3.0)
    return Network(graph, rooms, 1.0)


def scenario(net: Network, kinds: dict, orders: list[tuple[float, str, str, str]], vehicles: int = 2,
             stairs: dict | None = None, horizon: float = 12 * 3600.0):
    """A model with ``kinds`` of movers given ``orders`` (t, container kind, from, to) at their times."""
    p = params(vehicles, [], horizon=horizon, handling=20.0)
    p["agents"] = kinds
    p["network"] = {"stairs": stairs or {}}
    m = Logistics(p, np.random.SeedSequence(2), network=net)

    def ask(t, kind, a, b):
        yield m.env.timeout(t)
        m.order(a, b, 10.0, t + 3600.0, m.container(kind))

    for t, kind, a, b in orders:
        m.env.process(ask(t, kind, a, b))
    return p, m, m.run()


def kind(count, home, containers, **extra):
    return {"count": count, "speed": extra.pop("speed", 1.5), "acceleration": 1.0, "payload": 500.0, "home": home,
            "containers": containers, "avoid": [], "stairs": False, "lifts": True, **extra}


def banned(net: Network, avoid) -> set[str]:
    """The rooms of the grades ``avoid`` and their stations (read off the rooms, not through the model)."""
    return {n for n, d in net.graph.nodes(data=True) if d["room"] and net.rooms[d["room"]].grade in set(avoid)}


@st.composite
def worlds(draw):
    cols = draw(st.integers(2, 3))
    rows = draw(st.integers(2, 3))
    grades = draw(st.lists(st.sampled_from(GRADES), min_size=rows * cols, max_size=rows * cols))
    grades[0] = "CNC"                                      # the forklifts' home room
    avoid = draw(st.sets(st.sampled_from(("C", "D")), min_size=1))
    net = floor(grades, cols, upper=rows * cols - 1)
    allowed = net.graph.subgraph(n for n in net.graph if n not in banned(net, avoid)).to_undirected()
    theirs = sorted(n for n in nx.node_connected_component(allowed, "S0") if n.startswith("S"))
    stations = [f"S{i}" for i in range(rows * cols)]
    n = draw(st.integers(3, 25))
    orders = []
    for _ in range(n):
        who = draw(st.sampled_from(("PAL", "SAMPLE", "TOTE")))
        pool = theirs if who == "PAL" else stations
        orders.append((draw(st.floats(0, 3600)), who, draw(st.sampled_from(pool)), draw(st.sampled_from(pool))))
    return net, sorted(avoid), orders, draw(st.integers(1, 3)), draw(st.integers(1, 3))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds())
def test_every_kind_keeps_to_where_it_may_go(world):
    net, avoid, orders, forklifts, people = world
    stairs = {"ST": {"stops": ["R0", f"R{len(net.rooms) - 1}"], "at": [-3.0, 3.0], "climb": 30.0}}
    kinds = {"forklift": kind(forklifts, "S0", ["PAL"], avoid=avoid),
             "operator": kind(people, "S0", ["SAMPLE"], stairs=True, lifts=False, speed=1.2)}
    p, m, run = scenario(net, kinds, orders, stairs=stairs)
    events = run.events
    assert all(o.delivered == o.delivered for o in m.orders), "an order was never delivered"
    rows = list(zip(events["source"], events["event"], events["place"]))
    off = banned(net, avoid)
    assert not [(s, node) for s, e, node in rows if s.startswith("FORKLIFT") and e == "at" and node in off]
    assert not [s for s, e, node in rows if s.startswith("AGV") and e == "at" and node == "ST"]
    assert not [s for s, e, node in rows if s.startswith("OPERATOR") and e == "at" and node == "L"]
    carried = {(c.rsplit("-", 1)[0], who.split("-")[0]) for c, e, who in rows if e == "loaded"}
    assert carried <= {("PAL", "FORKLIFT"), ("SAMPLE", "OPERATOR"), ("TOTE", "AGV")}, carried
    inside: dict[str, int] = {}
    for t, e, node in sorted(zip(events["t"], events["event"], events["place"]),
                             key=lambda r: (r[0], r[1] == "enter")):   # at one instant a leave comes first
        if e in ("enter", "leave"):
            inside[node] = inside.get(node, 0) + (1 if e == "enter" else -1)
            assert inside[node] <= net.graph.nodes[node]["capacity"], (node, t)


def test_a_person_takes_the_stairs_in_the_leg_plus_the_climb():
    """By hand: S0 -> R0 (2 m) -> stairs at (-3, 3) (hypot(3, 3) m) -> R3 at (10, 10) upstairs (hypot(13, 7) m) ->
    S3 (2 m), one leg at 1.2 m/s and 1 m/s2 from rest to rest, plus the 30 s climb and 20 s each to load and unload.
    (The AGVs would take the lift; the person may not.)"""
    net = floor(["CNC", "D", "C", "CNC"], 2, upper=3)
    stairs = {"ST": {"stops": ["R0", "R3"], "at": [-3.0, 3.0], "climb": 30.0}}
    _, m, run = scenario(net, {"operator": kind(1, "S0", ["SAMPLE"], stairs=True, lifts=False, speed=1.2)},
                         [(100.0, "SAMPLE", "S0", "S3")], stairs=stairs)
    (order,) = m.orders
    metres = 2.0 + np.hypot(3.0, 3.0) + np.hypot(10.0 + 3.0, 10.0 - 3.0) + 2.0
    assert order.delivered - 100.0 == pytest.approx(20.0 + leg_time(metres, 1.2, 1.0) + 30.0 + 20.0)
    assert "ST" in [p for s, e, p in zip(run.events["source"], run.events["event"], run.events["place"])
                    if s == "OPERATOR-01" and e == "at"]


def bad(kinds, orders=(), batches=None, qc=None):
    net = floor(["CNC", "D", "C", "CNC"], 2)
    p = params(1, list(orders), horizon=3600.0)
    p["agents"], p["batches"], p["qc"] = kinds, batches, qc
    check_agents(p, net)


def stream(container, a, b, load=10.0):
    return {"from": [a], "to": [b], "every": 60.0, "load": load, "container": container, "due": 600.0}


def test_bad_agent_input_is_refused_with_the_reason():
    with pytest.raises(ConfigError, match=r"forklift carries PAL, but cannot go from S0 to S1 \(S1 is in R1, grade "
                                          r"D, which it avoids\)"):
        bad({"forklift": kind(1, "S0", ["PAL"], avoid=["D"])}, [stream("PAL", "S0", "S1")])
    with pytest.raises(ConfigError, match=r"forklift carries PAL, but 900 kg is over its payload of 500 kg"):
        bad({"forklift": kind(1, "S0", ["PAL"])}, [stream("PAL", "S0", "S3", load=900.0)])
    with pytest.raises(ConfigError, match=r"forklift: home 'S2' is not on its network \(S2 is in R2, grade C"):
        bad({"forklift": kind(1, "S2", ["PAL"], avoid=["C"])})
    with pytest.raises(ConfigError, match=r"operator: container PAL is carried by forklift already"):
        bad({"forklift": kind(1, "S0", ["PAL"]), "operator": kind(1, "S0", ["PAL"])})
    route = {"route": ["S0", "S1", "S3"], "load": 300.0, "container": "IBC"}
    with pytest.raises(ConfigError, match=r"forklift carries IBC, but cannot go from S0 to S1"):
        bad({"forklift": kind(1, "S0", ["IBC"], avoid=["D"])}, batches=route)
    lab = {"lab": {"tests": {"assay": {"instruments": ["S2"], "time": 3600.0}}, "analysts": {"Li": ["assay"]}},
           "sample": 1.0, "due": 3600.0, "container": "QC"}
    with pytest.raises(ConfigError, match=r"walker carries QC, but cannot go from S3 to S2 \(S2 is in R2, grade C"):
        bad({"walker": kind(1, "S0", ["QC"], avoid=["C"])}, batches=route, qc=lab)


def test_a_lift_lighter_than_a_kind_with_its_payload_is_refused():
    """The lift L of 1200 kg: a 600 kg forklift of 500 kg payload fits; at 800 kg it does not (it booked the lift with
    no mass of its own before, so no check could see it)."""
    net = floor(["CNC", "CNC"], 2, upper=1)
    net.graph.nodes["L"]["payload"] = 1200.0
    p = params(1, [stream("PAL", "S0", "S1")], horizon=3600.0)
    p["batches"], p["qc"] = None, None
    for mass, refused in ((600.0, False), (800.0, True)):
        p["agents"] = {"forklift": kind(1, "S0", ["PAL"], mass=mass)}
        if refused:
            with pytest.raises(ConfigError, match=r"forklift: lift L lifts 1200 kg, less than a forklift with its "
                                                  r"payload \(800 kg \+ 500 kg\)"):
                check_agents(p, net)
        else:
            check_agents(p, net)


def test_what_a_typo_would_make_silently_useless_is_refused():
    """Each loaded before and ran wrong: a forklift avoiding grade 'Z' (meant D) drove through D, a kind given
    'PALS' (meant PAL) stood idle while the AGVs did its work, a staircase's unknown stop was dropped, stairs named
    as a station replaced it in the kind's network, a kind 'agv' shared the AGVs' names AGV-01, ..."""
    pal = [stream("PAL", "S0", "S3")]
    with pytest.raises(ConfigError, match=r"forklift: 'Z' is neither a GMP grade nor a grade of a room"):
        bad({"forklift": kind(1, "S0", ["PAL"], avoid=["Z"])}, pal)
    bad({"forklift": kind(1, "S0", ["PAL"], avoid=["B"])}, pal)   # a GMP grade this plant lacks: a kept rule
    with pytest.raises(ConfigError, match=r"forklift: nothing carries a container 'PALS'.*idle(.|\n)*'PAL'"):
        bad({"forklift": kind(1, "S0", ["PALS"])}, pal)
    with pytest.raises(ConfigError, match=r"the movers of kind 'agv' would be named as those of the AGVs"):
        bad({"agv": kind(1, "S0", ["PAL"])}, pal)
    with pytest.raises(ConfigError, match=r"the movers of kind 'Forklift' would be named as those of kind 'forkl"):
        bad({"forklift": kind(1, "S0", ["PAL"]), "Forklift": kind(1, "S0", ["TOTE"])},
            pal + [stream("TOTE", "S0", "S3")])
    flight = {"at": [0.0, 0.0], "climb": 30.0}
    for stairs, words in (({"ST": {"stops": ["R0", "R9"], **flight}}, "stairs ST: 'R9' is not a room of the network"),
                          ({"ST": {"stops": ["R0", "R0"], **flight}}, "stairs ST stop at R0 twice"),
                          ({"S1": {"stops": ["R0", "R3"], **flight}}, "stairs 'S1' are named as a station of the")):
        net = floor(["CNC", "D", "C", "CNC"], 2)
        p = params(1, pal, horizon=3600.0)
        p["agents"], p["network"] = {"walker": kind(1, "S0", ["PAL"], stairs=True)}, {"stairs": stairs}
        with pytest.raises(ConfigError, match=words):
            check_agents(p, net)


def test_on_the_sample_plant_the_forklift_keeps_out_of_the_grade_d_suites():
    """The sample's forklift_and_people variant for 12 h on the logistics plant's IFC: the forklift brings
    packaging material from the upper store (by the goods lift) to the packing hall and never passes a node of a
    grade D room; the people take the samples from the presses in grade D to the QC lab, never in the lift."""
    import scenarios
    from scenarios.intralogistics.network import network_of

    params = dict(scenarios.load("scenarios/intralogistics/multipurpose_osd.yaml").variants["forklift_and_people"],
                  horizon=12 * 3600.0, warmup=0.0)
    run = Logistics(params, np.random.SeedSequence(4)).run()
    net = network_of(params)
    grade_d = {n for n, d in net.graph.nodes(data=True) if d["room"] and net.rooms[d["room"]].grade == "D"}
    rows = list(zip(run.events["source"], run.events["event"], run.events["place"]))
    forklift = [p for s, e, p in rows if s == "FORKLIFT-01" and e == "at"]
    people = [p for s, e, p in rows if s.startswith("OPERATOR") and e == "at"]
    assert "LIFT-01" in forklift and forklift and not set(forklift) & grade_d
    assert set(people) & grade_d and "LIFT-01" not in people
    assert run.kpis["forklift.utilisation"] > 0 and run.kpis["operator.lead_time"] > 0


def test_the_congestion_estimate_sees_a_person_in_a_door():
    """A person (1.5 m/s, 1 m/s2) carries a sample S0 -> R0 -> D0-1 -> R1 -> S1 (2 + 5 + 5 + 2 m, one leg at pace
    p s/m) after 20 s of loading: it takes the door at 120 + 2p and leaves it at 120 + 12p, so at 120 + 6p the
    AGVs' congestion estimate (``free_in``) must say 6p, and 0 once it has left (it said 0 throughout before)."""
    net = floor(["CNC", "CNC"], 2)
    pace = leg_time(14.0, 1.5, 1.0) / 14.0
    seen = {}

    def probe(m):
        yield m.env.timeout(120.0 + 6 * pace)
        seen["in"] = m.traffic.free_in("D0-1")
        yield m.env.timeout(7 * pace)
        seen["out"] = m.traffic.free_in("D0-1")

    p = params(1, [], horizon=3600.0, handling=20.0)
    p["agents"], p["network"] = {"operator": kind(1, "S0", ["SAMPLE"])}, {"stairs": {}}
    m = Logistics(p, np.random.SeedSequence(2), network=net)

    def ask():
        yield m.env.timeout(100.0)
        m.order("S0", "S1", 10.0, 3700.0, m.container("SAMPLE"))

    m.env.process(ask())
    m.env.process(probe(m))
    m.run()
    assert seen == {"in": pytest.approx(6 * pace), "out": 0.0}


@pytest.mark.parametrize("mass,apart", [(1000.0, 0.0), (1500.0, 40.0)])
def test_a_forklift_books_the_lift_with_its_mass(mass, apart):
    """Two forklifts each carry 10 kg S0 -> R0 -> lift L (20 s ride, two places, 2500 kg) -> R1 -> S1 at once: at
    1000 kg each both ride one trip (2020 kg) and arrive together; at 1500 kg (3020 kg) the second waits for the car
    to come back empty and go up again, 2 x 20 s later (before, movers weighed nothing and rode together)."""
    net = floor(["CNC", "CNC"], 2, upper=1)
    net.graph.nodes["L"].update(capacity=2, payload=2500.0)
    p = params(1, [], horizon=3600.0, handling=20.0, home="S0")
    p["agents"] = {"forklift": kind(2, "S0", ["PM"], mass=mass)}
    p["network"] = {"stairs": {}}
    m = Logistics(p, np.random.SeedSequence(2), network=net)

    def ask():
        yield m.env.timeout(100.0)
        for _ in range(2):
            m.order("S0", "S1", 10.0, 3700.0, m.container("PM"))

    m.env.process(ask())
    m.run()
    first, second = sorted(o.delivered for o in m.orders)
    pace = leg_time(10.0, 1.5, 1.0) / 10.0
    assert first == pytest.approx(100.0 + 20.0 + 10 * pace + 20.0 + 20.0)   # load, 2 + 3 + 3 + 2 m, ride, unload
    assert second - first == pytest.approx(apart)


def test_a_person_on_the_way_to_a_door_is_expected_there():
    """With congestion routing, the person of the test above leaves S0 at 120 s and will ask for D0-1 on reaching R0
    (2 m at its 1.5 m/s): at 121 s the AGVs' estimate expects it at 120 + 2 / 1.5 s, and after it asked, no more."""
    net = floor(["CNC", "CNC"], 2)
    p = params(1, [], horizon=3600.0, handling=20.0, congestion=True)
    p["agents"], p["network"] = {"operator": kind(1, "S0", ["SAMPLE"])}, {"stairs": {}}
    m = Logistics(p, np.random.SeedSequence(2), network=net)
    seen = []

    def events():
        yield m.env.timeout(100.0)
        m.order("S0", "S1", 10.0, 3700.0, m.container("SAMPLE"))
        yield m.env.timeout(21.0)
        seen.append(dict(m.traffic.coming["D0-1"]))
        yield m.env.timeout(5.0)
        seen.append(dict(m.traffic.coming["D0-1"]))

    m.env.process(events())
    m.run()
    assert seen == [{"OPERATOR-01": pytest.approx(120.0 + 2.0 / 1.5)}, {}]
