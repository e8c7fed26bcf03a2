"""HTTPS for the fake API server: a throw-away CA and a server certificate from ``trustme``.

``trustme`` is an optional extra (``pip install 'kinformer[testing]'``): plain-HTTP servers
never import it, and asking for TLS without it raises :class:`TLSUnavailableError` with the
install command instead of an ``ImportError`` from deep inside.

The certificate is valid for ``localhost``, ``127.0.0.1``, ``::1`` and the host the server
binds to, so clients that verify the server (the default everywhere) succeed with the CA and
fail without it.
"""

from __future__ import annotations

import importlib
import ipaddress
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..._errors import KinformerError

__all__ = ["TLSMaterial", "TLSUnavailableError", "generate_tls"]

INSTALL_HINT = "pip install 'kinformer[testing]'  (or: pip install trustme)"


class TLSUnavailableError(KinformerError):
    """``FakeApiServer(tls=True)`` needs the optional ``trustme`` package."""


@dataclass(frozen=True, slots=True)
class TLSMaterial:
    """A CA and one server certificate signed by it, all PEM.

    Attributes:
        ca_pem: the CA certificate clients must trust.
        cert_chain_pem: the server certificate followed by its chain.
        key_pem: the server's private key (never logged, never in a ``repr``).
    """

    ca_pem: bytes
    cert_chain_pem: bytes
    key_pem: bytes

    def __repr__(self) -> str:
        return "TLSMaterial(ca_pem=..., cert_chain_pem=..., key_pem=<hidden>)"

    def server_context(self) -> ssl.SSLContext:
        """An ``ssl.SSLContext`` for the server side (TLS 1.2+, HTTP/1.1 via ALPN).

        ``ssl`` loads certificates only from files: the PEM blocks go through a private
        temporary directory that is removed before this returns.
        """
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        with tempfile.TemporaryDirectory(prefix="kinformer-tls-") as directory:
            cert_file = Path(directory) / "server.crt"
            key_file = Path(directory) / "server.key"
            cert_file.write_bytes(self.cert_chain_pem)
            key_file.touch(mode=0o600)
            key_file.write_bytes(self.key_pem)
            context.load_cert_chain(cert_file, key_file)
        context.set_alpn_protocols(["http/1.1"])
        return context


def _import_trustme() -> Any:
    try:
        return importlib.import_module("trustme")
    except ImportError as error:
        raise TLSUnavailableError(
            f"FakeApiServer(tls=True) needs the 'trustme' package: {INSTALL_HINT}"
        ) from error


def generate_tls(host: str) -> TLSMaterial:
    """Generate a CA and a server certificate for ``host`` and the loopback names.

    Raises:
        TLSUnavailableError: ``trustme`` is not installed.
    """
    trustme = _import_trustme()
    names = ["localhost", "127.0.0.1", "::1"]
    if host and host not in names and host not in ("0.0.0.0", "::"):
        try:
            names.append(str(ipaddress.ip_address(host)))
        except ValueError:
            names.append(host)
    ca = trustme.CA()
    cert = ca.issue_cert(*names)
    chain = b"".join(blob.bytes() for blob in cert.cert_chain_pems)
    return TLSMaterial(
        ca_pem=ca.cert_pem.bytes(),
        cert_chain_pem=chain,
        key_pem=cert.private_key_pem.bytes(),
    )
