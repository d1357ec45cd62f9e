"""Colouring rules and playback: a real twin run replayed, values checked against the schedule that made them,
colour maps against matplotlib, the live TagBus, the MP4 read back frame by frame."""
from __future__ import annotations

import threading

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from matplotlib import colormaps
from pictures import alarm_mask, is_alarm, project

from twin import Twin
from twin.tags import TagBus
from viewer.cli import _rule
from viewer.colouring import STATES, Colouring, Rule, state_colour
from viewer.playback import Live, Playback
from viewer.recording import Recording
from viewer.scene import ASSET_COLOUR, STATE_COLOURS, PlantScene, rgb

# The schedule the twin below plays: (time s, asset, state). The reference for every replayed value.
SCHEDULE = [(0, "T-1", "running"), (0, "T-2", "idle"), (600, "T-2", "running"), (900, "T-1", "alarm"),
            (1500, "T-1", "down"), (1800, "T-2", "alarm")]


def _run():
    tw = Twin()
    for tag in ("T-1", "T-2"):
        tw.tags.define(f"{tag}.state", dtype=str)
    tw.tags.define("T-1.TT-01", unit="K")

    def operator(tw):
        now = 0
        for t, asset, state in SCHEDULE:
            yield tw.env.timeout(t - now)
            now = t
            tw.set(f"{asset}.state", state)
            if asset == "T-1":
                tw.set("T-1.TT-01", 290.0 + t / 60)

    tw.env.process(operator(tw))
    return tw.run(until=2400)


def _expected(t: float) -> dict[str, str]:
    state = {}
    for when, asset, value in SCHEDULE:
        if when <= t:
            state[asset] = value
    return state


@pytest.fixture(scope="module")
def recording():
    return Recording.from_result(_run())


def test_recording_reads_the_run_as_it_happened(recording):
    for t in (0, 300, 600, 899, 900, 1499.9, 1500, 2000, 2400):
        assert {a: recording.at(f"{a}.state", t) for a in ("T-1", "T-2")} == _expected(t), t
    assert recording.span == (0.0, 1800.0)
    assert [(round(t), text) for t, text in recording.events if ".state" in text] == \
        [(t, f"set: {a}.state={v}") for t, a, v in SCHEDULE]
    with pytest.raises(KeyError, match="did you mean 'T-1.state'"):
        recording.at("T-1.stat", 0)


def test_playback_colours_each_asset_by_its_state(two_rooms, recording):
    scene = PlantScene(two_rooms, labels=False, off_screen=True)
    play = Playback(scene, recording, [Rule("state")])
    assert play.messages == []
    for t in (0, 700, 1000, 1600, 2000):
        play.frame(t, render=False)
        for asset, state in _expected(t).items():
            assert scene.colours[scene.tags.index(asset)].tolist() == rgb(STATE_COLOURS[state]).tolist(), (t, asset)
        assert scene.colours[scene.tags.index("P-1")].tolist() == rgb(ASSET_COLOUR).tolist()  # no state tag
    play.frame(1000)
    image = scene.screenshot()
    column, row = project(scene, scene.centre("T-1"))
    assert is_alarm(image[row, column])
    text = play.inspect("T-1")
    assert "state = alarm" in text and "TT-01 = 305 K" in text  # 290 + 900/60, set at t = 900 s
    scene.close()


def test_continuous_rule_follows_the_colour_map():
    assets = ["T-1", "T-2", "T-3"]
    colouring = Colouring([Rule("TT-01", cmap="coolwarm", clim=(280.0, 360.0))], assets,
                          ["T-1.TT-01", "T-2.TT-01", "T-3.TT-01"])
    base = np.zeros((3, 3), np.uint8)
    got = colouring.colours([280.0, 320.0, 400.0], base)
    lut = colormaps["coolwarm"](np.linspace(0, 1, 256))[:, :3]
    reference = [colormaps["coolwarm"](0.0)[:3], lut[int(0.5 * 255)], colormaps["coolwarm"](1.0)[:3]]
    assert np.abs(got / 255.0 - np.array(reference)).max() < 1 / 255 + 1e-9


def test_first_matching_rule_wins_and_unknown_tags_are_reported_with_a_suggestion():
    colouring = Colouring([Rule("T-1.TT-01", cmap="viridis"), Rule("state"), Rule("LT-2", cmap="viridis")],
                          ["T-1", "T-2"], ["T-1.TT-01", "T-1.state", "T-2.state", "T-2.LT-02"])
    assert colouring.tags == ["T-1.TT-01", "T-2.state"]
    assert len(colouring.messages) == 1
    assert "no signal 'LT-2'" in colouring.messages[0] and "did you mean 'LT-02'" in colouring.messages[0]
    with pytest.raises(ValueError, match="unknown colour map 'viridus'.*viridis"):
        Rule("TT-01", cmap="viridus")


def test_a_result_of_another_plant_is_reported_and_the_scene_still_renders(two_rooms, api_bay):
    scene = PlantScene(api_bay, labels=False, off_screen=True)
    play = Playback(scene, Recording.from_result(_run()), [Rule("state")])
    assert any("another plant" in m for m in play.messages)
    play.frame(1000)
    assert scene.screenshot().std() > 5  # the plant is drawn, nothing coloured
    scene.close()


def test_state_values_by_name_or_index():
    for i, name in enumerate(STATES):
        assert state_colour(name).tolist() == state_colour(i).tolist() == rgb(STATE_COLOURS[name]).tolist()
    for odd in (None, float("nan"), "stopped", 7, 1.5):
        assert state_colour(odd).tolist() == rgb(ASSET_COLOUR).tolist()


def test_live_bus_written_from_another_thread(two_rooms):
    scene = PlantScene(two_rooms, labels=False, off_screen=True)
    bus = TagBus()
    bus.define("T-2.state", dtype=str, initial="running")
    live = Live(scene, bus)
    assert live.update(render=False)
    assert scene.colours[scene.tags.index("T-2")].tolist() == rgb(STATE_COLOURS["running"]).tolist()
    assert not live.update(render=False)  # nothing changed since
    writer = threading.Thread(target=lambda: bus.write("T-2.state", "alarm", t=5.0))
    writer.start()
    writer.join()
    assert live.update()
    image = scene.screenshot()
    column, row = project(scene, scene.centre("T-2"))
    assert is_alarm(image[row, column])
    live.stop()
    scene.close()


def test_movie_holds_the_frames_of_the_run(two_rooms, recording, tmp_path):
    import imageio.v3 as iio

    scene = PlantScene(two_rooms, labels=False, off_screen=True, window_size=(640, 400))
    play = Playback(scene, recording, [Rule("state")])
    play.movie(tmp_path / "run.mp4", fps=5, seconds=2, progress=False)
    frames = list(iio.imiter(tmp_path / "run.mp4"))
    assert len(frames) == 10
    column, row = project(scene, scene.centre("T-2"))
    # T-2 turns to alarm at 1800 s, the last of the ten frames spanning 0 .. 1800 s
    assert alarm_mask(frames[-1][row - 2:row + 3, column - 2:column + 3]).all()
    assert not alarm_mask(frames[0][row - 2:row + 3, column - 2:column + 3]).any()
    scene.close()


@given(st.text(max_size=30))
def test_colour_option_parses_or_explains(text):
    try:
        rule = _rule(text, Rule)
    except ValueError as exc:
        assert "--colour" in str(exc) or "colour map" in str(exc) or "clim" in str(exc) or "signal" in str(exc)
    else:
        assert rule.signal == text.split(":")[0]


def test_interactive_controls_drive_the_frames(two_rooms, recording):
    scene = PlantScene(two_rooms, labels=False, off_screen=True)
    play = Playback(scene, recording, [Rule("state")])
    play.interactive(speed=450.0)  # 450 s of the run per real second
    widgets = getattr(scene.plotter, "widgets", scene.plotter)  # pyvista 0.49 moved them to plotter.widgets
    assert len(widgets.slider_widgets) == 1 and len(widgets.button_widgets) == 1
    play.tick(1.0)
    assert play.time == 0.0  # paused
    play.play()
    for _ in range(40):  # 40 ticks of 50 ms at 450 s/s = 900 s: T-1 goes into alarm at 900 s
        play.tick(0.05)
    assert play.time == pytest.approx(900.0)
    assert widgets.slider_widgets[0].GetRepresentation().GetValue() == pytest.approx(900.0)
    assert scene.colours[scene.tags.index("T-1")].tolist() == rgb(STATE_COLOURS["alarm"]).tolist()
    for _ in range(100):
        play.tick(0.05)
    assert play.time == play.t1 and not play.playing  # stops at the end
    assert play.clicked(scene.centre("T-2")) == "T-2"
    assert play.clicked([50.0, 50.0, 50.0]) is None
    scene.close()
