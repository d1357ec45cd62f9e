"""Robustness on public IFC files nobody here wrote (see tests/data/public_ifc/README.md for their sources).

Every product the geometry kernel can tessellate gets a mesh, the others a warning with a reason; the expected
dimensions come from the files' own numbers, converted by hand.
"""
from pathlib import Path

import ifcopenshell
import numpy as np
import pytest

import twin.plant
from twin.cli import main

PUBLIC = Path(__file__).resolve().parents[2] / "tests" / "data" / "public_ifc"
RELEASE_CANDIDATE = {"DrainageSystem-1-1.ifc"}  # IFC4X3_RC3: refused in one line, read in test_public_ports.py
READABLE = sorted(p.name for p in PUBLIC.glob("*.ifc") if p.name not in RELEASE_CANDIDATE)


def test_revit_ifc2x3_architecture():
    plant = twin.plant.load(PUBLIC / "revit2011_wall1.ifc")
    assert (len(plant.assets), plant.storeys, plant.warnings) == (0, ["Level 1"], [])
    wall = plant.elements["03G9jZ_mz91eOLnxxTVuMO"]
    assert wall.ifc_class == "IfcWallStandardCase"
    lo, hi = wall.mesh.bounds
    # 150 mm thick, 29.6 m long along -y from (25717.9, 13313.7) mm, 11482 mm high at the clipped top
    assert hi[0] - lo[0] == pytest.approx(0.150, abs=1e-6)
    assert hi[1] - lo[1] == pytest.approx(29.600, abs=1e-6)
    assert hi[1] == pytest.approx(13.3137207749201, abs=1e-6)
    assert hi[2] == pytest.approx(11.48234121197529, abs=1e-6)
    assert "03G9jZ_mz91eOLnxxTVuMo" not in plant.elements  # the opening is cut out, not drawn


def test_ifc4_mep_with_inch_units_and_an_untessellable_terminal():
    plant = twin.plant.load(PUBLIC / "building_service_element_air-terminal.ifc", geometry_cache=False)
    terminal = plant["1mF0_JbLzBtAZ0GUOlCFEx"]  # no Tag in the file: the GlobalId stands in, with a warning
    assert terminal.type == "AirTerminal" and terminal.mesh is None
    assert any("no mesh: the geometry kernel produced none" in w for w in plant.warnings)
    assert any("has no tag" in w for w in plant.warnings)
    assert any("rescaled to metres" in w for w in plant.warnings)
    (port,) = terminal.ports
    assert (port.name, port.direction) == ("Inlet", "in")
    np.testing.assert_allclose(port.position, [12 * 0.0254, 12 * 0.0254, 4 * 0.0254], atol=1e-12)
    duct = plant.elements["3T2CbFzwP0jP3Q12nB1pFu"].mesh
    # the duct: radius 6 in, 24 in long, rising from the terminal's port at 4 in
    np.testing.assert_allclose(duct.bounds, np.array([[6, 6, 4], [18, 18, 28]]) * 0.0254, atol=1e-9)
    assert plant.links == []  # a duct that ends nowhere links no two assets


@pytest.mark.parametrize("name", READABLE)
def test_inspect_runs_on_every_public_file(name, capsys):
    assert main(["inspect", str(PUBLIC / name)]) == 0
    assert "assets" in capsys.readouterr().out


@pytest.mark.parametrize("name", READABLE)
def test_every_product_with_a_body_has_a_mesh_or_a_reason(name):
    plant = twin.plant.load(PUBLIC / name)
    model = ifcopenshell.open(str(PUBLIC / name))
    bodies = [e for e in model.by_type("IfcProduct") if e.Representation and not e.is_a("IfcFeatureElement")]
    for element in bodies:
        guid = element.GlobalId
        drawn = guid in plant.elements or any(a.guid == guid and a.mesh is not None for a in plant)
        explained = any(guid in w for w in plant.warnings)
        assert drawn or explained, f"{element} has neither a mesh nor a warning"
