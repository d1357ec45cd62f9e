"""``twin bench``: run the side-by-side benchmarks from the command line (registered in pyproject.toml)."""
from __future__ import annotations

import argparse

EXAMPLES = """\
examples:
  twin bench des                 SimPy, twin.des and salabim on three models; events/s and ratio to SimPy
  twin bench des --quick         a smoke run in a few seconds
  twin bench des --no-salabim    skip the slowest engine
  twin bench process --rtol 1e-8 continuous core vs SciPy's solve_ivp (BDF), 24 h of the osd_cm_line
  twin bench flowline            compiled flow-line fast path vs the same line as SimPy processes
  twin bench fmu                 FMU stepped through the twin vs fmpy.simulate_fmu
  twin bench startup             twin --help and each command's help vs the bare interpreter's start
  twin bench estimation          EKF per update vs filterpy's KalmanFilter (linear); EKF and MHE on nonlinear models
  twin bench follow              twin follow on loopback: the flagship's plant served at 200x; real-time factor
"""


def add_parser(subparsers) -> None:
    """Add ``twin bench`` with one sub-command per benchmark suite."""
    from benchmarks.des.run import add_arguments, main_with

    bench = subparsers.add_parser("bench", help="run side-by-side benchmarks against the peer tools",
                                  description="Run benchmarks against the peer tools, in one process.",
                                  epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    suites = bench.add_subparsers(title="suites", metavar="SUITE", required=True)
    des = suites.add_parser("des", help="discrete-event core vs SimPy and salabim", epilog=EXAMPLES,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(des)
    des.set_defaults(func=main_with)
    from benchmarks.process.run import add_arguments as process_arguments
    from benchmarks.process.run import main_with as process_main

    process = suites.add_parser("process", help="continuous core vs SciPy's solve_ivp: 24 h of the osd_cm_line",
                                description="The twin (CasADi/CVODES, DES refills, TagBus) against SciPy's BDF on "
                                            "24 h of the continuous tablet line; ratio and real-time factor.")
    process_arguments(process)
    process.set_defaults(func=process_main)

    from benchmarks import fmu as fmu_bench

    fmu_bench.add_arguments(suites.add_parser("fmu", help="FMU co-simulation vs fmpy.simulate_fmu"))
    from benchmarks.des import flowline

    flowline.add_arguments(suites.add_parser("flowline", help="compiled flow-line fast path vs SimPy processes"))
    from benchmarks import startup

    startup.add_arguments(suites.add_parser("startup", help="twin --help and each command's help vs python -c pass"))
    from benchmarks import estimation

    estimation.add_arguments(suites.add_parser("estimation", help="EKF and MHE per update vs filterpy's Kalman filter"))
    from benchmarks import follow

    follow.add_arguments(suites.add_parser("follow", help="twin follow on loopback: real-time factor vs offline"))
