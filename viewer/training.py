"""Safety training in the 3D plant: find the hazards an exercise hides, within its time limit.

An exercise file places hazards at assets or at points of the plant::

    exercise: Reactor bay walk-down
    time_limit: 5 min
    hazards:
      - {id: H1, kind: open valve, asset: XV-101, difficulty: 2,
         consequence: {alarm: [XV-101, R-101], text: solvent floods R-101 during charging}}
      - {id: H2, kind: blocked escape route, location: [14 m, 2 m, 0.5 m], radius: 1.5 m, difficulty: 3}

The trainee clicks where they see a hazard; a click on the hazard's asset (or within ``radius`` of its location)
finds it. Each hazard is worth ``10 x difficulty`` points; the score is the share of points found in time. Missed
hazards play their consequence in the scene: the assets it names go into alarm one after another, or a recorded run
(``replay:`` a result folder) is replayed. The result is saved as JSON.

A hazard naming an asset the plant does not have is left out with a message (file, line, closest tag): the exercise
still runs with the others.
"""
from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from twin import config
from twin.config import FilePath, Integer, ListOf, Number, Quantity, Record, Str
from viewer.scene import PlantScene

KINDS = ("open valve", "missing grounding", "blocked escape route", "wrong PPE zone", "leak", "missing guard",
         "other")
CONSEQUENCE = Record({"alarm": ListOf(Str()), "text": Str(), "replay": FilePath()}, name="a consequence")
HAZARD = Record({"id": Str(), "kind": Str(KINDS), "asset": Str(),
                 "location": ListOf(Quantity("m", "2.5 m", minimum=None), min_items=3),
                 "radius": Quantity("m", "1.5 m"), "difficulty": Integer(minimum=1), "description": Str(),
                 "consequence": CONSEQUENCE},
                required=["id", "kind"], defaults={"radius": 1.5, "difficulty": 1}, name="a hazard")
SCHEMA = Record({"exercise": Str(), "plant": Str(), "time_limit": Quantity("s", "5 min"), "pass_score": Number(0),
                 "hazards": ListOf(HAZARD, min_items=1)},
                required=["exercise", "time_limit", "hazards"], defaults={"pass_score": 70}, name="an exercise")
POINTS_PER_LEVEL = 10
FOUND_COLOUR, MISSED_COLOUR = "#2ca02c", "#ff00ff"


@dataclass
class Hazard:
    id: str
    kind: str
    point: np.ndarray
    asset: str | None = None
    radius: float = 1.5
    difficulty: int = 1
    description: str = ""
    alarm: list[str] = field(default_factory=list)
    text: str = ""
    replay: Path | None = None

    @property
    def points(self) -> int:
        return POINTS_PER_LEVEL * self.difficulty


class Training:
    """An exercise running in ``scene``: :meth:`click` where a hazard is, :meth:`finish` to score it.

    ``clock`` gives the time in seconds (``time.monotonic`` by default; a test passes its own).
    """

    def __init__(self, scene: PlantScene, name: str, hazards: list[Hazard], time_limit: float, pass_score: float = 70,
                 messages: list[str] | None = None, clock=time.monotonic) -> None:
        self.scene, self.name, self.hazards = scene, name, hazards
        self.time_limit, self.pass_score, self.clock = float(time_limit), float(pass_score), clock
        self.messages = list(messages or [])
        self.found: dict[str, float] = {}  # hazard id -> seconds after the start
        self.misses: list[tuple[float, list[float]]] = []  # clicks that found nothing: (time, point)
        self.started = self.clock()
        self.finished = False
        self._told: list[str] = []
        self.result_file: str | Path | None = None
        scene.say(*self.messages)

    @classmethod
    def load(cls, path: str | Path, scene: PlantScene, clock=time.monotonic) -> Training:
        """Read the exercise at ``path`` for the plant shown in ``scene``."""
        doc = config.load(path, SCHEMA)
        hazards, messages = [], []
        entries = doc["hazards"]
        for i, entry in enumerate(entries):
            if (entry["asset"] is None) == (not entry["location"]):
                raise entries.error(i, f"hazard '{entry['id']}' needs either 'asset' or 'location' (not both)",
                                    hint="asset: XV-101   or   location: [12 m, 3 m, 0.5 m]")
            asset = entry["asset"]
            if asset is not None and asset not in scene.tags:
                messages.append("left out: " + str(entry.error("asset", f"hazard '{entry['id']}' names asset "
                                                               f"'{asset}', which plant '{scene.plant.name}' does "
                                                               "not have", hint=config.suggest(asset, scene.tags))
                                ).replace("\n ", ";"))
                continue
            consequence = entry["consequence"] or {}
            alarm = [t for t in (consequence.get("alarm") or []) if t in scene.tags]
            for tag in set(consequence.get("alarm") or []) - set(alarm):
                messages.append(f"hazard '{entry['id']}': its consequence names asset '{tag}', which the plant "
                                f"does not have" + (f"; {config.suggest(tag, scene.tags)}"
                                                    if config.suggest(tag, scene.tags) else ""))
            point = scene.centre(asset) if asset else np.array(entry["location"][:3], float)
            hazards.append(Hazard(entry["id"], entry["kind"], point, asset, entry["radius"], entry["difficulty"],
                                  entry["description"] or "", alarm or ([asset] if asset else []),
                                  consequence.get("text") or "", consequence.get("replay")))
        if not hazards:
            messages.append(f"exercise '{doc['exercise']}' has no hazard left to find in plant '{scene.plant.name}'")
        return cls(scene, doc["exercise"], hazards, doc["time_limit"], doc["pass_score"], messages, clock)

    # -- playing ----------------------------------------------------------------------------------------------
    @property
    def elapsed(self) -> float:
        return self.clock() - self.started

    def click(self, point) -> Hazard | None:
        """The trainee points at ``point`` (x, y, z in m): the hazard found there (first time only), or None."""
        if self.finished or self.elapsed > self.time_limit:
            return None
        point = np.asarray(point, float)
        asset = self.scene.asset_at(point)
        for hazard in self.hazards:
            hit = (asset == hazard.asset) if hazard.asset else np.linalg.norm(point - hazard.point) <= hazard.radius
            if hit and hazard.id in self.found:
                return None  # pointed out again: neither new nor wrong
            if hit:
                self.found[hazard.id] = self.elapsed
                self._mark(hazard, FOUND_COLOUR)
                return hazard
        self.misses.append((self.elapsed, point.tolist()))
        return None

    def finish(self, play: bool = True) -> dict:
        """End the exercise: score it and (``play``) show the consequences of the missed hazards."""
        self.finished = True
        if play:
            for hazard in self.missed:
                self.consequence(hazard)
        return self.score()

    @property
    def missed(self) -> list[Hazard]:
        return [h for h in self.hazards if h.id not in self.found]

    def score(self) -> dict:
        total = sum(h.points for h in self.hazards)
        got = sum(h.points for h in self.hazards if h.id in self.found)
        percent = 100.0 * got / total if total else 0.0
        return {"exercise": self.name, "plant": self.scene.plant.name,
                "finished_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "time_limit_s": self.time_limit, "points": got, "points_possible": total,
                "score_percent": round(percent, 1), "passed": percent >= self.pass_score,
                "found": [{"id": h.id, "kind": h.kind, "asset": h.asset, "difficulty": h.difficulty,
                           "after_s": round(self.found[h.id], 2)} for h in self.hazards if h.id in self.found],
                "missed": [{"id": h.id, "kind": h.kind, "asset": h.asset, "difficulty": h.difficulty,
                            "consequence": h.text} for h in self.missed],
                "wrong_clicks": len(self.misses), "messages": self.messages}

    def save(self, path: str | Path) -> Path:
        """Write the score as JSON."""
        path = Path(path)
        path.write_text(json.dumps(self.score(), indent=2))
        return path

    def summary(self) -> str:
        s = self.score()
        return (f"{s['exercise']}: {len(s['found'])} of {len(self.hazards)} hazards found, "
                f"{s['points']}/{s['points_possible']} points ({s['score_percent']} %), "
                + ("passed" if s["passed"] else f"not passed (pass mark {self.pass_score:g} %)"))

    def consequence(self, hazard: Hazard, steps_per_asset: int = 1) -> list[dict[str, str]]:
        """Play what a missed ``hazard`` leads to; returns the frames shown (asset -> colour name).

        With ``replay:`` the recorded run is replayed from start to end instead.
        """
        self._mark(hazard, MISSED_COLOUR)
        plotter = self.scene.plotter
        self._told.append(f"missed {hazard.id} ({hazard.kind})" + (f": {hazard.text or hazard.description}"
                                                                    if hazard.text or hazard.description else ""))
        plotter.add_text("\n".join(self._told), position="lower_left", font_size=10, color="#a00000",
                         name="consequences")
        if hazard.replay is not None:
            from viewer.playback import Playback
            from viewer.recording import Recording

            playback = Playback(self.scene, Recording.from_folder(hazard.replay))
            for t in playback.times(fps=10, seconds=3):
                playback.frame(t)
            return []
        frames, lit = [], {}
        for tag in hazard.alarm:
            lit[tag] = "alarm"
            for _ in range(steps_per_asset):
                frames.append(dict(lit))
                self.scene.paint(lit)
        return frames

    def interactive(self, result_file: str | Path | None = None) -> PlantScene:
        """Click to find hazards; the exercise ends at the time limit (or when all are found) and its score is saved
        to ``result_file`` (JSON) if given; returns the scene to ``show()``."""
        self.result_file = result_file
        plotter = self.scene.plotter
        self._remaining = plotter.add_text(" ", position=(0.80, 0.95), viewport=True, font_size=12, color="black",
                                           name="remaining")
        plotter.track_click_position(self.clicked, side="left")
        plotter.add_timer_event(max_steps=10**9, duration=250, callback=lambda _: self.tick())
        self.started = self.clock()
        return self.scene

    def clicked(self, point) -> Hazard | None:
        """A click in the window at world ``point``: :meth:`click`, and the end once every hazard is found."""
        hazard = self.click(point)
        if hazard is not None and not self.missed:
            self.end()
        return hazard

    def tick(self) -> None:
        """The window's timer: time left on screen, and the end when it runs out."""
        if not self.finished:
            self._remaining.SetInput(f"{max(self.time_limit - self.elapsed, 0):.0f} s left, "
                                     f"{len(self.found)}/{len(self.hazards)} found")
            if self.elapsed > self.time_limit:
                self.end()
            self.scene.plotter.render()

    def end(self) -> None:
        """Finish, show the summary and the missed hazards' consequences, save the score if a file was named."""
        self.finish()
        self.scene.say(self.summary())
        if self.result_file is not None:
            self.save(self.result_file)
        self.scene.plotter.render()

    def _mark(self, hazard: Hazard, colour: str) -> None:
        import pyvista as pv

        above = self.scene.label_point(hazard.asset) + [0, 0, 0.3] if hazard.asset else hazard.point
        self.scene.plotter.add_mesh(pv.Sphere(radius=0.3, center=above), color=colour,
                                    name=f"hazard:{hazard.id}", pickable=False)
