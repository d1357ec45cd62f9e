"""Author process-plant IFC4 models with ``ifcopenshell.api``: the shared toolkit of the sample-plant generators.

A generator describes its plant in plant terms and this module writes the IFC a digital delivery would contain::

    plant = PlantAuthor("OSD CM line", seed=101)
    gf = plant.storey("Ground floor", 0.0)
    room = plant.space(gf, "101", "Compression", origin=(0, 0), size=(8, 6), grade="C")
    tp = plant.equipment("TP-101", "IfcUnitaryEquipment", room, (4, 3, 0), box=(1.2, 1.2, 2.0),
                         object_type="TabletPress")
    plant.pipe(plant.port(feeder, (0, 0, 0), "SOURCE"), plant.port(tp, (0, 0, 2), "SINK"), system, room)
    plant.write("osd_cm_line.ifc")

Equipment carries its tag in the IFC ``Tag`` attribute; rooms carry their GMP grade in the ``PharmaTwin_Cleanroom``
property set; instruments are ``IfcSensor``/``IfcController``/``IfcActuator`` elements bound to their asset by
``IfcRelFlowControlElements``; pipe runs are segments and fittings joined port to port by ``IfcRelConnectsPorts``.
GlobalIds come from a seeded generator and the header time stamp is fixed, so re-running a generator rewrites the
same file byte for byte.
"""
from __future__ import annotations

import random
import uuid
from pathlib import Path

import ifcopenshell
import ifcopenshell.api.aggregate
import ifcopenshell.api.context
import ifcopenshell.api.geometry
import ifcopenshell.api.project
import ifcopenshell.api.pset
import ifcopenshell.api.root
import ifcopenshell.api.spatial
import ifcopenshell.api.system
import ifcopenshell.api.unit
import ifcopenshell.guid
import ifcopenshell.util.shape_builder
import numpy as np

GRADE_PSET = "PharmaTwin_Cleanroom"
TIME_STAMP = "2026-01-01T00:00:00+00:00"
PIPE_RACK_HEIGHT = 3.2  # m above the storey floor, where pipe runs cross between rooms


class PlantAuthor:
    """An IFC4 file under construction: project, site, building, storeys, rooms, equipment, ports and pipes."""

    def __init__(self, name: str, *, seed: int, schema: str = "IFC4") -> None:
        rng = random.Random(seed)
        ifcopenshell.guid.new = lambda: ifcopenshell.guid.compress(uuid.UUID(int=rng.getrandbits(128)).hex)
        self.file = ifcopenshell.api.project.create_file(version=schema)
        self.file.header.file_name.time_stamp = TIME_STAMP
        self.file.header.file_name.author = ("pharma-twin plant_models",)
        self.api = ifcopenshell.api
        self.project = self._create("IfcProject", name=name)
        si = [self.api.unit.add_si_unit(self.file, unit_type=kind, prefix=prefix) for kind, prefix in (
            ("LENGTHUNIT", None), ("AREAUNIT", None), ("VOLUMEUNIT", None), ("MASSUNIT", "KILO"), ("TIMEUNIT", None),
            ("PLANEANGLEUNIT", None), ("THERMODYNAMICTEMPERATUREUNIT", None), ("PRESSUREUNIT", None))]
        self.api.unit.assign_unit(self.file, units=si)
        model = self.api.context.add_context(self.file, context_type="Model")
        self.body = self.api.context.add_context(self.file, context_type="Model", context_identifier="Body",
                                                 target_view="MODEL_VIEW", parent=model)
        self.shape = ifcopenshell.util.shape_builder.ShapeBuilder(self.file)
        self.site = self._create("IfcSite", name="Site")
        self.building = self._create("IfcBuilding", name=name)
        self.api.aggregate.assign_object(self.file, products=[self.site], relating_object=self.project)
        self.api.aggregate.assign_object(self.file, products=[self.building], relating_object=self.site)
        self._port_position: dict[int, np.ndarray] = {}
        self._world: dict[int, np.ndarray] = {}
        self._pipe_count = 0

    # --- spatial structure -----------------------------------------------------------------------------------

    def storey(self, name: str, elevation: float) -> ifcopenshell.entity_instance:
        storey = self._create("IfcBuildingStorey", name=name)
        storey.Elevation = elevation
        self.api.aggregate.assign_object(self.file, products=[storey], relating_object=self.building)
        self._place(storey, (0.0, 0.0, elevation))
        return storey

    def space(self, storey, number: str, name: str, *, origin, size, height: float = 3.0, grade: str | None = None,
              pressure_pa: float | None = None, air_changes: float | None = None):
        """A room on ``storey`` with its footprint ``origin`` (x, y) and ``size`` (dx, dy), and its GMP grade."""
        space = self._create("IfcSpace", name=number, predefined_type="INTERNAL")
        space.LongName = name
        self.api.aggregate.assign_object(self.file, products=[space], relating_object=storey)
        self._place(space, (origin[0], origin[1], storey.Elevation))
        self._represent(space, self.shape.extrude(self.shape.rectangle(size=tuple(size)), magnitude=height))
        qto = self.api.pset.add_qto(self.file, product=space, name="Qto_SpaceBaseQuantities")
        self.api.pset.edit_qto(self.file, qto=qto, properties={
            "NetFloorArea": size[0] * size[1], "NetVolume": size[0] * size[1] * height, "Height": height})
        if grade is not None:
            props = {"GMPGrade": grade}
            if pressure_pa is not None:
                props["DifferentialPressure"] = pressure_pa
            if air_changes is not None:
                props["AirChangeRate"] = air_changes
            self.pset(space, GRADE_PSET, props)
        return space

    def slab(self, storey, *, origin, size, thickness: float = 0.3):
        slab = self._create("IfcSlab", name=f"Floor slab {storey.Name}", predefined_type="FLOOR")
        self.api.spatial.assign_container(self.file, products=[slab], relating_structure=storey)
        self._place(slab, (origin[0], origin[1], storey.Elevation - thickness))
        self._represent(slab, self.shape.extrude(self.shape.rectangle(size=tuple(size)), magnitude=thickness))
        return slab

    # --- equipment and instruments ---------------------------------------------------------------------------

    def equipment(self, tag: str, ifc_class: str, container, position, *, box=None, cylinder=None,
                  predefined_type: str | None = None, object_type: str | None = None, name: str | None = None,
                  description: str | None = None, psets: dict | None = None):
        """A tagged piece of equipment at world ``position`` (x, y, z of its base centre), a box or a cylinder."""
        if object_type and not predefined_type:
            predefined_type = "USERDEFINED"
        element = self._create(ifc_class, name=name or tag, predefined_type=predefined_type)
        element.Tag = tag
        if object_type:
            element.ObjectType = object_type
        if description:
            element.Description = description
        self.api.spatial.assign_container(self.file, products=[element], relating_structure=container)
        self._place(element, position)
        if box is not None:
            dx, dy, dz = box
            solid = self.shape.extrude(self.shape.rectangle(size=(dx, dy)), magnitude=dz,
                                       position=(-dx / 2, -dy / 2, 0.0))
        else:
            radius, height = cylinder
            solid = self.shape.extrude(self.shape.circle(radius=radius), magnitude=height)
        self._represent(element, solid)
        for pset_name, props in (psets or {}).items():
            self.pset(element, pset_name, props)
        return element

    def instrument(self, tag: str, asset, *, ifc_class: str = "IfcSensor", predefined_type: str | None = None,
                   object_type: str | None = None, offset=(0, 0, 1), name: str | None = None,
                   psets: dict | None = None):
        """An instrument (sensor, controller, actuator) of ``asset``: its tag is ``ASSET.TAG`` in the twin."""
        container = asset.ContainedInStructure[0].RelatingStructure
        position = self._world[asset.id()] + np.asarray(offset, float)
        element = self.equipment(tag, ifc_class, container, position, box=(0.08, 0.08, 0.25),
                                 predefined_type=predefined_type, object_type=object_type, name=name, psets=psets)
        self.api.system.assign_flow_control(self.file, relating_flow_element=asset, related_flow_control=element)
        return element

    def pset(self, element, name: str, properties: dict):
        pset = self.api.pset.add_pset(self.file, product=element, name=name)
        self.api.pset.edit_pset(self.file, pset=pset, properties=properties)
        return pset

    # --- ports, systems, pipes -------------------------------------------------------------------------------

    def system(self, name: str, predefined_type: str, description: str | None = None):
        system = self.api.system.add_system(self.file, ifc_class="IfcDistributionSystem")
        system.Name, system.PredefinedType = name, predefined_type
        if description:
            system.Description = description
        return system

    def port(self, element, offset, direction: str, *, name: str | None = None, system_type: str = "NOTDEFINED"):
        """A distribution port of ``element`` at ``offset`` from its placement; direction SOURCE (out) or SINK (in)."""
        port = self.api.system.add_port(self.file, element=element)
        port.FlowDirection, port.Name = direction, name or ("outlet" if direction == "SOURCE" else "inlet")
        port.PredefinedType, port.SystemType = "PIPE", system_type
        world = self._world[element.id()] + np.asarray(offset, float)
        self._place(port, world, parent=element)
        self._port_position[port.id()] = world
        return port

    def pipe(self, source_port, target_port, system, container, *, diameter: float = 0.05,
             rack_height: float | None = None) -> list:
        """A pipe run from ``source_port`` to ``target_port``: segments and elbows joined port to port.

        The run rises (or falls) to the pipe rack, crosses in x then in y, and drops to the target, so an
        equipment-to-equipment link in the IFC is, as in real deliveries, a chain of several pieces.
        """
        a, b = self._port_position[source_port.id()], self._port_position[target_port.id()]
        z = a[2] if rack_height is None else rack_height
        points = [a, np.array([a[0], a[1], z]), np.array([b[0], a[1], z]), np.array([b[0], b[1], z]), b]
        corners = [p for i, p in enumerate(points) if i == 0 or np.linalg.norm(p - points[i - 1]) > 1e-6]
        pieces, previous = [], source_port
        self._pipe_count += 1
        for i in range(len(corners) - 1):
            start, end = corners[i], corners[i + 1]
            if i > 0:
                fitting, f_in, f_out = self._fitting(start, diameter, container, i)
                self.api.system.connect_port(self.file, previous, f_in, direction="SOURCE")
                pieces.append(fitting)
                previous = f_out
            segment, s_in, s_out = self._segment(start, end, diameter, container, i)
            self.api.system.connect_port(self.file, previous, s_in, direction="SOURCE")
            pieces.append(segment)
            previous = s_out
        self.api.system.connect_port(self.file, previous, target_port, direction="SOURCE")
        self.api.system.assign_system(self.file, products=pieces, system=system)
        return pieces

    def _segment(self, start, end, diameter, container, index):
        vector = end - start
        length = float(np.linalg.norm(vector))
        axis = vector / length
        x_axis = np.cross(axis, [0, 0, 1]) if abs(axis[2]) < 0.9 else np.array([1.0, 0, 0])
        x_axis = x_axis / np.linalg.norm(x_axis)
        segment = self._create("IfcPipeSegment", name=f"Pipe {self._pipe_count}.{index}",
                               predefined_type="RIGIDSEGMENT")
        self.api.spatial.assign_container(self.file, products=[segment], relating_structure=container)
        self._place(segment, start)
        self._represent(segment, self.shape.extrude(
            self.shape.circle(radius=diameter / 2), magnitude=length,
            position_z_axis=tuple(float(v) for v in axis), position_x_axis=tuple(float(v) for v in x_axis)))
        pset = {"NominalDiameter": diameter, "Length": length}
        self.pset(segment, "Pset_PipeSegmentTypeCommon", pset)
        return segment, self.port(segment, (0, 0, 0), "SINK"), self.port(segment, vector, "SOURCE")

    def _fitting(self, at, diameter, container, index):
        fitting = self._create("IfcPipeFitting", name=f"Elbow {self._pipe_count}.{index}", predefined_type="BEND")
        self.api.spatial.assign_container(self.file, products=[fitting], relating_structure=container)
        self._place(fitting, at)
        radius = diameter * 0.65
        self._represent(fitting, self.shape.extrude(self.shape.circle(radius=radius), magnitude=2 * radius,
                                                    position=(0.0, 0.0, -radius)))
        return fitting, self.port(fitting, (0, 0, 0), "SINK"), self.port(fitting, (0, 0, 0), "SOURCE")

    # --- plumbing --------------------------------------------------------------------------------------------

    def _create(self, ifc_class: str, *, name: str, predefined_type: str | None = None):
        return self.api.root.create_entity(self.file, ifc_class=ifc_class, name=name, predefined_type=predefined_type)

    def _place(self, product, position, parent=None) -> None:
        matrix = np.eye(4)
        matrix[:3, 3] = position
        self._world[product.id()] = np.asarray(position, float)
        if parent is not None:  # ports: placed relative to their element
            relative = self.file.createIfcLocalPlacement(
                parent.ObjectPlacement, self.shape.create_axis2_placement_3d(
                    tuple(float(v) for v in np.asarray(position) - self._world[parent.id()])))
            product.ObjectPlacement = relative
            return
        self.api.geometry.edit_object_placement(self.file, product=product, matrix=matrix, is_si=True)

    def _represent(self, product, solid) -> None:
        representation = self.shape.get_representation(self.body, [solid])
        self.api.geometry.assign_representation(self.file, product=product, representation=representation)

    def write(self, path: str | Path) -> Path:
        path = Path(path)
        self.file.header.file_name.name = path.name
        self._creation_order()
        self.file.write(str(path))
        return path

    def _creation_order(self) -> None:
        """Sort the entity lists of relationships by creation: ifcopenshell.api builds some through Python sets,
        whose order changes from one process to the next, and the file must not."""
        for entity in (*self.file.by_type("IfcRelationship"), *self.file.by_type("IfcUnitAssignment")):
            for i, value in enumerate(entity):
                if isinstance(value, tuple) and value and all(isinstance(v, ifcopenshell.entity_instance)
                                                              for v in value):
                    entity[i] = tuple(sorted(value, key=lambda e: e.id()))
