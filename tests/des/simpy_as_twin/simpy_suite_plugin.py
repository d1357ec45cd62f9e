"""pytest plug-in for running SimPy's own tests against twin.des (loaded with ``-p simpy_suite_plugin``).

It refuses to run if ``simpy`` is the real SimPy (the run would prove nothing), and marks the SimPy tests that
check SimPy's internals, where a compiled core legitimately differs, as strict expected failures: each must
still fail, so a list that grows stale fails the run too.
"""
import pytest
import simpy

DIFFERENCES = {
    "tests/test_exceptions.py::test_exception_chaining":
        "the traceback's last block names SimPy's own frames (simpy/core.py run/step); twin.des shows its compiled "
        "frames (ext/des.pyx) there. The chain of the model's frames above it is identical",
    "tests/test_version.py::test_simpy_version":
        "simpy.__version__ is SimPy's release number; twin.des is versioned with twin",
}


def pytest_configure(config):
    if simpy.__name__ != "twin.des":
        raise pytest.UsageError(f"simpy resolves to {simpy.__file__}, not twin.des: put the simpy_as_twin folder "
                                "first on PYTHONPATH")


def pytest_collection_modifyitems(items):
    for item in items:
        reason = DIFFERENCES.get(item.nodeid)
        if reason:
            item.add_marker(pytest.mark.xfail(reason=reason, strict=True))
