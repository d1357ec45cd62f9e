"""The FMU benchmark runs, and its two sides step the same FMU to the same state (timings are not asserted)."""
from benchmarks.fmu import main


def test_benchmark_sides_agree(capsys):
    report = main(steps=2000, repeat=1)  # raises if the twin and fmpy.simulate_fmu end in different states
    assert set(report) == {"FMI 2.0", "FMI 3.0"}
    assert "us/step" in capsys.readouterr().out
