"""Energy: what the cleanroom HVAC, chillers and boiler of the plant use and cost, and whether the rooms stay in
their GMP limits while they save.

The study (its scenario keys, strategies and KPIs) is :mod:`scenarios.energy.study`; its names are imported from there
on first use, so that ``twin energy --help`` does not wait for CasADi, CoolProp, SciPy and matplotlib.
``twin energy`` is :mod:`scenarios.energy.cli`.
"""
from twin.lazy import lazy

__all__ = ["STUDY", "check", "check_utilities", "check_batches"]
__getattr__, __dir__ = lazy(__name__, dict.fromkeys(__all__, "scenarios.energy.study"))
