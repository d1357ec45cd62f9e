"""Numbers checked for sign and unit where they are read: each defect of issue 18 named with file, line and key.

Before the checks: a negative mttr reached NumPy ("ValueError: scale < 0" in every replication, then a report of 0
replications); a negative horizon was blamed on warmup; `volume: -4 m3` and `stroke_time: 2 parsecs` went into the
plant; `--workers 0`, `--workers -2` and `twin view --time -5` went on; a job-shop file that is not UTF-8, or holds a
digit such as '²' or a huge time, ended in a traceback or in "no schedule found; lower bound 0".
"""
import shutil

import pytest
from scenario_files import PLANT, SMALL

from scenarios.scenario import load
from scenarios.scheduling import jobshop
from twin import cli, config
from twin.config import ConfigError


def line_of(text: str, fragment: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if fragment in line)


def refused(write_scenario, text: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load(write_scenario(text))
    return info.value


def test_a_negative_mttr_is_refused_at_its_line(write_scenario):
    text = SMALL.replace("mttr: 2 h", "mttr: -2 h")
    err = refused(write_scenario, text)
    assert err.key == "stages.granulation.mttr" and err.line == line_of(text, "mttr:")
    assert "cannot be negative" in str(err) and str(err.file).endswith("scenario.yaml")


def test_a_zero_mtbf_is_refused(write_scenario):
    err = refused(write_scenario, SMALL.replace("mtbf: 50 h", "mtbf: 0 h"))
    assert err.key == "stages.granulation.mtbf" and "must be positive" in str(err)


@pytest.mark.parametrize("horizon", ["-10 d", "0 d"])
def test_a_horizon_that_is_not_positive_is_blamed_on_the_horizon(write_scenario, horizon):
    text = SMALL.replace("horizon: 10 d", f"horizon: {horizon}")
    err = refused(write_scenario, text)
    assert err.key == "horizon" and err.line == line_of(text, "horizon:")


@pytest.mark.parametrize("value", [".inf", "1e400 h", ".nan"])
def test_infinite_times_are_refused(write_scenario, value):
    err = refused(write_scenario, SMALL.replace("mttr: 2 h", f"mttr: {value}"))
    assert err.key == "stages.granulation.mttr" and "not a finite number" in str(err)


@pytest.mark.parametrize("value", [".inf", ".nan", "-.inf"])
def test_infinite_plain_numbers_are_refused(value):
    """YAML's .inf and .nan are floats: a Number (a feed factor, an air change rate) refuses them at their line."""
    schema = config.Record({"ach": config.Number(minimum=0)})
    with pytest.raises(ConfigError, match="not a finite number") as info:
        config.loads(f"# rooms\nach: {value}\n", schema, file="energy.yaml")
    assert info.value.line == 2 and info.value.key == "ach"
    assert config.loads("ach: 1.0e+308\n", schema)["ach"] == 1e308   # large but finite (YAML 1.1 needs the dot)


@pytest.fixture
def overlay(tmp_path):
    """``overlay(old, new)``: the sample plant's overlay beside its IFC with ``old`` replaced by ``new``."""
    def write(old: str, new: str):
        shutil.copy(PLANT, tmp_path / PLANT.name)
        text = (PLANT.with_name("plant.yaml")).read_text()
        assert old in text
        text = text.replace(old, new, 1)
        (tmp_path / "plant.yaml").write_text(text)
        return tmp_path / "plant.yaml", text
    return write


@pytest.mark.parametrize("value, message", [("-300 kg", "cannot be negative"),
                                            ("2 parsecs", "'parsecs' is not a unit of kg")])
def test_a_plant_parameter_is_checked_for_sign_and_unit(overlay, value, message):
    import twin.plant

    path, text = overlay("batch_size: 300 kg", f"batch_size: {value}")
    with pytest.raises(ConfigError) as info:
        twin.plant.load(path)
    assert message in str(info.value) and info.value.key.endswith(".params.batch_size")
    assert info.value.line == line_of(text, f"batch_size: {value}")


def test_a_study_refuses_a_plant_with_a_bad_parameter(overlay, write_scenario):
    path, _ = overlay("duration: 3 h", "duration: 3 parsecs")
    err = refused(write_scenario, SMALL.replace("plant: {plant}", f"plant: {path}"))
    assert err.key == "plant" and "params.duration" in str(err) and "'parsecs' is not a unit of s" in str(err)


def test_unknown_parameters_stay_free():
    from twin.plant.parameters import Params

    doc = config.loads("params: {colour: blue, lanes: 2, pitch: 3 mm}", config.Record({"params": Params()}))
    assert doc["params"] == {"colour": "blue", "lanes": 2, "pitch": pytest.approx(3e-3)}


@pytest.mark.parametrize("words, message", [
    (["run", "s.yaml", "--workers", "0"], "argument --workers: 0 is not a whole number >= 1"),
    (["sweep", "s.yaml", "--workers", "-2"], "argument --workers: -2 is not a whole number >= 1"),
    (["schedule", "jobshop", "ft06.txt", "--workers", "-1"], "argument --workers: -1 is not a whole number >= 0"),
    (["view", "plant.ifc", "--time", "-5"], "argument --time: '-5' is not a time >= 0"),
    (["view", "plant.ifc", "--time", "2 parsecs"], "'parsecs' is not a unit of s"),
])
def test_command_line_numbers_are_refused_before_anything_runs(capsys, words, message):
    with pytest.raises(SystemExit) as stop:
        cli.main(words)
    assert stop.value.code == 2 and message in capsys.readouterr().err


def test_view_reads_its_time_in_seconds():
    args = cli.build_parser("view").parse_args(["view", "plant.ifc", "--time", "90 min"])
    assert args.time == 5400.0


def test_a_job_shop_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("# Müller's instance\n1 1\n0 4\n".encode("latin-1"))
    with pytest.raises(ConfigError, match="byte 0xfc is not UTF-8 text") as info:
        jobshop.read(path)
    assert info.value.line == 1 and info.value.file == path


@pytest.mark.parametrize("words", ["0 99999999999999999999", f"0 {2**62}", f"0 {2**52} 1 {2**52 + 1}"])
def test_a_job_shop_time_beyond_what_the_solver_counts_exactly(words):
    with pytest.raises(ConfigError, match="beyond what the solver counts exactly") as info:
        jobshop.parse(f"1 2\n{words}\n", "big.txt")
    assert info.value.line == 2


def test_the_largest_horizon_allowed_is_solved_exactly():
    """One job of two operations adding up to 2**53 exactly: the makespan is their sum (by hand), to the unit."""
    solution = jobshop.solve(jobshop.parse(f"1 2\n0 {2**52} 1 {2**52}\n"), time_limit=5, workers=1)
    assert solution.optimal and solution.makespan == 2**53


def test_a_job_shop_digit_that_is_not_ascii():
    with pytest.raises(ConfigError, match="'²' is not a non-negative integer"):
        jobshop.parse("1 1\n0 ²\n", "sup.txt")
