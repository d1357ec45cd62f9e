"""The report drawn by the warm process of :mod:`scenarios.plugins` (``twin run`` launches it beside the
simulation) is the report drawn in the caller's process: the same figures pixel for pixel, the same page."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

import scenarios
from scenarios import plugins, results


@pytest.fixture
def result(write_scenario):
    yield scenarios.run(write_scenario(), "base", workers=1)["base"]
    plugins.stop()


def test_the_warm_process_draws_the_report_as_this_process_does(result, tmp_path, monkeypatch):
    here = result.report(tmp_path / "here").parent
    plugins.start(result.settings["plant"])
    monkeypatch.setattr(results.Result, "draw", lambda *args: pytest.fail("drawn in the parent"))
    there = result.report(tmp_path / "there").parent
    pictures = sorted(p.name for p in (here / "figures").glob("*.png"))
    assert pictures and pictures == sorted(p.name for p in (there / "figures").glob("*.png"))
    for name in pictures:
        a, b = (np.asarray(Image.open(f / "figures" / name)) for f in (here, there))
        assert np.array_equal(a, b), name
    assert (here / "report.html").read_text() == (there / "report.html").read_text()


def test_a_report_is_drawn_here_when_the_warm_process_died(result, tmp_path):
    plugins.start(result.settings["plant"])
    plugins._worker.kill()
    plugins._worker.wait()
    page = result.report(tmp_path / "r")
    assert "<img" in page.read_text() and plugins._worker is None


def test_a_report_is_drawn_here_over_what_a_warm_process_that_died_drawing_left(result, tmp_path):
    folder = tmp_path / "r"
    folder.mkdir()
    result.write_data(folder)
    (folder / "figures").mkdir()
    (folder / "figures" / "kpis.png").write_bytes(b"half a PNG")
    result.draw(folder)
    assert Image.open(folder / "figures" / "kpis.png").size[0] > 100 and (folder / "report.html").is_file()


def test_a_figure_drawn_ahead_is_written_as_drawn(tmp_path):
    """figures.save writes the PNG kept under its key by figures.ahead instead of drawing it again."""
    from matplotlib.figure import Figure

    from scenarios import figures

    figures.ahead("test:a", lambda: Figure(figsize=(1, 1)))
    figures.save(tmp_path / "a.png", lambda: pytest.fail("drawn again"), key="test:a")
    figures.save(tmp_path / "b.png", lambda: Figure(figsize=(2, 1)), key="test:other")
    assert Image.open(tmp_path / "a.png").size == (110, 110) and Image.open(tmp_path / "b.png").size == (220, 110)


def test_the_flagship_draws_its_charts_of_the_settings_ahead_under_the_keys_its_report_asks_for(tmp_path):
    """The warm process is sent the scenario's settings as JSON and draws rtd.png and funnel.png from them; the
    report looks them up by the settings read back from the result's scenario.yaml: the keys must agree."""
    import json

    from cm_files import FLAGSHIP

    from scenarios.continuous_manufacturing import figures
    from scenarios.scenario import load

    scenario = load(FLAGSHIP)
    sent = json.loads(json.dumps(scenario.settings("base"), default=str))
    saved = results.Result.of(scenario.settings("base"), [], scenario.provenance()).save(tmp_path / "r")
    read = results.read(saved).settings
    keys = [figures._key(name, sent) for name in figures._of_settings(sent)]
    assert len(keys) == 2 and keys == [figures._key(name, read) for name in figures._of_settings(read)]


@pytest.mark.slow
def test_the_flagship_report_of_the_warm_process_is_the_one_drawn_here(tmp_path):
    """Drawn ahead, by two processes and from the tables handed over, the flagship's report (12.5 h) is byte for byte
    the report drawn in this process."""
    from cm_files import flagship_text

    path = tmp_path / "flagship.yaml"
    path.write_text(flagship_text(("horizon: 24 h", "horizon: 12.5 h")))
    scenario = scenarios.load(path)
    plugins.start(scenario.plant, scenario.study.name, scenario.settings("base"))
    try:
        result = scenarios.run(scenario, "base", workers=1)["base"]
        there = result.report(tmp_path / "there").parent
    finally:
        plugins.stop()
    here = result.report(tmp_path / "here").parent
    pictures = sorted(p.name for p in (here / "figures").glob("*.png"))
    assert len(pictures) == 8 and pictures == sorted(p.name for p in (there / "figures").glob("*.png"))
    for name in pictures:
        assert (here / "figures" / name).read_bytes() == (there / "figures" / name).read_bytes(), name
    assert (here / "report.html").read_text() == (there / "report.html").read_text()
