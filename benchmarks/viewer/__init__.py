"""Viewer benchmarks, side by side with plain pyvista (one actor per asset, the way the pyvista examples build a
scene), in one process, off screen:

- time to first frame of the largest sample plant (IFC read from the geometry cache, scene built, first image);
- playback frames per second with every asset recoloured every frame (target: at least 20 fps).

``python -m benchmarks.viewer [--size 1024x640] [--frames 60]``. Software rendering (Mesa llvmpipe) on 2 cores:
the numbers move with the load of the machine, the ratios much less. Each side's best of ``--repeat``
runs, the sides alternating.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pyvista as pv

import twin.plant
from viewer.colouring import Rule
from viewer.playback import Playback
from viewer.recording import Recording
from viewer.scene import ELEMENT_STYLES, GRADE_COLOURS, SPACE_OPACITY, STATE_COLOURS, PlantScene, headless

SAMPLES = ("api_bay", "osd_cm_line", "multipurpose_osd")


def largest_sample() -> str:
    """The sample plant with the most triangles."""
    root = Path(__file__).resolve().parents[2] / "plant_models"
    sizes = {name: (root / name / f"{name}.ifc").stat().st_size for name in SAMPLES}
    return str(root / max(sizes, key=sizes.get) / "plant.yaml")


def _poly(mesh) -> pv.PolyData:
    """A plant mesh (twin.plant.mesh.Mesh or trimesh) as pyvista data, the way a pyvista user builds it."""
    return pv.PolyData.from_regular_faces(np.asarray(mesh.vertices, float), np.asarray(mesh.faces, np.int64))


def pyvista_scene(plant, size) -> tuple[pv.Plotter, dict[str, pv.Actor]]:
    """The peer: plain pyvista, one actor per asset, element and room (the same picture), labels, a legend."""
    plotter = pv.Plotter(off_screen=True, window_size=list(size))
    plotter.render_window.SetMultiSamples(0)
    plotter.renderer.SetUseOIT(False)
    actors = {}
    for asset in plant:
        if asset.mesh is not None:
            actors[asset.tag] = plotter.add_mesh(_poly(asset.mesh), color="#b8c4cc")
    for element in plant.elements.values():
        if element.mesh is not None:
            colour, opacity = ELEMENT_STYLES.get(element.kind, ELEMENT_STYLES["structure"])
            plotter.add_mesh(_poly(element.mesh), color=colour, opacity=opacity)
    for space in plant.spaces.values():
        if space.mesh is not None:
            plotter.add_mesh(_poly(space.mesh), color=GRADE_COLOURS.get(space.grade, "grey"), opacity=SPACE_OPACITY,
                             lighting=False)
    tags = list(actors)
    plotter.add_point_labels(np.array([plant.assets[t].centre for t in tags], np.float32), tags, shape=None,
                             show_points=False, always_visible=True)
    plotter.add_legend([[s, c] for s, c in STATE_COLOURS.items()], face="rectangle")
    plotter.view_isometric()
    return plotter, actors


def first_frame(path: str, size) -> tuple[float, float]:
    """Seconds from loading the plant to its first image: ours, then plain pyvista's."""
    twin.plant.load(path)  # warm the geometry cache so both sides read it the same way
    pv.Plotter(off_screen=True).close()  # and pay pyvista's (lazy) plotting imports before either side
    t = time.perf_counter()
    scene = PlantScene(twin.plant.load(path), off_screen=True, window_size=size)
    scene.screenshot()
    ours = time.perf_counter() - t
    scene.close()
    t = time.perf_counter()
    plotter, _ = pyvista_scene(twin.plant.load(path), size)
    plotter.screenshot()
    peer = time.perf_counter() - t
    plotter.close()
    return ours, peer


def playback_fps(path: str, size, frames: int) -> tuple[float, float, float, float]:
    """Frames per second recolouring every asset by a random state each frame: ours, then plain pyvista's; by the
    wall clock, then per CPU-second of this process (rendering threads included: what an idle machine would give
    when the others' work slows the wall clock)."""
    plant = twin.plant.load(path)
    rng = np.random.default_rng(7)
    times = np.arange(frames, dtype=float)
    states = rng.integers(0, len(STATE_COLOURS), (len(plant), frames)).astype(float)
    recording = Recording({f"{a.tag}.state": (times, states[i]) for i, a in enumerate(plant)})

    scene = PlantScene(plant, off_screen=True, window_size=size)
    play = Playback(scene, recording, [Rule("state")])
    scene.plotter.show(auto_close=False)  # from here on render() draws
    t, cpu = time.perf_counter(), time.process_time()
    for when in times:
        play.frame(when)
    ours, ours_cpu = frames / (time.perf_counter() - t), frames / (time.process_time() - cpu)
    scene.close()

    plotter, actors = pyvista_scene(plant, size)
    plotter.show(auto_close=False)
    palette = list(STATE_COLOURS.values())
    t, cpu = time.perf_counter(), time.process_time()
    for k in range(frames):
        for i, actor in enumerate(actors.values()):
            actor.prop.color = palette[int(states[i, k])]
        plotter.render()
    peer, peer_cpu = frames / (time.perf_counter() - t), frames / (time.process_time() - cpu)
    plotter.close()
    return ours, peer, ours_cpu, peer_cpu


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.viewer", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="1024x640", help="image size WIDTHxHEIGHT (default 1024x640)")
    parser.add_argument("--frames", type=int, default=60, help="playback frames to time (default 60)")
    parser.add_argument("--repeat", type=int, default=2, help="best of this many runs of each side (default 2)")
    parser.add_argument("--plant", default=None, help="plant file (default: the largest sample plant)")
    parser.add_argument("--bays", type=int, default=0,
                        help="also time a generated hall of this many bays (3 assets and a room each; "
                             "benchmarks.plant.generate)")
    args = parser.parse_args(argv)
    headless()
    size = tuple(int(v) for v in args.size.split("x"))
    results = {"sample": run(args.plant or largest_sample(), size, args)}
    if args.bays:
        import tempfile

        from benchmarks.plant.generate import build

        with tempfile.TemporaryDirectory() as folder:
            path = build(args.bays).write(Path(folder) / f"hall_{args.bays}.ifc")
            results["hall"] = run(str(path), size, args)
    return results


def run(path: str, size, args) -> dict:
    plant = twin.plant.load(path)
    triangles = sum(len(a.mesh.faces) for a in plant if a.mesh is not None)
    print(f"plant: {plant.name} ({len(plant)} assets, {len(plant.spaces)} rooms, {triangles} asset triangles), "
          f"{size[0]}x{size[1]} px, off screen")
    firsts = [first_frame(path, size) for _ in range(args.repeat)]
    ours, peer = min(r[0] for r in firsts), min(r[1] for r in firsts)
    print(f"time to first frame   viewer {ours:6.2f} s   pyvista one-actor-per-asset {peer:6.2f} s   "
          f"ratio {peer / ours:5.2f}x")
    runs = [playback_fps(path, size, args.frames) for _ in range(args.repeat)]  # alternating sides
    fps, peer_fps, cpu_fps, peer_cpu_fps = (max(r[k] for r in runs) for k in range(4))
    print(f"playback, all assets recoloured each frame   viewer {fps:6.1f} fps   pyvista {peer_fps:6.1f} fps   "
          f"ratio {fps / peer_fps:5.2f}x   target >= 20 fps: {'met' if fps >= 20 else 'NOT met'}")
    print(f"  per CPU-second (load-independent)          viewer {cpu_fps:6.1f} fps   pyvista {peer_cpu_fps:6.1f} fps   "
          f"ratio {cpu_fps / peer_cpu_fps:5.2f}x")
    return {"first_frame_s": ours, "first_frame_peer_s": peer, "fps": fps, "fps_peer": peer_fps,
            "fps_per_cpu_s": cpu_fps, "fps_per_cpu_s_peer": peer_cpu_fps}
