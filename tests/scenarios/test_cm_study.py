"""The continuous-manufacturing study end to end on its example scenario: the Twin's line with the flagship's
disturbances, checked against independent references.

- Tracer mass balance (API as the tracer): what the feeders delivered plus the starting hold-up equals what the
  press struck (accepted + diverted) plus the final hold-up, within 0.1 %; every term is read from the Twin's
  integrated states and flows, none from the study's own bookkeeping.
- The RTD model's prediction (FFT convolution of an exact matrix-exponential RTD) against the Twin's CasADi/CVODES
  press content.
- Diversion: with the default margin no instant of out-of-limit content reaches the accepted stream.
"""
import json

import numpy as np
import pytest
from cm_files import FLAGSHIP, flagship_text
from scipy import integrate, optimize, stats

import scenarios
from scenarios.continuous_manufacturing.figures import line_states
from scenarios.continuous_manufacturing.model import Line
from scenarios.continuous_manufacturing.params import CmParams
from scenarios.runs import execute, tasks
from scenarios.scenario import load, plain
from twin.cli import main


@pytest.fixture(scope="module")
def flagship(tmp_path_factory):
    """The flagship's base variant, run once: the Line (its Twin and tags) and its Run."""
    path = tmp_path_factory.mktemp("cm") / "flagship.yaml"
    path.write_text(flagship_text())
    params = plain(load(path).variants["base"])
    line = Line(params, np.random.SeedSequence(1))
    return line, line.run()


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    """The flagship's base variant typed, as the study's figures read a result's settings."""
    path = tmp_path_factory.mktemp("cm") / "flagship.yaml"
    path.write_text(flagship_text())
    return CmParams.of(load(path).variants["base"])


def test_api_mass_balance_closes(flagship):
    line, run = flagship
    tags, dt = line.twin.tags, line.p.sample_interval
    tau_ff = line.p.press.feed_frame_tau

    def integral(name, scale=1.0):                 # trapezoid over every record, events included
        t, v, _ = tags.history(name)
        return np.trapezoid(v * scale, t)

    def holdup(at):
        names = [f"BL-101.M_API_{j}" for j in range(1, 6)] + ["TP-101.M_API"]
        return sum(tags.history(n)[1][at] for n in names)

    fed = integral("LIW-101.massflow")
    struck = integral("TP-101.M_API", 1 / tau_ff)
    assert fed > 0.9 * 6 / 3600 * 86400                          # the API feeder ran most of the day
    assert holdup(0) + fed == pytest.approx(struck + holdup(-1), rel=1e-3)
    # struck = accepted + diverted: the gate splits the press's outflow, on the study's time grid
    t = run.traces["t"]
    flow = np.interp(t, *tags.history("TP-101.M_API")[:2]) / tau_ff
    diverting = run.traces["diverting"] > 0
    assert (flow[~diverting].sum() + flow[diverting].sum()) * dt == pytest.approx(struck, rel=1e-3)


def test_rtd_prediction_follows_the_twin(flagship):
    _, run = flagship
    error = np.abs(run.traces["api_predicted"] - run.traces["api_true"])
    assert run.kpis["prediction_error"] == pytest.approx(error.max())
    assert error.max() < 1.0                      # % of label claim, at the steepest transients
    assert np.median(error) < 0.01                # and tight when the line is steady
    swing = np.ptp(run.traces["api_true"])
    assert swing > 30                             # the stoppages move the content far out of the limits


def test_no_out_of_spec_material_escapes_with_the_default_margin(flagship):
    line, run = flagship
    true = run.traces["api_true"]
    out = (true < 95) | (true > 105)
    assert out.any()                               # the disturbances do push material out of the limits
    assert not (out & (run.traces["diverting"] == 0)).any()
    assert run.kpis["escaped"] == 0
    assert run.kpis["diversion_events"] >= 2       # the API stoppage and the excipient stoppage at least
    mass = run.kpis["diverted"] + run.kpis["throughput"] * 24
    struck = line.twin.tags.history("TP-101.tablets")[1][-1] * line.p.press.tablet_mass
    assert mass == pytest.approx(struck, rel=1e-3)  # the tablet counter integrated by the Twin
    assert run.kpis["yield"] == pytest.approx(1 - run.kpis["diverted"] / mass)


def test_gravimetric_control_rejects_a_feed_factor_step(flagship):
    """A 5 % lighter excipient lot at 4 h: the loop brings the flow back to its set point within 5 control times."""
    _, run = flagship
    t, flow = run.traces["t"] / 3600, run.traces["massflow.LIW-102"]
    after = (t > 4 + 50 / 3600) & (t < 4 + 0.2)
    assert flow[after] == pytest.approx(13.5, rel=0.01)
    dip = flow[(t >= 4) & (t < 4 + 5 / 3600)].min()
    assert dip == pytest.approx(13.5 * 0.95, rel=0.01)       # just after the step, before the loop reacts


def test_flagship_variants_run_through_the_scenario_framework(tmp_path):
    path = tmp_path / "flagship.yaml"
    path.write_text(flagship_text(("horizon: 24 h", "horizon: 19 h")))
    scenario = load(path)
    old = ["base", "larger_blender", "tighter_margin", "no_margin", "no_ratio_control", "mpc", "interlock"]
    assert scenario.names == [*old, "mismatch", "mismatch_no_band", "sensor_fault",      # those: test_cm_truth
                              "monitored", "fault_nir_bias", "fault_feeder_drift", "fault_load_cell_stuck",
                              "fault_blender_fouling",                                    # those: test_cm_mspc
                              "no_weight_control"]                                        # test_cm_press
    runs = {t.variant: execute(t) for t in tasks(scenario, [v for v in old if v != "mpc"])}  # mpc: test_cm_mpc
    assert all(hasattr(r, "run") for r in runs.values()), [str(r) for r in runs.values()]
    kpis = {v: r.run.kpis for v, r in runs.items()}
    # the gate acting 1.5 % earlier on each side diverts more of the same disturbances
    assert kpis["tighter_margin"]["diverted"] > kpis["base"]["diverted"] > kpis["no_margin"]["diverted"]
    # without a margin the RTD prediction's lag and the NIR's bias and noise let out-of-limit material through
    assert kpis["no_margin"]["escaped"] > 0
    assert all(k["escaped"] == 0 for v, k in kpis.items() if v != "no_margin")
    # the feeders' interlock keeps the blend through the API (12 h) and excipient (18 h) stops: nothing to divert
    assert kpis["interlock"]["diverted"] == 0 < kpis["base"]["diverted"]
    assert FLAGSHIP.exists()


def test_twin_run_writes_the_report_with_the_study_figures(tmp_path):
    path = tmp_path / "flagship.yaml"
    path.write_text(flagship_text(("horizon: 24 h", "horizon: 12.5 h")))
    out = tmp_path / "result"
    assert main(["run", str(path), "-o", str(out), "--workers", "1"]) == 0
    for name in ("content.png", "feeders.png", "rtd.png", "funnel.png", "lots.png", "weight.png",
                 "kpis.png", "worst.png"):
        assert (out / "figures" / name).stat().st_size > 10_000, name
    assert (out / "report.html").read_text().count("<img") == 8      # all of them embedded in the report
    assert not (out / "figures" / "traces.png").exists()   # one replication: the study's figures show its traces


def test_the_study_figures_draw_every_trace(flagship, settings):
    """Why a one-replication report leaves the generic traces.png out (``figures_show_traces``): every trace of the
    run is read by the study's own figures (content, feeders, weight; mspc.png with the monitor on)."""
    from scenarios.continuous_manufacturing import figures

    class Reads(dict):
        read: set = set()

        def __getitem__(self, key):
            self.read.add(key)
            return super().__getitem__(key)

        def __iter__(self):             # feeders.png takes every massflow.* column it finds
            keys = list(super().__iter__())
            self.read.update(keys)
            return iter(keys)

    line, run = flagship
    traces = Reads(run.traces)
    figures.content(traces, settings)
    figures.weight_chart(traces, settings)
    Reads.read = set()
    figures.feeders(traces)
    feeders = {k for k in Reads.read if k.startswith("massflow.")}
    assert feeders == {f"massflow.{tag}" for tag in line.feeders}
    Reads.read = set()
    figures.content(traces, settings)
    figures.weight_chart(traces, settings)
    assert set(run.traces) - {"t"} <= Reads.read | feeders, set(run.traces) - Reads.read - feeders


def test_the_worst_moment_shows_each_unit_in_its_state(flagship, settings):
    """The 3D snapshot's colours: the API screw is down during its stoppage (12 h, 2 min); at the moment the true
    content strays furthest, the press holds out-of-limit content and the gate is diverting it."""
    line, run = flagship
    during = line_states(settings, run.traces, run.events, 12 * 3600 + 60)
    assert during["LIW-101"] == "down" and during["LIW-102"] == during["LIW-103"] == "running"
    worst = run.traces["t"][np.argmax(np.abs(run.traces["api_true"] - 100))]
    assert 12 * 3600 < worst < 12 * 3600 + 600                   # the API stoppage takes the content furthest
    states = line_states(settings, run.traces, run.events, worst)
    assert states["TP-101"] == "alarm" and states["DV-101"] == "alarm"
    assert line_states(settings, run.traces, run.events, 3600.0) == dict.fromkeys(
        ["LIW-101", "LIW-102", "LIW-103", "BL-101", "NIR-101", "DV-101", "TP-101"], "running")


def test_lot_genealogy_follows_the_fifo_hopper_and_the_line_rtd(flagship):
    """An API lot poured in onto 3 kg of older material starts leaving the feeder once 3 kg more have been delivered
    (about 30 min at 6 kg/h; from the Twin's flow record), and reaches the press from the 1 % to the 99 % quantile
    of the line's RTD after that. The quantiles come from the gamma * exponential convolution integrated with
    ``scipy.integrate.quad`` (not the study's kernel)."""
    line, run = flagship
    tau, n, tau_ff = 90.0, 5, 20.0

    def cdf(t):
        inner = lambda s: stats.gamma.pdf(s, n, scale=tau / n) * (1 - np.exp(-(t - s) / tau_ff))   # noqa: E731
        return integrate.quad(inner, 0, t)[0]

    first, last = (optimize.brentq(lambda t, q=q: cdf(t) - q, 1, 2000) for q in (0.01, 0.99))
    events = list(zip(run.events["t"], run.events["source"], run.events["event"], strict=True))
    t, flow, _ = line.twin.tags.history("LIW-101.massflow")
    delivered = np.concatenate([[0.0], np.cumsum(np.diff(t) * (flow[1:] + flow[:-1]) / 2)])
    checked = 0
    for k, refill in enumerate(line.refilled["LIW-101"], start=1):
        leaves = np.interp(np.interp(refill, t, delivered) + 3.0, delivered, t)
        if leaves > 11 * 3600:                    # before the API stoppage: the flow is at its set point
            break
        arrives = next(t for t, src, ev in events if src == "LIW-101" and ev == f"lot {k} in")
        gone = next(t for t, src, ev in events if src == "LIW-101" and ev == f"lot {k - 1} out")
        assert arrives == pytest.approx(leaves + first, abs=2.0)
        assert gone == pytest.approx(leaves + last, abs=2.0)
        checked += 1
    assert checked >= 5


@pytest.mark.slow
def test_twin_sweep_compares_the_variants_with_the_tradeoff_figure(tmp_path):
    """``twin sweep`` of the flagship (its disturbances compressed into 40 min): every variant runs, the comparison
    report embeds the diverted-against-escaped trade-off, and MPC holds the content closer than ratio control."""
    path = tmp_path / "flagship.yaml"
    path.write_text(flagship_text(("horizon: 24 h", "horizon: 40 min"), ("at: 4 h", "at: 5 min"),
                                  ("at: 8 h, duration: 2 h", "at: 10 min, duration: 10 min"),
                                  ("at: 12 h, duration: 2 min", "at: 22 min, duration: 2 min"),
                                  ("at: 18 h, duration: 1 min", "at: 32 min, duration: 1 min")))
    out = tmp_path / "sweep"
    assert main(["sweep", str(path), "-o", str(out), "--workers", "1"]) == 0
    assert (out / "figures" / "tradeoff.png").stat().st_size > 10_000
    assert "alt='tradeoff'" in (out / "report.html").read_text()         # embedded in the comparison report
    rows = json.loads((out / "comparison.json").read_text())["rows"]
    iae = {r["variant"]: r["value"] for r in rows if r["kpi"] == "iae"}
    base = next(r["base"] for r in rows if r["kpi"] == "iae")
    assert set(iae) == set(scenarios.load(path).names) - {"base"}                     # every variant ran
    assert {"larger_blender", "tighter_margin", "no_margin", "no_ratio_control", "mpc", "interlock"} <= set(iae)
    assert iae["mpc"] < base and iae["interlock"] < base
    escaped = {r["variant"]: r["value"] for r in rows if r["kpi"] == "escaped"}
    assert escaped["mpc"] == 0 and escaped["tighter_margin"] == 0


def test_energy_from_each_units_power_and_state(flagship):
    """The flagship's ratings: 0.75 + 0.75 + 0.37 + 2.2 + 11 kW running for 24 h, less what the two stopped
    screws save at idle (0.75 -> 0.15 kW for 2 min on LIW-101 and 1 min on LIW-102), by hand."""
    _, run = flagship
    by_hand = (0.75 + 0.75 + 0.37 + 2.2 + 11) * 24 - (0.75 - 0.15) * (2 + 1) / 60
    assert run.kpis["energy"] == pytest.approx(by_hand, rel=1e-9)
    accepted = run.kpis["throughput"] * 24
    assert run.kpis["specific_energy"] == pytest.approx(by_hand / accepted, rel=1e-9)
    stops = [(t, s, e) for t, s, e in zip(run.events["t"], run.events["source"], run.events["event"], strict=True)
             if e in ("stop", "restart")]
    assert stops == [(12 * 3600, "LIW-101", "stop"), (12 * 3600 + 120, "LIW-101", "restart"),
                     (18 * 3600, "LIW-102", "stop"), (18 * 3600 + 60, "LIW-102", "restart")]


def test_the_gate_follows_the_decision_one_sample_late(flagship):
    """DV-101 switches in 0.5 s (the plant overlay's figure): on the 1 s grid the gate acts one sample after the
    predicted or NIR content leaves 96-104 %, and nothing out of limits escapes all the same."""
    _, run = flagship
    pred, nir = run.traces["api_predicted"], run.traces["api_nir"]
    decided = (pred < 96) | (pred > 104) | (nir < 96) | (nir > 104)
    diverting = run.traces["diverting"] > 0
    assert decided.any() and not diverting[0]
    assert (diverting[1:] == decided[:-1]).all()
    assert run.kpis["escaped"] == 0


def test_a_mixed_hopper_keeps_every_lot_s_mass_and_lets_old_lots_linger(tmp_path):
    """``hopper_mixing: mixed`` on the API feeder, 6 h: for every lot, what the feeder delivered of it (from the
    per-lot outflows) plus what is left of it in the hopper at the end equals what was poured in (10 kg at the
    start, 7 kg per refill), within 0.1 %. Mixed, the first lot is still over 1 % of the tablets' API after the
    third refill; first-in first-out, it is gone before the second."""
    path = tmp_path / "flagship.yaml"
    path.write_text(flagship_text())
    params = plain(load(path).variants["base"]) | {"horizon": 6 * 3600.0, "disturbances": [], "control": "none"}
    params["feeders"]["LIW-101"]["hopper_mixing"] = "mixed"
    line = Line(params, np.random.SeedSequence(3))
    run = line.run()
    grid = run.traces["t"]
    refills = line.refilled["LIW-101"]
    assert len(refills) >= 4
    outflows = line.outflows("LIW-101", grid)
    t, flow, _ = line.twin.tags.history("LIW-101.massflow")
    total = outflows.sum(axis=0)
    steps = np.diff(np.interp(grid, t, np.concatenate([[0.0], np.cumsum(np.diff(t) * (flow[1:] + flow[:-1]) / 2)])))
    np.testing.assert_allclose(total, steps / np.diff(grid), rtol=1e-12)        # the shares add up to the flow
    left = line.twin.tags.history("LIW-101.m_hopper")[1][-1]
    for k, row in enumerate(outflows):
        poured = 10.0 if k == 0 else (7.0 if refills[k - 1] + 60 <= grid[-1] else None)
        if poured is None:
            continue
        delivered = (row * np.diff(grid)).sum()
        assert delivered + left * row[-1] / total[-1] == pytest.approx(poured, rel=1e-3), k
    lot0_out = next(t for t, src, ev in zip(run.events["t"], run.events["source"], run.events["event"], strict=True)
                    if src == "LIW-101" and ev == "lot 0 out")
    assert lot0_out > refills[2]
    params["feeders"]["LIW-101"]["hopper_mixing"] = "fifo"
    fifo = Line(params, np.random.SeedSequence(3)).run()
    lot0_fifo = next(t for t, src, ev in zip(fifo.events["t"], fifo.events["source"], fifo.events["event"],
                                             strict=True) if src == "LIW-101" and ev == "lot 0 out")
    assert lot0_fifo < refills[1]
