"""Names as plant owners write them: a Chinese project name drawn in the title (glyph pixels counted), tags with
``|`` drawn, labels inside the frame and clear of each other on a small crowded plant, every state of the legend
visible on the white background."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
import trimesh
from pictures import project

from twin.plant import Asset, Plant
from viewer import fonts
from viewer.scene import BACKGROUND, ELEMENT_STYLES, STATE_COLOURS, TITLE_BAND, PlantScene, label_size, rgb


def _crowded(name: str = "Pilot bay", n: int = 3) -> Plant:
    """n x n small tanks 0.45 m apart, with long tags: their labels would sit on top of each other."""
    plant = Plant(name=name)
    for i, j in itertools.product(range(n), range(n)):
        x, y = 0.45 * i, 0.45 * j
        tank = trimesh.creation.box(bounds=[[x, y, 0], [x + .3, y + .3, .5]])
        plant.assets[f"TK-{i}{j}|FILTER-DRYER"] = Asset(tag=f"TK-{i}{j}|FILTER-DRYER", type="Tank", mesh=tank)
    return plant


def _ink(image, rows=slice(None)) -> int:
    return int((image[rows, :, :3].min(axis=-1) < 128).sum())


def test_a_chinese_project_name_is_drawn_in_the_title(cjk_font):
    def title_ink(name):
        scene = PlantScene(_crowded(name, 1), labels=False, off_screen=True, window_size=(640, 400))
        image = scene.screenshot()
        scene.close()
        return _ink(image, slice(0, TITLE_BAND))

    blank, chinese, latin = title_ink(" "), title_ink("原料药车间"), title_ink("API bay")
    # five CJK characters of 12 pt: several hundred dark pixels more than no title (the built-in font drew none)
    assert chinese - blank > 400 and chinese > latin > blank


def test_a_tag_with_a_bar_is_drawn_whole(cjk_font):
    """VTK splits text at '|': 'P|101' lost its bar and shifted; it is drawn with U+2502 instead."""
    assert fonts.drawable(["P|101"])[0] == ["P\u2502101"]
    wide, narrow = label_size("P\u2502101", fonts.font_file()), label_size("P101", fonts.font_file())
    assert wide[0] > narrow[0]


def test_labels_stay_inside_the_frame_and_clear_of_each_other():
    scene = PlantScene(_crowded(), off_screen=True, window_size=(400, 260))
    scene.screenshot()
    shown, font, _ = fonts.drawable(scene.tags)
    boxes = []
    for tag, text in zip(scene.tags, shown):
        column, row = project(scene, scene.label_point(tag))  # the camera's own matrices, not the scene's
        width, height = label_size(text, font)
        boxes.append((column - width / 2, row - height, column + width / 2, row))
    for left, top, right, bottom in boxes:
        assert left >= 0 and top >= TITLE_BAND - 1 and right <= 400 and bottom <= 260
    for a, b in itertools.combinations(boxes, 2):
        assert not (a[0] < b[2] - 1 and b[0] < a[2] - 1 and a[1] < b[3] - 1 and b[1] < a[3] - 1), (a, b)
    scene.close()


def _luminance(colour) -> float:
    """Relative luminance as WCAG 2.1 defines it (sRGB channels linearised)."""
    c = rgb(colour) / 255.0
    c = np.where(c <= 0.03928, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return float(0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2])


@pytest.mark.parametrize("entry", sorted(STATE_COLOURS) + sorted(ELEMENT_STYLES))
def test_every_entry_of_the_legend_stands_out_from_the_background(entry):
    """WCAG 2.1 SC 1.4.11: graphical objects need a contrast ratio of at least 3:1 (idle was #d9d9d9: 1.4:1;
    structure #aab7b8: 2.0:1). The legend writes each entry in its own colour."""
    colour = STATE_COLOURS.get(entry) or ELEMENT_STYLES[entry][0]
    light, dark = sorted((_luminance(BACKGROUND), _luminance(colour)), reverse=True)
    assert (light + 0.05) / (dark + 0.05) >= 3.0
