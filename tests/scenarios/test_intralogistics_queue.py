"""One AGV on a loop of rooms with Poisson transport requests is an M/G/1 queue: its mean wait for a vehicle equals
Pollaczek-Khinchine's W = lambda E[S^2] / (2 (1 - rho)) (Kleinrock, Queueing Systems I, 1975, eq. 5.105), with S the
whole cycle of one order (home -> pickup -> drop -> home, handling included) enumerated over the uniformly drawn
pickup and drop stations from the route table; and a loaded trip lasts its leg's trapezoidal time exactly."""
import numpy as np
import pytest
from logistics_graphs import grid, params
from scipy import stats

from scenarios.intralogistics.model import Logistics, leg_time

NET = grid(2, 3)
STATIONS = [f"S{i}" for i in range(6)]
HANDLING = 30.0


def metres(net, path) -> float:
    """The length of ``path`` summed from the graph's edges (not the network's own cache)."""
    return sum(net.graph.edges[u, v]["length"] for u, v in zip(path, path[1:]))


def cycle_times(net) -> np.ndarray:
    """Every (pickup, drop) pair's service time of one vehicle parked at home S0 (equally likely pairs)."""
    def leg(a, b):
        return leg_time(metres(net, net.route(a, b)), 1.0, 0.5)
    return np.array([leg("S0", a) + HANDLING + leg(a, b) + HANDLING + leg(b, "S0") for a in STATIONS
                     for b in STATIONS])


def test_mean_wait_equals_pollaczek_khinchine():
    service = cycle_times(NET)
    es, es2 = service.mean(), (service ** 2).mean()
    every = es / 0.6                                      # rho = 0.6
    pk = es2 / every / (2 * (1 - es / every))
    stream = {"from": STATIONS, "to": STATIONS, "every": every, "load": 0.0, "container": "T", "due": 1e9}
    p = params(1, [stream], horizon=every * 4500, warmup=every * 300, park="home", handling=HANDLING)
    waits = [Logistics(p, np.random.SeedSequence([7, r]), network=NET).run().kpis["waiting"] for r in range(6)]
    mean, half = np.mean(waits), stats.t.ppf(0.995, len(waits) - 1) * np.std(waits, ddof=1) / np.sqrt(len(waits))
    assert abs(mean - pk) <= half, f"simulated {mean:.1f} +/- {half:.1f} s, Pollaczek-Khinchine {pk:.1f} s"
    assert half < 0.1 * pk                                # an interval narrow enough to mean something


def test_a_loaded_trip_lasts_its_trapezoidal_leg():
    """Loaded at a, delivered at b: leg_time(route length) + unloading, on a network with no other vehicle."""
    stream = {"from": ["S0"], "to": ["S5"], "every": 3600.0, "load": 0.0, "container": "T", "due": 1e9}
    run = Logistics(params(1, [stream], horizon=20 * 3600.0, handling=HANDLING), np.random.SeedSequence(1),
                    network=NET).run()
    ev = run.events
    loaded = ev["t"][(ev["event"] == "loaded")]
    delivered = ev["t"][(ev["event"] == "delivered")]
    length = metres(NET, NET.route("S0", "S5"))
    assert length == pytest.approx(2 + 5 + 5 + 5 + 5 + 5 + 5 + 2)   # S0 R0 |D| R1 |D| R2 |D| R5 S5 on the grid
    n = len(delivered)
    assert n > 10 and np.allclose(delivered - loaded[:n], leg_time(length, 1.0, 0.5) + HANDLING)


def test_a_one_car_lift_rides_empty_to_its_caller_first():
    """Rooms R0 and R1 joined only by a lift (30 s ride), two AGVs at S0: the first trip S0 -> S1 finds the car at
    its floor (one ride) and leaves it upstairs with AGV-01, so the second vehicle's trip waits for it to come down
    empty (two rides); hand count of the leg: S0 R0 LIFT R1 S1 = 2 + 3 + 3 + 2 m."""
    net = grid(1, 2, doors=set(), lift=(0, 1))
    stream = {"from": ["S0"], "to": ["S1"], "every": 3600.0, "load": 0.0, "container": "T", "due": 1e9}
    p = params(2, [stream], horizon=4 * 3600.0, handling=HANDLING, park="stay")
    ev = Logistics(p, np.random.SeedSequence(2), network=net).run().events
    loaded, delivered = ev["t"][ev["event"] == "loaded"], ev["t"][ev["event"] == "delivered"]
    trip = leg_time(10.0, 1.0, 0.5) + HANDLING
    assert len(delivered) >= 2 and list(ev["place"][ev["event"] == "loaded"][:2]) == ["AGV-01", "AGV-02"]
    assert delivered[0] - loaded[0] == pytest.approx(trip + 30.0)
    assert delivered[1] - loaded[1] == pytest.approx(trip + 60.0)
