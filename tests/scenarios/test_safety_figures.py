"""The safety result folder: its report carries the bow-tie and the Swiss-cheese figures with barrier states."""
from pathlib import Path

from scenarios.results import write
from scenarios.runs import execute, tasks
from scenarios.safety.figures import barrier_colour
from scenarios.scenario import load

ROOT = Path(__file__).resolve().parents[2]


def test_barrier_colours():
    assert [barrier_colour(now, 0.01) for now in (0.01, 0.05, 1.0)] == ["#2ca02c", "#ff7f0e", "#d62728"]


def test_result_folder_has_the_safety_figures(tmp_path):
    scenario = load(ROOT / "scenarios" / "safety" / "api_bay.yaml")
    outcomes = [execute(next(iter(tasks(scenario, ["base"]))))]
    result = write(tmp_path / "base", scenario.settings("base"), outcomes)
    for name in ("bowtie.png", "swiss_cheese.png", "traces.png"):
        assert (result.path / "figures" / name).stat().st_size > 10_000
    assert "alt='bowtie'" in (result.path / "report.html").read_text()
