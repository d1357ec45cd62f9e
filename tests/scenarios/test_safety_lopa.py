"""The safety study's static LOPA: SIF PFDavg against IEC 61508-6 and hand calculations, the risk register against
hand-worked LOPA arithmetic, the YAML file against the CSV worksheet, and bad LOPA input."""
import math
import textwrap
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.integrate import quad

from scenarios.runs import execute, tasks
from scenarios.safety import lopa
from scenarios.safety.sif import pfd_avg, required_sil, sil
from scenarios.scenario import load
from twin.config import ConfigError

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "scenarios" / "safety" / "api_bay.yaml"
YEAR_H = 8760.0


def exact_pfd_avg(architecture: str, lambda_d: float, dc: float, beta: float, t1: float, mttr: float) -> float:
    """PFDavg from its definition, the time average of the group's unavailability over one proof-test interval,
    integrated by SciPy (no approximation): each channel's undetected failures (rate (1 - beta) lambda_DU) stay
    until the proof test; a common-cause undetected failure (beta lambda_DU) fails the group; detected failures
    fail the group while repaired (two-state Markov chain, steady-state unavailability lambda_DD / (lambda_DD + 1 /
    MTTR); with redundancy only their common-cause share beta_D = beta / 2 counts, independent detected failures of
    two channels at once being of second order in MTTR)."""
    l_du, l_dd = lambda_d * (1 - dc), lambda_d * dc
    need = {"1oo1": 1, "1oo2": 2, "2oo3": 2}[architecture]  # failed channels that fail the group
    n = {"1oo1": 1, "1oo2": 2, "2oo3": 3}[architecture]
    indep = l_du if n == 1 else (1 - beta) * l_du

    def unavailable(t):
        p = 1 - math.exp(-indep * t)
        group = sum(math.comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(need, n + 1))
        common = 0.0 if n == 1 else 1 - math.exp(-beta * l_du * t)
        return 1 - (1 - group) * (1 - common)

    undetected = quad(unavailable, 0, t1, epsabs=0, epsrel=1e-12)[0] / t1
    rate = l_dd if n == 1 else beta / 2 * l_dd
    detected = rate / (rate + 1 / mttr)
    return 1 - (1 - undetected) * (1 - detected)


@pytest.mark.parametrize("architecture", ["1oo1", "1oo2", "2oo3"])
@pytest.mark.parametrize(("lambda_d", "dc", "beta"),
                         [(5e-7, 0.0, 0.0), (5e-7, 0.0, 0.1), (5e-7, 0.6, 0.05), (2e-6, 0.9, 0.02)])
def test_simplified_formulas_against_the_exact_time_average(architecture, lambda_d, dc, beta):
    """IEC 61508-6 B.3.2.2's formulas keep the leading term of PFDavg (proof test every year, MRT 0): they lie on
    the safe side of the exact average computed above, by the next term's share, at most 1.25 lambda_D T1 (2oo3
    without common cause: 3p^2 - 2p^3 with p = 1 - exp(-lambda t) averages to (lambda T)^2 (1 - 5/4 lambda T ...)).

    (Last session's test quoted IEC 61508-6 Table B.3 from memory; the table could not be consulted, so the
    definition of PFDavg is the reference instead.)"""
    ours = pfd_avg(architecture, lambda_d=lambda_d, dc=dc, beta=beta, t1=YEAR_H, mttr=8, mrt=0)
    exact = exact_pfd_avg(architecture, lambda_d, dc, beta, YEAR_H, 8)
    assert exact <= ours <= exact * (1 + 1.3 * lambda_d * YEAR_H)


def test_1oo2_and_2oo3_worked_by_hand():
    """B.3.2.2.2 and B.3.2.2.4 term by term: lambda_D 2E-06 /h, DC 60%, beta 10%, beta_D 5%, T1 8760 h, MTTR 8 h.

    lambda_DU = 8E-07, lambda_DD = 1.2E-06; tCE = 0.4 (4380 + 8) + 0.6 x 8 = 1760.0 h;
    tGE = 0.4 (2920 + 8) + 0.6 x 8 = 1176.0 h; independent rate 0.95 x 1.2E-06 + 0.9 x 8E-07 = 1.86E-06 /h;
    common cause 0.05 x 1.2E-06 x 8 + 0.1 x 8E-07 x 4388 = 4.8E-07 + 3.5104E-04 = 3.5152E-04.
    1oo2: 2 x (1.86E-06)^2 x 1760 x 1176 = 1.43211E-05, total 3.65841E-04;
    2oo3: 6 x (1.86E-06)^2 x 1760 x 1176 = 4.29633E-05, total 3.94483E-04.
    """
    args = dict(lambda_d=2e-6, dc=0.6, beta=0.1, beta_d=0.05, t1=YEAR_H, mttr=8)
    assert pfd_avg("1oo1", **args) == pytest.approx(2e-6 * 1760.0, rel=1e-9)
    assert pfd_avg("1oo2", **args) == pytest.approx(1.43211e-05 + 3.5152e-04, rel=1e-5)
    assert pfd_avg("2oo3", **args) == pytest.approx(4.29633e-05 + 3.5152e-04, rel=1e-5)


@given(lambda_d=st.floats(1e-8, 1e-5), dc=st.floats(0, 0.99), beta=st.floats(0, 0.2), t1=st.floats(100, 5 * YEAR_H))
def test_redundancy_orders_the_architectures(lambda_d, dc, beta, t1):
    """Whatever the data: 1oo2 is at least as safe as 1oo1 and as 2oo3 (which fails on two of three channels)."""
    one, two, three = (pfd_avg(a, lambda_d=lambda_d, dc=dc, beta=beta, t1=t1) for a in ("1oo1", "1oo2", "2oo3"))
    assert 0 < two <= one * (1 + 1e-9)
    assert two <= three * (1 + 1e-9)


def test_sil_bands_of_iec_61508_1_table_2():
    """SIL n for 10^-(n+1) <= PFDavg < 10^-n (IEC 61508-1 Table 2), edges included as the table states."""
    assert [sil(p) for p in (0.5, 0.1, 0.099, 0.01, 1e-3, 9.9e-4, 1e-4, 1e-5, 9e-6)] == [0, 0, 1, 1, 2, 3, 3, 4, 5]
    assert [required_sil(r) for r in (0.5, 10, 11, 100, 2000, 1e4)] == [0, 0, 1, 1, 3, 3]


def test_register_worked_by_hand():
    """The api_bay LOPA by hand: runaway 0.1/yr x 0.5 x 0.1 (alarm) x PFD(SIF-101) x 0.01 (disc) against 1e-5/yr."""
    study = lopa.load(ROOT / "scenarios" / "safety" / "api_bay_lopa.yaml")
    pfd = pfd_avg("1oo2", lambda_d=2e-6, dc=0.6, beta=0.1, beta_d=0.05, t1=8760, mttr=8)  # 1 yr: 8,760 h
    register = {e.scenario: e for e in lopa.register(study)}
    runaway = register["runaway_cooling_loss"]
    assert runaway.frequency == pytest.approx(0.1 * 0.5 * 0.1 * pfd * 0.01, rel=1e-9)
    assert runaway.gap == pytest.approx(runaway.frequency / 1e-5, rel=1e-9)
    assert runaway.rrf_needed == pytest.approx(0.1 * 0.5 * 0.1 * 0.01 / 1e-5, rel=1e-9)  # 5: no SIF needed
    assert runaway.sil_required == 0
    overcharge = register["dosing_overcharge"]
    assert overcharge.rrf_needed == pytest.approx(0.2 * 0.1 / 1e-5, rel=1e-9)  # 2000: SIL 3
    assert overcharge.sil_required == 3 and sil(pfd) == 3
    inerting = register["inerting_loss"]
    assert inerting.frequency == pytest.approx(0.1 * 0.3 * 0.1) and inerting.gap == pytest.approx(30)


def test_worksheet_gives_the_yaml_register():
    """The CSV worksheet holds the same LOPA with SIF-101's PFD written to 4 digits."""
    folder = ROOT / "scenarios" / "safety"
    for a, b in zip(lopa.register(lopa.load(folder / "api_bay_lopa.yaml")),
                    lopa.register(lopa.load(folder / "api_bay_lopa.csv")), strict=True):
        assert (a.scenario, a.sil_required) == (b.scenario, b.sil_required)
        for x, y in ((a.frequency, b.frequency), (a.gap, b.gap), (a.rrf_needed, b.rrf_needed)):
            assert x == pytest.approx(y, rel=2e-4)


def test_study_runs_as_a_scenario():
    scenario = load(EXAMPLE)
    outcome = execute(next(iter(tasks(scenario, ["base"]))))
    assert outcome.run.kpis["gap.inerting_loss"] == pytest.approx(30)
    assert outcome.run.units["frequency.inerting_loss"] == "1/yr"
    assert outcome.run.kpis["sil_required.dosing_overcharge"] == 3


# --- bad input ---------------------------------------------------------------------------------------------------

YAML = """\
ipls:
  TAH-101: {tag: R-101.TT-01, pfd: 0.1}
scenarios:
  runaway:
    initiating_event: cooling loss
    frequency: 0.1 1/yr
    ipls: [TAH-101]
    consequence: rupture
    tolerable: 1e-5 1/yr
"""


def lopa_error(tmp_path, text: str, name: str = "lopa.yaml") -> ConfigError:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    with pytest.raises(ConfigError) as info:
        lopa.load(path)
    return info.value


@pytest.mark.parametrize("pfd", ["0", "1.5", "-0.1", "high"])
def test_pfd_outside_0_1(tmp_path, pfd):
    error = lopa_error(tmp_path, YAML.replace("pfd: 0.1", f"pfd: {pfd}"))
    assert (error.line, error.key) == (2, "ipls.TAH-101.pfd") and "(0, 1]" in str(error)


def test_tolerable_frequency_in_the_wrong_unit(tmp_path):
    error = lopa_error(tmp_path, YAML.replace("tolerable: 1e-5 1/yr", "tolerable: 1e-5 yr"))
    assert (error.line, error.key) == (9, "scenarios.runaway.tolerable") and "1/s" in str(error)
    error = lopa_error(tmp_path, YAML.replace("tolerable: 1e-5 1/yr", "tolerable: 1e-5"))
    assert "without a unit" in str(error) and "1e-5 1/yr" in error.hint


def test_unknown_ipl_in_a_scenario(tmp_path):
    error = lopa_error(tmp_path, YAML.replace("ipls: [TAH-101]", "ipls: [TAH-110]"))
    assert error.line == 7 and error.hint == "did you mean 'TAH-101'?"


def test_ipl_on_a_tag_the_plant_lacks(tmp_path, write_scenario):
    (tmp_path / "lopa.yaml").write_text(YAML.replace("R-101.TT-01", "R-101.TT-10"))
    path = write_scenario(f"""\
        plant: {ROOT / "plant_models" / "api_bay" / "plant.yaml"}
        study: safety
        horizon: 1 yr
        seed: 1
        lopa: lopa.yaml
        """)
    with pytest.raises(ConfigError) as info:
        load(path)
    assert info.value.line == 2 and str(info.value.file).endswith("lopa.yaml")
    assert "R-101.TT-10" in info.value.message and info.value.hint in ("did you mean 'R-101.TT-01'?",
                                                                       "did you mean 'R-101.TT-02'?")


CSV = """\
scenario,initiating_event,frequency,ipl:TAH-101@R-101.TT-01,consequence,tolerable
runaway,cooling loss,0.1 1/yr,0.1,rupture,1e-5 1/yr
overcharge,valve fails open,{freq},{pfd},rupture,1e-5 1/yr
"""


def test_worksheet_row_with_a_missing_frequency(tmp_path):
    error = lopa_error(tmp_path, CSV.format(freq="", pfd="0.1"), "lopa.csv")
    assert (error.line, error.key) == (3, "frequency") and "overcharge" in error.message


def test_worksheet_row_with_a_bad_pfd(tmp_path):
    error = lopa_error(tmp_path, CSV.format(freq="0.2 1/yr", pfd="2"), "lopa.csv")
    assert (error.line, error.key) == (3, "ipl:TAH-101@R-101.TT-01") and "(0, 1]" in str(error)


def test_worksheet_ipl_column_without_a_tag(tmp_path):
    error = lopa_error(tmp_path, CSV.replace("@R-101.TT-01", "").format(freq="0.2 1/yr", pfd="0.1"), "lopa.csv")
    assert error.line == 1 and "ipl:<name>@<plant tag>" in str(error)


def test_register_never_reports_a_partial_result(tmp_path):
    """One bad row stops the whole worksheet: no register of the rows that were fine."""
    text = CSV.format(freq="0.2 1/yr", pfd="0.1") + "third,x,,0.1,rupture,1e-5 1/yr\n"
    assert lopa_error(tmp_path, text, "lopa.csv").line == 4
    assert math.isfinite(lopa.register(lopa.load(ROOT / "scenarios" / "safety" / "api_bay_lopa.csv"))[0].gap)
