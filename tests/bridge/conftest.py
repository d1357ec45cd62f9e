"""Fixtures of the bridge tests; the helpers they share live in ``loopback.py``."""
import shutil

import pytest
from loopback import free_port


@pytest.fixture
def port() -> int:
    """A free TCP port on the loopback interface."""
    return free_port()


@pytest.fixture(scope="session")
def node_opcua() -> dict:
    """The environment in which ``node`` finds node-opcua (another OPC UA implementation), installed from the npm
    registry at the pinned version of ``benchmarks.bridge.node_opcua`` on first use. Skipped only where Node.js is
    missing; a failed install fails the tests."""
    from benchmarks.bridge import node_opcua

    if not (shutil.which("node") and shutil.which("npm")):
        pytest.skip("node-opcua peer tests: Node.js and npm are not installed (apt-get install nodejs npm)")
    return node_opcua.environment()
