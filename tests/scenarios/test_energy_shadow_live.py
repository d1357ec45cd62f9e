"""`twin energy shadow` end to end: a site's OPC UA server (asyncua, on loopback) publishes a day of outdoor air and
electricity meter readings, `twin bridge --clock unix --csv` records them, and the energy study's report built
from the recording carries the numbers `scenarios.energy.shadow.compare` gives on the same series handed to it
directly (the reference); plus the command's bad input."""
import pytest
from energy_site import (
    MONDAY,
    ROOT,
    TAGS,
    Site,
    assert_report_is_compare_of,
    day_scenario,
    site_series,
    write_site_mapping,
)

from scenarios import scenario
from twin.cli import main


@pytest.mark.slow  # a server, 6 s of bridging, the model three times and the report's figures: ~30 s
def test_a_day_bridged_from_an_opc_ua_server_gives_the_shadow_report_of_the_same_series(tmp_path, capsys):
    path = day_scenario(tmp_path)
    params = scenario.load(path).variants["base"]
    series = site_series(params)
    write_site_mapping(tmp_path, series)
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
    reference, kpis = assert_report_is_compare_of(out, params, series)   # compare on the same series
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
