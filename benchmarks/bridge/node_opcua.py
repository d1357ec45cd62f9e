"""node-opcua (Node.js), the OPC UA implementation the bridge is tested and measured against, installed from the npm
registry at a pinned version into a cache folder outside git on first use (``npm install``, ~15 s, 140 packages).

>>> env = environment()                                           # doctest: +SKIP
>>> subprocess.Popen(["node", "server.js", ...], env=env)        # doctest: +SKIP
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

VERSION = "2.186.4"  # node-opcua-server and node-opcua-client, the 2.x line the tests were written against
PACKAGES = (f"node-opcua-server@{VERSION}", f"node-opcua-client@{VERSION}")
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "pharma-twin" / f"node-opcua-{VERSION}"


class Unavailable(RuntimeError):
    """node-opcua cannot be had here; the message says why (Node.js missing, npm failed)."""


def environment() -> dict[str, str]:
    """The environment in which ``node`` finds node-opcua, installing it into ``CACHE`` if needed."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not (node and npm):
        raise Unavailable("Node.js and npm are not installed (apt-get install nodejs npm)")
    modules = CACHE / "node_modules"
    if not all((modules / p.rsplit("@", 1)[0]).is_dir() for p in PACKAGES):
        CACHE.mkdir(parents=True, exist_ok=True)
        try:
            done = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--prefix", str(CACHE), *PACKAGES],
                                  capture_output=True, text=True, timeout=900)
        except subprocess.TimeoutExpired:
            raise Unavailable(f"`npm install {' '.join(PACKAGES)}` took over 15 minutes") from None
        if done.returncode != 0:
            raise Unavailable(f"`npm install {' '.join(PACKAGES)}` failed: {done.stderr[-500:]}")
    return {**os.environ, "NODE_PATH": str(modules)}
