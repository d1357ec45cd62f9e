"""The line's tablets, one by one, and their release: what the press struck over a run, each tablet's weight, and
the real-time release per sub-lot.

Each tablet's weight comes from the die fill and the weight control (:func:`twin.process.units.press.press`) at the
nominal tablet rate. With ``press.weight.densities`` the blend's bulk density also follows its composition
(:func:`density_change`) and moves the weights. Each sub-lot of ``rtrt.window`` is released by Ph. Eur. 2.9.40 on
tablets drawn at random and, with ``pat_units``, by 2.9.47 on PAT units (:func:`release_sublots`;
:mod:`.release` holds the pharmacopoeia's arithmetic).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from scenarios.continuous_manufacturing import release
from scenarios.continuous_manufacturing.params import CmParams
from twin.process.units import press as press_model


def strike(p: CmParams, count: np.ndarray, true: np.ndarray,
           rng: np.random.Generator) -> tuple[release.Tablets, press_model.Pressed]:
    """The tablets the press struck: ``count`` is how many by each grid point (the Twin's tablet counter), ``true``
    the true API content per grid point (fraction of target; it moves the density), ``rng`` the press's own random
    stream."""
    steps = release.Tablets.steps(count)
    moved = density_change(p, true)[steps] if p.press.weight.densities else None
    c = p.press.weight_control
    control = press_model.WeightControl(c.every, c.gain, c.integral, c.deadband, c.limit) if c.enabled else None
    w = p.press.weight
    fill = press_model.DieFill(w.density_sd, w.density_time, w.fill_sd)
    pressed = press_model.press(steps.size, p.total / p.press.tablet_mass, fill, control, rng, disturbance=moved)
    return release.Tablets(steps, pressed.weight), pressed


def density_change(p: CmParams, true: np.ndarray) -> np.ndarray:
    """The blend's bulk density relative to the nominal blend's, minus 1, at each grid sample: the API at ``true``
    times its target fraction, the other components sharing the rest in their nominal proportions."""
    densities, shares, target, api = p.press.weight.densities, p.shares(), p.target, p.press.api
    content = np.clip(target * true, 0.0, 1.0)
    rest = {c: share / (1 - target) for c, share in shares.items() if c != api}
    blend = {api: content} | {c: (1 - content) * r for c, r in rest.items()}
    nominal = press_model.blend_density(shares, densities)
    return press_model.blend_density(blend, densities) / nominal - 1


def traces(p: CmParams, tablets: release.Tablets, pressed: press_model.Pressed, size: int) -> dict[str, np.ndarray]:
    """Per grid sample: the mean weight (mg) of the tablets struck in it, the same tablets' weight without the
    weight control's correction (what the die fill alone gave), each held from the last sample that struck any
    (the target before the first), and the fill-depth correction (%) then."""
    control = p.press.weight_control
    every = control.every if control.enabled else 1
    correction = np.repeat(pressed.correction, every)[:tablets.weight.size]
    last = np.searchsorted(tablets.step, np.arange(size), side="right") - 1
    out = {"fill_correction": 100 * np.where(last >= 0, correction[np.maximum(last, 0)], 0.0)}
    for name, weight in (("tablet_weight", tablets.weight),
                         ("tablet_weight_uncontrolled", tablets.weight - correction)):
        mean = release.Tablets(tablets.step, weight).per_sample(size)
        struck = np.flatnonzero(np.isfinite(mean))
        held = np.searchsorted(struck, np.arange(size), side="right") - 1
        mean = np.where(held >= 0, mean[struck[np.maximum(held, 0)]] if struck.size else 0.0, 0.0)
        out[name] = p.press.tablet_mass * 1e6 * (1 + mean)
    return out


def release_sublots(p: CmParams, tablets: release.Tablets, t: np.ndarray, true: np.ndarray, estimate: np.ndarray,
                    diverted: np.ndarray, rng: np.random.Generator) -> list[dict[str, Any]]:
    """Real-time release per sub-lot (``rtrt.window``) of the accepted stream's ``tablets``: Ph. Eur. 2.9.40 on
    ``tablets`` tablets drawn at random and assayed (true content: weight times the blend's true API fraction
    ``true``; 10 tablets go to the second stage of 30 if the first fails) and, with ``pat_units``, Ph. Eur. 2.9.47 on
    that many tablets evenly spread over the sub-lot, each one's content its weight (the press weighs every tablet)
    times the twin's PAT ``estimate`` of its blend (never the simulator's truth). A sub-lot is released when every
    test run passes; one that kept fewer tablets than the tests need is not. Returns per sub-lot its start, AVs and
    decision."""
    r = p.rtrt
    lots = []
    for start in np.arange(0, p.horizon, r.window):
        first, end = np.searchsorted(t, [start, start + r.window])
        pick = tablets.between(first, end)
        pick = pick[~diverted[tablets.step[pick]]]
        lot = {"start": float(start), "av": np.nan, "pat_av": np.nan, "released": False}
        lots.append(lot)
        if pick.size < r.tablets or pick.size < r.pat_units:
            continue

        def assay(n: int, pick=pick) -> np.ndarray:
            return tablets.contents(rng.choice(pick, n, replace=False), true)
        if r.tablets == 10:
            passed, lot["av"], _ = release.two_stages(assay)
        else:
            units = assay(r.tablets)
            lot["av"] = release.acceptance_value(units)
            passed = lot["av"] <= release.L1 and release.outside_l2(units) == 0
        if r.pat_units:
            at = pick[np.linspace(0, pick.size - 1, r.pat_units).astype(int)]
            ok, lot["pat_av"] = release.large_sample(tablets.contents(at, estimate))
            passed = passed and ok
        lot["released"] = bool(passed)
    return lots
