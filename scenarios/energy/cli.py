"""``twin energy shadow``: the energy study beside the live plant, from a recording of its tags (guide 41).

Registered in pyproject.toml under ``[project.entry-points."twin.commands"]`` as ``energy``.
"""
from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

from scenarios.scenario import BASE, load
from twin.arguments import endpoint, positive
from twin.config import ConfigError, suggest

EPILOG = """\
examples:
  twin bridge site.yaml --clock unix --duration 604800 --csv site.csv
        first record a week of the site's tags from its OPC UA server (weather station and electricity meter,
        mapped to K and W: `unit: K, source_unit: degC` in the mapping), in UNIX time
  twin energy shadow scenarios/energy/osd_cm_line.yaml --tags site.csv --start 2026-11-16T00:00+01:00 \\
        --dry-bulb SITE.TT-OUT --dew-point SITE.TD-OUT --meter SITE.JT-EL
        the scenario's model on the measured weather against the meter; results/osd_cm_line/shadow/report.html
  twin energy shadow osd_cm_line.yaml --variant night_setback --tags site.csv --start 2026-11-16T00:00 ...
        the plant as it runs now (a variant of the scenario) beside its meter
  twin energy shadow osd_cm_line.yaml --endpoint opc.tcp://site:4840 --mapping site.yaml --start 2026-11-16T00:00 ...
        live: the tags streamed from the site's server (as twin follow does) until they cover the window

--start is the date and time of the scenario's t = 0 (a Monday midnight for a weekly production pattern); without
a zone it is local time. The recording must cover the scenario's window (warmup to horizon). The report holds the
energy study's KPIs and figures on the measured weather, the metered kWh, and the agreement of ASHRAE Guideline 14:
NMBE and CV(RMSE) (a calibrated model: within 10% and 30% on hourly data). Exit status: 0 done, 2 bad input,
4 (--endpoint) the site's server could not be reached.
"""


def add_parser(sub) -> None:
    p = sub.add_parser("energy", help="the energy study on live data: the model beside the site's meter",
                       description="Commands of the energy study.", epilog=EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    kinds = p.add_subparsers(title="commands", metavar="COMMAND", required=True)
    s = kinds.add_parser("shadow", help="the model on recorded weather tags against the metered electricity",
                         description="Run an energy scenario on the outdoor air a bridge recorded and set its "
                                     "predicted electricity against the site meter: the study's report, with the "
                                     "meter and the NMBE and CV(RMSE) of ASHRAE Guideline 14.",
                         epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    s.add_argument("scenario", type=Path, help="an energy scenario YAML file")
    source = s.add_mutually_exclusive_group(required=True)
    source.add_argument("--tags", type=Path, help="the recording: `twin bridge MAP --csv FILE`")
    source.add_argument("--endpoint", type=endpoint,
                        help="the site's OPC UA server: its tags streamed live until they cover the "
                             "scenario's window (the bridge's feed; --start then required)")
    s.add_argument("--mapping", help="with --endpoint: the mapping YAML of the site's nodes (twin bridge --discover; "
                                     "default: tag names in twin serve's namespace)")
    s.add_argument("--duration", type=positive, help="with --endpoint: give up after this many seconds of wall time")
    s.add_argument("--start", type=_iso,
                   help="date and time of the scenario's t = 0, ISO 8601 (the recording is in UNIX time, "
                        "`twin bridge --clock unix`); leave out if its t is the scenario's already")
    s.add_argument("--dry-bulb", required=True, metavar="TAG", help="the outdoor dry bulb tag (K)")
    s.add_argument("--dew-point", required=True, metavar="TAG", help="the outdoor dew point tag (K)")
    s.add_argument("--meter", required=True, metavar="TAG", help="the site's electric power tag (W)")
    s.add_argument("--variant", default=BASE, help=f"the variant to run (default: {BASE}, the scenario as written)")
    s.add_argument("-o", "--output", type=Path, help="the result folder (default: results/energy/shadow/<scenario>)")
    s.set_defaults(func=shadow_command)


def shadow_command(args) -> int:
    from scenarios import results  # here, not at the top: `twin --help` skips the study's solver and plotting stacks
    from scenarios.energy import shadow
    from scenarios.runs import Outcome, Task

    names = {"dry_bulb": args.dry_bulb, "dew_point": args.dew_point, "meter": args.meter}
    try:
        scenario = load(args.scenario)
        if scenario.study.name != "energy":
            raise ConfigError(f"{args.scenario} is a {scenario.study.name} study", key="study",
                              expected="an energy scenario (study: energy)")
        if args.variant not in scenario.names:
            raise ConfigError(f"no variant '{args.variant}' in {args.scenario}",
                              expected=f"one of {', '.join(scenario.names)}",
                              hint=suggest(args.variant, scenario.names))
        settings = scenario.settings(args.variant)
        params = scenario.variants[args.variant]
        if args.endpoint:
            from scenarios.energy import live

            if args.start is None:
                raise ValueError("--endpoint: give --start, the date and time of the scenario's t = 0")
            try:
                run = live.run(params, args.endpoint, names, start=_unix(args.start), mapping=args.mapping,
                               duration=args.duration)
            except OSError as exc:   # as twin follow: the site's server not reached (or silent) is exit 4
                reason = exc if isinstance(exc, TimeoutError) else (
                    f"cannot reach {args.endpoint}: {exc}; is the server running, host and port right?")
                print(f"twin energy shadow: {reason}", file=sys.stderr)
                return 4
        else:
            bus = shadow.recording(args.tags, names.values(), start=_unix(args.start))
            run = shadow.run(params, bus, **names)
    except (ConfigError, ValueError, KeyError, OSError) as exc:
        print(f"twin energy shadow: {exc.args[0] if isinstance(exc, KeyError) else exc}", file=sys.stderr)
        return 2
    task = Task("energy", args.variant, 0, scenario.seed, {})
    out = args.output or Path("results", "energy", "shadow", args.scenario.stem)  # not in a sweep's folder
    source = {"endpoint": args.endpoint} if args.endpoint else {"tags": str(args.tags)}
    folder = results.write(out, {**settings, "variant": "shadow", "shadow": {**names, **source, "start": args.start}},
                           [Outcome(task, run, 0.0)])
    k = run.kpis
    verdict = "calibrated" if k["shadow.calibrated"] else "NOT calibrated"
    print(f"metered {k['metered']:,.0f} kWh, predicted {k['electricity']:,.0f} kWh: NMBE {k['shadow.nmbe']:+.1%}, "
          f"CV(RMSE) {k['shadow.cv_rmse']:.1%} ({verdict} by ASHRAE Guideline 14) -> {folder.path / 'report.html'}")
    return 0


def _iso(text: str) -> str:
    """An argparse type: an ISO 8601 date and time, checked before the scenario loads; returned as given."""
    try:
        datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date and time; expected ISO 8601, e.g. "
                                         "2026-11-16T00:00+01:00 (the scenario's t = 0)") from None
    return text


def _unix(start: str | None) -> float | None:
    """UNIX time of an ISO 8601 date and time (local time without a zone)."""
    if start is None:
        return None
    try:
        return datetime.fromisoformat(start).astimezone().timestamp()
    except ValueError:
        raise ConfigError(f"--start {start!r} is not a date and time", expected="ISO 8601, e.g. 2026-11-16T00:00+01:00",
                          hint="the date and time of the scenario's t = 0") from None
