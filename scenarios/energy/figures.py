"""The figures of an energy result: the energy balance as a two-stage flow diagram (a layered Sankey drawn with
matplotlib patches: the electricity and gas bought, through the utilities -- chilled-water plant, boiler, AHUs -- to
the uses -- rooms by grade, process equipment, lighting -- widths in kWh, the means over the replications), and
the plant in 3D with each room coloured by the energy bought for it per m2 of floor (drawn by the viewer from the
result folder's ``views.json``)."""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from matplotlib.figure import Figure
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path as Curve

from scenarios.figures import add_view

SOURCES, UTILITIES, AHUS, USES = 0, 1, 2, 3          # the diagram's columns
STAGE = {"grid electricity": SOURCES, "gas": SOURCES, "chilled-water plant": UTILITIES, "boiler": UTILITIES,
         "AHUs": AHUS}                                 # every other node is a use
WATER_PLANT = ("chillers", "pump", "tower_fans", "condenser_pump")
IDLE = "chilled water with no coil load (tank, standby)"
COLOURS = {SOURCES: "#3182bd", UTILITIES: "#e6550d", AHUS: "#31a354", USES: "#756bb1"}


def write(result) -> list[Path]:
    """Every figure of an energy result folder."""
    return energy_balance(result) + room_energy(result)


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
    path = Path(result.path) / "figures" / "energy_balance.png"
    fig.savefig(path, dpi=110, bbox_inches="tight")
    return [path]


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
