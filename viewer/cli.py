"""``twin view``: the plant in 3D, a run replayed, a training exercise; interactive, or to PNG / HTML / MP4."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from twin.arguments import duration, positive
from twin.config import ConfigError

EPILOG = """\
examples:
  twin view plant_models/api_bay/plant.yaml                        open the plant in a window
  twin view plant_models/api_bay/plant.yaml --screenshot bay.png   render it off screen (no display needed)
  twin view plant_models/api_bay/plant.yaml --html bay.html        one HTML file to open in any browser, offline
  twin view plant_models/api_bay/plant.yaml --hide-storey "Charging level" --screenshot lower.png
  twin view results/line_capacity/multipurpose_osd/base --time 30 --screenshot t30.png   a run's state at t = 30
  twin view results/base --colour TT-01:coolwarm:280:360 --movie run.mp4 --fps 20 --seconds 15
  twin view results/intralogistics/multipurpose_osd/base --time "10.5 h" --screenshot agvs.png   the vehicles then
  twin view results/intralogistics/multipurpose_osd/base --movie agvs.mp4 --from "10 h" --to "11 h"   an hour of them
  twin view plant_models/api_bay/plant.yaml --exercise viewer/exercises/api_bay_walkdown.yaml

A result folder (written by `twin run`) names its plant; --plant overrides it. One with a transport network
(network.json: the intralogistics study) also draws the network and moves the vehicles. Colour rules: SIGNAL (a
state tag: running/idle/down/alarm) or SIGNAL:CMAP[:LOW:HIGH] (a number on a matplotlib colour map); SIGNAL is a
signal of every asset (TT-01) or one tag (R-101.TT-01). A plant without geometry is shown as a schematic of its
link graph.
"""


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("view", help="show a plant or a run in 3D (window, PNG, HTML, MP4)",
                              description="Show a plant in 3D, replay a run on it, or set a hazard-hunting exercise.",
                              epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("source", help="a plant file (.ifc, plant overlay or mesh layout .yaml) or a result folder")
    p.add_argument("--plant", help="the plant of a result folder, when not the one it names")
    p.add_argument("--replication", type=int, default=0, help="which replication of a result folder (default 0)")
    p.add_argument("--colour", "--color", action="append", default=[], metavar="RULE",
                   help="colour assets by a tag: SIGNAL or SIGNAL:CMAP[:LOW:HIGH] (repeatable; default: state)")
    p.add_argument("--time", type=duration, default=None,
                   help="show the run at this time ('2 h', '90 min', seconds); default end")
    p.add_argument("--hide-storey", action="append", default=[], metavar="NAME", help="hide a storey (repeatable)")
    p.add_argument("--no-labels", action="store_true", help="leave out the tag labels")
    p.add_argument("--exercise", help="a training exercise YAML: find its hazards by clicking")
    p.add_argument("--score", metavar="JSON", help="where to save the exercise's score (default: "
                                                    "EXERCISE_NAME.result.json in the current folder)")
    p.add_argument("--screenshot", metavar="PNG", help="render off screen to this PNG")
    p.add_argument("--html", metavar="HTML", help="write a standalone HTML page (vtk.js, works offline)")
    p.add_argument("--movie", metavar="MP4", help="record the replayed run as an MP4")
    p.add_argument("--fps", type=positive, default=20.0, help="movie frames per second (default 20)")
    p.add_argument("--seconds", type=positive, default=10.0,
                   help="movie length in seconds (default 10; --fps x --seconds at most 18,000 frames)")
    p.add_argument("--from", dest="start", type=duration, default=None, metavar="TIME",
                   help="the movie starts at this time of the run ('10 h'; default its start)")
    p.add_argument("--to", dest="end", type=duration, default=None, metavar="TIME",
                   help="the movie ends at this time of the run ('11 h'; default its end)")
    p.add_argument("--size", default="1280x800", help="image size WIDTHxHEIGHT in pixels (default 1280x800)")
    p.set_defaults(func=run)


def run(args) -> int:
    try:
        return _run(args)
    except (ConfigError, ValueError, KeyError, TypeError, OSError) as exc:
        print(f"twin view: {exc if not isinstance(exc, KeyError) else exc.args[0]}", file=sys.stderr)
        return 2


def _run(args) -> int:
    import twin.plant
    from viewer import export
    from viewer.colouring import Rule
    from viewer.playback import Playback
    from viewer.recording import Recording
    from viewer.scene import PlantScene, headless

    outputs = [args.screenshot, args.html, args.movie]
    offline = any(outputs)
    if not offline and not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        print("twin view: no display here to open a window; render to a file instead with --screenshot out.png, "
              "--html out.html or --movie out.mp4", file=sys.stderr)
        return 2
    for target, suffix in ((args.screenshot, ".png"), (args.html, ".html"), (args.movie, ".mp4")):
        if target:
            export.check_target(target, suffix)  # before a long load: a missing folder, a folder, a wrong suffix
    _check_window(args)
    if offline:
        headless()
    size = _size(args.size)
    source = Path(args.source)
    recording = None
    if source.is_dir():
        recording = Recording.from_folder(source, args.replication)
        _check_window(args, recording.span)
        plant_file = Path(args.plant) if args.plant else recording.plant_file
        if plant_file is None:
            raise ValueError(f"{source}: the result folder names no plant; give it with --plant PLANT_FILE")
    else:
        plant_file = source
    plant = twin.plant.load(plant_file, progress=sys.stderr.isatty())
    scene = PlantScene(plant, labels=not args.no_labels, off_screen=offline or None, window_size=size)
    for storey in args.hide_storey:
        scene.show_storey(storey, False)
    playback = None
    if recording is not None:
        default = [] if recording.fleet is not None else [Rule("state")]   # vehicles: moved, not coloured
        playback = Playback(scene, recording, [_rule(text, Rule) for text in args.colour] or default)
        playback.frame(args.time if args.time is not None else playback.t1)
    elif args.colour:
        print("twin view: --colour needs a run to read tags from (a result folder); showing the plant only",
              file=sys.stderr)
    training = None
    if args.exercise:
        from viewer.training import Training

        training = Training.load(args.exercise, scene)
    for message in (*plant.errors, *scene.messages, *scene.summary().splitlines()):  # errors: the picture is partial
        print(f"twin view: {message}", file=sys.stderr)
    if args.screenshot:
        export.screenshot(scene, args.screenshot)
        print(f"wrote {args.screenshot}")
    if args.html:
        export.html(scene, args.html)
        print(f"wrote {args.html}")
    if args.movie:
        if playback is None:
            raise ValueError("--movie replays a run: give a result folder as the source")
        export.movie(playback, args.movie, fps=args.fps, seconds=args.seconds, start=args.start, end=args.end)
        print(f"wrote {args.movie}")
    if not offline:
        scene.add_storey_buttons()
        if training is not None:
            training.interactive(result_file=args.score or f"{Path(args.exercise).stem}.result.json")
        elif playback is not None:
            playback.interactive()
        scene.show()
        if training is not None and training.finished:
            print(f"{training.summary()}; score saved to {training.result_file}")
    return 0


MAX_FRAMES = 18_000
"""The most frames a movie may have: each takes 0.05-0.1 s to draw, so 18,000 is a quarter to half an hour of
rendering; a typo (``--seconds 100000``: three million frames, days of drawing) is refused before anything loads."""


def _check_window(args, span: tuple[float, float] | None = None) -> None:
    """Refuse a --from/--to without a movie or not in order, and (given the run's ``span``) a --time, --from or
    --to outside the run: it would have been clamped to the run silently (a movie of its frozen last moment)."""
    start, end = args.start, args.end
    if (start is not None or end is not None) and not args.movie:
        raise ValueError("--from/--to set the window of a movie: give --movie OUT.mp4 too (a still is --time)")
    if start is not None and end is not None and start >= end:
        raise ValueError(f"--from {_hours(start)} is not before --to {_hours(end)}: give the movie's start first")
    if args.movie and args.fps * args.seconds > MAX_FRAMES:
        raise ValueError(f"--fps {args.fps:g} x --seconds {args.seconds:g} is {args.fps * args.seconds:,.0f} frames, "
                         f"more than {MAX_FRAMES:,} ({MAX_FRAMES // 1800} min at 30 fps, about half an hour to draw): "
                         "lower --seconds or --fps, and show a part of the run with --from/--to")
    if span is None:
        return
    t0, t1 = span
    for flag, t in (("--time", args.time), ("--from", start), ("--to", end)):
        if t is not None and not t0 <= t <= t1:
            raise ValueError(f"{flag} {_hours(t)} is outside the run, which spans {_hours(t0)} to {_hours(t1)}; "
                             "give a time within it")


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:.4g} h" if seconds >= 3600 else f"{seconds:.4g} s"


def _size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise ValueError(f"--size {text!r}: expected WIDTHxHEIGHT in pixels, e.g. 1280x800") from None
    if not (16 <= width <= 8192 and 16 <= height <= 8192):
        raise ValueError(f"--size {text!r}: width and height must lie between 16 and 8192 pixels")
    return width, height


def _rule(text: str, rule):
    """``SIGNAL`` or ``SIGNAL:CMAP`` or ``SIGNAL:CMAP:LOW:HIGH`` as a colouring rule."""
    parts = text.split(":")
    if len(parts) not in (1, 2, 4) or not parts[0]:
        raise ValueError(f"--colour {text!r}: expected SIGNAL, SIGNAL:CMAP or SIGNAL:CMAP:LOW:HIGH "
                         "(e.g. state, TT-01:coolwarm, TT-01:coolwarm:280:360)")
    clim = None
    if len(parts) == 4:
        try:
            clim = (float(parts[2]), float(parts[3]))
        except ValueError:
            raise ValueError(f"--colour {text!r}: LOW and HIGH must be numbers") from None
    return rule(parts[0], cmap=parts[1] if len(parts) > 1 else None, clim=clim)
