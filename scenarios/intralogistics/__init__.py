"""Intralogistics: AGVs carry kits, IBCs and finished goods between the plant's stations on its own floors (DES).

The transport network is built from the plant (rooms with storey and grade) and the scenario's ``network:`` (doors
and material airlocks between rooms, lifts between floors, extra rooms and stations): see
:mod:`scenarios.intralogistics.network`. ``fleet`` says how many vehicles, their speed, acceleration, payload,
power, battery (``chargers`` by station or room) and ``cleaning`` after dirty loads; ``orders`` are Poisson streams
of transport requests between stations, ``batches`` the production schedule that orders a kit from the store before
each batch and an IBC to the next station after each step; ``warehouse`` the store's pickers; ``dispatch`` the rule
(``fifo``, ``nearest``, ``due``), the ``optimised`` assignment over a rolling window of orders, or ``cpsat``: each
vehicle's next orders planned by CP-SAT, busy vehicles included (``effort``: its deterministic time limit per plan,
about seconds; ``objective``: the sum of completion times, ``lead_time``, or first the sum of lateness against the
due times, ``lateness``); ``routing`` static or around busy zones (``congestion``). See ``multipurpose_osd.yaml``
beside this file, :mod:`scenarios.intralogistics.params` for the parameters as the model reads them (typed, frozen,
SI units) and :mod:`scenarios.intralogistics.model` for the model.

KPIs, in SI units: ``delivered`` (orders/s), ``lead_time``, ``waiting`` (order to vehicle assigned) and
``lateness`` (s, mean over delivered orders), ``on_time`` (share), ``backlog`` (orders not delivered by the
horizon), ``starved`` (share of time a station stood waiting for a late delivery), ``utilisation``, ``empty_travel``
(share of metres driven empty), ``energy`` (W drawn by the fleet), ``charging`` (share of vehicle time),
``lift_wait``, ``airlock_wait``, ``door_wait`` (s, mean queue at each kind of zone), ``release_time`` (s, from
quarantine to release of finished goods: after ``batches.release``, or when the QC lab of ``qc`` has passed their
sample, :mod:`scenarios.intralogistics.qc`) and ``quarantined`` (containers in quarantine, time average);
with ``agents`` (forklifts and people that carry the containers of their kind where their kind may go,
:mod:`scenarios.intralogistics.agents`) ``<kind>.utilisation`` and ``<kind>.lead_time`` for each kind. Events:
every container's ``requested``/``loaded``/``delivered``/``stored``/``processing``/``quarantine``/``released``
(a QC sample's ``testing``/``retest``) with its place (query them with
:func:`scenarios.intralogistics.tracking.where`), each vehicle's waypoints ``at``, its ``detour`` (a route
changed by congestion), ``charge``, ``flat`` (a battery below zero) and ``cleaned`` (after a dirty load, with
``fleet.cleaning``), and each zone's ``wait``/``enter``/``leave``.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scenarios.intralogistics.agents import AGENTS, STAIRS
from scenarios.intralogistics.dispatch import RULES
from scenarios.intralogistics.qc import QC
from scenarios.registry import Deferred, Study
from twin.config import Boolean, Integer, ListOf, MapOf, Number, Quantity, Record, Str

XY = ListOf(Quantity("m", "12 m", minimum=None), min_items=2, max_items=2)
FLOOR = Record({"elevation": Quantity("m", "6 m", minimum=None)}, required=("elevation",), name="a storey")
ROOM = Record({"storey": Str(), "origin": XY,
               "size": ListOf(Quantity("m", "20 m", positive=True), min_items=2, max_items=2),
               "grade": Str()}, required=("storey", "origin", "size"), name="a room")
DOOR = Record({"between": ListOf(Str(), min_items=2, max_items=2), "airlock": Quantity("s", "90 s"),
               "one_way": Boolean(), "name": Str()}, required=("between",), defaults={"airlock": 0.0, "one_way": False},
              name="a door")
LIFT = Record({"stops": ListOf(Str(), min_items=2), "at": XY, "capacity": Integer(minimum=1),
               "payload": Quantity("kg", "2000 kg", positive=True), "ride": Quantity("s", "45 s")},
              required=("ride",), defaults={"capacity": 1}, name="a lift")   # stops, at, payload: from the IFC
STATION = Record({"room": Str(), "at": XY}, required=("room", "at"), name="a station")
FLOWS = ("clean", "dirty")
NETWORK = Record({"floors": MapOf(FLOOR), "rooms": MapOf(ROOM), "doors": ListOf(DOOR), "lifts": MapOf(LIFT),
                  "stairs": MapOf(STAIRS),
                  "stations": MapOf(STATION), "airlock": Quantity("s", "90 s"), "clean": ListOf(Str()),
                  "dirty": ListOf(Str())}, defaults={"airlock": 90.0},
                 name="a transport network")
POWER = Record({"empty": Quantity("W", "400 W"), "loaded": Quantity("W", "800 W")},
               defaults={"empty": 400.0, "loaded": 800.0}, name="a drive power")
BATTERY = Record({"capacity": Quantity("J", "10 kWh", positive=True), "low": Number(minimum=0, maximum=1),
                  "power": Quantity("W", "3 kW", positive=True), "chargers": ListOf(Str(), min_items=1)},
                 required=("capacity", "power", "chargers"), defaults={"low": 0.2}, name="a battery")
CLEANING = Record({"station": Str(), "time": Quantity("s", "10 min")}, required=("station",), defaults={"time": 600.0},
                  name="a vehicle cleaning")
FLEET = Record({"vehicles": Integer(), "speed": Quantity("m/s", "1.2 m/s", positive=True),
                "acceleration": Quantity("m/s**2", "0.5 m/s**2", positive=True),
                "payload": Quantity("kg", "1000 kg", positive=True), "mass": Quantity("kg", "600 kg"),
                "home": Str(), "park": Str(["home", "stay"]), "power": POWER, "battery": BATTERY,
                "cleaning": CLEANING},
               required=("vehicles", "speed", "home"),
               defaults={"acceleration": 0.5, "payload": 1000.0, "mass": 600.0, "park": "stay",
                         "power": {"empty": 400.0, "loaded": 800.0}}, name="a fleet")
HANDLING = Record({"load": Quantity("s", "1 min"), "unload": Quantity("s", "1 min")},
                  defaults={"load": 60.0, "unload": 60.0}, name="handling times")
WAREHOUSE = Record({"station": Str(), "pickers": Integer(minimum=1), "pick": Quantity("s", "3 min"),
                    "put_away": Quantity("s", "2 min")}, required=("station",),
                   defaults={"pickers": 1, "pick": 180.0, "put_away": 120.0}, name="a warehouse")
STREAM = Record({"from": ListOf(Str(), min_items=1), "to": ListOf(Str(), min_items=1),
                 "every": Quantity("s", "10 min", positive=True), "load": Quantity("kg", "300 kg"),
                 "container": Str(), "due": Quantity("s", "1 h"), "flow": Str(FLOWS)},
                required=("from", "to", "every"), defaults={"load": 0.0, "container": "TOTE", "due": 3600.0,
                                                            "flow": "clean"}, name="an order stream")
BATCHES = Record({"route": ListOf(Str(), min_items=2), "every": Quantity("s", "4 h", positive=True),
                  "start": Quantity("s", "1 h"), "lead": Quantity("s", "30 min"), "allowance": Quantity("s", "20 min"),
                  "process": MapOf(Quantity("s", "2 h")), "load": Quantity("kg", "300 kg"), "container": Str(),
                  "release": Quantity("s", "48 h"), "flow": Str(FLOWS)},
                 required=("route", "every", "process"),
                 defaults={"start": 3600.0, "lead": 1800.0, "allowance": 1200.0, "load": 300.0, "container": "IBC",
                           "release": 0.0, "flow": "clean"},
                 name="a production schedule")
ROUTING = Record({"congestion": Boolean(), "replan": Str(["start", "room"])},
                 defaults={"congestion": False, "replan": "start"}, name="a routing policy")
DISPATCH = Record({"rule": Str(RULES), "window": Integer(minimum=1), "effort": Number(minimum=0),
                   "objective": Str(["lead_time", "lateness"])},
                  defaults={"rule": "fifo", "window": 10, "effort": 0.1, "objective": "lead_time"},
                  name="a dispatch policy")


def check(params: Mapping[str, Any], tags: frozenset[str]) -> None:
    """Stations on the graph and reachable from each other, a fleet, loads the vehicles and lifts can carry."""
    from scenarios.intralogistics.checks import check_agents, check_scenario  # networkx and the plant: now

    check_scenario(params)
    if params.get("qc") is not None or params.get("agents"):
        from scenarios.intralogistics.network import network_of
        from scenarios.intralogistics.qc import lab_of

        net = network_of(params)
        check_agents(params, net)   # forklifts and people reach what they carry, within their payload
        if params.get("qc") is not None:   # the QC lab's instruments are stations of the network
            lab_of(params["qc"], [n for n, d in net.graph.nodes(data=True) if d["kind"] == "station"])


STUDY = Study(
    name="intralogistics",
    description=__doc__.splitlines()[0],
    fields={"network": NETWORK, "fleet": FLEET, "handling": HANDLING, "warehouse": WAREHOUSE,
            "orders": ListOf(STREAM), "batches": BATCHES, "qc": QC,
            "agents": AGENTS, "dispatch": DISPATCH, "routing": ROUTING,
            "trace_interval": Quantity("s", "1 h", positive=True)},
    defaults={"handling": {"load": 60.0, "unload": 60.0},
              "dispatch": {"rule": "fifo", "window": 10, "effort": 0.1, "objective": "lead_time"},
              "routing": {"congestion": False, "replan": "start"},
              "trace_interval": 3600.0},
    required=("network", "fleet"),
    run=Deferred("scenarios.intralogistics.model:simulate"),
    check=check,
    figures=Deferred("scenarios.intralogistics.figures:figures"),
    comparison_figures=Deferred("scenarios.intralogistics.figures:comparison_figures"),
    views=True,   # its figures ask for 3D views
)
