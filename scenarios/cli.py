"""``twin run``, ``twin sweep`` and ``twin compare``: scenario files in, result folders and reports out.

Registered in pyproject.toml under ``[project.entry-points."twin.commands"]``; each ``add_*`` adds one sub-parser.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from scenarios.scenario import BASE, load
from twin.arguments import count
from twin.config import ConfigError

RUN_EPILOG = """\
examples:
  twin run scenarios/continuous_manufacturing/flagship.yaml
        24 h of the continuous tablet line with PAT, diversion and RTRT;
        results/continuous_manufacturing/flagship/base/report.html
  twin run scenarios/line_capacity/multipurpose_osd.yaml
        run the scenario as written; results in results/line_capacity/multipurpose_osd/base/
  twin run scenarios/line_capacity/multipurpose_osd.yaml --variant second_blender -o /tmp/blender
        run one what-if variant into a folder of your choice
  twin run my_line.yaml --workers 1
        run the replications one after the other in this process

The result folder holds scenario.yaml (settings as resolved), kpis.json (mean and 95% confidence interval),
traces.parquet, events.parquet, figures/*.png and report.html; it replaces an earlier result there whole.
Exit status: 0 done, 1 some replication failed (the others are in the results; see failures.json), 2 bad
input, 130 interrupted by Ctrl-C (nothing written). From Python: scenarios.run (docs/python_api.md).
"""

SWEEP_EPILOG = """\
examples:
  twin sweep scenarios/continuous_manufacturing/flagship.yaml
        larger blender, tighter margin, no margin, no ratio control: diverted mass against escaped mass
  twin sweep scenarios/line_capacity/multipurpose_osd.yaml
        every variant x every replication on all cores;
        results/line_capacity/multipurpose_osd/report.html compares them
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
  twin compare results/line_capacity/multipurpose_osd/base results/line_capacity/multipurpose_osd/second_blender
        the what-if table: each KPI, the difference to the first result, and whether it is significant
        (a paired t-test where both ran on common random numbers, the variants of one scenario; else
        Welch's t-test; 5% level); overlaid figures and report.html in
        results/line_capacity/compare/multipurpose_osd.base_vs_multipurpose_osd.second_blender/

Results of different studies, of a KPI in different units, or of an interrupted run are refused (exit 2).
"""


def add_run(sub) -> None:
    p = sub.add_parser("run", help="run a scenario: replications, KPIs with confidence intervals, a report",
                       description="Run a scenario file and write its result folder.", epilog=RUN_EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("scenario", type=Path, help="the scenario YAML file")
    p.add_argument("--variant", default=BASE, help=f"the variant to run (default: {BASE}, the scenario as written)")
    p.add_argument("-o", "--output", type=Path,
                   help="the result folder (default: results/<study>/<scenario>/<variant>), replaced whole")
    _execution_options(p)
    p.set_defaults(func=run_command)


def add_sweep(sub) -> None:
    p = sub.add_parser("sweep", help="run every variant of a scenario and compare them",
                       description="Run all variants x replications of a scenario and write a comparison report.",
                       epilog=SWEEP_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("scenario", type=Path, help="the scenario YAML file (with variants:)")
    p.add_argument("-o", "--output", type=Path,
                   help="the sweep folder (default: results/<study>/<scenario>), replaced whole")
    _execution_options(p)
    p.set_defaults(func=sweep_command)


def add_compare(sub) -> None:
    p = sub.add_parser("compare", help="compare result folders: differences and their significance",
                       description="Compare result folders KPI by KPI against the first one.", epilog=COMPARE_EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("results", type=Path, nargs="+", help="result folders; the first is the base")
    p.add_argument("-o", "--output", type=Path,
                   help="the folder for the comparison report (default: results/<study>/compare/<base>_vs_<other>, "
                        "after the scenario.variant of each result)")
    p.set_defaults(func=compare_command)


def _execution_options(p: argparse.ArgumentParser) -> None:
    where = p.add_mutually_exclusive_group()
    where.add_argument("--workers", type=count(1), help="processes on this machine (default: one per core)")
    where.add_argument("--cluster", metavar="ADDRESS",
                       help="a Dask cluster: tcp://HOST:PORT of a running scheduler, or local:N for N local workers")
    p.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")


def run_command(args) -> int:
    return _run(args, [args.variant])


def sweep_command(args) -> int:
    return _run(args, None)


def _run(args, variants: list[str] | None) -> int:
    """:func:`scenarios.run` and :meth:`Results.report`; exit 0, 1 (some replication failed), 2 (bad input) or
    130 (Ctrl-C: nothing written, an earlier result in the folder left as it was)."""
    command = "twin run" if variants else "twin sweep"
    try:
        scenario = load(args.scenario)  # first: a bad scenario is refused before SciPy, matplotlib, Arrow load
    except ConfigError as exc:
        print(f"{command}: {exc}", file=sys.stderr)
        return 2
    if args.output is not None and (unwritable := _unwritable(Path(args.output))):
        print(f"{command}: -o {args.output}: {unwritable}; give a folder you can write", file=sys.stderr)
        return 2
    from scenarios import api, plugins  # here, not at the top: `twin --help` skips them too
    from scenarios.results import ResultError, scenario_folder
    from scenarios.runs import Interrupted
    from scenarios.sweep import ClusterError

    if variants and scenario.study.views:   # one variant: the second core warms the 3D views
        plugins.start(scenario.plant, scenario.study.name, scenario.settings(variants[0]))
    try:
        results = api.run(scenario, variants, workers=args.workers, cluster=args.cluster, progress=args.progress)
        page = results.report(args.output, progress=args.progress)
    except (ConfigError, ClusterError, ResultError, ValueError) as exc:
        print(f"{command}: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:   # the results' folder could not be written (a full disk, a read-only mount)
        print(f"{command}: cannot write the results: {exc}", file=sys.stderr)
        return 2
    except Interrupted as stop:
        print(f"{command}: interrupted after {len(stop.done)} of {stop.total} replications; nothing written",
              file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print(f"{command}: interrupted; nothing written", file=sys.stderr)
        return 130
    finally:
        plugins.stop()
    if args.output is None and (mine := scenario_folder(scenario.provenance())).name != scenario.name:
        print(f"note: {mine.with_name(scenario.name)} holds the results of another {scenario.file.name}, so these "
              f"are in {mine} (-o names a folder)", file=sys.stderr)
    for r in results.values():
        print(f"{r.name}: {r.settings['replications_done']} replications -> {r.path / 'report.html'}")
        if len(results) == 1:
            print(r.table())
            if (r.path.parent / "comparison.json").is_file():  # the variant's folder of an earlier sweep
                print(f"note: {r.path.parent / 'report.html'} compares the earlier run of '{r.name}'; "
                      f"twin sweep {args.scenario} -o {r.path.parent} compares the new one", file=sys.stderr)
    if len(results) > 1:
        print(results.compare().table())
        print(f"comparison -> {page}")
    for f in results.failures:
        print(f"FAILED: variant '{f['variant']}', replication {f['replication']} (seed {f['seed']}, spawn key "
              f"{f['spawn_key']}): {f['error']}", file=sys.stderr)
    return 1 if results.failures else 0


def _unwritable(folder: Path) -> str | None:
    """Why the results could not be written into ``folder`` (checked before the run, not after it), or None."""
    if folder.exists() and not folder.is_dir():
        return "is a file, not a folder"
    existing = next(p for p in (folder, *folder.parents) if p.exists())
    if not existing.is_dir():
        return f"{existing} is a file, not a folder"
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"{existing} is not writable"
    return None


def compare_command(args) -> int:
    from scenarios.compare import Comparison
    from scenarios.results import ResultError, read

    try:
        comparison = Comparison([read(folder) for folder in args.results])
        page = comparison.report(args.output)
    except ResultError as exc:
        print(f"twin compare: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:   # the comparison's folder could not be written
        print(f"twin compare: cannot write the comparison: {exc}", file=sys.stderr)
        return 2
    print(comparison.table())
    print(f"comparison -> {page}")
    return 0
