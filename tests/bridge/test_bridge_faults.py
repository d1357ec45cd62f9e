"""`twin bridge` against a strict server of another implementation (node-opcua: Basic256Sha256 only, user
operator:s3cret only, client certificates trusted only from its PKI/trusted/certs) and against a server killed
mid-run: set-up errors stop at once with one message and their exit status (`twin bridge --help`), the network is
retried, and no traceback reaches the user. Issue #21, failures 1, 3 and 6."""
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from twin.cli import main

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
pytestmark = pytest.mark.slow  # node-opcua takes 5-15 s to start; the module runs in ~30 s


def start_node(script: str, args: list[str], env: dict) -> subprocess.Popen:
    """A node-opcua server (a script beside this file), once it prints READY."""
    peer = subprocess.Popen(["node", str(HERE / script), *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True, env=env)
    ready = threading.Event()

    def read() -> None:
        for line in peer.stdout:
            if line.startswith("READY"):
                ready.set()

    threading.Thread(target=read, daemon=True).start()
    if not ready.wait(120):
        peer.kill()
        raise AssertionError(f"{script} did not start within 120 s")
    return peer


@pytest.fixture(scope="module")
def strict(node_opcua, tmp_path_factory):
    """The strict node-opcua server: its endpoint and its PKI folder."""
    from loopback import free_port

    pki = tmp_path_factory.mktemp("server-pki")
    port = free_port()
    peer = start_node("node_opcua_secure.js", [str(port), str(pki)], node_opcua)
    yield f"opc.tcp://127.0.0.1:{port}", pki
    peer.kill()
    peer.wait()


def bridge(capsys, *args) -> tuple[int, str]:
    code = main(["bridge", *map(str, args)])
    return code, capsys.readouterr().err


def assert_one_message(err: str, pattern: str) -> None:
    """One line of the command's own (`twin: ...`), matching ``pattern``; no traceback, nothing else said twice."""
    assert "Traceback" not in err and "AssertionError" not in err, err
    mine = [line for line in err.splitlines() if line.startswith("twin: ")]
    assert len(mine) == 1 and re.search(pattern, mine[0]), err
    assert len(re.findall(pattern, err)) == 1, f"said twice: {err}"


MAP = "tags:\n  - {tag: R-101.TT-01, node: 'ns=1;s=R-101.TT-01', unit: K}\n"
SECURE = ["--policy", "Basic256Sha256,SignAndEncrypt"]


def test_an_untrusted_certificate_stops_with_where_to_trust_it_then_works_once_trusted(strict, tmp_path, capsys):
    """Before #21: asyncua's AssertionError ended the connection task, 0 updates until --duration, exit 1."""
    endpoint, server_pki = strict
    (tmp_path / "map.yaml").write_text(MAP)
    pki = tmp_path / "pki"
    start = time.monotonic()
    code, err = bridge(capsys, tmp_path / "map.yaml", endpoint, *SECURE, "--pki", pki, "--user", "operator:s3cret",
                       "--duration", 60)
    assert code == 3 and time.monotonic() - start < 30, "refused at once, not retried until --duration"
    assert_one_message(err, "does not trust this client's certificate")
    assert f"copying {pki / 'own' / 'cert.der'} into the server's trusted certificates" in err
    # trust it as the message says (node-opcua: move it from PKI/rejected to PKI/trusted/certs): the same command
    # then follows the server
    (rejected,) = (server_pki / "rejected").glob("*.pem")
    rejected.rename(server_pki / "trusted" / "certs" / rejected.name)
    time.sleep(2.0)  # node-opcua watches its folders
    code, err = bridge(capsys, tmp_path / "map.yaml", endpoint, *SECURE, "--pki", pki, "--user", "operator:s3cret",
                       "--duration", 3, "--csv", tmp_path / "live.csv")
    assert code == 0 and "0 problems" in err, err
    assert (tmp_path / "live.csv").read_text().splitlines()[1].split(",")[2] == "300.0"


@pytest.mark.parametrize("args, status, pattern", [
    ([], 3, r"BadSecurityModeRejected: .*takes secured connections only"),  # policy None, a secured server
    ([*SECURE, "--pki", "{pki}", "--user", "operator:wrong"], 3, r"refused the connection: Bad\w+: the server "
                                                                   r"refused the (user name|login)"),
    ([*SECURE, "--pki", "{pki}"], 3, r"refused the connection: Bad\w+: the server (does not accept this kind of "
                                     r"login|refused the login)"),  # anonymous refused
    # no --pki: a certificate made in the per-user folder, which the server does not trust yet
    ([*SECURE, "--user", "operator:s3cret"], 3, r"trust it on the server by copying .*/data-home/pharma-twin/pki/"
                                                r"bridge/own/cert.der"),
])
def test_set_up_errors_stop_with_one_message_and_their_status(strict, tmp_path, capsys, monkeypatch, args, status,
                                                              pattern):
    """Before #21 each of these was retried until --duration ended, then exit 0 with "0 updates", said twice."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data-home"))
    endpoint, server_pki = strict
    (tmp_path / "map.yaml").write_text(MAP)
    pki = tmp_path / "pki"
    if "{pki}" in args:  # a client the server trusts, so that the login is what fails
        from asyncio import run

        from bridge.security import CLIENT_URI, own_certificate

        cert, _ = run(own_certificate(pki, CLIENT_URI, server=False))
        shutil.copy(cert, server_pki / "trusted" / "certs" / f"{tmp_path.name}.der")
        time.sleep(2.0)  # node-opcua watches its folders
    code, err = bridge(capsys, tmp_path / "map.yaml", endpoint, *[str(pki) if a == "{pki}" else a for a in args],
                       "--duration", 60)
    assert code == status, err
    assert_one_message(err, pattern)


def test_discover_without_security_against_a_secured_server_is_one_message(strict, capsys):
    """Before #21: a traceback, exit 1."""
    endpoint, _ = strict
    code, err = bridge(capsys, "--discover", endpoint)
    assert code == 3, err
    assert_one_message(err, "BadSecurityModeRejected: .*takes secured connections only")


def test_a_server_killed_mid_run_is_retried_without_traceback_and_the_record_kept(node_opcua, tmp_path):
    """The server dies after a few values: the bridge says it cannot reach it (once), keeps retrying, and at the end
    writes every value it had received; exit 0. Reference: the peer's own log of the values it served."""
    from loopback import free_port

    port = free_port()
    origin = int(time.time()) + 1
    peer = start_node("node_opcua_server.js", [str(port), str(origin * 1000), "200", "1000"], node_opcua)
    (tmp_path / "map.yaml").write_text("tags:\n  - {tag: R-101.TT-01, node: 'ns=1;s=R-101.TT-01'}\n")
    run = subprocess.Popen([sys.executable, "-m", "twin", "bridge", str(tmp_path / "map.yaml"),
                            f"opc.tcp://127.0.0.1:{port}", "--duration", "8", "--clock", "unix", "--csv",
                            str(tmp_path / "live.csv")], stderr=subprocess.PIPE, text=True, cwd=ROOT)
    time.sleep(5)
    peer.kill()
    peer.wait()
    _, err = run.communicate(timeout=60)
    assert run.returncode == 0, err
    assert "Traceback" not in err and err.count("cannot reach") == 1, err
    rows = [r.split(",") for r in (tmp_path / "live.csv").read_text().splitlines()[1:]]
    values = [float(v) for _, _, v, q in rows if q == "0" and float(v) > 0]
    assert len(values) >= 3 and values == list(range(int(values[0]), int(values[-1]) + 1)), values
    assert rows[-1][3] == "2" and rows[-1][2] == "nan", "the gap after the server died is marked BAD"
