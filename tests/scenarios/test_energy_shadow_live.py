"""`twin energy shadow` end to end: a site's OPC UA server (asyncua, on loopback) publishes a day of outdoor air and
electricity meter readings, `twin bridge --clock unix --csv` records them, and the energy study's report built
from the recording carries the numbers `scenarios.energy.shadow.compare` gives on the same series handed to it
directly (the reference); plus the command's bad input."""
import asyncio
import json
import socket
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from asyncua import Server, ua

from scenarios import scenario
from scenarios.energy import model, shadow, weather
from twin.cli import main
from twin.tags import TagBus

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "scenarios" / "energy" / "osd_cm_line.yaml"
MONDAY = datetime(2026, 11, 16, tzinfo=UTC)          # the scenario's t = 0
TAGS = {"dry_bulb": "SITE.TT-OUT", "dew_point": "SITE.TD-OUT", "meter": "SITE.JT-EL"}


def day_scenario(folder: Path) -> Path:
    """The osd_cm_line example over one day (a Monday)."""
    text = EXAMPLE.read_text().replace("plant: ../../plant_models", f"plant: {ROOT / 'plant_models'}")
    path = folder / "osd_day.yaml"
    path.write_text(text.replace("horizon: 7 d", "horizon: 1 d"))
    return path


def site_series(params) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """What the site measured (seconds from Monday 00:00): hourly dry bulb 1.5 K above the design day with a
    sensor's scatter, the dew point (K; steady: the server reports it once, and the recording holds it); the meter
    every 15 min, 6% above the model on the design day with 5% scatter (W)."""
    hours, rng = np.arange(25), np.random.default_rng(11)
    dry = weather.design_day(params["weather"]["max"], params["weather"]["range"], 24) + rng.normal(1.5, 0.2, 25)
    dew = np.minimum(params["weather"]["dew_point"], dry)
    flows = model.balance(params)
    t_meter = 900.0 * np.arange(97)
    predicted = np.interp(t_meter, flows.t, flows.power.electricity)
    metered = predicted * (1.06 + rng.normal(0.0, 0.05, t_meter.size))
    return {TAGS["dry_bulb"]: (3600.0 * hours, dry), TAGS["dew_point"]: (3600.0 * hours, dew),
            TAGS["meter"]: (t_meter, metered)}


class Site:
    """An OPC UA server on loopback with the site's tags (ns=2;s=<tag>), in a thread of its own. ``publish`` writes
    every sample with its source timestamp once a client has subscribed to all the tags."""

    def __init__(self, series) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.endpoint = f"opc.tcp://127.0.0.1:{s.getsockname()[1]}"
        self.series = series
        self.ready, self.published, self.stop = threading.Event(), threading.Event(), threading.Event()
        self.thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)

    def __enter__(self):
        self.thread.start()
        assert self.ready.wait(30), "the server did not start"
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(30)

    async def _main(self) -> None:
        server = Server()
        await server.init()
        server.set_endpoint(self.endpoint)
        await server.register_namespace("urn:site")
        nodes = {}
        before = datetime.fromtimestamp(MONDAY.timestamp() - 3600, UTC)
        for tag in self.series:
            node = await server.nodes.objects.add_variable(ua.NodeId(tag, 2), tag, 0.0,
                                                           varianttype=ua.VariantType.Double)
            await node.write_value(ua.DataValue(ua.Variant(0.0, ua.VariantType.Double), SourceTimestamp=before,
                                                StatusCode=ua.StatusCode(ua.StatusCodes.BadWaitingForInitialData)))
            nodes[tag] = node
        async with server:
            self.ready.set()
            subscriptions = server.iserver.subscription_service.subscriptions
            end = time.monotonic() + 30
            while sum(len(s.monitored_item_srv._monitored_items) for s in subscriptions.values()) < len(nodes):
                assert time.monotonic() < end, "the bridge did not subscribe"
                await asyncio.sleep(0.05)
            await asyncio.sleep(1.0)                   # the bridge reads the current values after subscribing
            samples = sorted((t, tag, v) for tag, (ts, vs) in self.series.items() for t, v in zip(ts, vs))
            for t, tag, value in samples:
                stamp = datetime.fromtimestamp(MONDAY.timestamp() + t, UTC)
                await nodes[tag].write_value(ua.DataValue(ua.Variant(float(value), ua.VariantType.Double),
                                                          SourceTimestamp=stamp))
                await asyncio.sleep(0.005)
            self.published.set()
            while not self.stop.is_set():
                await asyncio.sleep(0.05)


@pytest.mark.slow  # a server, 6 s of bridging, the model three times and the report's figures: ~30 s
def test_a_day_bridged_from_an_opc_ua_server_gives_the_shadow_report_of_the_same_series(tmp_path, capsys):
    path = day_scenario(tmp_path)
    params = scenario.load(path).variants["base"]
    series = site_series(params)
    (tmp_path / "site.yaml").write_text(
        "subscription: {publishing_interval: 100 ms, sampling_interval: 0 s, queue_size: 1000}\ntags:\n"
        + "".join(f"  - {{tag: {tag}, node: 'ns=2;s={tag}', unit: {'W' if tag == TAGS['meter'] else 'K'}}}\n"
                  for tag in series))
    with Site(series) as site:
        code = main(["bridge", str(tmp_path / "site.yaml"), site.endpoint, "--clock", "unix", "--duration", "6",
                     "--csv", str(tmp_path / "site.csv")])
        assert code == 0 and site.published.is_set(), capsys.readouterr().err
    assert "0 problems" in capsys.readouterr().err
    out = tmp_path / "shadow"
    code = main(["energy", "shadow", str(path), "--tags", str(tmp_path / "site.csv"), "--start", MONDAY.isoformat(),
                 "--dry-bulb", TAGS["dry_bulb"], "--dew-point", TAGS["dew_point"], "--meter", TAGS["meter"],
                 "-o", str(out)])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    bus = TagBus()                                     # the reference: the same series, straight into compare
    for tag, (t, v) in series.items():
        bus.define(tag)
        bus.record(tag, t, v)
    reference = shadow.compare(params, bus, **TAGS)
    kpis = {k: v["mean"] for k, v in json.loads((out / "kpis.json").read_text())["kpis"].items()}
    assert kpis["shadow.nmbe"] == pytest.approx(reference.nmbe, rel=1e-12)
    assert kpis["shadow.cv_rmse"] == pytest.approx(reference.cv_rmse, rel=1e-12)
    assert kpis["metered"] == pytest.approx(reference.measured.sum() * params["step"] / 3.6e6, rel=1e-12)
    assert kpis["electricity"] == pytest.approx(reference.flows.kpis["electricity"], rel=1e-12)
    assert kpis["cost"] == pytest.approx(reference.flows.kpis["cost"], rel=1e-12)
    assert kpis["shadow.nmbe"] == pytest.approx(0.06 / 1.06, abs=0.02)     # the 6% the meter reads above the model
    assert kpis["shadow.calibrated"] == 1.0
    assert f"NMBE {reference.nmbe:+.1%}" in printed.out
    figures = {p.name for p in (out / "figures").glob("*.png")}
    assert {"shadow.png", "energy_balance.png", "load_profiles.png", "room_conditions.png"} <= figures
    assert "alt='shadow'" in (out / "report.html").read_text()


def test_bad_recordings_and_arguments_are_named(tmp_path, capsys):
    path = day_scenario(tmp_path)
    args = ["energy", "shadow", str(path), "--dry-bulb", TAGS["dry_bulb"], "--dew-point", TAGS["dew_point"],
            "--meter", TAGS["meter"], "--tags"]
    assert main([*args, str(tmp_path / "none.csv")]) == 2
    assert "none.csv" in capsys.readouterr().err
    (tmp_path / "a.csv").write_text("time,value\n1,2\n")
    assert main([*args, str(tmp_path / "a.csv")]) == 2
    assert "a.csv:1: not a bridge recording" in capsys.readouterr().err
    (tmp_path / "b.csv").write_text("tag,t,value,quality\nSITE.TT-OUT,0,300,0\nSITE.TT-OUT,3600,warm,0\n")
    assert main([*args, str(tmp_path / "b.csv")]) == 2
    assert "b.csv:3: tag SITE.TT-OUT: t, value or quality is not a number" in capsys.readouterr().err
    (tmp_path / "c.csv").write_text("tag,t,value,quality\nSITE.TT-OUT,3600,300,0\nSITE.TT-OUT,0,300,0\n")
    assert main([*args, str(tmp_path / "c.csv")]) == 2
    assert "c.csv:3: tag SITE.TT-OUT: time 0 does not follow" in capsys.readouterr().err
    (tmp_path / "d.csv").write_text("tag,t,value,quality\nSITE.TT-OUT,0,300,0\n")
    assert main([*args, str(tmp_path / "d.csv")]) == 2
    assert "tag 'SITE.TT-OUT' covers 0 h to 0 h, the run needs 0 h to 24 h" in capsys.readouterr().err
    with pytest.raises(SystemExit) as refused:   # by argparse, before the scenario loads (was after, ~17 s)
        main([*args, str(tmp_path / "d.csv"), "--start", "monday"])
    assert refused.value.code == 2 and "--start: 'monday' is not a date and time" in capsys.readouterr().err
    assert main([*args, str(tmp_path / "d.csv"), "--variant", "night_setbak"]) == 2
    assert "did you mean 'night_setback'?" in capsys.readouterr().err
    (tmp_path / "m.yaml").write_text("tags:\n  - {tag: SITE.TT-OUT, node: 'ns=2;s=x', unit: K}\n")
    assert main(["bridge", str(tmp_path / "m.yaml"), "opc.tcp://127.0.0.1:1", "--clock", "unix", "--shadow",
                 str(ROOT / "plant_models" / "osd_cm_line" / "osd_cm_line.ifc")]) == 2
    assert "leave out --clock unix with --shadow" in capsys.readouterr().err
