"""Study runners: scenario YAML -> runs of the twin -> result folders and reports. Stands on ``twin``.

- :mod:`scenarios.scenario`  load and check a scenario file, resolve its what-if variants (overrides by path)
- :mod:`scenarios.registry`  the study runners by name, each with its schema, defaults and ``run``
- :mod:`scenarios.runs`      one task per (variant, replication), seeds from one SeedSequence, failures caught
- :mod:`scenarios.sweep`     tasks on a process pool or a Dask cluster, with a progress bar
- :mod:`scenarios.results`   the result folder: settings, KPIs with confidence intervals, Parquet, figures
- :mod:`scenarios.figures`   PNG figures of one result or several overlaid
- :mod:`scenarios.report`    the self-contained ``report.html``
- :mod:`scenarios.compare`   the what-if table: differences and Welch's t-test
- :mod:`scenarios.cli`       ``twin run``, ``twin sweep``, ``twin compare``

Study runners: :mod:`scenarios.line_capacity`, :mod:`scenarios.energy`.
"""
