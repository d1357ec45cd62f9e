"""TagBus: history, change notification and bad input, checked against a plain-list reference model."""
import math
import threading

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from twin.tags import Quality, TagBus, UnknownTagError

writes = st.lists(
    st.tuples(
        st.floats(min_value=0, max_value=10, allow_nan=False),  # time step
        st.one_of(st.floats(allow_nan=True, allow_infinity=False, width=32), st.integers(-5, 5)),
        st.sampled_from(list(Quality)),
    ),
    max_size=60,
)


@given(writes)
def test_history_and_notifications_match_a_list_model(seq):
    bus = TagBus()
    bus.define("R-101.TT-01", unit="K")
    seen = []
    bus.subscribe("R-101.*", lambda tag: seen.append((tag.timestamp, tag.value, tag.quality)))
    # Reference: every write recorded; a notification only when value or quality differs from the previous one.
    t, prev, expected_hist, expected_seen = 0.0, (math.nan, Quality.BAD), [], []
    for dt, value, quality in seq:
        t += dt
        bus.write("R-101.TT-01", value, t=t, quality=quality)
        value = float(value)
        expected_hist.append((t, value, quality))
        same_value = value == prev[0] or (math.isnan(value) and math.isnan(prev[0]))
        if not same_value or quality != prev[1]:
            expected_seen.append((t, value, quality))
        prev = (value, quality)
    times, values, qualities = bus.history("R-101.TT-01")
    assert list(times) == [h[0] for h in expected_hist]
    np.testing.assert_array_equal(values, np.array([h[1] for h in expected_hist], dtype=float))
    assert list(qualities) == [int(h[2]) for h in expected_hist]
    assert len(seen) == len(expected_seen)
    assert [s[0] for s in seen] == [e[0] for e in expected_seen]


def test_unknown_tag_suggests_the_closest_name():
    bus = TagBus()
    bus.define("R-101.TT-01", unit="K")
    with pytest.raises(UnknownTagError, match="did you mean R-101.TT-01"):
        bus.write("R-101.TT01", 1.0, t=0)
    with pytest.raises(UnknownTagError, match="did you mean R-101.TT-01"):
        bus["R-10l.TT-01"]


def test_bad_names_types_and_time_order():
    bus = TagBus()
    with pytest.raises(ValueError, match="ASSET.SIGNAL"):
        bus.define("R101")
    bus.define("P-101A.state", dtype=str)
    bus.define("P-101A.speed", unit="1/s")
    with pytest.raises(TypeError, match="holds float values; cannot store 'fast'"):
        bus.write("P-101A.speed", "fast", t=0)
    bus.write("P-101A.speed", 25, t=1.0)
    with pytest.raises(ValueError, match="older than its last value"):
        bus.write("P-101A.speed", 26, t=0.5)
    with pytest.raises(ValueError, match="already defined with unit '1/s'"):
        bus.define("P-101A.speed", unit="rpm")
    bus.write("P-101A.state", "running", t=1.0)
    assert bus.history("P-101A.state")[1].tolist() == ["running"]


def test_non_strict_bus_defines_on_first_write_and_unsubscribe_stops_calls():
    bus = TagBus(strict=False)
    calls = []
    stop = bus.subscribe("*", calls.append)
    bus.write("AHU-01.state", "running", t=0)
    stop()
    bus.write("AHU-01.state", "down", t=1)
    assert [c.name for c in calls] == ["AHU-01.state"]
    assert bus["AHU-01.state"].dtype is str and bus.read("AHU-01.state") == "down"
    assert bus.names("AHU-*") == ["AHU-01.state"]


def test_concurrent_writers_lose_nothing():
    bus = TagBus()
    names = [f"T-{i}.PV" for i in range(4)]
    for n in names:
        bus.define(n)

    def writer(name):
        for k in range(2000):
            bus.write(name, k, t=k)

    threads = [threading.Thread(target=writer, args=(n,)) for n in names]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    for n in names:
        assert bus.history(n)[1].tolist() == list(map(float, range(2000)))
    cols = bus.columns()
    assert len(cols["t"]) == 8000 and set(cols["tag"]) == set(names)


def test_record_appends_a_trace_like_single_writes():
    # Reference: the same samples written one by one.
    one, bulk = TagBus(), TagBus()
    for bus in (one, bulk):
        bus.define("BL-101.w_API", unit="1")
    times, values = np.arange(40.0), np.sin(np.arange(40.0))
    for t, v in zip(times, values):
        one.write("BL-101.w_API", v, t=t)
    bulk.record("BL-101.w_API", times[:3], values[:3])
    bulk.record("BL-101.w_API", times[3:], values[3:])
    for a, b in zip(one.history("BL-101.w_API"), bulk.history("BL-101.w_API")):
        np.testing.assert_array_equal(a, b)
    assert bulk["BL-101.w_API"].value == values[-1] and bulk["BL-101.w_API"].timestamp == 39.0
    with pytest.raises(ValueError, match="older than its last value"):
        bulk.record("BL-101.w_API", np.array([1.0, 2.0]), np.array([0.0, 0.0]))
