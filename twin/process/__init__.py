"""The continuous core: unit models on CasADi, joined into one DAE and integrated with CVODES/IDAS.

- :mod:`twin.process.model`      declare a unit model (states, inputs, parameters, outputs, ports, guards)
- :mod:`twin.process.flowsheet`  join models by streams into one DAE, checked at build time
- :mod:`twin.process.simulator`  integrate it on a sample grid and locate state events
- :mod:`twin.process.steady`     steady states (rootfinder) and optimisation (Ipopt)
- :mod:`twin.process.units`      the pharma unit library
"""
from twin.process.flowsheet import Dae, Flowsheet, FlowsheetError
from twin.process.model import ModelError, ProcessModel, StreamType, solids
from twin.process.simulator import IntegrationError, Simulator, simulate
from twin.process.steady import SteadyStateError, optimal_control, optimize_steady_state, steady_state

__all__ = ["Dae", "Flowsheet", "FlowsheetError", "IntegrationError", "ModelError", "ProcessModel", "Simulator",
           "SteadyStateError", "StreamType", "optimal_control", "optimize_steady_state", "simulate", "solids",
           "steady_state"]
