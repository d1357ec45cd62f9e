"""Link following on a public model with distribution ports nobody here wrote: buildingSMART's infrastructure unit
test DrainageSystem-1 (Geometry Gym, CC BY 4.0; tests/data/public_ifc/README.md): seven storm-water manholes
(IfcDistributionChamberElement) joined by six pipe segments, ports nested with IfcRelNests and joined with
IfcRelConnectsPorts, placed in UTM coordinates (24.5 million m east).

The expected links are read from the file's own text with regular expressions (which ports each element nests,
which ports are connected, which way each points), independently of ifcopenshell and of the loader."""
import re
from pathlib import Path

import pytest

import twin.plant
from twin.cli import main

DRAINAGE = Path(__file__).resolve().parents[2] / "tests" / "data" / "public_ifc" / "DrainageSystem-1-1.ifc"


@pytest.fixture(scope="module")
def readable(tmp_path_factory):
    """The file with its header's schema name IFC4X3_RC3 (a release candidate ifcopenshell 0.9 does not read) said
    as IFC4X3_ADD2, the final schema its entities belong to; nothing else changes."""
    path = tmp_path_factory.mktemp("drainage") / "DrainageSystem-1-1.ifc"
    path.write_text(DRAINAGE.read_text().replace("FILE_SCHEMA (('IFC4X3_RC3'));", "FILE_SCHEMA (('IFC4X3_ADD2'));"))
    return path


def links_in_the_text(text: str) -> set[tuple[str, str, int]]:
    """(source manhole, target manhole, pipes passed) for every port-to-port run, from the STEP text alone."""
    entities = dict(re.findall(r"^#(\d+)= (IFC\w+\(.*\));$", text, re.M))
    owner = {}
    for body in entities.values():
        if body.startswith("IFCRELNESTS("):
            parent, children = re.search(r",#(\d+),\(([^)]*)\)\)$", body).groups()
            owner.update({child.strip("#"): parent for child in children.split(",")})
    direction = {n: re.search(r"\.(SOURCE|SINK)\.", b).group(1) for n, b in entities.items()
                 if b.startswith("IFCDISTRIBUTIONPORT(")}
    joined = {}
    for body in entities.values():
        if body.startswith("IFCRELCONNECTSPORTS("):
            a, b = re.search(r",#(\d+),#(\d+),\$\)$", body).groups()
            joined[a], joined[b] = b, a
    name = {n: re.match(r"IFC\w+\('[^']*',\$,'([^']*)'", b).group(1) for n, b in entities.items()
            if b.startswith("IFCDISTRIBUTIONCHAMBERELEMENT(")}
    pipe = {n for n, b in entities.items() if b.startswith("IFCPIPESEGMENT(")}
    found = set()
    for port, parent in owner.items():
        if parent in pipe or direction[port] != "SOURCE" or port not in joined:
            continue
        here, pipes = joined[port], 0
        while owner[here] in pipe:  # through the pipe: in at one port, out at its other
            pipes += 1
            out = next(p for p, o in owner.items() if o == owner[here] and p != here)
            here = joined[out]
        found.add((name[parent], name[owner[here]], pipes))
    return found


def test_the_links_are_the_files_own(readable):
    expected = links_in_the_text(DRAINAGE.read_text())
    assert len(expected) == 6 and all(pipes == 1 for _, _, pipes in expected)
    plant = twin.plant.load(readable)
    assert sorted(plant.assets) == ["10", "111", "193", "212", "51", "56", "62"]  # the manholes' names as tags
    assert {(k.source, k.target, len(k.via)) for k in plant.links} == expected
    assert all(k.directed for k in plant.links)
    assert plant.path("10", "111") == ["10", "51", "56", "111"]  # H1 drains through H2 and H3 to H5


def test_the_release_candidate_schema_is_one_clear_line(capsys):
    assert main(["inspect", str(DRAINAGE)]) == 2
    err = capsys.readouterr().err.strip()
    assert "IFC4X3_RC3" in err and "supported schemas are IFC2X3, IFC4, IFC4X3" in err and len(err.splitlines()) == 1
