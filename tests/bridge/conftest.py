"""Fixtures of the bridge tests; the helpers they share live in ``loopback.py``."""
import socket

import pytest


@pytest.fixture
def port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
