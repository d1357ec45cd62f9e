"""Scenario files: load, validate against the study's schema, and resolve what-if variants.

A scenario names a plant, a study, the run settings and the study's own parameters; ``variants`` are named
overrides addressed by dotted path::

    plant: ../../plant_models/multipurpose_osd/multipurpose_osd.ifc
    study: line_capacity
    horizon: 30 d
    seed: 20261125
    replications: 20
    stages:
      blending: {units: [BL-301], process: 5 h}
    variants:
      second_blender:
        stages.blending.units: [BL-301, BL-302]

Everything is checked before anything runs: each problem is a :class:`twin.config.ConfigError` naming file, line,
key, what was expected and the closest valid alternative (an unknown study, an unknown plant tag, an override path
that leads nowhere, a variant that changes nothing).
"""
from __future__ import annotations

import copy
import functools
import hashlib
from collections.abc import Iterable
from collections.abc import Mapping as AnyMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scenarios.registry import Study, get_study, study_names
from twin import config
from twin.config import ConfigError, FilePath, Integer, MapOf, Mapping, Quantity, Record, Str

BASE = "base"  # the name of the scenario as written, without overrides

#: Settings every scenario has, whatever its study.
COMMON = {
    "plant": FilePath(),
    "study": Str(),
    "horizon": Quantity("s", "30 d", positive=True),
    "warmup": Quantity("s", "2 d"),
    "seed": Integer(),
    "replications": Integer(minimum=1),
    "variants": MapOf(MapOf(config.Anything())),
}
COMMON_DEFAULTS = {"warmup": 0.0, "replications": 10, "variants": {}}
NOT_OVERRIDABLE = ("plant", "study", "seed", "variants")


@dataclass(frozen=True)
class Scenario:
    """A validated scenario: the study, and the resolved parameters of the base scenario and of each variant.

    ``variants[name]`` holds everything variant ``name`` runs with (SI units, defaults filled in);
    ``overrides[name]`` what it changes, as written. Run it with :func:`scenarios.run`.
    """

    file: Path
    study: Study
    plant: Path
    seed: int
    variants: dict[str, dict[str, Any]] = field(default_factory=dict)
    overrides: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The scenario's name: its file's stem (``multipurpose_osd``)."""
        return self.file.stem

    @property
    def names(self) -> list[str]:
        """``base`` followed by the variants, in file order."""
        return list(self.variants)

    def provenance(self) -> dict[str, Any]:
        """What a result records of where it comes from: study, scenario name and file, the SHA-256 of the file's
        bytes (first 16 hex digits), and the plant."""
        return {"study": self.study.name, "scenario": self.name, "file": str(self.file),
                "scenario_hash": hashlib.sha256(self.file.read_bytes()).hexdigest()[:16], "plant": str(self.plant)}

    def __repr__(self) -> str:
        return f"<Scenario {self.study.name} '{self.name}' ({self.file}): variants {', '.join(self.names)}>"

    def _repr_html_(self) -> str:
        """In Jupyter: the study, the plant, and each variant with what it changes."""
        import html

        def changes(name: str) -> str:
            return ", ".join(f"{k}: {v}" for k, v in self.overrides.get(name, {}).items()) or "as written"

        rows = "".join(f"<tr><td>{html.escape(name)}</td><td><code>{html.escape(changes(name))}</code></td></tr>"
                       for name in self.names)
        return (f"<p>{html.escape(self.study.name)} scenario <b>{html.escape(self.name)}</b> "
                f"(<code>{html.escape(str(self.file))}</code>) on <code>{html.escape(str(self.plant))}</code>, "
                f"seed {self.seed}</p><table><tr><th>variant</th><th>changes</th></tr>{rows}</table>")

    def settings(self, variant: str = BASE) -> dict[str, Any]:
        """Everything one variant runs with, as plain data (the resolved ``scenario.yaml`` of its result)."""
        params = {k: v for k, v in self.variants[variant].items() if k != "variants"}
        return plain({**params, "variant": variant, "overrides": self.overrides.get(variant, {})})


def load(path: str | Path) -> Scenario:
    """Read and check the scenario file at ``path``; raises :class:`ConfigError` on the first problem."""
    raw = config.load(path)
    if not isinstance(raw, Mapping):
        raise ConfigError("a scenario file must be a mapping", file=path, line=1,
                          expected="keys plant, study, horizon, seed, ... (see scenarios/line_capacity/*.yaml)")
    if "study" not in raw:
        raise ConfigError("missing key 'study'", file=raw.file, line=raw.line, key="study",
                          expected=f"the name of a study: one of {', '.join(study_names())}")
    if raw["study"] not in study_names():
        raise raw.error("study", f"unknown study '{raw['study']}'", expected=f"one of {', '.join(study_names())}",
                        hint=config.suggest(raw["study"], study_names()))
    study = get_study(raw["study"])
    schema = Record({**COMMON, **study.fields}, required=("plant", "study", "horizon", "seed", *study.required),
                    defaults={**COMMON_DEFAULTS, **study.defaults}, name=f"a {study.name} scenario")
    base = config.validate(raw, schema)
    if base["seed"] < 0:
        raise raw.error("seed", f"got int {base['seed']}", expected="an integer >= 0", hint=f"seed: {-base['seed']}")
    try:
        tags = plant_tags(base["plant"])
    except Exception as exc:  # the plant readers raise their own errors, each with the reason
        raise raw.error("plant", f"cannot load the plant: {exc}",
                        expected="an IFC file, a plant overlay .yaml or a mesh layout .yaml") from None
    study.check(base, tags)
    _check_window(base, raw)
    scenario = Scenario(file=Path(path), study=study, plant=base["plant"], seed=base["seed"],
                        variants={BASE: dict(base)})
    for name, overrides in base["variants"].items():
        scenario.variants[name] = _resolve(raw, schema, study, tags, name, overrides, base)
        scenario.overrides[name] = plain(dict(overrides))
    return scenario


def _resolve(raw: Mapping, schema: Record, study: Study, tags: set[str], name: str, overrides: Mapping,
             base: Mapping) -> dict[str, Any]:
    """Apply one variant's overrides to the raw document and validate the result like the base scenario."""
    variants = raw["variants"]
    if name == BASE:
        raise variants.error(name, f"a variant cannot be called '{BASE}': it names the scenario as written",
                             hint="rename the variant")
    if not overrides:
        raise variants.error(name, f"variant '{name}' has no overrides", expected="path: value pairs",
                             hint="e.g. stages.blending.units: [BL-301, BL-302]")
    doc = copy.deepcopy(raw)
    del doc["variants"]
    for path, value in overrides.items():
        _set(doc, variants[name], path, value, base)
    try:
        resolved = config.validate(doc, schema, file=raw.file, line=raw.line)
        study.check(resolved, tags)
        _check_window(resolved, doc)
    except ConfigError as exc:
        exc.message = f"in variant '{name}': {exc.message}"
        raise
    resolved["variants"] = {}
    if all(resolved[k] == base[k] for k in resolved if k != "variants"):
        raise variants.error(name, f"variant '{name}' changes nothing: every override repeats the base value",
                             hint="remove the variant or give an override a different value")
    return dict(resolved)


def _set(doc: Mapping, variant: Mapping, path: str, value, base: Mapping) -> None:
    """Put ``value`` at dotted ``path`` in ``doc``: the path must lead to a key of the file or of the defaults."""
    parts = str(path).split(".")
    if parts[0] in NOT_OVERRIDABLE:
        raise variant.error(path, f"'{parts[0]}' cannot be changed by a variant",
                            hint="make a second scenario file for another plant or study")
    node, defaults = doc, base
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        known = isinstance(defaults, dict) and part in defaults
        if not isinstance(node, dict) or not (part in node or known or (last and isinstance(node, Mapping))):
            here = ".".join(parts[:depth]) or "the scenario"
            choices = list(node) if isinstance(node, dict) else []
            raise variant.error(path, f"override path '{path}' leads nowhere: {here} has no '{part}'",
                                expected=f"one of {', '.join(map(str, choices))}" if choices else "an existing path",
                                hint=config.suggest(part, choices))
        if last:
            node[part] = value
            node.lines[part] = variant.lines.get(path, variant.line)
            return
        if part not in node:  # a section left to its defaults: start it empty, the schema fills in the rest
            node[part] = Mapping()
            node[part].file, node[part].line = variant.file, variant.lines.get(path, variant.line)
            node[part].path = ".".join(parts[:depth + 1])
            node.lines[part] = node[part].line
        node, defaults = node[part], defaults.get(part) if known else None


MAX_HORIZON = 100 * 365 * 86400.0
"""The longest horizon of any study, a century: ``horizon: 1e300 d`` was accepted and the energy, maintenance and
continuous-manufacturing runs never ended. (A study may hold it shorter: scheduling's planner, line capacity's
counts of events.)"""

MAX_EVENTS = 1_000_000
"""At most this many events of one kind (releases, inspections, orders of a stream, trace rows...) over a
replication's horizon: ``every: 1e-300 s`` was accepted and the run never ended."""


def check_events(horizon: float, counts: Iterable[tuple[Mapping, str, float, str]], *,
                 limit: int = MAX_EVENTS, note: str = "", hint: str | None = None) -> None:
    """Refuse, at its file, line and key, the first count of events over the horizon above ``limit``: each of
    ``counts`` is ``(mapping, key, count, what)``, the mapping holding the key that makes the events, e.g.
    ``(stream, "every", horizon / stream["every"], "orders of the stream")``. ``note`` follows the limit in the
    message's expected value; ``hint`` defaults to lengthening the key. A horizon beyond :data:`MAX_HORIZON` is left
    to its own key (refused after the study's check), not blamed on a rate."""
    if horizon > MAX_HORIZON:
        return
    for where, key, count, what in counts:
        if not count <= limit:  # NaN too
            raise where.error(key, f"{count:.3g} {what} over the horizon", expected=f"at most {limit:,}{note}",
                              hint=hint or f"lengthen '{key}' or shorten the horizon")


def _check_window(params: Mapping, raw: Mapping) -> None:
    if params["horizon"] > MAX_HORIZON:
        raise raw.error("horizon", f"a horizon of {params['horizon'] / 86400:g} d", expected="at most 100 years "
                        "(36500 d)", hint="a study's horizon is days to years; check the value and its unit")
    if not 0 <= params["warmup"] < params["horizon"]:
        key = "warmup" if "warmup" in raw else "horizon"
        raise raw.error(key, f"the warm-up ({params['warmup']:g} s) must be shorter than the horizon "
                             f"({params['horizon']:g} s)", expected="0 <= warmup < horizon",
                        hint="shorten the warm-up or lengthen the horizon")


@functools.cache
def plant_tags(path: Path) -> frozenset[str]:
    """The equipment tags of the plant at ``path`` (IFC, plant overlay or mesh layout; see ``twin.plant.load``)."""
    return frozenset(plant_of(path).assets)


@functools.cache
def plant_of(path: Path):
    """The plant at ``path``, loaded once per process (a study's check may read its assets' ``params``)."""
    from twin import plant

    return plant.load(path)


def plain(value):
    """Deep copy of ``value`` as plain ``dict`` / ``list`` / scalars (for YAML and JSON dumps)."""
    if isinstance(value, AnyMapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value
