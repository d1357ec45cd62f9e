"""``twin follow PLANT_OR_SCENARIO --endpoint opc.tcp://...``: the twin beside a live plant, following it through its
measurements.

The bridge streams the plant's measured and input tags into a follower twin's TagBus as they arrive (subscriptions,
not a recording); an :class:`~twin.process.estimation.Estimator` (an extended Kalman filter over the model the twin
believes) assimilates them on the follower's clock, which follows the plant's timestamps (so a plant served faster
than real time is followed as fast); its estimates ``<name>.est``/``<name>.std``, its alarms and ``EST.nis``/
``updates``/``rejected``/``late`` are served over OPC UA (``--serve``, twin serve's address space) and logged as
they come (``--log``, CSV or Parquet by extension: rows tag, t, value, quality).

What the twin believes and estimates is a :class:`~twin.following.FollowPlan`. A scenario file brings its own
(the entry-point group ``twin.followers``: the study builds it from the scenario's ``uncertainty:`` and
instruments); for a plant file the flags say it (``--measure``, ``--estimate``, ...), and they add to or override
a scenario's. Without ``--mapping`` the plant's nodes are found by tag name in the ``urn:pharma-twin:tags``
namespace, as ``twin serve`` publishes them (a virtual plant); a live plant's server needs a mapping file
(``twin bridge --discover``). Security as ``twin bridge``: the client's ``--policy``/``--user``/``--pki``, the
follower's server ``--serve-policy``/``--serve-user`` (anonymous clients only with ``--serve-allow-anonymous``).
"""
from __future__ import annotations

import argparse
import asyncio
import math
import sys
import time
from dataclasses import dataclass, replace

from twin.arguments import endpoint, new_file, positive

EXAMPLES = """\
examples:
  twin follow scenarios/continuous_manufacturing/flagship.yaml --endpoint opc.tcp://127.0.0.1:4840 \\
      --serve opc.tcp://127.0.0.1:4841 --serve-allow-anonymous --log follow.parquet
                                  the flagship line as its scenario declares it (uncertainty:, instruments), served
  twin follow plant.yaml --endpoint opc.tcp://127.0.0.1:4840 --measure R-101.TT-01=0.2 --estimate R-101.UA=200
  twin follow plant.yaml --endpoint opc.tcp://plc:4840 --mapping map.yaml --measure R-101.T=0.2 \\
      --estimate R-101.UA=200 --input R-101.T_cin --period 10 --policy Basic256Sha256,SignAndEncrypt \\
      --user twin:secret --serve opc.tcp://0.0.0.0:4841 --serve-policy Basic256Sha256,SignAndEncrypt \\
      --serve-user scada:secret --log follow.csv

A virtual plant to try it on: twin serve flagship.yaml --variant mismatch --speed 100 --allow-anonymous.
--measure TAG=SD: an output of the model measured by the plant, with the sensor's standard deviation;
--estimate NAME=SD: a parameter estimated, with its prior standard deviation; --noise NAME=Q: process noise (unit
per sqrt(s)); --std0 STATE=SD: a state's initial uncertainty; --input TAG: a model input read from the plant.
See docs/estimation.md and docs/bridge.md.

exit status: 0 ran to the end (--duration); 2 bad input (nothing contacted), or the plant's server has none of
the measured tags, or --serve's port is taken; 3 refused by a server (certificate, policy, login); 4 the plant's
server could not be reached, gave no OPC UA answer, or sent no sample within 30 s; 130 interrupted (the log is kept)
"""

FLUSH = 5.0      # s of wall time between appends to the log
DESCRIPTION = """\
The bridge streams the plant's tags into a follower twin as they arrive; an extended Kalman filter over the model
the twin believes (a scenario's, from its uncertainty: and instruments; or the flags' for a plant file) assimilates
them on a clock that follows the plant's timestamps; the estimates (NAME.est, NAME.std), predictions and alarms are
served over OPC UA (--serve) and logged as they come (--log .csv or .parquet)."""


def add_parser(subparsers) -> None:
    from bridge.cli import _security_arguments, _serve_arguments

    p = subparsers.add_parser("follow", help="follow a live plant: estimate states and parameters from its tags",
                              description=DESCRIPTION, epilog=EXAMPLES,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", help="scenario or plant file: the model the twin believes")
    p.add_argument("--variant", help="the scenario's variant whose model the twin believes (default: as written)")
    p.add_argument("--endpoint", required=True, type=endpoint, help="the plant's OPC UA server, opc.tcp://host:port")
    p.add_argument("--mapping", help="mapping YAML (node -> tag) of a live plant's server (default: tag names in "
                                     "the urn:pharma-twin:tags namespace, as twin serve publishes them)")
    for flag, meta, text in (("--measure", "TAG=SD", "a measured output tag and its noise sd (repeatable)"),
                             ("--estimate", "NAME=SD", "an estimated parameter and its prior sd (repeatable)"),
                             ("--noise", "NAME=Q", "process noise of a state or parameter, per sqrt(s)"),
                             ("--std0", "STATE=SD", "initial standard deviation of a state")):
        p.add_argument(flag, action="append", default=[], metavar=meta, help=text)
    p.add_argument("--input", action="append", default=[], metavar="TAG", help="a model input read from the plant")
    p.add_argument("--period", type=positive, help="seconds of plant time between published estimates (the "
                                                "scenario's, else 10)")
    p.add_argument("--log", type=new_file, help="log the plant's tags, the estimates and alarms here as they come "
                                                "(.csv or .parquet)")
    p.add_argument("--csv", type=new_file, help=argparse.SUPPRESS)        # the older name of --log FILE.csv
    p.add_argument("--duration", type=positive, help="stop after this many seconds of wall time (default: Ctrl-C)")
    p.add_argument("--stale", type=positive, default=10.0, help="report a plant tag silent this many seconds (10)")
    _security_arguments(p, server=False)
    _serve_arguments(p, "serving the follower", "the follower's estimates, predictions and alarms served to "
                        "SCADA/MES (twin serve's address space)", "serve the follower here (opc.tcp://127.0.0.1:4841)")
    p.set_defaults(func=_main)


def pairs(items: list[str], flag: str) -> dict[str, float]:
    """``["A=1", "B=2.5"]`` -> ``{"A": 1.0, "B": 2.5}``; a malformed item is a ValueError naming the flag."""
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        try:
            out[name] = float(value) if sep and name else float("x")
        except ValueError:
            raise ValueError(f"{flag} {item!r}: write NAME=NUMBER, e.g. {flag} R-101.UA=200") from None
    return out


def plan_of(path: str, variant: str | None = None):
    """The :class:`~twin.following.FollowPlan` a ``twin.followers`` plug-in builds for the file (a scenario's),
    or None (a plant file: the flags make the plan)."""
    from bridge.cli import built_from

    return built_from("twin.followers", path, variant)


def with_flags(plan, args):
    """``plan`` (None: a plant file's) with the flags added: they extend or override the plan's settings."""
    from twin.following import FollowPlan

    measure, estimate = pairs(args.measure, "--measure"), pairs(args.estimate, "--estimate")
    noise, std0 = pairs(args.noise, "--noise"), pairs(args.std0, "--std0")
    if plan is None:
        from bridge.cli import twin_of

        model = twin_of(args.model)
        if not model.flowsheet.models:
            raise ValueError(f"{args.model}: its twin has no process models to estimate")
        if not measure:
            raise ValueError(f"{args.model} is a plant file: say what the plant measures (--measure TAG=SD) and "
                             "what to estimate (--estimate NAME=SD), or give a scenario with an uncertainty: section")
        plan = FollowPlan(model.flowsheet.build(), measurements={})
    period = args.period if args.period is not None else plan.period
    if not (period > 0 and args.stale > 0):
        raise ValueError(f"--period and --stale must be positive, got {period} and {args.stale}")
    return replace(plan, measurements={**plan.measurements, **measure}, parameters={**plan.parameters, **estimate},
                   process_noise={**plan.process_noise, **noise}, std0={**plan.std0, **std0},
                   inputs={**plan.inputs, **{name: name for name in args.input}}, period=period)


def _main(args) -> int:
    from bridge.cli import _client_security, _endpoint, _quiet_asyncua, _serve_security
    from bridge.client import Refused
    from bridge.log import kind_of
    from bridge.security import SecurityError
    from bridge.server import Unservable
    from twin.config import ConfigError
    from twin.process.estimation import EstimationError, ExtendedKalmanFilter

    _quiet_asyncua()
    log = args.log or args.csv
    try:
        for url, what in ((args.endpoint, "--endpoint"), (args.serve, "--serve")):
            _endpoint(url, what)
        if log:
            kind_of(log)
        plan = with_flags(plan_of(args.model, args.variant), args)
        ExtendedKalmanFilter(plan.model, **plan.settings)  # every name and sigma checked before anything is contacted
        security, serve_security = _client_security(args), _serve_security(args, "follow")
        mapping = None
        if args.mapping:
            from bridge.mapping import load_mapping

            mapping = load_mapping(args.mapping)
    except (ValueError, ConfigError, EstimationError, SecurityError, OSError) as exc:
        print(f"twin follow: {exc}", file=sys.stderr)
        return 2
    for note in plan.notes:
        print(f"twin follow: note: {note}", file=sys.stderr)
    try:
        result = asyncio.run(follow(plan, args.endpoint, serve=args.serve, serve_security=serve_security,
                                    security=security, duration=args.duration, mapping=mapping, log=log,
                                    stale=args.stale))
    except Refused as exc:
        print(f"twin follow: {exc}", file=sys.stderr)
        return 3
    except Unmeasured as exc:
        print(f"twin follow: {exc}", file=sys.stderr)
        return 2
    except Unservable as exc:   # --serve's port taken: not the plant out of reach
        print(f"twin follow: --serve {exc}", file=sys.stderr)
        return 2
    except TimeoutError as exc:
        print(f"twin follow: {exc}", file=sys.stderr)
        return 4
    except OSError as exc:
        print(f"twin follow: cannot reach {args.endpoint}: {exc}; is the server running, host and port right?",
              file=sys.stderr)
        return 4
    except KeyboardInterrupt:
        return 130
    print(result.summary(plan), file=sys.stderr)
    return 0


@dataclass
class Followed:
    """What a follow run leaves: the follower twin (its bus holds the plant's tags, the estimates and alarms), the
    plant time it followed and the wall time it took, and the wall time the follower spent computing."""

    twin: object
    plant_time: float = 0.0
    wall_time: float = 0.0
    busy: float = 0.0

    @property
    def realtime_factor(self) -> float:
        """Plant seconds followed per wall second (the plant's pace, if the follower keeps up)."""
        return self.plant_time / self.wall_time if self.wall_time > 0 else math.nan

    @property
    def capacity(self) -> float:
        """Plant seconds the follower could follow per second of its own computing: how fast a plant it keeps up
        with."""
        return self.plant_time / self.busy if self.busy > 0 else math.nan

    def summary(self, plan) -> str:
        from twin.following import raised

        bus = self.twin.tags
        lines = [f"{name}: {bus.read(name + '.est'):.6g} +/- {bus.read(name + '.std'):.3g}"
                 for name in plan.parameters]
        lines += [f"alarm {tag}: raised {n} time{'s' if n != 1 else ''}" for tag, n in raised(bus, plan.alarms).items()]
        lines.append(f"{bus.read('EST.updates'):.0f} updates, {bus.read('EST.late'):.0f} late, "
                     f"{bus.read('EST.rejected'):.0f} rejected")
        lines.append(f"followed {self.plant_time:.6g} s of the plant in {self.wall_time:.3g} s: "
                     f"{self.realtime_factor:.0f}x real time; the follower computed for {self.busy:.3g} s "
                     f"(it keeps up with a plant up to {self.capacity:.0f}x)")
        return "\n".join(lines)


async def follow(plan, endpoint: str, *, serve: str | None = None, serve_security=None, security=None,
                 duration: float | None = None, mapping=None, log: str | None = None, first_sample: float = 30.0,
                 stale: float = 10.0, stop: asyncio.Event | None = None) -> Followed:
    """Follow the plant at ``endpoint`` by ``plan`` (a :class:`~twin.following.FollowPlan`) until ``duration``
    seconds of wall time pass (or ``stop`` is set). A measured tag silent for ``stale`` seconds of wall time while
    the plant goes on, or the whole plant silent, is reported once (the bridge reports the connection itself); the
    log is appended every few seconds and closed on every exit."""
    from bridge.client import Bridge
    from bridge.mapping import Mapping, TagMap
    from twin import Twin
    from twin.following import AlarmWatch, StepMeans
    from twin.process.estimation import Estimator, ExtendedKalmanFilter
    from twin.tags import TagBus

    measured, wanted = plan.measured_tags, plan.plant_tags
    if mapping is None:
        ns = await _namespace(endpoint, security)
        # a virtual plant served faster than real time changes its tags many times a second: queues that hold them
        mapping = Mapping(tuple(TagMap(name, node=f"ns={ns};s={name}", unit=plan.model.units.get(name, ""))
                                for name in wanted), endpoint=endpoint, queue_size=1000)
    origin = time.time()
    follower, live = Twin(sample_interval=plan.period), TagBus()
    bridge = Bridge(live, mapping, endpoint, security=security, time_origin=origin,
                    report=lambda message: print(f"twin follow: {message}", file=sys.stderr))
    for name in wanted:             # the plant's tags, handed to the follower in time order as its clock advances
        follower.tags.define(name, unit=live[name].unit, dtype=live[name].dtype)
    steps = StepMeans(follower.tags, plan.step_means)
    inputs = {name: steps.names.get(tag, tag) for name, tag in plan.inputs.items()}
    end = None if duration is None else time.monotonic() + duration
    done = Followed(follower)
    server = tagged = None
    try:
        async with bridge:
            t_first = await _first_sample(live, measured, first_sample, lambda: bridge.unbridged)
            ekf = ExtendedKalmanFilter(plan.model, t0=t_first, **plan.settings)
            follower.add(Estimator(ekf, period=plan.period, tags=plan.tags, inputs=inputs, publish=plan.publish))
            AlarmWatch(follower.tags, plan.alarms)
            if log:
                from bridge.log import TagLog

                tagged = TagLog(log, follower.tags)
            if serve:
                from bridge.server import TwinServer, hierarchy_of

                plant = plan.plant
                server = TwinServer(follower.tags, serve, name=f"{plant.name} (follower)" if plant else "follower",
                                    hierarchy=hierarchy_of(plant) if plant else None, security=serve_security,
                                    time_origin=origin, clock=lambda: follower.now)
                await server.start()
            await _loop(follower, live, done, wanted, measured, t_first, end, stop, stale, tagged)
    finally:
        if server is not None:
            await server.stop()
        if tagged is not None:
            tagged.close()
        steps.close()
    return done


async def _loop(follower, live, done: Followed, wanted: list[str], measured: list[str], t_first: float, end, stop,
                stale, log) -> None:
    """As samples arrive on the ``live`` bus, hand them to the follower in time order, turn by turn of its
    estimator (which sees what came up to its turn, never after), up to the time every tag still reporting has
    reached (a sample arriving later is not late); report silences; append to the log."""
    start, period = time.monotonic(), follower.sample_interval
    heard = dict.fromkeys(wanted, start)        # when each tag last brought a new sample (wall)
    stamps = {name: live[name].timestamp for name in wanted}
    handed = dict.fromkeys(wanted, 0)           # samples of each tag handed to the follower
    quiet, silent, ran, flushed = set(), False, False, start
    while (end is None or time.monotonic() < end) and not (stop is not None and stop.is_set()):
        now = time.monotonic()
        for name in wanted:
            if live[name].timestamp != stamps[name] and live[name].timestamp == live[name].timestamp:
                stamps[name], heard[name] = live[name].timestamp, now
                quiet.discard(name)
        going = [t for name, t in stamps.items() if t == t and now - heard[name] <= stale]
        latest = min(going, default=max((t for t in stamps.values() if t == t), default=0.0))
        # the first turn runs the filter to the follower's t = 0, so it waits for the samples to reach it: those
        # stamped before it (the values read at connection, the changes queued since) may still be on the way, and
        # handed after that turn they were late, skipped (unless the plant is silent: then all there is is here)
        first = not ran and (latest >= follower.now or now - max(heard.values()) > stale)
        if latest > follower.now or first:
            busy = time.perf_counter()
            target = max(latest, follower.now)
            while True:     # to each turn of the estimator (every period from t = 0) with what came up to it
                turn = (math.floor(follower.now / period + 1e-9) + 1) * period
                step = min(turn, target) if ran else follower.now
                _hand(live, follower.tags, handed, step)
                follower.run(until=step)
                ran = True
                if step >= target:
                    break
            done.busy += time.perf_counter() - busy
            silent = False
        elif not silent and now - max(heard.values()) > stale:
            print(f"twin follow: no new sample from the plant for {stale:g} s (the last at t = {follower.now:.6g} "
                  "s); the estimates wait at that time", file=sys.stderr)
            silent = True
        for name in measured:
            if name not in quiet and not silent and now - heard[name] > stale and max(heard.values()) > heard[name]:
                print(f"twin follow: {name}: no new sample for {stale:g} s while the plant's other tags go on (the "
                      f"last at t = {stamps[name]:.6g} s); the estimator predicts without it", file=sys.stderr)
                quiet.add(name)
        if log is not None and now - flushed > FLUSH:
            log.flush()
            flushed = now
        done.plant_time, done.wall_time = follower.now - t_first, time.monotonic() - start
        await asyncio.sleep(0.05)
    _hand(live, follower.tags, handed, math.inf)  # what came after the last turn is logged too


def _hand(live, bus, handed: dict[str, int], until: float) -> None:
    """Write each tag's samples of ``live`` up to time ``until`` not yet handed into ``bus``."""
    import numpy as np

    from twin.tags import Quality

    for name, done in handed.items():
        t, v, q = live.history(name)
        stop = done + int(np.searchsorted(t[done:], until, side="right"))
        for k in range(done, stop):
            bus.write(name, v[k], t=float(t[k]), quality=Quality(int(q[k])))
        handed[name] = stop


async def _namespace(endpoint: str, security=None) -> int:
    from asyncua import Client

    from bridge.server import NAMESPACE

    client = Client(endpoint, timeout=4)
    if security is not None:
        await security.apply(client)
    try:
        async with client:
            return await client.get_namespace_index(NAMESPACE)
    except TimeoutError:   # asyncio's carries no message: a port that takes the connection and says nothing
        raise TimeoutError(f"{endpoint} took the connection but gave no OPC UA answer within 4 s; is it the "
                           "plant's OPC UA server (host and port)?") from None


async def _first_sample(bus, measured: list[str], timeout: float, unbridged=lambda: set()) -> float:
    """The time of the plant's first measurement (the filter starts there: not at the latest, which skipped the
    samples that had come before it as late). When the server has none of the measured tags (``unbridged()``: the
    bridge's tags it found no node for) it is a :class:`Unmeasured` error."""
    end = time.monotonic() + timeout
    while True:
        stamps = [t[0] for t in (bus.history(n)[0] for n in measured) if t.size]
        if stamps:
            return min(stamps)
        if set(measured) <= unbridged():
            raise Unmeasured(f"the plant's server has no node for {', '.join(measured)}: a measurement with no "
                             "instrument on the plant; hint: twin serve a scenario (its instruments are served as "
                             "tags), or map the plant's nodes to these tags with --mapping (twin bridge --discover)")
        if time.monotonic() > end:
            raise TimeoutError(f"no sample of {', '.join(measured)} from the plant within {timeout:g} s")
        await asyncio.sleep(0.05)


class Unmeasured(ValueError):
    """The plant's server has none of the tags the twin measures."""
