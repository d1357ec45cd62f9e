"""Shared fixtures: the sample plants, loaded once per test session with the geometry cache in a temporary folder."""
from pathlib import Path

import pytest

import twin.plant

ROOT = Path(__file__).resolve().parents[2]
MODELS = ROOT / "plant_models"


@pytest.fixture(scope="session", autouse=True)
def geometry_cache(tmp_path_factory):
    """Keep tessellated geometry out of the user's cache folder."""
    mp = pytest.MonkeyPatch()
    folder = tmp_path_factory.mktemp("geometry-cache")
    mp.setenv("TWIN_CACHE_DIR", str(folder))
    yield folder
    mp.undo()


@pytest.fixture(scope="session")
def osd():
    return twin.plant.load(MODELS / "osd_cm_line" / "plant.yaml")


@pytest.fixture(scope="session")
def api_bay():
    return twin.plant.load(MODELS / "api_bay" / "plant.yaml")


@pytest.fixture(scope="session")
def multipurpose():
    return twin.plant.load(MODELS / "multipurpose_osd" / "plant.yaml")
