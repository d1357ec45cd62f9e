"""Property sets and quantity sets of an IFC element, flattened to ``{"Pset.Property": value}`` in SI units.

An IFC file states lengths, areas and volumes in its project units (a Revit export in millimetres, a US model in
inches); here they come out in m, m2 and m3, so ``Qto_SpaceBaseQuantities.NetFloorArea`` means the same in every
file. Properties of the element's type come first and the occurrence's own override them, as IFC specifies.
"""
from __future__ import annotations

import ifcopenshell
import ifcopenshell.util.element
import ifcopenshell.util.unit

MEASURES = {"IfcLengthMeasure": "LENGTHUNIT", "IfcPositiveLengthMeasure": "LENGTHUNIT",
            "IfcNonNegativeLengthMeasure": "LENGTHUNIT", "IfcAreaMeasure": "AREAUNIT", "IfcVolumeMeasure": "VOLUMEUNIT"}
QUANTITIES = {"IfcQuantityLength": "LENGTHUNIT", "IfcQuantityArea": "AREAUNIT", "IfcQuantityVolume": "VOLUMEUNIT"}


class Properties:
    """Reads flattened, SI-converted properties of the elements of one IFC file."""

    def __init__(self, ifc: ifcopenshell.file) -> None:
        self.scale = {unit: ifcopenshell.util.unit.calculate_unit_scale(ifc, unit)
                      for unit in ("LENGTHUNIT", "AREAUNIT", "VOLUMEUNIT")}

    def __call__(self, element) -> dict:
        values: dict = {}
        for definition in _definitions(element):
            name = definition.Name or definition.is_a()
            if definition.is_a("IfcPropertySet"):
                for prop in definition.HasProperties or ():
                    if prop.is_a("IfcPropertySingleValue"):
                        values[f"{name}.{prop.Name}"] = self._value(prop.NominalValue, prop.Unit)
                    elif prop.is_a("IfcPropertyEnumeratedValue"):
                        chosen = [v.wrappedValue for v in prop.EnumerationValues or ()]
                        values[f"{name}.{prop.Name}"] = chosen[0] if len(chosen) == 1 else (chosen or None)
            elif definition.is_a("IfcElementQuantity"):
                for quantity in definition.Quantities or ():
                    if quantity.is_a("IfcPhysicalSimpleQuantity"):
                        scale = self.scale.get(QUANTITIES.get(quantity.is_a()), 1.0) if quantity.Unit is None else 1.0
                        values[f"{name}.{quantity.Name}"] = quantity[3] * scale
        return values

    def _value(self, value, unit):
        if value is None:
            return None
        raw = value.wrappedValue
        if unit is None and value.is_a() in MEASURES and isinstance(raw, int | float):
            return raw * self.scale[MEASURES[value.is_a()]]
        return raw


def _definitions(element):
    """The property definitions of the element's type, then of the element itself."""
    element_type = ifcopenshell.util.element.get_type(element)
    if element_type is not None and element_type != element:
        yield from getattr(element_type, "HasPropertySets", None) or ()
    for rel in getattr(element, "IsDefinedBy", None) or ():
        if rel.is_a("IfcRelDefinesByProperties"):
            definition = rel.RelatingPropertyDefinition
            yield from definition if isinstance(definition, tuple) else (definition,)
