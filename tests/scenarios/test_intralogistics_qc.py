"""Release by the QC lab: the finished goods leave quarantine when the lab's tests of their sample have passed, at
the times worked out by hand from the tests' times, hands-on parts and analysts; a test run again with probability
p runs 1 / (1 - p) times on average (the geometric distribution's mean); the scheduling study's lab is read from
its own scenario file (data, not an import); bad lab input names its file, line and key."""
import math
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from logistics_graphs import params
from scipy import stats

from scenarios.intralogistics import qc
from scenarios.intralogistics.model import Logistics
from scenarios.intralogistics.network import Network
from scenarios.intralogistics.tracking import history, where
from twin import config
from twin.config import ConfigError

ROOT = Path(__file__).resolve().parents[2]
HOUR = 3600.0


def plant() -> Network:
    """Store WH and press TP in room R0, the lab's HPLC-1 and DT-1 in room R1 through a door (all 5 m apart)."""
    graph = nx.DiGraph()
    for name, x, y, kind, room in (("R0", 0, 0, "room", "R0"), ("WH", 0, 5, "station", "R0"),
                                   ("TP", 0, -5, "station", "R0"), ("D", 5, 0, "door", None),
                                   ("R1", 10, 0, "room", "R1"), ("HPLC-1", 10, 5, "station", "R1"),
                                   ("DT-1", 10, -5, "station", "R1")):
        graph.add_node(name, kind=kind, xyz=(float(x), float(y), 0.0), dwell=0.0, capacity=1 if kind == "door" else 0,
                       room=room)
    for u, v in (("R0", "WH"), ("R0", "TP"), ("R0", "D"), ("D", "R1"), ("R1", "HPLC-1"), ("R1", "DT-1")):
        graph.add_edge(u, v, length=5.0)
        graph.add_edge(v, u, length=5.0)
    return Network(graph, {}, 1.0)


def lab(analysts, retest=0.0, tests=None):
    tests = tests or {"assay": {"instruments": ["HPLC-*"], "time": 4 * HOUR, "hands_on": 1 * HOUR},
                      "dissolution": {"instruments": ["DT-*"], "time": 6 * HOUR}}
    return {"lab": {"tests": tests, "analysts": analysts}, "retest": retest, "sample": 1.0, "due": HOUR,
            "container": "QC"}


def run(qc_spec, every=24 * HOUR, horizon=3 * 24 * HOUR, seed=1, movers=None):
    p = params(2, [], horizon=horizon, home="WH")
    p["agents"] = movers
    p["batches"] = {"route": ["WH", "TP", "WH"], "every": every, "start": HOUR, "lead": 0.5 * HOUR,
                    "allowance": 0.5 * HOUR, "process": {"TP": 2 * HOUR}, "load": 300.0, "container": "IBC",
                    "release": 0.0}
    p["qc"] = qc_spec
    return Logistics(p, np.random.SeedSequence(seed), network=plant()).run()


def sample_of(events, ibc: str) -> str:
    """The container of the sample of ``ibc`` (``QC-0001`` ...)."""
    return next(s for s, h in zip(events["source"], events["holds"]) if h == f"sample of {ibc}")


def sample_in(events, ibc: str):
    """Where and when the sample of ``ibc`` reached the lab."""
    return next(s for s in history(events, sample_of(events, ibc)) if s.status == "delivered")


@pytest.mark.parametrize("analysts, hours", [
    ({"Li": ["assay", "dissolution"]}, 7.0),                       # Li: assay's first hour, then dissolution's 6 h
    ({"Li": ["assay", "dissolution"], "Wang": ["dissolution"]}, 6.0),   # both at once: the longer test decides
])
def test_the_lab_releases_when_its_last_test_passes(analysts, hours):
    r = run(lab(analysts))
    steps = history(r.events, "IBC-0001")
    stored = next(s.t for s in steps if s.status == "quarantine")
    released = next(s.t for s in steps if s.status == "released")
    sample = sample_in(r.events, "IBC-0001")
    arrived = sample.t
    assert sample.place == "HPLC-1"     # the lab's station: the assay's instrument
    assert stored < arrived and released - arrived == pytest.approx(hours * HOUR)
    assert where(r.events, "IBC-0001", (stored + released) / 2).status == "quarantine"
    assert r.kpis["release_time"] == pytest.approx(released - stored)


def test_a_fixed_release_time_is_kept_without_a_lab():
    r = run(None)
    assert not any(s.status == "quarantine" for s in history(r.events, "IBC-0001"))   # release 0: none
    assert math.isnan(r.kpis["release_time"]) and r.kpis["quarantined"] == 0.0


def test_retests_run_a_test_one_over_one_minus_p_times_on_average():
    """One bench test (no instrument) of 1 h, retested with p = 0.3: mean runs 1 / 0.7 = 1.4286 (geometric)."""
    spec = lab({"Li": ["micro"]}, retest=0.3, tests={"micro": {"time": HOUR, "hands_on": 0.25 * HOUR}})
    spec["station"] = "DT-1"   # a bench test names no instrument: the samples go where the scenario says
    r = run(spec, every=4 * HOUR, horizon=60 * 24 * HOUR, seed=5)
    samples = {s for s, e in zip(r.events["source"], r.events["event"]) if e == "testing"}
    runs = np.array([sum(1 for s in history(r.events, name) if s.status == "testing") for name in samples])
    assert len(runs) > 300
    half = stats.t.ppf(0.995, len(runs) - 1) * runs.std(ddof=1) / math.sqrt(len(runs))
    assert abs(runs.mean() - 1 / 0.7) <= half, (runs.mean(), half)


def test_the_quarantine_stock_is_the_time_average_of_goods_held():
    """By hand: held 2-6 h and 10-20 h of a 0-24 h window (1 h warm-up does not cut them): (4 + 10) / 23."""
    log = [(2 * HOUR, "IBC-1", "quarantine", "WH", ""), (6 * HOUR, "IBC-1", "released", "WH", ""),
           (10 * HOUR, "IBC-2", "quarantine", "WH", ""), (20 * HOUR, "IBC-2", "released", "WH", ""),
           (22 * HOUR, "IBC-3", "quarantine", "WH", "")]
    k = qc.kpis(log, HOUR, 24 * HOUR)
    assert k["quarantined"] == pytest.approx((4 + 10 + 2) / 23)
    assert k["release_time"] == pytest.approx(7 * HOUR)


def test_the_scheduling_studys_lab_is_read_from_its_file():
    """The lab of scenarios/scheduling/multipurpose_osd.yaml on the logistics plant's stations, compared with the
    file's own text: assay 4 h (1.5 h hands-on) on the HPLCs, dissolution 6 h on the dissolution testers, micro 48 h
    on the bench; analysts Li, Wang, Zhao; retest 0.05 from its uncertainty."""
    file = ROOT / "scenarios" / "scheduling" / "multipurpose_osd.yaml"
    spec = config.validate({"from": str(file)}, qc.QC)
    stations = ["WH-01", "HPLC-01", "HPLC-02", "HPLC-03", "DT-01", "DT-02", "TP-401"]
    got = qc.lab_of(spec, stations)
    by_name = {t.name: t for t in got.tests}
    assert by_name["assay"].instruments == ("HPLC-01", "HPLC-02", "HPLC-03")
    assert (by_name["assay"].time, by_name["assay"].hands_on) == (4 * HOUR, 1.5 * HOUR)
    assert by_name["dissolution"].instruments == ("DT-01", "DT-02") and by_name["dissolution"].time == 6 * HOUR
    assert by_name["micro"].instruments == () and by_name["micro"].time == 48 * HOUR
    assert by_name["micro"].analysts == ("Wang", "Zhao") and got.analysts == ("Li", "Wang", "Zhao")
    assert got.retest == 0.05 and got.station == "HPLC-01"


def test_bad_lab_input_names_file_line_and_key(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text("qc:\n  lab:\n    tests:\n      assay: {instruments: [GC-*], time: 1 h}\n"
                        "    analysts: {Li: [assay]}\n")
    spec = config.load(scenario, config.Record({"qc": qc.QC}))["qc"]
    with pytest.raises(ConfigError) as caught:
        qc.lab_of(spec, ["HPLC-01", "WH-01"])
    text = str(caught.value)
    assert "s.yaml:4, key 'qc.lab.tests.assay.instruments[0]'" in text and "no station of the network is 'GC-*'" in text
    (tmp_path / "plain.yaml").write_text("study: scheduling\n")
    scenario.write_text("qc: {from: plain.yaml}\n")
    spec = config.load(scenario, config.Record({"qc": qc.QC}))["qc"]
    with pytest.raises(ConfigError, match=r"s\.yaml:1, key 'qc.from': .*plain\.yaml has no lab: block"):
        qc.lab_of(spec, ["HPLC-01"])   # located where it is named (was in plain.yaml, with no line)
    (tmp_path / "plain.yaml").write_text("study: energy\n")
    with pytest.raises(ConfigError, match=r"plain\.yaml has no lab: block \(it is an? energy scenario\)"):
        qc.lab_of(spec, ["HPLC-01"])


def test_a_lab_given_twice_too_long_a_hands_on_or_bad_in_its_file_is_named(tmp_path):
    """lab: beside from: silently won over the file's lab; a hands-on part longer than the test was cut to the test
    (the scheduling study refuses it); an error in the from: file's lab said key 'tests...', not 'lab.tests...'."""
    (tmp_path / "lab.yaml").write_text("study: scheduling\nlab:\n  tests: {assay: {time: -4 h}}\n"
                                       "  analysts: {Li: [assay]}\n")
    lab = "lab: {tests: {assay: {instruments: [HPLC-*], time: 4 h, hands_on: TIME}}, analysts: {Li: [assay]}}"
    cases = [("qc: {from: lab.yaml, " + lab.replace("TIME", "1 h") + "}", "s.yaml:1, key 'qc.lab'",
              "both lab: and from:"),
             ("qc: {" + lab.replace("TIME", "5 h") + "}", "key 'qc.lab.tests.assay.hands_on'", "longer than the test"),
             ("qc: {from: lab.yaml}", "lab.yaml:3, key 'lab.tests.assay.time'", "cannot be negative")]
    for text, located, words in cases:
        (tmp_path / "s.yaml").write_text(text + "\n")
        spec = config.load(tmp_path / "s.yaml", config.Record({"qc": qc.QC}))["qc"]
        with pytest.raises(ConfigError) as caught:
            qc.lab_of(spec, ["HPLC-01", "WH-01"])
        assert located in str(caught.value) and words in str(caught.value), str(caught.value)


def test_a_person_carries_the_sample_when_the_lab_names_their_kind_of_container():
    """qc.container: SAMPLE and QC people who carry SAMPLE: the sample goes on foot, the IBCs on the AGVs."""
    spec = {**lab({"Li": ["assay", "dissolution"]}), "container": "SAMPLE"}
    people = {"analyst": {"count": 1, "speed": 1.2, "acceleration": 1.0, "payload": 25.0, "home": "HPLC-1",
                          "containers": ["SAMPLE"], "avoid": [], "stairs": False, "lifts": False}}
    r = run(spec, movers=people)
    sample = sample_of(r.events, "IBC-0001")
    carriers = {who for s, e, who in zip(r.events["source"], r.events["event"], r.events["place"]) if e == "loaded"
                and s == sample}
    assert sample == "SAMPLE-0001" and carriers == {"ANALYST-01"}
    assert {who for s, e, who in zip(r.events["source"], r.events["event"], r.events["place"])
            if e == "loaded" and s == "IBC-0001"} <= {"AGV-01", "AGV-02"}
    assert sample_in(r.events, "IBC-0001").place == "HPLC-1" and r.kpis["analyst.utilisation"] > 0
