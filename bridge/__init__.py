"""OPC UA bridge (asyncua): live plant tags into the TagBus, and the twin served over OPC UA. Stands on ``twin``."""
