"""Routing under congestion (scenarios.intralogistics.routing): with no busy zone the time-dependent search gives
networkx's shortest path on the same weights; with a busy door it takes the detour exactly when the detour arrives
before the wait ends, by hand on a 2 x 2 grid; in the model a vehicle facing a held door detours and arrives when the
hand count says.

The 2 x 2 grid (tests/scenarios/logistics_graphs.py): rooms R0 R1 / R2 R3 10 m apart, doors halfway, stations 2 m
off their room. S0 -> S1 through door D0|1 is 2 + 5 + 5 + 2 = 14 m; round by D0|2, D2|3, D1|3 it is 2 + 30 + 2 = 34 m
(at 1 m/s: 14 s and 34 s). A vehicle reaches R0 after 2 s and, when D0|1 admits nobody before F s, leaves R0 at
max(2, F) and arrives 12 s later: the detour is faster when F > 34 - 12 = 22 s."""
import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from logistics_graphs import grid, params

from scenarios.intralogistics.model import Logistics, leg_time
from scenarios.intralogistics.routing import arrival, fastest

SQUARE = grid(2, 2)
DIRECT = ("S0", "R0", "D0|1", "R1", "S1")
ROUND = ("S0", "R0", "D0|2", "R2", "D2|3", "R3", "D1|3", "R1", "S1")


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 4), st.integers(2, 4), st.integers(0, 10**6), st.floats(0.3, 2.0))
def test_with_no_busy_zone_the_fastest_path_is_networkx_dijkstra(rows, cols, seed, speed):
    net = grid(rows, cols, speed=speed, airlock=20.0)
    rng = np.random.default_rng(seed)
    for *_, data in net.graph.edges(data=True):          # distinct lengths: one shortest path per pair
        data["length"] = float(rng.uniform(1.0, 20.0))
    for a in [n for n in net.graph if n.startswith("S")]:
        lengths, paths = nx.single_source_dijkstra(net.graph, a, weight=net.weight)
        for b in [n for n in net.graph if n.startswith("S") and n != a]:
            path, t = fastest(net, a, b, {})
            assert path == tuple(paths[b]) and t == pytest.approx(lengths[b], rel=1e-12)


@pytest.mark.parametrize("free,expected", [(0.0, DIRECT), (21.9, DIRECT), (22.1, ROUND), (60.0, ROUND)])
def test_a_busy_door_is_avoided_when_the_detour_arrives_first(free, expected):
    path, t = fastest(SQUARE, "S0", "S1", {"D0|1": free})
    assert path == expected
    assert t == pytest.approx(min(max(2.0, free) + 12.0, 34.0))
    assert arrival(SQUARE, DIRECT, {"D0|1": free}) == pytest.approx(max(2.0, free) + 12.0)


def held_door(hold: float, congestion: bool, replan: str = "start", start: float = 0.0):
    """AGV-01 loads at S0 (30 s) and drives to S1 while a blocker holds door D0|1 from ``start`` to ``hold``."""
    p = params(1, [], horizon=3600.0, congestion=congestion, replan=replan)
    m = Logistics(p, np.random.SeedSequence(0), network=SQUARE)

    def blocker():
        yield m.env.timeout(start)
        with m.traffic.zones["D0|1"].request() as turn:
            yield turn
            m.traffic.inside["D0|1"]["blocker"] = hold      # what the model records for a vehicle that enters
            yield m.env.timeout(hold - start)
            del m.traffic.inside["D0|1"]["blocker"]
    m.env.process(blocker())
    m.order("S0", "S1", 0.0, 1e9, "T")
    ev = m.run().events
    return float(ev["t"][ev["event"] == "delivered"][0]), list(ev["event"])


@pytest.mark.parametrize("replan", ["start", "room"])
def test_a_vehicle_detours_round_a_held_door(replan):
    """Loaded at 30 s, it would wait in R0 until the door frees: with the door held to 60 s (30 s more than its
    start, past the 22 s break-even) it drives the 34 m round (leg 36 s at 0.5 m/s^2), delivered at 30 + 36 + 30 s;
    held to 50 s (20 s) it waits and goes through: 50 s + 12 m at the 14 m leg's mean pace + 30 s unloading."""
    delivered, events = held_door(60.0, congestion=True, replan=replan)
    assert "detour" in events and delivered == pytest.approx(30 + leg_time(34, 1, 0.5) + 30)
    delivered, events = held_door(50.0, congestion=True, replan=replan)
    assert "detour" not in events and delivered == pytest.approx(50 + 12 * leg_time(14, 1, 0.5) / 14 + 30)


def test_static_routes_wait_for_the_held_door():
    """Without congestion routing the same vehicle waits: later than the detour would have been."""
    delivered, events = held_door(60.0, congestion=False)
    assert "detour" not in events and delivered == pytest.approx(60 + 12 * leg_time(14, 1, 0.5) / 14 + 30)
    assert delivered > 30 + leg_time(34, 1, 0.5) + 30


def test_replanning_in_every_room_turns_away_from_a_door_taken_on_the_way():
    """The door is taken at 31 s (held to 90 s), after the vehicle left S0 at 30 s on the direct route: planned once
    it waits in R0 until 90 s; planned again in R0 (reached at 30 + 2 m at the 14 m leg's pace) it goes round (32 m
    more at the same pace)."""
    pace = leg_time(14, 1, 0.5) / 14
    delivered, events = held_door(90.0, congestion=True, replan="start", start=31.0)
    assert "detour" not in events and delivered == pytest.approx(90 + 12 * pace + 30)
    delivered, events = held_door(90.0, congestion=True, replan="room", start=31.0)
    assert "detour" in events and delivered == pytest.approx(30 + 34 * pace + 30)


def test_a_detour_the_battery_cannot_afford_is_not_taken():
    """The held door of the test above (to 60 s) with a 25 kJ battery and the charger at S0: the direct leg needs
    800 W x 16 s = 12.8 kJ and 6.4 kJ to get back to the charger (19.2 kJ), the 34 m detour 800 W x 36 s = 28.8 kJ:
    the vehicle waits for the door as the static route would."""
    p = params(1, [], horizon=3600.0, congestion=True)
    p["fleet"]["battery"] = {"capacity": 25e3, "low": 0.0, "power": 1e3, "chargers": ["S0"]}
    m = Logistics(p, np.random.SeedSequence(0), network=SQUARE)

    def blocker():
        with m.traffic.zones["D0|1"].request() as turn:
            yield turn
            m.traffic.inside["D0|1"]["blocker"] = 60.0
            yield m.env.timeout(60.0)
            del m.traffic.inside["D0|1"]["blocker"]
    m.env.process(blocker())
    m.order("S0", "S1", 0.0, 1e9, "T")
    ev = m.run().events
    assert "detour" not in set(ev["event"]) and "flat" not in set(ev["event"])
    assert ev["t"][ev["event"] == "delivered"][0] == pytest.approx(60 + 12 * leg_time(14, 1, 0.5) / 14 + 30)
    assert m.vehicles[0].battery == pytest.approx(25e3 - 12.8e3)


@pytest.mark.parametrize("asks,expected", [((0.5, 1.0, 1.5), ROUND), ((0.5, 1.0), DIRECT), ((3.0, 4.0, 5.0), DIRECT)])
def test_vehicles_driving_towards_a_door_count_when_they_ask_before(asks, expected):
    """D0|1 is free, but vehicles on their way will ask for it ``asks`` s from now, each holding it for its nominal
    crossing (10 m at 1 m/s = 10 s). A vehicle planning S0 -> S1 asks at 2 s: three asking before it free the door at
    0.5 + 3 x 10 = 30.5 s, past the 22 s break-even, so it goes round; two free it at 20.5 s, and three asking after
    it (3, 4, 5 s) do not delay it: it goes through. (Before, the estimate saw only holders and queues: direct.)"""
    m = Logistics(params(1, [], horizon=3600.0, congestion=True), np.random.SeedSequence(0), network=SQUARE)
    m.traffic.coming["D0|1"].update({f"X{i}": t for i, t in enumerate(asks)})
    assert m.traffic.plan("S0", "S1") == expected
    gate = m.traffic.admission("D0|1")
    assert gate(2.0) == pytest.approx({3: 30.5, 2: 20.5}[len(asks)] if asks[0] < 2 else 0.0)
    assert all(gate(a) <= gate(b) for a, b in zip(np.arange(0, 40, 0.5), np.arange(0.5, 40.5, 0.5)))   # FIFO


def test_a_vehicle_on_its_way_is_expected_at_each_zone_at_its_static_times():
    """On the direct route it asks for D0|1 on reaching R0 (2 m at 1 m/s); on the way round for D0|2 at 2 s, D2|3 on
    reaching R2 at 2 + 5 + 5 = 12 s and D1|3 in R3 at 22 s; a new route forgets the old one, and asking for a zone
    leaves the list."""
    m = Logistics(params(1, [], horizon=3600.0, congestion=True), np.random.SeedSequence(0), network=SQUARE)
    v = m.vehicles[0]
    m.traffic.expect(v, DIRECT)
    assert {z: c for z, c in m.traffic.coming.items() if c} == {"D0|1": {"AGV-01": 2.0}}
    m.traffic.expect(v, ROUND)
    assert {z: c for z, c in m.traffic.coming.items() if c} == {"D0|2": {"AGV-01": 2.0}, "D2|3": {"AGV-01": 12.0},
                                                         "D1|3": {"AGV-01": 22.0}}
    m.order("S0", "S1", 0.0, 1e9, "T")
    m.run()
    assert not any(m.traffic.coming.values())


@pytest.mark.parametrize("at,free,expected", [("R0", 0.0, "lift"), ("R1", -np.inf, "lift"), ("R1", 10.0, "round"),
                                              (None, 0.0, "lift")])
def test_a_lift_car_at_the_other_stop_or_busy_counts(at, free, expected):
    """R0 and R1 joined by a lift (3 m in, 10 s ride, 3 m out) and the long way round by doors (34 m): S0 -> S1 by the
    lift takes 2 + 3 + 10 + 3 + 2 = 20 s with the car waiting at R0. Standing at R1 it first rides down empty (back
    at 10 s): the vehicle leaves R0 at 10 - 3 = 7 s and arrives at 7 + 3 + 10 + 3 + 2 = 25 s, before 34 s; at R1
    and busy for 10 s more it is down at 20 s, the vehicle arrives at 35 s: round is faster. A car never called
    waits where it is called.
    (Before, the estimate ignored the car: the lift always.)"""
    from scenarios.intralogistics.lift import Car

    net = grid(2, 2, doors={(0, 2), (2, 3), (1, 3)}, lift=(0, 1))
    net.graph.nodes["LIFT"]["dwell"] = 10.0
    m = Logistics(params(1, [], horizon=3600.0, congestion=True), np.random.SeedSequence(0), network=net)
    m.traffic.cars["LIFT"] = Car(at=at, free=free)
    path = m.traffic.plan("S0", "S1")
    assert path == (("S0", "R0", "LIFT", "R1", "S1") if expected == "lift" else
                    ("S0", "R0", "D0|2", "R2", "D2|3", "R3", "D1|3", "R1", "S1"))
    gates = {z: g for z in m.traffic.zones if (g := m.traffic.admission(z)) is not None}
    assert arrival(net, ("S0", "R0", "LIFT", "R1", "S1"), gates) == pytest.approx(
        {("R0", 0.0): 20.0, ("R1", -np.inf): 25.0, ("R1", 10.0): 35.0, (None, 0.0): 20.0}[at, free])
