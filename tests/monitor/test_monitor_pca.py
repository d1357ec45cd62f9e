"""The PCA monitor against hand computations, scikit-learn's PCA (the peer), and data of known distribution.

False alarms: on samples from the multivariate normal the model was fitted on, the share of samples over each 99 %
limit is 1 - confidence within its binomial interval (the limits' references: tests/monitor/test_monitor_limits.py).
"""
import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy import stats

from twin.monitor.components import by_variance, press
from twin.monitor.pca import MonitorError, fit_pca, lagged

TAGS = [f"U-{k}.x" for k in range(12)]


def factor_data(rng, n, m=12, k=3, noise=0.3):
    """``k`` latent factors seen through ``m`` tags with independent noise: a plant with ``k`` degrees of freedom."""
    w = rng.normal(size=(k, m))
    return lambda size: rng.normal(size=(size, k)) @ w + noise * rng.normal(size=(size, m)) + np.arange(m)


def test_t2_and_spe_of_one_sample_by_hand():
    rng = np.random.default_rng(0)
    x = factor_data(rng, 0, m=4, k=1)(200)
    model = fit_pca(x, TAGS[:4], components=2)
    mean, sd = x.mean(axis=0), x.std(axis=0, ddof=1)
    lam, vec = np.linalg.eigh(np.cov((x - mean) / sd, rowvar=False))  # ascending: the last two are the model's
    sample = np.array([1.0, -2.0, 0.5, 3.0])
    z = (sample - mean) / sd
    t = [z @ vec[:, -1], z @ vec[:, -2]]
    t2 = t[0] ** 2 / lam[-1] + t[1] ** 2 / lam[-2]
    spe = sum((z[j] - t[0] * vec[j, -1] - t[1] * vec[j, -2]) ** 2 for j in range(4))
    got_t2, got_spe = model.statistics(sample[None])
    assert got_t2[0] == pytest.approx(t2, rel=1e-10) and got_spe[0] == pytest.approx(spe, rel=1e-10)
    c_t2, c_spe = model.contributions(sample[None])
    assert c_t2.sum() == pytest.approx(t2, rel=1e-10) and c_spe.sum() == pytest.approx(spe, rel=1e-10)


def test_loadings_and_explained_variance_equal_scikit_learns():
    from sklearn.decomposition import PCA
    from sklearn.preprocessing import StandardScaler

    x = factor_data(np.random.default_rng(1), 0)(1000)
    model = fit_pca(x, TAGS, components=4)
    z = StandardScaler().fit_transform(x) * np.sqrt((len(x) - 1) / len(x))  # sklearn scales by the n-divided sd
    peer = PCA(n_components=4, svd_solver="full").fit(z)
    assert model.explained_variance_ratio == pytest.approx(peer.explained_variance_ratio_, rel=1e-10)
    assert model.eigenvalues[:4] == pytest.approx(peer.explained_variance_, rel=1e-10)
    signs = np.sign(np.sum(model.loadings * peer.components_.T, axis=0))
    assert model.loadings * signs == pytest.approx(peer.components_.T, abs=1e-10)


@given(seed=st.integers(0, 2**32 - 1), m=st.integers(4, 15), a=st.integers(1, 3),
       confidence=st.sampled_from([0.95, 0.99]))
@settings(max_examples=8, deadline=None)
@example(seed=7163460, m=4, a=1, confidence=0.99)   # SPE alarms 0.69 %: Jackson-Mudholkar, 3 left-out eigenvalues
def test_false_alarm_rate_is_one_minus_confidence(seed, m, a, confidence):
    """Samples drawn from the same multivariate normal as the 5,000 training samples (a random covariance) alarm on
    each statistic at 1 - confidence, within the 99.9 % binomial interval of 40,000 samples plus the limits'
    approximation (tests/monitor/test_monitor_limits.py: a few tenths of the rate, and more on the safe side where
    few eigenvalues are left out, which Jackson-Mudholkar's limit overestimates: 0.69 % for 1 % at the example)."""
    rng = np.random.default_rng(seed)
    root = rng.normal(size=(m, m)) * rng.uniform(0.2, 2, size=m)
    draw = lambda size: rng.normal(size=(size, m)) @ root  # noqa: E731
    model = fit_pca(draw(5000), TAGS[:m] + [f"V-{k}.x" for k in range(m - 12)], components=a, confidence=confidence)
    t2, spe = model.statistics(draw(40_000))
    for rate in ((t2 > model.t2_limit).mean(), (spe > model.spe_limit).mean()):
        low, high = stats.binomtest(int(rate * 40_000), 40_000, 1 - confidence).proportion_ci(0.999)
        assert 0.8 * low < 1 - confidence < 1.5 * high


@given(seed=st.integers(0, 2**32 - 1), tag=st.integers(0, 11), size=st.floats(5, 10), lags=st.sampled_from([0, 1]))
@settings(max_examples=10, deadline=None)
def test_a_step_in_one_tag_is_blamed_on_it(seed, tag, size, lags):
    """A step of 5-10 standard deviations in one tag: the alarms' contributions name that tag first."""
    rng = np.random.default_rng(seed)
    draw = factor_data(rng, 0)
    x = draw(3000)
    model = fit_pca(x, TAGS, components=3, lags=lags)
    y = draw(400)
    y[200:, tag] += size * x[:, tag].std()
    check = model.check(y)
    assert check.alarm[200 + lags:].mean() > 0.9
    assert check.blame()[0][0] == TAGS[tag]
    assert check.top_tags(check.rows[-1])[0] == TAGS[tag]


def test_press_picks_the_plants_degrees_of_freedom():
    for k in (1, 2, 4, 6):
        z = factor_data(np.random.default_rng(k), 0, k=k)(1500)
        assert fit_pca(z, TAGS, components="press").components == k


def test_press_is_the_leave_one_variable_out_prediction_by_least_squares():
    """The closed form e_j / (1 - h_j) against predicting each held-out variable from the others with lstsq."""
    rng = np.random.default_rng(5)
    z = factor_data(rng, 0, m=6, k=2)(60)
    a, folds = 2, 3
    total = 0.0
    for block in np.array_split(np.arange(60), folds):
        train = np.delete(z, block, axis=0)
        mean, sd = train.mean(axis=0), train.std(axis=0, ddof=1)
        p = np.linalg.svd((train - mean) / sd)[2][:a].T
        for row in (z[block] - mean) / sd:
            for j in range(6):
                others = np.arange(6) != j
                t = np.linalg.lstsq(p[others], row[others], rcond=None)[0]
                total += (row[j] - p[j] @ t) ** 2
    assert press(z, folds).values[a - 1] == pytest.approx(total, rel=1e-10)


def test_components_by_variance():
    lam = np.array([5.0, 3.0, 1.0, 0.6, 0.4])
    assert [by_variance(lam, f) for f in (0.5, 0.8, 0.9, 0.99)] == [1, 2, 3, 4]


def test_lagged_rows_by_hand():
    x = np.arange(12.0).reshape(6, 2)
    assert lagged(x, 2).tolist() == [[4, 5, 2, 3, 0, 1], [6, 7, 4, 5, 2, 3], [8, 9, 6, 7, 4, 5], [10, 11, 8, 9, 6, 7]]


def test_dynamic_model_scores_from_its_lags_on():
    rng = np.random.default_rng(2)
    model = fit_pca(factor_data(rng, 0)(800), TAGS, components=3, lags=2)
    assert model.variables[12] == "U-0.x[t-1]" and len(model.variables) == 36
    t2, spe = model.statistics(factor_data(rng, 0)(10))
    assert np.isnan(t2[:2]).all() and np.isfinite(t2[2:]).all()
    y = factor_data(rng, 0)(10)
    c_t2, c_spe = model.contributions(y)
    t2, spe = model.statistics(y)
    assert c_spe.shape == (10, 12) and np.isnan(c_spe[:2]).all()
    assert c_t2[2:].sum(axis=1) == pytest.approx(t2[2:], rel=1e-10)
    assert c_spe[2:].sum(axis=1) == pytest.approx(spe[2:], rel=1e-10)


@pytest.mark.parametrize(("change", "message"), [
    (lambda x: x.__setitem__((slice(None), 4), 7.0), "tag U-4.x is constant"),
    (lambda x: x.__setitem__((17, 3), np.nan), "tag U-3.x: missing or non-finite value at row 18"),
])
def test_bad_training_data_is_named(change, message):
    x = factor_data(np.random.default_rng(0), 0)(100)
    change(x)
    with pytest.raises(MonitorError, match=message):
        fit_pca(x, TAGS, components=2)


def test_fewer_samples_than_variables_and_too_many_components():
    x = factor_data(np.random.default_rng(0), 0)(100)
    with pytest.raises(MonitorError, match="10 samples for 12 variables.*at least 14 rows"):
        fit_pca(x[:10], TAGS, components=2)
    with pytest.raises(MonitorError, match="components must be 1 to 11"):
        fit_pca(x, TAGS, components=12)
    with pytest.raises(MonitorError, match="42 samples for 48 variables"):
        fit_pca(x[:45], TAGS, components=2, lags=3)
    with pytest.raises(ValueError, match="confidence must be strictly between 0 and 1"):
        fit_pca(x, TAGS, components=2, confidence=99)
