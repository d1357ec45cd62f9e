"""A result folder's 3D views (``views.json``, asked for by a study through ``scenarios.figures.add_view``) drawn by
the viewer's report plug-in, read back as pixels."""
from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest
from pictures import alarm_mask
from PIL import Image

from scenarios import figures
from viewer import views


@pytest.fixture
def result(two_rooms, tmp_path):
    (tmp_path / "figures").mkdir()
    return SimpleNamespace(path=tmp_path, settings={"plant": str(two_rooms.source)})


def picture(result, name: str) -> np.ndarray:
    return np.asarray(Image.open(result.path / "figures" / f"{name}.png").convert("RGB"))


def test_an_asset_in_alarm_is_drawn_in_the_alarm_colour_only_when_asked(result):
    figures.add_view(result, "alarm", t=60.0, assets={"T-2": "alarm", "T-1": "running"}, title="T-2 in alarm")
    figures.add_view(result, "calm", t=60.0, assets={"T-2": "running"})
    written = views.render(result.path)
    assert [p.name for p in written] == ["alarm.png", "calm.png"]
    # the legend's alarm swatch is in both; the tank's faces only in the first
    assert alarm_mask(picture(result, "alarm")).sum() - alarm_mask(picture(result, "calm")).sum() > 1000


def test_a_view_asked_for_twice_is_drawn_once_as_last_asked(result):
    figures.add_view(result, "v", assets={"T-2": "alarm"})
    figures.add_view(result, "v", assets={"T-2": "running"})
    assert [v["name"] for v in json.loads((result.path / "views.json").read_text())] == ["v"]
    figures.add_view(result, "w", assets={"T-2": "alarm"})
    views.render(result.path)
    assert alarm_mask(picture(result, "w")).sum() - alarm_mask(picture(result, "v")).sum() > 1000


def test_rooms_take_their_colour_from_their_value(result):
    """A1 lies at x 0..6 m, C1 at x 6..12 m: the room with the high value is the greener one, whichever it is."""
    def green_excess(image):
        rgb = image.astype(int)
        return np.clip(rgb[..., 1] - (rgb[..., 0] + rgb[..., 2]) // 2, 0, None)

    figures.add_view(result, "a_high", rooms={"A1": 100.0, "C1": 0.0}, cmap="Greens", clim=(0, 100), label="kWh")
    figures.add_view(result, "c_high", rooms={"A1": 0.0, "C1": 100.0}, cmap="Greens", clim=(0, 100), label="kWh")
    views.render(result.path)
    a_high, c_high = green_excess(picture(result, "a_high")), green_excess(picture(result, "c_high"))
    assert a_high.sum() > 1000 and c_high.sum() > 1000
    # the scenes are the same but for the colours: the greener pixels of one are not those of the other
    assert (a_high > 40).sum() > 100 and ((a_high > 40) & (c_high > 40)).sum() < 0.2 * (a_high > 40).sum()


def test_the_report_plugin_is_found_and_a_broken_request_costs_only_its_pictures(result, capsys):
    figures.add_view(result, "alarm", assets={"T-2": "alarm"})
    assert [p.name for p in figures.write_plugin_figures(result)] == ["alarm.png"]
    (result.path / "views.json").write_text("[{not json")
    assert figures.write_plugin_figures(result) == []
    assert "views.json: not JSON" in capsys.readouterr().err


def test_a_folder_without_views_has_no_pictures(tmp_path):
    assert views.render(tmp_path) == []
