"""The flagship's figures draw thinned curves that keep every extreme: a one-sample spike anywhere in a day of 1 s
samples shows in content.png's and feeders.png's full-run panels at its value and time, with at most 2 x 1,500
points per curve (scenarios.figures.thinned); the zoom panels of content.png draw the raw samples of their window.
The weight chart averages per minute (the block means by hand) and draws the fill-depth correction's extremes."""
import numpy as np
import pytest
from cm_files import FLAGSHIP

from scenarios.continuous_manufacturing.figures import content, feeders, weight_chart
from scenarios.continuous_manufacturing.params import CmParams
from scenarios.scenario import load

N = 86_401
SETTINGS = CmParams.of(load(FLAGSHIP).variants["base"])   # limits 95-105 %, margin 1 %, 400 mg, deadband 0.3 %


@pytest.fixture(scope="module")
def traces():
    rng = np.random.default_rng(0)
    t = np.arange(N, dtype=float)
    true = 100 + 0.3 * rng.standard_normal(N)
    true[43_210] = 91.0                                  # one sample's spike
    diverting = np.zeros(N)
    diverting[43_200:43_260] = 1
    out = {"t": t, "api_true": true, "api_predicted": true + 0.1, "api_nir": true - 0.1,
           "api_band_low": true - 1, "api_band_high": true + 1, "diverting": diverting,
           "massflow.LIW-101": 6 + 0.01 * rng.standard_normal(N),
           "tablet_weight": 400 + rng.standard_normal(N), "tablet_weight_uncontrolled": 400 + rng.standard_normal(N),
           "fill_correction": 0.5 * rng.standard_normal(N)}
    out["massflow.LIW-101"][70_000] = 0.0
    out["fill_correction"][12_345] = 7.0
    return out


def test_the_full_run_panels_keep_the_extremes_with_few_points(traces):
    fig = content(traces, SETTINGS)
    top, zoom = fig.axes[0], fig.axes[1]
    for line in top.lines[:3]:                           # NIR, true, predicted (the limits are axhlines)
        assert len(line.get_xdata()) <= 3000
    true = top.lines[1]
    assert true.get_ydata().min() == 91.0 and true.get_xdata()[np.argmin(true.get_ydata())] == 43_210 / 3600
    raw = zoom.lines[1].get_ydata()                      # the zoom: every sample of its window
    assert len(raw) > 60 and 91.0 in raw and np.all(np.diff(zoom.lines[1].get_xdata()) > 0)
    flow = feeders(traces).axes[0].lines[0]
    assert len(flow.get_xdata()) <= 3000 and flow.get_ydata().min() == 0.0


def test_the_weight_chart_shows_minute_means_and_the_corrections_extremes(traces):
    fig = weight_chart(traces, SETTINGS)
    top, bottom = fig.axes
    pressed = top.lines[1].get_ydata()
    np.testing.assert_allclose(pressed, traces["tablet_weight"][:N - 1].reshape(-1, 60).mean(axis=1))
    assert bottom.lines[0].get_ydata().max() == 7.0
