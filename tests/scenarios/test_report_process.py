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
