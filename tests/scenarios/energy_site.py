"""The site of the energy shadow tests: a day of outdoor air and electricity meter readings, an OPC UA server on
loopback that publishes them (asyncua, in a thread of its own), the bridge mapping of its tags, and the reference
every shadow report is checked against: ``scenarios.energy.shadow.compare`` on the same series handed to it
directly. Shared by the recorded (test_energy_shadow_live) and the live (test_energy_shadow_follow) tests."""
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

from scenarios.energy import model, shadow, weather
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


def write_site_mapping(folder: Path, series: dict) -> Path:
    """The bridge mapping of the site server's tags (meter in W, temperatures in K): ``folder``/site.yaml."""
    path = folder / "site.yaml"
    path.write_text(
        "subscription: {publishing_interval: 100 ms, sampling_interval: 0 s, queue_size: 1000}\ntags:\n"
        + "".join(f"  - {{tag: {tag}, node: 'ns=2;s={tag}', unit: {'W' if tag == TAGS['meter'] else 'K'}}}\n"
                  for tag in series))
    return path


def assert_report_is_compare_of(out: Path, params, series: dict):
    """The report in ``out`` carries the shadow KPIs `shadow.compare` gives on ``series`` handed to it directly (the
    reference), to 1e-12; returns the reference and the report's KPI means."""
    bus = TagBus()
    for tag, (t, v) in series.items():
        bus.define(tag)
        bus.record(tag, t, v)
    reference = shadow.compare(params, bus, **TAGS)
    kpis = {k: v["mean"] for k, v in json.loads((out / "kpis.json").read_text())["kpis"].items()}
    assert kpis["shadow.nmbe"] == pytest.approx(reference.nmbe, rel=1e-12)
    assert kpis["shadow.cv_rmse"] == pytest.approx(reference.cv_rmse, rel=1e-12)
    assert kpis["metered"] == pytest.approx(reference.measured.sum() * params["step"] / 3.6e6, rel=1e-12)
    return reference, kpis


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
