"""MkDocs hook: the pages written from the code, generated at each build so that they never drift from it.

- ``reference.md``: the YAML reference, from the study registry's schemas (:mod:`scenarios.reference`);
- ``benchmarks.md``: the benchmark suites, from their docstrings (:mod:`benchmarks.catalogue`);
- ``changelog.md``: the commits by day, from ``git log`` (the sessions' closing notes are in ``sessions.md``).
"""
from __future__ import annotations

import subprocess
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def changelog() -> str:
    """Every commit's subject under its day, newest first (a shallow clone shows what it has)."""
    log = subprocess.run(["git", "log", "--date=short", "--format=%ad%x09%h%x09%s"], cwd=ROOT, capture_output=True,
                         text=True, check=False).stdout
    days: dict[str, list[str]] = defaultdict(list)
    for line in log.splitlines():
        day, commit, subject = line.split("\t", 2)
        days[day].append(f"- `{commit}` {subject.replace('<', '&lt;')}")
    body = "\n\n".join(f"## {day}\n\n" + "\n".join(items) for day, items in days.items())
    return ("# Changelog\n\nEvery commit, newest first, as `git log` gives it when the site is built; what each "
            "session set out to do and what it left is in [the sessions' notes](sessions.md).\n\n" + body + "\n")


def other_files() -> dict:
    """The other YAML files the engine reads, by title, with their schemas (from every package: docs may)."""
    from bridge import mapping
    from scenarios.safety import lopa
    from twin.fmu import binding
    from twin.plant import meshes
    from viewer import training

    return {"FMU bindings (fmus.yaml, or fmus: in a plant overlay)": binding.SCHEMA,
            "Mesh layout (a plant from glTF / OBJ / STL files)": meshes.SCHEMA,
            "LOPA file (study: safety, lopa:)": lopa.LOPA,
            "Bridge mapping (twin bridge)": mapping.SCHEMA,
            "Training exercise (twin view --exercise)": training.SCHEMA}


def on_files(files, config):
    from mkdocs.structure.files import File

    from benchmarks import catalogue
    from scenarios import reference

    for name, text in (("reference.md", reference.markdown(other_files())), ("benchmarks.md", catalogue.markdown()),
                       ("changelog.md", changelog())):
        files.append(File.generated(config, name, content=text))
    return files
