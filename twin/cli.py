"""The ``twin`` command line.

Subcommands are not hard-wired here: each package registers its own under the entry-point group
``twin.commands`` (see pyproject.toml) as ``name = "module:add_parser"``. ``add_parser(subparsers)`` adds
an ``argparse`` sub-parser whose ``func(args) -> int`` runs the command. This keeps ``twin`` free of imports
from the packages that stand on it (``scenarios``, ``viewer``, ``bridge``). A command line that names a command
imports that plug-in only: ``twin demo`` does not wait for the 3D, IFC and solver stacks of the others.
"""
from __future__ import annotations

import argparse
import importlib
import os
import re
import sys
from importlib.metadata import entry_points

from twin import __version__

EPILOG = """\
examples:
  twin run scenarios/continuous_manufacturing/flagship.yaml   the flagship: a continuous tablet line for 24 h
  twin inspect plant_models/api_bay/api_bay.ifc               a plant's assets by tag, links and grades
  twin view plant_models/api_bay/api_bay.ifc --screenshot bay.png
  twin demo                                                   a small discrete-event demo (tablet packaging hall)
  twin <command> --help                                       what a command does, its options and examples

Every command reads YAML with safe loading only and reports bad input with file, line and key.
"""


def _commands() -> dict[str, str]:
    """Map each registered subcommand name to its ``module:function`` target, sorted by name."""
    return {ep.name: ep.value for ep in sorted(entry_points(group="twin.commands"), key=lambda e: e.name)}


class Parser(argparse.ArgumentParser):
    """argparse's parser, reading a word that starts with '-' and a digit as a value, not as an option.

    argparse takes only plain negative numbers (``-5``) as values: ``--from -1h`` was "expected one argument".
    Now the option's own check answers ("'-1h' is not a time >= 0"). No option of ``twin`` starts with a digit.
    Sub-parsers are of the class of their parent, so every command has it.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._negative_number_matcher = re.compile(r"^-\.?\d")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The ``twin`` parser with every registered command. With *command* (the word the user typed), only that
    plug-in is imported; the others are added by name, enough to parse the line or to list them in an error."""
    parser = Parser(
        prog="twin",
        description="pharma-twin: run, question and view digital twins of pharmaceutical plants.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"pharma-twin {__version__}")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")
    for name, target in _commands().items():
        if command is not None and name != command:
            sub.add_parser(name)
            continue
        module, _, func = target.partition(":")
        try:
            add_parser = getattr(importlib.import_module(module), func)
        except Exception as exc:  # a broken plug-in must not take the whole CLI down
            broken = sub.add_parser(name, help=f"(unavailable: {exc})")
            broken.set_defaults(func=_unavailable(name, target, exc))
            continue
        add_parser(sub)
    return parser


def _unavailable(name: str, target: str, exc: Exception):
    def run(_args) -> int:
        print(
            f"twin {name}: cannot load {target}: {type(exc).__name__}: {exc}\n"
            "hint: reinstall the package (pip install -e .) so its compiled parts are built.",
            file=sys.stderr,
        )
        return 2

    return run


def main(argv: list[str] | None = None) -> int:
    """Run the command line ``argv``; its exit status. A reader that goes away (``twin ... | head``) ends it quietly
    with 141, as SIGPIPE ends a C tool: Python would print a BrokenPipeError traceback, or exit 120."""
    try:
        try:
            return _main(argv)
        finally:
            sys.stdout.flush()   # here, where a closed pipe can still be caught (not at the interpreter's exit)
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())   # what is left in the buffer goes nowhere
        return 141


def _main(argv: list[str] | None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # The first word is the command (``twin`` itself has no option that takes a value); none: ``twin --help``.
    parser = build_parser(next((arg for arg in argv if not arg.startswith("-")), None))
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help()
        return 0
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:  # Ctrl-C: one line and the shell's code for SIGINT, not a traceback
        print(f"twin {argv[0] if argv else ''}: interrupted".replace("  ", " "), file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
