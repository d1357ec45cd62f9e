"""Fixtures of the scenario tests (the files themselves are in scenario_files.py)."""
import textwrap
from pathlib import Path

import pytest
from scenario_files import PLANT, SMALL


@pytest.fixture
def write_scenario(tmp_path):
    """``write_scenario(text)`` -> path of a scenario file holding ``text`` ({plant} = the sample plant)."""
    def write(text: str = SMALL, name: str = "scenario.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).replace("{plant}", str(PLANT)))
        return path
    return write
