"""The README's discrete-event example runs as written, and its statistics are right (checked by hand)."""
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_des_example_runs(capsys):
    section = re.search(r"## Discrete-event core.*?```python\n(.*?)```", README.read_text(), re.S)
    assert section, "README lost its 'Discrete-event core' example"
    exec(compile(section.group(1), "README.md", "exec"), {})
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines[:5]] == ["3.5", "3.5", "7.0", "7.0", "10.5"]
    # Two presses, five 3.5-minute batches in 20 minutes: busy 17.5 of 40 press-minutes; B-2, B-3 wait 3.5 and
    # B-4 waits 7, so the queue integrates to 14 over 20 minutes and the mean wait is 14 / 5.
    utilization, mean_queue, mean_wait = map(float, lines[-1].split())
    assert (utilization, mean_queue, mean_wait) == pytest.approx((17.5 / 40, 14 / 20, 14 / 5))
