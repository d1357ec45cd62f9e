"""Loading a plant: the twin's full IFC load against ifcopenshell's bare multi-core geometry iterator."""
