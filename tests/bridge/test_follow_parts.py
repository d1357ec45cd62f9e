"""The parts ``twin follow`` is made of: the log (CSV and Parquet, appended as the bus grows), the step-mean
restamping of load-cell flows, the alarms on estimates, and its refusals of bad input. References: the bus's own
history (what was written is what is read back), and hand-made values."""
import csv
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml

from bridge.log import TagLog
from twin.cli import main
from twin.following import Alarm, AlarmWatch, StepMeans, raised
from twin.tags import Quality, TagBus

ROOT = Path(__file__).resolve().parents[2]


def bus_with_history() -> TagBus:
    bus = TagBus()
    bus.define("A.x", unit="kg")
    bus.define("A.on", dtype=bool)
    for k in range(5):
        bus.write("A.x", 0.5 * k, t=float(k))
        bus.write("A.on", k % 2 == 1, t=float(k))
    bus.write("A.on", True, t=5.0, quality=Quality.BAD)      # a gap mark on a bool tag
    return bus


@pytest.mark.parametrize("name", ["log.csv", "log.parquet"])
def test_the_log_appends_what_the_bus_recorded_since_the_last_flush(tmp_path, name):
    bus = bus_with_history()
    log = TagLog(tmp_path / name, bus)
    assert log.flush() == 11
    bus.write("A.x", 9.0, t=6.0)
    assert log.flush() == 1 and log.flush() == 0
    log.close()
    if name.endswith(".csv"):
        with open(tmp_path / name, encoding="utf-8") as f:
            got = {(r["tag"], float(r["t"])): (r["value"], int(r["quality"])) for r in csv.DictReader(f)}
        assert got[("A.on", 5.0)] == ("", 2) and got[("A.on", 1.0)] == ("True", 0)     # a gap mark is empty
    else:
        table = pq.read_table(tmp_path / name)
        assert table.schema.names == ["tag", "t", "value", "quality"]
        got = {(tag, t): (value, q) for tag, t, value, q in zip(*(table[c].to_pylist() for c in table.schema.names))}
        assert got[("A.on", 5.0)] == (None, 2) and got[("A.on", 1.0)] == (1.0, 0)      # a gap mark is null
    assert len(got) == 12
    t, v, q = bus.history("A.x")
    assert [(float(got[("A.x", tk)][0]), got[("A.x", tk)][1]) for tk in t] == list(zip(v, q))


def test_a_log_of_another_kind_is_refused_before_anything_runs(capsys):
    code = main(["follow", "plant_models/api_bay/plant.yaml", "--endpoint", "opc.tcp://127.0.0.1:1",
                 "--measure", "R-101.TT-01=0.2", "--log", "follow.xlsx"])
    assert code == 2 and "write .csv or .parquet" in capsys.readouterr().err


@pytest.fixture
def silent_port():
    """A TCP port that takes connections and never says a word (not an OPC UA server)."""
    import socket

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield f"opc.tcp://127.0.0.1:{listener.getsockname()[1]}"


@pytest.mark.parametrize("command", [
    ["follow", str(ROOT / "scenarios" / "continuous_manufacturing" / "flagship.yaml")],
    ["monitor", "live", "MODEL"],
])
def test_a_port_that_says_nothing_is_named_with_status_4(silent_port, command, tmp_path, capsys):
    """asyncio's TimeoutError has no text: twin follow printed 'twin follow: ' and twin monitor live 'cannot follow
    ... ()' with exit 2, where it documents 4 for no sample from the plant."""
    if "MODEL" in command:
        import numpy as np

        from twin.monitor.modelfile import save
        from twin.monitor.pca import fit_pca

        rng = np.random.default_rng(1)
        save(fit_pca(rng.normal(size=(50, 3)), ("A.x", "B.y", "C.z"), components=1), tmp_path / "m.json")
        command = [*command[:-1], str(tmp_path / "m.json")]
    code = main([*command, "--endpoint", silent_port, "--duration", "20"])
    err = capsys.readouterr().err
    assert code == 4 and "took the connection but gave no OPC UA answer within 4 s" in err, err


def test_a_taken_serve_port_is_named_as_the_followers_not_the_plants(silent_port, monkeypatch, capsys):
    """The follower's --serve on a port in use said 'cannot reach <the plant's endpoint>: cannot serve on <port> ...
    choose another with --endpoint', exit 4 (the plant was up). The server's refusal is an Unservable now."""
    import asyncio

    import bridge.follow
    from bridge.server import TwinServer, Unservable

    async def serve():
        async with TwinServer(TagBus(), silent_port):
            pass

    with pytest.raises(Unservable, match="cannot serve on .*choose another port"):
        asyncio.run(serve())

    async def taken(*args, **kwargs):
        return await serve()

    monkeypatch.setattr(bridge.follow, "follow", taken)
    code = main(["follow", str(ROOT / "scenarios" / "continuous_manufacturing" / "flagship.yaml"), "--endpoint",
                 "opc.tcp://127.0.0.1:4840", "--serve", silent_port, "--serve-allow-anonymous"])
    err = capsys.readouterr().err
    assert code == 2 and f"--serve cannot serve on {silent_port}" in err and "cannot reach" not in err, err


def test_step_means_hold_over_the_step_they_report():
    """A load cell's mean over [t - 1, t], reported at t, is the value over that step: stamped t - 1."""
    bus = TagBus()
    bus.define("F.flow", unit="kg/s")
    steps = StepMeans(bus, {"F.flow": 1.0})
    for t, value in ((1.0, 2.0), (2.0, 3.0), (3.0, 0.0)):
        bus.write("F.flow", value, t=t)
    t, v, _ = bus.history(steps.names["F.flow"])
    assert list(t) == [0.0, 1.0, 2.0] and list(v) == [2.0, 3.0, 0.0]
    assert bus["F.flow.step"].unit == "kg/s"


def test_an_alarm_is_raised_while_the_estimate_and_its_spread_leave_the_limits():
    bus = TagBus()
    bus.define("C.x.est")
    bus.define("C.x.std")
    AlarmWatch(bus, [Alarm("C.high", of="C.x", low=0.96, high=1.04)])
    for t, (mean, sd) in enumerate([(1.0, 0.01), (1.0, 0.02), (1.03, 0.01), (0.99, 0.001), (0.95, 0.0)]):
        bus.write("C.x.est", mean, t=float(t))
        bus.write("C.x.std", sd, t=float(t))
    # 1 +/- 0.03 inside; 1 +/- 0.06 out; 1.03 + 0.03 out; 0.99 in; 0.95 out (the std unchanged: judged on change)
    assert list(bus.history("C.high")[1]) == [False, True, True, False, True]
    assert raised(bus, [Alarm("C.high", of="C.x", low=0, high=1)]) == {"C.high": 2}


def test_a_scenario_is_followed_only_with_what_it_declares(tmp_path, capsys):
    """A scenario without uncertainty: has nothing to estimate; a study without a live estimator, an unknown variant
    and a user on an unencrypted follower's server are refused with where to look."""
    flagship = ROOT / "scenarios" / "continuous_manufacturing" / "flagship.yaml"
    d = yaml.safe_load(flagship.read_text(encoding="utf-8"))
    d["plant"] = str((flagship.parent / d["plant"]).resolve())
    del d["uncertainty"], d["variants"]
    bare = tmp_path / "bare.yaml"
    bare.write_text(yaml.safe_dump(d, sort_keys=False), encoding="utf-8")
    code = main(["follow", str(bare), "--endpoint", "opc.tcp://127.0.0.1:1"])
    err = capsys.readouterr().err
    assert code == 2 and "key 'uncertainty'" in err and "nothing to estimate" in err, err
    code = main(["follow", str(flagship), "--variant", "mismach", "--endpoint", "opc.tcp://127.0.0.1:1"])
    err = capsys.readouterr().err
    assert code == 2 and "no variant 'mismach'" in err and "did you mean 'mismatch'?" in err, err
    code = main(["follow", "scenarios/energy/osd_cm_line.yaml", "--endpoint", "opc.tcp://127.0.0.1:1"])
    err = capsys.readouterr().err
    assert code == 2 and "key 'study': the energy study has no live estimator" in err, err
    code = main(["follow", str(flagship), "--endpoint", "opc.tcp://127.0.0.1:1", "--serve", "opc.tcp://127.0.0.1:2",
                 "--serve-user", "scada:secret"])
    err = capsys.readouterr().err
    assert code == 2 and "--serve-user on policy None" in err, err


def test_a_variant_is_a_scenario_s_and_must_declare_what_it_does_not_know(capsys):
    """mismatch_no_band empties uncertainty: (the twin trusting its model): nothing to follow with; --variant of a
    plant file is refused for twin serve and twin follow alike."""
    flagship = str(ROOT / "scenarios" / "continuous_manufacturing" / "flagship.yaml")
    code = main(["follow", flagship, "--variant", "mismatch_no_band", "--endpoint", "opc.tcp://127.0.0.1:1"])
    err = capsys.readouterr().err
    assert code == 2 and "key 'variants.mismatch_no_band.uncertainty'" in err and "nothing to estimate" in err, err
    plant = str(ROOT / "plant_models" / "api_bay" / "plant.yaml")
    assert main(["serve", plant, "--variant", "mismatch", "--allow-anonymous"]) == 2
    assert "--variant mismatch: " in capsys.readouterr().err
    assert main(["follow", plant, "--variant", "mismatch", "--endpoint", "opc.tcp://127.0.0.1:1"]) == 2
    assert "is not a scenario with variants" in capsys.readouterr().err


def test_the_plan_module_example_runs_as_written():
    import doctest

    import twin.following

    result = doctest.testmod(twin.following)
    assert result.attempted > 0 and result.failed == 0
