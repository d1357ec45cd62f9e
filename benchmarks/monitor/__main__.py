"""Monitoring benchmark: checking a million samples, and watching 10,000 live tags once a second.

``python -m benchmarks.monitor`` prints:

- **check**: T-squared, SPE and alarms of ``--rows`` samples (1,000,000) of ``--tags`` tags (50) against a PCA model
  of 5 components fitted on 20,000 normal samples: :meth:`twin.monitor.pca.PCAMonitor.check`, then the alarms'
  shares (which tags are at fault); the peer, scikit-learn's ``PCA`` as commonly used for the same two statistics
  (``transform``, ``inverse_transform``, the squared residual); and ``twin monitor check`` end to end on a Parquet
  file (reading included), as a subprocess, with and without ``--json``; with ``--csv`` the same from a CSV file of
  the same samples (about 1 GB), and the common way side by side (pandas' ``read_csv``, scikit-learn's PCA, a dict
  per row through ``json.dump``). Target (issue 19): under 5 s.
- **live**: the CPU one step of :class:`twin.monitor.live.Monitor` takes on a bus of ``--live-tags`` tags (10,000) at
  1 Hz, as the share of one core: one model of all the tags (built from random orthonormal loadings: fitting it
  would need more than 10,000 samples of 10,000 tags), and 200 models of 50 tags each (fitted), the usual per-unit
  layout. For scale, the cost of writing those 10,000 values to the bus (what a bridge does each second). Target:
  under 0.2 core.

Timings are best of ``--repeat``; report the machine's load with them (``uptime``).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

from twin.monitor.live import Monitor
from twin.monitor.pca import PCAMonitor, fit_pca
from twin.tags import TagBus


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def plant(tags: int, seed: int = 0):
    """Samples of ``tags`` tags driven by 5 latent factors plus noise; a step in tag 7 from the middle on."""
    rng = np.random.default_rng(seed)
    w = rng.normal(size=(5, tags))

    def draw(n: int, fault: bool = False) -> np.ndarray:
        x = rng.normal(size=(n, 5)) @ w + 0.3 * rng.normal(size=(n, tags))
        if fault:
            x[n // 2:, 7] += 2.0
        return x

    return draw


def check(rows: int, tags: int, repeat: int, csv: bool = False) -> None:
    from sklearn.decomposition import PCA

    draw = plant(tags)
    names = [f"U-{k // 10}.x{k % 10}" for k in range(tags)]
    normal = draw(20_000)
    model = fit_pca(normal, names, components=5)
    data = draw(rows, fault=True)
    ours = best(lambda: model.check(data), repeat)
    result = model.check(data)
    shares = best(lambda: model.shares(data, result.rows), repeat)
    scaled = (normal - model.mean) / model.scale
    peer = PCA(n_components=5, svd_solver="full").fit(scaled)

    def sklearn_check():
        z = (data - model.mean) / model.scale
        t = peer.transform(z)
        spe = ((z - peer.inverse_transform(t)) ** 2).sum(axis=1)
        t2 = (t**2 / peer.explained_variance_).sum(axis=1)
        return (t2 > model.t2_limit) | (spe > model.spe_limit)

    theirs = best(sklearn_check, repeat)
    assert (sklearn_check() == result.alarm).mean() > 0.9999  # the same verdicts (ties at the limits aside)
    print(f"check {rows:,} samples x {tags} tags, 5 components ({100 * result.alarm_fraction:.1f} % alarms):")
    print(f"  twin.monitor check       {ours:7.3f} s")
    print(f"  scikit-learn PCA         {theirs:7.3f} s   ratio peer/ours {theirs / ours:5.1f}")
    print(f"  shares of the {len(result.rows):,} alarms {shares:7.3f} s   (which tags are at fault)")
    with tempfile.TemporaryDirectory() as folder:
        import pyarrow as pa
        import pyarrow.parquet as pq

        from twin.monitor.modelfile import save

        save(model, os.path.join(folder, "model.json"))
        pq.write_table(pa.table({name: data[:, j] for j, name in enumerate(names)}),
                       os.path.join(folder, "data.parquet"))
        command = [sys.executable, "-m", "twin", "monitor", "check", os.path.join(folder, "model.json"),
                   os.path.join(folder, "data.parquet")]
        _cli(command, "Parquet read, summary", repeat)
        _cli([*command, "--json"], "Parquet read, --json rows", repeat)
        if csv:
            import pyarrow.csv as pacsv

            path = os.path.join(folder, "data.csv")
            pacsv.write_csv(pq.read_table(command[-1]), path)
            print(f"  CSV file: {os.path.getsize(path) / 1e6:.0f} MB")
            _cli([*command[:-1], path], "CSV read, summary", repeat)
            _cli([*command[:-1], path, "--json"], "CSV read, --json rows", repeat)
            try:
                import pandas  # noqa: F401  (the peer's reader; not a dependency of pharma-twin)
            except ImportError:
                return
            wall, cpu = _timed(lambda: _peer_csv(path, names, peer, model))
            print(f"  peer: pandas read_csv + scikit-learn PCA + json rows  {wall:7.3f} s wall, {cpu:7.3f} s CPU "
                  "(one run)")


def _cli(command: list[str], what: str, repeat: int) -> None:
    runs = [_child(command) for _ in range(repeat)]
    wall, cpu = min(r[0] for r in runs), min(r[1] for r in runs)
    print(f"  twin monitor check (CLI: start, {what:26s}) {wall:7.3f} s wall, {cpu:7.3f} s CPU")


def _timed(fn) -> tuple[float, float]:
    start, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - start, time.process_time() - cpu


def _peer_csv(path: str, names: list[str], peer, model) -> None:
    """The common way to the same verdict rows: pandas' CSV reader, scikit-learn's PCA, a dict per row to JSON."""
    import json

    import pandas as pd

    z = (pd.read_csv(path)[names].to_numpy() - model.mean) / model.scale
    t = peer.transform(z)
    spe = ((z - peer.inverse_transform(t)) ** 2).sum(axis=1)
    t2 = (t**2 / peer.explained_variance_).sum(axis=1)
    alarm = (t2 > model.t2_limit) | (spe > model.spe_limit)
    rows = [{"t2": a, "spe": b, "alarm": c} for a, b, c in zip(t2.tolist(), spe.tolist(), alarm.tolist())]
    with open(os.devnull, "w") as out:
        json.dump({"rows": rows}, out)


def _child(command: list[str]) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of a command run as a child process."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, capture_output=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def live(tags: int, repeat: int, steps: int = 30) -> None:
    rng = np.random.default_rng(1)
    names = [f"A-{k // 10:04d}.x{k % 10}" for k in range(tags)]
    bus = TagBus()
    for name in names:
        bus.define(name, initial=0.0)
    a = 10
    loadings = np.linalg.qr(rng.normal(size=(tags, a)))[0]
    eigenvalues = np.concatenate([np.linspace(50, 10, a), np.full(tags - a, 0.5)])
    big = PCAMonitor(tuple(names), 0, np.zeros(tags), np.ones(tags), loadings, eigenvalues, 100_000, 0.99,
                     "jackson-mudholkar", np.nan, np.nan, (0.0, 1.0)).with_confidence(0.99)
    one = Monitor(big, "MSPC-ALL").bind(bus)
    draw = plant(50, seed=2)
    many = [Monitor(fit_pca(draw(2000), names[50 * k: 50 * (k + 1)], components=5), f"MSPC-{k:03d}").bind(bus)
            for k in range(tags // 50)]
    values = rng.normal(size=(steps, tags))

    clock = iter(range(10**9))  # one monotone time for every call: the bus refuses writes older than a tag's last

    def writes(step: int) -> None:
        t = float(next(clock))
        for name, value in zip(names, values[step].tolist()):
            bus.write(name, value, t=t)

    def cpu(fn) -> float:
        start = time.process_time()
        for s in range(steps):
            fn(s)
        return (time.process_time() - start) / steps

    write_cost = min(cpu(writes) for _ in range(repeat))
    one_cost = min(cpu(lambda s: one.step(float(next(clock)))) for _ in range(repeat))

    def all_models(step: int) -> None:
        t = float(next(clock))
        for monitor in many:
            monitor.step(t)

    many_cost = min(cpu(all_models) for _ in range(repeat))
    print(f"live monitoring of {tags:,} tags at 1 Hz (CPU per second = share of one core):")
    print(f"  one model of {tags:,} tags, 10 components   {one_cost:7.4f} core")
    print(f"  {len(many)} models of 50 tags, 5 components     {many_cost:7.4f} core")
    print(f"  (the bus writes of {tags:,} new values     {write_cost:7.4f} core, the bridge's side)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.monitor", description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--tags", type=int, default=50)
    parser.add_argument("--live-tags", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--csv", action="store_true", help="also check from a CSV file (about 1 GB at 1e6 x 50)")
    args = parser.parse_args(argv)
    check(args.rows, args.tags, args.repeat, args.csv)
    live(args.live_tags, args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
