"""Every registered study has the shape of a study package (see the docstring of scenarios.registry): STUDY from the
package itself under its registered name, a docstring that names its KPIs, callables for run and check, and a sample
scenario beside it that names the study. A new study that misses one is named here."""
import importlib
from pathlib import Path

import pytest

from scenarios.registry import STUDIES, get_study


@pytest.mark.parametrize("name", list(STUDIES))
def test_study_package_shape(name):
    assert STUDIES[name] == f"scenarios.{name}:STUDY", "a study is registered as its package's STUDY"
    package = importlib.import_module(f"scenarios.{name}")
    study = get_study(name)
    assert package.STUDY is study and study.name == name
    assert "KPI" in (package.__doc__ or ""), "the package's docstring names its KPIs and their units"
    assert callable(study.run) and callable(study.check) and study.description
    samples = [p for p in Path(package.__file__).parent.glob("*.yaml") if f"\nstudy: {name}\n" in p.read_text()]
    assert samples, f"a sample scenario (study: {name}) beside scenarios/{name}/__init__.py"
