"""``twin bridge`` (live plant -> twin) and ``twin serve`` (twin -> OPC UA), registered as ``twin`` plug-ins."""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import time
from pathlib import Path

from twin.arguments import endpoint, new_file, positive
from twin.config import ConfigError

BRIDGE_EXAMPLES = """\
examples:
  twin bridge --discover opc.tcp://plc:4840 -o plant-map.yaml      write a starter mapping from the server's nodes
  twin bridge --discover opc.tcp://plc:4840 --plant plant_models/osd_cm_line/plant.yaml -o map.yaml
                                                                    ... naming the nodes by the plant's tags
  twin bridge plant-map.yaml                                        follow the plant; Ctrl-C stops
  twin bridge plant-map.yaml opc.tcp://plc:4840 --duration 60 --csv live.csv
  twin bridge site-meters.yaml --duration 86400 --clock unix --csv site.csv
                                                                    a day of weather and meter tags in UNIX time: the
                                                                    energy study's shadow report reads it
  twin bridge plant-map.yaml --policy Basic256Sha256,SignAndEncrypt --user operator:secret
  twin bridge plant-map.yaml --shadow plant_models/osd_cm_line/plant.yaml --band 5
                                                                    the twin beside the plant, following its set points
                                                                    (--drive): deviation and alarm tags for the others
  twin bridge plant-map.yaml --shadow plant.yaml --serve opc.tcp://0.0.0.0:4841 --serve-user scada:secret
                                                                    ... and the shadow served to SCADA/MES

The mapping is YAML: `tags:` a list of {tag, node (a NodeId) or path (browse path from Objects), unit,
source_unit, scale, offset, type}. Certificates are generated on first use in the --pki folder (default:
~/.local/share/pharma-twin/pki/bridge; never inside a git work tree).
Only network failures are retried; a refusal (trust, policy, login) stops the run. See docs/bridge.md.

exit status:
  0    ran to the end (--duration) and wrote the record
  1    an internal error (a bug: please report the traceback)
  2    bad input: command line, mapping or security settings; nothing was contacted
  3    refused by the server (certificate not trusted, policy or mode not offered, login refused): not retried;
       the message says what to change
  4    the server could not be reached during the whole run (network): nothing was recorded
  130  interrupted (Ctrl-C); the record so far is written
"""

SERVE_EXAMPLES = """\
examples:
  twin serve plant_models/osd_cm_line/plant.yaml --allow-anonymous  serve the simulated line on opc.tcp://127.0.0.1:4840
  twin serve plant_models/osd_cm_line/plant.yaml --allow-anonymous --speed 10 --history twin.db
  twin serve plant.yaml --setpoint '*.F_sp' --setpoint '*.T_set'    which tags clients may write (glob patterns)
  twin serve plant.yaml --policy Basic256Sha256,SignAndEncrypt --user scada:secret
                                                                    users need an encrypted policy (or --allow-insecure)
  twin serve scenarios/continuous_manufacturing/flagship.yaml --speed 60
                                                                    a scenario's twin: its feeders, disturbances and
                                                                    control, as replication 0 of `twin run` simulates
  twin serve scenarios/continuous_manufacturing/flagship.yaml --variant mismatch --speed 100 --allow-anonymous
                                                                    a plant that is not the model, to follow with
                                                                    twin follow (its instruments served as tags)

Clients browse Objects/<plant>/<storey>/<space>/<asset>/<signal>; each signal's NodeId is ns=<urn:pharma-twin:tags>;
s=<tag>; the plant's instruments (LIW-101.FT-01) serve the model variable they read. Anonymous login is off unless
--allow-anonymous is given. Certificates: --pki (default ~/.local/share/pharma-twin/pki/serve); PKI/trusted is the
trust list of client certificates (when it exists), refused ones are saved in PKI/rejected. See docs/bridge.md.

exit status: 0 served to the end (--duration), 2 bad input (plant, security settings), 130 interrupted (Ctrl-C).
"""


def add_bridge(subparsers) -> None:
    p = subparsers.add_parser("bridge", help="follow a live plant over OPC UA: node values into the twin's tags",
                              description="Subscribe to an OPC UA server and keep the twin's tags in step with it: "
                                          "reconnects, back-fills or marks gaps, reports bad tags and goes on.",
                              epilog=BRIDGE_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("mapping", nargs="?", help="the mapping YAML (node -> tag)")
    p.add_argument("endpoint", nargs="?", type=endpoint, help="opc.tcp://host:port (default: the mapping's endpoint)")
    p.add_argument("--discover", metavar="ENDPOINT", type=endpoint, help="browse ENDPOINT and write a starter mapping")
    p.add_argument("-o", "--output", default="-", help="where --discover writes the mapping (default: stdout)")
    p.add_argument("--plant", help="plant (YAML/IFC) whose instrument tags --discover matches node names to")
    p.add_argument("--duration", type=positive, help="stop after this many seconds (default: run until Ctrl-C)")
    p.add_argument("--csv", type=new_file, help="write the recorded tag history (tag, t, value, quality) here on exit")
    p.add_argument("--clock", choices=("run", "unix"), default="run",
                   help="the times t of the tags: seconds since the bridge started (run, the default) or UNIX time "
                        "(unix: a recording that another tool lines up with the calendar, e.g. twin energy shadow)")
    p.add_argument("--shadow", metavar="PLANT", help="run PLANT's twin in real time beside the live plant")
    p.add_argument("--band", type=float, default=1.0, help="shadow alarm band: |live - predicted| <= BAND")
    p.add_argument("--drive", action="append", default=None, metavar="PATTERN",
                   help="glob of mapped tags fed from the plant into the shadow twin's inputs instead of compared "
                        "(repeatable; default: *_sp, *_set)")
    _security_arguments(p, server=False)
    _serve_arguments(p, "serving the shadow", "the shadow twin's tags (predictions, TAG.deviation, TAG.alarm) served "
                        "to SCADA/MES, laid out by plant hierarchy", "serve the shadow twin here (opc.tcp://0.0.0.0:4841)")
    p.set_defaults(func=_bridge)


def _serve_arguments(p, title: str, description: str, serve_help: str) -> None:
    """``--serve ENDPOINT`` and its security flags (``twin bridge --shadow``, ``twin follow``)."""
    g = p.add_argument_group(title, description)
    g.add_argument("--serve", metavar="ENDPOINT", type=endpoint, help=serve_help)
    g.add_argument("--serve-policy", action="append", default=None, help="as `twin serve --policy` (default: None)")
    g.add_argument("--serve-pki", type=Path, help="the server's certificate folder (not the bridge's --pki; "
                                                  "default ~/.local/share/pharma-twin/pki/serve)")
    g.add_argument("--serve-user", action="append", default=None, metavar="NAME:PASSWORD",
                   help="user allowed to log in (repeatable)")
    g.add_argument("--serve-allow-anonymous", action="store_true", help="let clients log in without credentials")
    g.add_argument("--serve-allow-insecure", action="store_true",
                   help="let --serve-user log in on policy None (passwords in clear text: a trusted network only)")


def add_serve(subparsers) -> None:
    p = subparsers.add_parser("serve", help="serve a simulated plant twin over OPC UA (virtual commissioning)",
                              description="Run a plant's (or a scenario's) twin in real time and serve its tags as "
                                          "an OPC UA server, laid out by plant hierarchy, with engineering units, "
                                          "writable setpoints and history.",
                              epilog=SERVE_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("plant", metavar="FILE", help="the plant (YAML overlay or IFC) whose twin is served, or a "
                   "scenario YAML whose study builds a twin")
    p.add_argument("--variant", help="a scenario's variant to serve (e.g. a plant that is not the model: "
                                     "--variant mismatch); default: the scenario as written")
    p.add_argument("--endpoint", default="opc.tcp://127.0.0.1:4840", type=endpoint, help="where to listen")
    p.add_argument("--speed", type=positive, default=1.0, help="simulated seconds per wall-clock second")
    p.add_argument("--setpoint", action="append", default=None, metavar="PATTERN",
                   help="glob of tags clients may write (repeatable; default: *_sp, *_set, *.F_sp)")
    p.add_argument("--history", type=new_file,
                   help="SQLite file in which to store every tag's history for clients to read")
    p.add_argument("--duration", type=positive, help="stop after this many seconds (default: run until Ctrl-C)")
    _security_arguments(p, server=True)
    p.set_defaults(func=_serve)


def _security_arguments(p, server: bool) -> None:
    g = p.add_argument_group("security")
    g.add_argument("--policy", action="append" if server else "store", default=None,
                   help="None, Basic256Sha256,Sign or Basic256Sha256,SignAndEncrypt" +
                        (" (repeatable; default: None)" if server else " (default: None)"))
    g.add_argument("--pki", type=Path, help="folder for certificates, generated on first use (default "
                   f"~/.local/share/pharma-twin/pki/{'serve' if server else 'bridge'}; refused inside a git work tree)")
    g.add_argument("--user", action="append" if server else "store", default=None, metavar="NAME:PASSWORD",
                   help="user allowed to log in (repeatable)" if server else "log in with this user")
    if server:
        g.add_argument("--allow-anonymous", action="store_true", help="let clients log in without credentials")
        g.add_argument("--allow-insecure", action="store_true",
                       help="let --user log in on policy None, where passwords travel in clear text (a trusted "
                            "network only)")
    else:
        g.add_argument("--cert-login", action="store_true", help="log in with this client's certificate")


def _quiet_asyncua() -> None:
    """asyncua logs what it survives (revised timeouts, a peer's fault) with tracebacks: the commands report
    problems themselves, once each."""
    import logging

    logging.getLogger("asyncua").setLevel(logging.CRITICAL)


def _fail(message: str, status: int = 2) -> int:
    print(f"twin: {message}", file=sys.stderr)
    return status


def _endpoint(url: str | None, what: str) -> None:
    """Refuse an endpoint that is not ``opc.tcp://host[:port]`` (the only transport asyncua speaks; a port in
    0-65535): the command line's are checked by argparse (twin.arguments.endpoint), a mapping file's here."""
    if url is not None:
        try:
            endpoint(url)
        except argparse.ArgumentTypeError as exc:
            raise ValueError(f"{what} {exc}") from None


def _pki(folder: Path | None, role: str) -> Path:
    """The certificate folder: ``folder``, else the per-user one of ``role``; never inside a git work tree."""
    from bridge.security import check_pki, default_pki

    return check_pki(folder if folder is not None else default_pki(role))


def _secured(policies, pki: Path | None) -> bool:
    """Whether a server needs its certificate folder: a secured policy, or a folder given (trust list, users)."""
    return pki is not None or any(policy != "None" for policy, _ in policies)


def _user(text: str) -> tuple[str, str]:
    name, sep, password = text.partition(":")
    if not sep or not name:
        raise ValueError(f"--user {text!r}: expected NAME:PASSWORD")
    return name, password


# -- twin bridge -----------------------------------------------------------------------------------------------
def _bridge(args) -> int:
    from bridge.client import Refused
    from bridge.security import SecurityError

    _quiet_asyncua()
    try:
        for url, what in ((args.endpoint, "endpoint"), (args.discover, "--discover"), (args.serve, "--serve")):
            _endpoint(url, what)
        security = _client_security(args)
        if args.shadow and args.clock == "unix":
            return _fail("bridge: the shadow twin runs on the bridge's clock: leave out --clock unix with --shadow")
        if args.serve and not args.shadow:
            return _fail("bridge: --serve serves the shadow twin: give --shadow PLANT too")
        args.serve_security = _serve_security(args, "bridge")
        if args.discover:
            return asyncio.run(_discover(args, security))
        if not args.mapping:
            return _fail("bridge: give a mapping file, or --discover ENDPOINT to write one (see twin bridge --help)")
        return asyncio.run(_follow(args, security))
    except Refused as exc:
        return _fail(f"bridge: {exc}", status=3)
    except (ConfigError, SecurityError, ValueError, KeyError, OSError) as exc:
        return _fail(f"bridge: {exc}")
    except KeyboardInterrupt:
        return 130


def _client_security(args):
    """The client's :class:`~bridge.security.ClientSecurity` from ``--policy``, ``--pki``, ``--user``,
    ``--cert-login``."""
    from bridge.security import ClientSecurity, parse_policy

    policy, mode = parse_policy(args.policy or "None")
    name, password = _user(args.user) if args.user else (None, None)
    pki = _pki(args.pki, "bridge") if policy != "None" or args.cert_login else args.pki
    return ClientSecurity(policy, mode, pki=pki, username=name, password=password, certificate_login=args.cert_login)


def _serve_security(args, command: str):
    """The :class:`~bridge.security.ServerSecurity` of ``--serve`` (None without it): users need an encrypted policy
    unless ``--serve-allow-insecure``; anonymous login only with ``--serve-allow-anonymous``."""
    from bridge.security import ServerSecurity, parse_policy

    if not args.serve:
        return None
    policies = tuple(parse_policy(p) for p in args.serve_policy or ["None"])
    if args.serve_user and ("None", None) in policies:
        if not args.serve_allow_insecure:
            raise ValueError("--serve-user on policy None: clients would send their passwords in clear "
                             "text; give --serve-policy Basic256Sha256,SignAndEncrypt, or --serve-allow-insecure on "
                             "a trusted network")
        print(f"twin {command}: warning: --serve-allow-insecure: user passwords travel in clear text on policy None",
              file=sys.stderr)
    return ServerSecurity(policies, pki=_pki(args.serve_pki, "serve") if _secured(policies, args.serve_pki) else None,
                          users=dict(_user(u) for u in args.serve_user or []),
                          allow_anonymous=args.serve_allow_anonymous)


async def _discover(args, security) -> int:
    from bridge.discover import discover
    from bridge.mapping import dump_mapping

    tags = []
    if args.plant:
        import twin.plant

        tags = list(twin.plant.load(args.plant).instruments)
    from asyncua import ua

    from bridge.client import refusal_of

    try:
        mapping = await discover(args.discover, security=security, plant_tags=tags)
    except (OSError, TimeoutError, ConnectionError, ua.UaError, AssertionError) as exc:
        refusal = refusal_of(exc, args.discover, security)
        if refusal:
            return _fail(f"bridge: {refusal}", 3)
        if isinstance(exc, OSError | TimeoutError | ConnectionError):
            return _fail(f"bridge: cannot reach {args.discover}: {exc}; is the server running, host and port "
                         "right?", 4)
        return _fail(f"bridge: browsing {args.discover} failed: {type(exc).__name__}: {exc}", 4)
    text = dump_mapping(mapping)
    if args.output == "-":
        print(text, end="")
    else:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"wrote {len(mapping.tags)} tags to {args.output}", file=sys.stderr)
    return 0


async def _follow(args, security) -> int:
    from tqdm import tqdm

    from bridge.client import Bridge
    from bridge.mapping import load_mapping
    from bridge.realtime import run_in_real_time
    from twin.tags import TagBus

    mapping = load_mapping(args.mapping)
    _endpoint(mapping.endpoint, f"{args.mapping}: endpoint")
    origin = 0.0 if args.clock == "unix" else time.time()
    live = TagBus()
    bridge = Bridge(live, mapping, args.endpoint, security=security, time_origin=origin,
                    report=lambda message: tqdm.write(f"twin bridge: {message}", file=sys.stderr))
    shadow = _shadow(args.shadow, live, [m.tag for m in mapping.tags], args.band,
                     args.drive or ["*_sp", "*_set"]) if args.shadow else None
    try:
        async with contextlib.AsyncExitStack() as stack:
            if shadow is not None:
                tw = shadow.predicted_by
                if args.serve:
                    await stack.enter_async_context(_served(tw, args.serve, args.serve_security, origin))
                tw.run(until=time.time() - origin)  # the twin's t = 0 is the bridge's: catch up the time spent loading
                follower = asyncio.create_task(run_in_real_time(tw))
                stack.callback(follower.cancel)
            bar = stack.enter_context(tqdm(desc=f"{bridge.endpoint}", unit=" updates", file=sys.stderr))
            await stack.enter_async_context(bridge)  # leaving it raises Refused if the server refused the bridge
            end = None if args.duration is None else time.monotonic() + args.duration
            while (end is None or time.monotonic() < end) and not bridge.finished:
                await asyncio.sleep(0.5)
                bar.update(bridge.stats["updates"] - bar.n)
                bar.set_postfix(tags=len(mapping.tags), problems=len(bridge.problems), lost=bridge.stats["lost"],
                                gaps=bridge.stats["gaps"], backfilled=bridge.stats["backfilled"])
    finally:  # also on Ctrl-C or a refusal: what was recorded is kept
        if args.csv:
            shadowed = [] if shadow is None else [(shadow.out, f"{name}.{signal}") for name in shadow.bands
                                                  for signal in ("deviation", "alarm")]
            _write_csv(args.csv, [(live, "*"), *shadowed])
    print(f"{bridge.stats['updates']} updates, {bridge.stats['backfilled']} back-filled, {bridge.stats['gaps']} "
          f"gaps marked, {bridge.stats['lost']} lost, {len(bridge.problems)} problems", file=sys.stderr)
    if shadow is not None:
        print(_alarm_summary(shadow), file=sys.stderr)
    if not bridge.stats["connections"]:
        return _fail(f"bridge: never reached {bridge.endpoint} in {args.duration:g} s; nothing was recorded", 4)
    return 0


def _shadow(plant_file: str, live, tags: list[str], band: float, drive: list[str]):
    """The plant's twin (``predicted_by``) fed with the mapped tags matching ``drive``, and deviation and alarm tags,
    written into the twin's bus, for the other mapped tags it also predicts."""
    from fnmatch import fnmatchcase

    import twin.plant
    from bridge import shadow as shadow_mode
    from twin.twin import Twin

    tw = Twin(twin.plant.load(plant_file))
    shared = [t for t in tags if t in tw.tags]
    mismatched = [f"{t} ({live[t].unit or 'no unit'} in the mapping, {tw.tags[t].unit or 'no unit'} in the twin)"
                  for t in shared if live[t].unit != tw.tags[t].unit and {live[t].unit, tw.tags[t].unit} - {"", "1"}]
    if mismatched:
        raise ValueError(f"--shadow: the mapping and the twin state different units for {', '.join(mismatched)}; "
                         "hint: set `unit:` in the mapping to the twin's (and `source_unit:` to the server's)")
    driven = [t for t in shared if any(fnmatchcase(t, pattern) for pattern in drive)]
    compared = [t for t in shared if t not in driven]
    if not compared:
        print("twin bridge: --shadow: no mapped tag is also a tag the twin predicts; nothing to compare",
              file=sys.stderr)
    shadow_mode.drive(live, tw, driven)
    shadow = shadow_mode.Shadow(live, tw.tags, compared, band=band)
    shadow.predicted_by = tw
    return shadow


def _alarm_summary(shadow) -> str:
    """How many tags the shadow compared, and how often an alarm went from clear to raised."""
    raised = 0
    for name in shadow.bands:
        states = shadow.out.history(f"{name}.alarm")[1]
        raised += sum(int(now and not before) for before, now in zip([False, *states[:-1]], states))
    n = len(shadow.bands)
    return f"shadow: {n} tag{'s' if n != 1 else ''} compared, alarm raised {raised} time{'s' if raised != 1 else ''}"


def _served(tw, endpoint: str, security, origin: float):
    """A TwinServer over the shadow twin's bus, its clock the twin's."""
    from bridge.server import TwinServer, hierarchy_of

    plant = tw.plant
    return TwinServer(tw.tags, endpoint, name=plant.name, hierarchy=hierarchy_of(plant), security=security,
                      time_origin=origin, clock=lambda: tw.now)


def _write_csv(path: str, parts) -> None:
    """The history of the tags of each ``(bus, pattern)`` of ``parts``, as rows ``tag, t, value, quality``. A BAD
    row of a bool, int or str tag (a gap mark) has an empty value: the bus holds the last value there, not data."""
    import csv

    from twin.tags import Quality

    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["tag", "t", "value", "quality"])
        for bus, pattern in parts:
            columns = bus.columns(pattern)
            typed = {name for name in set(columns["tag"]) if bus[name].dtype is not float}
            writer.writerows((tag, t, "" if q == Quality.BAD and tag in typed else value, q)
                             for tag, t, value, q in zip(columns["tag"], columns["t"], columns["value"],
                                                         columns["quality"]))


# -- twin serve ------------------------------------------------------------------------------------------------
def _serve(args) -> int:
    from bridge.security import SecurityError, ServerSecurity, parse_policy

    _quiet_asyncua()
    try:
        users = dict(_user(u) for u in args.user or [])
        policies = tuple(parse_policy(p) for p in args.policy or ["None"])
        if users and ("None", None) in policies:
            if not args.allow_insecure:
                return _fail("serve: --user on policy None: clients would send their passwords in clear text; give "
                             "--policy Basic256Sha256,SignAndEncrypt (certificates are made in --pki), or "
                             "--allow-insecure on a trusted network")
            print("twin serve: warning: --allow-insecure: user passwords travel in clear text on policy None",
                  file=sys.stderr)
        security = ServerSecurity(policies, pki=_pki(args.pki, "serve") if _secured(policies, args.pki) else None,
                                  users=users, allow_anonymous=args.allow_anonymous)
        return asyncio.run(_run_server(args, security))
    except (ConfigError, SecurityError, ValueError, OSError) as exc:
        return _fail(f"serve: {exc}")
    except KeyboardInterrupt:
        return 130


async def _run_server(args, security) -> int:
    from bridge.instruments import measured_variables
    from bridge.realtime import run_in_real_time
    from bridge.server import TwinServer, hierarchy_of

    tw = twin_of(args.plant, args.variant)
    plant = tw.plant
    origin = time.time()
    reads = measured_variables(plant, tw.tags)
    instruments = {tag: (reads[tag], i.unit or "", i.name) for tag, i in plant.instruments.items()}
    server = TwinServer(tw.tags, args.endpoint, name=plant.name, hierarchy=hierarchy_of(plant),
                        setpoints=args.setpoint or ["*_sp", "*_set", "*.F_sp"], history=args.history,
                        security=security, time_origin=origin, clock=lambda: tw.now, instruments=instruments)
    async with server:
        unread = sorted(tag for tag in server.instruments if reads[tag] is None)
        print(f"serving {len(tw.tags)} tags and {len(server.instruments)} instruments of {plant.name} on "
              f"{args.endpoint} (Ctrl-C stops)", file=sys.stderr)
        if unread:
            print(f"twin serve: {len(unread)} instruments have no model variable and are served without a value: "
                  f"{', '.join(unread)}; hint: `properties: {{measures: TAG}}` on an instrument in the plant file "
                  "says which tag it reads", file=sys.stderr)
        until = None if args.duration is None else args.duration * args.speed
        server.time_origin = time.time() - tw.now  # the twin's clock starts now, not when loading began
        await run_in_real_time(tw, speed=args.speed, until=until)
    return 0


def twin_of(path: str, variant: str | None = None):
    """The twin ``twin serve`` serves for *path*: the first a ``twin.twins`` plug-in builds from the file (a
    scenario's study twin, of its ``variant``; see pyproject.toml), else the twin of the plant file."""
    import twin.plant
    from twin.twin import Twin

    tw = built_from("twin.twins", path, variant)
    if tw is not None:
        return tw
    try:
        return Twin(twin.plant.load(path))
    except ConfigError as exc:
        exc.hint = exc.hint or ("twin serve takes a plant (.ifc, plant overlay or mesh layout .yaml) or a scenario "
                                ".yaml whose study builds a twin (study: continuous_manufacturing)")
        raise


def built_from(group: str, path: str, variant: str | None = None):
    """What the first plug-in of the entry-point ``group`` builds from the file at *path* (``factory(path,
    variant)``), or None if none takes it; a ``variant`` of a file no plug-in takes is a ValueError."""
    from importlib.metadata import entry_points

    for factory in sorted(entry_points(group=group), key=lambda ep: ep.name):
        built = factory.load()(path, variant)
        if built is not None:
            return built
    if variant is not None:
        raise ValueError(f"--variant {variant}: {path} is not a scenario with variants")
    return None
