"""``twin schedule``: solve a production schedule with OR-Tools CP-SAT from the command line.

Registered in pyproject.toml under ``[project.entry-points."twin.commands"]`` as ``schedule``.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from twin.arguments import count, new_file
from twin.config import ConfigError, suggest

EPILOG = """\
examples:
  twin schedule plan scenarios/scheduling/multipurpose_osd.yaml -o plan.png
        optimise the scenario's production plan: KPIs, gap, every operation and lab test; the Gantt chart in plan.png
  twin schedule plan scenarios/scheduling/multipurpose_osd.yaml --variant one_more_press --time-limit 30
        the plan of a what-if variant, searched for 30 deterministic seconds
  twin schedule jobshop ft06.txt
        the best makespan, CP-SAT's lower bound and whether it is proven optimal (ft06: 55, optimal)
  twin schedule jobshop la21.txt --time-limit 60
        stop after 60 s and report the gap between the best schedule and the bound

A job-shop file is in the OR-Library format: a line 'n m' (jobs, machines), then one line per job of
'machine time' pairs in processing order, machines numbered from 0; '#' starts a comment.
Exit status: 0 solved (optimal or not), 1 no schedule found in time, 2 bad input.
To execute a plan in the twin under uncertainty, with replications: twin run SCENARIO.
"""


def add_parser(sub) -> None:
    p = sub.add_parser("schedule", help="optimise schedules with CP-SAT (job-shop instances)",
                       description="Optimise schedules with OR-Tools CP-SAT.", epilog=EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    kinds = p.add_subparsers(title="kinds", metavar="KIND", required=True)
    js = kinds.add_parser("jobshop", help="a job-shop instance in the OR-Library format",
                          description="Minimise the makespan of a job-shop instance (OR-Library format).",
                          epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    js.add_argument("file", type=Path, help="the instance file")
    js.add_argument("--time-limit", type=float, default=10.0, metavar="S", help="seconds of search (default: 10)")
    js.add_argument("--workers", type=count(0), default=0, help="CP-SAT search workers (default: one per core)")
    js.add_argument("--starts", action="store_true", help="also print the start time of every operation")
    js.set_defaults(func=jobshop_command)
    pl = kinds.add_parser("plan", help="the production plan of a scheduling scenario, with its Gantt chart",
                          description="Optimise the production plan of a scheduling scenario with CP-SAT.",
                          epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    pl.add_argument("scenario", type=Path, help="a scenario YAML file with study: scheduling")
    pl.add_argument("--variant", default="base", help="the variant to plan (default: base, the scenario as written)")
    pl.add_argument("--time-limit", type=float, metavar="S", help="deterministic seconds of search "
                    "(default: the scenario's solver.time_limit)")
    pl.add_argument("-o", "--output", type=lambda text: Path(new_file(text)),
                    help="write the Gantt chart to this PNG file (its folder must exist)")
    pl.set_defaults(func=plan_command)


def jobshop_command(args) -> int:
    from scenarios.scheduling import jobshop

    if not args.time_limit > 0:
        print(f"twin schedule: --time-limit must be positive, got {args.time_limit:g}", file=sys.stderr)
        return 2
    try:
        shop = jobshop.read(args.file)
    except ConfigError as exc:
        print(f"twin schedule: {exc}", file=sys.stderr)
        return 2
    solution = jobshop.solve(shop, time_limit=args.time_limit, workers=args.workers)
    print(f"instance: {args.file} ({len(shop.jobs)} jobs x {shop.machines} machines)")
    if solution.makespan is None:
        print(f"no schedule found in {args.time_limit:g} s; lower bound {solution.lower_bound}")
        return 1
    gap = (solution.makespan - solution.lower_bound) / solution.makespan if solution.makespan else 0.0
    print(f"makespan: {solution.makespan}\nlower bound: {solution.lower_bound}\n"
          f"optimal: {'yes (proven)' if solution.optimal else f'not proven, gap {gap:.1%}'}")
    if args.starts:
        for j, starts in enumerate(solution.starts):
            print(f"job {j}: " + " ".join(map(str, starts)))
    return 0


def plan_command(args) -> int:
    from scenarios.scenario import load
    from scenarios.scheduling import plan_of
    from scenarios.scheduling.gantt import gantt
    from scenarios.scheduling.plan import HOUR, PlanError

    try:
        scenario = load(args.scenario)
        if scenario.study.name != "scheduling":
            raise ConfigError(f"{args.scenario} is a {scenario.study.name} scenario",
                              expected="a scenario with study: scheduling",
                              hint="see scenarios/scheduling/multipurpose_osd.yaml")
        if args.variant not in scenario.names:
            raise ConfigError(f"no variant '{args.variant}' in {args.scenario}",
                              expected=f"one of {', '.join(scenario.names)}",
                              hint=suggest(args.variant, scenario.names))
        params = dict(scenario.variants[args.variant])
        if args.time_limit is not None:
            params["solver"] = {**params["solver"], "time_limit": args.time_limit}
        plan = plan_of(params)
    except (ConfigError, PlanError) as exc:
        print(f"twin schedule: {exc}", file=sys.stderr)
        return 2
    batches = plan.problem.batches
    for ops in plan.operations:
        batch = batches[ops[0].batch]
        print(f"batch {ops[0].batch} (order {batch.order}, {batch.product}): " + ", ".join(
            f"{plan.problem.recipes[batch.product][op.step].name} {op.unit} {op.start / HOUR:g}-{op.end / HOUR:g} h"
            for op in ops))
        for t in plan.tests[ops[0].batch] if plan.tests else ():
            print(f"    lab {plan.problem.tests[t.step].name} {t.unit or '-'} {t.analyst} "
                  f"{t.start / HOUR:g}-{t.end / HOUR:g} h")
    kpis = plan.kpis()
    if "lab_lead_time" in kpis:
        print(f"lab lead time: {kpis['lab_lead_time'] / HOUR:g} h from packaging to release (mean)")
    print(f"makespan: {kpis['makespan'] / HOUR:g} h\ntardiness: {kpis['tardiness'] / HOUR:g} h per batch\n"
          f"on time: {kpis['on_time']:.0%}\nmajor cleans: {kpis['major_cleans']}\n"
          f"optimal: {'yes (proven)' if plan.optimal else f'not proven, gap {plan.gap:.1%}'}")
    if args.output:
        try:
            gantt(plan, f"{args.scenario.stem} / {args.variant}").savefig(args.output, dpi=110)
        except (OSError, ValueError) as exc:   # no such folder, not writable, a suffix matplotlib cannot write
            print(f"twin schedule: cannot write the Gantt chart to {args.output}: {exc}", file=sys.stderr)
            return 2
        print(f"Gantt chart -> {args.output}")
    return 0
