"""Battery: a vehicle takes a job only if its battery covers the job and the drive on to the nearest charger, and
charges first otherwise, so no battery ever runs below zero; a trip a full battery cannot make is refused by name.

Hand count on a row of four rooms 10 m apart (stations 2 m off their room's centre, so S_i -> S_j is
10 |i - j| + 4 m), speed 1 m/s, acceleration 0.5 m/s^2 (a leg of d >= 2 m takes d + 2 s), 400 W empty, 800 W
loaded, 100 kJ battery, charger at S0, orders S1 -> S3 an hour apart: the first job from S0 needs 6.4 + 20.8 kJ and
a 14.4 kJ reserve to get back (41.6 kJ), later ones from S3 need 10.4 + 20.8 + 14.4 = 45.6 kJ. After two jobs the
battery holds 100 - 27.2 - 31.2 = 41.6 kJ < 45.6 kJ: the third job (and every second one after it) starts at the
charger."""
import numpy as np
import pytest
from logistics_graphs import grid, params

from scenarios.intralogistics.model import Logistics
from scenarios.intralogistics.motion import drive_energy
from scenarios.intralogistics.params import Fleet

NET = grid(1, 4)


class Watched(Logistics):
    """The model with each vehicle's lowest battery recorded after every drive."""

    lowest = np.inf

    def drive(self, v, target, loaded, flow=None):
        yield from super().drive(v, target, loaded, flow)
        self.lowest = min(self.lowest, v.battery)


def run(jobs: int, model=Watched):
    p = params(1, [], horizon=jobs * 3600.0)
    p["fleet"]["battery"] = {"capacity": 1e5, "low": 0.0, "power": 1e3, "chargers": ["S0"]}
    m = model(p, np.random.SeedSequence(0), network=NET)

    def requests():
        for k in range(jobs):
            yield m.env.timeout(3600.0 if k else 1.0)
            m.order("S1", "S3", 0.0, 1e9, "T")
    m.env.process(requests())
    return m, m.run().events


def test_the_hand_count_of_the_legs():
    fleet = Fleet.of(params(1, [], horizon=1.0)["fleet"])
    assert [drive_energy(NET, fleet, a, b, loaded) for a, b, loaded in
            (("S0", "S1", False), ("S1", "S3", True), ("S3", "S0", False), ("S3", "S1", False))] == \
        pytest.approx([6400.0, 20800.0, 14400.0, 10400.0])


def test_a_vehicle_charges_before_a_job_its_battery_cannot_finish():
    m, ev = run(7)
    charges = ev["t"][ev["event"] == "charge"]
    loaded = ev["t"][ev["event"] == "loaded"]
    assert len(loaded) == 7 and "flat" not in set(ev["event"])
    assert m.lowest == pytest.approx(41.6e3 - 14.4e3)    # on reaching the charger after the second job
    # charged before the 3rd, 5th and 7th jobs, each after the previous delivery and before the next loading
    assert len(charges) == 3
    assert all(loaded[k - 1] < c < loaded[k] for c, k in zip(charges, (2, 4, 6)))


def test_without_the_check_the_battery_runs_flat():
    """The old model (charging only below ``low``, here 0) drives the battery below zero: the test above can fail."""
    class Unchecked(Watched):
        def short(self, v, *legs):
            return False
    m, ev = run(7, Unchecked)
    assert m.lowest < 0 and "flat" in set(ev["event"])


def test_the_cleaning_after_a_dirty_load_is_in_the_battery_reserve():
    """Dirty loads S1 -> S3 and cleaning at S2 (S3 -> S2 empty 14 m, 6.4 kJ; from S2 to the charger 24 m, 10.4 kJ), a
    76 kJ battery: the first job from S0 uses 6.4 + 20.8 + 6.4 = 33.6 kJ and leaves 42.4 kJ; the next one from S2
    needs 6.4 + 20.8 + 6.4 + 10.4 = 44.0 kJ, so the vehicle charges first. Counting no cleaning leg (41.6 kJ from
    S3) it went on and later ran flat on its way to the charger (8.8 kJ left for 10.4 kJ)."""
    p = params(1, [], horizon=3 * 3600.0)
    p["fleet"]["battery"] = {"capacity": 76e3, "low": 0.0, "power": 1e3, "chargers": ["S0"]}
    p["fleet"]["cleaning"] = {"station": "S2", "time": 60.0}
    m = Watched(p, np.random.SeedSequence(0), network=NET)

    def requests():
        for k in range(3):
            yield m.env.timeout(3600.0 if k else 1.0)
            m.order("S1", "S3", 0.0, 1e9, "W", flow="dirty")
    m.env.process(requests())
    ev = m.run().events
    loaded, cleaned = ev["t"][ev["event"] == "loaded"], ev["t"][ev["event"] == "cleaned"]
    charges = ev["t"][ev["event"] == "charge"]
    assert len(loaded) == 3 and len(cleaned) == 3 and "flat" not in set(ev["event"])
    assert len(charges) >= 1 and cleaned[0] < charges[0] < loaded[1]
    assert m.lowest == pytest.approx(42.4e3 - 10.4e3)    # on reaching the charger after the first job
