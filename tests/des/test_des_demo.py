"""``twin demo``: the packaging hall runs, is reproducible, and its KPIs obey the model's own accounting and
queueing theory's flow balance."""
import argparse
import math
import subprocess
import sys

import pytest

from twin.des.demo import Hall, add_parser, simulate


def main(argv):
    """``twin demo`` as the CLI wires it (without loading every other plug-in of the ``twin`` command)."""
    parser = argparse.ArgumentParser(prog="twin")
    add_parser(parser.add_subparsers())
    args = parser.parse_args(argv)
    return args.func(args)


def test_demo_command_prints_the_kpi_table(capsys):
    assert main(["demo", "--days", "3", "--seed", "2"]) == 0
    out = capsys.readouterr().out
    assert "Tablet packaging hall: key figures" in out and "operator utilisation (%)" in out


def test_demo_rejects_a_bad_argument(capsys):
    assert main(["demo", "--lines", "0"]) == 2
    assert "--lines must be > 0" in capsys.readouterr().out


def test_same_seed_same_result_and_flow_balance():
    hall = Hall()
    kpis = simulate(hall, days=60, seed=5)
    assert kpis == simulate(hall, days=60, seed=5)
    # Flow balance of a stable system: batches out ~ batches in = Poisson(horizon / mean interarrival);
    # allow 4 standard deviations plus the few batches in the hall at the end.
    expected = 60 * 24 * 60 / hall.batch_interarrival
    assert abs(kpis["batches packed"] - expected) < 4 * math.sqrt(expected) + hall.lines + 5
    # Accounting identity: packing minutes = tablets / speed (up to the batches still on the lines at the end).
    packing_minutes = sum(kpis["line packing share (%)"]) / 100 * 60 * 24 * 60
    packed_minutes = kpis["tablets packed (millions)"] * 1e6 / hall.line_speed
    assert packed_minutes <= packing_minutes + 1e-6
    assert packing_minutes - packed_minutes < hall.lines * hall.batch_tablets[1] / hall.line_speed
    # Breakdowns: a line packs a share s of the time, its failure clock ticks every mtbf minutes on average.
    for share, breakdowns in zip(kpis["line packing share (%)"], kpis["breakdowns per line"]):
        mean = share / 100 * 60 * 24 * 60 / hall.mtbf
        assert abs(breakdowns - mean) < 4 * math.sqrt(mean) + 2
    assert 0 < kpis["operator utilisation (%)"] < 100


def test_progress_is_reported():
    seen = []
    simulate(Hall(), days=10, seed=1, progress=seen.append)
    assert seen and seen == sorted(seen) and seen[-1] <= 10 * 24 * 60


@pytest.mark.parametrize("days", [0.5, 2])
def test_short_runs_work(days):
    assert simulate(Hall(), days=days, seed=3)["days simulated"] == days


def test_twin_demo_imports_only_its_own_plug_in():
    """``twin demo`` must not wait for the other commands' stacks (3D, IFC, solvers): the CLI imports the plug-in
    of the command it is given, and only that one."""
    code = ("import sys\nfrom twin.cli import main\ntry:\n    main(['demo', '--help'])\nexcept SystemExit:\n    pass\n"
            "print([m for m in ('scenarios', 'viewer', 'bridge', 'twin.plant', 'pyvista', 'ifcopenshell') "
            "if m in sys.modules])")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "twin demo" in run.stdout and run.stdout.splitlines()[-1] == "[]"


def test_an_unknown_command_still_lists_the_real_ones(capsys):
    from twin.cli import main as twin_main

    with pytest.raises(SystemExit) as stop:
        twin_main(["demoo"])
    assert stop.value.code == 2 and "invalid choice: 'demoo'" in capsys.readouterr().err
