"""Layers of protection analysis: a LOPA file (YAML, or a CSV worksheet) in, the risk register out.

A scenario is an initiating event with its frequency, conditional modifiers (probabilities such as occupancy), the
independent protection layers (IPLs) credited against it, and a consequence with its tolerable frequency. Each IPL
points at a plant tag (a sensor, a valve, a relief device) and has a PFD, given or computed from its SIF
architecture by :func:`scenarios.safety.sif.pfd_avg`. YAML::

    ipls:
      BPCS-TIC-101: {tag: R-101.TIC-01, pfd: 0.1}
      SIF-101:
        tag: R-101.TT-02
        sif: {architecture: 1oo2, lambda_d: 2e-6 1/h, dc: 0.6, beta: 0.1, t1: 1 yr}
        partner: {tag: R-101.TT-01, limit: 5}     # a redundant sensor (see scenarios.safety.live)
    scenarios:
      runaway R-101:
        initiating_event: cooling water failure
        frequency: 0.1 1/yr
        modifiers: {occupancy: 0.5}
        ipls: [BPCS-TIC-101, SIF-101]
        consequence: reactor rupture
        tolerable: 1e-5 1/yr

A CSV worksheet has one row per scenario: ``scenario, initiating_event, frequency, consequence, tolerable``, a
column ``cm:<name>`` per conditional modifier and ``ipl:<name>@<tag>`` per IPL (``sif:<name>@<tag>`` for a SIF),
holding the PFD credited in that scenario (empty: not credited). Frequencies carry their unit (``0.1 1/yr``);
inside everything is SI (1/s).
"""
from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path

from scenarios.safety.sif import ARCHITECTURES, pfd_avg, required_sil
from twin import config
from twin.config import ConfigError, ListOf, MapOf, Number, Quantity, Record, Str

YEAR = config.to_si("1 yr", "s")


class Frequency(Quantity):
    """A frequency with its unit written out (``1e-4 1/yr``): a bare number would silently mean per second."""

    def __init__(self) -> None:
        super().__init__("1/s")
        self.expected = "a frequency with its unit, like '1e-4 1/yr'"

    def validate(self, value, where):
        if not isinstance(value, str) or _number(value) is not None:  # YAML reads 1e-5 as text
            raise where.error(f"got {value!r} without a unit", expected=self.expected,
                              hint=f"write '{value} 1/yr' for a frequency per year")
        return super().validate(value, where)


class Probability(Number):
    """A probability in (0, 1]."""

    expected = "a probability in (0, 1]"

    def validate(self, value, where):
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
            raise self.fail(value, where, hint="a PFD of 0 would claim a perfect barrier; 1 credits nothing")
        return float(value)


SIF = Record({"architecture": Str(ARCHITECTURES), "lambda_d": Quantity("1/s", "2e-6 1/h"), "dc": Number(0),
              "beta": Number(0), "beta_d": Number(0), "t1": Quantity("s", "1 yr"), "mttr": Quantity("s", "8 h"),
              "mrt": Quantity("s", "8 h"), "lambda_sd": Quantity("1/s", "1e-6 1/h")},
             required=("architecture", "lambda_d", "t1"), defaults={"dc": 0.0, "beta": 0.0, "mttr": 8 * 3600.0},
             name="a SIF architecture")
DISAGREEMENT = Record({"tag": Str(), "limit": Number(0)}, required=("tag", "limit"), name="a redundant partner")
IPL = Record({"tag": Str(), "pfd": Probability(), "sif": SIF, "partner": DISAGREEMENT, "description": Str()},
             required=("tag",), name="an IPL")
SCENARIO = Record({"initiating_event": Str(), "frequency": Frequency(), "modifiers": MapOf(Probability()),
                   "ipls": ListOf(Str()), "consequence": Str(), "tolerable": Frequency()},
                  required=("initiating_event", "frequency", "consequence", "tolerable"), name="a LOPA scenario")
LOPA = Record({"ipls": MapOf(IPL), "scenarios": MapOf(SCENARIO)}, required=("scenarios",), name="a LOPA file")


@dataclass(frozen=True)
class Layer:
    """An independent protection layer: the plant tag it stands on and its PFD; ``sif`` is not None for a SIF
    (its architecture, empty when a worksheet gives the PFD)."""

    name: str
    tag: str
    pfd: float
    sif: dict | None = None
    where: tuple = (None, None)  # file, line
    partner: tuple[str, float] | None = None  # a redundant sensor's tag and the largest difference tolerated


@dataclass(frozen=True)
class Hazard:
    """One LOPA scenario, frequencies in 1/s; ``pfds`` holds the PFD each credited IPL has in this scenario."""

    name: str
    initiating_event: str
    frequency: float
    consequence: str
    tolerable: float
    modifiers: dict[str, float] = field(default_factory=dict)
    pfds: dict[str, float] = field(default_factory=dict)

    @property
    def unmitigated(self) -> float:
        return self.frequency * math.prod(self.modifiers.values())

    @property
    def mitigated(self) -> float:
        return self.unmitigated * math.prod(self.pfds.values())


@dataclass
class Lopa:
    """A LOPA study: its layers by name and its scenarios."""

    layers: dict[str, Layer]
    hazards: list[Hazard]
    file: Path | None = None


@dataclass(frozen=True)
class Entry:
    """One line of the risk register (frequencies per year)."""

    scenario: str
    consequence: str
    frequency: float
    tolerable: float
    gap: float          # mitigated / tolerable: above 1 the risk is not tolerable
    rrf_needed: float   # what the SIFs must bring: frequency without them / tolerable
    sil_required: int   # the SIL band of 1 / rrf_needed


def load(path: str | Path) -> Lopa:
    """Read a LOPA file, ``.yaml`` or ``.csv``; raises :class:`ConfigError` naming file, line and key."""
    path = Path(path)
    if path.suffix.lower() == ".csv":
        return read_csv(path)
    doc = config.load(path, LOPA)
    layers = {name: _layer(name, spec) for name, spec in doc["ipls"].items()}
    hazards = []
    for name, spec in doc["scenarios"].items():
        for i, ipl in enumerate(spec["ipls"]):
            if ipl not in layers:
                raise spec["ipls"].error(i, f"unknown IPL '{ipl}'", expected="an IPL declared under 'ipls:'",
                                         hint=config.suggest(ipl, layers) or f"add '{ipl}' under ipls:")
        hazards.append(Hazard(name, spec["initiating_event"], spec["frequency"], spec["consequence"],
                              spec["tolerable"], dict(spec["modifiers"]),
                              {ipl: layers[ipl].pfd for ipl in spec["ipls"]}))
    return Lopa(layers, hazards, path)


def _layer(name: str, spec) -> Layer:
    if (spec["pfd"] is None) == (spec["sif"] is None):
        raise spec.error("tag", f"IPL '{name}' needs either 'pfd' or 'sif' (exactly one)",
                         hint="pfd: 0.1 for a BPCS loop, or sif: {architecture: 1oo2, ...}")
    pfd = spec["pfd"]
    if spec["sif"] is not None:
        if spec["sif"]["architecture"] == "1oo2D" and spec["sif"]["lambda_sd"] is None:
            raise spec["sif"].error("architecture", f"the 1oo2D SIF of IPL '{name}' has no lambda_sd",
                                    expected="the channel's safe detected failure rate, e.g. lambda_sd: 1e-6 1/h",
                                    hint="1oo2D's diagnostics take a channel out on safe detected failures too "
                                         "(IEC 61508-6 B.3.2.2.4)")
        pfd = pfd_avg(**spec["sif"])
        if not 0 < pfd <= 1:
            raise spec.error("sif", f"the SIF of IPL '{name}' has a PFDavg of {pfd:.3g}, outside (0, 1]",
                             hint="check lambda_d (per hour) and the proof-test interval t1")
    partner = (spec["partner"]["tag"], spec["partner"]["limit"]) if spec["partner"] else None
    return Layer(name, spec["tag"], pfd, dict(spec["sif"]) if spec["sif"] else None, (spec.file, spec.line), partner)


#: the columns every LOPA worksheet has
COLUMNS = ("scenario", "initiating_event", "frequency", "consequence", "tolerable")


def read_csv(path: Path) -> Lopa:
    """A LOPA worksheet: one row per scenario, ``cm:``, ``ipl:`` and ``sif:`` columns (see the module doc)."""
    if not path.exists():
        raise ConfigError(f"file not found: {path}", file=path, hint=config.suggest_file(path.resolve()))
    with path.open(newline="", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    if not rows:
        raise ConfigError("the LOPA worksheet is empty", file=path, line=1, expected="a header row")
    header = [h.strip() for h in rows[0]]
    layers = _csv_layers(path, header)
    hazards: list[Hazard] = []
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise ConfigError(f"row has {len(row)} cells, the header {len(header)}", file=path, line=line,
                              hint="check for a stray or a missing comma")
        hazards.append(_csv_hazard(path, line, dict(zip(header, (c.strip() for c in row), strict=True)),
                                   {h.name for h in hazards}))
    return Lopa(layers, hazards, path)


def _csv_layers(path: Path, header: list[str]) -> dict[str, Layer]:
    """The worksheet's header checked, and its IPLs (``ipl:<name>@<tag>``, ``sif:<name>@<tag>``)."""
    for name in COLUMNS:
        if name not in header:
            raise ConfigError(f"missing column '{name}'", file=path, line=1, expected=f"columns {', '.join(COLUMNS)}",
                              hint=config.suggest(name, header))
    layers: dict[str, Layer] = {}
    for h in header:
        if h not in COLUMNS and not h.startswith(("cm:", "ipl:", "sif:")):
            raise ConfigError(f"unknown column '{h}'", file=path, line=1, key=h,
                              expected=f"{', '.join(COLUMNS)}, cm:<modifier>, ipl:<name>@<tag> or sif:<name>@<tag>",
                              hint=config.suggest(h, COLUMNS))
        if h.startswith(("ipl:", "sif:")):
            name, at, tag = h[4:].partition("@")
            if not at or not name or not tag:
                raise ConfigError(f"IPL column '{h}' does not name its tag", file=path, line=1, key=h,
                                  expected="ipl:<name>@<plant tag>", hint=f"e.g. ipl:{name or 'SIF-101'}@R-101.TT-02")
            layers[name] = Layer(name, tag, 1.0, {} if h.startswith("sif:") else None, (path, 1))
    return layers


def _csv_hazard(path: Path, line: int, cells: dict[str, str], seen: set[str]) -> Hazard:
    """One worksheet row (``cells`` by column) as a LOPA scenario, each cell checked where it stands; ``seen``: the
    scenarios of the rows above."""
    def value(key: str, schema):
        if not cells[key]:
            raise ConfigError(f"scenario '{cells['scenario']}' has no {key}", file=path, line=line, key=key,
                              expected=schema.expected)
        text = cells[key]
        if isinstance(schema, Probability):
            text = _number(text) if _number(text) is not None else text
        return config.validate(text, schema, file=path, line=line, key=key)

    modifiers = {h[3:]: value(h, Probability()) for h in cells if h.startswith("cm:") and cells[h]}
    pfds = {h[4:].partition("@")[0]: value(h, Probability()) for h in cells
            if h.startswith(("ipl:", "sif:")) and cells[h]}
    if cells["scenario"] in seen:
        raise ConfigError(f"scenario '{cells['scenario']}' appears twice", file=path, line=line, key="scenario",
                          hint="give each row its own scenario name")
    return Hazard(value("scenario", Str()), value("initiating_event", Str()), value("frequency", Frequency()),
                  value("consequence", Str()), value("tolerable", Frequency()), modifiers, pfds)


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def check_tags(lopa: Lopa, tags: frozenset[str]) -> None:
    """Every IPL stands on a tag of the plant (equipment ``R-101`` or instrument ``R-101.TT-02``)."""
    for layer in lopa.layers.values():
        if layer.partner and layer.partner[0] not in tags:
            file, line = layer.where
            raise ConfigError(f"IPL '{layer.name}' compares with '{layer.partner[0]}', which the plant does not have",
                              file=file, line=line, key=f"{layer.name}.partner", expected="an instrument tag",
                              hint=config.suggest(layer.partner[0], tags))
        if layer.tag not in tags:
            file, line = layer.where
            raise ConfigError(f"IPL '{layer.name}' points at '{layer.tag}', which the plant does not have",
                              file=file, line=line, key=layer.name, expected="an equipment or instrument tag",
                              hint=config.suggest(layer.tag, tags) or "see `twin inspect <plant>` for its tags")


def register(lopa: Lopa) -> list[Entry]:
    """The risk register: per scenario the mitigated frequency, the gap, the RRF the SIFs need and their SIL."""
    entries = []
    for h in lopa.hazards:
        sifs = math.prod(p for name, p in h.pfds.items() if lopa.layers[name].sif is not None)
        rrf = h.mitigated / sifs / h.tolerable
        entries.append(Entry(h.name, h.consequence, h.mitigated * YEAR, h.tolerable * YEAR, h.mitigated / h.tolerable,
                             rrf, required_sil(rrf)))
    return entries
