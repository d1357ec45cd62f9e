"""PLS by NIPALS against scikit-learn's PLSRegression (the peer: the same algorithm, run side by side; they agree to
1e-6 when both power iterations run to convergence; the last components of noise converge slowly)."""
import doctest

import numpy as np
import pytest

import twin.monitor.pls
from twin.monitor import MonitorError, fit_pls

X_TAGS = [f"P-{k}.x" for k in range(7)]


def plant(seed, n=400, q=2):
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(n, 3))
    x = latent @ rng.normal(size=(3, 7)) + 0.3 * rng.normal(size=(n, 7)) + 5
    y = latent[:, :2] @ rng.normal(size=(2, q)) + 0.1 * rng.normal(size=(n, q))
    return x, y


@pytest.mark.parametrize(("q", "a"), [(1, 2), (2, 3), (3, 5)])
def test_nipals_equals_scikit_learns_pls(q, a):
    from sklearn.cross_decomposition import PLSRegression

    x, y = plant(q, q=q)
    model = fit_pls(x, y, X_TAGS, [f"Q-{k}.y" for k in range(q)], components=a, tol=1e-13, max_iter=20000)
    peer = PLSRegression(n_components=a, scale=True, tol=1e-15, max_iter=20000).fit(x, y)
    new = plant(10 + q, n=50, q=q)[0]
    assert model.predict(new) == pytest.approx(peer.predict(new).reshape(50, q), rel=1e-6, abs=1e-6)
    signs = np.sign(np.sum(model.weights * peer.x_weights_, axis=0))
    assert model.weights * signs == pytest.approx(peer.x_weights_, abs=1e-6)
    assert model.x_loadings * signs == pytest.approx(peer.x_loadings_, abs=1e-6)
    assert model.scores(new) * signs == pytest.approx(peer.transform(new), rel=1e-6, abs=1e-6)
    assert model.coefficients == pytest.approx(peer.coef_.T, rel=1e-6, abs=1e-6)


def test_monitoring_statistics_by_hand():
    x, y = plant(0)
    model = fit_pls(x, y, X_TAGS, ["Q-0.y", "Q-1.y"], components=3)
    t = model.scores(x)
    t2, spe = model.statistics(x[:1])
    assert t2[0] == pytest.approx(np.sum(t[0] ** 2 / t.var(axis=0, ddof=1)), rel=1e-10)
    z = (x[0] - x.mean(0)) / x.std(0, ddof=1)
    assert spe[0] == pytest.approx(np.sum((z - model.x_loadings @ t[0]) ** 2), rel=1e-10)
    assert t2.mean() < model.t2_limit and np.mean(model.statistics(x)[1] > model.spe_limit) < 0.03


def test_docstring_example_runs():
    assert doctest.testmod(twin.monitor.pls).failed == 0


def test_bad_input():
    x, y = plant(0)
    with pytest.raises(MonitorError, match="components must be 1 to 7"):
        fit_pls(x, y, X_TAGS, ["Q-0.y", "Q-1.y"], components=8)
    with pytest.raises(MonitorError, match="400 process samples but 399 quality samples"):
        fit_pls(x, y[1:], X_TAGS, ["Q-0.y", "Q-1.y"], components=2)
    y[:, 1] = 3.0
    with pytest.raises(MonitorError, match="tag Q-1.y is constant"):
        fit_pls(x, y, X_TAGS, ["Q-0.y", "Q-1.y"], components=2)


def test_pls_model_file_round_trip_and_command(tmp_path, capsys):
    import json

    from twin.cli import main
    from twin.monitor.modelfile import load, save, to_dict

    x, y = plant(0)
    model = fit_pls(x, y, X_TAGS, ["Q-0.y", "Q-1.y"], components=3)
    save(model, tmp_path / "m.json")
    again = load(tmp_path / "m.json")
    assert to_dict(again) == to_dict(model) and np.array_equal(again.predict(x[:5]), model.predict(x[:5]))
    doc = json.loads((tmp_path / "m.json").read_text())
    doc["limits"]["t2"] = 3.0
    (tmp_path / "edited.json").write_text(json.dumps(doc))
    with pytest.raises(MonitorError, match="limits.t2 is 3.0 but the model's numbers give"):
        load(tmp_path / "edited.json")

    header = ",".join(["t", *X_TAGS, "Q-0.y", "Q-1.y"])
    np.savetxt(tmp_path / "normal.csv", np.column_stack([np.arange(400), x, y]), delimiter=",", header=header,
               comments="")
    assert main(["monitor", "fit", str(tmp_path / "normal.csv"), "--quality", "Q-0.y,Q-1.y", "--components", "3",
                 "-o", str(tmp_path / "pls.json")]) == 0
    assert "PLS of Q-0.y, Q-1.y on 7 process tags, 3 components" in capsys.readouterr().out
    fitted = load(tmp_path / "pls.json")
    assert fitted.predict(x[:3]) == pytest.approx(model.predict(x[:3]), rel=1e-9)  # NIPALS stops at 1e-10
    new = plant(5, n=40)[0]
    np.savetxt(tmp_path / "day.csv", new, delimiter=",", header=",".join(X_TAGS), comments="")
    main(["monitor", "check", str(tmp_path / "pls.json"), str(tmp_path / "day.csv"), "--json"])
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert [r["quality"]["Q-1.y"] for r in rows] == pytest.approx(fitted.predict(new)[:, 1], rel=1e-12, abs=1e-14)
    assert [r["t2"] for r in rows] == pytest.approx(fitted.statistics(new)[0], rel=1e-12)
    code = main(["monitor", "fit", str(tmp_path / "normal.csv"), "--quality", "Q-0.y", "-o", str(tmp_path / "b.json")])
    assert code == 2 and "--quality fits PLS, which takes a number of --components" in capsys.readouterr().err
    assert not (tmp_path / "b.json").exists()
