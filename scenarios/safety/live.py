"""Live barriers: each IPL's PFD follows its health on the TagBus, and every scenario's frequency follows the PFDs.

An IPL standing on plant tag ``X`` (``R-101.TT-02``) is watched through three tags: ``X.bypassed`` and ``X.failed``
(true: the barrier gives no protection, PFD 1; a failed demand or a sensor disagreeing with its partner is
written as ``failed``) and, for a SIF given by its architecture, ``X.test_age`` (s since the last proof test). An
overdue test stretches the proof-test interval: the PFD is the SIF's PFDavg with ``t1`` = the age, by the same
IEC 61508-6 formulas; this average since the last test is what the frequencies use. The PFD at the overdue moment
itself (:func:`~scenarios.safety.sif.pfd_at`, 2-3 times the average) is written beside it: per SIF ``n``, the tags
``n.pfd`` (the average in use) and ``n.pfd_now``. An IPL with a ``partner`` (a redundant sensor, ``R-101.TT-01``)
compares the two values: when they differ by more than the limit, one channel is suspect and the SIF runs
degraded, with one channel fewer voting (1oo2 as 1oo1, 2oo3 as 1oo2, the suspect channel set to trip); an IPL
without redundancy counts as failed.
After each change the bow-tie is re-evaluated and, per LOPA scenario ``s``, the tags
``s.frequency`` (1/yr) and ``s.alarm`` (frequency above tolerable) are written::

    live = LiveBarriers(lopa.load("api_bay_lopa.yaml"), bus)
    bus.write("R-101.TT-02.bypassed", True, t=3600.0)   # -> dosing_overcharge.alarm becomes True
    live.bowtie.suggestions()                           # [('SIF-101', ...)]: restore it first
"""
from __future__ import annotations

from scenarios.safety.bowtie import from_lopa
from scenarios.safety.lopa import YEAR, Lopa
from scenarios.safety.sif import pfd_at, pfd_avg
from twin.tags import Tag, TagBus

HEALTH = {"bypassed": bool, "failed": bool, "test_age": float}
DEGRADED = {"1oo2": "1oo1", "2oo3": "1oo2"}  # one suspect channel set to trip: one channel fewer to vote


class LiveBarriers:
    """The bow-tie of ``lopa`` kept up to date from the health tags on ``bus`` (defined here if absent)."""

    def __init__(self, lopa: Lopa, bus: TagBus) -> None:
        self.lopa, self.bus = lopa, bus
        self.bowtie = from_lopa(lopa)
        self.by_tag: dict[str, list[str]] = {}
        for layer in lopa.layers.values():
            if layer.name in self.bowtie.pfd:
                self.by_tag.setdefault(layer.tag, []).append(layer.name)
        for tag in self.by_tag:
            bus.define(f"{tag}.bypassed", dtype=bool, description="barrier bypassed")
            bus.define(f"{tag}.failed", dtype=bool, description="barrier failed (demand, disagreement)")
            bus.define(f"{tag}.test_age", unit="s", description="time since the last proof test")
        self.sifs = [name for name in self.bowtie.pfd if lopa.layers[name].sif]
        for name in self.sifs:
            bus.define(f"{name}.pfd", description="PFDavg since the last proof test (used for the frequencies)")
            bus.define(f"{name}.pfd_now", description="PFD at this moment since the last proof test")
        for h in lopa.hazards:
            bus.define(f"{h.name}.frequency", unit="1/yr", description=f"frequency of: {h.consequence}")
            bus.define(f"{h.name}.alarm", dtype=bool, description="frequency above the tolerable frequency")
        self._unsubscribe = [bus.subscribe(f"{tag}.{signal}", self._changed) for tag in self.by_tag
                             for signal in HEALTH]
        for name in self.bowtie.pfd:
            layer = lopa.layers[name]
            if layer.partner:
                for tag in (layer.tag, layer.partner[0]):
                    if tag not in bus:
                        bus.define(tag)
                    self._unsubscribe.append(bus.subscribe(tag, lambda tag, name=name: self._update(name, tag)))
        self.publish(0.0)

    def pfd(self, name: str) -> float:
        """The PFD of IPL ``name`` from its health tags now."""
        layer = self.lopa.layers[name]
        tag = layer.tag
        if self.bus.read(f"{tag}.bypassed") or self.bus.read(f"{tag}.failed"):
            return 1.0
        sif = dict(layer.sif or {})
        age = self.bus.read(f"{tag}.test_age")
        if sif and age == age and age > sif["t1"]:  # age == age: not NaN (never written)
            sif["t1"] = age
        if layer.partner and abs(self.bus.read(tag) - self.bus.read(layer.partner[0])) > layer.partner[1]:
            if sif.get("architecture") not in DEGRADED:
                return 1.0
            sif["architecture"] = DEGRADED[sif["architecture"]]
        if sif != (layer.sif or {}):
            return min(1.0, pfd_avg(**sif))
        return self.bowtie.nominal[name]

    def pfd_now(self, name: str) -> float:
        """The PFD of SIF ``name`` at this moment: at the age of its proof test (at ``t1`` if never written),
        1 if bypassed or failed; NaN for a 1oo2D group, whose momentary PFD the standard does not give."""
        layer = self.lopa.layers[name]
        if self.bus.read(f"{layer.tag}.bypassed") or self.bus.read(f"{layer.tag}.failed"):
            return 1.0
        if layer.sif["architecture"] == "1oo2D":
            return float("nan")
        age = self.bus.read(f"{layer.tag}.test_age")
        return min(1.0, pfd_at(layer.sif["architecture"], age if age == age else layer.sif["t1"], **{
            k: v for k, v in layer.sif.items() if k != "architecture"}))

    def _update(self, name: str, tag: Tag) -> None:
        self.bowtie.set_pfd(name, self.pfd(name))
        self.publish(tag.timestamp)

    def _changed(self, tag: Tag) -> None:
        for name in self.by_tag[tag.name.rsplit(".", 1)[0]]:
            self.bowtie.set_pfd(name, self.pfd(name))
        self.publish(tag.timestamp)

    def publish(self, t: float) -> None:
        """Write every scenario's frequency and alarm tags at time ``t``."""
        frequencies = self.bowtie.frequencies()
        for name in self.sifs:
            self.bus.write(f"{name}.pfd", self.bowtie.pfd[name], t=t)
            self.bus.write(f"{name}.pfd_now", self.pfd_now(name), t=t)
        for h in self.lopa.hazards:
            self.bus.write(f"{h.name}.frequency", frequencies[h.name] * YEAR, t=t)
            self.bus.write(f"{h.name}.alarm", bool(frequencies[h.name] > h.tolerable * (1 + 1e-12)), t=t)

    def close(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
