"""pharma-twin: a digital-twin simulation engine for pharmaceutical plants.

Layers, from the bottom up (dependencies point down only):

- ``twin._*``       compiled kernels built from ``ext/*.pyx`` (event calendar, flow line, ...)
- ``twin.des``      discrete-event simulation with SimPy's API over the compiled core
- ``twin.plant``    the Plant from its IFC / 3D delivery model, keyed by tag
- ``twin.process``  continuous unit models on CasADi
- ``twin.Twin``     Plant + units on one clock, with the TagBus

The public names of the engine's front door, each imported from here: :class:`Twin` and :func:`load_plant` (an
IFC file, a plant overlay or a mesh layout -> a ``Plant``; it is :func:`twin.plant.load`).

``scenarios``, ``viewer`` and ``bridge`` stand on ``twin``; ``twin`` never imports them.
"""
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("pharma-twin")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+unknown"

__all__ = ["Twin", "load_plant", "__version__"]


def __getattr__(name: str):
    """``twin.Twin`` and ``twin.load_plant`` are imported on first use, so that ``import twin`` (the CLI) stays
    light."""
    if name == "Twin":
        from twin.twin import Twin

        return Twin
    if name == "load_plant":
        from twin.plant import load

        return load
    raise AttributeError(f"module 'twin' has no attribute {name!r}")
