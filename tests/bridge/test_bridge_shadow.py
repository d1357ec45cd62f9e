"""Shadow mode against a reference: both signals held between changes, deviation = live - predicted at every
change of either, alarm exactly when the deviation leaves the band."""
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridge.shadow import Shadow, drive
from twin.tags import Quality, TagBus
from twin.twin import Twin

changes = st.lists(st.tuples(st.sampled_from(["live", "predicted"]), st.floats(0, 5), st.floats(-10, 10)),
                   min_size=1, max_size=40)


@given(changes, st.floats(0.1, 5))
def test_deviation_and_alarm_match_a_zero_order_hold_reference(seq, band):
    live, predicted = TagBus(), TagBus()
    for bus in (live, predicted):
        bus.define("R-101.TT-01", unit="K")
    Shadow(live, predicted, ["R-101.TT-01"], band=band)
    t, held, expected = 0.0, {"live": math.nan, "predicted": math.nan}, []
    for side, dt, value in seq:
        t += dt
        bus = live if side == "live" else predicted
        if value == held[side]:
            continue  # not a change: the bus does not notify
        bus.write("R-101.TT-01", value, t=t)
        held[side] = value
        deviation = held["live"] - held["predicted"]
        if not math.isnan(deviation):
            expected.append((t, deviation, abs(deviation) > band))
    times, deviations, _ = predicted.history("R-101.TT-01.deviation")
    alarms = predicted.history("R-101.TT-01.alarm")[1]
    got = [(ti, d, a) for ti, d, a in zip(times, deviations, alarms) if not math.isnan(d)]
    assert [g[0] for g in got] == [e[0] for e in expected]
    assert [g[1] for g in got] == pytest.approx([e[1] for e in expected])
    assert [bool(g[2]) for g in got] == [e[2] for e in expected]


def test_an_asymmetric_band_per_tag_and_bad_input():
    live, model = TagBus(), TagBus()
    for bus in (live, model):
        bus.define("TP-101.rate", unit="1/s", initial=100.0)
    out = TagBus()
    Shadow(live, model, ["TP-101.rate"], band={"TP-101.rate": (-5.0, 1.0)}, into=out)
    live.write("TP-101.rate", 102.0, t=1.0)  # +2 > +1: alarm
    assert out.read("TP-101.rate.deviation") == 2.0 and out.read("TP-101.rate.alarm") is True
    model.write("TP-101.rate", 105.0, t=2.0)  # -3 within (-5, 1)
    assert out.read("TP-101.rate.deviation") == -3.0 and out.read("TP-101.rate.alarm") is False
    with pytest.raises(KeyError, match="TP-102.rate is not in the live bus"):
        Shadow(live, model, ["TP-102.rate"], band=1.0)
    with pytest.raises(ValueError, match="low must not exceed high"):
        Shadow(live, model, ["TP-101.rate"], band=(2.0, 1.0), into=TagBus())
    with pytest.raises(ValueError, match="no band for tag TP-101.rate"):
        Shadow(live, model, ["TP-101.rate"], band={}, into=TagBus())


def test_drive_feeds_live_values_into_the_twin_at_the_plant_s_time():
    tw = Twin()
    tw.tags.define("LIW-101.F_sp", unit="kg/s", initial=1.0)
    live = TagBus()
    live.define("LIW-101.F_sp", unit="kg/s")
    drive(live, tw, ["LIW-101.F_sp"])
    tw.run(until=1.0)
    live.write("LIW-101.F_sp", 2.0, t=2.5)  # the twin is behind: it takes the value at 2.5 exactly
    live.write("LIW-101.F_sp", math.nan, t=2.7, quality=Quality.BAD)  # a gap marker is not an operator's value
    tw.run(until=5.0)
    live.write("LIW-101.F_sp", 3.0, t=3.0)  # the twin is past 3.0 already: it takes the value at once
    tw.run(until=6.0)
    times, values, _ = tw.tags.history("LIW-101.F_sp")
    assert list(times) == [0.0, 2.5, 5.0] and list(values) == [1.0, 2.0, 3.0]
    assert (2.5, "LIW-101.F_sp=2.0", "set") in tw.events
