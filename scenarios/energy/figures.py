"""The figures of an energy result: the energy balance as a two-stage flow diagram (a layered Sankey drawn with
matplotlib patches: the electricity and gas bought, through the utilities -- chilled-water plant, boiler, AHUs -- to
the uses -- rooms by grade, process equipment, lighting -- widths in kWh, the means over the replications), the
load profile of each utility against time, the rooms' conditions against their limits, and the plant in 3D with
each room coloured by the energy bought for it per m2 of floor (drawn by the viewer from the result folder's
``views.json``)."""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path as Curve

from scenarios.figures import add_view, trace_bands
from scenarios.report import display_unit

SOURCES, UTILITIES, AHUS, USES = 0, 1, 2, 3          # the diagram's columns
STAGE = {"grid electricity": SOURCES, "gas": SOURCES, "chilled-water plant": UTILITIES, "boiler": UTILITIES,
         "AHUs": AHUS}                                 # every other node is a use
WATER_PLANT = ("chillers", "pump", "tower_fans", "condenser_pump")
IDLE = "chilled water with no coil load (tank, standby)"
PROFILES = {"AHU fans": "fans_kW", "chilled-water plant": "chilled_water_plant_kW",
            "process, lighting, compressed air": "process_kW"}    # the electricity by utility, stacked
COLOURS = {SOURCES: "#3182bd", UTILITIES: "#e6550d", AHUS: "#31a354", USES: "#756bb1"}


def write(result) -> list[Path]:
    """Every figure of an energy result folder."""
    return (energy_balance(result) + load_profiles(result) + room_conditions(result) + room_energy(result)
            + shadow(result))


def shadow(result) -> list[Path]:
    """Write ``figures/shadow.png`` for a shadow run (``twin energy shadow``): the metered electricity against the
    model's prediction over time, and the one against the other with the agreement of ASHRAE Guideline 14."""
    traces = result.traces()
    if traces is None or "metered_kW" not in traces.column_names:
        return []
    t, predicted, _ = trace_bands(traces, "electricity_kW")
    metered = trace_bands(traces, "metered_kW")[1]
    size, unit = display_unit("s", float(t.max(initial=0)))
    fig = Figure(figsize=(11, 4.5))
    series, scatter = fig.subplots(1, 2, width_ratios=[3, 1])
    series.plot(t / size, metered, color="k", lw=0.9, label="metered")
    series.plot(t / size, predicted, color="#e6550d", lw=0.9, label="predicted by the model")
    series.set(xlabel=f"time [{unit}]", ylabel="electric power [kW]", title="The site's meter against the model")
    series.legend(fontsize="small")
    top = max(metered.max(initial=0), predicted.max(initial=0)) * 1.05
    scatter.plot([0, top], [0, top], color="grey", lw=0.8)
    scatter.scatter(predicted, metered, s=4, alpha=0.5)
    k = result.kpis
    scatter.set(xlabel="predicted [kW]", ylabel="metered [kW]",
                title=f"NMBE {k['shadow.nmbe']['mean']:+.1%}, CV(RMSE) {k['shadow.cv_rmse']['mean']:.1%}")
    for ax in (series, scatter):
        ax.grid(alpha=0.3)
    return [_save(fig, result, "shadow.png")]


def utility_profiles(traces) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Time (s) and the mean electric power of each utility (kW, :data:`PROFILES`) over the replications of an
    energy result's traces table; together they make up the site's electricity."""
    profiles = {label: trace_bands(traces, column) for label, column in PROFILES.items()}
    return next(iter(profiles.values()))[0], {label: mean for label, (_, mean, _) in profiles.items()}


def load_profiles(result) -> list[Path]:
    """Write ``figures/load_profiles.png``: the electricity of each utility stacked against time, the metered
    total over it, and the boiler's gas below."""
    traces = result.traces()
    t, profiles = utility_profiles(traces)
    size, unit = display_unit("s", float(t.max(initial=0)))
    fig = Figure(figsize=(11, 6))
    power, gas = fig.subplots(2, 1, sharex=True, height_ratios=[2, 1])
    power.stackplot(t / size, list(profiles.values()), labels=list(profiles), alpha=0.8)
    power.plot(t / size, trace_bands(traces, "electricity_kW")[1], color="k", lw=0.8, label="electricity bought")
    power.set(ylabel="electric power [kW]", title=f"Load profiles by utility, {result.name}")
    power.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.0, 1.0))
    gas.plot(t / size, trace_bands(traces, "gas_kW")[1], color="#e6550d", lw=1)
    gas.set(ylabel="boiler gas [kW]", xlabel=f"time [{unit}]")
    for ax in (power, gas):
        ax.grid(alpha=0.3)
    return [_save(fig, result, "load_profiles.png")]


def room_conditions(result) -> list[Path]:
    """Write ``figures/room_conditions.png``: the coldest and hottest room, the most humid room and the least
    pressure margin (over the grade's limit or a door's 10 Pa) against time, each with its limit."""
    traces, limits = result.traces(), result.settings["room"]
    t = trace_bands(traces, "T_room_max")[0]
    size, unit = display_unit("s", float(t.max(initial=0)))
    x = t / size
    fig = Figure(figsize=(11, 7.5))
    temperature, humidity, pressure = fig.subplots(3, 1, sharex=True)
    temperature.plot(x, trace_bands(traces, "T_room_max")[1], color="#de2d26", lw=1, label="hottest room")
    temperature.plot(x, trace_bands(traces, "T_room_min")[1], color="#3182bd", lw=1, label="coldest room")
    bands = [(temperature, limits["low"] - 273.15, limits["high"] - 273.15, "room temperature [degC]"),
             (humidity, 100 * limits["rh_low"], 100 * limits["rh_high"], "relative humidity [%]"),
             (pressure, 0.0, None, "pressure margin [Pa]")]
    humidity.plot(x, trace_bands(traces, "RH_room_max")[1], color="#31a354", lw=1, label="most humid room")
    pressure.plot(x, trace_bands(traces, "dp_margin_min")[1], color="#756bb1", lw=1,
                  label="least margin\n(grade limit, 10 Pa at doors)")
    for ax, low, high, label in bands:
        for limit in (low, high):
            if limit is not None:
                ax.axhline(limit, color="k", ls="--", lw=0.8)
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.0, 1.0))
    temperature.set_title(f"Room conditions against their limits (dashed), {result.name}: "
                          f"{result.kpis['violation_minutes']['mean']:,.0f} room-minutes outside", fontsize=10)
    pressure.set_xlabel(f"time [{unit}]")
    return [_save(fig, result, "room_conditions.png")]


def _save(fig: Figure, result, name: str) -> Path:
    path = Path(result.path) / "figures" / name
    fig.savefig(path, dpi=110, bbox_inches="tight")
    return path


def room_energy(result) -> list[Path]:
    """Ask for ``figures/room_energy.png`` (drawn by the viewer, :func:`scenarios.figures.add_view`): the rooms in
    3D coloured by kWh per m2 of floor (HVAC share, lighting, units). Nothing is written here."""
    from twin import plant as plants

    plant = plants.load(result.settings["plant"])
    rooms = {k.removeprefix("kwh.room."): v["mean"] for k, v in result.kpis.items() if k.startswith("kwh.room.")}
    per_m2 = {n: kwh / plant.spaces[n].area for n, kwh in rooms.items() if plant.spaces[n].area}
    if per_m2:
        add_view(result, "room_energy", rooms=per_m2, cmap="YlOrRd", label="kWh per m2 of floor",
                 title="energy bought per room and m2 of floor")
    return []


def balance_flows(kpis: Mapping[str, float]) -> list[tuple[str, str, float]]:
    """The energy bought (kWh at the meter), followed from its source through the utilities to what it serves:
    ``(from, to, kWh)``. The grid feeds the chilled-water plant (chillers, pumps, tower), the AHUs' fans, the
    process equipment (with its compressed air) and lighting; gas feeds the boiler, whose fuel goes to the AHUs'
    coils and to process steam in proportion to the heat each takes (its flue loss travels inside both bands); the
    AHUs deliver to the rooms by grade (``kwh.grade.*``). The chilled-water plant's power while no coil needs cold
    (charging a tank, standby) reaches no room: it is the plant's loss."""
    kwh = {k: v for k, v in kpis.items() if v}

    def get(use: str) -> float:
        return kwh.get(f"kwh.{use}", 0.0)

    heat = get("reheat") + get("preheat")
    steam_share = get("process_steam") / (heat + get("process_steam")) if kwh.get("gas") else 0.0
    water = sum(get(k) for k in WATER_PLANT)
    flows = [("grid electricity", "chilled-water plant", water), ("grid electricity", "AHUs", get("fans")),
             ("grid electricity", "process equipment", get("equipment") + get("compressors")),
             ("grid electricity", "lighting", get("lighting")), ("gas", "boiler", kwh.get("gas", 0.0)),
             ("chilled-water plant", "AHUs", water - get("chilled_water_idle")),
             ("chilled-water plant", IDLE, get("chilled_water_idle")),
             ("boiler", "AHUs", kwh.get("gas", 0.0) * (1 - steam_share)),
             ("boiler", "process equipment", kwh.get("gas", 0.0) * steam_share),
             *(("AHUs", f"grade {k.removeprefix('kwh.grade.')} rooms", v) for k, v in sorted(kwh.items())
               if k.startswith("kwh.grade."))]
    return [flow for flow in flows if flow[2] > 0]


def energy_balance(result) -> list[Path]:
    """Write ``figures/energy_balance.png`` for the result folder ``result``; returns the file written."""
    kwh = {name: value["mean"] for name, value in result.kpis.items()}
    flue = kwh["gas"] - kwh["kwh.reheat"] - kwh["kwh.preheat"] - kwh["kwh.process_steam"]
    fig = Figure(figsize=(12, 7))
    ax = fig.add_subplot(xticks=[], yticks=[], frame_on=False)
    ax.set_title(f"Energy balance, {result.name}: {kwh['electricity'] + kwh['gas']:,.0f} kWh bought, followed "
                 f"through the utilities to their uses\n(the boiler's {flue:,.0f} kWh flue loss inside its bands; "
                 f"the cooling coils remove {kwh['kwh.cooling_coils']:,.0f} kWh of heat)", fontsize=10)
    layered_sankey(ax, balance_flows(kwh))
    return [_save(fig, result, "energy_balance.png")]


def layered_sankey(ax, flows: list[tuple[str, str, float]], width: float = 0.12, gap: float = 0.04) -> None:
    """Draw ``flows`` as bands between nodes stacked in columns (:data:`STAGE`): each node as tall as the larger of
    what enters and what leaves it, each band as wide as its kWh, a smooth cubic curve from node to node."""
    nodes = list(dict.fromkeys(n for a, b, _ in flows for n in (a, b)))
    column = {n: STAGE.get(n, USES) for n in nodes}
    size = {n: max(sum(v for a, _, v in flows if a == n), sum(v for _, b, v in flows if b == n)) for n in nodes}
    total = max(sum(size[n] for n in nodes if column[n] == c) for c in set(column.values()))
    stacks = {c: [n for n in nodes if column[n] == c] for c in sorted(set(column.values()))}
    tall = {c: sum(size[n] for n in mine) + gap * total * (len(mine) - 1) for c, mine in stacks.items()}
    top = {}
    for c, mine in stacks.items():       # each column centred on the tallest
        y = (max(tall.values()) - tall[c]) / 2
        for n in mine:
            top[n], y = y, y + size[n] + gap * total
    leave, enter, starts, ends = dict(top), dict(top), {}, {}
    for a, b, v in sorted(flows, key=lambda f: top[f[1]] + size[f[1]] / 2):   # bands leave in the order they
        starts[a, b], leave[a] = leave[a], leave[a] + v                        # arrive, so they seldom cross
    for a, b, v in sorted(flows, key=lambda f: top[f[0]] + size[f[0]] / 2):
        ends[a, b], enter[b] = enter[b], enter[b] + v
    for a, b, v in flows:
        x0, x1 = column[a] + width, column[b]
        y0, y1 = starts[a, b], ends[a, b]
        mid = (x0 + x1) / 2
        ax.add_patch(PathPatch(Curve(
            [(x0, y0), (mid, y0), (mid, y1), (x1, y1), (x1, y1 + v), (mid, y1 + v), (mid, y0 + v), (x0, y0 + v),
             (x0, y0)],
            [Curve.MOVETO, Curve.CURVE4, Curve.CURVE4, Curve.CURVE4, Curve.LINETO, Curve.CURVE4, Curve.CURVE4,
             Curve.CURVE4, Curve.CLOSEPOLY]), facecolor=COLOURS[column[a]], alpha=0.35, lw=0))
    for n in nodes:
        c = column[n]
        ax.add_patch(Rectangle((c, top[n]), width, size[n], facecolor=COLOURS[c], lw=0))
        right = c == USES
        ax.text(c + (width + 0.02 if right else -0.02), top[n] + size[n] / 2, f"{n}\n{size[n]:,.0f} kWh",
                ha="left" if right else "right", va="center", fontsize=8)
    ax.set_xlim(-0.7, USES + 1.2)
    ax.set_ylim(max(tall.values()), 0)
