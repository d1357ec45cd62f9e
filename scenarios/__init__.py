"""Studies of a plant: scenario YAML -> replications of the twin -> results in memory -> folders and reports.

From Python (a notebook, a script), as ``twin run`` and ``twin sweep`` do it::

    import scenarios

    scenario = scenarios.load("scenarios/line_capacity/multipurpose_osd.yaml")   # checked, typed: Scenario
    results = scenarios.run(scenario, variants=["base", "two_shifts"], workers=2)  # Results, nothing written
    results["two_shifts"].kpis["throughput"]                   # mean, low, high (95% interval), unit, values
    results.compare()                                           # Comparison: differences, paired t-test
    results.report()                                            # results/line_capacity/multipurpose_osd/...
    scenarios.read("results/line_capacity/multipurpose_osd/base")    # a saved Result back (a sweep's: Results)

The public names, each importable from here only: :func:`load`, :func:`run`, :func:`read`, :class:`Scenario`,
:class:`Results`, :class:`Result`, :class:`Comparison`, :class:`Interrupted`, :class:`ResultError`,
:class:`Study`, :class:`Run`. They are imported on first use, so ``twin run --help`` stays light.

Modules:

- :mod:`scenarios.scenario`  load and check a scenario file, resolve its what-if variants (overrides by path)
- :mod:`scenarios.registry`  the study runners by name, and the shape of a study package
- :mod:`scenarios.runs`      one task per (variant, replication), seeds from one SeedSequence, failures caught
- :mod:`scenarios.sweep`     tasks on a process pool or a Dask cluster, with a progress bar; Ctrl-C stops it
- :mod:`scenarios.api`       :func:`run` and :class:`Results`: a run in memory, saved or reported on request
- :mod:`scenarios.results`   one variant's :class:`Result`, its folder on disk (written whole or not at all)
- :mod:`scenarios.figures`   PNG figures of one result or several overlaid
- :mod:`scenarios.report`    the self-contained ``report.html``
- :mod:`scenarios.compare`   the what-if table: differences, paired or Welch's t-test, refused across studies or units
- :mod:`scenarios.cli`       ``twin run``, ``twin sweep``, ``twin compare``: :func:`run` and a print

Study packages (each of the shape described in :mod:`scenarios.registry`): :mod:`scenarios.line_capacity`,
:mod:`scenarios.scheduling`, :mod:`scenarios.energy`, :mod:`scenarios.safety`,
:mod:`scenarios.continuous_manufacturing`, :mod:`scenarios.intralogistics`.
"""
from twin.lazy import lazy

__all__ = ["load", "run", "read", "Scenario", "Results", "Result", "Comparison", "Interrupted", "ResultError",
           "Study", "Run"]
__getattr__, __dir__ = lazy(__name__, {
    "load": "scenarios.scenario", "Scenario": "scenarios.scenario",
    "run": "scenarios.api", "Results": "scenarios.api",
    "read": "scenarios.api", "Result": "scenarios.results", "ResultError": "scenarios.results",
    "Comparison": "scenarios.compare", "Interrupted": "scenarios.runs",
    "Study": "scenarios.registry", "Run": "scenarios.registry",
})
