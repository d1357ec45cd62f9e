"""The project's promises about itself: the CLI answers, and CI runs the README's test command."""
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
