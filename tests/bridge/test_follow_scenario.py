"""``twin follow SCENARIO`` end to end on loopback: the continuous line's truth twin (the flagship's plant with a
blender 30 % slower than the model's and an NIR probe reading 1.5 % high) served as ``twin serve`` serves it, 100
times faster than real time, and the follower built from the flagship scenario alone (its ``uncertainty:`` and
instruments, no flags) converging to that plant; its estimates and alarms read back from its own OPC UA server and
from its Parquet log. References: the plant's own truth (117 s, 1.5 %) and, for the plan, the flagship file's values
worked by hand."""
import asyncio
import threading
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from asyncua import Client
from loopback import free_port, run

from benchmarks.follow import excited_flagship, replay
from bridge.cli import twin_of
from bridge.follow import plan_of
from bridge.realtime import run_in_real_time
from bridge.server import NAMESPACE, TwinServer
from twin.cli import main

ROOT = Path(__file__).resolve().parents[2]
FLAGSHIP = ROOT / "scenarios" / "continuous_manufacturing" / "flagship.yaml"
TRUTH = {"blender.tau": 117.0, "pat.bias": 0.015}   # the plant of excited_flagship


def test_the_flagship_plan_comes_from_its_uncertainty_and_instruments():
    """By hand from flagship.yaml: blender.tau within 30 % of 90 s -> range 54 s -> sd 9 s; feed frame [10 s, 40 s]
    -> 5 s; NIR bias [-2 %, 2 %] -> 0.667 %; the probe's 1 % noise on a 30 % API blend -> 0.003; the load cells feed
    the blender's inlet; tanks are a whole number (told, not estimated)."""
    plan = plan_of(str(FLAGSHIP))
    assert plan.parameters == pytest.approx({"BL-101.tau": 9.0, "TP-101.tau_ff": 5.0, "NIR-101.bias": 0.04 / 6})
    assert plan.measurements == pytest.approx({"NIR-101.reading": 0.003})
    assert plan.tags == {"NIR-101.reading": "NIR-101.sample"}
    assert plan.inputs == {"BL-101.in.m_API": "LIW-101.cell_flow", "BL-101.in.m_excipient": "LIW-102.cell_flow",
                           "BL-101.in.m_lubricant": "LIW-103.cell_flow"}
    assert plan.step_means == {f"LIW-10{i}.cell_flow": 1.0 for i in (1, 2, 3)}
    assert [a.tag for a in plan.alarms] == ["DV-101.divert"]
    assert (plan.alarms[0].low, plan.alarms[0].high) == pytest.approx((0.96, 1.04))
    assert any("blender.tanks" in note for note in plan.notes)


def test_the_follower_keeps_up_with_a_drifting_probe(tmp_path):
    """The flagship's follower over a synthetic record (no plant, no server: its filter replayed offline as
    ``benchmarks.follow`` does): steady load cells at the recipe's rates, the probe's 1 s samples with its 1 % noise
    and a bias that holds the model's 0.3 % for 10 min, then drifts +1.5 %/h for 20 min. Reference: the drift
    itself; each published bias estimate stays within 3 of its own sd of it (the Kalman-Bucy steady state of the
    walk 1e-4: sd 0.1 %, lag 100 s x 1.5 %/h = 0.04 %). With the in-run estimator's walk (1e-5, which relies on its
    jump rule) the lag reached 1,000 s and 7 sd."""
    plan = plan_of(str(FLAGSHIP))
    start, until = 600.0, 1800.0
    t = np.arange(1.0, until + 1)
    bias = lambda t: 0.003 + 0.015 / 3600 * np.clip(t - start, 0, None)     # noqa: E731
    sample = 0.3 * (1 + bias(t)) * (1 + 0.01 * np.random.default_rng(1).standard_normal(t.size))
    rates = {"LIW-101": 6, "LIW-102": 13.5, "LIW-103": 0.5}                  # kg/h, flagship.yaml
    tags = ["NIR-101.sample"] * t.size + [f"{tag}.cell_flow" for tag in rates for _ in t]
    values = np.concatenate([sample, *[np.full(t.size, r / 3600) for r in rates.values()]])
    log = tmp_path / "drift.parquet"
    pq.write_table(pa.table({"tag": tags, "t": np.tile(t, 1 + len(rates)), "value": values,
                             "quality": np.zeros(values.size, dtype=np.int64)}), log)
    bus, _ = replay(plan, log, until)
    at, est, _ = bus.history("NIR-101.bias.est")
    sd = bus.history("NIR-101.bias.std")[1]
    drifting = at > start
    assert np.all(np.abs(est - bias(at))[drifting] < 3 * sd[drifting])
    assert est[-1] > 0.0075                                                  # it moved with the drift (0.8 %)


def test_the_served_plant_reports_every_sample_as_it_is_taken(tmp_path):
    """twin serve's plant: its probe and load cells on the bus each second up to now (the study's own run reads
    them every minute, which a follower would see as minute-long bursts)."""
    truth = twin_of(str(excited_flagship(tmp_path, horizon="1 h")))
    truth.run(until=125.0)
    t = truth.tags.history("NIR-101.sample")[0]
    assert t[-1] == 125.0 and np.allclose(np.diff(t), 1.0)
    assert truth.tags.history("LIW-101.cell_flow")[0][-1] == 125.0    # the step 124-125, known at its end


def test_the_served_plant_the_follower_and_the_run_share_one_instrument_model(tmp_path):
    """One instrument model of the line, :mod:`scenarios.continuous_manufacturing.gauges`: the follower reads the
    tags the study's own estimator reads (``tests/scenarios/test_cm_live.py`` lists the same set), the served plant
    writes them and no other reading, with the noise the plant has: the API load cells' step means scatter about
    the 6 kg/h rate by the flagship's 2 % flow noise (AR(1)) and 1 % cell noise, sqrt(2**2 + 1**2) = 2.24 %
    (an instrument model without the flow noise gives 1 %); before the first stop at 5 min."""
    plan = plan_of(str(FLAGSHIP))
    assert set(plan.inputs.values()) | set(plan.tags.values()) == ({f"LIW-10{i}.cell_flow" for i in (1, 2, 3)}
                                                                    | {"NIR-101.sample"})
    truth = twin_of(str(excited_flagship(tmp_path, horizon="1 h")))
    truth.run(until=290.0)
    assert not [name for name in truth.tags if name.endswith((".reading", ".cell_flow", ".sample"))
                and name not in {*plan.inputs.values(), *plan.tags.values()}]
    t, v, _ = truth.tags.history("LIW-101.cell_flow")
    rel = v[np.isfinite(v)] / (6 / 3600) - 1
    assert rel.size == 290 and 0.017 < rel.std() < 0.028


@pytest.mark.slow
def test_follow_the_flagship_plant_served_at_100x(tmp_path):
    scenario = excited_flagship(tmp_path, horizon="2 h")
    plant_port, follower_port = free_port(), free_port()
    log = tmp_path / "follow.parquet"
    truth = twin_of(str(scenario))               # what `twin serve line.yaml` serves
    outcome = {}

    def follower():                              # `twin follow line.yaml` in a thread of its own
        outcome["code"] = main(["follow", str(scenario), "--endpoint", f"opc.tcp://127.0.0.1:{plant_port}",
                                "--serve", f"opc.tcp://127.0.0.1:{follower_port}", "--serve-allow-anonymous",
                                "--log", str(log), "--duration", "40"])

    async def body():
        origin = time.time()
        async with TwinServer(truth.tags, f"opc.tcp://127.0.0.1:{plant_port}", time_origin=origin,
                              clock=lambda: truth.now) as server:
            thread = threading.Thread(target=follower)
            thread.start()
            subscriptions = server.server.iserver.subscription_service.subscriptions
            while not subscriptions and thread.is_alive():   # the plant starts when the follower listens
                await asyncio.sleep(0.05)
            server.time_origin = time.time()
            clock = asyncio.create_task(run_in_real_time(truth, speed=100.0, step=0.05))
            served, late = None, time.monotonic() + 32.0
            while thread.is_alive():              # the follower's server, read by a client near the end
                await asyncio.sleep(0.2)
                # after both API stops; on a machine too loaded for 100x, before the follower's 40 s end
                if served is None and (truth.now > 1800 or time.monotonic() > late):
                    try:
                        async with Client(f"opc.tcp://127.0.0.1:{follower_port}", timeout=4) as client:
                            ns = await client.get_namespace_index(NAMESPACE)
                            served = {name: await client.get_node(f"ns={ns};s={name}").read_value()
                                      for name in ("BL-101.tau.est", "BL-101.tau.std", "NIR-101.bias.est",
                                                   "NIR-101.bias.std", "DV-101.divert", "TP-101.api_ratio.est")}
                            node = client.get_node(f"ns={ns};s=BL-101.tau.est")   # laid out as twin serve does
                            path = []
                            while (node := await node.get_parent()) is not None and node.nodeid.Identifier != 85:
                                path.insert(0, (await node.read_browse_name()).Name)
                            served["path"], served["plant time"] = path, truth.now
                    except (OSError, TimeoutError):
                        continue
            clock.cancel()
            return served

    served = run(body(), timeout=120)
    assert outcome["code"] == 0
    print(served)
    assert served is not None and served["plant time"] > 700, served     # the first stop and the step seen
    # the blender from 90 +/- 9 s to the plant's 117 s, the probe's bias from 0.3 +/- 0.67 % to 1.5 %
    tau, tau_sd = served["BL-101.tau.est"], served["BL-101.tau.std"]
    assert abs(tau - TRUTH["blender.tau"]) < 3 * tau_sd < 1.0, (tau, tau_sd)
    bias, bias_sd = served["NIR-101.bias.est"], served["NIR-101.bias.std"]
    assert abs(bias - TRUTH["pat.bias"]) < 3 * bias_sd < 0.005, (bias, bias_sd)
    assert isinstance(served["DV-101.divert"], bool) and abs(served["TP-101.api_ratio.est"] - 1) < 0.2
    assert served["path"][-1] == "BL-101" and served["path"][0].startswith(truth.plant.name)   # Objects/plant/...
    # the log: the plant's tags as they came, the estimates, and the divert alarm raised by each API stop
    table = pq.read_table(log).to_pandas()
    assert {"NIR-101.sample", "LIW-101.cell_flow", "BL-101.tau.est", "DV-101.divert"} <= set(table.tag)
    alarm = table[table.tag == "DV-101.divert"]
    raised = alarm.t[alarm.value.to_numpy() == 1].to_numpy()
    assert raised.size and np.any((raised > 300) & (raised < 600)), raised
    samples = table[table.tag == "NIR-101.sample"].t.to_numpy()
    # after the value served before the plant ran: every 1 s sample of the probe, none lost, none twice, past the
    # first stop and step (as many as the plant ran in the follower's 40 s: 1,192 at a load of 9, too loaded for 100x)
    assert samples.size > 700 and np.allclose(np.diff(np.sort(samples)[1:]), 1.0)
    # the follower over the network = the same filter offline over the samples it logged (its last turn)
    last = table[table.tag == "BL-101.tau.est"].sort_values("t").iloc[-1]
    offline, _ = replay(plan_of(str(scenario)), log, until=last.t)
    assert offline.read("BL-101.tau.est") == pytest.approx(last.value, rel=1e-9)
