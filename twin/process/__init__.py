"""The continuous core: unit models on CasADi, joined into one DAE and integrated with CVODES/IDAS.

- :mod:`twin.process.model`      declare a unit model (states, inputs, parameters, outputs, ports, guards)
- :mod:`twin.process.flowsheet`  join models by streams into one DAE, checked at build time
- :mod:`twin.process.simulator`  integrate it on a sample grid and locate state events
- :mod:`twin.process.steady`     steady states (rootfinder) and optimisation (Ipopt)
- :mod:`twin.process.units`      the pharma unit library

The names below are imported on first use, so a module that needs one unit or constant (a scenario check) does not
wait for SciPy's optimisers.
"""
from twin.lazy import lazy

_WHERE = {"Dae": "flowsheet", "Flowsheet": "flowsheet", "FlowsheetError": "flowsheet", "ModelError": "model",
          "ProcessModel": "model", "StreamType": "model", "solids": "model", "IntegrationError": "simulator",
          "Simulator": "simulator", "simulate": "simulator", "SteadyStateError": "steady",
          "optimal_control": "steady", "optimize_steady_state": "steady", "steady_state": "steady"}
__all__ = sorted(_WHERE)
__getattr__, __dir__ = lazy(__name__, {name: f"twin.process.{module}" for name, module in _WHERE.items()})
