"""Alias bombs: every YAML entry point refuses a "billion laughs" file at once, naming the file and the line.

The file is the classic one (nine aliases of nine aliases, nine levels: 9**9 strings from 700 bytes). PyYAML's
safe loader builds it as shared references, so loading alone is quick, but every reader that walks the document
(paths for error messages, schema checks) expands it: before the limit, each command below hung with no output.
"""
import re
import subprocess
import sys
from pathlib import Path

import pytest

from twin import config
from twin.config import ConfigError

LEVELS = "abcdefghi"
BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{b}: &{b} [{','.join([f'*{a}'] * 9)}]\n" for a, b in zip(LEVELS, LEVELS[1:]))
ROOT = Path(__file__).resolve().parents[2]


def test_the_bomb_is_refused_at_the_alias_that_crosses_the_limit():
    with pytest.raises(ConfigError) as info:
        config.loads(BOMB, file="bomb.yaml")
    err = info.value
    assert err.file == "bomb.yaml" and "alias bomb" in str(err)
    # *e's line: after level e the aliases stand for 9 + 90 + 819 + 7380 + ... values, the first sum above 100,000
    sizes = [10]
    for _ in LEVELS[1:]:
        sizes.append(1 + 9 * sizes[-1])
    totals = [sum(9 * s for s in sizes[:k]) for k in range(1, len(sizes))]
    first_over = next(k for k, total in enumerate(totals, 1) if total > config.MAX_EXPANDED)
    assert err.line == first_over + 1


def test_a_cycle_is_refused():
    with pytest.raises(ConfigError, match="refers to a value that contains it") as info:
        config.loads("x: 1\na: &a [1, *a]\n", file="cycle.yaml")
    assert info.value.line == 2


def test_ordinary_aliases_still_work():
    doc = config.loads("rate: &r 5 kg/h\nfeeders:\n  - {rate: *r}\n  - {rate: *r}\nall: &all [1, 2]\nagain: *all\n")
    assert [f["rate"] for f in doc["feeders"]] == ["5 kg/h", "5 kg/h"] and doc["again"] == [1, 2]


def test_many_aliases_are_refused_even_when_small():
    text = "v: &v 1\nl: [" + ", ".join(["*v"] * (config.MAX_ALIASES + 1)) + "]\n"
    with pytest.raises(ConfigError, match=f"{config.MAX_ALIASES + 1} aliases"):
        config.loads(text)


def _twin(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "twin.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=60)


def _result_folder(folder: Path) -> Path:
    """A result folder whose scenario.yaml is the bomb (as `twin compare` and `twin view` read it)."""
    folder.mkdir()
    (folder / "scenario.yaml").write_text(BOMB)
    (folder / "kpis.json").write_text('{"kpis": {}}')
    return folder


ENTRY_POINTS = {
    "scenario (twin run)": lambda d: ("run", "bomb.yaml"),
    "scenario (twin sweep)": lambda d: ("sweep", "bomb.yaml"),
    "plant overlay (twin inspect)": lambda d: ("inspect", "bomb.yaml"),
    "plant overlay (twin view)": lambda d: ("view", "bomb.yaml", "--screenshot", "x.png"),
    "bridge mapping (twin bridge)": lambda d: ("bridge", "bomb.yaml", "--duration", "1"),
    "plant overlay named by a scenario": lambda d: (
        (d / "scenario.yaml").write_text("plant: bomb.yaml\nstudy: line_capacity\nhorizon: 1 d\nseed: 1\n"
                                         "release: {pattern: poisson, every: 5 h}\n"
                                         "stages: {blending: {units: [BL-301], process: 2 h}}\n")
        and ("run", "scenario.yaml")),
    "result folder (twin compare)": lambda d: (
        _result_folder(d / "r1"), _result_folder(d / "r2")) and ("compare", "r1", "r2"),
}


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_every_entry_point_refuses_the_bomb_with_file_and_line(tmp_path, entry):
    (tmp_path / "bomb.yaml").write_text(BOMB)
    args = ENTRY_POINTS[entry](tmp_path)
    done = _twin(*args, cwd=tmp_path)
    assert done.returncode != 0 and "Traceback" not in done.stderr, done.stderr
    assert re.search(r"(bomb|scenario)\.yaml:\d+: too many aliases", done.stderr), done.stderr
