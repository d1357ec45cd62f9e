"""Any scenario the schema accepts runs; any it refuses is refused with file, line and key (hypothesis).

A line_capacity scenario (the fastest study: a two-day horizon, one replication) with its numbers drawn: times
with units (any sign, zero, huge, units of the wrong kind), triangular and named distributions, release patterns,
shift patterns, breakdowns. Loading either raises a ConfigError pointing into the file, or gives parameters whose
replication runs to the end with finite KPIs. Before the sign checks, `mttr: -2 h` loaded and then failed in NumPy
("ValueError: scale < 0") in every replication.
"""
import math

import numpy as np
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from scenario_files import SMALL

from scenarios.scenario import BASE, load
from twin.config import ConfigError

UNITS = ["s", "min", "h", "d", "kg", "parsecs", ""]
NUMBERS = st.sampled_from([-1.0, 0.0, 1e-3, 0.5, 1.0, 2.5, 30.0, 1e6, 1e300]) | st.floats(-10, 100, allow_nan=False)
ANY_TIME = st.builds(lambda x, unit: f"{x!r} {unit}".strip(), NUMBERS, st.sampled_from(UNITS))
HOURS = st.floats(0.05, 48)
GOOD_TIME = st.builds(lambda h: f"{h!r} h", HOURS)
TRIANGULAR = st.lists(HOURS, min_size=3, max_size=3).map(lambda t: "[" + ", ".join(f"{h!r} h" for h in sorted(t)) + "]")
NAMED = st.builds(lambda d, a, b: f"{{dist: {d}, mean: {a}, sd: {b}}}",
                  st.sampled_from(["normal", "lognormal", "exponential", "gamma"]), GOOD_TIME, ANY_TIME | GOOD_TIME)
DURATIONS = st.one_of(GOOD_TIME, GOOD_TIME, TRIANGULAR, NAMED, ANY_TIME)  # about half plausible, half anything
FIELDS = {
    "    process: [2 h, 3 h, 4 h]": lambda v: f"    process: {v}",
    "    process: 2 h": lambda v: f"    process: {v}",
    "    mtbf: 50 h": lambda v: f"    mtbf: {v}",
    "    mttr: 2 h": lambda v: f"    mttr: {v}",
    "    cleaning: 1 h": lambda v: f"    cleaning: {v}",
    "release: {pattern: poisson, every: 5 h}": lambda v: f"release: {{pattern: fixed, every: {v}}}",
    "warmup: 1 d": lambda v: f"warmup: {v}",
}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.dictionaries(st.sampled_from(sorted(FIELDS)), DURATIONS, min_size=1, max_size=3))
def test_an_accepted_scenario_runs_and_a_refused_one_is_named(write_scenario, changes):
    text = SMALL.replace("horizon: 10 d", "horizon: 2 d").replace("replications: 3", "replications: 1")
    for field, value in changes.items():
        text = text.replace(field, FIELDS[field](value))
    try:
        scenario = load(write_scenario(text))
    except ConfigError as err:
        assert err.file is not None and err.line is not None and err.key, str(err)
        event("refused")
        return
    event("accepted and run")
    params = scenario.variants[BASE]
    run = scenario.study.run(params, np.random.SeedSequence(scenario.seed))
    assert run.kpis and all(math.isfinite(v) or math.isnan(v) for v in run.kpis.values())
