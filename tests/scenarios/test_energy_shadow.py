"""Shadow mode (scenarios.energy.shadow): the model on tags from a TagBus, against its own run on the same weather and
against a meter whose bias and scatter are known."""
import functools
from pathlib import Path

import numpy as np
import pytest

from scenarios import scenario
from scenarios.energy import model, shadow, weather
from twin.tags import Quality, TagBus

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "scenarios" / "energy" / "osd_cm_line.yaml"
TAGS = {"dry_bulb": "SITE.TT-OUT", "dew_point": "SITE.TD-OUT", "meter": "SITE.JT-EL"}


@functools.cache
def week():
    params = scenario.load(EXAMPLE).variants["base"]
    return params, model.balance(params)


def site(params, meter_t, meter_w) -> TagBus:
    """A bus as the bridge would fill it: hourly weather (the scenario's design day) and the meter."""
    bus = TagBus()
    hours = int(params["horizon"] // 3600)
    t = 3600.0 * np.arange(hours + 1)
    dry = weather.design_day(params["weather"]["max"], params["weather"]["range"], hours)
    for name, unit, values in ((TAGS["dry_bulb"], "K", dry), (TAGS["dew_point"], "K",
                                                                np.minimum(params["weather"]["dew_point"], dry))):
        bus.define(name, unit=unit)
        bus.record(name, t, values)
    bus.define(TAGS["meter"], unit="W")
    bus.record(TAGS["meter"], meter_t, meter_w)
    return bus


def test_on_the_design_day_from_tags_the_shadow_predicts_what_the_model_does():
    params, flows = week()
    run = shadow.compare(params, site(params, flows.t, flows.power.electricity), **TAGS)
    assert run.predicted == pytest.approx(flows.power.electricity, rel=1e-12)
    assert run.nmbe == pytest.approx(0.0, abs=1e-12) and run.cv_rmse == pytest.approx(0.0, abs=1e-12)
    assert run.calibrated


def test_a_biased_scattered_meter_gives_the_nmbe_and_cv_rmse_of_guideline_14():
    params, flows = week()
    predicted = flows.power.electricity
    noise = np.random.default_rng(7).normal(0.0, 0.08, predicted.size)
    metered = predicted * (1.05 + noise)
    run = shadow.compare(params, site(params, flows.t, metered), **TAGS)
    hourly = (metered - predicted).reshape(-1, 12).mean(axis=1)   # 5-min steps: the hours' mean errors
    # the formulas of ASHRAE Guideline 14 on hourly data, by hand
    assert run.nmbe == pytest.approx(hourly.sum() / (hourly.size * metered.mean()), rel=1e-12)
    assert run.cv_rmse == pytest.approx(np.sqrt((hourly**2).mean()) / metered.mean(), rel=1e-12)
    assert run.cv_rmse < np.sqrt(((metered - predicted)**2).mean()) / metered.mean()   # the scatter averages out
    assert run.nmbe == pytest.approx(0.05 / 1.05, abs=0.01)   # the 5% the meter reads high
    assert run.calibrated
    far = shadow.compare(params, site(params, flows.t, predicted * 1.2), **TAGS)
    assert far.nmbe == pytest.approx(0.2 / 1.2) and not far.calibrated


def test_bad_or_missing_tags_are_named():
    params, flows = week()
    bus = site(params, flows.t[: flows.t.size // 2], flows.power.electricity[: flows.t.size // 2])
    with pytest.raises(ValueError, match="tag 'SITE.JT-EL' covers 0 h to 83.9"):
        shadow.compare(params, bus, **TAGS)
    with pytest.raises(KeyError, match="no tag 'SITE.TT-OUT2'"):
        shadow.compare(params, bus, **{**TAGS, "dry_bulb": "SITE.TT-OUT2"})
    # samples of bad quality do not count: the meter's second half arrives bad
    bus.record(TAGS["meter"], flows.t[flows.t.size // 2:], flows.power.electricity[flows.t.size // 2:],
               quality=Quality.BAD)
    with pytest.raises(ValueError, match="covers 0 h to 83.9"):
        shadow.compare(params, bus, **TAGS)


def test_a_step_that_does_not_divide_the_hour_is_refused():
    params, flows = week()
    seven = {**params, "step": 420.0, "horizon": 86400.0}    # 7-min steps: a day is not whole hours of them
    with pytest.raises(ValueError, match="must divide an hour"):
        shadow.compare(seven, site(params, flows.t, flows.power.electricity), **TAGS)
