"""The mapping file: conversions against their definitions, and every bad input named by file, line and key."""
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridge.mapping import dump_mapping, load_mapping, parse_mapping
from twin.config import ConfigError

GOOD = """\
endpoint: opc.tcp://plc.example:4840
subscription: {publishing_interval: 250 ms, sampling_interval: 0.05, queue_size: 5}
tags:
  - tag: R-101.TT-01
    node: ns=2;s=R101.TT01
    unit: K
    source_unit: degC
  - tag: R-101.PT-01
    path: 2:Plant/2:R-101/2:PT-01
    unit: Pa
    source_unit: bar
  - {tag: R-101.level, node: "ns=2;i=1001", scale: 0.01, offset: -0.5}
  - {tag: R-101.state, node: "ns=2;s=R101.State", type: str}
"""


def test_a_good_mapping_and_its_conversions():
    m = parse_mapping(GOOD, source="plant.yaml")
    assert m.endpoint == "opc.tcp://plc.example:4840"
    assert (m.publishing_interval, m.sampling_interval, m.queue_size) == (0.25, 0.05, 5)  # "250 ms" -> 0.25 s
    tt, pt, level, state = m.tags
    # Definitions: T/K = t/degC + 273.15 (SI brochure, 9th ed., 2.3.1); 1 bar = 1e5 Pa exactly.
    assert tt.convert(25.0) == pytest.approx(298.15, abs=1e-12)
    assert tt.convert(-273.15) == pytest.approx(0.0, abs=1e-12)
    assert pt.convert(1.2) == pytest.approx(1.2e5, rel=1e-15)
    assert level.convert(250) == pytest.approx(2.0)
    assert state.convert("running") == "running" and state.convert(3) == "3"
    assert pt.path == "2:Plant/2:R-101/2:PT-01" and tt.where == "plant.yaml:4"


@given(st.floats(-1e6, 1e6), st.floats(-1e3, 1e3), st.floats(-1e6, 1e6))
def test_scaling_is_raw_times_scale_plus_offset(raw, scale, offset):
    m = parse_mapping(f"tags:\n  - {{tag: A-1.x, node: 'ns=1;i=1', scale: {scale:.17e}, offset: {offset:.17e}}}\n")
    assert m.tags[0].convert(raw) == pytest.approx(raw * scale + offset, rel=1e-12, abs=1e-9)


names = st.from_regex(r"[A-Z]{1,3}-[0-9]{1,3}\.[A-Za-z][A-Za-z0-9_-]{0,8}", fullmatch=True)


@given(st.lists(st.tuples(names, st.sampled_from(["float", "int", "bool", "str"]), st.booleans()),
                min_size=1, max_size=8, unique_by=lambda t: t[0]))
def test_dump_then_parse_gives_the_same_mapping(entries):
    text = "tags:\n" + "".join(
        f"  - {{tag: {tag}, {'node' if by_node else 'path'}: "
        f"'{'ns=2;s=' + tag if by_node else '2:Plant/2:' + tag.replace('.', '/2:')}', type: {kind}}}\n"
        for tag, kind, by_node in entries)
    first = parse_mapping(text)
    again = parse_mapping(dump_mapping(first))
    assert [(t.tag, t.node, t.path, t.dtype) for t in again.tags] == [(t.tag, t.node, t.path, t.dtype)
                                                                         for t in first.tags]


def test_unconvertible_values_name_node_tag_and_types():
    tt = parse_mapping(GOOD, source="plant.yaml").tags[0]
    with pytest.raises(TypeError, match=r"plant.yaml:4: node ns=2;s=R101.TT01 sent 'hot' \(str\), which does not "
                                        r"convert to tag R-101.TT-01 of type float"):
        tt.convert("hot")
    count = parse_mapping("tags:\n  - {tag: A-1.n, node: 'ns=1;i=1', type: int}\n").tags[0]
    assert count.convert(3.0) == 3
    with pytest.raises(TypeError, match="does not convert to tag A-1.n of type int"):
        count.convert(2.5)
    flag = parse_mapping("tags:\n  - {tag: A-1.on, node: 'ns=1;i=1', type: bool}\n").tags[0]
    assert flag.convert(1) is True
    with pytest.raises(TypeError, match="of type bool"):
        flag.convert(7)


@pytest.mark.parametrize("text, message", [
    ("tags: [\n", r"<mapping>:2.*not valid YAML"),
    ("endpoint: opc.tcp://x:1\n", r"missing key 'tags'"),
    ("tags: []\n", r"key 'tags'(.|\n)*expected: a list of (.|\n)*at least 1"),
    ("tags:\n  - {tag: R-101.TT-01, nod: 'ns=2;i=1'}\n", r"<mapping>:2, key 'tags\[0\].nod'.*unknown key 'nod'"
                                                         r"(.|\n)*did you mean 'node'"),
    ("tags:\n  - {tag: R101, node: 'ns=2;i=1'}\n", r"key 'tags\[0\].tag'"),
    ("tags:\n  - {tag: R-101.TT-01}\n", r"<mapping>:2, key 'tags\[0\]': tag R-101.TT-01 needs exactly one of"),
    ("tags:\n  - {tag: R-101.TT-01, node: 'ns=2;q=1'}\n", r"key 'tags\[0\].node'.*is not a NodeId"),
    ("tags:\n  - {tag: R-101.TT-01, node: 'ns=2;i=1', type: double}\n", r"tags\[0\].type(.|\n)*one of float"),
    ("tags:\n  - {tag: A-1.x, node: 'ns=2;i=1'}\n  - {tag: A-1.x, node: 'ns=2;i=2'}\n",
     r"<mapping>:3.*already mapped on line 2"),
    ("tags:\n  - {tag: A-1.x, node: 'ns=2;i=1', unit: K, source_unit: bar}\n",
     r"tags\[0\].source_unit.*cannot convert 'bar' to 'K'"),
    ("subscription: {publishing_interval: 0}\ntags:\n  - {tag: A-1.x, node: 'ns=2;i=1'}\n",
     r"<mapping>:1, key 'subscription'.*positive"),
    ("subscription: {queue_size: 0}\ntags:\n  - {tag: A-1.x, node: 'ns=2;i=1'}\n",
     r"<mapping>:1, key 'subscription.queue_size': got int 0(.|\n)*an integer >= 1"),
    ("endpoint: http://x\ntags:\n  - {tag: A-1.x, node: 'ns=2;i=1'}\n", r"key 'endpoint'(.|\n)*opc"),
])
def test_bad_mappings_are_named_by_line_and_key(text, message):
    with pytest.raises(ConfigError, match=message):
        parse_mapping(text)


def test_missing_file_suggests_discover(tmp_path):
    with pytest.raises(ConfigError, match=r"file not found(.|\n)*twin bridge --discover"):
        load_mapping(tmp_path / "plant.yaml")
    (tmp_path / "plant.yaml").write_text(GOOD)
    assert len(load_mapping(tmp_path / "plant.yaml").tags) == 4
    assert math.isclose(load_mapping(tmp_path / "plant.yaml").tags[0].convert(0.0), 273.15)
