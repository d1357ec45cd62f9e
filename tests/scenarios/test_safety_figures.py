"""The safety result folder: its report carries the bow-tie and the Swiss-cheese figures with barrier states."""
from pathlib import Path

import numpy as np
import pytest

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
    settings = scenario.settings("base") | {"barrier_view": False}  # the 3D view: see the slow test below
    result = write(tmp_path / "base", settings, outcomes)
    for name in ("bowtie.png", "swiss_cheese.png", "traces.png"):
        assert (result.path / "figures" / name).stat().st_size > 10_000
    assert "alt='bowtie'" in (result.path / "report.html").read_text()


def test_accident_path_figure_labels_what_each_path_reached(tmp_path):
    """The figures hook draws accident_paths.png for a scenario with accident paths; each line's label says whether
    the path reached the MTT: on the cooling loss, one barrier alone suffices, none lets it through."""
    from types import SimpleNamespace

    from scenarios.safety.figures import paths_figure, write
    from scenarios.safety.model import accident_paths, thermal_risk
    from scenarios.safety.params import SafetyParams

    settings = load(ROOT / "scenarios" / "safety" / "api_bay_paths.yaml").settings("base")
    spec = settings["accident_paths"]  # the reactor's scenarios (the headspace's: test_safety_headspace.py)
    settings["accident_paths"] = spec | {"scenarios": {k: v for k, v in spec["scenarios"].items()
                                                       if v["initiating_event"] != "nitrogen_loss"}}
    p = SafetyParams.of(settings)
    fig = paths_figure(accident_paths(p), thermal_risk(p.thermal, p.plant).mtsr)
    labels = [line.get_label() for line in fig.axes[0].get_lines() if not line.get_label().startswith("_")]
    assert labels[:2] == ["every barrier works", "TAH-101 alone (operator)"]
    assert "SIF-101 alone (SIS)" in labels and "no barrier -> MTT" in labels
    (tmp_path / "figures").mkdir()
    written = write(SimpleNamespace(settings=settings, path=tmp_path, events=lambda: None))
    assert [p.name for p in written] == ["bowtie.png", "swiss_cheese.png", "accident_paths.png", "replay"]
    assert (tmp_path / "figures" / "accident_paths.png").stat().st_size > 20_000


def test_barrier_scores_follow_the_states():
    """api_bay: the TT-02 bypass leaves SIF-101 with no protection (R-101: 2); an overdue proof test degrades it
    (1); the failed O2 analyser AT-101 (on R-101 too) gives no protection; restored, everything is healthy."""
    from scenarios.safety import lopa
    from scenarios.safety.figures import barrier_scores
    from scenarios.safety.live import LiveBarriers
    from twin.tags import TagBus

    bus = TagBus()
    live = LiveBarriers(lopa.load(ROOT / "scenarios" / "safety" / "api_bay_lopa.yaml"), bus)
    assert barrier_scores(live) == {"R-101": 0.0}
    bus.write("R-101.TT-02.bypassed", True, t=1.0)
    assert barrier_scores(live) == {"R-101": 2.0}
    bus.write("R-101.TT-02.bypassed", False, t=2.0)
    bus.write("R-101.TT-02.test_age", 1.5 * 8760 * 3600, t=3.0)
    assert barrier_scores(live) == {"R-101": 1.0}
    bus.write("R-101.TT-02.test_age", 0.0, t=4.0)
    assert barrier_scores(live) == {"R-101": 0.0}


@pytest.mark.slow
def test_barrier_view_colours_the_plant_at_the_worst_moment(tmp_path):
    """barriers_3d.png, asked for in views.json and drawn by the viewer's report plug-in: R-101 turns red
    (RdYlGn_r's top: no protection) at the bypass of day 40 and stays green with every barrier healthy; nothing
    else is red."""
    from types import SimpleNamespace

    from matplotlib.image import imread

    from scenarios.safety import lopa
    from scenarios.safety.figures import barrier_view
    from scenarios.safety.params import SafetyParams
    from viewer import views

    settings = load(ROOT / "scenarios" / "safety" / "api_bay.yaml").settings("base")
    study = lopa.load(settings["lopa"])

    def colours(states, name):  # red and green pixels (the colour bar and the legend are in both pictures)
        result = SimpleNamespace(path=tmp_path / name, settings=settings)
        (result.path / "figures").mkdir(parents=True)
        barrier_view(result, study, states)
        (png,) = views.render(result.path)
        image = imread(png)[..., :3]
        r, g, b = image[..., 0], image[..., 1], image[..., 2]
        return np.array([((r - g > 0.25) & (r - b > 0.2)).sum(), ((g - r > 0.15) & (g - b > 0.05)).sum()])

    red, green = colours(SafetyParams.of(settings).states, "worst") - colours([], "healthy")
    assert red > 500 and green < -500


def test_every_sampled_path_is_drawn_against_its_limits(tmp_path):
    """The run logs every sampled path (``<scenario>.path`` rows: when it began, its peak, its importance weight);
    the report's sampled_paths.png draws each of them, red those that reached the top event, as many as the KPI
    counts, at their peak O2 in %, against the O2 alarm and the LOC."""
    from matplotlib.collections import PathCollection

    from scenarios.safety.figures import sampled_paths_figure, sampled_records
    from scenarios.safety.model import accident_paths

    folder = ROOT / "scenarios" / "safety"
    text = (folder / "api_bay_paths.yaml").read_text()
    head, tail = text.split("  scenarios:\n")
    text = head + "  scenarios:\n    inerting_loss: {initiating_event: nitrogen_loss, ingress: 5 m3/h}\n" + \
        tail.split("variants:")[0].split("\n", 3)[-1] + "variants: {}\n"
    path = tmp_path / "inerting.yaml"
    path.write_text(text.replace("paths: 300", "paths: 16").replace("../../", f"{ROOT}/").replace(
        "api_bay_lopa.yaml", str(folder / "api_bay_lopa.yaml")))
    scenario = load(path)
    settings = scenario.settings("base")
    outcome = execute(next(iter(tasks(scenario, ["base"]))))
    result = write(tmp_path / "base", settings, [outcome])
    assert (result.path / "figures" / "sampled_paths.png").stat().st_size > 10_000
    records = sampled_records(result.events())
    r = records["inerting_loss"]
    assert len(r["peak"]) == 16 and r["top"].sum() == outcome.run.kpis["dyn_top_events.inerting_loss"] > 0
    assert np.all(r["peak"] > 0.01) and np.all(np.isfinite(r["weight"]))
    fig = sampled_paths_figure(accident_paths(settings), records, 350.0)
    ax = fig.axes[0]
    dots = [c for c in ax.collections if isinstance(c, PathCollection)]
    drawn = np.concatenate([c.get_offsets() for c in dots])
    assert len(drawn) == 16
    assert sorted(drawn[:, 1]) == pytest.approx(sorted(100 * r["peak"]))  # O2 in %
    red = [c for c in dots if c.get_gid() == "inerting_loss:top event"][0]
    assert len(red.get_offsets()) == r["top"].sum()
    assert sorted(line.get_ydata()[0] for line in ax.get_lines()) == pytest.approx([8.0, 10.5])  # alarm, LOC
