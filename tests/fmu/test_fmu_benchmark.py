"""The FMU benchmark runs, and its two sides step the same FMU to the same state (timings are not asserted)."""
import argparse

from benchmarks.fmu import add_arguments


def test_benchmark_sides_agree(capsys):
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(["--steps", "2000", "--repeat", "1"])
    assert args.func(args) == 0  # main() raises if the twin and fmpy.simulate_fmu end in different states
    out = capsys.readouterr().out
    assert "FMI 2.0 CS, 2,000 steps" in out and "FMI 3.0 CS, 2,000 steps" in out and "ratio" in out
    assert "10 FMI 2.0 CS FMUs, Gauss-Seidel, 200 steps" in out  # the chain agrees with the FMPy loop too
