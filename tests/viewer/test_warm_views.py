"""The 3D views drawn by the warm process of :mod:`scenarios.plugins` (launched by ``twin run`` beside the
simulation) are the pictures the viewer's plug-in draws in the report's own process, pixel for pixel."""
from __future__ import annotations

import os
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image

from scenarios import figures, plugins


@pytest.fixture
def result(two_rooms, tmp_path):
    (tmp_path / "figures").mkdir()
    yield SimpleNamespace(path=tmp_path, settings={"plant": str(two_rooms.source)})
    plugins.stop()


def pixels(path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


def test_the_warm_process_draws_the_same_picture(result, monkeypatch):
    figures.add_view(result, "alarm", t=60.0, assets={"T-2": "alarm", "T-1": "running"}, title="T-2 in alarm")
    [here] = figures.write_plugin_figures(result)            # no process running: drawn in this one
    expected = pixels(here)
    here.unlink()
    plugins.start(result.settings["plant"])
    assert os.getpgid(plugins._worker.pid) != os.getpgid(0)   # the terminal's Ctrl-C is for the parent only
    monkeypatch.setattr(plugins, "draw_here", lambda folder: pytest.fail("drawn in the parent"))
    assert figures.write_plugin_figures(result) == [here]
    assert np.array_equal(pixels(here), expected)
    plugins.stop()
    assert plugins._worker is None


def test_a_broken_request_in_the_warm_process_costs_only_its_pictures(result, capfd):
    plugins.start(result.settings["plant"])
    (result.path / "views.json").write_text("[{not json")
    assert figures.write_plugin_figures(result) == []
    assert "views.json: not JSON" in capfd.readouterr().err
    (result.path / "views.json").unlink()
    figures.add_view(result, "calm", assets={"T-2": "running"})
    assert [p.name for p in figures.write_plugin_figures(result)] == ["calm.png"]   # it still serves
