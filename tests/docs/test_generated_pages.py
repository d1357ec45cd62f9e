"""The pages the site writes from the code at each build (docs/hooks/generate.py) cover what they claim to."""
import importlib.util
import subprocess
from pathlib import Path

from benchmarks import catalogue
from scenarios import reference
from scenarios.registry import get_study, study_names
from twin.plant import parameters

ROOT = Path(__file__).resolve().parents[2]


def test_the_reference_has_every_study_and_each_of_its_keys():
    page = reference.markdown()
    for name in study_names():
        section = page.split(f"## study: {name}\n", 1)[1].split("\n## ", 1)[0]
        for key in get_study(name).fields:
            assert f"| {key} |" in section or f"| **{key}** |" in section, f"{name}.{key} missing"
    assert "| **mtbf** |" not in page and "| mtbf | a number in s or a 'value unit' string like '120 h', positive |" \
        in page  # optional, positive: as scenarios/line_capacity declares it
    assert all(f"| {name} |" in page for name in parameters.KNOWN)


def test_the_benchmarks_page_has_every_suite():
    page = catalogue.markdown()
    suites = [p.name for p in (ROOT / "benchmarks").iterdir() if (p / "__main__.py").is_file()]
    assert len(suites) >= 10 and all(f"## {s}\n\n`python -m benchmarks.{s}`" in page for s in suites)
    assert "``" not in page  # reST literals became Markdown


def hook():
    spec = importlib.util.spec_from_file_location("generate", ROOT / "docs" / "hooks" / "generate.py")
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    return generate


def test_the_reference_has_the_other_files():
    files = hook().other_files()
    page = reference.markdown(files)
    assert len(files) == 5 and all(f"\n## {title}\n" in page for title in files)
    bridge = page.split("## Bridge mapping", 1)[1].split("\n## ", 1)[0]
    assert "| **tags** |" in bridge or "| tags |" in bridge


def test_the_changelog_starts_with_the_last_commit():
    generate = hook()
    head = subprocess.run(["git", "log", "-1", "--format=%h"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    assert generate.changelog().split("\n- ", 1)[1].startswith(f"`{head}`")
