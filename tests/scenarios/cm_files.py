"""The continuous-manufacturing example scenario for the tests, with its plant path made absolute."""
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FLAGSHIP = ROOT / "scenarios" / "continuous_manufacturing" / "flagship.yaml"
CM_PLANT = ROOT / "plant_models" / "osd_cm_line" / "osd_cm_line.ifc"


def flagship_text(*replacements: tuple[str, str]) -> str:
    """The flagship scenario's text with each ``(old, new)`` replaced (each ``old`` must occur)."""
    text = FLAGSHIP.read_text().replace("../../plant_models/osd_cm_line/osd_cm_line.ifc", str(CM_PLANT))
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    return text
