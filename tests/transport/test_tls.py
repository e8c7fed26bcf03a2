"""TLS for both clients against a real loopback HTTPS server: CA, wrong CA, tls-server-name,
insecure-skip-tls-verify, client certificates from files, inline data and an exec plugin."""

from __future__ import annotations

import base64
import http.server
import json
import ssl
import stat
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme

from kinformer._errors import ConfigError, TransportError
from kinformer.transport import _auth
from kinformer.transport._auth import ssl_context
from kinformer.transport._config import ClientConfig, ExecConfig
from kinformer.transport._http import AsyncClient, Client
from kinformer.transport._resolver import ResourceInfo

PODS = ResourceInfo("", "v1", "pods", "Pod")


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        peer = self.connection.getpeercert() if isinstance(self.connection, ssl.SSLSocket) else None
        subject: dict[str, Any] = {}
        rdns: Any = peer["subject"] if peer else ()
        for rdn in rdns:
            subject.update(dict(rdn))
        body = json.dumps(
            {
                "kind": "PodList",
                "metadata": {"resourceVersion": "1"},
                "items": [],
                "client": subject.get("commonName"),
                "auth": self.headers.get("Authorization"),
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # failed handshakes are what some tests want


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def server(ca: trustme.CA) -> Iterator[str]:
    cert = ca.issue_cert("kubernetes", "kubernetes.default.svc")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    ca.configure_trust(context)
    context.verify_mode = ssl.CERT_OPTIONAL
    httpd = _Server(("127.0.0.1", 0), _Handler)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _list(config: ClientConfig, flavor: str) -> dict[str, Any]:
    if flavor == "threads":
        with Client(config) as client:
            return client.list(PODS)

    import asyncio

    async def main() -> dict[str, Any]:
        async with AsyncClient(config) as client:
            return await client.list(PODS)

    return asyncio.run(main())


FLAVORS = ["threads", "asyncio"]


@pytest.mark.parametrize("flavor", FLAVORS)
def test_tls_verified_with_the_ca_and_tls_server_name(
    server: str, ca: trustme.CA, flavor: str
) -> None:
    config = ClientConfig(
        server=server, ca_data=ca.cert_pem.bytes(), tls_server_name="kubernetes", token="tok"
    )
    assert _list(config, flavor)["auth"] == "Bearer tok"


@pytest.mark.parametrize("flavor", FLAVORS)
def test_tls_hostname_mismatch_fails_verification(server: str, ca: trustme.CA, flavor: str) -> None:
    config = ClientConfig(server=server, ca_data=ca.cert_pem.bytes())
    with pytest.raises(TransportError, match=f"TLS verification failed for {server}"):
        _list(config, flavor)


@pytest.mark.parametrize("flavor", FLAVORS)
def test_tls_wrong_ca_is_refused_never_retried_insecurely(server: str, flavor: str) -> None:
    other = trustme.CA()
    config = ClientConfig(
        server=server, ca_data=other.cert_pem.bytes(), tls_server_name="kubernetes"
    )
    with pytest.raises(TransportError, match=f"TLS verification failed for {server}") as info:
        _list(config, flavor)
    assert "certificate" in str(info.value)


def test_tls_system_roots_by_default_do_not_trust_a_private_ca(server: str) -> None:
    with pytest.raises(TransportError, match="TLS verification failed"):
        _list(ClientConfig(server=server, tls_server_name="kubernetes"), "threads")


def test_tls_insecure_skip_verify_warns_and_connects(server: str) -> None:
    config = ClientConfig(server=server, insecure_skip_tls_verify=True)
    with pytest.warns(UserWarning, match="TLS certificate verification is disabled"):
        assert _list(config, "threads")["kind"] == "PodList"


@pytest.mark.parametrize("flavor", FLAVORS)
def test_tls_client_certificate_from_inline_data_and_files(
    server: str, ca: trustme.CA, tmp_path: Path, flavor: str
) -> None:
    client_cert = ca.issue_cert("alice@example.com", common_name="alice")
    cert_pem = b"".join(blob.bytes() for blob in client_cert.cert_chain_pems)
    key_pem = client_cert.private_key_pem.bytes()
    inline = ClientConfig(
        server=server,
        ca_data=ca.cert_pem.bytes(),
        tls_server_name="kubernetes",
        client_cert_data=cert_pem,
        client_key_data=key_pem,
    )
    assert _list(inline, flavor)["client"] == "alice"
    private = _auth._private_dir
    assert private is not None
    assert stat.S_IMODE(private.stat().st_mode) == 0o700
    assert list(private.iterdir()) == []  # loaded, then deleted at once
    (tmp_path / "c.crt").write_bytes(cert_pem)
    (tmp_path / "c.key").write_bytes(key_pem)
    files = ClientConfig(
        server=server,
        ca_data=ca.cert_pem.bytes(),
        tls_server_name="kubernetes",
        client_cert_file=str(tmp_path / "c.crt"),
        client_key_file=str(tmp_path / "c.key"),
    )
    assert _list(files, flavor)["client"] == "alice"


@pytest.mark.slow
def test_tls_client_certificate_from_an_exec_plugin(
    server: str, ca: trustme.CA, tmp_path: Path
) -> None:
    client_cert = ca.issue_cert("bob@example.com", common_name="bob")
    status = {
        "clientCertificateData": b"".join(b.bytes() for b in client_cert.cert_chain_pems).decode(),
        "clientKeyData": client_cert.private_key_pem.bytes().decode(),
    }
    output = {
        "apiVersion": "client.authentication.k8s.io/v1",
        "kind": "ExecCredential",
        "status": status,
    }
    script = tmp_path / "plugin.py"
    script.write_text(
        f"#!{sys.executable}\nimport base64\n"
        f"print(base64.b64decode({base64.b64encode(json.dumps(output).encode())!r}).decode())\n"
    )
    script.chmod(0o700)
    config = ClientConfig(
        server=server,
        ca_data=ca.cert_pem.bytes(),
        tls_server_name="kubernetes",
        exec=ExecConfig(
            command=str(script),
            api_version="client.authentication.k8s.io/v1",
            interactive_mode="Never",
        ),
    )
    with Client(config) as client:
        page = client.list(PODS)
        assert (page["client"], page["auth"]) == ("bob", None)
        assert client.exec_runs == 1


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            ClientConfig(server="https://k", ca_data=b"not a pem"),
            "no PEM certificate could be loaded",
        ),
        (
            ClientConfig(server="https://k", ca_data=b"\xff\xfe"),
            "no PEM certificate could be loaded",
        ),
        (
            ClientConfig(server="https://k", client_cert_data=b"CERT", client_key_data=b"KEY"),
            "the client certificate and key cannot be loaded",
        ),
        (
            ClientConfig(
                server="https://k",
                client_cert_file="/nonexistent/c",
                client_key_file="/nonexistent/k",
            ),
            "cannot be loaded",
        ),
        (
            ClientConfig(
                server="https://k", client_cert_file="/nonexistent/c", client_key_data=b"K"
            ),
            "client-certificate: cannot read /nonexistent/c",
        ),
        (
            ClientConfig(
                server="https://k", client_cert_data=b"C", client_key_file="/nonexistent/k"
            ),
            "client-key: cannot read /nonexistent/k",
        ),
        (
            ClientConfig(server="https://k", client_cert_data=b"C"),
            "needs both a certificate and a key",
        ),
    ],
)
def test_ssl_context_configuration_errors(config: ClientConfig, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        ssl_context(config)


def test_ssl_context_verifies_by_default() -> None:
    context = ssl_context(ClientConfig(server="https://k"))
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname
