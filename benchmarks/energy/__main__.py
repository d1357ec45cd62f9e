"""Energy benchmark: a year of weather at 1-minute control for the multipurpose OSD plant (10 rooms, 4 AHUs,
3 chillers, its batch campaign), every strategy of ``scenarios/energy/multipurpose_osd.yaml`` (pre-cooling: 53
weekly plans of the chilled-water tank by HiGHS; optimal dispatch: 53 weekly unit commitments, MILPs by HiGHS).

``python -m benchmarks.energy`` prints, per strategy, the wall and CPU time of the run, the realtime factor
(simulated seconds per wall second) and the time per simulated day. Target (issue 11): the year in under 60 s on
a 2-core machine. There is no peer in the environment (EnergyPlus is not installed), so there is no ratio: the
figure is absolute.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from scenarios import scenario
from scenarios.energy.model import simulate

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "energy" / "multipurpose_osd.yaml"
YEAR, DAY = 365 * 86400.0, 86400.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.energy", description=__doc__.split("\n\n")[0],
                                     epilog="example: python -m benchmarks.energy --days 365 --step 60")
    parser.add_argument("--days", type=float, default=365.0, help="simulated days (default: a year)")
    parser.add_argument("--step", type=float, default=60.0, help="control step in seconds (default: 60)")
    args = parser.parse_args(argv)
    if not (args.days > 0 and args.step > 0):
        parser.error("--days and --step must be positive")
    loaded = scenario.load(SCENARIO)
    horizon = args.days * DAY
    print(f"{SCENARIO.name}: {args.days:g} d at {args.step:g} s control steps")
    print(f"{'strategy':<20} {'wall s':>8} {'cpu s':>8} {'realtime x':>12} {'ms/day':>8}  target < 60 s/year")
    for name in loaded.names:
        params = {**loaded.variants[name], "horizon": horizon, "warmup": 0.0, "step": args.step}
        wall, cpu = time.perf_counter(), time.process_time()
        simulate(params)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(f"{name:<20} {wall:8.2f} {cpu:8.2f} {horizon / wall:12.3g} {wall / args.days * 1e3:8.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
