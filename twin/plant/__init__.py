"""The Plant from its digital delivery: IFC or 3D meshes, plus a YAML overlay, keyed by equipment tag.

>>> import twin.plant
>>> plant = twin.plant.load("plant_models/api_bay/plant.yaml")      # or an .ifc, or a mesh layout .yaml
>>> plant["R-101"].space, plant.grade("NF-101"), sorted(plant.upstream("NF-101"))[:3]
('R01', 'D', ['D-101', 'D-102', 'E-101'])

The names are imported on first use: ``twin inspect --help`` does not wait for ifcopenshell, trimesh and networkx.
"""
from twin.lazy import lazy

__all__ = ["load", "Plant", "Asset", "Space", "Link", "Port", "Instrument", "Element", "GRADES", "UnknownTagError"]
__getattr__, __dir__ = lazy(__name__, {"load": "twin.plant.loading", **dict.fromkeys(__all__[1:], "twin.plant.model")})
