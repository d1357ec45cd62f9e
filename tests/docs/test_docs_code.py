"""The code in the manual runs: every ```python block of docs/**/*.md and README.md, in order, one namespace per page.

A block runs from the repository's root (the examples name `plant_models/...` and `scenarios/...` as a user in a
checkout would) unless the HTML comment on the line before it says otherwise:

- ``<!-- run by tests/... -->``: a test of its own runs it and checks its numbers (it needs files it builds);
- ``<!-- fragment: why -->``: it stands inside a context the page describes (an open bus, a run's result): it is
  compiled, so a syntax error still fails, but not run.

```pycon blocks (``>>>`` with their output) run as doctests. New pages need nothing: they are found by the glob.
"""
from __future__ import annotations

import ast
import doctest
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
BLOCK = re.compile(r"(?:^<!-- (?P<mark>[^\n]*?) -->\n)?^```(?P<lang>python|pycon)\n(?P<code>.*?)^```", re.M | re.S)
PAGES = [*sorted(DOCS.rglob("*.md")), ROOT / "README.md"]   # the front door's examples too


def blocks(text: str) -> list[tuple[int, str, str, str]]:
    """(line, language, mark, code) of each python block of a page's ``text``."""
    return [(text.count("\n", 0, m.start("code")) + 1, m.group("lang"), m.group("mark") or "", m.group("code"))
            for m in BLOCK.finditer(text)]


def test_the_blocks_are_found():
    """The pattern sees the blocks of a page written for the purpose (else every page would pass unrun)."""
    page = "text\n<!-- fragment: x -->\n```python\nawait f()\n```\n\n```python\nx = 1\n```\n```pycon\n>>> 1\n1\n```\n"
    assert blocks(page) == [(4, "python", "fragment: x", "await f()\n"), (8, "python", "", "x = 1\n"),
                            (11, "pycon", "", ">>> 1\n1\n")]


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_the_page_code_runs(page, monkeypatch):
    monkeypatch.chdir(ROOT)
    namespace: dict = {"__name__": f"docs.{page.stem}"}
    for line, lang, mark, code in blocks(page.read_text(encoding="utf-8")):
        where = f"{page.relative_to(ROOT)}:{line}"
        if lang == "pycon":
            test = doctest.DocTestParser().get_doctest(code, namespace, where, str(page), line)
            runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
            runner.run(test)
            assert not runner.failures, f"{where}: {runner.failures} doctest example(s) failed (output above)"
        elif mark.startswith(("fragment", "run by")):
            if mark.startswith("run by"):
                assert (ROOT / mark.split()[2]).is_file(), f"{where}: {mark} names no test file"
            compile(code, where, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
        else:
            exec(compile(code, where, "exec"), namespace)
