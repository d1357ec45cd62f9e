"""Naming discovered nodes by plant tags, and a twin kept in step with the wall clock."""
import asyncio

import pytest

from bridge.discover import guess_tag
from bridge.realtime import run_in_real_time
from twin.tags import TAG_NAME
from twin.twin import Twin

PLANT_TAGS = {"r101.tt01": "R-101.TT-01", "liw101.fsp": "LIW-101.F_sp"}


@pytest.mark.parametrize("path, tag", [
    (["Reactors", "R101", "TT_01"], "R-101.TT-01"),          # case, dashes and underscores do not matter
    (["Line", "liw-101", "F SP"], "LIW-101.F_sp"),
    (["Line", "Press 1", "rate (tabs/h)"], "Press_1.rate_tabs_h"),  # no plant tag: made from the names
    (["flow"], "Objects.flow"),
])
def test_node_names_are_matched_to_plant_tags(path, tag):
    assert guess_tag(path, PLANT_TAGS) == tag and TAG_NAME.match(tag)


def test_real_time_runs_the_twin_to_the_end_time_and_refuses_bad_speeds():
    tw = Twin(sample_interval=1.0)
    asyncio.run(run_in_real_time(tw, speed=50.0, step=0.02, until=10.0))
    assert tw.now == 10.0
    with pytest.raises(ValueError, match="speed and step must be positive"):
        asyncio.run(run_in_real_time(tw, speed=0.0))
