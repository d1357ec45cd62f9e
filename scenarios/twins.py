"""The twin a scenario's study builds, for the packages beside ``scenarios`` (``twin serve SCENARIO.yaml``).

Registered in pyproject.toml under ``[project.entry-points."twin.twins"]``: the bridge asks each factory of that
group for the twin of a file, and serves the first it gets, without importing ``scenarios``. A study offers its twin
as :attr:`scenarios.registry.Study.twin`; the twin served is replication 0 of the scenario as written (its seed,
its disturbances and control), built and not yet run, so that it equals the twin ``twin run`` simulates.
"""
from __future__ import annotations

from pathlib import Path

from scenarios.registry import STUDIES, get_study
from scenarios.runs import tasks
from scenarios.scenario import BASE, load
from twin import config


def scenario_twin(path: str | Path):
    """The :class:`twin.Twin` of the scenario file at *path*, or None if the file is not a scenario (no ``study:``).

    Raises :class:`twin.config.ConfigError` for a bad scenario, or one whose study builds no twin to serve.
    """
    if Path(path).suffix.lower() not in (".yaml", ".yml"):
        return None
    raw = config.load(path)
    if not isinstance(raw, config.Mapping) or "study" not in raw:
        return None
    scenario = load(path)
    study = scenario.study
    if study.twin is None:
        servable = [name for name in STUDIES if get_study(name).twin is not None]
        raise raw.error("study", f"the {study.name} study builds no twin to serve",
                        expected=f"a scenario of a study with a twin: {', '.join(servable)}",
                        hint=f"serve the scenario's plant instead: twin serve {scenario.variants[BASE]['plant']}")
    task = next(tasks(scenario, [BASE]))
    tw = study.twin(task.params, task.seed_sequence)
    if tw.plant is None:  # the plant it stands for: the server lays the tags out by the plant's rooms
        import twin.plant

        tw.plant = twin.plant.load(task.params["plant"])
    return tw
