"""The YAML reference, written from the schemas themselves: every key a scenario or a plant overlay may hold.

``python -m scenarios.reference > docs/reference.md`` writes the page the documentation site shows; a test checks
that the page in the repository is what the schemas say today. Each study's table comes from its registry entry
(:data:`scenarios.registry.STUDIES`: ``fields``, ``required``, ``defaults``), nested sections from the
:class:`twin.config.Record` inside them, the plant's known parameters from :data:`twin.plant.parameters.KNOWN`.
"""
from __future__ import annotations

import json
from collections.abc import Iterator, Mapping

from scenarios.registry import get_study, study_names
from scenarios.scenario import COMMON, COMMON_DEFAULTS, plain
from twin.config import ListOf, MapOf, Record, Schema

HEAD = """# YAML reference

Generated from the schemas by `python -m scenarios.reference` (a test keeps this page equal to its output).
Times, volumes, rates and temperatures are `value unit` strings (`30 min`, `4 m3`, `6 kg/h`, `25 degC`) or bare
numbers in SI units; defaults are shown in SI. An unknown key, a wrong unit or sign, a missing key: each is refused
with the file, the line and the key, and the nearest valid name.
"""


def _nested(schema: Schema) -> tuple[Record, str] | None:
    """The record inside ``schema`` (itself, a mapping's values or a list's items) and how its keys are reached."""
    if isinstance(schema, Record):
        return schema, ""
    if isinstance(schema, MapOf) and isinstance(schema.value, Record):
        return schema.value, ".NAME"
    if isinstance(schema, ListOf) and isinstance(schema.item, Record):
        return schema.item, "[i]"
    return None


def keys(fields: Mapping[str, Schema], path: str = "") -> Iterator[tuple[str, Schema]]:
    """Every key of ``fields`` as the reference names it (``network.doors[i].between``), nested records included,
    with its schema."""
    for key, schema in fields.items():
        yield f"{path}{key}", schema
        inner = _nested(schema)
        if inner:
            yield from keys(inner[0].fields, f"{path}{key}{inner[1]}.")


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _default(value) -> str:
    if value is None or value == {} or value == []:
        return ""
    return f"`{json.dumps(plain(value), ensure_ascii=False)}`"


def table(record: Record, path: str, required=(), defaults=None, level: int = 3) -> Iterator[str]:
    """Markdown lines: the table of ``record``'s keys, then a section per nested record."""
    required, defaults = set(required or record.required), record.defaults if defaults is None else defaults
    nested = []
    described = any(schema.doc for schema in record.fields.values())  # a column for the keys' meaning
    yield "| key | expected | default |" + (" meaning |" if described else "")
    yield "|---|---|---|" + ("---|" if described else "")
    for key, schema in record.fields.items():
        inner = _nested(schema)
        name = f"**{key}**" if key in required else key
        if inner:
            nested.append((f"{path}{key}{inner[1]}", inner[0]))
            what = f"{inner[0].expected.split(' with keys')[0]}: see `{path}{key}{inner[1]}` below"
            if inner[1] == ".NAME":
                what = f"a mapping of names to {what}"
            elif inner[1] == "[i]":
                what = f"a list of {what}"
        else:
            what = schema.expected
        yield f"| {name} | {_cell(what)} | {_cell(_default(defaults.get(key)))} |" + (
            f" {_cell(schema.doc)} |" if described else "")
    for sub_path, sub in nested:
        yield ""
        yield f"{'#' * level} `{sub_path}`"
        yield ""
        yield from table(sub, f"{sub_path}.", level=min(level + 1, 6))


def markdown(files: Mapping[str, Record] | None = None) -> str:
    """The whole reference page; ``files`` adds the schemas of other YAML files by title (a LOPA file ...)."""
    from twin.plant import overlay, parameters

    lines = [HEAD, "Keys in **bold** are required.", "", "## Every scenario", ""]
    lines += table(Record(COMMON, required=("plant", "study", "horizon", "seed")), "", defaults=COMMON_DEFAULTS)
    for name in study_names():
        study = get_study(name)
        lines += ["", f"## study: {name}", "", study.description, ""]
        lines += table(Record(study.fields), "", required=study.required, defaults=study.defaults)
    lines += ["", "## Plant overlay (plant.yaml)", ""]
    lines += table(overlay.SCHEMA, "")
    lines += ["", "### Known asset parameters (`assets.NAME.params`)", "",
              "Other names are free: a `value unit` string becomes an SI float, anything else stays as written.", "",
              "| parameter | expected |", "|---|---|"]
    lines += [f"| {key} | {_cell(schema.expected)} |" for key, schema in parameters.KNOWN.items()]
    for title, schema in (files or {}).items():
        lines += ["", f"## {title}", ""]
        lines += table(schema, "")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
