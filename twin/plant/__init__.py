"""The Plant from its digital delivery: IFC or 3D meshes, plus a YAML overlay, keyed by equipment tag.

>>> import twin.plant
>>> plant = twin.plant.load("plant_models/api_bay/plant.yaml")      # or an .ifc, or a mesh layout .yaml
>>> plant["R-101"].space, plant.grade("NF-101"), sorted(plant.upstream("NF-101"))[:3]
('R01', 'D', ['D-101', 'D-102', 'E-101'])
"""
from twin.plant.loading import load
from twin.plant.model import GRADES, Asset, Element, Instrument, Link, Plant, Port, Space, UnknownTagError

__all__ = ["load", "Plant", "Asset", "Space", "Link", "Port", "Instrument", "Element", "GRADES", "UnknownTagError"]
