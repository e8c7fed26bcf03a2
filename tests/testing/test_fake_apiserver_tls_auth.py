"""HTTPS with a generated CA, bearer tokens, namespace- and verb-limited tokens."""

from __future__ import annotations

import logging
import ssl
import sys
from collections.abc import Iterator

import httpx
import pytest
import yaml

from kinformer.testing import FakeApiServer
from kinformer.testing._apiserver._tls import TLSUnavailableError, generate_tls

from ._fake_apiserver_golden import assert_like_golden, golden


@pytest.fixture(scope="module")
def tls_server() -> Iterator[FakeApiServer]:
    with FakeApiServer(tls=True) as server:
        yield server


def _verified(server: FakeApiServer, token: str | None = None) -> httpx.Client:
    assert server.ca_pem is not None
    context = ssl.create_default_context(cadata=server.ca_pem.decode())
    headers = {"Authorization": f"Bearer {token or server.token}"}
    return httpx.Client(base_url=server.url, verify=context, headers=headers, timeout=10)


def test_tls_verification_succeeds_with_the_ca(tls_server: FakeApiServer) -> None:
    assert tls_server.url.startswith("https://127.0.0.1:")
    with _verified(tls_server) as client:
        answer = client.get("/version")
    assert answer.status_code == 200
    assert answer.json()["gitVersion"] == "v1.36.2"


def test_tls_verification_fails_without_the_ca(tls_server: FakeApiServer) -> None:
    with (
        httpx.Client(base_url=tls_server.url, verify=ssl.create_default_context()) as client,
        pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"),
    ):
        client.get("/version")


def test_tls_ca_file_and_kubeconfig(tls_server: FakeApiServer) -> None:
    assert tls_server.ca_path is not None
    assert tls_server.ca_path.read_bytes() == tls_server.ca_pem
    config = yaml.safe_load(tls_server.kubeconfig_path.read_text())
    cluster = config["clusters"][0]["cluster"]
    assert cluster["server"] == tls_server.url
    assert "certificate-authority-data" in cluster
    context = ssl.create_default_context(cafile=str(tls_server.ca_path))
    with httpx.Client(verify=context) as client:
        assert client.get(f"{tls_server.url}/healthz").text == "ok"


def test_tls_watch_streams_over_https(tls_server: FakeApiServer) -> None:
    with _verified(tls_server) as client:
        tls_server.create({"apiVersion": "v1", "kind": "ConfigMap",
                           "metadata": {"name": "over-tls", "namespace": "default"}})  # fmt: skip
        with client.stream(
            "GET", "/api/v1/namespaces/default/configmaps",
            params={"watch": "1", "resourceVersion": "0", "fieldSelector": "metadata.name=over-tls"},
        ) as response:  # fmt: skip
            line = next(response.iter_lines())
    assert '"over-tls"' in line


def test_tls_without_trustme_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "trustme", None)
    with pytest.raises(TLSUnavailableError, match=r"pip install 'kinformer\[testing\]'"):
        generate_tls("127.0.0.1")
    with pytest.raises(TLSUnavailableError):
        FakeApiServer(tls=True)


def test_tls_certificate_names_include_a_custom_host() -> None:
    material = generate_tls("192.0.2.7")
    assert "key_pem=<hidden>" in repr(material)
    assert material.key_pem.decode() not in repr(material)
    context = material.server_context()
    assert context.minimum_version == ssl.TLSVersion.TLSv1_2
    assert generate_tls("fake.example").ca_pem.startswith(b"-----BEGIN CERTIFICATE-----")


def test_auth_unknown_token_is_401_with_the_exact_body(tls_server: FakeApiServer) -> None:
    with _verified(tls_server, token="wrong") as client:
        for path in ("/version", "/api/v1/namespaces/default/configmaps", "/_kinformer/requests"):
            assert_like_golden(client.get(path), golden("11", 12))


def test_auth_namespace_limited_token_is_403_elsewhere(tls_server: FakeApiServer) -> None:
    tls_server.add_token("team-a", user="alice", namespaces=["team-a"])
    tls_server.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a"}})
    with _verified(tls_server, token="team-a") as client:
        assert client.get("/api/v1/namespaces/team-a/configmaps").status_code == 200
        other = client.get("/api/v1/namespaces/default/configmaps")
        assert other.status_code == 403
        assert other.json()["message"] == (
            'configmaps is forbidden: User "alice" cannot list resource "configmaps" in API '
            'group "" in the namespace "default"'
        )
        cluster = client.get("/api/v1/configmaps")
        assert cluster.status_code == 403
        assert cluster.json()["message"].endswith("at the cluster scope")


def test_auth_verb_limited_token_is_403_for_other_verbs(tls_server: FakeApiServer) -> None:
    tls_server.add_token("read-only", user="viewer", verbs=["get", "list", "watch"])
    with _verified(tls_server, token="read-only") as client:
        assert client.get("/api/v1/namespaces/default/configmaps").status_code == 200
        denied = client.post(
            "/api/v1/namespaces/default/configmaps",
            json={"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "nope"}},
        )
        assert denied.status_code == 403
        assert 'User "viewer" cannot create resource "configmaps"' in denied.json()["message"]
        assert client.post("/_kinformer/faults/latency", json={"seconds": 1}).status_code == 403


def test_auth_tokens_are_never_logged(
    tls_server: FakeApiServer, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "s3cr3t-token-value"
    tls_server.add_token(secret, user="bob")
    with caplog.at_level(logging.DEBUG), _verified(tls_server, token=secret) as client:
        client.get("/api/v1/namespaces/default/configmaps")
        client.get("/api/v1/namespaces/default/configmaps", headers={"Authorization": "Bearer x"})
    assert secret not in caplog.text
    assert tls_server.token not in caplog.text
    assert all(secret not in repr(record) for record in tls_server.requests)
    assert secret not in repr(tls_server)
