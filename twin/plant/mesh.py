"""The triangle mesh the IFC loader makes: vertices (m) and faces, with what the twin itself asks of a mesh
(bounds, closed or not, volume) computed here with NumPy; anything else trimesh offers is there on first use.

trimesh pulls SciPy in on import (0.6 s of CPU, most of ``twin inspect``'s start on a small file); a plant read
for its asset table never needs it::

    mesh = Mesh(vertices, faces)
    mesh.bounds, mesh.is_watertight, mesh.volume   # NumPy, no trimesh
    mesh.convex_hull                               # a trimesh.Trimesh built once, then asked
    mesh.trimesh                                   # that trimesh.Trimesh itself
"""
from __future__ import annotations

import numpy as np


class Mesh:
    """Triangles in world coordinates: ``vertices`` (n x 3 float, m) and ``faces`` (m x 3 int)."""

    def __init__(self, vertices, faces) -> None:
        self.vertices = np.asarray(vertices, dtype=np.float64).reshape(-1, 3)
        self.faces = np.asarray(faces).reshape(-1, 3)
        self._trimesh = None

    @property
    def bounds(self) -> np.ndarray:
        """``[[xmin, ymin, zmin], [xmax, ymax, zmax]]``."""
        return np.array([self.vertices.min(axis=0), self.vertices.max(axis=0)])

    @property
    def is_watertight(self) -> bool:
        """Closed: every edge shared by exactly two triangles (as trimesh, with vertices taken as given)."""
        if len(self.faces) == 0:
            return False
        edges = np.sort(self.faces[:, [0, 1, 1, 2, 2, 0]].reshape(-1, 2), axis=1)
        _, counts = np.unique(edges, axis=0, return_counts=True)
        return bool(np.all(counts == 2))

    @property
    def volume(self) -> float:
        """Signed volume enclosed (m3; positive for outward-facing triangles): the divergence theorem, summed over
        the tetrahedra each triangle makes with the origin."""
        a, b, c = (self.vertices[self.faces[:, k]] for k in range(3))
        return float(np.einsum("ij,ij->", a, np.cross(b, c)) / 6.0)

    @property
    def trimesh(self):
        """This mesh as a ``trimesh.Trimesh`` (built once, vertices as given)."""
        if self._trimesh is None:
            import trimesh

            self._trimesh = trimesh.Trimesh(self.vertices, self.faces, process=False)
        return self._trimesh

    def __getattr__(self, name: str):
        if name.startswith("_"):  # pickling and copying ask for dunders before __init__ ran
            raise AttributeError(name)
        return getattr(self.trimesh, name)

    def __reduce__(self):
        return Mesh, (self.vertices, self.faces)

    def __repr__(self) -> str:
        return f"<Mesh {len(self.vertices)} vertices, {len(self.faces)} faces>"
