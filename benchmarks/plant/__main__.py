"""Loading a large plant: the twin's full IFC load against ifcopenshell's bare multi-core geometry iterator.

On the same generated file (>= 5,000 elements), in this one process, alternating the two, best of ``--repeat``:

- **bare**: ``ifcopenshell.open`` plus the geometry iterator on all cores (world coordinates), every shape's vertices
  and faces taken as NumPy arrays: the least any IFC loader must do;
- **twin**: ``twin.plant.load`` without cache: the same tessellation, plus assets by tag, rooms, grades, ports,
  instruments, pipe runs followed into links, one trimesh per product. Target: within 1.3x of bare;
- **cached**: ``twin.plant.load`` again with the cache warm. Target: under 10% of the first (cold) load.

Wall time and the process's CPU time (all threads) are both reported: on a machine shared with other work the
wall-time ratio swings with the load, the CPU-time ratio much less.

Peak memory: Python allocations during one more, untimed, twin load (tracemalloc), and the process's peak
resident set (ifcopenshell's C++ model and OpenCASCADE included).

Run: ``python -m benchmarks.plant [--bays 220] [--repeat 2] [--model PATH]``
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import tempfile
import time
import tracemalloc
from pathlib import Path

import ifcopenshell
import ifcopenshell.geom
import numpy as np

import twin.plant
from benchmarks.plant.generate import build


def bare_iterator(path: Path) -> int:
    """Open the file and tessellate every product on all cores, the way ifcopenshell's docs show it."""
    model = ifcopenshell.open(str(path))
    settings = ifcopenshell.geom.settings()
    settings.set("use-world-coords", True)
    iterator = ifcopenshell.geom.iterator(settings, model, multiprocessing.cpu_count())
    shapes = 0
    if iterator.initialize():
        while True:
            geometry = iterator.get().geometry
            np.frombuffer(geometry.verts_buffer, dtype=np.float64).reshape(-1, 3)
            np.frombuffer(geometry.faces_buffer, dtype=np.int32).reshape(-1, 3)
            shapes += 1
            if not iterator.next():
                break
    return shapes


def timed(func, *args, **kwargs):
    """Wall seconds, CPU seconds of the whole process (all threads: the iterator's too), and the result."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = func(*args, **kwargs)
    return (time.perf_counter() - wall, time.process_time() - cpu), result


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bays", type=int, default=220, help="bays of the generated hall (220 -> ~6,000 elements)")
    parser.add_argument("--repeat", type=int, default=2, help="alternating runs of each; the best is reported")
    parser.add_argument("--model", type=Path, help="an existing IFC file instead of generating one")
    args = parser.parse_args(argv)

    path = args.model or Path(tempfile.gettempdir()) / f"pharma_twin_bench_{args.bays}_bays.ifc"
    if not path.exists():
        print(f"generating {path} ({args.bays} bays) ...", flush=True)
        build(args.bays).write(path)
    elements = len(ifcopenshell.open(str(path)).by_type("IfcElement"))
    print(f"model: {path.name}, {path.stat().st_size / 1e6:.1f} MB, {elements} elements, "
          f"{multiprocessing.cpu_count()} cores")

    os.environ["TWIN_CACHE_DIR"] = tempfile.mkdtemp(prefix="twin-bench-cache-")
    bare, full = [], []
    for _ in range(args.repeat):
        seconds, shapes = timed(bare_iterator, path)
        bare.append(seconds)
        seconds, plant = timed(twin.plant.load, path, geometry_cache=False)
        full.append(seconds)
    (cold, _), _ = timed(twin.plant.load, path)  # fills the cache
    (warm, _), cached = timed(twin.plant.load, path)
    assert len(cached.assets) == len(plant.assets) and len(cached.links) == len(plant.links)
    tracemalloc.start()  # a separate run: tracing slows Python allocations, so it stays out of the timings
    twin.plant.load(path, geometry_cache=False)
    python_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()

    meshes = sum(x.mesh is not None for x in (*plant.assets.values(), *plant.spaces.values(), *plant.elements.values()))
    (bare_wall, bare_cpu), (full_wall, full_cpu) = (min(t[0] for t in bare), min(t[1] for t in bare)), (
        min(t[0] for t in full), min(t[1] for t in full))
    print(f"bare ifcopenshell iterator : {bare_wall:7.2f} s wall {bare_cpu:7.2f} s CPU   ({shapes} shapes)")
    print(f"twin full load             : {full_wall:7.2f} s wall {full_cpu:7.2f} s CPU   ({len(plant.assets)} assets, "
          f"{len(plant.spaces)} spaces, {len(plant.links)} links, {meshes} meshes)")
    print(f"ratio twin / bare          : {full_wall / bare_wall:.2f}x wall, {full_cpu / bare_cpu:.2f}x CPU "
          "(target <= 1.3x; CPU time is the steadier figure on a shared machine)")
    print(f"twin cached second load    : {warm:7.2f} s   = {warm / cold:.1%} of the first load {cold:.2f} s "
          f"(target < 10%)")
    print(f"peak memory                : {python_peak / 1e6:.0f} MB Python allocations during the twin load, "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3:.0f} MB process peak RSS")


if __name__ == "__main__":
    main()
