"""``twin monitor``: fit a PCA monitor on normal operation, check data against it, draw its control charts.

Registered under the ``twin.commands`` entry point; this module imports only argparse-level things, so that
``twin monitor --help`` stays light (NumPy, SciPy, pyarrow and matplotlib load when a command runs).
"""
from __future__ import annotations

import argparse
import sys

from twin.arguments import endpoint, new_file, positive

EXAMPLES = """\
examples:
  twin monitor fit normal.csv --components 3 --confidence 0.99 -o model.json
  twin monitor fit normal.parquet --components press --lags 1 -o model.json     components by cross-validation
  twin monitor fit normal.csv --components 0.9 --columns FD-API.massflow,NIR-01.api -o model.json
  twin monitor fit normal.csv --quality NIR-01.api --components 2 -o pls.json   PLS: quality from process tags
  twin monitor fit features.csv --components 4 --limits empirical -o model.json  limits from the training's own
                                                                                 quantiles (features not normal)
  twin monitor check model.json today.csv --plot charts.png                      summary and control charts
  twin monitor check model.json today.csv --json > verdict.json                  one row per sample
  twin monitor live model.json --endpoint opc.tcp://127.0.0.1:4840 --duration 600 --csv live.csv
                                                                                 live tags through the bridge

Exit status: 0 done (check, live: no sample alarms), 1 some sample alarms, 2 bad input, 4 (live) no sample
from the plant.
The model file format is described in docs/monitoring.md.
"""


def add_parser(subparsers) -> None:
    """Add ``twin monitor`` with its ``fit`` and ``check`` sub-commands."""
    monitor = subparsers.add_parser(
        "monitor", help="multivariate process monitoring: PCA T-squared and SPE, limits, contributions",
        description="Fit a PCA monitor on normal operating data (CSV or Parquet, a header of tag names) and check "
                    "other data against it: Hotelling T-squared, SPE (Q), their limits and each tag's contribution.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = monitor.add_subparsers(title="commands", metavar="COMMAND", required=True)
    fit = commands.add_parser("fit", help="fit a PCA monitor on normal operating data and save it as JSON",
                              epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    fit.add_argument("data", metavar="NORMAL", help="normal operating data: .csv or .parquet, one sample a row")
    fit.add_argument("-o", "--output", required=True, metavar="MODEL.json", help="where to write the model")
    fit.add_argument("--components", default="0.9", metavar="A",
                     help="a number of components, a variance fraction in (0, 1), or 'press' (cross-validation); "
                          "default 0.9")
    fit.add_argument("--confidence", type=float, default=0.99, help="of the control limits, in (0, 1); default 0.99")
    fit.add_argument("--columns", metavar="TAG,TAG", help="the tags to monitor (default: every column but time)")
    fit.add_argument("--lags", type=int, default=0, help="past samples beside each (dynamic PCA); default 0")
    fit.add_argument("--quality", metavar="TAG,TAG",
                     help="fit PLS instead: these tags predicted from the others (needs a number of --components)")
    fit.add_argument("--spe-method", default="jackson-mudholkar",
                     choices=("jackson-mudholkar", "box", "nomikos-macgregor"), help="the SPE limit's approximation")
    fit.add_argument("--limits", default="theoretical", choices=("theoretical", "empirical"),
                     help="theoretical (F and the SPE method: normal data) or empirical (the training statistics' "
                          "own quantiles: features that are not normal, given many samples); default theoretical")
    fit.set_defaults(func=run_fit)
    check = commands.add_parser("check", help="score data against a model: T-squared, SPE, alarms, contributions",
                                epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    check.add_argument("model", metavar="MODEL.json")
    check.add_argument("data", metavar="DATA", help=".csv or .parquet with a column for each of the model's tags")
    check.add_argument("--json", action="store_true", help="print limits, alarm fraction and one row per sample")
    check.add_argument("--plot", metavar="PNG", help="draw the control charts (T-squared, SPE, contributions)")
    check.add_argument("--top", type=int, default=3, help="contributing tags named per alarm; default 3")
    check.add_argument("--skip-missing", action="store_true",
                       help="leave samples with a missing value unscored (null) instead of refusing the file")
    check.set_defaults(func=run_check)
    live = commands.add_parser("live", help="watch live tags through the bridge (OPC UA): T-squared, SPE, alarms",
                               epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    live.add_argument("model", metavar="MODEL.json")
    live.add_argument("--endpoint", required=True, type=endpoint, help="the plant's OPC UA server, opc.tcp://host:port")
    live.add_argument("--mapping", help="mapping YAML (node -> tag) of a live plant's server (default: tag names in "
                                        "the urn:pharma-twin:tags namespace, as twin serve publishes them)")
    live.add_argument("--period", type=positive, default=1.0, help="seconds of plant time between samples (1)")
    live.add_argument("--name", default="MSPC", help="the monitor's asset tag: NAME.T2, NAME.SPE, NAME.alarm (MSPC)")
    live.add_argument("--duration", type=positive, help="stop after this many seconds of wall time (default: Ctrl-C)")
    live.add_argument("--csv", type=new_file, help="write the monitor's tags (tag, t, value, quality) here on exit")
    live.set_defaults(func=run_live)


def _components(text: str):
    if text.lower() in ("press", "cv"):
        return "press"
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text  # refused by fit_pca with the valid forms


def _fail(message: str) -> int:
    print(f"twin monitor: {message}", file=sys.stderr)
    return 2


def run_fit(args) -> int:
    from twin.monitor.limits import check_confidence
    from twin.monitor.modelfile import save
    from twin.monitor.pca import MonitorError, fit_pca
    from twin.monitor.table import TableError, read_table

    try:
        check_confidence(args.confidence)
    except ValueError as exc:
        return _fail(f"--{exc}")
    try:
        columns = [c.strip() for c in args.columns.split(",")] if args.columns is not None else None
        if columns == [""]:
            raise ValueError("--columns is empty: give TAG,TAG, or leave it out for every column but time")
        if args.quality:
            model = _fit_pls(args, columns)
        else:
            table = read_table(args.data, columns, states=False)
            model = fit_pca(table.values, table.tags, components=_components(args.components),
                            confidence=args.confidence, lags=args.lags, spe_method=args.spe_method, limits=args.limits)
    except TableError as exc:
        return _fail(str(exc))
    except (MonitorError, ValueError) as exc:
        return _fail(f"{args.data}: {exc}")
    try:
        save(model, args.output, source=args.data)
    except OSError as exc:
        return _fail(f"{args.output}: cannot write the model ({exc.strerror}); choose a writable path with -o")
    print(summary(model, args.data, args.output))
    return 0


def _fit_pls(args, columns):
    """PLS of the ``--quality`` tags on the process tags (``--columns``, else every other column but time)."""
    from twin.monitor.pca import MonitorError
    from twin.monitor.pls import fit_pls
    from twin.monitor.table import read_table

    quality = args.quality.split(",")
    components = _components(args.components)
    if not isinstance(components, int):
        raise MonitorError(f"--quality fits PLS, which takes a number of --components (e.g. 2), not {components!r}")
    if args.lags:
        raise MonitorError("--lags is for PCA; PLS here is static (leave out --lags or --quality)")
    y = read_table(args.data, quality)
    x = read_table(args.data, columns, states=False)
    process = [j for j, tag in enumerate(x.tags) if tag not in quality]
    return fit_pls(x.values[:, process], y.values, [x.tags[j] for j in process], y.tags, components=components,
                   confidence=args.confidence, limits=args.limits)


def _sources(model) -> tuple[str, str]:
    """Where each limit comes from, for people."""
    if model.limits == "empirical":
        quantile = f"the training's {100 * model.confidence:g} % quantile"
        return quantile, quantile
    return "F distribution", {"jackson-mudholkar": "Jackson-Mudholkar", "box": "Box chi-square",
                              "nomikos-macgregor": "Nomikos-MacGregor chi-square"}[model.spe_method]


def summary(model, data: str, output: str) -> str:
    """What a fit prints: the data, the components and their variance, both limits."""
    t2_from, spe_from = _sources(model)
    limits = (f"{model.limits} limits at {100 * model.confidence:g} % confidence: T-squared {model.t2_limit:.4g} "
              f"({t2_from}), SPE {model.spe_limit:.4g} ({spe_from})")
    if hasattr(model, "y_tags"):
        return (f"{output}: PLS of {', '.join(model.y_tags)} on {len(model.x_tags)} process tags, {model.components} "
                f"components, fitted on {model.samples} samples of {data}\n{limits}")
    variance = model.explained_variance_ratio
    lines = [f"{output}: PCA monitor of {len(model.tags)} tags" + (f" x {model.lags + 1} lags" if model.lags else "")
             + f", fitted on {model.samples} samples of {data}",
             f"components: {model.components}, explaining {100 * variance.sum():.1f} % of the scaled variance",
             "  PC  eigenvalue  explained  cumulative"]
    for a, (lam, share, total) in enumerate(zip(model.eigenvalues, variance, variance.cumsum()), start=1):
        lines.append(f"  {a:2d}  {lam:10.4g}  {100 * share:7.2f} %  {100 * total:8.2f} %")
    lines.append(limits)
    return "\n".join(lines)


def run_check(args) -> int:
    from twin.monitor.modelfile import load
    from twin.monitor.pca import MonitorError
    from twin.monitor.table import TableError, read_table, select

    try:
        model = load(args.model)
        table = read_table(args.data)
        x = select(table, model.tags, args.model)
        if not len(x):
            raise TableError(f"{args.data}: no samples (a header only); give one sample a row below the header")
        if not args.skip_missing:
            _complete(x, table, model.tags)
    except (MonitorError, TableError) as exc:
        return _fail(str(exc))
    result = model.check(x)
    if args.plot:
        from twin.monitor.charts import control_charts

        control_charts(model, x, result, args.plot, title=f"{args.data} against {args.model}")
    try:
        if args.json:
            from twin.monitor.jsonrows import write_json

            write_json(sys.stdout, model, result, args.top)
        else:
            print(report(model, table, result, args.model, args.top))
    except BrokenPipeError:  # `... | head` closed the pipe: not an error
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 1 if len(result.rows) else 0


def _complete(x, table, tags) -> None:
    import numpy as np

    from twin.monitor.table import TableError

    if len(x) and np.min(x) >= -1e150 and np.max(x) <= 1e150:   # two reductions (NaN fails both), no temporaries:
        return                               # np.abs(x) of a million x 50 samples allocated 400 MB, 1.3 s of CPU
    bad = ~np.isfinite(x)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise TableError(f"{table.path}: tag {tags[col]!r} has a missing or non-finite value at {table.label(row)} "
                         f"({bad.sum()} in all); fill or drop those samples, or give --skip-missing to leave them "
                         "unscored")
    huge = np.abs(x) > 1e150   # its square overflows: T-squared and SPE would be inf or NaN, said to be 'missing'
    if huge.any():
        row, col = np.argwhere(huge)[0]
        raise TableError(f"{table.path}: tag {tags[col]!r} holds {x[row, col]:g} at {table.label(row)}, too large to "
                         "score (its square overflows); fix or drop that sample")


def report(model, table, result, model_file: str, top: int) -> str:
    """The check's summary for people: limits, alarm fraction, first alarm and the tags the alarms blame."""
    import numpy as np

    n, alarms = len(result.t2), len(result.rows)
    lines = [f"{table.path}: {n} samples against {model_file} ({len(model.tags)} tags, {model.components} "
             f"components, {100 * model.confidence:g} % confidence)",
             f"{model.limits} limits: T-squared {model.t2_limit:.4g}, SPE {model.spe_limit:.4g}",
             f"alarms: {alarms} of {n} samples ({100 * result.alarm_fraction:.2f} %; normal data alarm about "
             f"{100 * (1 - model.confidence ** 2):.2g} % of the time, 1 - confidence squared)"]
    unscored = int((~np.isfinite(result.t2)).sum()) - model.lags
    if unscored > 0:
        lines.append(f"unscored: {unscored} samples with a missing value (and the {model.lags} lags after each)"
                     if model.lags else f"unscored: {unscored} samples with a missing value")
    if alarms:
        first = result.first_alarm
        lines.append(f"first alarm: {table.label(first)}, T-squared {result.t2[first]:.4g}, SPE {result.spe[first]:.4g}"
                     f", top tags {', '.join(result.top_tags(first, top))}")
        blamed = ", ".join(f"{tag} {share:.3g}" for tag, share in result.blame()[:top])
        lines.append(f"tags the alarms blame (mean share of the limits): {blamed}")
    return "\n".join(lines)


def run_live(args) -> int:
    """Follow the model's tags on a server through the bridge's feed and step the monitor on them."""
    import asyncio
    from importlib.metadata import entry_points

    from twin.monitor.live import Monitor, watch
    from twin.monitor.modelfile import load
    from twin.monitor.pca import MonitorError
    from twin.tags import TagBus

    try:
        monitor = Monitor(load(args.model), args.name, period=args.period)
    except MonitorError as exc:
        return _fail(str(exc))
    feeds = {ep.name: ep for ep in entry_points(group="twin.live_feeds")}
    if "opcua" not in feeds:
        return _fail("no live feed installed (the bridge registers one under twin.live_feeds); pip install -e .")
    state = {"steps": 0, "alarms": 0, "last": None}

    def on_step(t: float, alarm) -> None:
        state["steps"] += 1
        if alarm:
            state["alarms"] += 1
        if alarm != state["last"]:
            what = {True: f"ALARM (top tag {monitor.bus.read(monitor.tag_of('top'))})", False: "normal",
                    None: f"not scored (no good value of {monitor.bus.read(monitor.tag_of('missing'))})"}[alarm]
            print(f"t = {t:.1f} s: {what}, T-squared {monitor.bus.read(monitor.tag_of('T2')):.4g}, "
                  f"SPE {monitor.bus.read(monitor.tag_of('SPE')):.4g}", flush=True)
            state["last"] = alarm

    bus = TagBus()
    try:
        asyncio.run(watch(monitor, bus, feeds["opcua"].load(), args.endpoint, duration=args.duration,
                          mapping=args.mapping, on_step=on_step))
    except KeyboardInterrupt:
        pass
    except (OSError, TimeoutError) as exc:   # no sample from the plant: exit 4, as documented
        _fail(f"live: cannot follow {args.endpoint} ({str(exc) or type(exc).__name__}); is the server running?")
        return 4
    except MonitorError as exc:
        return _fail(f"live: {exc}")
    if args.csv:
        _write_tags(bus, f"{args.name}.*", args.csv)
    print(f"{state['steps']} samples scored, {state['alarms']} alarms")
    if not state["steps"]:
        return 4
    return 1 if state["alarms"] else 0


def _write_tags(bus, pattern: str, path: str) -> None:
    """The history of the tags matching ``pattern`` as CSV rows tag, t, value, quality."""
    import csv

    columns = bus.columns(pattern)
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["tag", "t", "value", "quality"])
        writer.writerows(zip(columns["tag"], columns["t"], columns["value"], columns["quality"]))
