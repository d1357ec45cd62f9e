"""Names of a package imported on first use (PEP 562), so that importing the package stays light.

A command-line plug-in lives in a package whose public names stand on heavy libraries (ifcopenshell, VTK, OR-Tools).
``twin --help`` imports the plug-in, hence the package; with lazy names it does not import those libraries::

    __getattr__, __dir__ = lazy(__name__, {"load": "twin.plant.loading", "Plant": "twin.plant.model"})
"""
from __future__ import annotations

import importlib
import sys


def lazy(package: str, where: dict[str, str]):
    """The ``__getattr__`` and ``__dir__`` of *package*: each name of *where* comes from its module when first asked
    for (a name that is the module itself, like ``viewer.export``, is that module) and is then kept."""

    def __getattr__(name: str):
        if name not in where:
            raise AttributeError(f"module '{package}' has no attribute '{name}'")
        module = importlib.import_module(where[name])
        value = module if module.__name__ == f"{package}.{name}" else getattr(module, name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(sys.modules[package]), *where})

    return __getattr__, __dir__
