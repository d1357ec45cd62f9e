"""IEC 61508-6 voted groups beyond 1oo1/1oo2/2oo3: 2oo2 and 1oo2D (B.3.2.2.3-4), the high-demand PFH (B.3.3.2),
the PFD at a moment (an overdue proof test) and the 8,760 h year of the Annex B tables.

References: the definitions themselves, integrated independently (the average unavailability over a proof-test
interval for PFDavg; the probability that the group has failed by T1, over T1, for the average failure frequency
PFH, with no repair inside the interval), and the reductions the standard's formulas must obey.
"""
import math
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.integrate import quad

from scenarios.safety import lopa
from scenarios.safety.live import LiveBarriers
from scenarios.safety.sif import pfd_at, pfd_avg, pfh
from twin import config
from twin.config import ConfigError
from twin.tags import TagBus

FOLDER = Path(__file__).resolve().parents[2] / "scenarios" / "safety"
T1 = 8760.0

#: P(group failed by t) with independent channels failing at rate lam and nothing detected or repaired.
FAILED_BY = {
    "1oo1": lambda p: p,
    "1oo2": lambda p: p**2,
    "2oo2": lambda p: 1 - (1 - p) ** 2,
    "2oo3": lambda p: 3 * p**2 - 2 * p**3,
}


def failed_by(architecture, lam, t):
    return FAILED_BY[architecture](1 - math.exp(-lam * t))


def test_a_year_is_8760_hours_as_the_annex_b_tables_count_it():
    assert config.to_si("1 yr", "s") == 8760 * 3600
    assert config.to_si("1e-5 1/yr", "1/s") == pytest.approx(1e-5 / (8760 * 3600), rel=1e-15)


@pytest.mark.parametrize("lam", [1e-7, 5e-7, 5e-6])
def test_2oo2_against_the_exact_average(lam):
    """2oo2 fails when either channel fails: the exact PFDavg is 1 + (exp(-2 lam T) - 1) / (2 lam T) (no
    diagnostics, no repair time); B.3.2.2.3's 2 lambda_D t_CE keeps its leading term, on the safe side."""
    exact = 1 + math.expm1(-2 * lam * T1) / (2 * lam * T1)
    ours = pfd_avg("2oo2", lambda_d=lam, t1=T1, mrt=0)
    assert exact <= ours <= exact * (1 + lam * T1)


@pytest.mark.parametrize("architecture", ["1oo1", "1oo2", "2oo2", "2oo3"])
@pytest.mark.parametrize("lam", [1e-7, 5e-7, 5e-6])
def test_pfh_against_the_failure_frequency_by_definition(architecture, lam):
    """PFH is the average frequency of a dangerous failure of the group: with no repair inside the interval,
    P(group failed by T1) / T1. B.3.3.2's formulas keep its leading term (mrt 0, no diagnostics)."""
    exact = failed_by(architecture, lam, T1) / T1
    ours = pfh(architecture, lambda_d=lam, t1=T1, mrt=0)
    assert exact <= ours <= exact * (1 + 2 * lam * T1)


def test_pfh_worked_by_hand():
    """lambda_D 5e-7/h, DC 0.6, beta 0.1, beta_D 0.05, T1 8760 h, MTTR = MRT = 8 h: lambda_DU 2e-7, lambda_DD 3e-7,
    t_CE = (2e-7 x 4388 + 3e-7 x 8) / 5e-7 = 1760.0 h; common = 0.05 x 3e-7 + 0.1 x 2e-7 = 3.5e-8;
    independent = 0.95 x 3e-7 + 0.9 x 2e-7 = 4.65e-7."""
    args = dict(lambda_d=5e-7, dc=0.6, beta=0.1, beta_d=0.05, t1=T1, mttr=8)
    assert pfh("1oo1", **args) == pytest.approx(2e-7, rel=1e-12)
    assert pfh("2oo2", **args) == pytest.approx(4e-7, rel=1e-12)
    assert pfh("1oo2", **args) == pytest.approx(2 * 4.65e-7 * 0.9 * 2e-7 * 1760.0 + 3.5e-8, rel=1e-12)
    assert pfh("2oo3", **args) == pytest.approx(6 * 4.65e-7 * 0.9 * 2e-7 * 1760.0 + 3.5e-8, rel=1e-12)


@given(lam=st.floats(1e-8, 1e-5), dc=st.floats(0, 0.99), beta=st.floats(0, 0.2), t1=st.floats(100, 9e4))
def test_1oo2d_without_diagnosed_failures_is_1oo2(lam, dc, beta, t1):
    """B.3.2.2.4 reduces to B.3.2.2.2 when nothing is detected (DC 0, no safe detected failures): t'CE = t_CE,
    t'GE = t_GE. With safe detected failures the diagnostics take channels out: the PFD can only rise."""
    args = dict(lambda_d=lam, beta=beta, t1=t1)
    assert pfd_avg("1oo2D", **args, lambda_sd=0.0) == pytest.approx(pfd_avg("1oo2", **args), rel=1e-12)
    assert pfh("1oo2D", **args, lambda_sd=0.0) == pytest.approx(pfh("1oo2", **args), rel=1e-12)
    with_sd = pfd_avg("1oo2D", **args, dc=dc, lambda_sd=lam)
    assert with_sd >= pfd_avg("1oo2D", **args, dc=dc, lambda_sd=0.0) * (1 - 1e-12)


def test_1oo2d_worked_by_hand():
    """lambda_D 5e-7/h, DC 0.6, lambda_SD 4e-7/h, beta 0.1, beta_D 0.05, T1 8760 h, MTTR = MRT = 8 h:
    t'CE = (2e-7 x 4388 + 7e-7 x 8) / 9e-7 = 981.333 h, t'GE = 2920 + 8 = 2928 h,
    PFD = 2 x 0.9 x 2e-7 x (4.65e-7 + 4e-7) x t'CE x t'GE + 0.05 x 3e-7 x 8 + 0.1 x 2e-7 x 4388."""
    t_ce = (2e-7 * 4388 + 7e-7 * 8) / 9e-7
    expected = 2 * 0.9 * 2e-7 * 8.65e-7 * t_ce * 2928 + 0.05 * 3e-7 * 8 + 0.1 * 2e-7 * 4388
    ours = pfd_avg("1oo2D", lambda_d=5e-7, dc=0.6, lambda_sd=4e-7, beta=0.1, beta_d=0.05, t1=T1, mttr=8)
    assert ours == pytest.approx(expected, rel=1e-12)
    assert pfh("1oo2D", lambda_d=5e-7, dc=0.6, lambda_sd=4e-7, beta=0.1, beta_d=0.05, t1=T1, mttr=8) == \
        pytest.approx(2 * 0.9 * 2e-7 * 8.65e-7 * t_ce + 0.05 * 3e-7 + 0.1 * 2e-7, rel=1e-12)


def test_1oo2d_needs_its_safe_detected_rate():
    with pytest.raises(ValueError, match="lambda_sd"):
        pfd_avg("1oo2D", lambda_d=5e-7, t1=T1)


@given(architecture=st.sampled_from(["1oo1", "1oo2", "2oo2", "2oo3"]), lam=st.floats(1e-8, 1e-5),
       beta=st.floats(0, 0.2), t1=st.floats(100, 9e4))
def test_the_moment_pfd_averages_to_pfdavg(architecture, lam, beta, t1):
    """pfd_at is PFDavg's integrand: over a proof-test interval it averages to pfd_avg (mrt 0, no diagnostics)."""
    average = quad(lambda a: pfd_at(architecture, a, lambda_d=lam, beta=beta), 0, t1, epsrel=1e-12)[0] / t1
    assert average == pytest.approx(pfd_avg(architecture, lambda_d=lam, beta=beta, t1=t1, mrt=0), rel=1e-9)


@pytest.mark.parametrize(("architecture", "ratio"), [("1oo1", 2.0), ("2oo2", 2.0), ("1oo2", 3.0), ("2oo3", 3.0)])
def test_an_overdue_test_is_worse_at_the_moment_than_on_average(architecture, ratio):
    """Half a year overdue (age 1.5 T1): the PFD at that moment is 2 (single failures, linear in age) or 3
    (double failures, quadratic) times the average over the stretched interval, which is what the live barrier's
    frequencies use."""
    age = 1.5 * T1
    now = pfd_at(architecture, age, lambda_d=5e-8)
    assert now / pfd_avg(architecture, lambda_d=5e-8, t1=age, mrt=0) == pytest.approx(ratio, rel=1e-12)


def test_the_live_barrier_writes_both_pfds():
    """SIF-101 (1oo2, lambda_D 2e-6/h, DC 0.6, beta 0.1, beta_D 0.05, MTTR 8 h) 1.5 yr after its proof test:
    pfd is the PFDavg with T1 = 1.5 yr (what the frequencies use); pfd_now the PFD at that moment, by hand
    q = 0.9 x 8e-7 x 13140 + 0.95 x 1.2e-6 x 8, pfd_now = q^2 + 0.1 x 8e-7 x 13140 + 0.05 x 1.2e-6 x 8."""
    bus = TagBus()
    LiveBarriers(lopa.load(FOLDER / "api_bay_lopa.yaml"), bus)
    age = 1.5 * T1
    bus.write("R-101.TT-02.test_age", age * 3600, t=5.0)
    q = 0.9 * 8e-7 * age + 0.95 * 1.2e-6 * 8
    assert bus.read("SIF-101.pfd_now") == pytest.approx(q**2 + 0.1 * 8e-7 * age + 0.05 * 1.2e-6 * 8, rel=1e-9)
    assert bus.read("SIF-101.pfd") == pytest.approx(
        pfd_avg("1oo2", lambda_d=2e-6, dc=0.6, beta=0.1, beta_d=0.05, t1=age, mttr=8), rel=1e-9)
    assert 1.5 < bus.read("SIF-101.pfd_now") / bus.read("SIF-101.pfd") < 3


def test_a_1oo2d_sif_without_lambda_sd_is_named(tmp_path):
    text = (FOLDER / "api_bay_lopa.yaml").read_text().replace("architecture: 1oo2,", "architecture: 1oo2D,")
    path = tmp_path / "lopa.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match="lambda_sd") as info:
        lopa.load(path)
    assert info.value.line is not None
    path.write_text(text.replace("architecture: 1oo2D,", "architecture: 1oo2D, lambda_sd: 1e-6 1/h,"))
    assert lopa.load(path).layers["SIF-101"].pfd > 0
