"""OPC UA bridge (asyncua): live plant tags into the TagBus, and the twin served over OPC UA. Stands on ``twin``.

- ``mapping``   the YAML mapping: OPC UA node (NodeId or browse path) -> tag, scaling, unit conversion
- ``client``    :class:`~bridge.client.Bridge`: subscriptions into a TagBus, reconnection, back-fill or gap marks
- ``server``    :class:`~bridge.server.TwinServer`: a TagBus served by plant hierarchy, setpoints, history
- ``security``  policies, certificates (made on first use) and user logins, for both ends
- ``shadow``    deviation and alarm tags: the live plant against the twin's prediction
- ``discover``  a starter mapping from a server's address space
- ``realtime``  a Twin kept in step with the wall clock
- ``cli``       ``twin bridge`` and ``twin serve``
"""
