"""The project's promises about itself: the CLI answers, CI runs the README's test command, and the packages
depend on each other one way only."""
import ast
import re
import subprocess
import sys
from pathlib import Path

import twin
from twin.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_version_is_the_installed_distribution(capsys):
    try:
        main(["--version"])
    except SystemExit as stop:
        assert stop.code == 0
    assert capsys.readouterr().out.strip() == f"pharma-twin {twin.__version__}"
    assert twin.__version__ != "0.0.0+unknown", "package not installed: run pip install -e ."


def test_help_lists_commands():
    out = subprocess.run([sys.executable, "-m", "twin", "--help"], capture_output=True, text=True, check=True)
    assert "usage: twin" in out.stdout
    assert "examples:" in out.stdout


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```bash\n(.*?)\n```", readme, re.S)
    test_cmd = next(b for b in blocks if "pytest" in b)
    assert test_cmd in (ROOT / ".ci" / "run").read_text()


# DESIGN.md: scenarios, viewer, bridge -> twin -> compiled ext; never sideways, never back.
ALLOWED = {"twin": {"twin"}, "scenarios": {"scenarios", "twin"}, "viewer": {"viewer", "twin"},
           "bridge": {"bridge", "twin"}}


def imported_packages(file: Path) -> set[str]:
    """The top-level names of every import in ``file``, also those inside functions."""
    names = set()
    for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"), str(file))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_dependencies_point_one_way():
    wrong = []
    for package, allowed in ALLOWED.items():
        for file in sorted((ROOT / package).rglob("*.py")):
            for name in imported_packages(file) & ALLOWED.keys() - allowed:
                wrong.append(f"{file.relative_to(ROOT)} imports {name}")
    assert not wrong, "\n".join(wrong)


def test_the_dependency_check_sees_an_import_inside_a_function(tmp_path):
    file = tmp_path / "m.py"
    file.write_text("def f():\n    from viewer.export import snapshot\n    import bridge.client\n")
    assert imported_packages(file) == {"viewer", "bridge"}
