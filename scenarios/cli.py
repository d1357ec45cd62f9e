"""``twin run``, ``twin sweep`` and ``twin compare``: scenario files in, result folders and reports out.

Registered in pyproject.toml under ``[project.entry-points."twin.commands"]``; each ``add_*`` adds one sub-parser.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from scenarios.scenario import BASE, load
from twin.config import ConfigError, suggest

RUN_EPILOG = """\
examples:
  twin run scenarios/continuous_manufacturing/flagship.yaml
        24 h of the continuous tablet line with PAT, diversion and RTRT; results/flagship/base/report.html
  twin run scenarios/line_capacity/multipurpose_osd.yaml
        run the scenario as written; results in results/multipurpose_osd/base/ (open report.html)
  twin run scenarios/line_capacity/multipurpose_osd.yaml --variant second_blender -o /tmp/blender
        run one what-if variant into a folder of your choice
  twin run my_line.yaml --workers 1
        run the replications one after the other in this process

The result folder holds scenario.yaml (settings as resolved), kpis.json (mean and 95% confidence interval),
traces.parquet, events.parquet, figures/*.png and report.html. Exit status: 0 done, 1 some replication
failed (the others are in the results; see failures.json), 2 bad input.
"""

SWEEP_EPILOG = """\
examples:
  twin sweep scenarios/continuous_manufacturing/flagship.yaml
        larger blender, tighter margin, no margin, no ratio control: diverted mass against escaped mass
  twin sweep scenarios/line_capacity/multipurpose_osd.yaml
        every variant x every replication on all cores; results/multipurpose_osd/report.html compares them
  twin sweep my_line.yaml --cluster local:4
        the same on a Dask LocalCluster of 4 worker processes
  twin sweep my_line.yaml --cluster tcp://10.0.0.5:8786
        on a running Dask cluster (start it with `dask scheduler` and `dask worker tcp://10.0.0.5:8786`;
        pharma-twin must be installed on the workers)

Replication r of every variant uses the same random numbers (child r of the scenario's seed), so differences
between variants come from the change, not from luck; the same seed gives the same results bit for bit.
"""

COMPARE_EPILOG = """\
examples:
  twin compare results/multipurpose_osd/base results/multipurpose_osd/second_blender
        the what-if table: each KPI, the difference to the first result, and whether it is significant
        (Welch's t-test, 5% level); overlaid figures and report.html in results/compare/
"""


def add_run(sub) -> None:
    p = sub.add_parser("run", help="run a scenario: replications, KPIs with confidence intervals, a report",
                       description="Run a scenario file and write its result folder.", epilog=RUN_EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("scenario", type=Path, help="the scenario YAML file")
    p.add_argument("--variant", default=BASE, help=f"the variant to run (default: {BASE}, the scenario as written)")
    p.add_argument("-o", "--output", type=Path, help="the result folder (default: results/<scenario>/<variant>)")
    _execution_options(p)
    p.set_defaults(func=run_command)


def add_sweep(sub) -> None:
    p = sub.add_parser("sweep", help="run every variant of a scenario and compare them",
                       description="Run all variants x replications of a scenario and write a comparison report.",
                       epilog=SWEEP_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("scenario", type=Path, help="the scenario YAML file (with variants:)")
    p.add_argument("-o", "--output", type=Path, help="the sweep folder (default: results/<scenario>)")
    _execution_options(p)
    p.set_defaults(func=sweep_command)


def add_compare(sub) -> None:
    p = sub.add_parser("compare", help="compare result folders: differences and their significance",
                       description="Compare result folders KPI by KPI against the first one.", epilog=COMPARE_EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("results", type=Path, nargs="+", help="result folders; the first is the base")
    p.add_argument("-o", "--output", type=Path, default=Path("results/compare"),
                   help="the folder for the comparison report (default: results/compare)")
    p.set_defaults(func=compare_command)


def _execution_options(p: argparse.ArgumentParser) -> None:
    where = p.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, help="processes on this machine (default: one per core)")
    where.add_argument("--cluster", metavar="ADDRESS",
                       help="a Dask cluster: tcp://HOST:PORT of a running scheduler, or local:N for N local workers")
    p.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")


def run_command(args) -> int:
    return _run(args, [args.variant], args.output or Path("results") / args.scenario.stem / args.variant)


def sweep_command(args) -> int:
    return _run(args, None, args.output or Path("results") / args.scenario.stem)


def _run(args, variants: list[str] | None, out: Path) -> int:
    from scenarios import compare, results  # here, not at the top: `twin --help` skips SciPy, matplotlib, Arrow
    from scenarios.sweep import ClusterError, sweep

    try:
        scenario = load(args.scenario)
        if variants and variants[0] not in scenario.names:
            raise ConfigError(f"no variant '{variants[0]}' in {args.scenario}",
                              expected=f"one of {', '.join(scenario.names)}",
                              hint=suggest(variants[0], scenario.names))
        by_variant = sweep(scenario, variants, workers=args.workers, cluster=args.cluster, progress=args.progress)
    except (ConfigError, ClusterError) as exc:
        print(f"twin: {exc}", file=sys.stderr)
        return 2
    folders = {name: out if variants else out / name for name in by_variant}
    written = [results.write(folders[name], scenario.settings(name), outcomes)
               for name, outcomes in by_variant.items()]
    failures = [f for r in written for f in r.failures]
    for r in written:
        print(f"{r.name}: {r.settings['replications_done']} replications -> {r.path / 'report.html'}")
        if len(written) == 1:
            print(results.table(r))
    if len(written) > 1:
        report = compare.write(written, out)
        print(compare.table(compare.compare(written)))
        print(f"comparison -> {report}")
    for f in failures:
        print(f"FAILED: variant '{f['variant']}', replication {f['replication']} (seed {f['seed']}, spawn key "
              f"{f['spawn_key']}): {f['error']}", file=sys.stderr)
    return 1 if failures else 0


def compare_command(args) -> int:
    from scenarios import compare, results

    try:
        loaded = [results.read(folder) for folder in args.results]
        report = compare.write(loaded, args.output)
    except (FileNotFoundError, ValueError) as exc:
        print(f"twin compare: {exc}", file=sys.stderr)
        return 2
    print(compare.table(compare.compare(loaded)))
    print(f"comparison -> {report}")
    return 0
