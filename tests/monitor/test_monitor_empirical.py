"""Empirical limits (``--limits empirical``): the training statistics' own quantiles, against T-squared and SPE
computed here by hand (PCA by NumPy's SVD, PLS by scikit-learn's PLSRegression) and ``numpy.quantile``; kept by the
model file and used by check and live; a version 1 file (written by the code before limits had a kind, kept in
tests/monitor/data) loads with theoretical limits."""
import json
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from twin.cli import main
from twin.monitor import Monitor, MonitorError, fit_pca, fit_pls, load, save
from twin.monitor.modelfile import to_dict
from twin.tags import TagBus

DATA = Path(__file__).parent / "data"
TAGS = [f"U-{k}.x" for k in range(6)]


def skewed(seed: int, n: int) -> np.ndarray:
    """Features that are not normal: two log-normal factors (skewed, heavy right tail) and log-normal noise."""
    rng = np.random.default_rng(seed)
    w = np.random.default_rng(7).normal(size=(2, 6))
    return np.exp(0.6 * rng.normal(size=(n, 2))) @ w + 0.3 * np.exp(0.5 * rng.normal(size=(n, 6)))


def pca_by_hand(x: np.ndarray, a: int, lags: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """T-squared and SPE of the training rows: stacked lags, scaled (sd with n - 1), SVD, ``sum t**2 / l`` and
    ``|z - t P'|**2`` (Jackson 1991)."""
    z = np.hstack([x[lags - k: len(x) - k] for k in range(lags + 1)])
    z = (z - z.mean(0)) / z.std(0, ddof=1)
    _, s, vt = np.linalg.svd(z, full_matrices=False)
    p, lam = vt[:a].T, s[:a] ** 2 / (len(z) - 1)
    t = z @ p
    return (t * t / lam).sum(1), ((z - t @ p.T) ** 2).sum(1)


@pytest.mark.parametrize(("lags", "confidence"), [(0, 0.99), (1, 0.95)])
def test_pca_empirical_limits_are_numpys_quantiles_of_the_training_statistics(lags, confidence):
    x = skewed(0, 3000)
    model = fit_pca(x, TAGS, components=2, confidence=confidence, lags=lags, limits="empirical")
    t2, spe = pca_by_hand(x, 2, lags)
    assert model.limits == "empirical"
    assert model.t2_limit == pytest.approx(np.quantile(t2, confidence), rel=1e-9)
    assert model.spe_limit == pytest.approx(np.quantile(spe, confidence), rel=1e-9)


def test_pls_empirical_limits_are_numpys_quantiles_of_scikit_learns_statistics():
    from sklearn.cross_decomposition import PLSRegression

    x = skewed(1, 2000)
    y = x[:, :2] @ [[1.0], [0.5]] + 0.1 * np.random.default_rng(2).normal(size=(2000, 1))
    model = fit_pls(x, y, TAGS, ["Q.y"], components=2, confidence=0.99, limits="empirical", tol=1e-13,
                    max_iter=20000)
    peer = PLSRegression(n_components=2, scale=True, tol=1e-15, max_iter=20000).fit(x, y)
    t = peer.transform(x)
    z = (x - x.mean(0)) / x.std(0, ddof=1)
    t2, spe = (t * t / t.var(0, ddof=1)).sum(1), ((z - t @ peer.x_loadings_.T) ** 2).sum(1)
    assert model.t2_limit == pytest.approx(np.quantile(t2, 0.99), rel=1e-6)
    assert model.spe_limit == pytest.approx(np.quantile(spe, 0.99), rel=1e-6)


def test_on_skewed_features_empirical_limits_hold_the_false_alarm_rate_the_theoretical_do_not():
    """Held-out samples of the same skewed process: with empirical limits each statistic alarms at 1 - confidence
    within its binomial interval; with the F and Jackson-Mudholkar limits the SPE alarms twice as often."""
    x, new = skewed(3, 20000), skewed(4, 20000)
    empirical = fit_pca(x, TAGS, components=2, limits="empirical")
    theoretical = empirical.with_confidence(0.99, limits="theoretical")
    assert theoretical.limits == "theoretical" and theoretical.t2_limit == fit_pca(x, TAGS, components=2).t2_limit
    t2, spe = empirical.statistics(new)
    for stat, limit in ((t2, empirical.t2_limit), (spe, empirical.spe_limit)):
        assert stats.binomtest(int((stat > limit).sum()), len(new), 0.01).pvalue > 1e-3
    over = int((spe > theoretical.spe_limit).sum())   # 2.0 %: twice the nominal rate, far outside its interval
    assert over / len(new) > 0.015 and stats.binomtest(over, len(new), 0.01).pvalue < 1e-9


def test_empirical_limits_are_not_moved_to_another_confidence():
    model = fit_pca(skewed(0, 1000), TAGS, components=2, limits="empirical")
    assert model.with_confidence(0.99) == model
    with pytest.raises(MonitorError, match="fit again with that --confidence and --limits empirical"):
        model.with_confidence(0.95)
    with pytest.raises(MonitorError, match="unknown limits 'quantile'; use one of theoretical, empirical"):
        fit_pca(skewed(0, 1000), TAGS, components=2, limits="quantile")


@pytest.mark.parametrize("kind", ["pca", "pls"])
def test_a_saved_and_reloaded_model_keeps_its_empirical_limits(tmp_path, kind):
    x = skewed(0, 2000)
    model = (fit_pca(x, TAGS, components=2, limits="empirical") if kind == "pca" else
             fit_pls(x[:, 1:], x[:, :1], TAGS[1:], TAGS[:1], components=2, limits="empirical"))
    save(model, tmp_path / "m.json")
    doc = json.loads((tmp_path / "m.json").read_text())
    assert doc["version"] == 2 and doc["limits"] == {"kind": "empirical", "t2": model.t2_limit, "spe": model.spe_limit}
    again = load(tmp_path / "m.json")
    assert again.limits == "empirical" and to_dict(again) == to_dict(model)
    assert (again.t2_limit, again.spe_limit) != (model.with_confidence(0.99, limits="theoretical").t2_limit,
                                                 model.with_confidence(0.99, limits="theoretical").spe_limit)
    bus = TagBus()                      # live: the monitor's limit tags and alarms are the file's
    for tag in again.tags:
        bus.define(tag)
    monitor = Monitor(again, "M").bind(bus)
    for tag, value in zip(again.tags, x[0, -len(again.tags):]):
        bus.write(tag, float(value), 1.0)
    monitor.step(1.0)
    assert bus.read("M.T2_limit") == model.t2_limit and bus.read("M.SPE_limit") == model.spe_limit


def test_empirical_limits_hand_edited_to_nonsense_are_refused(tmp_path):
    save(fit_pca(skewed(0, 1000), TAGS, components=2, limits="empirical"), tmp_path / "m.json")
    doc = json.loads((tmp_path / "m.json").read_text())
    doc["limits"]["spe"] = -1.0
    (tmp_path / "m.json").write_text(json.dumps(doc))
    with pytest.raises(MonitorError, match="limits.spe is -1.0; empirical limits are positive numbers"):
        load(tmp_path / "m.json")


def test_fit_and_check_from_the_command_line_use_the_empirical_limits(tmp_path, capsys):
    x = skewed(0, 3000)
    path = tmp_path / "normal.csv"
    np.savetxt(path, x, delimiter=",", header=",".join(TAGS), comments="")
    assert main(["monitor", "fit", str(path), "--components", "2", "--limits", "empirical",
                 "-o", str(tmp_path / "m.json")]) == 0
    out = capsys.readouterr().out
    t2, spe = pca_by_hand(x, 2)
    assert f"empirical limits at 99 % confidence: T-squared {np.quantile(t2, 0.99):.4g} (the training's 99 % " \
           f"quantile), SPE {np.quantile(spe, 0.99):.4g}" in out
    main(["monitor", "check", str(tmp_path / "m.json"), str(path), "--json"])
    verdict = json.loads(capsys.readouterr().out)
    assert verdict["limits"]["kind"] == "empirical"
    assert verdict["limits"]["t2"] == pytest.approx(np.quantile(t2, 0.99), rel=1e-9)
    alarm = (t2 > verdict["limits"]["t2"]) | (spe > verdict["limits"]["spe"])
    assert [row["alarm"] for row in verdict["rows"]] == alarm.tolist()


@pytest.mark.parametrize("name", ["pca_v1.json", "pls_v1.json"])
def test_a_version_1_file_loads_with_theoretical_limits(tmp_path, name):
    """Written by the code before limits had a kind (version 1: 200 samples of test_monitor_cli.samples(0, ...))."""
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from test_monitor_cli import TAGS as CLI_TAGS
    from test_monitor_cli import samples

    doc = json.loads((DATA / name).read_text())
    assert doc["version"] == 1 and "kind" not in doc["limits"]
    model = load(DATA / name)
    x = samples(0, 200)
    fresh = (fit_pca(x, CLI_TAGS, components=2) if name.startswith("pca") else
             fit_pls(x[:, 1:], x[:, :1], CLI_TAGS[1:], CLI_TAGS[:1], components=2))
    assert model.limits == "theoretical"
    assert (model.t2_limit, model.spe_limit) == pytest.approx((fresh.t2_limit, fresh.spe_limit), rel=1e-12)
    save(model, tmp_path / "again.json")        # saved again: version 2, theoretical
    assert json.loads((tmp_path / "again.json").read_text())["limits"]["kind"] == "theoretical"
