"""Author a large process plant IFC (>= 5,000 elements) for the loading benchmark: a hall of repeated bays.

Each bay is a room with a feed vessel, a pump and a receiver, each with instruments, joined by pipe runs of
segments and elbows, so the file exercises everything the loader does: tags, rooms, ports, pipe runs, geometry.

    python -m benchmarks.plant.generate --bays 220 --out /tmp/bench_plant.ifc
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "plant_models"))
from authoring import PlantAuthor  # noqa: E402


def build(bays: int) -> PlantAuthor:
    p = PlantAuthor(f"Benchmark plant, {bays} bays", seed=9000 + bays)
    floor = p.storey("Ground floor", 0.0)
    columns = 20
    p.slab(floor, origin=(0, 0), size=(columns * 10.0, (bays // columns + 1) * 8.0))
    process = p.system("Process", "CHEMICAL")
    for b in range(bays):
        x0, y0 = (b % columns) * 10.0, (b // columns) * 8.0
        room = p.space(floor, f"B{b:03d}", f"Bay {b}", origin=(x0, y0), size=(10, 8), grade="D")
        feed = p.equipment(f"V-{b:03d}1", "IfcTank", room, (x0 + 2, y0 + 4, 0), cylinder=(0.6, 2.0),
                           predefined_type="VESSEL", object_type="FeedVessel")
        pump = p.equipment(f"P-{b:03d}1", "IfcPump", room, (x0 + 5, y0 + 2, 0), box=(0.6, 0.4, 0.5),
                           predefined_type="ENDSUCTION")
        receiver = p.equipment(f"V-{b:03d}2", "IfcTank", room, (x0 + 8, y0 + 4, 0), cylinder=(0.6, 2.0),
                               predefined_type="VESSEL", object_type="Receiver")
        for vessel in (feed, receiver):
            p.instrument("LT-01", vessel, predefined_type="LEVELSENSOR", offset=(0, 0, 2.05))
            p.instrument("TT-01", vessel, predefined_type="TEMPERATURESENSOR", offset=(0.65, 0, 1.0))
        p.pipe(p.port(feed, (0, -0.6, 0.1), "SOURCE"), p.port(pump, (-0.3, 0, 0.25), "SINK"), process, room,
               rack_height=0.3)
        p.pipe(p.port(pump, (0.3, 0, 0.25), "SOURCE"), p.port(receiver, (0, -0.3, 2.0), "SINK"), process, room,
               rack_height=2.8)
        p.pipe(p.port(receiver, (0, 0.6, 0.1), "SOURCE", name="recycle"),
               p.port(feed, (0, 0.3, 2.0), "SINK", name="recycle"), process, room, rack_height=3.0)
    return p


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bays", type=int, default=220)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    print(f"wrote {build(args.bays).write(args.out)}")


if __name__ == "__main__":
    main()
