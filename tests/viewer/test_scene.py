"""The scene rendered off screen and checked pixel by pixel: visible plant, alarm colour where the asset is, GMP
grade colours of the rooms, storeys hidden, schematic layout for a plant without geometry."""
from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pictures import alarm_mask, is_alarm, non_background, project

from twin.plant import Asset, Link, Plant
from viewer.scene import BACKGROUND, GRADE_COLOURS, SPACE_OPACITY, STATE_COLOURS, PlantScene, rgb, schematic_layout


def test_sample_plant_is_visible(osd_line):
    scene = PlantScene(osd_line, off_screen=True)
    image = scene.screenshot()
    assert image.shape == (800, 1280, 3)
    assert non_background(image) > 0.15  # the plant fills a good part of the frame, not a blank picture
    assert len(np.unique(image.reshape(-1, 3), axis=0)) > 200  # shaded geometry, not a flat fill
    assert scene.messages == []
    scene.close()


def test_alarm_colour_at_the_assets_projected_position(osd_line):
    scene = PlantScene(osd_line, labels=False, off_screen=True)
    before = scene.screenshot()
    scene.paint({"TP-101": "alarm"})
    image = scene.screenshot()
    column, row = project(scene, scene.centre("TP-101"))
    assert (column, row) == pytest.approx(scene.project(scene.centre("TP-101")), abs=1)
    assert is_alarm(image[row, column]), image[row, column]
    assert not is_alarm(before[row, column])
    # the alarm colour appeared there and nowhere far from it (one asset painted; the legend had it before)
    rows, columns = np.nonzero(alarm_mask(image) & ~alarm_mask(before))
    assert len(rows) > 100
    assert np.max(np.hypot(columns - column, rows - row)) < 150
    for other in ("BL-101", "MD-101", "CH-01"):
        c, r = project(scene, scene.centre(other))
        assert not is_alarm(image[r, c]), other
    scene.close()


def test_a_click_on_the_asset_picks_it(osd_line):
    scene = PlantScene(osd_line, labels=False, off_screen=True)
    scene.screenshot()
    for tag in ("TP-101", "AHU-01", "LIW-101"):
        assert scene.pick(*project(scene, scene.centre(tag))) == tag
    assert scene.pick(2, 2) is None  # the white corner
    scene.close()


def _blend(colour, times: int = 2) -> np.ndarray:
    """A translucent colour over the background, ``times`` layers (a box's top and bottom face, seen from above)."""
    out, c = rgb(BACKGROUND).astype(float), rgb(colour).astype(float)
    for _ in range(times):
        out = SPACE_OPACITY * c + (1 - SPACE_OPACITY) * out
    return out


def test_rooms_show_their_gmp_grade_colour(two_rooms):
    scene = PlantScene(two_rooms, labels=False, off_screen=True)
    scene.plotter.view_xy()
    scene.plotter.reset_camera()
    image = scene.screenshot()
    for room, grade in (("A1", "A"), ("C1", "C")):
        (x0, y0, _), (x1, y1, _) = two_rooms.spaces[room].mesh.bounds
        point = ((x0 + x1) / 2 + 1.0, y1 - 1.0, 1.5)  # away from the tanks
        column, row = project(scene, point)
        assert np.abs(image[row, column].astype(float) - _blend(GRADE_COLOURS[grade])).max() <= 6, (room, grade)
    assert not np.allclose(_blend(GRADE_COLOURS["A"]), _blend(GRADE_COLOURS["C"]), atol=20)
    scene.close()


def test_storeys_hide_and_show(api_bay):
    scene = PlantScene(api_bay, labels=False, off_screen=True)
    assert scene.storeys == ["Reactor level", "Charging level"]
    scene.paint({"D-101": "alarm"})  # a dosing vessel on the charging level

    scene.plotter.remove_legend()

    def alarm_pixels():
        return int(alarm_mask(scene.screenshot()).sum())

    assert alarm_pixels() > 20
    scene.show_storey("Charging level", False)
    assert alarm_pixels() == 0
    scene.show_storey("Charging level", True)
    assert alarm_pixels() > 20
    with pytest.raises(KeyError, match="did you mean 'Charging level'"):
        scene.show_storey("Charging levl", False)
    scene.close()


def test_paint_checks_tags_and_colours(two_rooms):
    scene = PlantScene(two_rooms, off_screen=True)
    with pytest.raises(KeyError, match="did you mean 'T-1'"):
        scene.paint({"T-11": "alarm"})
    with pytest.raises(ValueError, match="did you mean 'alarm'"):
        scene.paint({"T-1": "alarn"})
    scene.paint({"T-1": (1.0, 0, 0), "T-2": "#00ff00", "P-1": "down"})
    assert scene.colours.tolist() == [[255, 0, 0], [0, 255, 0], rgb(STATE_COLOURS["down"]).tolist()]
    with pytest.raises(TypeError, match="twin.plant.load"):
        PlantScene("plant.yaml")
    scene.close()


def _plant_without_geometry() -> Plant:
    plant = Plant(name="Paper plant")
    for tag in ("T-1", "P-1", "R-1", "F-1", "X-9"):
        plant.assets[tag] = Asset(tag=tag, type="Equipment")
    for a, b in (("T-1", "P-1"), ("P-1", "R-1"), ("R-1", "F-1")):
        plant.add_link(Link(a, b))
    return plant


def test_a_plant_without_geometry_is_shown_as_a_schematic_and_says_so():
    plant = _plant_without_geometry()
    scene = PlantScene(plant, off_screen=True)
    assert scene.schematic
    assert "no geometry" in scene.messages[0] and "schematic" in scene.messages[0]
    x = {tag: scene.centre(tag)[0] for tag in plant.assets}
    for link in plant.links:  # flow runs left to right, one column per step
        assert x[link.target] > x[link.source]
    assert x["X-9"] > max(x[t] for t in ("T-1", "P-1", "R-1", "F-1"))  # the unlinked asset stands apart
    assert len({tuple(scene.centre(t)) for t in plant.assets}) == len(plant.assets)
    scene.paint({"R-1": "alarm"})
    image = scene.screenshot()
    assert non_background(image) > 0.02
    column, row = project(scene, scene.centre("R-1"))
    assert is_alarm(image[row, column])
    scene.close()


def test_schematic_columns_are_the_generations_of_the_link_graph():
    plant = _plant_without_geometry()
    from viewer.scene import SCHEMATIC_PITCH

    layout = schematic_layout(plant)
    graph = nx.DiGraph([(link.source, link.target) for link in plant.links])
    for depth, generation in enumerate(nx.topological_generations(graph)):
        for tag in generation:
            assert layout[tag][0] == pytest.approx(depth * SCHEMATIC_PITCH)


@settings(max_examples=25, deadline=None)
@given(st.integers(2, 12).flatmap(lambda n: st.tuples(st.just(n), st.lists(
    st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=2 * n))))
def test_schematic_layout_of_any_link_graph(graph):
    """Any link graph, cycles included: one distinct place per asset, and along every link outside a cycle the flow
    runs left to right."""
    n, edges = graph
    plant = Plant(name="random")
    for i in range(n):
        plant.assets[f"A-{i}"] = Asset(tag=f"A-{i}", type="Equipment")
    for a, b in edges:
        if a != b:
            plant.add_link(Link(f"A-{a}", f"A-{b}"))
    layout = schematic_layout(plant)
    assert set(layout) == set(plant.assets)
    assert len({tuple(p) for p in layout.values()}) == n
    cyclic = {tag for part in nx.strongly_connected_components(plant.graph) if len(part) > 1 for tag in part}
    for link in plant.links:
        if not ({link.source, link.target} <= cyclic):
            assert layout[link.target][0] > layout[link.source][0]


def test_storey_buttons_hide_their_floor(api_bay):
    scene = PlantScene(api_bay, labels=False, off_screen=True)
    scene.add_storey_buttons()
    widgets = getattr(scene.plotter, "widgets", scene.plotter).button_widgets
    assert len(widgets) == 2
    charging = widgets[scene.storeys.index("Charging level")]
    charging.GetRepresentation().SetState(0)  # the trainee unticks "Charging level"
    charging.InvokeEvent("StateChangedEvent")
    assert not any(a.GetVisibility() for a in scene.layers[("assets", "Charging level")])
    assert all(a.GetVisibility() for a in scene.layers[("assets", "Reactor level")])
    scene.close()
