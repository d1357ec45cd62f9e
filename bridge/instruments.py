"""Which model variable each instrument of a plant reads, so that ``twin serve`` answers SCADA clients that look for
instruments by tag (``LIW-101.FT-01``) with the twin's value (``LIW-101.massflow``).

An instrument's ``properties: {measures: TAG}`` in the plant overlay says it (``TAG`` a twin tag, or a signal of the
instrument's own asset). Otherwise the variable is found on the instrument's own asset by ISA-5.1: the first letter
of the instrument's signal names the measured quantity (F flow, W weight, T temperature, P pressure, L level,
S speed, A analysis), which fixes the units a candidate may have; set points and parameters (``*_sp``, ``*_set``,
``*_max``, ``*_min``, ``*_nom``, ``*_low``, ``tau*``) are left out, and among the rest the one sharing most words with
the instrument's description wins. No unique winner: no variable (the instrument is served without a value, and
``twin serve`` lists it with the fix).

>>> measured_variables(plant, twin.tags)["LIW-101.FT-01"]          # doctest: +SKIP
'LIW-101.massflow'
"""
from __future__ import annotations

import re
from collections.abc import Iterable

# ISA-5.1 first letters and the units of what they measure (SI and the units plant files use).
QUANTITY_UNITS = {
    "F": {"kg/s", "kg/h", "m3/s", "m3/h", "L/s", "L/min"},
    "W": {"kg", "g"},
    "T": {"K", "degC", "°C"},
    "P": {"Pa", "kPa", "bar"},
    "L": {"m", "%", "1"},
    "S": {"rpm", "1/s", "Hz"},
    "A": {"1", "%"},
    "M": {"1", "%"},  # moisture / humidity
}
KEYWORDS = {"F": {"flow", "massflow"}, "W": {"mass", "m", "weight", "hopper"}, "T": {"t", "temperature"},
            "P": {"p", "pressure"}, "L": {"level"}, "S": {"speed"}}
_NOT_MEASURED = re.compile(r"(_sp|_set|_max|_min|_nom|_low|_high)$|^tau", re.IGNORECASE)


def _words(text: str) -> set[str]:
    return {w for w in re.split(r"[^0-9a-z]+", text.lower()) if w}


def measured_variables(plant, tags: Iterable[str]) -> dict[str, str | None]:
    """Instrument tag -> the twin tag it reads (see the module doc), or None."""
    names = list(tags)
    units = {}
    if hasattr(tags, "__getitem__"):
        units = {name: tags[name].unit for name in names}
    found: dict[str, str | None] = {}
    for tag, instrument in plant.instruments.items():
        declared = instrument.properties.get("measures")
        if declared:
            full = declared if "." in declared else f"{instrument.asset}.{declared}"
            found[tag] = full if full in names else None
            continue
        letter = instrument.signal[:1].upper()
        allowed = {instrument.unit} if instrument.unit else QUANTITY_UNITS.get(letter, set())
        candidates = [n for n in names if n.split(".", 1)[0] == instrument.asset and n != tag
                      and not _NOT_MEASURED.search(n.split(".", 1)[1]) and units.get(n, "") in allowed]
        context = _words(instrument.name) | _words(instrument.type) | KEYWORDS.get(letter, set())
        scored = sorted(((len(_words(n.split(".", 1)[1]) & context), n) for n in candidates), reverse=True)
        unique = scored and (len(scored) == 1 or scored[0][0] > scored[1][0])
        found[tag] = scored[0][1] if unique else None
    return found
