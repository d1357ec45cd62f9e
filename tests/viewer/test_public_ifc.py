"""The viewer on public IFC files from other tools (tests/data/public_ifc/README.md): everything with geometry is
drawn, styled by kind, and what is not drawn is named with a reason. The pictures are read pixel by pixel."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import trimesh
from pictures import non_background

import twin.plant
from twin.plant import Element, Plant
from viewer.scene import PlantScene

PUBLIC = Path(__file__).resolve().parents[2] / "tests" / "data" / "public_ifc"
#: file -> the layers its picture must hold (what the file's own entities are: read in each file by hand)
DRAWN = {
    "revit2011_wall1.ifc": {"structure"},                               # IFC2X3, one wall, no equipment
    "ifcopenshell_halfspaces.ifc": {"structure"},                       # IFC2X3, seven clipped slabs
    "mapped_item_style.ifc": {"distribution"},                          # IFC2X3, one IfcFlowSegment (a duct)
    "building_service_element_air-terminal.ifc": {"distribution"},      # IFC4, a duct; the terminal has no mesh
    "large_offset.ifc": {"assets", "structure"},                        # IFC4, slabs and a proxy far from 0
    "polygonal-face-tessellation.ifc": {"assets"},                      # IFC4X3, one proxy
}


def _key(item) -> str:
    return getattr(item, "tag", None) or getattr(item, "number", None) or item.guid


@pytest.mark.parametrize("name", sorted(DRAWN))
def test_every_meshed_element_is_drawn_or_left_out_with_a_reason(name):
    plant = twin.plant.load(PUBLIC / name)
    scene = PlantScene(plant, off_screen=True, window_size=(640, 400))
    image = scene.screenshot()
    assert non_background(image) > 0.01, f"{name}: the picture is blank"  # was 0 on the wall and the slabs
    meshed = {_key(item) for item in plant.parts() if item.mesh is not None}
    assert meshed, name
    for key in meshed:
        assert key in scene.drawn or scene.left_out.get(key), f"{name}: {key} is neither drawn nor left out"
    assert {scene.drawn[k] for k in meshed if k in scene.drawn} == DRAWN[name]
    assert not scene.schematic
    assert scene.summary().startswith("drew ")
    scene.close()


def _opacities(scene, layer: str) -> set[float]:
    return {round(a.prop.opacity, 2) for (name, _), actors in scene.layers.items() if name == layer for a in actors}


def test_structure_is_faint_context_beside_equipment_and_plain_alone(osd_line):
    scene = PlantScene(osd_line, off_screen=True, window_size=(320, 200))
    assert _opacities(scene, "structure") == {0.12} and _opacities(scene, "distribution") == {1.0}
    scene.close()
    scene = PlantScene(twin.plant.load(PUBLIC / "ifcopenshell_halfspaces.ifc"), off_screen=True, window_size=(320, 200))
    assert _opacities(scene, "structure") == {0.6}
    scene.close()


def test_a_mesh_without_triangles_is_left_out_and_said():
    plant = Plant(name="p")
    box = trimesh.creation.box(extents=[1, 1, 1])
    plant.elements["wall"] = Element(guid="wall", ifc_class="IfcWall", mesh=box)
    plant.elements["empty"] = Element(guid="empty", ifc_class="IfcPipeSegment", kind="distribution",
                                      mesh=trimesh.Trimesh(np.zeros((3, 3)), np.zeros((0, 3), int)))
    scene = PlantScene(plant, off_screen=True, window_size=(320, 200))
    assert scene.drawn == {"wall": "structure"}
    assert scene.left_out == {"empty": "its mesh has no triangles"}
    assert "left out 1 (its mesh has no triangles): empty" in scene.summary()
    scene.close()


def test_a_body_the_kernel_cannot_mesh_is_said_to_be_left_out():
    plant = twin.plant.load(PUBLIC / "building_service_element_air-terminal.ifc")
    scene = PlantScene(plant, off_screen=True, window_size=(320, 200))
    assert "left out 1 (the geometry kernel made no mesh of its representation): 1mF0_JbLzBtAZ0GUOlCFEx" in \
        scene.summary()
    scene.close()


def test_twin_view_says_what_it_drew(tmp_path, capsys):
    from twin.cli import main

    assert main(["view", str(PUBLIC / "revit2011_wall1.ifc"), "--screenshot", str(tmp_path / "w.png")]) == 0
    err = capsys.readouterr().err
    assert "drew 1 structure" in err and "no geometry" not in err


def test_a_drainage_network_in_utm_coordinates_is_drawn(tmp_path):
    """buildingSMART's DrainageSystem-1 (24.5 million m east; its header's release-candidate schema name said as
    the final IFC4X3_ADD2, as tests/plant/test_public_ports.py does): manholes and pipes all in the picture."""
    path = tmp_path / "drainage.ifc"
    path.write_text((PUBLIC / "DrainageSystem-1-1.ifc").read_text().replace("IFC4X3_RC3", "IFC4X3_ADD2"))
    scene = PlantScene(twin.plant.load(path), off_screen=True, window_size=(640, 400))
    image = scene.screenshot()
    assert sorted(scene.drawn.values()) == ["assets"] * 7 + ["distribution"] * 6 and scene.left_out == {}
    assert non_background(image) > 0.005  # thin pipes 100 m long: a sparse but not blank picture
    scene.close()
