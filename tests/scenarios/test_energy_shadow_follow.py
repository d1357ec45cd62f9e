"""`twin energy shadow --endpoint`: the shadow fed live, the same path as `twin follow` (the bridge's feed through
the entry-point group twin.live_feeds into a TagBus as the tags arrive), from the site server of
test_energy_shadow_live publishing a day of weather and meter readings. Reference: scenarios.energy.shadow.compare
on the same series handed to it directly, as in the recorded case."""

import pytest
from test_energy_shadow_live import (
    MONDAY,
    TAGS,
    Site,
    assert_report_is_compare_of,
    day_scenario,
    site_series,
    write_site_mapping,
)

from scenarios import scenario
from twin.cli import main


@pytest.mark.slow  # a server, a day of samples streamed, the model twice and the report's figures: ~25 s
def test_a_day_streamed_live_gives_the_shadow_report_of_the_same_series(tmp_path, capsys):
    path = day_scenario(tmp_path)
    params = scenario.load(path).variants["base"]
    series = site_series(params)
    write_site_mapping(tmp_path, series)
    out = tmp_path / "shadow"
    with Site(series) as site:
        code = main(["energy", "shadow", str(path), "--endpoint", site.endpoint, "--mapping",
                     str(tmp_path / "site.yaml"), "--start", MONDAY.isoformat(), "--duration", "60",
                     "--dry-bulb", TAGS["dry_bulb"], "--dew-point", TAGS["dew_point"], "--meter", TAGS["meter"],
                     "-o", str(out)])
        printed = capsys.readouterr()
        assert code == 0 and site.published.is_set(), printed.err
    reference, _ = assert_report_is_compare_of(out, params, series)
    assert f"NMBE {reference.nmbe:+.1%}" in printed.out


def test_live_needs_a_start(tmp_path, capsys):
    path = day_scenario(tmp_path)
    code = main(["energy", "shadow", str(path), "--endpoint", "opc.tcp://127.0.0.1:1", "--dry-bulb", "A.x",
                 "--dew-point", "A.y", "--meter", "A.z"])
    assert code == 2 and "--endpoint: give --start" in capsys.readouterr().err
