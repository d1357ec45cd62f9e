"""Release from quarantine: a fixed time, or decided by the QC lab of the scheduling study on the logistics clock.

A batch's finished goods wait in quarantine at the store (``quarantine`` in the tracking) until they are
``released``. Without ``qc:`` that takes ``batches.release``. With it, the QC lab decides: a sample (a container
``QC-0003`` holding ``sample of IBC-0007``, ``qc.sample`` kg; ``qc.container`` names its kind, so a kind of mover
that carries it, :mod:`scenarios.intralogistics.agents`, takes it instead of the AGVs) is carried from the store
to the lab's station; there every release
test of the lab runs at once on a free instrument matching its patterns, with a free qualified analyst busy for its
hands-on part, and again with probability ``retest`` (the scheduling study's execution, :mod:`scenarios.scheduling
.execute`, runs its tests the same way); the goods are released when the last test has passed::

    qc:
      from: ../scheduling/multipurpose_osd.yaml   # the scheduling scenario's lab: block and uncertainty.retest
      # lab: {tests: {assay: {instruments: [HPLC-0*], time: 4 h, hands_on: 1.5 h}}, analysts: {Li: [assay]}}
      # station: HPLC-01                          # where samples go (default: the first instrument of a test)

The lab is the scheduling study's ``lab:`` block, written once and read by both studies from its file (``from``),
or given here in the same form (``lab``): the two studies exchange it as data, never by importing each other.
KPIs: ``release_time`` (s, mean from quarantine to release of the goods quarantined after the warm-up) and
``quarantined`` (containers in quarantine, time average over the window).
"""
from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from scenarios.intralogistics.params import QcRelease
from twin import config
from twin.config import ConfigError, FilePath, ListOf, MapOf, Number, Quantity, Record, Str, suggest

TEST = Record({"instruments": ListOf(Str()).described("the stations it may run on, patterns such as HPLC-0* "
                                                        "(none: on the bench)"),
               "time": Quantity("s", "6 h").described("how long it takes"),
               "hands_on": Quantity("s", "2 h").described("the analyst's part of it (default: all of it)")},
              required=("time",), name="a lab test")
LAB = Record({"tests": MapOf(TEST).described("the release tests by name"),
              "analysts": MapOf(ListOf(Str(), min_items=1)).described("the analysts by name, each with the tests "
                                                                      "they are qualified for")},
             required=("tests", "analysts"), name="the QC lab")   # the scheduling study's lab: block, key for key
RETESTS = 0x9C   # the key of the lab's random stream below the replication's seed
QC = Record({"from": FilePath().described("a scheduling scenario whose lab: block (and uncertainty.retest) is used"),
             "lab": LAB.described("the QC lab written here, in the scheduling study's form"),
             "retest": Number(minimum=0).described("the chance a test has to run again (default: the file's)"),
             "station": Str().described("where samples go (default: a test's first instrument)"),
             "sample": Quantity("kg", "1 kg").described("a sample's mass"),
             "due": Quantity("s", "1 h").described("a sample is wanted at the lab this long after it is taken"),
             "container": Str().described("the sample's container kind (a kind of mover may carry it)")},
            defaults={"sample": 1.0, "due": 3600.0, "container": "QC"}, name="a QC lab release")


@dataclass(frozen=True)
class Test:
    """A release test: the stations it may run on (none: an incubation on the bench), its time, the analyst's
    hands-on part of it and who is qualified for it."""

    name: str
    instruments: tuple[str, ...]
    time: float
    hands_on: float
    analysts: tuple[str, ...]


@dataclass(frozen=True)
class Lab:
    """The QC lab as the logistics model runs it."""

    tests: tuple[Test, ...]
    analysts: tuple[str, ...]
    retest: float
    station: str
    sample: float
    due: float
    container: str


def lab_spec(spec: Mapping[str, Any] | QcRelease) -> tuple[Mapping[str, Any], float]:
    """The ``lab:`` block and the retest probability of ``qc`` (its own, or read from the file ``qc.from``); errors
    name their line when ``spec`` is the checked mapping."""
    release = spec if isinstance(spec, QcRelease) else QcRelease.of(spec)
    if release.lab is not None:
        if release.source is not None:
            raise error_at(spec, "lab", "qc has both lab: and from:, and lab: would silently win over the file's",
                         hint="keep one: the lab here, or from: the scheduling scenario whose lab: block is used")
        return release.lab, float(release.retest or 0.0)
    if release.source is None:
        raise error_at(spec, "lab", "qc needs the QC lab: lab: {tests: ..., analysts: ...}, or from: a scheduling "
                     "scenario file whose lab: block is used", hint="e.g. from: ../scheduling/multipurpose_osd.yaml")
    doc = config.load(release.source)
    if not isinstance(doc, Mapping) or doc.get("lab") is None:
        study = doc.get("study") if isinstance(doc, Mapping) else None
        kind = f" (it is {'an' if str(study)[:1] in 'aeiou' else 'a'} {study} scenario)" \
            if study and study != "scheduling" else ""
        raise error_at(spec, "from", f"{release.source} has no lab: block{kind}",
                     hint="qc.from names a scheduling scenario with its QC lab (tests and analysts)")
    lab = config.validate(doc["lab"], LAB, key="lab")
    retest = release.retest
    if retest is None:
        retest = config.validate((doc.get("uncertainty") or {}).get("retest", 0.0), Number(minimum=0))
    return lab, float(retest)


def lab_of(spec: Mapping[str, Any] | QcRelease | None, stations: list[str]) -> Lab | None:
    """The lab of the scenario's ``qc`` (typed, or the checked mapping: then errors name their line) on a network
    with these ``stations``; None without ``qc``."""
    if spec is None:
        return None
    lab, retest = lab_spec(spec)
    release = spec if isinstance(spec, QcRelease) else QcRelease.of(spec)
    if retest >= 1:
        raise error_at(spec, "retest", f"a retest probability of {retest:g} never ends", expected="0 <= retest < 1")
    tests = []
    for name, test in lab["tests"].items():
        found: list[str] = []
        for i, pattern in enumerate(test.get("instruments") or []):
            matched = fnmatch.filter(stations, pattern)
            if not matched:
                raise error_at(test["instruments"], i, f"lab test '{name}': no station of the network is '{pattern}'",
                             hint=suggest(pattern, stations) or "instruments are plant assets by tag")
            found += [m for m in sorted(matched) if m not in found]
        analysts = tuple(a for a, skills in lab["analysts"].items() if name in skills)
        if not analysts:
            raise error_at(lab, "analysts", f"no analyst is qualified for the lab test '{name}'",
                         hint=f"add '{name}' to an analyst's list")
        hands_on = test.get("hands_on")
        if hands_on is not None and hands_on > test["time"]:   # as the scheduling study refuses it
            raise error_at(test, "hands_on", f"lab test '{name}': hands-on time longer than the test",
                         expected="hands_on <= time")
        tests.append(Test(name, tuple(found), float(test["time"]), float(test["time"] if hands_on is None
                                                                           else min(hands_on, test["time"])),
                          analysts))
    station = release.station or next((t.instruments[0] for t in tests if t.instruments), None)
    if station is None or station not in stations:
        raise error_at(spec, "station", f"no lab station '{station}' on the network" if station else
                     "no lab station: no test runs on an instrument", hint=suggest(station or "", stations)
                     or "give qc.station, a station of the network where samples go")
    return Lab(tuple(tests), tuple(lab["analysts"]), retest, station, float(release.sample), float(release.due),
               str(release.container))


def error_at(spec, key, message: str, **kw) -> ConfigError:
    """The error at ``spec[key]``: with its file and line when ``spec`` is a checked mapping, else naming the key
    (a mapping built by hand, typed parameters)."""
    if hasattr(spec, "error"):
        return spec.error(key, message, **kw)
    return ConfigError(message, key=str(key), **kw)


class QCLab:
    """The lab's instruments and analysts on the model's clock (``m``: a running
    :class:`~scenarios.intralogistics.model.Logistics`)."""

    def __init__(self, m, lab: Lab, seed: np.random.SeedSequence) -> None:
        from scenarios.line_capacity.model import stream

        self.m, self.lab, self.rng = m, lab, stream(seed, RETESTS)   # the order streams' numbers stay as they were
        self.instruments = m.des.FilterStore(m.env)
        self.instruments.items.extend(sorted({i for t in lab.tests for i in t.instruments}))
        self.analysts = m.des.FilterStore(m.env)
        self.analysts.items.extend(lab.analysts)

    def release(self, container: str, place: str, holds: str):
        """Carry a sample of ``container`` from ``place`` to the lab, run every test until it passes."""
        m, lab = self.m, self.lab
        sample = m.order(place, lab.station, lab.sample, m.env.now + lab.due, m.container(lab.container),
                         f"sample of {container}")
        yield sample.done
        yield m.env.all_of([m.env.process(self.run(test, sample.container)) for test in lab.tests])

    def run(self, test: Test, sample: str):
        """One test of ``sample``: an instrument (if it needs one) and an analyst, again while it fails."""
        env, log = self.m.env, self.m.log
        instrument = (yield self.instruments.get(lambda i: i in test.instruments)) if test.instruments else None
        while True:
            who = yield self.analysts.get(lambda a: a in test.analysts)
            log.append((env.now, sample, "testing", instrument or who, test.name))
            yield env.timeout(test.hands_on)
            yield self.analysts.put(who)
            yield env.timeout(test.time - test.hands_on)
            if self.rng.random() >= self.lab.retest:
                break
            log.append((env.now, sample, "retest", instrument or who, test.name))
        if instrument is not None:
            yield self.instruments.put(instrument)


def release(m, container: str, place: str, holds: str, after: float):
    """Hold the finished goods ``container`` in quarantine at ``place`` until released: by the QC lab (``m.lab``)
    or after ``after`` seconds (``batches.release``; none when zero)."""
    if m.lab is None and after <= 0:
        return
    m.log.append((m.env.now, container, "quarantine", place, holds))
    if m.lab is None:
        yield m.env.timeout(after)
    else:
        yield from m.lab.release(container, place, holds)
    m.log.append((m.env.now, container, "released", place, holds))


def kpis(log: list[tuple], warmup: float, horizon: float) -> dict[str, float]:
    """``release_time``: mean seconds from quarantine to release (goods quarantined after ``warmup`` and released
    by ``horizon``); ``quarantined``: containers in quarantine, time average over the window."""
    held: dict[str, float] = {}
    times, stock_time = [], 0.0
    for t, source, event, _, _ in sorted((row for row in log if row[2] in ("quarantine", "released")),
                                         key=lambda row: row[0]):
        if event == "quarantine":
            held[source] = t
        else:
            start = held.pop(source)
            if start >= warmup:
                times.append(t - start)
            stock_time += max(0.0, min(t, horizon) - max(start, warmup))
    stock_time += sum(max(0.0, horizon - max(start, warmup)) for start in held.values())
    return {"release_time": float(np.mean(times)) if times else float("nan"),
            "quarantined": stock_time / (horizon - warmup)}


UNITS = {"release_time": "s", "quarantined": "containers"}
