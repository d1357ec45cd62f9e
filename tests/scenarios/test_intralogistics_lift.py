"""Lifts with several vehicles per car (scenarios.intralogistics.lift): the car's bookings by hand, and in the model
two AGVs queued at one stop share the car when it has the places and the payload, one after the other (the second
trip 60 s later: the car back empty and up again) when it has not. Hand count on rooms R0 and R1 joined only by a
lift (30 s ride; S0 R0 LIFT R1 S1 is 2 + 3 + 3 + 2 m), two AGVs of 600 kg carrying 400 kg each, loaded together at
S0."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from logistics_graphs import grid, params

from scenarios.intralogistics.lift import Car
from scenarios.intralogistics.model import Logistics, leg_time


def test_the_docstring_bookings():
    car = Car()
    assert car.call("R0", "R1", ready=0.0, mass=900.0, ride=30.0, capacity=2, payload=2500.0) == 30.0
    assert car.call("R0", "R1", ready=10.0, mass=900.0, ride=30.0, capacity=2, payload=2500.0) == 90.0


def test_a_car_takes_riders_ready_before_it_leaves_up_to_its_places_and_payload():
    car = Car()
    assert car.call("R0", "R1", 5.0, 1000.0, 30.0, 3, 2500.0) == 35.0
    assert car.call("R0", "R1", 5.0, 1000.0, 30.0, 3, 2500.0) == 35.0     # joins: 2000 kg of 2500
    assert car.call("R0", "R1", 5.0, 1000.0, 30.0, 3, 2500.0) == 95.0     # 3000 kg: next trip, after a ride back
    assert car.call("R1", "R0", 0.0, 1000.0, 30.0, 3, 2500.0) == 125.0    # the car is at R0 after 95 s: empty up
    assert (car.at, car.free) == ("R0", 125.0)


def two_up(capacity: int, payload: float):
    net = grid(1, 2, doors=set(), lift=(0, 1), lift_capacity=capacity)
    net.graph.nodes["LIFT"]["payload"] = payload
    stream = {"from": ["S0"], "to": ["S1"], "every": 1e9, "load": 400.0, "container": "T", "due": 1e9}
    m = Logistics(params(2, [stream], horizon=3600.0), np.random.SeedSequence(0), network=net)
    for _ in range(2):
        m.order("S0", "S1", 400.0, 1e9, "T")
    ev = m.run().events
    return ev["t"][ev["event"] == "loaded"], ev["t"][ev["event"] == "delivered"], ev


def test_two_vehicles_share_a_car_of_two_places():
    loaded, delivered, ev = two_up(2, 2500.0)
    trip = leg_time(10.0, 1.0, 0.5) + 30.0 + 30.0          # the leg, the ride, unloading
    assert list(loaded) == [30.0, 30.0] and delivered == pytest.approx([30.0 + trip] * 2)
    entered = ev["t"][(ev["event"] == "enter") & (ev["place"] == "LIFT")]
    assert len(entered) == 2 and entered[0] == entered[1]


@pytest.mark.parametrize("capacity,payload", [(1, 2500.0), (2, 1500.0)])
def test_without_a_place_or_the_payload_the_second_waits_for_the_car_to_come_back(capacity, payload):
    loaded, delivered, _ = two_up(capacity, payload)
    assert list(loaded) == [30.0, 30.0]
    assert delivered[0] == pytest.approx(30.0 + leg_time(10.0, 1.0, 0.5) + 60.0)
    if capacity == 2:      # both in the lift lobby at once, the car takes one: up, back empty, up again
        assert delivered[1] - delivered[0] == pytest.approx(60.0)
    else:                  # one place: the second gets it when the first has driven out, then drives in (3 + 3 m
        pace = leg_time(10.0, 1.0, 0.5) / 10.0             # at the leg's pace) and the car comes back and goes up
        assert delivered[1] - delivered[0] == pytest.approx(60.0 + 6.0 * pace)


def test_one_car_serves_both_directions_in_turn():
    """A car of two places, one AGV going up from R0 and one coming down from R1 at the same moment: the car takes one
    up, then the other down (30 s later; before the car model both rode at once in one lift)."""
    net = grid(1, 2, doors=set(), lift=(0, 1), lift_capacity=2)
    m = Logistics(params(2, [], horizon=3600.0), np.random.SeedSequence(0), network=net)
    m.vehicles[1].place = "S1"
    m.order("S0", "S1", 0.0, 1e9, "UP")
    m.order("S1", "S0", 0.0, 1e9, "DOWN")
    ev = m.run().events
    delivered = np.sort(ev["t"][ev["event"] == "delivered"])
    assert delivered[0] == pytest.approx(30.0 + leg_time(10.0, 1.0, 0.5) + 60.0)
    assert delivered[1] - delivered[0] == pytest.approx(30.0)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 3), st.floats(800.0, 3000.0), st.lists(st.tuples(
    st.floats(0.0, 500.0), st.sampled_from(["R0", "R1", "R2"]), st.sampled_from(["R0", "R1", "R2"]),
    st.sampled_from([600.0, 1000.0])).filter(lambda c: c[1] != c[2]), min_size=1, max_size=25))
def test_the_car_never_overfills_and_never_is_in_two_places(capacity, payload, calls):
    """Any sequence of calls (ready times in any order): grouping the bookings by their trip (same stops, same
    arrival), a trip carries at most its capacity and payload, leaves only once every rider is ready, and the car's
    trips follow one another in time with an empty ride between two that do not meet at one stop. (Each of three
    mutations of Car.call, joining past the capacity, past the payload, or skipping the empty ride, fails it.)"""
    car, ride, trips = Car(), 30.0, {}
    for ready, before, after, mass in calls:
        if mass > payload:
            continue
        arrival = car.call(before, after, ready, mass, ride, capacity, payload)
        assert arrival >= ready + ride - 1e-9
        trips.setdefault((arrival, before, after), []).append((ready, mass))
    timeline = sorted(trips.items())
    for (arrival, _, _), riders in timeline:
        assert len(riders) <= capacity and sum(m for _, m in riders) <= payload
        assert all(r <= arrival - ride + 1e-9 for r, _ in riders)
    for ((a0, _, after), _), ((a1, before, _), _) in zip(timeline, timeline[1:]):
        assert a1 - ride >= a0 + (0.0 if after == before else ride) - 1e-9
