"""Defects found by the issue-18 audit (an outside user trying every point of the issue), each fixed where it was.

Each test fails on the code before its fix; the audit's note (notes/issue-18-audit.md) lists the commands tried.
"""
import re

from scenarios import compare


def test_the_comparison_table_keeps_long_names_and_numbers_in_their_columns():
    """`twin compare` of two safety results printed 'frequency.runaway_cooling_lossbase': a KPI name longer than
    its column ran into the variant's, and two 10-character numbers ('-1.829e-08') ran into each other."""
    rows = [{"kpi": "mean_frequency.runaway_cooling_loss", "variant": "a_variant_with_a_long_name", "base": -1.829e-08,
             "value": -1.5e-08, "difference": 3.29e-09, "p_value": 0.5, "significant": False, "unit": "1/yr"},
            {"kpi": "throughput", "variant": "b", "base": 1.0, "value": 2.0, "difference": 1.0, "p_value": 1e-6,
             "significant": True, "unit": "batches/s"}]
    lines = compare.table(rows).splitlines()
    fields = [re.split(r"\s+", line.strip()) for line in (lines[0], lines[2], lines[3])]
    assert fields[0] == ["KPI", "variant", "base", "variant", "diff", "p", "significant", "unit"]
    assert fields[1][:4] == ["mean_frequency.runaway_cooling_loss", "a_variant_with_a_long_name", "-1.829e-08",
                             "-1.5e-08"]
    assert [len(f) for f in fields[1:]] == [8, 8]
    # every column starts where its heading does
    assert lines[2].index("a_variant") == lines[3].index("b ") == lines[0].index("variant")
