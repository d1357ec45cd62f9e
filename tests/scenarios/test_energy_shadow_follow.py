"""`twin energy shadow --endpoint`: the shadow fed live, the same path as `twin follow` (the bridge's feed through
the entry-point group twin.live_feeds into a TagBus as the tags arrive), from the site server of energy_site
publishing a day of weather and meter readings. Reference: scenarios.energy.shadow.compare on the same series
handed to it directly, as in the recorded case (test_energy_shadow_live)."""
import asyncio
import contextlib

import numpy as np
import pytest
from energy_site import MONDAY, TAGS, Site, assert_report_is_compare_of, day_scenario, site_series, write_site_mapping

from scenarios import scenario
from scenarios.energy import live
from twin.cli import main


@pytest.mark.slow  # a server, a day of samples streamed, the model twice and the report's figures: ~25 s
def test_a_day_streamed_live_gives_the_shadow_report_of_the_same_series(tmp_path, capsys):
    path = day_scenario(tmp_path)
    params = scenario.load(path).variants["base"]
    series = site_series(params)
    write_site_mapping(tmp_path, series)
    t, v = series[TAGS["meter"]]      # the site goes on: the next quarter hour's reading shows the day is complete
    published = {**series, TAGS["meter"]: (np.append(t, t[-1] + 900.0), np.append(v, v[-1]))}
    out = tmp_path / "shadow"
    with Site(published) as site:
        code = main(["energy", "shadow", str(path), "--endpoint", site.endpoint, "--mapping",
                     str(tmp_path / "site.yaml"), "--start", MONDAY.isoformat(), "--duration", "60",
                     "--dry-bulb", TAGS["dry_bulb"], "--dew-point", TAGS["dew_point"], "--meter", TAGS["meter"],
                     "-o", str(out)])
        printed = capsys.readouterr()
        assert code == 0 and site.published.is_set(), printed.err
    reference, _ = assert_report_is_compare_of(out, params, series)   # the day's series, as the site measured it
    assert f"NMBE {reference.nmbe:+.1%}" in printed.out


def test_the_window_is_complete_once_a_sample_after_it_arrives(monkeypatch):
    """A feed that brings the meter's reading at the horizon one publish before the dry bulb's of the same instant,
    then a reading past the window: the dry bulb's last sample is kept (the window ends at the reading past it, not
    at the first that reaches it: that held the dry bulb's 23 h value in its place, NMBE 0.04429 for 0.04449 in the
    slow test above), and nothing after the horizon is."""
    hours, quarters = 3600.0 * np.arange(25), 900.0 * np.arange(97)
    series = {TAGS["dry_bulb"]: (hours, 280.0 + hours / 3600.0), TAGS["dew_point"]: (hours[:1], np.array([275.0])),
              TAGS["meter"]: (quarters, 1e5 + quarters)}
    at_horizon = [(tag, t[-1], v[-1]) for tag, (t, v) in series.items() if t[-1] == 86400.0]
    before = [(tag, tk, vk) for tag, (t, v) in series.items() for tk, vk in zip(t, v) if tk < 86400.0]
    publishes = [before + at_horizon[1:], at_horizon[:1], [(TAGS["meter"], 87300.0, 2e5)]]
    assert at_horizon[0][0] == TAGS["dry_bulb"]

    @contextlib.asynccontextmanager
    async def feed(bus, endpoint, names, *, mapping=None, report=None):
        for name in names:
            bus.define(name)

        async def publish():
            for message in publishes:
                for tag, t, v in sorted(message, key=lambda s: s[1]):
                    bus.write(tag, float(v), t=float(t))
                await asyncio.sleep(0.5)   # longer than the gatherer's look: it sees each publish on its own

        task = asyncio.create_task(publish())
        yield 0.0
        task.cancel()

    monkeypatch.setattr(live, "feed_of", lambda: feed)
    bus = asyncio.run(live.gather({"horizon": 86400.0, "step": 300.0}, "opc.tcp://site:4840", series, start=0.0,
                                  duration=10.0))
    for tag, (t, v) in series.items():
        got_t, got_v, _ = bus.history(tag)
        held = t if t[-1] == 86400.0 else np.append(t, 86400.0)     # the steady dew point holds to the horizon
        assert list(got_t) == list(held) and list(got_v[:t.size]) == list(v), tag


def test_live_needs_a_start(tmp_path, capsys):
    path = day_scenario(tmp_path)
    code = main(["energy", "shadow", str(path), "--endpoint", "opc.tcp://127.0.0.1:1", "--dry-bulb", "A.x",
                 "--dew-point", "A.y", "--meter", "A.z"])
    assert code == 2 and "--endpoint: give --start" in capsys.readouterr().err
