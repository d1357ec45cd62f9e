"""The monitor on the TagBus against the batch check of the same samples; reconstruction shares by hand; the
docstrings' examples run."""
import doctest
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import twin.monitor.live
import twin.monitor.pca
from twin import Twin
from twin.monitor import Monitor, MonitorError, fit_pca
from twin.tags import Quality, TagBus

TAGS = [f"U-{k}.x" for k in range(8)]


@pytest.mark.parametrize("module", [twin.monitor.pca, twin.monitor.live])
def test_docstring_examples_run(module):
    assert doctest.testmod(module).failed == 0


def data(seed, n):
    rng = np.random.default_rng(seed)
    w = np.random.default_rng(42).normal(size=(3, 8))
    return rng.normal(size=(n, 3)) @ w + 0.2 * rng.normal(size=(n, 8))


def test_shares_are_the_reconstruction_by_hand():
    """phi(z) - min_f phi(z - f e_j) over phi(z), with Phi as a matrix and the minimum by a scalar search."""
    model = fit_pca(data(0, 500), TAGS, components=3)
    p, lam = model.loadings, model.eigenvalues[:3]
    phi = (np.eye(8) - p @ p.T) / model.spe_limit + p @ np.diag(1 / lam) @ p.T / model.t2_limit
    x = data(1, 5)
    x[:, 2] += 2.0
    shares = model.shares(x)
    for row, z in enumerate(model.scaled(x)):
        total = z @ phi @ z
        for j in range(8):
            f = np.linspace(-20, 20, 400_001)
            best = np.min(total - 2 * f * (phi[j] @ z) + f * f * phi[j, j])
            assert shares[row, j] == pytest.approx((total - best) / total, abs=1e-6)


@given(seed=st.integers(0, 2**32 - 1), tag=st.integers(0, 7), sign=st.sampled_from([-1, 1]))
@settings(max_examples=20, deadline=None)
def test_a_large_fault_in_one_tag_is_named_by_every_sample(seed, tag, sign):
    """Reconstruction names the faulty tag of a large single-tag fault in each faulty sample (Alcala & Qin 2009,
    where contributions may name a correlated tag)."""
    model = fit_pca(data(seed, 400), TAGS, components=3)
    x = data(seed + 1, 50)
    x[:, tag] += sign * 30 * model.scale[tag]
    check = model.check(x)
    assert check.alarm.all() and {check.top_tags(r, 1)[0] for r in range(50)} == {TAGS[tag]}


@pytest.mark.parametrize("lags", [0, 2])
def test_the_monitor_on_a_twin_writes_what_check_computes(lags):
    model = fit_pca(data(0, 1000), TAGS, components=3, lags=lags)
    y = data(5, 60)
    y[30:, 6] += 1.5
    tw = Twin()
    for j, name in enumerate(TAGS):
        tw.tags.define(name, initial=float(y[0, j]))

    def plant(tw):
        for row in y[1:]:
            yield tw.env.timeout(1.0)
            for j, name in enumerate(TAGS):
                tw.set(name, float(row[j]))

    tw.env.process(plant(tw))
    tw.add(Monitor(model, "MSPC-01", period=1.0))
    tw.run(until=59.5)
    check = model.check(y)
    _, t2, _ = tw.tags.history("MSPC-01.T2")
    _, spe, _ = tw.tags.history("MSPC-01.SPE")
    _, alarm, _ = tw.tags.history("MSPC-01.alarm")
    _, top, _ = tw.tags.history("MSPC-01.top")
    assert t2 == pytest.approx(check.t2[lags:], rel=1e-10) and spe == pytest.approx(check.spe[lags:], rel=1e-9)
    assert alarm.tolist() == check.alarm[lags:].astype(float).tolist()
    assert top.tolist() == [check.top_tags(r, 1)[0] if check.alarm[r] else "" for r in range(lags, 60)]
    assert tw.tags.read("MSPC-01.T2_limit") == model.t2_limit


def test_a_bad_or_missing_value_is_not_scored():
    model = fit_pca(data(0, 500), TAGS, components=3)
    bus = TagBus()
    for j, name in enumerate(TAGS):
        bus.define(name, initial=float(data(1, 1)[0, j]))
    monitor = Monitor(model, "MSPC-02").bind(bus)
    assert monitor.step(0.0) is False
    bus.write("U-3.x", 1.0, t=1.0, quality=Quality.BAD)
    assert monitor.step(1.0) is None
    assert math.isnan(bus.read("MSPC-02.T2")) and bus["MSPC-02.T2"].quality == Quality.BAD
    assert bus.read("MSPC-02.missing") == "U-3.x"
    bus.write("U-3.x", math.nan, t=2.0)
    assert monitor.step(2.0) is None and bus.read("MSPC-02.missing") == "U-3.x"


def test_a_model_of_other_tags_is_refused_by_name():
    model = fit_pca(data(0, 500), TAGS, components=3)
    bus = TagBus()
    for name in [*TAGS[:5], "U-5.y", *TAGS[6:]]:
        bus.define(name)
    with pytest.raises(MonitorError, match=r"monitor MSPC: no tag U-5.x \(did you mean U-5.y"):
        Monitor(model).bind(bus)
    with pytest.raises(MonitorError, match="period must be a positive number of seconds"):
        Monitor(model, period=0)
    with pytest.raises(MonitorError, match="the live monitor takes a PCA or PLS model, not dict"):
        Monitor({"tags": TAGS})


def test_a_pls_model_runs_live_and_writes_what_its_batch_methods_compute():
    """PLS on the TagBus (was refused): each step's T2, SPE, alarm, predicted quality and top tag equal
    PLSModel.statistics, predict and shares (contributions) of the same samples."""
    from twin.monitor import fit_pls

    x = data(0, 300)
    y = x[:, :2] @ [[1.0, 0.2], [0.5, -1.0]] + 0.1 * data(1, 300)[:, :2]
    pls = fit_pls(x, y, TAGS, ["Q-1.a", "Q-1.b"], components=3)
    bus = TagBus()
    for name in TAGS:
        bus.define(name)
    monitor = Monitor(pls, "PLS-01").bind(bus)
    new = data(2, 40)
    new[20:, 4] += 3.0   # a step in U-4.x from sample 20
    t2, spe = pls.statistics(new)
    predicted, shares = pls.predict(new), pls.shares(new)
    for k, row in enumerate(new):
        for name, value in zip(TAGS, row):
            bus.write(name, float(value), float(k))
        alarm = monitor.step(float(k))
        assert bus.read("PLS-01.T2") == pytest.approx(t2[k], rel=1e-10)
        assert bus.read("PLS-01.SPE") == pytest.approx(spe[k], rel=1e-10, abs=1e-12)
        assert alarm == bool(t2[k] > pls.t2_limit or spe[k] > pls.spe_limit)
        assert [bus.read("PLS-01.predicted.Q-1.a"), bus.read("PLS-01.predicted.Q-1.b")] == pytest.approx(
            predicted[k], rel=1e-10)
        assert bus.read("PLS-01.top") == (TAGS[int(np.argmax(shares[k]))] if alarm else "")
    assert bus.read("PLS-01.alarm") == 1.0 and bus.read("PLS-01.top") == "U-4.x"
