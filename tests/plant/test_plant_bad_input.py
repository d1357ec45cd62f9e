"""Bad input meets a clear message naming what and where, and loading goes on where it safely can."""
import shutil
from pathlib import Path

import ifcopenshell
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import twin.plant
from twin.config import ConfigError
from twin.plant import ifc as ifc_reader
from twin.plant import overlay
from twin.plant.ifc import IfcError

MODELS = Path(__file__).resolve().parents[2] / "plant_models"
API_IFC = MODELS / "api_bay" / "api_bay.ifc"


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(IfcError, match="file not found"):
        twin.plant.load(tmp_path / "nowhere.ifc")
    (tmp_path / "folder.ifc").mkdir()
    with pytest.raises(IfcError, match="is a folder"):
        twin.plant.load(tmp_path / "folder.ifc")
    with pytest.raises(ConfigError, match="file not found") as caught:
        twin.plant.load(tmp_path / "plant.yaml")
    assert str(tmp_path / "plant.yaml") in str(caught.value)


@pytest.mark.parametrize("content, message", [
    (b"hello, I am a text file\n", "not an IFC-SPF"),
    (b"PK\x03\x04 zipped", "ifcZIP"),
    (b"<?xml version='1.0'?><ifcXML/>", "ifcXML is not supported"),
    (b"ISO-10303-21;\nHEADER;\nFILE_DESCRIPTION((),'2;1');\n", "cannot parse"),
])
def test_not_an_ifc_file(tmp_path, content, message):
    path = tmp_path / "model.ifc"
    path.write_bytes(content)
    with pytest.raises(IfcError, match=message) as caught:
        twin.plant.load(path)
    assert str(path) in str(caught.value)


def test_unsupported_schema(tmp_path):
    path = tmp_path / "future.ifc"
    path.write_text(API_IFC.read_text().replace("FILE_SCHEMA(('IFC4'));", "FILE_SCHEMA(('IFC9'));"))
    with pytest.raises(IfcError, match="supported schemas are IFC2X3, IFC4, IFC4X3"):
        twin.plant.load(path)


def test_truncated_file_loads_what_was_read_and_says_so(tmp_path):
    path = tmp_path / "cut.ifc"
    text = API_IFC.read_text()
    path.write_text(text[: len(text) * 6 // 10])
    plant = twin.plant.load(path, geometry_cache=False)
    assert any("truncated" in e for e in plant.errors)
    assert any("parse errors" in e for e in plant.errors)
    assert 0 < len(plant.assets) <= 14


def test_corrupt_line_is_reported_with_the_parsers_words(tmp_path):
    lines = API_IFC.read_text().splitlines()
    middle = len(lines) // 2
    path = tmp_path / "corrupt.ifc"
    path.write_text("\n".join([*lines[:middle], "#999999=IFCWALL((((;garbage", *lines[middle:]]) + "\n")
    plant = ifc_reader.read(path, with_geometry=False)
    assert any("parse errors" in e and "garbage" in e for e in plant.errors)


def edited(tmp_path, edit) -> Path:
    """A copy of the API bay IFC changed by ``edit(model)``."""
    model = ifcopenshell.open(str(API_IFC))
    edit(model)
    path = tmp_path / "edited.ifc"
    model.write(str(path))
    return path


def by_tag(model, tag):
    return next(e for e in model.by_type("IfcElement") if getattr(e, "Tag", None) == tag)


def test_element_without_geometry_gets_a_reason(tmp_path):
    def drop_body(model):
        by_tag(model, "P-102").Representation = None

    plant = twin.plant.load(edited(tmp_path, drop_body), geometry_cache=False)
    assert plant["P-102"].mesh is None
    assert "asset P-102: no mesh: it has no 3D representation" in plant.warnings
    assert plant["P-101A"].mesh is not None


def test_duplicate_and_empty_tags(tmp_path):
    def spoil(model):
        by_tag(model, "P-101B").Tag = "P-101A"
        by_tag(model, "P-102").Tag = ""

    plant = ifc_reader.read(edited(tmp_path, spoil), with_geometry=False)
    duplicate = next(w for w in plant.warnings if w.startswith("duplicate tag 'P-101A'"))
    renamed = next(t for t in plant.assets if t.startswith("P-101A#"))
    assert renamed in duplicate
    assert plant[renamed].name == "Filter feed pump (standby)"
    assert any("has no tag: using 'Transfer pump R-102 to R-101'" in w for w in plant.warnings)
    assert "Transfer pump R-102 to R-101" in plant.assets


def test_tags_from_a_property(tmp_path):
    import ifcopenshell.api.pset

    def move_tags(model):
        for element in model.by_type("IfcPump"):
            pset = ifcopenshell.api.pset.add_pset(model, product=element, name="Pset_Plant")
            ifcopenshell.api.pset.edit_pset(model, pset=pset, properties={"Number": f"PU-{element.Tag}"})

    plant = ifc_reader.read(edited(tmp_path, move_tags), tag_property="Pset_Plant.Number", with_geometry=False)
    assert {"PU-P-101A", "PU-P-101B", "PU-P-102", "R-101"} <= set(plant.assets)


# --- plant.yaml overlays ---------------------------------------------------------------------------------------

def overlay_file(tmp_path, text: str) -> Path:
    shutil.copy(API_IFC, tmp_path / "api_bay.ifc")
    path = tmp_path / "plant.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("text, line, key, words", [
    ("plant: api_bay.ifc\nassets:\n  R--101: {behaviour: reactor}\n", 3, "assets.R--101",
     ["unknown tag 'R--101'", "did you mean 'R-101'?"]),
    ("plant: api_bay.ifc\nassets:\n  R-101: {behavior: reactor}\n", 3, "assets.R-101.behavior",
     ["unknown key 'behavior'", "did you mean 'behaviour'?"]),
    ("plant: api_bay.ifc\nassets:\n  R-101:\n    params: 3\n", 4, "assets.R-101.params", ["got int 3", "mapping"]),
    ("plant: api_bay.ifc\nlinks:\n  - {from: R-101, to: NF-10}\n", 3, "links[0].to",
     ["unknown tag 'NF-10'", "did you mean 'NF-101'?"]),
    ("plant: api_bay.ifc\nlinks:\n  - {from: R-101}\n", 3, "links[0]", ["missing key 'to'"]),
    ("plant: api_bay.ifx\n", 1, "plant", ["file not found", "did you mean 'api_bay.ifc'?"]),
    ("assets: {}\nplant: api_bay.ifc\nname: [a, b]\n", 3, "name", ["got a list", "expected: a string"]),
    ("plant: api_bay.ifc\nassets:\n  R-101: {behaviour: a}\n  R-101: {behaviour: b}\n", 4, "R-101",
     ["duplicate key", "line 3"]),
    ("plant: api_bay.ifc\nassets: {R-101: {params: {v: 4 m3}\n", 3, None, ["not valid YAML"]),
])
def test_invalid_overlay_names_file_line_key_and_fix(tmp_path, text, line, key, words):
    path = overlay_file(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        twin.plant.load(path)
    error = caught.value
    assert (Path(error.file).name, error.line, error.key) == ("plant.yaml", line, key)
    for word in words:
        assert word in str(error)


def test_yaml_that_is_neither_overlay_nor_layout(tmp_path):
    path = tmp_path / "thing.yaml"
    path.write_text("- just\n- a list\n")
    with pytest.raises(ConfigError, match="neither a plant overlay nor a mesh layout"):
        twin.plant.load(path)
    with pytest.raises(ConfigError, match="has no tags"):
        twin.plant.load(tmp_path / "part.stl")
    (tmp_path / "model.ifcx").write_text("{}")
    with pytest.raises(ConfigError, match="unknown kind of plant file '.ifcx'"):
        twin.plant.load(tmp_path / "model.ifcx")
    with pytest.raises(ConfigError, match="model.ifcz: file not found"):  # was "unknown kind of plant file"
        twin.plant.load(tmp_path / "model.ifcz")
    with pytest.raises(ConfigError, match="delivery: is a folder, not a plant file"):
        twin.plant.load((tmp_path / "delivery").mkdir() or tmp_path / "delivery")


@pytest.fixture(scope="module")
def bare_api_bay():
    return ifc_reader.read(API_IFC, with_geometry=False)


VALID = Path(MODELS / "api_bay" / "plant.yaml").read_text()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(0, len(VALID) - 1), junk=st.sampled_from(["", ":", "- ", "{", "]", "\n  x", "'", "R-1", "\t"]))
def test_mutated_overlays_load_or_fail_with_a_located_error(bare_api_bay, cut, junk):
    """Any edit of a valid overlay either still loads or raises ConfigError with file and line: never a traceback."""
    text = VALID[:cut] + junk + VALID[cut + 1:]
    try:
        document = overlay.config.loads(text, overlay.SCHEMA, file=MODELS / "api_bay" / "plant.yaml")
        overlay.apply(bare_api_bay, document)
    except ConfigError as error:
        assert error.file is not None and error.line is not None and 1 <= error.line <= text.count("\n") + 2
        assert str(error).startswith(str(MODELS / "api_bay" / "plant.yaml"))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tags=st.lists(st.text(alphabet="RPDENFSCX-0123456789AB.", min_size=1, max_size=8), min_size=1, max_size=5))
def test_random_asset_tags_are_accepted_only_if_the_delivery_has_them(bare_api_bay, tags):
    text = yaml.safe_dump({"plant": "api_bay.ifc", "assets": {t: {"behaviour": "x"} for t in tags}})
    document = overlay.config.loads(text, overlay.SCHEMA, file=MODELS / "api_bay" / "plant.yaml")
    unknown = [t for t in document["assets"] if t not in bare_api_bay.assets]
    if unknown:
        with pytest.raises(ConfigError, match="unknown tag") as caught:
            overlay.apply(bare_api_bay, document)
        assert caught.value.key == f"assets.{unknown[0]}"
    else:
        overlay.apply(bare_api_bay, document)
        assert all(bare_api_bay[t].behaviour == "x" for t in tags)


@pytest.mark.parametrize("declared, volume, words", [
    (384_000.0, 384.0, "3.84e+05 m3, 1,000x the 384.0 m3 of the room's own mesh (a unit mix-up"),  # dm3 as m3
    (0.384, 384.0, "0.384 m3, 1/1,000 of the 384.0 m3"),
    (500.0, 500.0, "the room's own mesh holds 384.0 m3 (1.30x): kept the declared volume"),
])
def test_a_declared_room_volume_that_disagrees_with_its_mesh_is_flagged(tmp_path, declared, volume, words):
    """R01 of the API bay is a 16 x 8 x 3 m box (384 m3, its mesh's volume by trimesh); its declared NetVolume is
    edited as a Revit export got it wrong (a Revit file wrote 166,884 for a room of 166.9 m3)."""
    def misdeclare(model):
        room = next(s for s in model.by_type("IfcSpace") if s.Name == "R01")
        for rel in room.IsDefinedBy:
            for quantity in getattr(rel.RelatingPropertyDefinition, "Quantities", None) or ():
                if quantity.Name == "NetVolume":
                    quantity.VolumeValue = declared

    plant = twin.plant.load(edited(tmp_path, misdeclare), geometry_cache=False)
    assert plant.spaces["R01"].volume == pytest.approx(volume)
    (warning,) = [w for w in plant.warnings if w.startswith("space R01")]
    assert words in warning
    assert plant.spaces["R02"].volume == 192.0 and not any(w.startswith("space R02") for w in plant.warnings)
