"""Equipment master data: one row per asset, written as CSV (for spreadsheets, CMMS, ERP) or JSON.

>>> rows = master_data(plant)        # [{'tag': 'R-101', 'type': ..., 'space': 'R01', 'grade': 'CNC', ...}, ...]
>>> write(plant, "master.csv")       # columns: the fixed ones below, then every property 'Pset.Property'
"""
from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np

from twin.plant.model import Plant

COLUMNS = ("tag", "type", "ifc_class", "predefined_type", "name", "description", "space", "space_name", "storey",
           "grade", "x", "y", "z", "ports", "upstream", "downstream", "instruments", "behaviour", "guid")


def master_data(plant: Plant) -> list[dict[str, Any]]:
    """One record per asset, sorted by tag: identity, location, connections, instruments, then properties."""
    rows = []
    for asset in sorted(plant, key=lambda a: a.tag):
        space = plant.spaces.get(asset.space) if asset.space else None
        x, y, z = (round(float(c), 3) for c in asset.centre)
        row = {
            "tag": asset.tag, "type": asset.type, "ifc_class": asset.ifc_class, "predefined_type":
            asset.predefined_type, "name": asset.name, "description": asset.description, "space": asset.space,
            "space_name": space.name if space else None, "storey": asset.storey or (space.storey if space else None),
            "grade": space.grade if space else None, "x": x, "y": y, "z": z, "ports": len(asset.ports),
            "upstream": sorted(set(plant.graph.predecessors(asset.tag))),
            "downstream": sorted(set(plant.graph.successors(asset.tag))),
            "instruments": list(asset.instruments), "behaviour": asset.behaviour, "guid": asset.guid,
        }
        row.update(_plain(asset.properties))
        rows.append(row)
    return rows


def to_dict(plant: Plant) -> dict[str, Any]:
    """The whole plant as plain JSON-ready data (no meshes): assets, spaces, links, counts, warnings."""
    assets = master_data(plant)
    for row in assets:
        asset = plant.assets[row["tag"]]
        row["params"] = _plain(asset.params)
        row["instruments"] = [{"tag": i.tag, "type": i.type, "name": i.name, "unit": i.unit,
                               "properties": _plain(i.properties)} for i in asset.instruments.values()]
    return {
        "name": plant.name, "source": str(plant.source) if plant.source else None,
        "assets": assets,
        "spaces": [{"number": s.number, "name": s.name, "storey": s.storey, "grade": s.grade, "area": s.area,
                    "volume": s.volume} for s in plant.spaces.values()],
        "links": [{"source": k.source, "target": k.target, "source_port": k.source_port,
                   "target_port": k.target_port, "medium": k.medium, "kind": k.kind, "directed": k.directed,
                   "pieces": len(k.via)} for k in plant.links],
        "counts": dict(sorted(plant.counts().items())),
        "warnings": list(plant.warnings),
        "errors": list(plant.errors),
    }


def check_target(path: str | Path) -> Path:
    """``path`` if master data can be written there, else a ValueError saying why (before a long load)."""
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"cannot export master data to {path}: it is a folder; name a file in it, e.g. "
                         f"{path / 'master.csv'}")
    if path.suffix.lower() not in (".csv", ".json"):
        raise ValueError(f"cannot export master data to '{path.name}': use a .csv or .json file name")
    if not path.parent.is_dir():
        raise ValueError(f"cannot export master data to {path}: the folder {path.parent} does not exist "
                         "(create it first)")
    return path


def write(plant: Plant, path: str | Path) -> Path:
    """Write the master data to ``path``: ``.csv`` (one row per asset) or ``.json`` (the whole :func:`to_dict`)."""
    path = check_target(path)
    try:
        _write(plant, path)
    except OSError as exc:
        raise ValueError(f"cannot export master data to {path}: {exc.strerror or exc}") from None
    return path


def _write(plant: Plant, path: Path) -> None:
    if path.suffix.lower() == ".json":
        path.write_text(json.dumps(to_dict(plant), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    else:
        rows = master_data(plant)
        extra = sorted({k for row in rows for k in row} - set(COLUMNS))
        with open(path, "w", newline="", encoding="utf-8") as stream:
            writer = csv.DictWriter(stream, fieldnames=[*COLUMNS, *extra])
            writer.writeheader()
            for row in rows:
                writer.writerow({k: " ".join(v) if isinstance(v, list) else v for k, v in row.items()})


def _plain(values: dict) -> dict:
    """Values JSON can hold (NumPy scalars and tuples made plain)."""
    out = {}
    for key, value in values.items():
        if isinstance(value, np.generic):
            value = value.item()
        elif isinstance(value, tuple):
            value = list(value)
        out[key] = value
    return out
