"""The figures of an energy result: the energy balance as a Sankey diagram (matplotlib's ``Sankey``: purchased
electricity and gas on the left, what uses them on the right, widths in kWh, the means over the replications), and
the plant in 3D with each room coloured by the energy bought for it per m2 of floor (drawn by the viewer from the
result folder's ``views.json``)."""
from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure
from matplotlib.sankey import Sankey

from scenarios.figures import add_view

USES = {"kwh.fans": "AHU fans", "kwh.chillers": "chillers", "kwh.pump": "chilled-water pumps",
        "kwh.tower_fans": "cooling-tower fans", "kwh.condenser_pump": "condenser-water pump",
        "kwh.compressors": "air compressors", "kwh.lighting": "lighting", "kwh.equipment": "process equipment",
        "kwh.reheat": "reheat coils", "kwh.preheat": "preheat coils", "kwh.process_steam": "process steam"}


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


def energy_balance(result) -> list[Path]:
    """Write ``figures/energy_balance.png`` for the result folder ``result``; returns the file written."""
    kwh = {name: value["mean"] for name, value in result.kpis.items()}
    flue = kwh["gas"] - kwh["kwh.reheat"] - kwh["kwh.preheat"] - kwh["kwh.process_steam"]
    flows = {"grid electricity": kwh["electricity"], "gas": kwh["gas"],
             **{label: -kwh[key] for key, label in USES.items()}, "boiler flue loss": -flue}
    flows = {label: value for label, value in flows.items() if abs(value) > 1e-9 * kwh["electricity"]}
    total = sum(v for v in flows.values() if v > 0)
    fig = Figure(figsize=(11, 7))
    ax = fig.add_subplot(xticks=[], yticks=[], frame_on=False)
    ax.set_title(f"Energy balance, {result.name}: {total:,.0f} kWh bought "
                 f"(cooling coils remove {kwh['kwh.cooling_coils']:,.0f} kWh of heat)", fontsize=10)
    inputs = [label for label, v in flows.items() if v > 0]
    uses = sorted((label for label, v in flows.items() if v < 0), key=lambda label: flows[label])
    # the largest use straight on, the others alternately up and down, their labels staggered so they never meet
    sides = {label: 0 if i == 0 else (1 if i % 2 else -1) for i, label in enumerate(uses)}
    reach = {label: 0.3 + 0.5 * ((i + 1) // 2 % 2) for i, label in enumerate(uses)}
    order = inputs + uses
    sankey = Sankey(ax=ax, scale=1.0 / total, unit=" kWh", format="%.0f", gap=0.5, margin=0.4)
    sankey.add(flows=[flows[k] for k in order], labels=[k.replace(" ", "\n", 1) for k in order],
               orientations=[0 if i == 0 else 1 for i in range(len(inputs))] + [sides[k] for k in uses],
               pathlengths=[0.4] * len(inputs) + [reach[k] for k in uses], facecolor="#9ecae1", edgecolor="#3182bd")
    sankey.finish()
    path = Path(result.path) / "figures" / "energy_balance.png"
    fig.savefig(path, dpi=110, bbox_inches="tight")
    return [path]
