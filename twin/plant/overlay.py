"""The plant overlay (``plant.yaml``): what the digital delivery lacks, added by tag.

.. code-block:: yaml

    plant: api_bay.ifc               # the delivery: an .ifc or a mesh layout .yaml, relative to this file
    tag_property: Pset_Tag.Number    # optional: where tags live when the IFC Tag attribute is not used
    classes:                         # parameters every asset of a type shares (its IFC type); an asset's own win
      RotaryTabletPress: {params: {weibull_shape: 2.5, weibull_scale: 2000 h}}
    assets:
      R-101:
        behaviour: semi_batch_reactor          # which unit model drives this asset in a twin
        params: {volume: 4 m3, jacket_ua: 2.5 kW/K}   # 'value unit' strings become SI floats
        instruments:
          TT-01: {unit: K, description: reaction mass temperature}
    links:                           # transfers the delivery does not draw as pipes
      - {from: R-101, to: NF-101, medium: slurry}
    fmus:                            # assets whose behaviour an FMU from another tool gives (see twin.fmu.binding)
      TCU-101:
        fmu: models/jacket_tcu.fmu
        inputs: {T: R-101.TT-01}
        parameters: {Kp: 3.0, Ti: 10 min}
    co_simulation: {step: 10 s}      # optional: the FMUs' common communication step, ordering, loop tolerance

Every tag is checked against the delivery: an unknown one is an error naming file, line and the closest tag. Each
FMU binding is checked against the FMU's model description (variable names, sides, parameter types); an asset driven
by an FMU gets ``behaviour: fmu`` (stating another behaviour for it as well is an error).
"""
from __future__ import annotations

from pathlib import Path

from twin import config
from twin.config import FilePath, ListOf, MapOf, Param, Record, Str
from twin.fmu import binding
from twin.plant.model import Instrument, Link, Plant
from twin.plant.parameters import Params

INSTRUMENT = Record({"unit": Str(), "description": Str(), "type": Str(), "properties": MapOf(Param())},
                    name="an instrument")
ASSET = Record({"behaviour": Str(), "params": Params(), "instruments": MapOf(INSTRUMENT),
                "description": Str()}, name="an asset entry")
LINK = Record({"from": Str(), "to": Str(), "medium": Str(), "kind": Str(["transfer", "pipe"])},
              required=["from", "to"], defaults={"kind": "transfer"}, name="a link")
CLASS = Record({"params": Params()}, name="an asset class entry")
SCHEMA = Record({"plant": FilePath(), "name": Str(), "tag_property": Str(pattern=r"^[^.]+\.[^.]+$"),
                 "classes": MapOf(CLASS), "assets": MapOf(ASSET), "links": ListOf(LINK), "fmus": MapOf(binding.ENTRY),
                 "co_simulation": binding.MASTER},
                required=["plant"], name="a plant overlay")


def read(path: str | Path, load_delivery, **options) -> Plant:
    """Load the overlay at ``path``: the delivery it names (through ``load_delivery``), then its additions."""
    overlay = config.load(path, SCHEMA)
    if overlay["tag_property"]:
        options.setdefault("tag_property", overlay["tag_property"])
    plant = load_delivery(overlay["plant"], **options)
    apply(plant, overlay)
    return plant


def apply(plant: Plant, overlay: config.Mapping) -> None:
    """Add the overlay's behaviours, parameters, instruments and links to ``plant``, checking every tag."""
    if overlay["name"]:
        plant.name = overlay["name"]
    _apply_classes(plant, overlay["classes"])
    assets = overlay["assets"]
    for tag, entry in assets.items():
        if tag not in plant.assets:
            raise assets.error(tag, f"unknown tag '{tag}': the delivery has no such asset",
                               expected=f"a tag of {plant.source.name if plant.source else plant.name}",
                               choices=plant.assets)
        asset = plant.assets[tag]
        asset.behaviour = entry["behaviour"] or asset.behaviour
        asset.params.update(entry["params"])
        if entry["description"]:
            asset.description = entry["description"]
        for signal, spec in entry["instruments"].items():
            name = signal if signal.startswith(f"{tag}.") else f"{tag}.{signal}"
            known = asset.instruments.get(name)
            instrument = known or Instrument(tag=name, type=spec["type"] or "signal")
            instrument.unit = spec["unit"] or instrument.unit
            instrument.name = spec["description"] or instrument.name
            instrument.type = spec["type"] or instrument.type
            instrument.properties.update(spec["properties"])
            asset.instruments[name] = instrument
    links = overlay["links"]
    for i, entry in enumerate(links):
        for end in ("from", "to"):
            if entry[end] not in plant.assets:
                raise entry.error(end, f"unknown tag '{entry[end]}' in link {i + 1}",
                                  expected="the tag of an asset of the delivery",
                                  hint=config.suggest(entry[end], plant.assets))
        plant.add_link(Link(source=entry["from"], target=entry["to"], medium=entry["medium"], kind=entry["kind"]))
    _apply_fmus(plant, overlay)


def _apply_classes(plant: Plant, classes: config.Mapping) -> None:
    """Each class's parameters to every asset of that type (the asset's own ``params:`` are applied after)."""
    types = sorted({asset.type for asset in plant.assets.values() if asset.type})
    for name, entry in classes.items():
        members = [asset for asset in plant.assets.values() if asset.type == name]
        if not members:
            raise classes.error(name, f"no asset of the delivery is of type '{name}'",
                                expected=f"an asset type: {', '.join(types[:10])}{' ...' if len(types) > 10 else ''}",
                                choices=types)
        for asset in members:
            asset.params.update(entry["params"])


def _apply_fmus(plant: Plant, overlay: config.Mapping) -> None:
    """Bind the overlay's FMUs to their assets, each checked against its model description."""
    fmus = overlay["fmus"]
    for tag, entry in fmus.items():
        if tag not in plant.assets:
            raise fmus.error(tag, f"unknown tag '{tag}': the delivery has no such asset for this FMU",
                             expected=f"a tag of {plant.source.name if plant.source else plant.name}",
                             choices=plant.assets)
        asset = overlay["assets"].get(tag)
        if asset and asset["behaviour"]:
            raise fmus.error(tag, f"asset {tag} has behaviour '{asset['behaviour']}' (line "
                                  f"{asset.lines['behaviour']}) and an FMU: one behaviour per asset",
                             hint="remove one of the two")
        plant.fmus.append(binding.bind(tag, entry))
        plant.assets[tag].behaviour = "fmu"
    plant.co_simulation = dict(overlay["co_simulation"] or {})
