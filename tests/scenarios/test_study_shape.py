"""Every registered study has the shape of a study package (see the docstring of scenarios.registry): STUDY from the
package itself under its registered name, a docstring that names its KPIs, callables for run and check, and a sample
scenario beside it that names the study. A new study that misses one is named here."""
import dataclasses
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


@pytest.mark.parametrize("name", list(STUDIES))
def test_a_study_s_parameters_are_typed_and_frozen(name):
    """Every study has a ``params.py`` of frozen dataclasses only (each with a docstring), one of which builds from the
    checked mapping: the model reads typed values, not string keys."""
    assert (Path(__file__).parents[2] / "scenarios" / name / "params.py").is_file(), f"scenarios/{name}/params.py"
    module = importlib.import_module(f"scenarios.{name}.params")
    classes = [c for c in vars(module).values() if isinstance(c, type) and c.__module__ == module.__name__]
    assert classes and all(dataclasses.is_dataclass(c) and c.__dataclass_params__.frozen and c.__doc__
                           for c in classes), name
    assert any(callable(getattr(c, "of", None)) for c in classes), f"{name}: a class with .of(mapping)"
