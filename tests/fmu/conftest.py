"""Test FMUs, built once per session from the project's C sources (twin/fmu/models) with the system gcc."""
import pytest

from twin.fmu.testing import build_fmu


@pytest.fixture(scope="session")
def fmu(tmp_path_factory):
    """``fmu("reactor", 2)`` -> path of an FMI 2.0 reactor FMU with both interfaces (built on first use)."""
    folder = tmp_path_factory.mktemp("fmus")
    built = {}

    def get(model: str, version: int = 2, **options):
        key = (model, version, tuple(sorted(options.items())))
        if key not in built:
            built[key] = build_fmu(model, folder, fmi_version=version, **options)
        return built[key]

    return get
