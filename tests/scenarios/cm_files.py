"""The continuous-manufacturing example scenario for the tests, with its plant path made absolute.

``flagship_text()`` is the flagship as it was before the plant's instruments and the twin's uncertainty (issue 17):
no feeder flow or load-cell noise, no ``uncertainty:`` (so no estimator and no band), the gate without hysteresis
or alarms, no large-sample PAT release. The tests that check the Twin against analytical references need that
ideal line; ``realistic=True`` gives the file as shipped.
"""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FLAGSHIP = ROOT / "scenarios" / "continuous_manufacturing" / "flagship.yaml"
CM_PLANT = ROOT / "plant_models" / "osd_cm_line" / "osd_cm_line.ifc"


def ideal(text: str) -> str:
    """The flagship's text without instrument noise, uncertainty, gate hysteresis and alarms."""
    text = re.sub(r",\s*flow_noise: [^,}]+,\s*load_cell_noise: [^,}]+}", "}", text)
    text = re.sub(r"\nuncertainty:\n(  .*\n)+", "\n", text)
    text = text.replace("tablets: 10, pat_units: 500}", "tablets: 10}")
    return text.replace("switch_time: 0.5 s, hold: 30 s, settle: 10 s, alarm: 10 %}", "switch_time: 0.5 s}")


def flagship_text(*replacements: tuple[str, str], realistic: bool = False) -> str:
    """The flagship scenario's text (ideal unless ``realistic``) with each ``(old, new)`` replaced (each ``old``
    must occur)."""
    text = FLAGSHIP.read_text().replace("../../plant_models/osd_cm_line/osd_cm_line.ifc", str(CM_PLANT))
    if not realistic:
        text = ideal(text)
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    return text
