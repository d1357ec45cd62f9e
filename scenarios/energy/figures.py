"""The figures of an energy result: the energy balance as a Sankey diagram (matplotlib's ``Sankey``: purchased
electricity and gas on the left, what uses them on the right, widths in kWh, the means over the replications), and
the plant in 3D with each room coloured by the energy bought for it per m2 of floor (the viewer's scene)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.sankey import Sankey

USES = {"kwh.fans": "AHU fans", "kwh.chillers": "chillers", "kwh.pump": "chilled-water pumps",
        "kwh.tower_fans": "cooling-tower fans", "kwh.condenser_pump": "condenser-water pump",
        "kwh.compressors": "air compressors", "kwh.lighting": "lighting", "kwh.equipment": "process equipment",
        "kwh.reheat": "reheat coils", "kwh.preheat": "preheat coils", "kwh.process_steam": "process steam"}


def write(result) -> list[Path]:
    """Every figure of an energy result folder."""
    return energy_balance(result) + room_energy(result)


def room_energy(result) -> list[Path]:
    """Write ``figures/room_energy.png``: the rooms in 3D coloured by kWh per m2 (HVAC share, lighting, units)."""
    from twin import plant as plants
    from viewer.export import screenshot
    from viewer.scene import PlantScene, headless

    plant = plants.load(result.settings["plant"])
    rooms = {k.removeprefix("kwh.room."): v["mean"] for k, v in result.kpis.items() if k.startswith("kwh.room.")}
    drawn = [n for n in rooms if plant.spaces[n].mesh is not None and plant.spaces[n].area]
    if not drawn:
        return []
    headless()
    scene = PlantScene(plant, labels=False, off_screen=True, window_size=(1000, 640))
    try:
        scene.show_layer("spaces", False)
        for number in drawn:
            space = plant.spaces[number]
            mesh = scene_mesh(space.mesh)
            mesh.cell_data["kWh/m2"] = np.full(mesh.n_cells, rooms[number] / space.area)
            scene.plotter.add_mesh(mesh, scalars="kWh/m2", cmap="YlOrRd", opacity=0.55, lighting=False,
                                   clim=(0.0, max(rooms[n] / plant.spaces[n].area for n in drawn)),
                                   scalar_bar_args={"title": "kWh per m2 of floor", "color": "black", "vertical": True,
                                                    "position_x": 0.04, "position_y": 0.2})
            scene.plotter.add_point_labels([space.mesh.bounds.mean(axis=0)],
                                           [f"{number}\n{rooms[number] / space.area:,.0f}"], font_size=11,
                                           shape_opacity=0.4, always_visible=True)
        path = Path(result.path) / "figures" / "room_energy.png"
        screenshot(scene, path)
    finally:
        scene.close()
    return [path]


def scene_mesh(mesh):
    """A room's trimesh mesh as pyvista polydata."""
    import pyvista as pv

    return pv.PolyData.from_regular_faces(np.asarray(mesh.vertices, float), np.asarray(mesh.faces, np.int64))


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
