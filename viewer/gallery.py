"""``python -m viewer.gallery [FOLDER]``: render the README's pictures of the sample plants (default ``docs/img``).

Every picture comes from the project itself: the sample plants' IFC files, and a real run of the continuous tablet
line (:mod:`twin.examples.osd_cm_line`) replayed with its feeders coloured by hopper mass.
"""
from __future__ import annotations

import sys
from pathlib import Path

import twin.plant
from twin import Twin
from twin.examples.osd_cm_line import build
from viewer import export
from viewer.colouring import Rule
from viewer.playback import Playback
from viewer.recording import Recording
from viewer.scene import PlantScene, headless

ROOT = Path(__file__).resolve().parents[1]
SIZE = (1280, 800)


def render(folder: Path) -> list[Path]:
    headless()
    folder.mkdir(parents=True, exist_ok=True)
    samples = ROOT / "plant_models"
    written = []
    for name in ("api_bay", "multipurpose_osd"):
        scene = PlantScene(twin.plant.load(samples / name / "plant.yaml"), off_screen=True, window_size=SIZE)
        export.screenshot(scene, folder / f"plant_{name}.png")
        written.append(folder / f"plant_{name}.png")
        scene.close()
    tw = Twin(sample_interval=10.0)
    build(tw, seed=1)
    result = tw.run(until=3 * 3600)
    scene = PlantScene(twin.plant.load(samples / "osd_cm_line" / "plant.yaml"), off_screen=True, window_size=SIZE)
    play = Playback(scene, Recording.from_result(result, name="osd_cm_line seed 1"),
                    [Rule("m_hopper", cmap="viridis")])
    low = next(t for t, text in play.recording.events if text.endswith(".low"))
    play.frame(low)
    play.inspect("LIW-102")
    export.screenshot(scene, folder / "replay_osd_cm_line.png")
    written.append(folder / "replay_osd_cm_line.png")
    scene.close()
    return written


if __name__ == "__main__":
    for path in render(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "img"):
        print(f"wrote {path}")
