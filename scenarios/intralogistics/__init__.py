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
from scenarios.scenario import check_events
from twin.config import Boolean, Integer, ListOf, MapOf, Number, Quantity, Record, Str


def _xy(what: str) -> ListOf:
    """A point or extent (x, y) on a storey's own axes, in m; ``what`` it is."""
    return ListOf(Quantity("m", "12 m", minimum=None), min_items=2, max_items=2).described(what)


FLOOR = Record({"elevation": Quantity("m", "6 m", minimum=None).described("the storey's floor level")},
               required=("elevation",), name="a storey")
ROOM = Record({"storey": Str().described("the storey it is on (the plant's or one of network.floors)"),
               "origin": _xy("its corner with the least x and y"),
               "size": ListOf(Quantity("m", "20 m", positive=True), min_items=2, max_items=2).described(
                   "its extent along x and y"),
               "grade": Str().described("its GMP grade (A, B, C, D, CNC): a door between two grades is an airlock")},
              required=("storey", "origin", "size"), name="a room")
DOOR = Record({"between": ListOf(Str(), min_items=2, max_items=2).described(
                   "the two rooms of one storey it joins, at the middle of their shared wall"),
               "airlock": Quantity("s", "90 s").described("the interlock cycle a vehicle waits inside (0: a plain "
                                                          "door)"),
               "one_way": Boolean().described("traffic from the first room to the second only"),
               "name": Str().described("its node's name (default: the two rooms, A|B)")},
              required=("between",), defaults={"airlock": 0.0, "one_way": False}, name="a door")
LIFT = Record({"stops": ListOf(Str(), min_items=2).described("the rooms it stops at, one per storey (default: the "
                                                             "rooms its IFC shaft touches)"),
               "at": _xy("the shaft's centre (default: the IFC's)"),
               "capacity": Integer(minimum=1).described("vehicles in the car at once"),
               "payload": Quantity("kg", "2000 kg", positive=True).described(
                   "the car's rated load, riders with their loads (default: the IFC's Payload_kg)"),
               "ride": Quantity("s", "45 s").described("one trip between two stops")},
              required=("ride",), defaults={"capacity": 1}, name="a lift")   # stops, at, payload: from the IFC
STATION = Record({"room": Str().described("the room it stands in"),
                  "at": _xy("its point on the room's floor")}, required=("room", "at"), name="a station")
FLOWS = ("clean", "dirty")
NETWORK = Record({
    "floors": MapOf(FLOOR).described("storeys the plant lacks, by name"),
    "rooms": MapOf(ROOM).described("rooms the plant lacks, by number"),
    "doors": ListOf(DOOR).described("doors between rooms (one declared between two rooms replaces the IFC's)"),
    "lifts": MapOf(LIFT).described("lifts by tag: their ride and capacity, and what the IFC does not say"),
    "stairs": MapOf(STAIRS).described("stairs by name, for the kinds of mover with stairs: true"),
    "stations": MapOf(STATION).described("stations the plant lacks (chargers, drop points), by tag"),
    "airlock": Quantity("s", "90 s").described("the interlock cycle of the IFC's doors between two grades"),
    "clean": ListOf(Str()).described("rooms, doors and lifts for clean containers only"),
    "dirty": ListOf(Str()).described("rooms, doors and lifts for dirty containers only")},
    defaults={"airlock": 90.0}, name="a transport network")
POWER = Record({"empty": Quantity("W", "400 W").described("drawn while moving empty"),
                "loaded": Quantity("W", "800 W").described("drawn while moving loaded")},
               defaults={"empty": 400.0, "loaded": 800.0}, name="a drive power")
BATTERY = Record({"capacity": Quantity("J", "10 kWh", positive=True).described("a full battery's usable energy"),
                  "low": Number(minimum=0, maximum=1).described("after a job, charge below this share of capacity"),
                  "power": Quantity("W", "3 kW", positive=True).described("the charging power"),
                  "chargers": ListOf(Str(), min_items=1).described("stations where vehicles charge, one at a time")},
                 required=("capacity", "power", "chargers"), defaults={"low": 0.2}, name="a battery")
CLEANING = Record({"station": Str().described("where a vehicle is cleaned after delivering a dirty container"),
                   "time": Quantity("s", "10 min").described("the cleaning")},
                  required=("station",), defaults={"time": 600.0}, name="a vehicle cleaning")
FLEET = Record({"vehicles": Integer().described("how many AGVs"),
                "speed": Quantity("m/s", "1.2 m/s", positive=True).described("cruising speed"),
                "acceleration": Quantity("m/s**2", "0.5 m/s**2", positive=True).described(
                    "acceleration and braking (a leg starts and ends at rest)"),
                "payload": Quantity("kg", "1000 kg", positive=True).described("the heaviest load a vehicle carries"),
                "mass": Quantity("kg", "600 kg").described("a vehicle's own mass (with its load, against a lift's "
                                                           "payload)"),
                "home": Str().described("the station the vehicles start at"),
                "park": Str(["home", "stay"]).described("after a job: stay where it ends, or drive home"),
                "power": POWER.described("the drive power, empty and loaded"),
                "battery": BATTERY.described("the battery and its chargers (none: never charged)"),
                "cleaning": CLEANING.described("cleaning after a dirty load (none: never cleaned)")},
               required=("vehicles", "speed", "home"),
               defaults={"acceleration": 0.5, "payload": 1000.0, "mass": 600.0, "park": "stay",
                         "power": {"empty": 400.0, "loaded": 800.0}}, name="a fleet")
HANDLING = Record({"load": Quantity("s", "1 min").described("loading a container onto a vehicle"),
                   "unload": Quantity("s", "1 min").described("unloading it")},
                  defaults={"load": 60.0, "unload": 60.0}, name="handling times")
WAREHOUSE = Record({"station": Str().described("the store's station"),
                    "pickers": Integer(minimum=1).described("pickers, one order each"),
                    "pick": Quantity("s", "3 min").described("picking an order before a vehicle loads it there"),
                    "put_away": Quantity("s", "2 min").described("putting away what a vehicle delivers there")},
                   required=("station",), defaults={"pickers": 1, "pick": 180.0, "put_away": 120.0},
                   name="a warehouse")
STREAM = Record({"from": ListOf(Str(), min_items=1).described("pickup stations, one drawn at random per order"),
                 "to": ListOf(Str(), min_items=1).described("drop stations, one drawn at random per order"),
                 "every": Quantity("s", "10 min", positive=True).described("the mean gap between orders (Poisson)"),
                 "load": Quantity("kg", "300 kg").described("each container's mass"),
                 "container": Str().described("the container kind (TOTE-0001, ...; a kind of mover may carry it)"),
                 "due": Quantity("s", "1 h").described("wanted this long after it is ordered"),
                 "flow": Str(FLOWS).described("its GMP flow: it keeps out of the other flow's corridors")},
                required=("from", "to", "every"), defaults={"load": 0.0, "container": "TOTE", "due": 3600.0,
                                                            "flow": "clean"}, name="an order stream")
BATCHES = Record({"route": ListOf(Str(), min_items=2).described(
                      "the store, the stations that process a batch in order, the store of finished goods"),
                  "every": Quantity("s", "4 h", positive=True).described("a new batch this often"),
                  "start": Quantity("s", "1 h").described("the first batch's due time"),
                  "lead": Quantity("s", "30 min").described("its kit is ordered this long before a batch is due"),
                  "allowance": Quantity("s", "20 min").described(
                      "a batch is due at the next station this long after its step"),
                  "process": MapOf(Quantity("s", "2 h")).described("each station's process time"),
                  "load": Quantity("kg", "300 kg").described("a batch container's mass"),
                  "container": Str().described("a batch's container kind"),
                  "release": Quantity("s", "48 h").described(
                      "finished goods in quarantine this long (0: none; with qc, the lab decides)"),
                  "flow": Str(FLOWS).described("the batches' GMP flow")},
                 required=("route", "every", "process"),
                 defaults={"start": 3600.0, "lead": 1800.0, "allowance": 1200.0, "load": 300.0, "container": "IBC",
                           "release": 0.0, "flow": "clean"},
                 name="a production schedule")
ROUTING = Record({"congestion": Boolean().described("route around the queues at busy doors, airlocks and lifts"),
                  "replan": Str(["start", "room"]).described("plan at each leg's start, or again in every room")},
                 defaults={"congestion": False, "replan": "start"}, name="a routing policy")
DISPATCH = Record({"rule": Str(RULES).described("fifo, nearest, due, optimised (Hungarian) or cpsat"),
                   "window": Integer(minimum=1).described("the oldest waiting orders a rule looks at"),
                   "effort": Number(minimum=0).described("cpsat: deterministic time limit per plan, about seconds"),
                   "objective": Str(["lead_time", "lateness"]).described(
                       "cpsat: the sum of completion times, or first the sum of lateness")},
                  defaults={"rule": "fifo", "window": 10, "effort": 0.1, "objective": "lead_time"},
                  name="a dispatch policy")


def check(params: Mapping[str, Any], tags: frozenset[str]) -> None:
    """Stations on the graph and reachable from each other, a fleet, loads the vehicles and lifts can carry."""
    from scenarios.intralogistics.checks import check_agents, check_scenario  # networkx and the plant: now

    check_scenario(params)
    check_bounded(params)
    if params.get("qc") is not None or params.get("agents"):
        from scenarios.intralogistics.network import network_of
        from scenarios.intralogistics.qc import lab_of

        net = network_of(params)
        check_agents(params, net)   # forklifts and people reach what they carry, within their payload
        if params.get("qc") is not None:   # the QC lab's instruments are stations of the network
            lab_of(params["qc"], [n for n, d in net.graph.nodes(data=True) if d["kind"] == "station"])


def check_bounded(params: Mapping[str, Any]) -> None:
    """At most :data:`scenarios.scenario.MAX_EVENTS` orders of a stream, batches or trace rows over a replication's
    horizon (``every: 1e-300 s`` on an order stream ran for ever), refused at the key that makes them."""
    horizon = params["horizon"]
    counts = [(params, "trace_interval", horizon / params["trace_interval"], "trace rows")]
    counts += [(stream, "every", horizon / stream["every"], "orders of the stream") for stream in params["orders"]]
    if params.get("batches") is not None:
        counts.append((params["batches"], "every", horizon / params["batches"]["every"], "batches"))
    check_events(horizon, counts)


STUDY = Study(
    name="intralogistics",
    description=__doc__.splitlines()[0],
    fields={"network": NETWORK.described("the transport network beyond what the plant's IFC says"),
            "fleet": FLEET.described("the AGVs"),
            "handling": HANDLING.described("loading and unloading a container"),
            "warehouse": WAREHOUSE.described("the store and its pickers (none: no picking)"),
            "orders": ListOf(STREAM).described("Poisson streams of transport orders"),
            "batches": BATCHES.described("the production schedule (none: the order streams only)"),
            "qc": QC.described("release from quarantine decided by a QC lab (none: after batches.release)"),
            "agents": AGENTS.described("other movers by kind (forklifts, people) and the containers they carry"),
            "dispatch": DISPATCH.described("which idle vehicle takes which waiting order"),
            "routing": ROUTING.described("static routes, or around busy zones"),
            "trace_interval": Quantity("s", "1 h", positive=True).described("how often the traces sample")},
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
