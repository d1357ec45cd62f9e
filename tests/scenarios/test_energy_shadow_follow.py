"""`twin energy shadow --endpoint`: the shadow fed live, the same path as `twin follow` (the bridge's feed through
the entry-point group twin.live_feeds into a TagBus as the tags arrive), from the site server of
test_energy_shadow_live publishing a day of weather and meter readings. Reference: scenarios.energy.shadow.compare
on the same series handed to it directly, as in the recorded case."""
import json

import pytest
from test_energy_shadow_live import MONDAY, TAGS, Site, day_scenario, site_series

from scenarios import scenario
from scenarios.energy import shadow
from twin.cli import main
from twin.tags import TagBus


@pytest.mark.slow  # a server, a day of samples streamed, the model twice and the report's figures: ~25 s
def test_a_day_streamed_live_gives_the_shadow_report_of_the_same_series(tmp_path, capsys):
    path = day_scenario(tmp_path)
    params = scenario.load(path).variants["base"]
    series = site_series(params)
    (tmp_path / "site.yaml").write_text(
        "subscription: {publishing_interval: 100 ms, sampling_interval: 0 s, queue_size: 1000}\ntags:\n"
        + "".join(f"  - {{tag: {tag}, node: 'ns=2;s={tag}', unit: {'W' if tag == TAGS['meter'] else 'K'}}}\n"
                  for tag in series))
    out = tmp_path / "shadow"
    with Site(series) as site:
        code = main(["energy", "shadow", str(path), "--endpoint", site.endpoint, "--mapping",
                     str(tmp_path / "site.yaml"), "--start", MONDAY.isoformat(), "--duration", "60",
                     "--dry-bulb", TAGS["dry_bulb"], "--dew-point", TAGS["dew_point"], "--meter", TAGS["meter"],
                     "-o", str(out)])
        printed = capsys.readouterr()
        assert code == 0 and site.published.is_set(), printed.err
    bus = TagBus()                                     # the reference: the same series, straight into compare
    for tag, (t, v) in series.items():
        bus.define(tag)
        bus.record(tag, t, v)
    reference = shadow.compare(params, bus, **TAGS)
    kpis = {k: v["mean"] for k, v in json.loads((out / "kpis.json").read_text())["kpis"].items()}
    assert kpis["shadow.nmbe"] == pytest.approx(reference.nmbe, rel=1e-12)
    assert kpis["shadow.cv_rmse"] == pytest.approx(reference.cv_rmse, rel=1e-12)
    assert kpis["metered"] == pytest.approx(reference.measured.sum() * params["step"] / 3.6e6, rel=1e-12)
    assert f"NMBE {reference.nmbe:+.1%}" in printed.out


def test_live_needs_a_start(tmp_path, capsys):
    path = day_scenario(tmp_path)
    code = main(["energy", "shadow", str(path), "--endpoint", "opc.tcp://127.0.0.1:1", "--dry-bulb", "A.x",
                 "--dew-point", "A.y", "--meter", "A.z"])
    assert code == 2 and "--endpoint: give --start" in capsys.readouterr().err
