"""`twin --help` and `twin COMMAND --help` stay light: they import no 3D, IFC, solver, plotting or FMU stack.

The help lists every command with its one-line help, so it imports every plug-in of ``twin.commands``; each plug-in
module must import only argparse-level things, its heavy imports waiting inside the function that runs the command
(or behind a lazy package ``__init__``, :mod:`twin.lazy`). The check is on modules, never on timings.
"""
from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import entry_points

import pytest

from twin.lazy import lazy

#: The libraries a help text must not wait for (each takes 0.1-1.5 s to import).
HEAVY = ("ifcopenshell", "trimesh", "networkx", "pyvista", "vtkmodules", "matplotlib", "scipy", "casadi", "ortools",
         "fmpy", "asyncua", "pyarrow", "pandas", "simpy", "salabim", "CoolProp", "pint", "distributed")

COMMANDS = sorted(ep.name for ep in entry_points(group="twin.commands"))

PROBE = """
import json, sys
from twin.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps(sorted({name.partition('.')[0] for name in sys.modules})))
"""


FIX = ("\nhint: move the plug-in module's heavy imports into the function that runs the command, and make its "
       "package's __init__ name its parts lazily with twin.lazy (see scenarios/scheduling/__init__.py)")


def help_of(*words: str) -> tuple[str, set[str]]:
    """What ``twin WORDS --help`` prints, and the top-level packages it imported, in a fresh interpreter."""
    done = subprocess.run([sys.executable, "-c", PROBE, *words, "--help"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    text, _, modules = done.stdout.rstrip().rpartition("\n")
    return text, set(json.loads(modules))


def test_every_command_is_registered():
    assert {"run", "sweep", "compare", "inspect", "view", "serve", "bridge", "schedule", "bench", "demo"} <= set(
        COMMANDS)


def test_twin_help_lists_every_command_without_heavy_imports():
    text, modules = help_of()
    assert not modules & set(HEAVY), f"`twin --help` imported {sorted(modules & set(HEAVY))}{FIX}"
    assert "unavailable" not in text  # a plug-in that failed to import shows as "(unavailable: ...)"
    for name in COMMANDS:
        assert f"\n    {name} " in text, f"`twin --help` does not list {name}"


@pytest.mark.parametrize("command", COMMANDS)
def test_command_help_without_heavy_imports(command):
    text, modules = help_of(command)
    assert text.startswith(f"usage: twin {command}")
    assert not modules & set(HEAVY), f"`twin {command} --help` imported {sorted(modules & set(HEAVY))}{FIX}"


def test_lazy_package_names_are_the_modules_own():
    import twin.plant
    import twin.plant.model
    import viewer

    assert twin.plant.Plant is twin.plant.model.Plant
    assert {"load", "Plant", "GRADES"} <= set(dir(twin.plant))
    assert viewer.export is sys.modules["viewer.export"]  # a name that is a submodule is that submodule
    from scenarios.scheduling import STUDY

    assert STUDY.name == "scheduling"


def test_lazy_unknown_name_is_an_attribute_error():
    getattr_, _ = lazy("twin.plant", {"load": "twin.plant.loading"})
    with pytest.raises(AttributeError, match="module 'twin.plant' has no attribute 'lod'"):
        getattr_("lod")
    with pytest.raises(ImportError):
        from viewer import Scene  # noqa: F401


def test_startup_benchmark_times_the_peer_and_each_help():
    from benchmarks import startup

    assert set(startup.lines()) == {startup.PEER, "twin --help", *(f"twin {c} --help" for c in COMMANDS)}
    best = startup.measure(["demo"], rounds=1)
    assert list(best) == [startup.PEER, "twin --help", "twin demo --help"]
    assert all(wall > 0 and cpu >= 0 for wall, cpu in best.values())
    assert "slowest: twin " in startup.table(best)
    with pytest.raises(subprocess.CalledProcessError):  # a line that fails is an error, not a fast time
        startup.timed([sys.executable, "-c", "raise SystemExit(3)"])
