"""``twin follow MODEL --endpoint opc.tcp://...``: the twin beside a live plant, following it through its measurements.

The bridge streams the plant's measured and input tags into a follower twin's TagBus as they arrive (subscriptions,
not a recording); an :class:`~twin.process.estimation.Estimator` (an extended Kalman filter over MODEL's process
models, with the values MODEL states) assimilates them on the follower's clock, which follows the plant's
timestamps (so a plant served faster than real time is followed as fast); the estimates ``<name>.est``,
``<name>.std`` and ``EST.nis``/``updates``/``rejected``/``late`` are served over OPC UA (``--serve``, twin serve's
address space) and written to CSV (``--csv``, rows tag, t, value, quality).

Without ``--mapping`` the plant's nodes are found by tag name in the ``urn:pharma-twin:tags`` namespace, as
``twin serve`` publishes them (a virtual plant); a live plant's server needs a mapping file (``twin bridge
--discover``). Connection security: anonymous, no encryption (a loopback or a trusted network).
"""
from __future__ import annotations

import argparse
import asyncio
import sys
import time

EXAMPLES = """\
examples:
  twin follow plant.yaml --endpoint opc.tcp://127.0.0.1:4840 --measure R-101.TT-01=0.2 --estimate R-101.UA=200
  twin follow plant.yaml --endpoint opc.tcp://plc:4840 --mapping map.yaml --measure R-101.T=0.2 \\
      --estimate R-101.UA=200 --input R-101.T_cin --period 10 --serve opc.tcp://0.0.0.0:4841 --csv follow.csv

MODEL is a plant or scenario file (as twin serve takes). --measure TAG=SD: an output tag of the model measured by
the plant, with the sensor's standard deviation; --estimate NAME=SD: a parameter estimated, with its prior standard
deviation; --noise NAME=Q: process noise (unit per sqrt(s)); --std0 STATE=SD: a state's initial uncertainty;
--input TAG: a model input read from the plant. See docs/estimation.md.

exit status: 0 ran to the end (--duration); 2 bad input (nothing contacted); 4 the plant's server could not be
reached, or sent no sample within 30 s
"""


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("follow", help="follow a live plant: estimate states and parameters from its tags",
                              description=__doc__.split("\n\n")[1], epilog=EXAMPLES,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", help="plant or scenario file: the process models the twin believes")
    p.add_argument("--endpoint", required=True, help="the plant's OPC UA server, opc.tcp://host:port")
    p.add_argument("--mapping", help="mapping YAML (node -> tag) of a live plant's server (default: tag names in "
                                     "the urn:pharma-twin:tags namespace, as twin serve publishes them)")
    for flag, meta, text in (("--measure", "TAG=SD", "a measured output tag and its noise sd (repeatable)"),
                             ("--estimate", "NAME=SD", "an estimated parameter and its prior sd (repeatable)"),
                             ("--noise", "NAME=Q", "process noise of a state or parameter, per sqrt(s)"),
                             ("--std0", "STATE=SD", "initial standard deviation of a state")):
        p.add_argument(flag, action="append", default=[], metavar=meta, help=text)
    p.add_argument("--input", action="append", default=[], metavar="TAG", help="a model input read from the plant")
    p.add_argument("--period", type=float, default=10.0, help="seconds of plant time between estimates (10)")
    p.add_argument("--serve", metavar="ENDPOINT", help="serve the estimates here (opc.tcp://127.0.0.1:4841)")
    p.add_argument("--csv", help="write the estimates and the plant's tags here on exit")
    p.add_argument("--duration", type=float, help="stop after this many seconds of wall time (default: Ctrl-C)")
    p.add_argument("--stale", type=float, default=10.0, help="report a plant silent this many seconds (10)")
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


def _main(args) -> int:
    from bridge.cli import twin_of
    from twin.config import ConfigError
    from twin.process.estimation import EstimationError, ExtendedKalmanFilter

    try:
        settings = {"measurements": pairs(args.measure, "--measure"),
                    "parameters": pairs(args.estimate, "--estimate"),
                    "process_noise": pairs(args.noise, "--noise"), "std0": pairs(args.std0, "--std0")}
        if not (args.period > 0 and args.stale > 0):
            raise ValueError(f"--period and --stale must be positive, got {args.period} and {args.stale}")
        model = twin_of(args.model)
        if not model.flowsheet.models:
            raise ValueError(f"{args.model}: its twin has no process models to estimate")
        dae = model.flowsheet.build()
        ExtendedKalmanFilter(dae, **settings)  # every name and sigma checked before anything is contacted
        mapping = None
        if args.mapping:
            from bridge.mapping import load_mapping

            mapping = load_mapping(args.mapping)
    except (ValueError, ConfigError, EstimationError) as exc:
        print(f"twin follow: {exc}", file=sys.stderr)
        return 2
    try:
        follower = asyncio.run(follow(dae, args.endpoint, settings, period=args.period, inputs=args.input,
                                      serve=args.serve, duration=args.duration, mapping=mapping, csv=args.csv,
                                      stale=args.stale))
    except TimeoutError as exc:
        print(f"twin follow: {exc}", file=sys.stderr)
        return 4
    except OSError as exc:
        print(f"twin follow: cannot reach {args.endpoint}: {exc}; is the server running, host and port right?",
              file=sys.stderr)
        return 4
    except KeyboardInterrupt:
        return 130
    for name in settings["parameters"]:
        print(f"{name}: {follower.tags.read(name + '.est'):.6g} +/- {follower.tags.read(name + '.std'):.3g}")
    return 0


async def follow(dae, endpoint: str, settings: dict, *, period: float, inputs=(), serve: str | None = None,
                 duration: float | None = None, mapping=None, csv: str | None = None, first_sample: float = 30.0,
                 stale: float = 10.0, stop: asyncio.Event | None = None):
    """Follow the plant at ``endpoint`` until ``duration`` seconds of wall time pass (or ``stop`` is set); returns
    the follower twin (its bus holds the plant's tags and the estimates). ``settings``: the filter's keyword
    arguments (``measurements``, ``parameters``, ``process_noise``, ``std0``). A plant silent for ``stale`` seconds
    of wall time is reported once (the bridge reports the connection itself)."""
    from bridge.client import Bridge
    from bridge.mapping import Mapping, TagMap
    from twin import Twin
    from twin.process.estimation import Estimator, ExtendedKalmanFilter

    measured, inputs = list(settings["measurements"]), list(inputs)
    if mapping is None:
        ns = await _namespace(endpoint)
        mapping = Mapping(tuple(TagMap(name, node=f"ns={ns};s={name}", unit=dae.units.get(name, ""))
                                for name in measured + inputs), endpoint=endpoint)
    origin = time.time()
    follower = Twin(sample_interval=period)
    bridge = Bridge(follower.tags, mapping, endpoint, time_origin=origin,
                    report=lambda message: print(f"twin follow: {message}", file=sys.stderr))
    end = None if duration is None else time.monotonic() + duration
    async with bridge:
        t_first = await _first_sample(follower.tags, measured, first_sample)
        ekf = ExtendedKalmanFilter(dae, t0=t_first, **settings)
        follower.add(Estimator(ekf, period=period, inputs=inputs))
        server = None
        if serve:
            from bridge.server import TwinServer

            server = TwinServer(follower.tags, serve, name="follower", time_origin=origin,
                                clock=lambda: follower.now)
            await server.start()
        heard, warned, ran = time.monotonic(), False, False
        try:
            while (end is None or time.monotonic() < end) and not (stop is not None and stop.is_set()):
                latest = max((follower.tags[n].timestamp for n in measured + inputs
                              if follower.tags[n].timestamp == follower.tags[n].timestamp), default=0.0)
                if latest > follower.now or not ran:  # the first samples may predate the follower's t = 0
                    follower.run(until=max(latest, follower.now))
                    heard, warned, ran = time.monotonic(), False, True
                elif not warned and time.monotonic() - heard > stale:
                    print(f"twin follow: no new sample from the plant for {stale:g} s (the last at t = "
                          f"{follower.now:.6g} s); the estimates wait at that time", file=sys.stderr)
                    warned = True
                await asyncio.sleep(0.05)
        finally:
            if server is not None:
                await server.stop()
            if csv:
                from bridge.cli import _write_csv

                _write_csv(csv, [(follower.tags, "*")])
    return follower


async def _namespace(endpoint: str) -> int:
    from asyncua import Client

    from bridge.server import NAMESPACE

    async with Client(endpoint, timeout=4) as client:
        return await client.get_namespace_index(NAMESPACE)


async def _first_sample(bus, measured: list[str], timeout: float) -> float:
    """The time of the plant's first measurement (the filter starts there)."""
    end = time.monotonic() + timeout
    while True:
        stamps = [bus[n].timestamp for n in measured if bus[n].timestamp == bus[n].timestamp]
        if stamps:
            return min(stamps)
        if time.monotonic() > end:
            raise TimeoutError(f"no sample of {', '.join(measured)} from the plant within {timeout:g} s")
        await asyncio.sleep(0.05)
