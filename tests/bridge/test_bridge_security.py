"""Security on loopback: one server offers None and Basic256Sha256 (Sign, SignAndEncrypt) with user-name and
certificate logins and a trust list; clients with each setting connect, or are refused with a clear reason."""
import asyncio
import shutil
import socket
import time

import pytest
from loopback import ServerThread, run, until

from bridge.client import Bridge, Refused
from bridge.mapping import parse_mapping
from bridge.security import CLIENT_URI, ClientSecurity, SecurityError, ServerSecurity, own_certificate, parse_policy
from bridge.server import TwinServer
from twin.tags import TagBus

MAPPING = parse_mapping("subscription: {publishing_interval: 0.05, sampling_interval: 0}\n"
                        "tags:\n  - {tag: S-1.value, node: 'ns=2;s=S-1.value'}\n")


@pytest.fixture(scope="module")
def secured(tmp_path_factory):
    """A server whose PKI trusts client A (and lets it log in with its certificate), not client B."""
    root = tmp_path_factory.mktemp("pki")
    client_a, client_b, server_pki = root / "client-a", root / "client-b", root / "server"
    cert_a, _ = asyncio.run(own_certificate(client_a, CLIENT_URI, server=False))
    for folder in ("trusted", "users"):
        (server_pki / folder).mkdir(parents=True)
        shutil.copy(cert_a, server_pki / folder / "client-a.der")
    bus = TagBus()
    bus.define("S-1.value", initial=1.0)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    security = ServerSecurity(
        policies=(("None", None), ("Basic256Sha256", "Sign"), ("Basic256Sha256", "SignAndEncrypt")),
        pki=server_pki, users={"operator": "s3cret"})
    with ServerThread(TwinServer(bus, f"opc.tcp://127.0.0.1:{port}", security=security)) as server:
        yield server.endpoint, bus, client_a, client_b


def bridge_once(endpoint, security, bus=None):
    """Connect a bridge, return its problems and bus once connected, or once it reports a problem; a refusal is
    raised (``Refused``)."""
    bus = bus or TagBus()

    async def body():
        async with Bridge(bus, MAPPING, endpoint, security=security, backoff=(0.2, 0.4)) as bridge:
            await until(lambda: bridge.connected.is_set() or bridge.problems or bridge.finished, timeout=30,
                        what="connection, a problem or a refusal")
            return bridge.problems

    return run(body()), bus


@pytest.mark.parametrize("policy", ["None", "Basic256Sha256,Sign", "Basic256Sha256,SignAndEncrypt"])
def test_each_policy_with_user_and_password(secured, policy):
    endpoint, served, client_a, _ = secured
    served.write("S-1.value", 42.0, t=time.time())
    security = ClientSecurity(*parse_policy(policy), pki=client_a, username="operator", password="s3cret")
    problems, live = bridge_once(endpoint, security)
    assert problems == [] and live["S-1.value"].value == 42.0


def test_certificate_login(secured):
    endpoint, _, client_a, _ = secured
    problems, live = bridge_once(endpoint, ClientSecurity("Basic256Sha256", "SignAndEncrypt", pki=client_a,
                                                          certificate_login=True))
    assert problems == [] and live["S-1.value"].quality == 0


@pytest.mark.parametrize("security, reason", [
    (dict(username="operator", password="wrong"), "BadUserAccessDenied: the server refused the user name"),
    (dict(), "BadIdentityTokenRejected: the server does not accept this kind of login"),  # anonymous is off
    (dict(pki="client-b", username="operator", password="s3cret"),
     "the server does not trust this client's certificate"),
])
def test_refused_connections_say_why(secured, security, reason):
    """A refusal is not retried: the bridge stops with one message (before #21 it retried until --duration)."""
    endpoint, _, client_a, client_b = secured
    pki = client_b if security.pop("pki", None) else client_a
    with pytest.raises(Refused) as refused:
        bridge_once(endpoint, ClientSecurity("Basic256Sha256", "SignAndEncrypt", pki=pki, **security))
    assert reason in str(refused.value)
    if pki == client_b:
        assert f"copying {client_b / 'own' / 'cert.der'} into the server's trusted certificates" in str(refused.value)
        # the server kept it where its user trusts it from: PKI/rejected, to be moved to PKI/trusted
        rejected = [f.read_bytes() for f in (client_a.parent / "server" / "rejected").glob("*.der")]
        assert (client_b / "own" / "cert.der").read_bytes() in rejected


def test_certificates_are_made_once_in_the_chosen_folder(tmp_path):
    cert, key = asyncio.run(own_certificate(tmp_path / "pki", CLIENT_URI, server=False))
    assert cert == tmp_path / "pki" / "own" / "cert.der" and key.name == "key.pem"
    first = cert.read_bytes()
    asyncio.run(own_certificate(tmp_path / "pki", CLIENT_URI, server=False))
    assert cert.read_bytes() == first, "an existing valid certificate is kept"


def test_bad_security_settings():
    with pytest.raises(SecurityError, match="unknown security policy 'Basic128'"):
        parse_policy("Basic128")
    with pytest.raises(SecurityError, match="unknown security mode 'Encrypt'"):
        parse_policy("Basic256Sha256,Encrypt")
    assert parse_policy("Basic256Sha256") == ("Basic256Sha256", "SignAndEncrypt")
    with pytest.raises(SecurityError, match="nobody could log in"):
        ServerSecurity()
    with pytest.raises(SecurityError, match="a secured endpoint needs a certificate"):
        ServerSecurity(policies=(("Basic256Sha256", "Sign"),), allow_anonymous=True)
    with pytest.raises(SecurityError, match="--pki"):
        asyncio.run(ClientSecurity("Basic256Sha256", "Sign").apply(_FakeClient()))


class _FakeClient:
    application_uri = ""


@pytest.mark.slow  # two servers started in turn on one port
def test_a_server_that_changes_its_certificate_is_refused(tmp_path):
    """Issue #21, bad input: the first connection keeps the server's certificate (PKI/servers/HOST_PORT.der); a server
    answering later at the same address with another certificate is refused with where to renew it (before #21 asyncua
    took whatever certificate the endpoint list named)."""
    bus = TagBus()
    bus.define("S-1.value", initial=1.0)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        endpoint = f"opc.tcp://127.0.0.1:{s.getsockname()[1]}"
    client = ClientSecurity("Basic256Sha256", "SignAndEncrypt", pki=tmp_path / "client")
    for server_pki in ("server-a", "server-b"):  # each made its own certificate on first use
        security = ServerSecurity(policies=(("Basic256Sha256", "SignAndEncrypt"),), pki=tmp_path / server_pki,
                                  allow_anonymous=True)
        with ServerThread(TwinServer(bus, endpoint, security=security)):
            if server_pki == "server-a":
                problems, live = bridge_once(endpoint, client)
                assert problems == [] and live["S-1.value"].value == 1.0
                assert list((tmp_path / "client" / "servers").glob("*.der")), "pinned at the first connection"
            else:
                with pytest.raises(Refused, match="presents another certificate .* delete .*servers"):
                    bridge_once(endpoint, client)
