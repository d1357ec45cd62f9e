"""Bad continuous-manufacturing scenarios are refused before anything runs, naming file, line, key and the fix."""
import pytest
from cm_files import ROOT, flagship_text
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scenarios.scenario import load
from twin.config import ConfigError


def error_of(tmp_path, text: str) -> str:
    path = tmp_path / "cm.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load(path)
    message = str(info.value)
    assert str(path) in message
    return message


def line_of(text: str, fragment: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if fragment in line)


def test_inverted_limits(tmp_path):
    text = flagship_text(("limits: [95 %, 105 %]", "limits: [105 %, 95 %]"))
    message = error_of(tmp_path, text)
    assert "inverted" in message and "limits: [95%, 105%]" in message
    assert f":{line_of(text, 'limits:')}" in message


def test_negative_feeder_rate(tmp_path):
    text = flagship_text(("rate: 6 kg/h", "rate: -6 kg/h"))
    message = error_of(tmp_path, text)
    assert "key 'feeders.LIW-101.rate': got str '-6 kg/h': it cannot be negative" in message  # twin.config.Quantity
    assert f":{line_of(text, 'rate: -6 kg/h')}" in message


def test_nir_faster_than_the_twin_records(tmp_path):
    text = flagship_text(("NIR-101, interval: 1 s", "NIR-101, interval: 0.5 s"))
    message = error_of(tmp_path, text)
    assert "NIR samples every 0.5 s" in message and "interval: 1 s" in message


def test_plant_without_a_unit_the_study_needs(tmp_path):
    text = flagship_text(("tag: BL-101", "tag: BL-110"))
    message = error_of(tmp_path, text)
    assert "the plant has no blender 'BL-110'" in message and "BL-101" in message


def test_another_plant_has_none_of_the_line(tmp_path):
    other = ROOT / "plant_models" / "multipurpose_osd" / "multipurpose_osd.ifc"
    text = flagship_text((str(ROOT / "plant_models" / "osd_cm_line" / "osd_cm_line.ifc"), str(other)))
    assert "the plant has no" in error_of(tmp_path, text)


@pytest.mark.parametrize(("old", "new", "says"), [
    ("margin: 1 %", "margin: 6 %", "closes the band"),
    ("limits: [95 %, 105 %]", "limits: [95 %]", "(at least 2)"),
    ("limits: [95 %, 105 %]", "limits: [95 %, 100 %, 105 %]", "3 limits given"),
    ("feeder: LIW-102, at: 4 h", "feeder: LIW-120, at: 4 h", "no feeder 'LIW-120'"),
    ("duration: 2 min", "duration: 0 s", "a stoppage needs a positive duration"),
    ("api: API", "api: APi", "no feeder delivers 'APi'"),
    ("refill_at: 3 kg", "refill_at: 12 kg", "refills at 12 kg with a hopper of 10 kg"),
    ("kind: step", "kind: stpe", "one of step, drift, stoppage"),
])
def test_other_mistakes(tmp_path, old, new, says):
    assert says in error_of(tmp_path, flagship_text((old, new)))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rate=st.floats(-10, 10), low=st.floats(0, 2), high=st.floats(0, 2), margin=st.floats(-0.1, 0.2),
       interval=st.floats(0.05, 10))
def test_any_numbers_load_or_are_refused_clearly(tmp_path, rate, low, high, margin, interval):
    """Whatever the numbers, the scenario loads with them or a ConfigError names the file; nothing else escapes."""
    text = flagship_text(("rate: 6 kg/h", f"rate: {rate!r} kg/h"),
                         ("limits: [95 %, 105 %]", f"limits: [{low!r}, {high!r}]"),
                         ("margin: 1 %", f"margin: {margin!r}"),
                         ("NIR-101, interval: 1 s", f"NIR-101, interval: {interval!r} s"))
    path = tmp_path / "cm.yaml"
    path.write_text(text)
    try:
        params = load(path).variants["base"]
    except ConfigError as exc:
        assert str(path) in str(exc)
        return
    assert params["feeders"]["LIW-101"]["rate"] > 0
    assert 0 < params["limits"][0] + params["margin"] < 1 < params["limits"][1] - params["margin"]
    assert params["pat"]["interval"] >= params["sample_interval"]


def test_mpc_horizon_shorter_than_its_moves(tmp_path):
    text = flagship_text(("mpc: {interval: 10 s, horizon: 5 min", "mpc: {interval: 10 s, horizon: 30 s"))
    message = error_of(tmp_path, text)
    assert "a horizon of 30 s is shorter than 6 moves of 10 s" in message and "horizon: 330 s" in message
    assert f":{line_of(text, 'mpc: {')}" in message


def test_mpc_faster_than_the_twin_records(tmp_path):
    message = error_of(tmp_path, flagship_text(("mpc: {interval: 10 s", "mpc: {interval: 0.5 s")))
    assert "the MPC would solve every 0.5 s but the twin records every 1 s" in message


def test_unknown_control(tmp_path):
    message = error_of(tmp_path, flagship_text(("control: ratio", "control: pid")))
    assert "pid" in message and "mpc" in message


def test_power_for_a_unit_the_plant_lacks(tmp_path):
    text = flagship_text(("  BL-101: {running: 2.2 kW}", "  BL-110: {running: 2.2 kW}"))
    message = error_of(tmp_path, text)
    assert "the plant has no unit 'BL-110'" in message and "BL-101" in message
    assert f":{line_of(text, 'BL-110: {running')}" in message


def test_gate_switching_in_negative_time(tmp_path):
    message = error_of(tmp_path, flagship_text(("switch_time: 0.5 s", "switch_time: -0.5 s")))
    assert "key 'gate.switch_time': got str '-0.5 s': it cannot be negative" in message


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(interval=st.floats(-5, 60), horizon=st.floats(-60, 900), moves=st.integers(-2, 40),
       switch=st.floats(-2, 5), power=st.floats(-5, 50))
def test_any_controller_gate_and_power_numbers_load_or_are_refused_clearly(tmp_path, interval, horizon, moves,
                                                                           switch, power):
    """The MPC's interval, horizon and moves, the gate's switching time and a unit's power: the scenario loads
    with a solvable controller and a gate that switches forward in time, or a ConfigError names the file."""
    text = flagship_text(("mpc: {interval: 10 s, horizon: 5 min, moves: 6}",
                          f"mpc: {{interval: {interval!r} s, horizon: {horizon!r} s, moves: {moves}}}"),
                         ("switch_time: 0.5 s", f"switch_time: {switch!r} s"),
                         ("BL-101: {running: 2.2 kW}", f"BL-101: {{running: {power!r} kW}}"))
    path = tmp_path / "cm.yaml"
    path.write_text(text)
    try:
        params = load(path).variants["base"]
    except ConfigError as exc:
        assert str(path) in str(exc)
        return
    mpc = params["mpc"]
    assert mpc["interval"] >= params["sample_interval"] and mpc["moves"] >= 1
    assert mpc["horizon"] >= mpc["interval"] * mpc["moves"]
    assert params["gate"]["switch_time"] >= 0
    assert params["power"]["BL-101"]["running"] >= 0
