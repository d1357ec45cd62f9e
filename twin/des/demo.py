"""``twin demo``: a tablet packaging hall on the discrete-event core, with a KPI table at the end.

Batches of tablets arrive from compression into a staging area (a Store). Each blister line takes the next
batch, needs an operator (a shared Resource) for the changeover, then packs the batch. Lines break down at
random: the breakdown interrupts the packing, a technician (a Resource) repairs the line and packing resumes
where it stopped. Operators and technicians are monitored (``monitor=True``), so utilisation and waiting
times come for free. Times are in minutes.
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass, field

import numpy as np

import twin.des as des


@dataclass
class Hall:
    """Parameters of the packaging hall (minutes, tablets)."""

    lines: int = 3
    operators: int = 2
    technicians: int = 1
    batch_interarrival: float = 150.0  # mean, exponential
    batch_tablets: tuple[int, int] = (200_000, 400_000)  # uniform
    line_speed: float = 1_200.0  # tablets per minute
    changeover: float = 30.0  # minutes with an operator
    mtbf: float = 8 * 60.0  # mean time between failures of a running line
    repair: float = 45.0  # mean repair time (exponential)


@dataclass
class LineLog:
    batches: int = 0
    tablets: int = 0
    packing: float = 0.0
    breakdowns: int = 0
    down: float = 0.0
    running: bool = False  # packing right now (only a running line can break down)
    lead_times: list[float] = field(default_factory=list)


def simulate(hall: Hall, days: float = 28, seed: int = 1, progress=None) -> dict:
    """Run the hall for *days* and return its KPIs. *progress(now_minutes)* is called now and then."""
    rng = np.random.default_rng(seed)
    env = des.Environment()
    staging = des.Store(env, monitor=True)
    operators = des.Resource(env, capacity=hall.operators, monitor=True)
    technicians = des.Resource(env, capacity=hall.technicians, monitor=True)
    logs = [LineLog() for _ in range(hall.lines)]

    def compression():
        """Batches arrive from the tablet presses: (arrival time, tablets)."""
        while True:
            yield env.timeout(rng.exponential(hall.batch_interarrival))
            yield staging.put((env.now, int(rng.integers(*hall.batch_tablets))))

    def blister_line(log: LineLog):
        while True:
            arrived, tablets = yield staging.get()
            with operators.request() as operator:
                yield operator
                yield env.timeout(hall.changeover)
            work = tablets / hall.line_speed
            while work > 0:
                start = env.now
                log.running = True
                try:
                    yield env.timeout(work)
                    work = 0
                except des.Interrupt:
                    work -= env.now - start
                log.running = False
                log.packing += env.now - start
                if work > 0:
                    log.breakdowns += 1
                    broken = env.now
                    with technicians.request() as technician:
                        yield technician
                        yield env.timeout(rng.exponential(hall.repair))
                    log.down += env.now - broken
            log.batches += 1
            log.tablets += tablets
            log.lead_times.append(env.now - arrived)

    def failures(line: des.Process, log: LineLog):
        """A failure clock per line ticks every Exp(mtbf) minutes; a tick breaks the line if it is packing."""
        while True:
            yield env.timeout(rng.exponential(hall.mtbf))
            if log.running:
                line.interrupt("breakdown")

    env.process(compression())
    for log in logs:
        env.process(failures(env.process(blister_line(log)), log))
    horizon = days * 24 * 60
    env.run(until=horizon, progress=(lambda e: progress(e.now)) if progress else None, progress_every=200)
    if progress:
        progress(env.now)

    lead = [t for log in logs for t in log.lead_times]
    return {
        "days simulated": days,
        "batches packed": sum(log.batches for log in logs),
        "tablets packed (millions)": sum(log.tablets for log in logs) / 1e6,
        "mean batch lead time (h)": np.mean(lead) / 60 if lead else float("nan"),
        "batches waiting in staging (mean)": staging.stats.mean_level,
        "line packing share (%)": [100 * log.packing / horizon for log in logs],
        "breakdowns per line": [log.breakdowns for log in logs],
        "line downtime (h)": [log.down / 60 for log in logs],
        "operator utilisation (%)": 100 * operators.stats.utilization,
        "mean wait for an operator (min)": operators.stats.mean_wait,
        "technician utilisation (%)": 100 * technicians.stats.utilization,
    }


def kpi_table(kpis: dict) -> str:
    """The KPIs as a two-column text table."""
    rows = []
    for name, value in kpis.items():
        if isinstance(value, list):
            text = "  ".join(f"{v:.1f}" if isinstance(v, float) else str(v) for v in value)
        elif isinstance(value, float):
            text = f"{value:,.2f}"
        else:
            text = f"{value:,}"
        rows.append(f"  {name:<36}{text}")
    width = max(len(r) for r in rows)
    return "\n".join(["Tablet packaging hall: key figures", "-" * width, *rows, "-" * width])


def add_parser(subparsers) -> None:
    """Register ``twin demo``."""
    parser = subparsers.add_parser(
        "demo",
        help="run the discrete-event demo: a tablet packaging hall",
        description=__doc__,
        epilog="examples:\n  twin demo                       four weeks, 3 blister lines, 2 operators\n"
               "  twin demo --lines 4 --operators 3 --days 90\n"
               "  twin demo --seed 7              another random week pattern, same model\n",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--days", type=float, default=28, help="simulated days (default 28)")
    parser.add_argument("--lines", type=int, default=3, help="blister lines (default 3)")
    parser.add_argument("--operators", type=int, default=2, help="operators for changeovers (default 2)")
    parser.add_argument("--seed", type=int, default=1, help="random seed: the same seed gives the same result")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    for name in ("days", "lines", "operators"):
        if getattr(args, name) <= 0:
            print(f"twin demo: --{name} must be > 0, got {getattr(args, name)}")
            return 2
    hall = Hall(lines=args.lines, operators=args.operators)
    horizon = args.days * 24 * 60
    with tqdm(total=round(horizon), desc="simulating", unit="min", leave=False) as bar:
        kpis = simulate(hall, args.days, args.seed, progress=lambda now: bar.update(round(now) - bar.n))
    print(kpi_table(kpis))
    return 0
