"""Plants from plain meshes (glTF/GLB, OBJ, STL, PLY) placed by a YAML layout.

References: trimesh's own primitives with known dimensions (a 1 x 2 x 3 m box, a cylinder of radius 0.5 m), moved
and turned by hand-computed amounts.
"""
from pathlib import Path

import numpy as np
import pytest
import trimesh

import twin.plant
from twin.config import ConfigError

FORMATS = ["glb", "obj", "stl", "ply"]


@pytest.fixture
def layout(tmp_path) -> Path:
    box = trimesh.creation.box(extents=[1.0, 2.0, 3.0])
    box.apply_translation([0, 0, 1.5])  # origin at the middle of the base
    for fmt in FORMATS:
        box.export(tmp_path / f"press.{fmt}")
    drum = trimesh.creation.cylinder(radius=500.0, height=1000.0)  # authored in millimetres
    drum.apply_translation([0, 0, 500.0])
    drum.export(tmp_path / "drum.stl")
    entries = "".join(
        f"  - {{tag: TP-40{i}, file: press.{fmt}, type: TabletPress, position: [{4 * i} m, 2 m, 0 m]}}\n"
        for i, fmt in enumerate(FORMATS, start=1))
    (tmp_path / "layout.yaml").write_text(
        "name: Compression hall\n"
        "spaces:\n"
        "  - {number: P40, name: Compression, grade: D, origin: [0, 0, 0], size: [20 m, 6 m, 4 m]}\n"
        "  - {number: P50, name: Coating, grade: C, origin: [0, 6, 0], size: [10, 6, 4]}\n"
        "meshes:\n" + entries +
        "  - {tag: CT-501, file: drum.stl, type: PanCoater, position: [5, 9, 0], rotation: 90 deg, scale: 0.001}\n")
    return tmp_path / "layout.yaml"


def test_meshes_are_placed_typed_and_in_their_rooms(layout):
    plant = twin.plant.load(layout)
    assert plant.name == "Compression hall"
    assert sorted(plant.assets) == ["CT-501", "TP-401", "TP-402", "TP-403", "TP-404"]
    for i, _fmt in enumerate(FORMATS, start=1):
        press = plant[f"TP-40{i}"]
        np.testing.assert_allclose(press.bounds, [[4 * i - 0.5, 1.0, 0.0], [4 * i + 0.5, 3.0, 3.0]], atol=1e-6)
        assert (press.type, press.space) == ("TabletPress", "P40")
    drum = plant["CT-501"]
    np.testing.assert_allclose(drum.bounds[:, 2], [0.0, 1.0], atol=1e-6)  # 1000 mm scaled to 1 m
    np.testing.assert_allclose(drum.centre[:2], [5, 9], atol=1e-2)
    assert drum.space == "P50" and plant.grade("CT-501") == "C"
    assert plant.spaces["P40"].area == pytest.approx(120.0)
    assert plant.distance("TP-401", "TP-404") == pytest.approx(12.0)


def test_rotation_turns_about_the_vertical(tmp_path):
    box = trimesh.creation.box(extents=[4.0, 1.0, 1.0])
    box.export(tmp_path / "line.ply")
    (tmp_path / "layout.yaml").write_text(
        "meshes:\n  - {tag: PK-601, file: line.ply, type: PackagingLine, rotation: 90 deg}\n")
    np.testing.assert_allclose(twin.plant.load(tmp_path / "layout.yaml")["PK-601"].mesh.extents, [1, 4, 1],
                               atol=1e-9)


@pytest.mark.parametrize("entry, key, words", [
    ("{tag: X-1, file: nothing.glb, type: T}", "meshes[0].file", ["file not found"]),
    ("{tag: X-1, file: notes.txt, type: T}", "meshes[0].file", ["unsupported mesh format '.txt'"]),
    ("{tag: X-1, file: broken.stl, type: T}", "meshes[0].file", ["broken.stl"]),
    ("{tag: X-1, file: press.glb}", "meshes[0]", ["missing key 'type'"]),
    ("{tag: X-1, file: press.glb, type: T, position: [1, 2]}", "meshes[0].position", ["at least 3"]),
    ("{tag: X-1, file: press.glb, type: T, position: [1 kg, 2, 3]}", "meshes[0].position[0]", ["not a unit of m"]),
    ("{tag: X-1, file: press.glb, type: T, space: P4O}", "meshes[0].space", ["unknown space 'P4O'"]),
])
def test_bad_layouts(tmp_path, entry, key, words):
    trimesh.creation.box().export(tmp_path / "press.glb")
    (tmp_path / "notes.txt").write_text("not a mesh")
    (tmp_path / "broken.stl").write_bytes(b"solid x\n facet normal 0 0\n")
    (tmp_path / "layout.yaml").write_text(f"meshes:\n  - {entry}\n")
    with pytest.raises(ConfigError) as caught:
        twin.plant.load(tmp_path / "layout.yaml")
    assert (caught.value.line, caught.value.key) == (2, key)
    for word in words:
        assert word in str(caught.value)


def test_duplicate_mesh_tags(tmp_path):
    trimesh.creation.box().export(tmp_path / "a.glb")
    (tmp_path / "layout.yaml").write_text("meshes:\n  - {tag: A-1, file: a.glb, type: T}\n"
                                          "  - {tag: A-1, file: a.glb, type: T}\n")
    with pytest.raises(ConfigError, match="duplicate tag 'A-1'") as caught:
        twin.plant.load(tmp_path / "layout.yaml")
    assert caught.value.line == 3


def test_an_overlay_can_stand_on_a_mesh_layout(layout):
    (layout.parent / "plant.yaml").write_text(
        "plant: layout.yaml\nassets:\n  TP-401: {behaviour: tablet_press, params: {speed: 60 rpm}}\n"
        "links:\n  - {from: TP-401, to: CT-501, medium: cores}\n")
    plant = twin.plant.load(layout.parent / "plant.yaml")
    assert plant["TP-401"].params["speed"] == pytest.approx(2 * np.pi)  # 60 rpm = 2 pi rad/s
    assert plant.downstream("TP-401") == {"CT-501"}
