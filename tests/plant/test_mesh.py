"""twin.plant.mesh.Mesh against trimesh, the reference it stands in for: bounds, closure and volume on meshes whose
answers are known (a box, a box with a face missing, an icosphere, a tetrahedron), and trimesh's own methods on
first use."""
import numpy as np
import pytest
import trimesh

from twin.plant.mesh import Mesh


@pytest.mark.parametrize("reference", [
    trimesh.creation.box(extents=[2, 3, 4]),                                   # 24 m3
    trimesh.creation.icosphere(subdivisions=2, radius=1.5),
    trimesh.Trimesh([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]], [[0, 2, 1], [0, 1, 3], [0, 3, 2], [1, 2, 3]]),
    trimesh.Trimesh(trimesh.creation.box().vertices, trimesh.creation.box().faces[:-1], process=False),  # open
])
def test_bounds_closure_and_volume_equal_trimeshs(reference):
    mesh = Mesh(reference.vertices, reference.faces)
    np.testing.assert_allclose(mesh.bounds, reference.bounds)
    assert mesh.is_watertight == reference.is_watertight
    if reference.is_watertight:
        assert mesh.volume == pytest.approx(reference.volume, rel=1e-12)


def test_a_box_by_hand_and_trimesh_on_first_use():
    box = trimesh.creation.box(extents=[2, 3, 4])
    mesh = Mesh(box.vertices, box.faces)
    assert mesh.volume == pytest.approx(24.0)  # 2 x 3 x 4 m
    assert mesh._trimesh is None
    assert mesh.area == pytest.approx(2 * (6 + 8 + 12))  # trimesh's, built now
    assert isinstance(mesh.trimesh, trimesh.Trimesh) and mesh._trimesh is not None
