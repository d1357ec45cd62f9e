"""The flagship's tablets come from the press model: each tablet's content is its weight (die fill and weight
control, twin.process.units.press) times the API fraction of its blend, and the release tests those tablets.

Hand calculation (Ph. Eur. 2.9.40, k = 2.4 for 10 units): ten tablets, five 1 % heavy and five 1 % light, from a
blend at 99 % of target hold 99.99 and 98.01 % LC; X = 99.0 lies in [98.5, 101.5] so M = X, and s = sqrt(10 x
0.99**2 / 9) = 0.99 x 1.054093 = 1.043552, AV = 2.4 s = 2.504524.
"""
import numpy as np
import pytest
from cm_files import flagship_text

from scenarios.continuous_manufacturing import release, tablets
from scenarios.continuous_manufacturing.model import Line
from scenarios.line_capacity.model import stream
from scenarios.scenario import load, plain
from twin.config import ConfigError
from twin.process.units import press as press_model

DENSITIES = "densities: {API: 450 kg/m^3, excipient: 600 kg/m^3, lubricant: 250 kg/m^3}"


def test_a_tablets_content_is_its_weight_times_its_blend_and_the_av_is_the_hand_calculation():
    tablets = release.Tablets(step=np.arange(10), weight=np.array([0.01, -0.01] * 5))
    units = tablets.contents(np.arange(10), np.full(10, 0.99))
    np.testing.assert_allclose(units, [99.99, 98.01] * 5)
    assert release.acceptance_value(units) == pytest.approx(2.504524, abs=1e-6)


def test_tablets_fall_in_the_sample_their_counter_crosses():
    """A counter at 0, 2.5, 2.5, 6 at the grid points: tablets 0-1 in sample 1, none in 2, 2-5 in sample 3."""
    steps = release.Tablets.steps(np.array([0.0, 2.5, 2.5, 6.0]))
    assert steps.tolist() == [1, 1, 1, 3, 3, 3]
    tablets = release.Tablets(steps, np.linspace(-0.01, 0.01, 6))
    assert tablets.between(2, 4).tolist() == [3, 4, 5]
    np.testing.assert_allclose(tablets.per_sample(4), [np.nan, -0.006, np.nan, 0.006])


def line(tmp_path, *replacements, variant="base"):
    path = tmp_path / "cm.yaml"
    path.write_text(flagship_text(("horizon: 24 h", "horizon: 3 h"), *replacements, realistic=True))
    params = plain(load(path).variants[variant])
    got = Line(params, np.random.SeedSequence(7))
    return got, got.run()


def test_the_release_tests_the_presss_tablets(tmp_path):
    """The line's tablets: as many as the Twin's counter struck, weights from the press model on the line's own
    random stream; each sub-lot's 2.9.47 AV is the hand formula on its 500 tablets (weight x the twin's PAT
    estimate); a press with no scatter gives a PAT AV of the estimate's scatter alone (smaller)."""
    got, run = line(tmp_path)
    p = got.p.press
    counted = got.twin.tags.history(f"{p.tag}.tablets")[1][-1]
    assert got.tablets.weight.size == int(np.floor(counted + 1e-9)) > 100_000
    c, w = p.weight_control, p.weight
    again = press_model.press(got.tablets.weight.size, got.total / p.tablet_mass,
                              press_model.DieFill(w.density_sd, w.density_time, w.fill_sd),
                              press_model.WeightControl(c.every, c.gain, c.integral, c.deadband, c.limit),
                              stream(got.seed, 4),
                              disturbance=tablets.density_change(got.p, run.traces["api_true"] / 100)[got.tablets.step])
    np.testing.assert_allclose(got.tablets.weight, again.weight, rtol=0, atol=1e-12)   # the trace is in % LC
    diverted = run.traces["diverting"] > 0
    estimate = run.traces["api_nir"] / 100
    for lot in got.sublots:
        first, end = np.searchsorted(run.traces["t"], [lot["start"], lot["start"] + 3600])
        pick = got.tablets.between(first, end)
        pick = pick[~diverted[got.tablets.step[pick]]]
        at = pick[np.linspace(0, pick.size - 1, 500).astype(int)]
        x = 100 * (1 + got.tablets.weight[at]) * estimate[got.tablets.step[at]]
        mean = x.mean()
        hand = abs(min(max(mean, 98.5), 101.5) - mean) + 2.24 * x.std(ddof=1)
        assert lot["pat_av"] == pytest.approx(hand, rel=1e-12)
    still, _ = line(tmp_path, ("density_sd: 1.5 %, density_time: 60 s, fill_sd: 1 %",
                               "density_sd: 0 %, density_time: 60 s, fill_sd: 0 %"), (DENSITIES, "densities: {}"))
    assert not still.tablets.weight.any()
    assert max(lot["pat_av"] for lot in still.sublots) < min(lot["pat_av"] for lot in got.sublots)


def test_the_blends_density_follows_its_composition(tmp_path):
    """Bulk volumes add (1 / rho = sum w_c / rho_c): the flagship's blend (30 % API at 450 kg/m3, 67.5 % excipient
    at 600, 2.5 % lubricant at 250) at 90 % of its API target holds 27 % API, 70.393 % excipient and 2.607 %
    lubricant (the rest in their nominal proportions): 532.62 kg/m3 against 528.63, 0.755 % denser. A press
    without scatter or control gives each tablet exactly its blend's density change."""
    nominal = 1 / (0.3 / 450 + 0.675 / 600 + 0.025 / 250)
    short = 1 / (0.27 / 450 + 0.73 * 0.675 / 0.7 / 600 + 0.73 * 0.025 / 0.7 / 250)
    assert short / nominal - 1 == pytest.approx(0.007545, abs=1e-6)
    got, run = line(tmp_path, ("density_sd: 1.5 %, density_time: 60 s, fill_sd: 1 %",
                               "density_sd: 0 %, density_time: 60 s, fill_sd: 0 %"), variant="no_weight_control")
    assert tablets.density_change(got.p, np.array([1.0, 0.9]))[1] == pytest.approx(short / nominal - 1, rel=1e-12)
    assert tablets.density_change(got.p, np.array([1.0]))[0] == pytest.approx(0, abs=1e-15)
    expected = tablets.density_change(got.p, run.traces["api_true"] / 100)[got.tablets.step]
    np.testing.assert_allclose(got.tablets.weight, expected, rtol=0, atol=1e-12)
    assert np.ptp(expected) > 1e-3             # the feeders' noise moves the content, and so the weights


def test_the_weight_control_narrows_the_tablets_scatter(tmp_path):
    """The flagship's press: without its loop the weights scatter by the die fill's sd(1.5 %, 1 %) = 1.80 %
    (within the sampling error of 3 h of a 60 s AR(1)); with it, less, and the mean weight stays on target."""
    on, run_on = line(tmp_path)
    off, run_off = line(tmp_path, variant="no_weight_control")
    assert run_off.kpis["tablet_weight_rsd"] == pytest.approx(np.hypot(1.5, 1.0), rel=0.15)
    assert run_on.kpis["tablet_weight_rsd"] < 0.75 * run_off.kpis["tablet_weight_rsd"]
    assert abs(on.tablets.weight.mean()) < 0.001
    assert not off.pressed.correction.any() and np.abs(on.pressed.correction).max() > 0.005
    weights = run_on.traces["tablet_weight"]
    assert np.nanmean(weights) == pytest.approx(400, rel=1e-3)


@pytest.mark.parametrize(("old", "new", "says"), [
    ("tablets: 10, pat_units: 500}", "tablets: 10, tablet_cv: 1.5 %, pat_units: 500}",
     "rtrt.tablet_cv is no longer read"),
    ("gain: 0.2, integral: 0.3", "gain: 0.2, integral: 1.7", "makes the weight loop unstable"),
    ("gain: 0.2, integral: 0.3", "gain: 0.2, integral: 0", "makes the weight loop unstable"),
    ("every: 50", "every: 0", "every"),
    ("API: 450 kg/m^3, ", "", "no bulk density for API"),
    ("API: 450 kg/m^3", "API: 0 kg/m^3", "a bulk density of 0 kg/m^3"),
])
def test_bad_press_settings_are_refused(tmp_path, old, new, says):
    path = tmp_path / "cm.yaml"
    path.write_text(flagship_text((old, new), realistic=True))
    with pytest.raises(ConfigError) as info:
        load(path)
    assert says in str(info.value) and str(path) in str(info.value)
