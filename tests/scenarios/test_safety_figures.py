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


def test_accident_path_figure_labels_what_each_path_reached(tmp_path):
    """The figures hook draws accident_paths.png for a scenario with accident paths; each line's label says whether
    the path reached the MTT: on the cooling loss, one barrier alone suffices, none lets it through."""
    from types import SimpleNamespace

    from scenarios.safety import accident_paths, thermal_risk
    from scenarios.safety.figures import paths_figure, write

    settings = load(ROOT / "scenarios" / "safety" / "api_bay_paths.yaml").settings("base")
    fig = paths_figure(accident_paths(settings), thermal_risk(settings["thermal"], settings["plant"]).mtsr)
    labels = [line.get_label() for line in fig.axes[0].get_lines() if not line.get_label().startswith("_")]
    assert labels[:2] == ["every barrier works", "TAH-101 alone (operator)"]
    assert "SIF-101 alone (SIS)" in labels and "no barrier -> MTT" in labels
    (tmp_path / "figures").mkdir()
    written = write(SimpleNamespace(settings=settings, path=tmp_path))
    assert [p.name for p in written] == ["bowtie.png", "swiss_cheese.png", "accident_paths.png"]
    assert (tmp_path / "figures" / "accident_paths.png").stat().st_size > 20_000
