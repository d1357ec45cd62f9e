"""The twin's IFC reading checked against raw ifcopenshell on the same files.

The references are ifcopenshell's own routines used independently of the loader: ``by_type`` counts, the
``ifcopenshell.util.placement.get_local_placement`` matrices, ``IfcRelConnectsPorts`` counts, and a fresh
single-threaded geometry iterator for bounding boxes; plus the dimensions written by the generator scripts.
"""
from pathlib import Path

import ifcopenshell
import ifcopenshell.geom
import ifcopenshell.guid
import ifcopenshell.util.placement
import numpy as np
import pytest

import twin.plant
import twin.plant.ifc
from twin.plant import geometry

MODELS = Path(__file__).resolve().parents[2] / "plant_models"

NAMES = ["osd_cm_line", "api_bay", "multipurpose_osd"]


def raw(name):
    return ifcopenshell.open(str(MODELS / name / f"{name}.ifc"))


def iterator_bounds(ifc) -> dict:
    settings = ifcopenshell.geom.settings()
    settings.set("use-world-coords", True)
    iterator = ifcopenshell.geom.iterator(settings, ifc, 1)
    bounds = {}
    assert iterator.initialize()
    while True:
        shape = iterator.get()
        vertices = np.array(shape.geometry.verts).reshape(-1, 3)
        bounds[shape.guid] = np.array([vertices.min(axis=0), vertices.max(axis=0)])
        if not iterator.next():
            break
    return bounds


@pytest.fixture(scope="module")
def plants(osd, api_bay, multipurpose):
    return {"osd_cm_line": osd, "api_bay": api_bay, "multipurpose_osd": multipurpose}


@pytest.mark.parametrize("name", NAMES)
def test_counts_match_raw_ifcopenshell(plants, name):
    plant, ifc = plants[name], raw(name)
    instruments = [e for e in ifc.by_type("IfcDistributionControlElement") if e.AssignedToFlowElement]
    equipment = [e for e in ifc.by_type("IfcElement") if getattr(e, "Tag", None) and e not in instruments]
    assert sorted(plant.assets) == sorted(e.Tag for e in equipment)
    from_ifc = sorted(t for t, i in plant.instruments.items() if i.guid is not None)  # the overlay adds the others
    assert from_ifc == sorted(f"{e.AssignedToFlowElement[0].RelatingFlowElement.Tag}.{e.Tag}" for e in instruments)
    assert len(plant.spaces) == len(ifc.by_type("IfcSpace"))
    assert plant.storeys == [s.Name for s in sorted(ifc.by_type("IfcBuildingStorey"), key=lambda s: s.Elevation)]
    pipe_links = [k for k in plant.links if k.kind == "pipe"]
    # a run of n pieces between two assets is n + 1 port-to-port connections
    assert sum(len(k.via) + 1 for k in pipe_links) == len(ifc.by_type("IfcRelConnectsPorts"))
    pieces = {g for k in pipe_links for g in k.via}
    assert pieces == {e.GlobalId for e in ifc.by_type("IfcPipeSegment") + ifc.by_type("IfcPipeFitting")}


@pytest.mark.parametrize("name", NAMES)
def test_placements_match_ifcopenshell_util(plants, name):
    plant, ifc = plants[name], raw(name)
    for asset in plant:
        expected = ifcopenshell.util.placement.get_local_placement(ifc.by_guid(asset.guid).ObjectPlacement)
        np.testing.assert_allclose(asset.placement, expected, atol=1e-9, err_msg=asset.tag)
        for port in asset.ports:
            where = ifcopenshell.util.placement.get_local_placement(ifc.by_guid(port.guid).ObjectPlacement)
            np.testing.assert_allclose(port.position, where[:3, 3], atol=1e-9, err_msg=f"{asset.tag} {port.name}")


@pytest.mark.parametrize("name", NAMES)
def test_every_product_with_a_body_has_a_mesh_with_the_iterators_bounds(plants, name):
    plant, ifc = plants[name], raw(name)
    reference = iterator_bounds(ifc)
    meshes = {a.guid: a.mesh for a in plant} | {s.guid: s.mesh for s in plant.spaces.values()} | {
        g: e.mesh for g, e in plant.elements.items()}
    assert set(meshes) == set(reference)
    for guid, mesh in meshes.items():
        np.testing.assert_allclose(mesh.bounds, reference[guid], atol=1e-9, err_msg=guid)


def test_bounds_match_the_generators_dimensions(osd, api_bay):
    # TP-101: box 1.3 x 1.3 x 2.0 on its base centre (11.5, 9.0, 0.0), generate.py
    np.testing.assert_allclose(osd["TP-101"].bounds, [[10.85, 8.35, 0.0], [12.15, 9.65, 2.0]], atol=1e-9)
    # LIW-101 on the feeding level (elevation 4.5 m): box 0.8 x 0.8 x 1.4 at (2.0, 9.0, 4.5)
    np.testing.assert_allclose(osd["LIW-101"].bounds, [[1.6, 8.6, 4.5], [2.4, 9.4, 5.9]], atol=1e-9)
    # cylinder r = 0.9, h = 2.4 at (3, 8, 0), within the tessellation's chord error
    lo, hi = api_bay["R-101"].bounds
    assert (lo[0], hi[0], lo[2], hi[2]) == pytest.approx((2.1, 3.9, 0.0, 2.4), abs=1e-3)
    # room G10: 8 x 7 m, 3 m high -> 168 m3, 56 m2 (and the quantity set written by the generator agrees)
    g10 = osd.spaces["G10"]
    assert g10.mesh.volume == pytest.approx(168.0, rel=1e-9)
    assert (g10.area, g10.volume) == (pytest.approx(56.0), pytest.approx(168.0))


def test_second_load_comes_from_the_cache_and_equals_the_first(tmp_path, monkeypatch):
    monkeypatch.setenv("TWIN_CACHE_DIR", str(tmp_path))
    path = MODELS / "api_bay" / "api_bay.ifc"
    first = twin.plant.load(path)
    assert len(list(tmp_path.glob("*.npz"))) == 1 and len(list(tmp_path.glob("*.pickle"))) == 1
    second = twin.plant.load(path)
    assert second is not first and set(second.assets) == set(first.assets)
    assert [(k.source, k.target, k.via) for k in second.links] == [(k.source, k.target, k.via) for k in first.links]
    for old, new in zip([*first, *first.spaces.values(), *first.elements.values()],
                        [*second, *second.spaces.values(), *second.elements.values()], strict=True):
        np.testing.assert_array_equal(new.mesh.vertices, old.mesh.vertices)
        np.testing.assert_array_equal(new.mesh.faces, old.mesh.faces)
    assert twin.plant.load(path, tag_property="Pset_X.Tag") is not None  # other options: another entry
    assert len(list(tmp_path.glob("*.npz"))) == 2


def test_the_iterator_in_the_background_gives_the_same_meshes():
    path = MODELS / "osd_cm_line" / "osd_cm_line.ifc"
    ifc = ifcopenshell.open(str(path))
    background, direct = geometry.begin(path, ifc)(), geometry.tessellate(ifc, threads=1)
    assert set(background) == set(direct)
    for guid, (vertices, faces) in direct.items():
        np.testing.assert_array_equal(background[guid][0], vertices)
        np.testing.assert_array_equal(background[guid][1], faces)


def test_an_ifc4x3_delivery_loads_the_same_way(tmp_path):
    """A small IFC4X3 model authored with the samples' toolkit: tag, grade, instrument and pipe run survive."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("authoring", MODELS / "authoring.py")
    authoring = importlib.util.module_from_spec(spec)
    original_guid = ifcopenshell.guid.new
    try:
        spec.loader.exec_module(authoring)
        p = authoring.PlantAuthor("Tiny IFC4X3", seed=1, schema="IFC4X3")
        room = p.space(p.storey("GF", 0.0), "101", "Room", origin=(0, 0), size=(6, 4), grade="C")
        pump = p.equipment("P-1", "IfcPump", room, (1, 2, 0), box=(0.5, 0.4, 0.5), predefined_type="CIRCULATOR")
        tank = p.equipment("T-1", "IfcTank", room, (4, 2, 0), cylinder=(0.5, 1.5), predefined_type="STORAGE")
        p.instrument("LT-01", tank, predefined_type="LEVELSENSOR")
        p.pipe(p.port(pump, (0.25, 0, 0.25), "SOURCE"), p.port(tank, (0, 0, 1.5), "SINK"),
               p.system("Water", "DOMESTICCOLDWATER"), room, rack_height=2.0)
        path = p.write(tmp_path / "tiny.ifc")
    finally:
        ifcopenshell.guid.new = original_guid
    assert ifcopenshell.open(str(path)).schema == "IFC4X3"
    plant = twin.plant.load(path, geometry_cache=False)
    assert sorted(plant.assets) == ["P-1", "T-1"] and plant.warnings == []
    (link,) = plant.links
    assert (link.source, link.target, len(link.via), link.medium) == ("P-1", "T-1", 5, "Water")
    assert plant.grade("P-1") == "C" and plant["T-1.LT-01"].type == "LEVELSENSOR"
    np.testing.assert_allclose(plant["P-1"].bounds, [[0.75, 1.8, 0.0], [1.25, 2.2, 0.5]], atol=1e-9)


def test_properties_and_quantities_come_out_in_si(tmp_path):
    """The API bay with its project units switched to mm and mm2: the same rooms must read the same in SI."""
    model = raw("api_bay")
    for unit in model.by_type("IfcSIUnit"):
        if unit.UnitType in ("LENGTHUNIT", "AREAUNIT"):
            unit.Prefix = "MILLI"  # the stored numbers now mean mm and mm2
    path = tmp_path / "api_bay_mm.ifc"
    model.write(str(path))
    metres = twin.plant.load(MODELS / "api_bay" / "api_bay.ifc", geometry_cache=False)
    millimetres = twin.plant.ifc.read(path, with_geometry=False)
    room, room_mm = metres.spaces["R01"], millimetres.spaces["R01"]
    assert (room.area, room.properties["Qto_SpaceBaseQuantities.Height"]) == (96.0, 4.0)  # 12 x 8 m, 4 m high
    assert room_mm.area == pytest.approx(96.0 * 1e-6)  # 96 "mm2" = 9.6e-5 m2
    assert room_mm.properties["Qto_SpaceBaseQuantities.Height"] == pytest.approx(4.0e-3)
    assert room_mm.volume == room.volume == 384.0  # the volume unit stayed m3
    np.testing.assert_allclose(millimetres["R-101"].placement[:3, 3], metres["R-101"].placement[:3, 3] * 1e-3)
