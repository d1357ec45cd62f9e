"""Securing a connection: policies, certificates and user identities, for both ends of the bridge.

A **PKI folder** chosen by the user holds everything; the commands default to one per user outside any repository
(:func:`default_pki`) and refuse one inside a git work tree (:func:`check_pki`)::

    pki/
      own/cert.der, own/key.pem   this application's certificate, generated on first use
      trusted/                    peer certificates to trust; when this folder exists a server accepts
                                  only the client certificates found in it (the trust list: the user manages it)
      rejected/                   (server) client certificates it refused, saved for the user to move to trusted/
      servers/HOST_PORT.der       (client) each server's certificate, trusted at the first connection: a server
                                  presenting another one later is refused (delete the file if it was renewed)
      users/                      (server) certificates of users who may log in with certificate authentication

Security policies are OPC UA's: ``None``, ``Basic256Sha256`` with mode ``Sign`` or ``SignAndEncrypt``.
User identities: anonymous, user name and password, or a certificate (the application's own).
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
import socket
from dataclasses import dataclass, field
from pathlib import Path

from asyncua import Client, Server, ua
from asyncua.crypto import security_policies
from asyncua.crypto.cert_gen import setup_self_signed_certificate
from asyncua.crypto.permission_rules import User, UserRole
from asyncua.crypto.truststore import TrustStore
from asyncua.crypto.validator import CertificateValidator, CertificateValidatorOptions
from cryptography.x509.oid import ExtendedKeyUsageOID

CLIENT_URI = "urn:pharma-twin:bridge"
SERVER_URI = "urn:pharma-twin:server"
POLICIES = {"None": None, "Basic256Sha256": security_policies.SecurityPolicyBasic256Sha256}
MODES = {"Sign": ua.MessageSecurityMode.Sign, "SignAndEncrypt": ua.MessageSecurityMode.SignAndEncrypt}
log = logging.getLogger(__name__)
_SERVER_POLICY = {
    ("None", None): ua.SecurityPolicyType.NoSecurity,
    ("Basic256Sha256", "Sign"): ua.SecurityPolicyType.Basic256Sha256_Sign,
    ("Basic256Sha256", "SignAndEncrypt"): ua.SecurityPolicyType.Basic256Sha256_SignAndEncrypt,
}


class SecurityError(ValueError):
    """A security setting that cannot work; the message says which and how to fix it."""


def default_pki(role: str) -> Path:
    """The per-user PKI folder of ``role`` (``bridge`` or ``serve``): ``$XDG_DATA_HOME/pharma-twin/pki/ROLE``
    (``~/.local/share/...`` by default), never inside a repository."""
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "pharma-twin" / "pki" / role


def check_pki(pki: Path) -> Path:
    """``pki`` unless it lies inside a git work tree, where a private key would be one `git add` from being shared."""
    folder = Path(pki).expanduser().resolve()
    for parent in (folder, *folder.parents):
        if (parent / ".git").exists():
            raise SecurityError(f"--pki {pki} lies inside the git work tree {parent}: its private keys would be one "
                                "`git add` from being shared; hint: leave out --pki (a per-user folder is used) or "
                                "choose a folder outside the repository")
    return Path(pki)


def parse_policy(text: str) -> tuple[str, str | None]:
    """``"Basic256Sha256,Sign"`` -> ``("Basic256Sha256", "Sign")``; ``"None"`` -> ``("None", None)``."""
    policy, _, mode = (part.strip() for part in text.partition(","))
    if policy not in POLICIES:
        raise SecurityError(f"unknown security policy {policy!r}; use None, Basic256Sha256,Sign or "
                            "Basic256Sha256,SignAndEncrypt")
    if policy == "None":
        return policy, None
    mode = mode or "SignAndEncrypt"
    if mode not in MODES:
        raise SecurityError(f"unknown security mode {mode!r} for {policy}; use Sign or SignAndEncrypt")
    return policy, mode


async def own_certificate(pki: Path, app_uri: str, server: bool) -> tuple[Path, Path]:
    """This application's certificate and key in ``pki/own``, generated (self-signed, one year) on first use."""
    own = Path(pki) / "own"
    try:
        own.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SecurityError(f"cannot create the certificate folder {own}: {exc}; choose a writable --pki folder") \
            from None
    cert, key = own / "cert.der", own / "key.pem"
    use = [ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH]
    await setup_self_signed_certificate(key, cert, app_uri, socket.gethostname(), use,
                                        {"commonName": app_uri.rsplit(":", 1)[-1], "organizationName": "pharma-twin"})
    return cert, key


class CertificateChanged(SecurityError):
    """The server presents another certificate than the one the client trusted on first use."""


async def pinned_server_certificate(client: Client, pki: Path, policy_uri: str, mode: ua.MessageSecurityMode) -> bytes:
    """The server's certificate (DER) for this policy and mode, checked against the one kept in
    ``pki/servers/HOST_PORT.der`` since the first connection (trust on first use; asyncua itself takes whatever
    certificate the server's endpoint list names). A different one raises :class:`CertificateChanged`."""
    endpoints = await client.connect_and_get_server_endpoints()
    endpoint = Client.find_endpoint(endpoints, mode, policy_uri)  # UaError "No matching endpoints" if none
    der = _first_certificate(endpoint.ServerCertificate)
    url = client.server_url
    pinned = pki / "servers" / f"{re.sub(r'[^A-Za-z0-9.-]+', '_', url.hostname or 'server')}_{url.port or 4840}.der"
    if not pinned.exists():
        pinned.parent.mkdir(parents=True, exist_ok=True)
        pinned.write_bytes(der)
        log.info("trusting the certificate of %s on first use: %s", url.geturl(), pinned)
    elif pinned.read_bytes() != der:
        fingerprint = hashlib.sha1(der).hexdigest()[:16]
        raise CertificateChanged(
            f"{url.geturl()} presents another certificate (SHA-1 {fingerprint}...) than the one trusted at the first "
            f"connection ({pinned}): if the server's certificate was renewed, delete {pinned} to trust the new one; "
            "otherwise another machine may be answering at this address")
    return der


def _first_certificate(blob: bytes) -> bytes:
    """The first DER certificate of a chain (a SEQUENCE: tag, length, content)."""
    if len(blob) < 2 or blob[0] != 0x30:
        raise SecurityError("the server sent a certificate that is not DER; it cannot be checked")
    if blob[1] & 0x80:
        size = blob[1] & 0x7F
        return blob[:2 + size + int.from_bytes(blob[2:2 + size], "big")]
    return blob[:2 + blob[1]]


@dataclass(frozen=True)
class ClientSecurity:
    """How the bridge connects: a policy and mode, the PKI folder, and the user identity."""

    policy: str = "None"
    mode: str | None = None
    pki: Path | None = None
    username: str | None = None
    password: str | None = None
    certificate_login: bool = False  # log in with the application's own certificate

    def __post_init__(self) -> None:
        if (self.policy != "None" or self.certificate_login) and self.pki is None:
            raise SecurityError(f"policy {self.policy} / certificate login needs a folder for the certificates; "
                                "hint: pass --pki ./pki")

    async def apply(self, client: Client) -> None:
        """Configure ``client`` (before ``connect``); certificates are generated into ``pki`` on first use."""
        client.application_uri = CLIENT_URI
        needs_cert = self.policy != "None" or self.certificate_login
        if needs_cert:
            cert, key = await own_certificate(self.pki, CLIENT_URI, server=False)
        if self.policy != "None":
            server_cert = await pinned_server_certificate(client, Path(self.pki), POLICIES[self.policy].URI,
                                                          MODES[self.mode])
            await client.set_security(POLICIES[self.policy], str(cert), str(key), server_certificate=server_cert,
                                      mode=MODES[self.mode])
        if self.certificate_login:
            await client.load_client_certificate(str(cert))
            await client.load_private_key(str(key))
        elif self.username is not None:
            client.set_user(self.username)
            client.set_password(self.password or "")


@dataclass(frozen=True)
class ServerSecurity:
    """What a server offers: its policies, its PKI folder, its users, and whether anonymous login is allowed."""

    policies: tuple[tuple[str, str | None], ...] = (("None", None),)
    pki: Path | None = None
    users: dict[str, str] = field(default_factory=dict)  # user name -> password
    allow_anonymous: bool = False

    def __post_init__(self) -> None:
        unknown = [p for p in self.policies if p not in _SERVER_POLICY]
        if unknown:
            raise SecurityError(f"unknown server security policy {unknown[0]}")
        if self.pki is None and any(policy != "None" for policy, _ in self.policies):
            raise SecurityError("a secured endpoint needs a certificate; hint: pass --pki ./pki")
        if not (self.users or self.allow_anonymous or self.pki is not None and (Path(self.pki) / "users").is_dir()):
            raise SecurityError("nobody could log in: give users (--user NAME:PASSWORD), user certificates "
                                "(PKI/users/*.der) or --allow-anonymous")

    async def apply(self, server: Server) -> None:
        """Configure ``server`` (before ``start``): endpoints, certificate, client trust and user logins."""
        server.set_security_policy([_SERVER_POLICY[p] for p in self.policies])
        user_certs: dict[bytes, str] = {}
        if self.pki is not None:
            cert, key = await own_certificate(self.pki, SERVER_URI, server=True)
            await server.load_certificate(str(cert))
            await server.load_private_key(str(key))
            trusted = Path(self.pki) / "trusted"
            if trusted.is_dir():
                store = TrustStore([trusted], [])
                await store.load()
                options = CertificateValidatorOptions.TRUSTED_VALIDATION | CertificateValidatorOptions.PEER_CLIENT
                server.set_certificate_validator(_Rejecting(CertificateValidator(options, store), Path(self.pki)))
            for path in sorted((Path(self.pki) / "users").glob("*.der")):
                user_certs[path.read_bytes()] = path.stem
        tokens = [ua.UserNameIdentityToken] if self.users else []
        if user_certs:
            tokens.append(ua.X509IdentityToken)
        if self.allow_anonymous:
            tokens.append(ua.AnonymousIdentityToken)
        server.set_identity_tokens(tokens)
        server.iserver.set_user_manager(_Users(dict(self.users), user_certs, self.allow_anonymous))


class _Rejecting:
    """A certificate validator that saves each client certificate it refuses into ``PKI/rejected`` and says where to
    move it to trust it (OPC UA's usual trust-list workflow)."""

    def __init__(self, validator: CertificateValidator, pki: Path) -> None:
        self.validator, self.pki = validator, pki

    async def __call__(self, cert, app_description: ua.ApplicationDescription) -> None:
        try:
            await self.validator(cert, app_description)
        except Exception:
            from cryptography.hazmat.primitives import hashes, serialization

            rejected = self.pki / "rejected"
            rejected.mkdir(parents=True, exist_ok=True)
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", app_description.ApplicationUri or "client").strip("_")
            path = rejected / f"{name}-{cert.fingerprint(hashes.SHA1()).hex()[:16]}.der"
            path.write_bytes(cert.public_bytes(serialization.Encoding.DER))
            log.warning("refused the certificate of %s: saved as %s; move it into %s to trust it",
                        app_description.ApplicationUri, path, self.pki / "trusted")
            raise


class _Users:
    """asyncua user manager: user names with passwords, user certificates, and optionally anonymous users."""

    def __init__(self, passwords: dict[str, str], certificates: dict[bytes, str], allow_anonymous: bool) -> None:
        self.passwords, self.certificates, self.allow_anonymous = passwords, certificates, allow_anonymous

    def get_user(self, iserver, username=None, password=None, certificate=None) -> User | None:
        if username is not None:
            expected = self.passwords.get(username)
            ok = expected is not None and hmac.compare_digest(expected.encode(), (password or "").encode())
            return User(role=UserRole.User, name=username) if ok else None
        if certificate is not None and certificate in self.certificates:
            return User(role=UserRole.User, name=self.certificates[certificate])
        return User(role=UserRole.User, name="anonymous") if self.allow_anonymous else None
