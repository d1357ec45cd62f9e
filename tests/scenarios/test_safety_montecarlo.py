"""Monte Carlo of accident paths against the exact LOPA value: unbiased, intervals that cover it 95% of the time,
and importance sampling that makes rare consequences measurable."""
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from scenarios.runs import execute, tasks
from scenarios.safety import lopa
from scenarios.safety.montecarlo import binomial_interval, estimate
from scenarios.scenario import load
from twin.config import ConfigError

ROOT = Path(__file__).resolve().parents[2]
FOLDER = ROOT / "scenarios" / "safety"
HAZARDS = {h.name: h for h in lopa.load(FOLDER / "api_bay_lopa.yaml").hazards}


@pytest.mark.parametrize(("name", "bias"), [("runaway_cooling_loss", 0.5), ("inerting_loss", None)])
def test_intervals_cover_the_exact_value(name, bias):
    """300 independent runs of 20,000 paths: the 95% interval covers the exact LOPA frequency in 95% of them
    (binomial 99.9% acceptance band), and the estimates average to it (t-test at the 0.1% level)."""
    hazard = HAZARDS[name]
    exact = hazard.mitigated * lopa.YEAR
    runs = [estimate(hazard, 20_000, np.random.default_rng([7, i]), bias=bias) for i in range(300)]
    covered = sum(e.covers(exact) for e in runs)
    low, high = stats.binom.ppf([0.0005, 0.9995], 300, 0.95)
    assert low <= covered <= high
    assert stats.ttest_1samp([e.frequency for e in runs], exact).pvalue > 1e-3


def test_importance_sampling_measures_what_plain_sampling_misses():
    """Runaway: 1 path in 5.5 million ends in rupture. 100,000 plain paths see none (the interval only bounds it);
    with importance sampling the interval is within 5% of the exact value."""
    hazard = HAZARDS["runaway_cooling_loss"]
    exact = hazard.mitigated * lopa.YEAR
    plain = estimate(hazard, 100_000, np.random.default_rng(1), bias=None)
    biased = estimate(hazard, 100_000, np.random.default_rng(1), bias=0.5)
    assert plain.hits == 0 and plain.high > 100 * exact
    assert biased.covers(exact) and (biased.high - biased.low) / 2 < 0.05 * exact


def test_study_monte_carlo_agrees_with_the_static_lopa():
    outcome = execute(next(iter(tasks(load(FOLDER / "api_bay.yaml"), ["base"]))))  # the first replication
    k = outcome.run.kpis
    for name, h in HAZARDS.items():
        assert k[f"mc_frequency.{name}"] == pytest.approx(h.mitigated * lopa.YEAR, rel=0.05)


def test_bias_outside_0_1_is_refused(write_scenario):
    path = write_scenario(f"""\
        plant: {ROOT / "plant_models" / "api_bay" / "plant.yaml"}
        study: safety
        horizon: 1 yr
        seed: 1
        lopa: {FOLDER / "api_bay_lopa.yaml"}
        monte_carlo: {{paths: 1000, bias: 1.5}}
        """)
    with pytest.raises(ConfigError) as info:
        load(path)
    assert info.value.line == 6 and "(0, 1)" in str(info.value)


def test_benchmark_runs(capsys):
    """``python -m benchmarks.safety`` on a small case: it checks the graph against networkx itself."""
    from benchmarks.safety.__main__ import main

    assert main(["--barriers", "50", "--paths", "1000", "--repeat", "2", "--reactor-paths", "0"]) == 0
    assert "ratio" in capsys.readouterr().out


@pytest.mark.slow
def test_benchmark_of_the_reactor_paths_runs(capsys):
    """The accident paths through the twin on 1 and 2 workers: the same estimates bit for bit (asserted inside)."""
    from benchmarks.safety.__main__ import main

    assert main(["--barriers", "10", "--paths", "10", "--repeat", "2", "--reactor-paths", "40",
                 "--replications", "2"]) == 0
    out = capsys.readouterr().out
    assert "2 workers" in out and "paths/s" in out and "variance reduction" in out and "plain" in out


@pytest.mark.parametrize(("hits", "n"), [(0, 10), (0, 100_000), (1, 20), (7, 300), (300, 300)])
def test_binomial_interval_is_clopper_pearson(hits, n):
    """Against SciPy's exact binomial test interval (the peer), and inside [0, 1]: 0 hits give exactly 0 below and
    1 - 0.025^(1/n) above (about 3.7 / n, the two-sided rule of three), never a negative or 1e-23 lower bound."""
    low, high = binomial_interval(hits, n)
    peer = stats.binomtest(hits, n).proportion_ci(0.95, method="exact")
    assert (low, high) == pytest.approx((peer.low, peer.high), rel=1e-9, abs=1e-300)
    assert 0 <= low <= hits / n <= high <= 1
    if hits == 0:
        assert low == 0.0 and high == pytest.approx(1 - 0.025 ** (1 / n), rel=1e-9)


def test_zero_hits_bound_the_frequency_from_zero():
    plain = estimate(HAZARDS["runaway_cooling_loss"], 1000, np.random.default_rng(3), bias=None)
    assert plain.hits == 0 and plain.low == 0.0
    assert plain.high == pytest.approx(HAZARDS["runaway_cooling_loss"].frequency * lopa.YEAR
                                       * (1 - 0.025 ** (1 / 1000)), rel=1e-9)
