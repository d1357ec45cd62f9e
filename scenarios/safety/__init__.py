"""Safety barriers: the LOPA risk register of a plant, its SIFs' PFDavg by IEC 61508-6, checked against the plant.

The scenario names a LOPA file (YAML or a CSV worksheet, see :mod:`scenarios.safety.lopa`); every IPL must stand
on a tag of the plant (``R-101.TT-02``, ``XV-101``). See ``api_bay.yaml`` beside this file.

KPIs per LOPA scenario ``s``: ``frequency.s`` (mitigated, 1/yr), ``gap.s`` (mitigated / tolerable: above 1 the risk
is not tolerable), ``rrf_needed.s`` (what the SIFs must bring) and ``sil_required.s``; ``pfd.<ipl>`` per IPL.

- :mod:`scenarios.safety.sif`   PFDavg of 1oo1, 1oo2, 2oo3 groups; SIL bands
- :mod:`scenarios.safety.lopa`  LOPA files in, the risk register out
"""
from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from scenarios.registry import Run, Study
from scenarios.safety import lopa
from twin.config import FilePath


@functools.cache
def plant_signals(path: Path) -> frozenset[str]:
    """Equipment and instrument tags of the plant at ``path`` (what an IPL may stand on)."""
    from twin import plant

    model = plant.load(path)
    return frozenset(asset.tag for asset in model) | frozenset(model.instruments)


def check(params: Mapping[str, Any], tags: frozenset[str]) -> None:
    """The LOPA file reads cleanly and its IPLs stand on tags of the plant."""
    lopa.check_tags(lopa.load(params["lopa"]), tags | plant_signals(params["plant"]))


def assess(params: Mapping[str, Any], seed: np.random.SeedSequence) -> Run:
    """The risk register as KPIs (static: every replication gives the same numbers)."""
    study = lopa.load(params["lopa"])
    kpis, units = {}, {}
    for e in lopa.register(study):
        for key, value, unit in (("frequency", e.frequency, "1/yr"), ("gap", e.gap, "1"),
                                 ("rrf_needed", e.rrf_needed, "1"), ("sil_required", e.sil_required, "SIL")):
            kpis[f"{key}.{e.scenario}"], units[f"{key}.{e.scenario}"] = float(value), unit
    for layer in study.layers.values():
        if layer.sif:  # computed from its architecture (a worksheet's SIF has a PFD per scenario instead)
            kpis[f"pfd.{layer.name}"], units[f"pfd.{layer.name}"] = layer.pfd, "1"
    return Run(kpis=kpis, units=units)


STUDY = Study(
    name="safety",
    description=__doc__.splitlines()[0],
    fields={"lopa": FilePath()},
    required=("lopa",),
    run=assess,
    check=check,
)
