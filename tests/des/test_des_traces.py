"""Trace identity: the same model source runs on SimPy 4.1 (the reference) and on twin.des with the same seed;
the event traces (time, who, what, values) must be identical, time and order."""
import pytest
import simpy
import simpy.util  # noqa: F401  (the models reach start_delayed / subscribe_at as sim.util.*)
from des_models import MODELS, trace

import twin.des


@pytest.mark.parametrize("seed", [1, 7, 2024])
@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_trace_matches_simpy(model, seed):
    expected = trace(simpy, model, seed)
    actual = trace(twin.des, model, seed)
    assert len(expected) > 5, "the model must do something"
    assert actual == expected
    # Times keep their type as on SimPy (an int clock stays int), so printed traces agree too.
    assert [type(line[0]) for line in actual] == [type(line[0]) for line in expected]
