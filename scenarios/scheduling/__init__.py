"""Scheduling: a production plan optimised with OR-Tools CP-SAT, then executed in the DES twin under uncertainty.

The study (its scenario keys, policies and KPIs) is :mod:`scenarios.scheduling.study`; its names are imported from
there on first use, so that ``twin schedule --help`` does not wait for OR-Tools, SciPy and matplotlib.
``twin schedule`` is :mod:`scenarios.scheduling.cli`.
"""
from twin.lazy import lazy

__all__ = ["STUDY", "plan_of", "problem_of", "eligible", "check", "simulate", "gantt_figure"]
__getattr__, __dir__ = lazy(__name__, dict.fromkeys(__all__, "scenarios.scheduling.study"))
