"""Study runners by name: what a scenario's ``study:`` key can say, with each runner's schema and defaults.

A study is a :class:`Study`: the schema of its own parameters (``twin.config`` nodes), their defaults, a check
against the plant's tags, and ``run(params, seed) -> Run``, one replication. Runners live in their own packages
(``scenarios/line_capacity/``) and are listed in :data:`STUDIES` as ``"module:attribute"``, imported on first use.

The shape of a study package ``scenarios/<name>/`` (``tests/scenarios/test_study_shape.py`` holds every
registered study to it; :mod:`scenarios.line_capacity` and :mod:`scenarios.maintenance` are short ones to copy):

- ``__init__.py``: the docstring says what the study answers, the scenario keys it reads and its KPIs with their SI
  units; ``STUDY``, its :class:`Study`, is importable from the package itself (``scenarios.<name>:STUDY``). A
  package whose modules import heavy libraries names them lazily (``Deferred("module:function")`` for ``run`` and
  ``figures``, or :func:`twin.lazy.lazy` for its names), so a scenario is checked before they load.
- the schema: ``twin.config`` records of the study's keys with their units and defaults (``Study.fields``,
  ``Study.defaults``, ``Study.required``), in ``__init__.py`` or the module ``STUDY`` comes from;
- ``check(params, tags)``: what a schema cannot say (plant tags that exist, times that fit), raising
  :class:`twin.config.ConfigError` with the file, line and key of the culprit;
- the parameters (``params.py``): what the model reads as typed, frozen dataclasses, a class per section of the
  scenario with the key it comes from in its docstring, built from the checked mapping by ``<Name>Params.of``;
- the model (``model.py``): ``simulate(params, seed) -> Run``, one replication, everything in SI units, reading the
  typed parameters (it takes them or the mapping);
- ``figures.py`` if it draws its own: ``figures(result) -> [png]`` into ``result.path / "figures"`` and
  ``comparison_figures(results, folder)``; a study never imports the viewer (:func:`scenarios.figures.add_view`,
  with ``views=True`` so ``twin run`` warms the viewer beside the run); ``figures_show_traces=True`` when they draw
  every trace, so a one-replication report leaves out the generic ``traces.png`` that would repeat them;
- optional steps: ``prepare(params)``, work every replication of a variant shares (the scheduling plan), run once
  in the parent before them with a progress bar; ``twin(params, seed)``, a replication's Twin unrun, for
  ``twin serve``;
- a sample scenario ``<plant>.yaml`` beside it, which ``twin run`` runs as written; results go to
  ``results/<name>/<scenario>/<variant>``.

Adding a study: the package, one line in :data:`STUDIES`, and a short scenario in
``tests/scenarios/test_python_api.py`` (the test that runs each study from Python against ``twin run``).
"""
from __future__ import annotations

import fnmatch
import functools
import importlib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from twin.config import Schema

#: Every study runner, by the name a scenario file gives in ``study:``.
STUDIES = {
    "line_capacity": "scenarios.line_capacity:STUDY",
    "scheduling": "scenarios.scheduling:STUDY",
    "energy": "scenarios.energy:STUDY",
    "safety": "scenarios.safety:STUDY",
    "continuous_manufacturing": "scenarios.continuous_manufacturing:STUDY",
    "maintenance": "scenarios.maintenance:STUDY",
    "intralogistics": "scenarios.intralogistics:STUDY",
}


@dataclass(frozen=True)
class Run:
    """One replication's output: KPIs (name -> value, with ``units``), traces and the event log as columns.

    Everything in SI units: KPI times in seconds, rates per second; ``traces["t"]`` and ``events["t"]`` in seconds,
    as :meth:`twin.result.Result.table` gives them (reports convert for display).
    """

    kpis: dict[str, float]
    units: dict[str, str]
    traces: dict[str, np.ndarray] = field(default_factory=dict)
    events: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass(frozen=True)
class Study:
    """A study runner: its parameters' schema and defaults, a check against the plant, and one replication."""

    name: str
    description: str
    fields: dict[str, Schema]
    run: Callable[[Mapping[str, Any], np.random.SeedSequence], Run]
    defaults: dict[str, Any] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    check: Callable[[Mapping[str, Any], frozenset[str]], None] = lambda params, tags: None
    figures: Callable[[Any], list] | None = None  # extra PNGs for a result folder's report (result -> files)
    comparison_figures: Callable[[Any, Any], list] | None = None  # extra PNGs for a comparison (results, folder)
    #: its ``figures`` draw every trace of the first replication, so the generic ``traces.png`` (the mean and band
    #: over the replications) would repeat them for a result of one replication and is drawn only over several
    figures_show_traces: bool = False
    #: its ``figures`` ask for 3D views (:func:`scenarios.figures.add_view`): ``twin run`` warms the viewer in a
    #: process of its own while the run simulates (:mod:`scenarios.plugins`)
    views: bool = False
    twin: Callable[[Mapping[str, Any], np.random.SeedSequence], Any] | None = None  # a replication's Twin, unrun
    follow: Callable[[Mapping[str, Any]], Any] | None = None  # how a twin follows the plant live: a FollowPlan
    prepare: Callable[[Mapping[str, Any]], Any] | None = None  # once per variant before its replications (a plan)
    #: KPI or trace name pattern (fnmatch) -> the (low, high) a quantity cannot leave (a fraction, a waiting time):
    #: confidence intervals and bands are cut to it, which keeps their coverage and their sense
    ranges: Mapping[str, tuple[float, float]] = field(default_factory=dict)

    def range_of(self, name: str) -> tuple[float, float]:
        """The physical range of the KPI or trace ``name``: the first pattern of :attr:`ranges` that matches."""
        return next((r for pattern, r in self.ranges.items() if fnmatch.fnmatchcase(name, pattern)),
                    (-math.inf, math.inf))


@dataclass(frozen=True)
class Deferred:
    """A study's function named ``"module:function"``, imported on its first call.

    A scenario is checked against its study's schema before anything runs; with ``run=Deferred("...model:simulate")``
    that check does not wait for the libraries the model and the figures need (CasADi, OR-Tools, matplotlib).
    """

    target: str

    def __call__(self, *args, **kwargs):
        module, _, name = self.target.partition(":")
        return getattr(importlib.import_module(module), name)(*args, **kwargs)


def study_names() -> list[str]:
    return list(STUDIES)


@functools.cache
def get_study(name: str) -> Study:
    """The study runner registered as ``name`` (see :data:`STUDIES`)."""
    module, _, attribute = STUDIES[name].partition(":")
    return getattr(importlib.import_module(module), attribute)
