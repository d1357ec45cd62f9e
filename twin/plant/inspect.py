"""``twin inspect FILE``: what a plant file holds, as a designer checks a digital delivery.

Prints the asset table (tag, type, room, GMP grade, ports, direct upstream and downstream assets), the count of
assets by type, and every error and warning met while loading; ``--json`` prints the same for machines (standard
output holds only the JSON, whatever the geometry kernel prints) and ``--export`` writes the equipment master data.

Exit status: 0 the plant loaded (warnings may have been printed); 2 nothing could be loaded or written (no such file,
a folder, not IFC, an unsupported schema, an export target that cannot be written); 3 with ``--strict``, the file
loaded with errors (parts of it could not be read: truncated, rejected lines, entities of another schema).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from typing import TYPE_CHECKING

from twin.config import ConfigError

if TYPE_CHECKING:
    from twin.plant.model import Plant

EXAMPLES = """\
examples:
  twin inspect plant_models/api_bay/api_bay.ifc          the asset table of an IFC delivery
  twin inspect plant_models/api_bay/plant.yaml           the same plus the overlay (behaviours, instruments, links)
  twin inspect model.ifc --tag-property Pset_Tag.Number  tags kept in a property instead of the Tag attribute
  twin inspect plant.yaml --export master.csv            equipment master data for a spreadsheet (or .json)
  twin inspect plant.yaml --json | jq '.assets[].tag'    everything as JSON
  twin inspect models/jacket_tcu.fmu                     an FMU: variables, causality, units, default experiment

  twin inspect delivery.ifc --strict || echo rejected    a delivery check: exit 3 if parts could not be read

FILE is an .ifc (IFC2X3, IFC4, IFC4X3), a plant overlay .yaml (key 'plant:'), a mesh layout .yaml
(key 'meshes:') or an .fmu (FMI 2.0 or 3.0).
Tessellated geometry is cached in $TWIN_CACHE_DIR (default ~/.cache/pharma-twin/geometry).
Exit status: 0 loaded; 2 nothing loaded or written (the message says why); 3 loaded with errors (with --strict).
"""
LOADED_WITH_ERRORS = 3


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "inspect", help="list a plant's assets, rooms, grades and links (IFC, overlay or mesh layout)",
        description="Load a plant file and show its assets by tag: type, room, GMP grade, ports, what flows in "
                    "and out, counts by type, and warnings about the delivery.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", metavar="FILE", help="an .ifc file, a plant overlay .yaml or a mesh layout .yaml")
    parser.add_argument("--json", action="store_true", help="print the plant as JSON instead of tables")
    parser.add_argument("--export", metavar="PATH", help="write equipment master data to PATH (.csv or .json)")
    parser.add_argument("--tag-property", metavar="PSET.PROP", help="read tags from this property (IFC)")
    parser.add_argument("--no-cache", action="store_true", help="tessellate again instead of using the cache")
    parser.add_argument("--strict", action="store_true",
                        help=f"exit with status {LOADED_WITH_ERRORS} if parts of the file could not be read")
    parser.set_defaults(func=run)
    return parser


def run(args) -> int:
    if str(args.file).lower().endswith(".fmu"):  # an FMU from another tool: its model description
        from twin.fmu.describe import FMUError, describe

        try:
            print(describe(args.file))
        except FMUError as exc:
            print(f"twin inspect: {exc}", file=sys.stderr)
            return 2
        return 0
    from twin.plant.export import check_target, to_dict, write  # here, not at the top: `twin --help` skips IFC
    from twin.plant.ifc import IfcError
    from twin.plant.loading import load
    from twin.streams import stdout_to_stderr

    try:
        if args.export:
            check_target(args.export)
        with stdout_to_stderr():
            plant = load(args.file, tag_property=args.tag_property, geometry_cache=not args.no_cache,
                         progress=sys.stderr.isatty())
        if args.export:
            write(plant, args.export)
    except (ConfigError, IfcError, ValueError) as exc:
        print(f"twin inspect: {exc}", file=sys.stderr)
        return 2
    try:
        print(json.dumps(to_dict(plant), indent=2, ensure_ascii=False) if args.json else report(plant))
    except BrokenPipeError:  # `twin inspect ... | head` closed the pipe: not an error (see Python's signal docs)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    if args.export:
        print(f"wrote master data of {len(plant)} assets to {args.export}", file=sys.stderr)
    if plant.errors and args.strict:
        print(f"twin inspect: {args.file}: loaded with {len(plant.errors)} errors (--strict): {plant.errors[0]}",
              file=sys.stderr)
        return LOADED_WITH_ERRORS
    return 0


def report(plant: Plant) -> str:
    """The human-readable summary: header, asset table, counts by type, warnings."""
    from twin.plant.export import master_data

    source = plant.source.name if plant.source else "memory"
    lines = [f"{plant.name} ({source}): {len(plant)} assets, {len(plant.spaces)} spaces, {len(plant.links)} links, "
             f"{len(plant.instruments)} instruments", ""]
    header = ("TAG", "TYPE", "SPACE", "GRADE", "PORTS", "UPSTREAM", "DOWNSTREAM")
    rows = [(r["tag"], r["type"], r["space"] or "-", r["grade"] or "-", str(r["ports"]),
             _names(r["upstream"]), _names(r["downstream"])) for r in master_data(plant)]
    lines += _table(header, rows)
    lines += ["", "assets by type:"]
    lines += [f"  {count:4d}  {kind}" for kind, count in sorted(plant.counts().items(), key=lambda kv: (-kv[1], kv[0]))]
    lines += ["", f"errors: {len(plant.errors)}"] + [f"  - {e}" for e in plant.errors] if plant.errors else []
    lines += ["", f"warnings: {len(plant.warnings)}"] + [f"  - {w}" for w in plant.warnings]
    return "\n".join(lines)


def _names(tags: list[str], width: int = 28) -> str:
    text = ", ".join(tags) or "-"
    return text if len(text) <= width else text[: width - 3] + "..."


def _table(header, rows) -> list[str]:
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows)]
    return ["  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip() for row in (header, *rows)]
