"""What the schema cannot say about an intralogistics scenario, each refused with its file, line, key and a fix.

A station tag not on the graph, stations one cannot reach from another, a charging point nowhere reachable, a
fleet of zero, a load heavier than the vehicles' payload or than a lift on the way can lift, a trip a full battery
cannot make (with the drive on to a charger), a container that cannot reach its drop without crossing the other GMP
flow's corridors, a batch step without its process time; and for the other movers (forklifts, people), a kind that
cannot reach or carry what it is given (:func:`check_agents`).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import networkx as nx

from scenarios.intralogistics.agents import kinds_of, reachable
from scenarios.intralogistics.motion import nearest, need
from scenarios.intralogistics.network import Network, build, ifc_lifts, plant_rooms, unreachable
from scenarios.intralogistics.params import Agent, Fleet, NetworkParams
from scenarios.intralogistics.qc import error_at, lab_of
from twin.config import suggest


def places(params: Mapping[str, Any]) -> list[tuple[Any, Any, str]]:
    """Every station the scenario names, as (container, key, name) for errors pointing at it."""
    out = [(params["fleet"], "home", params["fleet"]["home"])]
    battery = params["fleet"]["battery"]
    if battery:
        out += [(battery["chargers"], i, c) for i, c in enumerate(battery["chargers"])]
    if params["fleet"].get("cleaning"):
        out.append((params["fleet"]["cleaning"], "station", params["fleet"]["cleaning"]["station"]))
    if params["warehouse"]:
        out.append((params["warehouse"], "station", params["warehouse"]["station"]))
    for stream in params["orders"]:
        out += [(stream[k], i, tag) for k in ("from", "to") for i, tag in enumerate(stream[k])]
    if params["batches"]:
        route = params["batches"]["route"]
        out += [(route, i, tag) for i, tag in enumerate(route)]
    return out


def _on_graph(network: Network, named: list[tuple[Any, Any, str]]) -> None:
    stations = [n for n, d in network.graph.nodes(data=True) if d["kind"] in ("station", "room")]
    for container, key, name in named:
        if name not in network.graph or network.graph.nodes[name]["kind"] not in ("station", "room"):
            raise container.error(key, f"station '{name}' is not on the transport network",
                                  expected="a plant tag standing in a room, a room, or a station of network.stations",
                                  hint=suggest(name, stations) or "declare it under network.stations: {room, at}")


def _reachable(params, network: Network, named: list[tuple[Any, Any, str]]) -> None:
    home = params["fleet"]["home"]
    battery = params["fleet"]["battery"]
    for container, key, name in named:
        pair = unreachable(network, [home, name])
        if pair is None:
            continue
        if battery and container is battery["chargers"]:
            raise container.error(key, f"charging point '{name}' is nowhere reachable from the fleet's home '{home}'",
                                  hint="add a door or a lift to its room under network, or move the charger")
        a, b = pair
        raise container.error(key, f"no route from '{a}' to '{b}' on the transport network",
                              hint=f"join room {network.graph.nodes[name]['room'] or name} to the rest with a door "
                                   "(network.doors) or a lift (network.lifts); a one-way door lets traffic one way")


def _loads(params, network: Network) -> None:
    fleet = params["fleet"]
    loads = [(s, "load", s["load"]) for s in params["orders"]]
    if params["batches"]:
        loads.append((params["batches"], "load", params["batches"]["load"]))
    for container, key, load in loads:
        if load > fleet["payload"]:
            raise container.error(key, f"a load of {load:g} kg is more than the vehicles' payload "
                                  f"{fleet['payload']:g} kg", hint="split the load or raise fleet.payload")
    heaviest = fleet["mass"] + max([fleet["payload"], *(load for *_, load in loads)])
    lifts = params["network"]["lifts"]
    for name, rated in network.graph.nodes(data="payload"):
        if rated is not None and rated < heaviest:
            declared = bool(lifts[name]["payload"])
            source = "" if declared else " (Payload_kg of its IFC property sets)"
            message = (f"lift {name} lifts {rated:g} kg{source}, less than a vehicle with its load "
                       f"({fleet['mass']:g} kg + {heaviest - fleet['mass']:g} kg)")
            hint = (f"a lift of at least {heaviest:g} kg (network.lifts.{name}.payload overrides the IFC), or lighter "
                    "vehicles or loads")
            raise lifts[name].error("payload", message, hint=hint) if declared else lifts.error(name, message,
                                                                                               hint=hint)


def _trips(params):
    """Every loaded trip the scenario can order: (container, key of its line, from, to, flow)."""
    for stream in params["orders"]:
        yield from ((stream, "to", a, b, stream["flow"]) for a in stream["from"] for b in stream["to"])
    if params["batches"]:
        route = params["batches"]["route"]
        yield from ((route, k + 1, a, b, params["batches"]["flow"]) for k, (a, b) in enumerate(zip(route, route[1:])))


def _flows(params, network: Network) -> None:
    """Each container's flow reaches its drop without crossing the other flow's corridors (the GMP rule)."""
    for container, key, a, b, flow in _trips(params):
        avoid = network.avoid(flow)
        if avoid and not nx.has_path(network.graph.subgraph(n for n in network.graph if n not in avoid), a, b):
            other = "dirty" if flow == "clean" else "clean"
            raise container.error(key, f"no route for a {flow} container from {a} to {b} that keeps out of the "
                                  f"{other}-only corridors ({', '.join(sorted(avoid))})",
                                  hint=f"give the {flow} flow a corridor of its own, or tag fewer rooms and doors "
                                       f"under network.{other}")


def _battery(params, network: Network) -> None:
    """Every trip fits in a full battery: from the charger a vehicle last charged at, empty to the pickup, loaded to
    the drop, empty on to the charger nearest the drop (the reserve the model keeps before it takes a job)."""
    fleet = params["fleet"]
    battery = fleet["battery"]
    if not battery:
        return
    chargers, typed = list(battery["chargers"]), Fleet.of(fleet)
    trips = list(_trips(params))
    stops = {fleet["home"], *chargers, *(a for *_, a, _, _ in trips), *(b for *_, b, _ in trips)}
    starts = sorted({nearest(network, chargers, p) for p in stops})
    for container, key, a, b, flow in trips:
        for c in starts:
            joules = need(network, typed, chargers, ((c, a, False), (a, b, True, flow)))
            if joules > battery["capacity"]:
                raise container.error(key, f"a trip from {a} to {b} needs {joules / 3.6e6:.3g} kWh from charger {c} "
                                      f"(empty to {a}, loaded to {b}, on to the nearest charger), more than the "
                                      f"battery's {battery['capacity'] / 3.6e6:.3g} kWh",
                                      hint="a larger fleet.battery.capacity, or a charger nearer the trip")


def _lifts(network, in_ifc: dict) -> None:
    """Declared lifts have stops and a place unless the IFC has them; the IFC's lifts have their payload and ride."""
    lifts = network["lifts"]
    for name, lift in lifts.items():
        if name not in in_ifc and (not lift["stops"] or not lift["at"]):
            raise lifts.error(name, f"lift {name} is not an IfcTransportElement of the plant: say where it stops",
                              hint="add stops: [ROOM, ROOM] and at: [x, y]")
    for name, lift in lifts.items():
        rated = in_ifc[name][2] if name in in_ifc else None
        if not lift["payload"] and rated is None:
            raise lifts.error(name, f"lift {name} has no payload: neither the scenario nor the IFC's property sets "
                              "(Payload_kg) give one", hint=f"add payload: 2000 kg to network.lifts.{name}")
    for name, (stops, _, rated) in in_ifc.items():
        if name not in lifts:
            raise network.error("lifts", f"the plant's lift {name} (IfcTransportElement) has no ride time",
                                hint=f"add network.lifts.{name}: {{ride: 40 s}}" + (
                                    "" if rated else " and its payload: 2000 kg"))
        if len(stops) < 2 and not lifts[name]["stops"]:
            raise lifts.error(name, f"the plant's lift {name} touches rooms on {len(stops)} storey(s) only",
                              hint="give its stops: [ROOM, ROOM]")


def check_scenario(params: Mapping[str, Any]) -> None:
    """Raise :class:`ConfigError` (file, line, key, fix) for the first thing that cannot run."""
    from twin import plant as plants

    fleet = params["fleet"]
    if fleet["vehicles"] < 1:
        raise fleet.error("vehicles", f"a fleet of {fleet['vehicles']} vehicles moves nothing",
                          expected="an integer >= 1", hint="start a fleet-sizing sweep at 1 vehicle")
    network = params["network"]
    for group, keys in (("rooms", ("origin", "size")), ("lifts", ("at",)), ("stations", ("at",))):
        for item in network[group].values():
            for key in keys:
                if item[key] and len(item[key]) != 2:
                    raise item.error(key, f"{key} takes two numbers, x and y", expected="e.g. [12 m, 4 m]")
    plant = plants.load(params["plant"])
    _lifts(network, ifc_lifts(plant, plant_rooms(plant)))
    network = build(plant, NetworkParams.of(network), fleet["speed"], where=network)
    named = places(params)
    _on_graph(network, named)
    _reachable(params, network, named)
    _loads(params, network)
    _flows(params, network)
    _battery(params, network)
    batches = params["batches"]
    if batches:
        for i, tag in enumerate(batches["route"][1:-1], start=1):
            if tag not in batches["process"]:
                raise batches["route"].error(i, f"no process time for '{tag}'",
                                             hint=f"add it under batches.process, e.g. {tag}: 2 h")


def check_agents(params: Mapping[str, Any], base: Network) -> None:
    """The other movers (:mod:`scenarios.intralogistics.agents`): each kind's home on its network; every lift on
    it able to lift the kind's mass and payload; every order a kind carries within its payload and between stations
    its network joins; no container carried by two kinds; the names of :func:`_check_names`. Errors name the
    stream's or the kind's key."""
    agents = params.get("agents") or {}
    stairs = NetworkParams.of(params.get("network")).stairs
    kinds = {k.name: k for k in kinds_of({name: Agent.of(a) for name, a in agents.items()}, stairs, base)}
    owner: dict[str, str] = {}
    for name, kind in kinds.items():
        spec = agents[name]
        if kind.home not in kind.net.graph:
            raise error_at(spec, "home", f"{name}: home '{kind.home}' is not on its network"
                         + _why(base, spec, kind.home), hint="a station in a room this kind may enter")
        for i, container in enumerate(spec["containers"]):
            if container in owner:
                raise error_at(spec["containers"], i, f"{name}: container {container} is carried by {owner[container]}"
                             " already", hint="give each container kind to one kind of mover")
            owner[container] = name
        for lift, rated in kind.net.graph.nodes(data="payload"):
            if rated is not None and rated < kind.mass + kind.payload:
                raise error_at(spec, "mass", f"{name}: lift {lift} lifts {rated:g} kg, less than a {name} with its "
                             f"payload ({kind.mass:g} kg + {kind.payload:g} kg)",
                             hint=f"lighter {name}s or a lower payload, or lifts: false to keep them out of lifts")
    legs = [(stream, "to", stream["container"], stream["load"], [(a, b) for a in stream["from"] for b in stream["to"]])
            for stream in params.get("orders") or []]
    batches = params.get("batches")
    if batches:
        route = list(batches["route"])
        legs.append((batches, "route", batches["container"], batches["load"], list(zip(route, route[1:]))))
        if params.get("qc") is not None:   # the sample goes from the store to the lab
            lab = lab_of(params["qc"], [n for n, d in base.graph.nodes(data=True) if d["kind"] == "station"])
            legs.append((params["qc"], "container", lab.container, lab.sample, [(route[-1], lab.station)]))
    for spec, key, container, load, pairs in legs:
        kind = kinds.get(owner.get(container, ""))
        if kind is None:
            continue
        if load > kind.payload:
            raise error_at(spec, "load" if "load" in spec else key, f"{kind.name} carries {container}, but {load:g} kg "
                         f"is over its payload of {kind.payload:g} kg",
                         hint=f"raise agents.{kind.name}.payload or let the AGVs carry it")
        for a, b in pairs:
            for start, end in ((kind.home, a), (a, b)):
                if not reachable(kind, start, end):
                    where = end if start in kind.net.graph else start
                    raise error_at(spec, key, f"{kind.name} carries {container}, but cannot go from {start} to {end}"
                                 + _why(base, agents[kind.name], where),
                                 hint=f"let the AGVs carry {container}, or open a way for the {kind.name}")
    _check_names(params, base)


def _check_names(params: Mapping[str, Any], base: Network) -> None:
    """What a typo would make silently useless: a grade that is none (the kind would enter the grade meant), a
    container nothing carries (the kind would stand idle), a staircase stop that is no room (dropped), a stop
    twice, a staircase named as a node of the network (it would replace that node in the kind's network), a kind
    whose movers would be named as the AGVs or another kind's."""
    from twin.config import suggest
    from twin.plant.model import GRADES

    grades = sorted({room.grade for room in base.rooms.values() if room.grade} | set(GRADES))
    used = sorted(_containers(params))
    movers = {"AGV": "the AGVs"}   # a mover's name: its kind's in capitals and a number (AGV-01, FORKLIFT-02)
    for name, spec in (params.get("agents") or {}).items():
        if name.upper() in movers:
            raise error_at(params["agents"], name, f"the movers of kind '{name}' would be named as those of "
                         f"{movers[name.upper()]} ({name.upper()}-01, ...), their tracks and KPIs mixed",
                         hint="give the kind a name of its own")
        movers[name.upper()] = f"kind '{name}'"
        for i, grade in enumerate(spec.get("avoid") or ()):
            if grade not in grades:   # a GMP grade this plant has no room of is a rule kept for other plants
                raise error_at(spec["avoid"], i, f"{name}: '{grade}' is neither a GMP grade nor a grade of a room of "
                             "the network", hint=suggest(grade, grades) or f"one of {', '.join(grades)}")
        for i, container in enumerate(spec["containers"]):
            if container not in used:
                raise error_at(spec["containers"], i, f"{name}: nothing carries a container '{container}' (no order "
                             "stream, batch or QC sample), so this kind would stand idle",
                             hint=suggest(container, used) or f"the containers carried: {', '.join(used)}")
    for name, flight in ((params.get("network") or {}).get("stairs") or {}).items():
        if name in base.graph:
            raise error_at(params["network"]["stairs"], name, f"stairs '{name}' are named as a "
                         f"{base.graph.nodes[name]['kind']} of the network", hint="give the stairs a name of their "
                         "own, e.g. ST-01")
        for i, stop in enumerate(flight["stops"]):
            if stop not in base.rooms:
                raise error_at(flight["stops"], i, f"stairs {name}: '{stop}' is not a room of the network",
                             hint=suggest(stop, base.rooms) or "a stop is a room the stairs join")
            if stop in flight["stops"][:i]:
                raise error_at(flight["stops"], i, f"stairs {name} stop at {stop} twice",
                             hint="the rooms the stairs join, one on each floor")


def _containers(params: Mapping[str, Any]) -> set[str]:
    """The kinds of container the scenario moves: its order streams', its batches' and the QC sample's."""
    out = {stream["container"] for stream in params.get("orders") or []}
    if params.get("batches"):
        out.add(params["batches"]["container"])
        if params.get("qc") is not None:
            out.add(params["qc"]["container"])
    return out


def _why(base: Network, spec: Mapping[str, Any], node: str) -> str:
    room = base.graph.nodes[node].get("room") if node in base.graph else None
    grade = base.rooms[room].grade if room in base.rooms else None
    if grade and grade in set(spec.get("avoid") or ()):
        return f" ({node} is in {room}, grade {grade}, which it avoids)"
    return ""

