"""The benchmarks page of the manual, written from the suites' own docstrings.

``python -m benchmarks.catalogue > docs/benchmarks.md``; a test keeps the page equal to this output, so what the
page says a suite measures is what the suite's docstring says. The figures measured live on the topic pages (each
with the load of the machine it ran on).
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
HEAD = """# Benchmarks

Every suite runs side by side with its peer in one process (`python -m benchmarks.NAME`; several also as
`twin bench NAME`) and prints wall and CPU time, ratios and the machine's load: ratios, not absolute times, are what
carry from one machine to another. Generated from the suites' docstrings by `python -m benchmarks.catalogue`.
"""


def docstring(suite: Path) -> str:
    """The suite's description: its package docstring, else its ``__main__``'s; reST ``literals`` as Markdown."""
    texts = [ast.get_docstring(ast.parse(f.read_text(encoding="utf-8"))) or ""
             for f in (suite / "__init__.py", suite / "__main__.py") if f.is_file()]
    text = max(texts, key=len, default="")
    text = re.sub(r":(?:mod|func|class|meth|data):`~?([^`]+)`", r"`\1`", text)
    return text.replace("``", "`")


def markdown() -> str:
    parts = [HEAD]
    for suite in sorted(p for p in HERE.iterdir() if (p / "__main__.py").is_file()):
        parts.append(f"## {suite.name}\n\n`python -m benchmarks.{suite.name}`\n\n{docstring(suite)}\n")
    return "\n".join(parts)


if __name__ == "__main__":
    print(markdown(), end="")
