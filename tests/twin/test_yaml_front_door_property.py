"""Property tests of the YAML front door (twin.config.loads), over documents drawn token by token.

`loads` reads a text through libyaml (fast, but its composer cannot refuse an alias bomb) only when a regular
expression finds no anchor or alias in it; otherwise through PyYAML's Python composer, which counts aliases. If the
expression missed an anchor or alias that the parser sees, an alias bomb in that spelling would reach libyaml and
hang every command. The drawn documents put anchors and aliases after every character YAML allows (brackets,
commas, colons with and without a space, line breaks, tags, explicit keys), so the two must agree; and every
document either loads to what PyYAML's own safe loader makes of it or is refused with a ConfigError naming the line.
"""
from contextlib import suppress

import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from twin import config
from twin.config import ConfigError

NAMES = st.sampled_from(["a", "b", "x1", "id001"])
GAP = st.sampled_from(["", "", " ", " ", "  ", "\n      ", " \n      ", "\t"])   # a tab: rarely valid YAML
SCALARS = st.sampled_from(["1", "2.5 m3", "lol", '"q"', "'s'", "null", "true", "-3", "4 h"])


@st.composite
def node(draw, depth: int = 0) -> str:
    """A flow-style YAML node: a scalar, an alias, or an (anchored, tagged) scalar, sequence or mapping."""
    kind = draw(st.sampled_from(["scalar", "alias", "seq", "map"] if depth < 3 else ["scalar", "alias"]))
    if kind == "alias":
        return "*" + draw(NAMES)
    anchor = draw(st.one_of(st.just(""), NAMES.map(lambda n: f"&{n}")))
    tag = draw(st.sampled_from(["", "", "!!str" if kind == "scalar" else "!!seq" if kind == "seq" else "!!map"]))
    head = " ".join(p for p in (tag, anchor) if p)
    head = head + " " if head else ""
    if kind == "scalar":
        return head + draw(SCALARS)
    items = draw(st.lists(node(depth + 1), max_size=4))
    if kind == "seq":
        body = ",".join(draw(GAP) + item + draw(GAP) for item in items)
        return f"{head}[{body}]"
    keys = [f'"k{i}"' for i in range(len(items))]   # a quoted key may take ':' with no space after it
    body = ",".join(f"{draw(GAP)}{k}:{draw(st.sampled_from([' ', '', ' ']))}{v}{draw(GAP)}"
                    for k, v in zip(keys, items))
    return f"{head}{{{body}}}"


@st.composite
def document(draw) -> str:
    """A block mapping of flow nodes, some under explicit keys ('? ') or anchored keys, some in a block sequence."""
    lines = []
    for i in range(draw(st.integers(1, 4))):
        value = draw(node())
        form = draw(st.sampled_from(["plain", "list", "explicit", "anchored key"]))
        if form == "plain":
            lines.append(f"k{i}: {value}")
        elif form == "anchored key":          # '&' first on its line, after the line break
            lines.append(f"&key{i} k{i}: {value}")
        elif form == "list":
            lines.append(f"k{i}:\n  - {value}\n  - {draw(node())}")
        else:
            lines.append(f"? k{i}\n: {value}")
    return "\n".join(lines) + "\n"


def _anchors_and_aliases(text: str) -> list[int] | None:
    """Where PyYAML's scanner finds each anchor ('&') and alias ('*') of ``text`` (None: not valid YAML to it)."""
    try:
        list(yaml.parse(text, Loader=yaml.SafeLoader))
        tokens = list(yaml.scan(text, Loader=yaml.SafeLoader))
    except yaml.YAMLError:
        return None
    return [k.start_mark.index for k in tokens if isinstance(k, (yaml.AnchorToken, yaml.AliasToken))]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(document())
def test_every_anchor_or_alias_the_parser_sees_sends_the_text_to_the_checked_loader(text):
    """Each one, not just one of them: a spelling the expression missed would be a bomb's way past it."""
    seen = _anchors_and_aliases(text)
    assume(seen is not None)
    found = {m.end() - 2 for m in config._ANCHOR_OR_ALIAS.finditer(text)}   # the '&' or '*' of each match
    assert set(seen) <= found, (text, sorted(set(seen) - found))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(document())
def test_a_document_loads_as_pyyaml_reads_it_or_is_refused_with_its_line(text):
    readings = {}
    for loader in (yaml.SafeLoader, yaml.CSafeLoader):   # libyaml takes a few spellings PyYAML refuses ('k:\t 1')
        with suppress(yaml.YAMLError):
            readings[loader] = yaml.load(text, Loader=loader)
    try:
        loaded = config.loads(text, file="drawn.yaml")
    except ConfigError as err:
        assert err.file == "drawn.yaml" and (err.line is not None or "alias" not in str(err)), str(err)
        # refused: not YAML to PyYAML (which reads every text with anchors), a duplicate key, or a cycle
        assert (yaml.SafeLoader not in readings or "duplicate key" in str(err) or "cycle" in str(err)
                or "too many aliases" in str(err)), str(err)
        return
    assert any(_plain(loaded) == _plain(r) for r in readings.values()), text


def _plain(value):
    """Lists and dicts all the way down (the loader's Mapping and Sequence carry their lines)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
