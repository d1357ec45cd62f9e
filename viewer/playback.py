"""Replaying a run in the scene, or following a live TagBus.

>>> play = Playback(scene, Recording.from_result(result), [Rule("state")])
>>> play.frame(3600.0)                  # colours, clock, event list (and vehicles, viewer.fleet) as at t = 1 h
>>> play.inspect("R-101")               # its tags and their trend beside the scene
>>> play.interactive().show()           # time slider, play/pause, click an asset to inspect it
>>> play.movie("run.mp4", fps=20)       # the whole run as a movie (imageio-ffmpeg)

:class:`Live` colours the scene from a TagBus as it changes (a bridged plant or a running twin): the bus's
subscribers only note the new values (from whatever thread writes), and the scene repaints on its own timer.
"""
from __future__ import annotations

import threading
import time as wallclock
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyvista as pv
from tqdm import tqdm

from viewer.colouring import Colouring, Rule, ranges_of
from viewer.fleet import Fleet
from viewer.recording import Recording
from viewer.scene import PlantScene

EVENT_LINES = 8
TICKS_PER_SECOND = 20
TREND_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")


def _clock(t: float) -> str:
    h, rest = divmod(float(t), 3600)
    m, s = divmod(rest, 60)
    return f"t = {int(h):d}:{int(m):02d}:{s:04.1f}"


class Playback:
    """A :class:`Recording` replayed in a :class:`PlantScene`, coloured by ``rules``.

    :attr:`messages` gathers what did not fit (tags of another plant, rules that match no tag); they are shown in
    the scene too.
    """

    def __init__(self, scene: PlantScene, recording: Recording, rules: Sequence[Rule] = (Rule("state"),)) -> None:
        if not isinstance(recording, Recording):
            raise TypeError(f"Playback replays a viewer.Recording (Recording.from_result(result)), "
                            f"not {type(recording).__name__}")
        self.scene, self.recording = scene, recording
        self.colouring = Colouring(rules, scene.tags, recording.tags, ranges_of(recording.traces))
        self.messages = recording.check(scene.plant) + self.colouring.messages
        self.t0, self.t1 = recording.span
        self.time = self.t0
        self._base = scene.colours.copy()
        self._traces = [recording.traces[tag] for tag in self.colouring.tags]
        self._events_t = np.array([e[0] for e in recording.events])
        self._chart = None
        self._shown_events = -1
        scene.say(*self.messages)
        self._clock = scene.plotter.add_text(_clock(self.t0), position=(0.82, 0.95), viewport=True, font_size=12,
                                             color="black", name="clock")
        self._events = scene.plotter.add_text(" ", position=(0.01, 0.01), viewport=True, font_size=9,
                                              color="#333333", name="events")
        self._colour_bar(rules)
        self.fleet = Fleet(scene, recording.fleet) if recording.fleet is not None else None

    def _colour_bar(self, rules: Sequence[Rule]) -> None:
        """A colour bar for the first colour-map rule (its ``clim``, or 0..1 of each tag's recorded range)."""
        rule = next((r for r in rules if r.cmap), None)
        if rule is None or not self.colouring.tags:
            return
        low, high = rule.clim or (0.0, 1.0)
        title = rule.signal if rule.clim else f"{rule.signal}\n(of its range)"
        dummy = self.scene.plotter.add_mesh(pv.PolyData(np.zeros((2, 3))), scalars=[low, high], cmap=rule.cmap,
                                            clim=(low, high), show_scalar_bar=False, name="colour-bar-source")
        dummy.SetVisibility(False)
        self.scene.plotter.add_scalar_bar(title=title, mapper=dummy.mapper, vertical=True, position_x=0.90,
                                          position_y=0.40, height=0.4, width=0.05, color="black", fmt="%.3g")

    def values(self, t: float) -> list:
        """The value of each coloured tag at ``t`` (sample and hold)."""
        out = []
        for times, values in self._traces:
            i = int(np.searchsorted(times, t, side="right")) - 1
            out.append(values[i] if i >= 0 else None)
        return out

    def frame(self, t: float, render: bool = True) -> None:
        """Show the plant as it was at time ``t`` (s): asset colours, clock, the latest events."""
        self.time = float(np.clip(t, self.t0, self.t1))
        self.scene.colours[:] = self.colouring.colours(self.values(self.time), self._base)
        self._clock.SetInput(_clock(self.time))
        n = int(np.searchsorted(self._events_t, self.time, side="right"))
        if n != self._shown_events:  # re-typesetting text costs a few ms a frame: only when it changes
            recent = self.recording.events[max(0, n - EVENT_LINES):n]
            self._events.SetInput(" " + "\n".join(f"{_clock(te)[4:]}  {text}" for te, text in recent))
            self._shown_events = n
        if self.fleet is not None:
            self.fleet.frame(self.time)
        self.scene.repaint(render)

    def times(self, fps: float = 20.0, seconds: float | None = None, start: float | None = None,
              end: float | None = None) -> np.ndarray:
        """Frame times from ``start`` to ``end`` (default: the whole recording): ``seconds`` of movie at ``fps``
        (default 10 s)."""
        n = max(2, int(round(fps * (seconds or 10.0))))
        t0 = self.t0 if start is None else float(np.clip(start, self.t0, self.t1))
        t1 = self.t1 if end is None else float(np.clip(end, t0, self.t1))
        return np.linspace(t0, t1, n)

    def inspect(self, tag: str) -> str:
        """The tags of asset ``tag`` with their value now, and a chart of their trend; returns the text shown."""
        self.scene._position(tag)
        own = [n for n in self.recording.tags if n.split(".", 1)[0] == tag]
        lines = [f"{tag}  ({self.scene.plant.assets[tag].type})"]
        for name in own:
            value = self.recording.at(name, self.time)
            unit = self.recording.units.get(name, "")
            lines.append(f"  {name.split('.', 1)[1]} = {value:.4g} {unit}" if isinstance(value, float | np.floating)
                         else f"  {name.split('.', 1)[1]} = {value}")
        if not own:
            lines.append("  (no recorded tags)")
        text = "\n".join(lines)
        plotter = self.scene.plotter
        plotter.add_text(text, position=(0.70, 0.38), viewport=True, font_size=9, color="black", name="inspect")
        numeric = [n for n in own if self.recording.traces[n][1].dtype.kind in "fiu"]
        if self._chart is not None:
            plotter.remove_chart(self._chart)
            self._chart = None
        if numeric:
            chart = pv.Chart2D(size=(0.34, 0.30), loc=(0.01, 0.16), x_label="t [h]", y_label=tag)
            for k, name in enumerate(numeric):
                t, v = self.recording.traces[name]
                chart.line(t / 3600.0, np.asarray(v, float), color=TREND_COLOURS[k % len(TREND_COLOURS)],
                           label=name.split(".", 1)[1])
            plotter.add_chart(chart)
            self._chart = chart
        return text

    def movie(self, path: str | Path, fps: float = 20.0, seconds: float | None = None, progress: bool = True,
              start: float | None = None, end: float | None = None) -> Path:
        """Record the run (from ``start`` to ``end``, default all of it) as an MP4 (``fps`` frames a second,
        ``seconds`` long) with imageio-ffmpeg."""
        path = Path(path)
        plotter = self.scene.plotter
        plotter.open_movie(str(path), framerate=fps, quality=7)
        try:
            for t in tqdm(self.times(fps, seconds, start, end), desc="movie", unit="frame", disable=not progress):
                self.frame(t, render=False)
                plotter.write_frame()
        finally:
            plotter.mwriter.close()
            plotter.mwriter = None
        return path

    def interactive(self, speed: float | None = None) -> PlantScene:
        """Add a time slider, a play/pause button and click-to-inspect; returns the scene to ``show()``.

        ``speed``: simulated seconds per real second (default: the whole run in 20 s).
        """
        plotter = self.scene.plotter
        self.speed = speed or max((self.t1 - self.t0) / 20.0, 1e-9)
        self.playing, self._last_tick = False, None
        self._slider = plotter.add_slider_widget(lambda t: self.frame(t), [self.t0, self.t1], value=self.t0,
                                                 title="time [s]", pointa=(0.22, 0.06), pointb=(0.66, 0.06),
                                                 style="modern", interaction_event="always")
        plotter.add_checkbox_button_widget(self.play, value=False, position=(10, 60), size=30,
                                           color_on="#2ca02c", color_off="#bbbbbb")
        plotter.add_text("play", position=(45, 65), font_size=10, color="black", name="play-label")
        plotter.add_timer_event(max_steps=10**9, duration=int(1000 / TICKS_PER_SECOND), callback=lambda _: self.tick())
        plotter.track_click_position(self.clicked, side="left")
        self.frame(self.t0)
        return self.scene

    def play(self, on: bool = True) -> None:
        """Start (or pause) playing; at the end, playing starts over."""
        if on and self.time >= self.t1:
            self.frame(self.t0)
        self.playing, self._last_tick = bool(on), None

    def tick(self, elapsed: float | None = None) -> None:
        """A timer tick while playing: ``speed x elapsed`` simulated seconds on (``elapsed``: real seconds since the
        last tick, measured when not given), the slider following."""
        if not self.playing:
            return
        now = wallclock.monotonic()
        if elapsed is None:
            elapsed = 0.0 if self._last_tick is None else now - self._last_tick
        self._last_tick = now
        t = min(self.time + self.speed * elapsed, self.t1)
        self.playing = t < self.t1
        self._slider.GetRepresentation().SetValue(t)
        self.frame(t)

    def clicked(self, point) -> str | None:
        """A click at world ``point``: inspect the vehicle or else the asset there; returns its name (None if
        nothing is there)."""
        mover = self.fleet.at(point) if self.fleet is not None else None
        if mover is not None:
            self.scene.plotter.add_text(self.fleet.describe(mover, self.time), position=(0.70, 0.38), viewport=True,
                                        font_size=9, color="black", name="inspect")
            return mover
        tag = self.scene.asset_at(point)
        if tag is not None:
            self.inspect(tag)
        return tag


class Live:
    """Colour ``scene`` from a live :class:`twin.tags.TagBus` by ``rules``; call :meth:`update` (or let
    :meth:`start` do it on a timer) to repaint with the latest values."""

    def __init__(self, scene: PlantScene, bus, rules: Sequence[Rule] = (Rule("state"),)) -> None:
        self.scene, self.bus = scene, bus
        self.colouring = Colouring(rules, scene.tags, list(bus))
        self.messages = self.colouring.messages
        scene.say(*self.messages)
        self._base = scene.colours.copy()
        self._latest = {tag: bus[tag].value for tag in self.colouring.tags}
        self._lock = threading.Lock()
        self._dirty = True
        self._unsubscribe = [bus.subscribe(tag, self._note) for tag in self.colouring.tags]

    def _note(self, tag) -> None:  # called by the bus, possibly from a network thread
        with self._lock:
            self._latest[tag.name] = tag.value
            self._dirty = True

    def update(self, render: bool = True) -> bool:
        """Repaint if any watched tag changed since the last update; returns whether it did."""
        with self._lock:
            if not self._dirty:
                return False
            values, self._dirty = [self._latest[t] for t in self.colouring.tags], False
        self.scene.colours[:] = self.colouring.colours(values, self._base)
        self.scene.repaint(render)
        return True

    def start(self, interval_ms: int = 100) -> PlantScene:
        """Repaint on a timer while the window is open; returns the scene to ``show()``."""
        self.scene.plotter.add_timer_event(max_steps=10**9, duration=interval_ms, callback=lambda _s: self.update())
        return self.scene

    def stop(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
