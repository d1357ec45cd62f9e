"""Live barriers: PFDs from health tags on the TagBus, frequencies and alarms recomputed, the study's timeline KPIs,
all against hand calculations; bad state timelines."""
from pathlib import Path

import pytest

from scenarios.runs import execute, tasks
from scenarios.safety import lopa
from scenarios.safety.checks import plant_signals
from scenarios.safety.live import LiveBarriers
from scenarios.scenario import load
from twin.config import ConfigError
from twin.tags import TagBus

ROOT = Path(__file__).resolve().parents[2]
FOLDER = ROOT / "scenarios" / "safety"
YEAR_H = 8760.0  # IEC 61508-6 Annex B counts a year as 8,760 h (twin.config.units)


def sif_101(t1_h: float) -> float:
    """SIF-101's PFDavg by hand (1oo2, lambda_D 2E-06 /h, DC 60%, beta 10%, beta_D 5%, MTTR 8 h), IEC 61508-6
    B.3.2.2.2 term by term, for a proof-test interval of ``t1_h`` hours."""
    l_du, l_dd = 0.8e-6, 1.2e-6
    t_ce = 0.4 * (t1_h / 2 + 8) + 0.6 * 8
    t_ge = 0.4 * (t1_h / 3 + 8) + 0.6 * 8
    return 2 * (0.95 * l_dd + 0.9 * l_du) ** 2 * t_ce * t_ge + 0.05 * l_dd * 8 + 0.1 * l_du * (t1_h / 2 + 8)


def test_bypass_overdue_test_and_failure_move_the_frequencies():
    bus = TagBus()
    live = LiveBarriers(lopa.load(FOLDER / "api_bay_lopa.yaml"), bus)
    base = 0.2 * 0.1 * sif_101(YEAR_H)                            # dosing_overcharge: valve 0.2/yr x alarm x SIF
    assert bus.read("dosing_overcharge.frequency") == pytest.approx(base, rel=1e-9)
    assert bus.read("dosing_overcharge.alarm") is False and bus.read("inerting_loss.alarm") is True  # 3e-3 > 1e-4
    bus.write("R-101.TT-02.bypassed", True, t=3600.0)
    assert bus.read("dosing_overcharge.frequency") == pytest.approx(0.2 * 0.1)
    assert bus.read("runaway_cooling_loss.frequency") == pytest.approx(0.1 * 0.5 * 0.1 * 0.01)
    assert bus.read("dosing_overcharge.alarm") is True
    [(first, _)] = live.bowtie.suggestions()
    assert first == "SIF-101"
    bus.write("R-101.TT-02.bypassed", False, t=7200.0)
    assert bus.read("dosing_overcharge.frequency") == pytest.approx(base, rel=1e-9)
    bus.write("R-101.TT-02.test_age", 1.5 * YEAR_H * 3600, t=7300.0)  # half a year overdue
    assert bus.read("dosing_overcharge.frequency") == pytest.approx(0.02 * sif_101(1.5 * YEAR_H), rel=1e-9)
    bus.write("R-101.TT-02.test_age", 0.5 * YEAR_H * 3600, t=7400.0)  # within the interval: nominal
    assert bus.read("dosing_overcharge.frequency") == pytest.approx(base, rel=1e-9)
    bus.write("R-101.AT-01.failed", True, t=7500.0)
    assert bus.read("inerting_loss.frequency") == pytest.approx(0.1 * 0.3)
    t, f, _ = bus.history("dosing_overcharge.frequency")
    assert list(t) == [0.0, 3600.0, 7200.0, 7300.0, 7400.0, 7500.0]


def test_timeline_kpis_worked_by_hand():
    """The example year: SIF-101 bypassed 12 h, its test 30 d overdue (PFD at t1 = 1.5 yr), AT-101 failed 2 d."""
    outcome = execute(next(iter(tasks(load(FOLDER / "api_bay.yaml"), ["base"]))))  # the first replication
    k = outcome.run.kpis
    base, overdue = 0.02 * sif_101(YEAR_H), 0.02 * sif_101(1.5 * YEAR_H)
    mean = (base * (YEAR_H - 12 - 720) + 0.02 * 12 + overdue * 720) / YEAR_H
    assert k["mean_frequency.dosing_overcharge"] == pytest.approx(mean, rel=1e-9)
    assert overdue > 1e-5 > base  # the overdue test alone takes the scenario above its tolerable frequency
    assert k["time_above.dosing_overcharge"] == pytest.approx((12 + 720) * 3600)  # s, as every result folder
    assert k["mean_frequency.inerting_loss"] == pytest.approx((0.003 * (YEAR_H - 48) + 0.03 * 48) / YEAR_H)
    assert k["time_above.inerting_loss"] == pytest.approx(YEAR_H * 3600)
    traces = outcome.run.traces
    assert traces["t"][-1] == pytest.approx(YEAR_H * 3600)
    assert len(traces["t"]) == len(traces["frequency.inerting_loss"])


STATES = """\
plant: {plant}
study: safety
horizon: 1 yr
seed: 1
lopa: {lopa}
states:
  - {{at: 1 d, tag: {tag}, value: {value}}}
"""


@pytest.mark.parametrize(("tag", "value", "message"), [
    ("R-101.TT-02.bypass", "true", "did you mean 'R-101.TT-02.bypassed'?"),
    ("R-101.TT-02.bypassed", "yes please", "expected: true or false"),
    ("R-101.TT-02.test_age", "3 kg", "expected: a time such as 400 d"),
    ("R-101.TT-02.test_age", "-30 d", "a proof test's age cannot be negative"),  # was taken: a negative PFD
])
def test_bad_states(write_scenario, tag, value, message):
    path = write_scenario(STATES.format(plant=ROOT / "plant_models" / "api_bay" / "plant.yaml",
                                        lopa=FOLDER / "api_bay_lopa.yaml", tag=tag, value=value))
    with pytest.raises(ConfigError) as info:
        load(path)
    assert info.value.line == 7 and message in str(info.value)


def test_disagreeing_sensors_degrade_the_sif():
    """TT-02 and its partner TT-01 more than 5 K apart: SIF-101 votes 1oo1. By hand (B.3.2.2.1, T1 = 8760 h):
    tCE = 0.4 (4380 + 8) + 0.6 x 8 = 1760.0 h, PFD = 2E-06 x 1760.0 = 3.52E-03."""
    bus = TagBus()
    bus.define("R-101.TT-01", unit="K")
    LiveBarriers(lopa.load(FOLDER / "api_bay_lopa.yaml"), bus)
    base = 0.2 * 0.1 * sif_101(YEAR_H)
    bus.write("R-101.TT-01", 340.0, t=10.0)
    bus.write("R-101.TT-02", 344.0, t=10.0)  # 4 K apart: within the limit
    assert bus.read("dosing_overcharge.frequency") == pytest.approx(base, rel=1e-9)
    bus.write("R-101.TT-02", 346.0, t=20.0)  # 6 K apart
    assert bus.read("dosing_overcharge.frequency") == pytest.approx(0.02 * 2e-6 * 1760.0, rel=1e-9)
    assert bus.read("dosing_overcharge.alarm") is True
    bus.write("R-101.TT-01", 345.0, t=30.0)  # agree again
    assert bus.read("dosing_overcharge.frequency") == pytest.approx(base, rel=1e-9)


def test_partner_tag_must_exist(tmp_path):
    text = (FOLDER / "api_bay_lopa.yaml").read_text().replace("{tag: R-101.TT-01, limit", "{tag: R-101.TT-11, limit")
    (tmp_path / "lopa.yaml").write_text(text)
    tags = plant_signals(ROOT / "plant_models" / "api_bay" / "plant.yaml")
    with pytest.raises(ConfigError) as info:
        lopa.check_tags(lopa.load(tmp_path / "lopa.yaml"), tags)
    assert "R-101.TT-11" in info.value.message and info.value.hint == "did you mean 'R-101.TT-01'?"
