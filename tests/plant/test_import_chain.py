"""What ``twin inspect FILE.ifc`` imports: the IFC stack it needs, never the 3D viewer (VTK, pyvista), plotting, the
FMU stack an overlay may need (fmpy: 0.8 s of a 2 s start on a 4 KB file before it was cut) or trimesh and SciPy
(0.6 s of CPU; the IFC loader's meshes are twin.plant.mesh.Mesh, trimesh only on first use)."""
import json
import subprocess
import sys
from pathlib import Path

from twin.plant import loading, meshes

SMALL = Path(__file__).resolve().parents[2] / "tests" / "data" / "public_ifc" / "polygonal-face-tessellation.ifc"
PROBE = """
import json, sys
from twin.cli import main
main(["inspect", sys.argv[1], "--json"])
print(json.dumps(sorted({name.partition('.')[0] for name in sys.modules})))
"""


def test_inspecting_an_ifc_imports_no_viewer_plotting_or_fmu_stack(tmp_path):
    assert SMALL.stat().st_size < 5000  # the 4 KB file of the start-up benchmark
    done = subprocess.run([sys.executable, "-c", PROBE, str(SMALL)], capture_output=True, text=True, timeout=120,
                          env={"TWIN_CACHE_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}, check=True)
    modules = set(json.loads(done.stdout.rstrip().rpartition("\n")[2]))
    assert {"ifcopenshell", "networkx"} <= modules
    assert not modules & {"vtkmodules", "pyvista", "matplotlib", "fmpy", "pandas", "casadi", "trimesh", "scipy"}, \
        modules


def test_the_loaders_mesh_suffixes_are_the_mesh_readers():
    assert loading.MESHES == meshes.FORMATS


def test_startup_benchmark_times_inspect_of_the_4kb_file(tmp_path, monkeypatch):
    from benchmarks import startup

    monkeypatch.setenv("TWIN_CACHE_DIR", str(tmp_path))
    lines = startup.file_lines(tmp_path)
    assert startup.SMALL_IFC == SMALL and set(lines) == {startup.PEER, "twin inspect 4KB.ifc",
                                                         "twin view 4KB.ifc --screenshot"}
    best = startup.measure(rounds=1, todo={k: v for k, v in lines.items() if "view" not in k})
    assert all(wall > 0 and cpu >= 0 for wall, cpu in best.values())
