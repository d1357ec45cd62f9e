"""The twin a scenario's study builds, and how a twin follows it live, for the packages beside ``scenarios``
(``twin serve SCENARIO.yaml``, ``twin follow SCENARIO.yaml``).

Registered in pyproject.toml under ``[project.entry-points."twin.twins"]`` and ``"twin.followers"``: the bridge asks
each factory of those groups for the twin (or the :class:`twin.following.FollowPlan`) of a file and takes the first
it gets, without importing ``scenarios``. A study offers them as :attr:`scenarios.registry.Study.twin` and
:attr:`~scenarios.registry.Study.follow`; the twin served is replication 0 of the scenario as written (or of one of
its variants: its seed, its disturbances and control), built and not yet run, so that it equals the twin ``twin
run`` simulates.
"""
from __future__ import annotations

from pathlib import Path

from scenarios.registry import STUDIES, get_study
from scenarios.runs import tasks
from scenarios.scenario import BASE, load
from twin import config
from twin.config import ConfigError, suggest


def scenario_twin(path: str | Path, variant: str | None = None):
    """The :class:`twin.Twin` of the scenario file at *path* (its ``variant``, default the scenario as written), or
    None if the file is not a scenario (no ``study:``).

    Raises :class:`twin.config.ConfigError` for a bad scenario, or one whose study builds no twin to serve.
    """
    found = _scenario(path, variant, "twin", "builds no twin to serve", "a twin")
    if found is None:
        return None
    scenario, name = found
    task = next(tasks(scenario, [name]))
    tw = scenario.study.twin(task.params, task.seed_sequence)
    if tw.plant is None:  # the plant it stands for: the server lays the tags out by the plant's rooms
        import twin.plant

        tw.plant = twin.plant.load(task.params["plant"])
    return tw


def scenario_follow_plan(path: str | Path, variant: str | None = None):
    """How a twin follows the plant of the scenario at *path* (a :class:`twin.following.FollowPlan` from its
    ``uncertainty:`` and instruments; ``variant``: one of its variants), or None if the file is not a scenario.

    Raises :class:`twin.config.ConfigError` for a bad scenario, or one the study cannot follow live (with its file,
    line and key)."""
    found = _scenario(path, variant, "follow", "has no live estimator to follow a plant with",
                      "a live estimator")
    if found is None:
        return None
    scenario, name = found
    try:
        return scenario.study.follow(scenario.variants[name])
    except ConfigError as exc:
        if exc.file is None:  # a key of the scenario's top level: the line of the variant's or the file's own
            raw = config.load(path)
            override = raw.get("variants", {}).get(name, {}) if name != BASE else {}
            where = override if exc.key in override else raw
            raise where.error(exc.key or "study", exc.message, expected=exc.expected, hint=exc.hint) from None
        raise


def _scenario(path: str | Path, variant: str | None, hook: str, missing: str, having: str):
    """The loaded scenario at *path* and the name of the variant asked for, or None if the file is no scenario."""
    if Path(path).suffix.lower() not in (".yaml", ".yml"):
        return None
    raw = config.load(path)
    if not isinstance(raw, config.Mapping) or "study" not in raw:
        return None
    scenario = load(path)
    study = scenario.study
    if getattr(study, hook) is None:
        able = [n for n in STUDIES if getattr(get_study(n), hook) is not None]
        raise raw.error("study", f"the {study.name} study {missing}",
                        expected=f"a scenario of a study with {having}: {', '.join(able)}",
                        hint=f"serve the scenario's plant instead: twin serve {scenario.variants[BASE]['plant']}"
                        if hook == "twin" else None)
    name = variant or BASE
    if name not in scenario.variants:
        raise raw.error("variants", f"no variant '{name}' in this scenario",
                        expected=f"one of {', '.join(scenario.names)}", hint=suggest(name, scenario.names))
    return scenario, name
