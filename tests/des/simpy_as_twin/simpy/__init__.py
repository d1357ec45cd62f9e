"""Stand-in for the ``simpy`` package: every SimPy module name resolves to its ``twin.des`` counterpart.

Put the folder above this one first on ``PYTHONPATH`` and ``import simpy`` (and ``simpy.core``, ``simpy.events``,
``simpy.resources.resource`` ...) gives twin.des, also in child processes. Used to run SimPy's own test suite,
documentation and examples against twin.des (tests/des/test_simpy_suite.py).
"""
import importlib
import sys

MODULES = ["", ".core", ".events", ".exceptions", ".rt", ".util", ".resources", ".resources.base",
           ".resources.resource", ".resources.store", ".resources.container"]

for _name in MODULES:
    sys.modules["simpy" + _name] = importlib.import_module("twin.des" + _name)
