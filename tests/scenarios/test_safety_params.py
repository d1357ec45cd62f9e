"""The safety study's shape: typed, frozen parameters that hold every variant of its samples, and results that stayed
the same through the refactors that gave it that shape.

Reference for the golden KPIs (``data/safety_golden.json``): the study as it was at 86ec2b5 (before the accident
paths took a PathSetup, the package was split into schema/params/checks/model and the reactor's parameters were
grouped), run on four sample variants with 40 paths per simulated scenario. Every KPI, replication by replication,
and the sampled paths' event texts were equal bit for bit after each refactor (all 13 variants of the 4 samples, and
the figure's 160 cases with their traces, were compared the same way once); the test allows 1e-9 relative, the
integrator's last bits on another machine.
"""
import dataclasses
import doctest
import hashlib
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

import scenarios
from scenarios.safety import params as safety_params
from scenarios.safety.params import SafetyParams
from scenarios.scenario import load

ROOT = Path(__file__).resolve().parents[2]
FOLDER = ROOT / "scenarios" / "safety"
SAMPLES = sorted(p for p in FOLDER.glob("*.yaml") if "\nstudy: safety\n" in p.read_text())


def test_the_docstring_example_runs():
    result = doctest.testmod(safety_params, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name)
def test_the_parameters_hold_every_variant(sample):
    """Field for field what the schema resolved (pressures made absolute), and nothing can be changed in place."""
    for name, raw in load(sample).variants.items():
        p = SafetyParams.of(raw)
        assert (p.plant, p.lopa, p.horizon) == (raw["plant"], raw["lopa"], raw["horizon"])
        assert [(s.at, s.tag, s.value) for s in p.states] == [(s["at"], s["tag"], s["value"]) for s in raw["states"]]
        assert p.barrier_view == bool(raw["barrier_view"])
        if raw["thermal"] is not None:
            t = raw["thermal"]
            assert (p.thermal.reactor, dict(p.thermal.chemistry), p.thermal.coolant, p.thermal.mtt) == (
                t["reactor"], dict(t["chemistry"]), t["coolant"], t["mtt"])
            assert dataclasses.asdict(p.thermal.dosing) == dict(t["dosing"])
            assert dataclasses.asdict(p.thermal.decomposition) == dict(t["decomposition"])
        assert (p.monte_carlo is None) == (raw["monte_carlo"] is None)
        if p.monte_carlo is not None:
            assert dataclasses.asdict(p.monte_carlo) == dict(raw["monte_carlo"])
        ap, spec = p.accident_paths, raw["accident_paths"]
        assert (ap is None) == (spec is None)
        if ap is not None:
            for key in ("paths", "bias", "digest", "trip", "interlock", "pressure_trip", "trip_limit"):
                assert getattr(ap, key) == spec[key], (name, key)
            for key in ("full_cooling", "quench", "oxygen"):
                typed = getattr(ap, key)
                assert (None if typed is None else dataclasses.asdict(typed)) == spec[key], (name, key)
            if spec["relief"] is not None:
                assert (ap.relief.ipl, ap.relief.set) == (spec["relief"]["ipl"], spec["relief"]["set"] + 101325.0)
            if spec["alarm"] is not None:
                assert (ap.alarm.ipl, ap.alarm.at) == (spec["alarm"]["ipl"], spec["alarm"]["at"])
                assert dataclasses.asdict(ap.alarm.response) == dict(spec["alarm"]["response"])
            assert list(ap.scenarios) == list(spec["scenarios"])
            for key, sim in spec["scenarios"].items():
                typed = ap.scenarios[key]
                assert (typed.initiating_event, list(typed.simulates), typed.flow, typed.restart, typed.ingress) == (
                    sim["initiating_event"], sim["simulates"], sim["flow"], sim["restart"], sim["ingress"])
                assert (None if typed.supply is None else (typed.supply.pressure - 101325.0, typed.supply.cda)) == (
                    None if sim["supply"] is None else (sim["supply"]["pressure"], sim["supply"]["cda"]))
        with pytest.raises(dataclasses.FrozenInstanceError):
            p.horizon = 0.0


def test_a_result_settings_give_the_same_parameters():
    """A report's figures read a result's plain ``settings``; they give what the run read."""
    scenario = load(FOLDER / "api_bay_paths.yaml")
    assert SafetyParams.of(scenario.settings("relief")) == SafetyParams.of(scenario.variants["relief"])


GOLDEN = json.loads((Path(__file__).parent / "data" / "safety_golden.json").read_text())


@pytest.mark.slow
@pytest.mark.parametrize("case", list(GOLDEN))
def test_the_samples_give_the_results_they_gave_before_the_refactors(case, tmp_path):
    """Four sample variants (40 paths per scenario, SIS trip limits bisected) against the golden KPIs, replication
    by replication, and the sampled paths' event log (~12 s together)."""
    sample, variant = case.split(":")
    for f in FOLDER.glob("*"):
        if f.suffix in (".yaml", ".csv"):
            text = f.read_text().replace("../../plant_models", str(ROOT / "plant_models"))
            (tmp_path / f.name).write_text(re.sub(r"^(\s+paths:) \d+", r"\1 40", text, flags=re.M)
                                           if "accident_paths" in text else text)
    result = scenarios.run(scenarios.load(tmp_path / sample), variant, workers=1)[variant]
    golden = GOLDEN[case]
    assert list(result.kpis) == list(golden["kpis"])
    for name, values in golden["kpis"].items():
        expected = np.array([math.nan if v is None else v for v in values])
        assert np.allclose(result.kpis[name]["values"], expected, rtol=1e-9, atol=0, equal_nan=True), name
    events = result.events().to_pandas()
    text = "\n".join(f"{s}|{e}" for s, e in zip(events["source"], events["event"], strict=True))
    assert (len(events), hashlib.sha256(text.encode()).hexdigest()[:16]) == (golden["n_events"], golden["events"])


def test_every_key_of_the_study_is_documented_from_its_schema():
    """Each key of the safety schema says what it means, and the generated YAML reference shows it."""
    from scenarios.reference import markdown
    from scenarios.safety.schema import FIELDS
    from twin.config import ListOf, MapOf, Record

    def keys(fields: dict, path: str = ""):
        for key, schema in fields.items():
            yield f"{path}{key}", schema
            inner = schema.item if isinstance(schema, ListOf) else schema.value if isinstance(schema, MapOf) else schema
            if isinstance(inner, Record):
                yield from keys(inner.fields, f"{path}{key}.")

    every = dict(keys(FIELDS))
    assert len(every) > 50 and not [k for k, s in every.items() if not s.doc]
    page = markdown()
    assert all(s.doc.replace("|", "\\|") in page for s in every.values())


def test_the_chemistry_schema_is_the_reactors_parameters():
    """thermal.chemistry's keys are SemiBatchReactor.of's names, each in the unit of its tag (or of the state it
    starts), so a value in the wrong unit or sign is refused at its line."""
    from scenarios.safety.schema import CHEMISTRY
    from twin.process.units.reactor import PARAMETERS, SemiBatchReactor

    assert set(CHEMISTRY) == set(PARAMETERS)
    model = SemiBatchReactor.of("R", P_design=7e5, P_trip=5e5, P_relief=6e5, O2_alarm=0.08, LOC=0.105)
    starts = {"V0": "V", "cA0": None, "T0": "T", "O2_0": "O2", "vent_gas": None}
    for name, (unit, _, _, _) in CHEMISTRY.items():
        declared = model.inputs.get(name) or (model.states[starts[name]] if starts.get(name) else None)
        assert declared is None or declared.unit == unit, (name, unit, declared and declared.unit)
    assert CHEMISTRY["cA0"][0] == "mol/m3" and model.states["nA"].unit == "mol"  # nA = cA0 V0


def test_every_chemistry_key_takes_its_example():
    """Each chemistry key accepts the example the reference shows, in its unit (a 'kg/m3' parameter refused every
    value as an unknown unit until 4978fa9; nothing in the samples sets rho)."""
    from scenarios.safety.schema import CHEMISTRY, Chemistry
    from twin.config import to_si, validate

    text = {name: example for name, (_, example, _, _) in CHEMISTRY.items()}
    checked = validate(text, Chemistry(), file="chemistry.yaml")
    assert checked == {name: to_si(example, unit) for name, (unit, example, _, _) in CHEMISTRY.items()}
    assert checked["rho"] == 1000.0 and checked["cp"] == 3500.0 and checked["M_solvent"] == pytest.approx(0.04607)
