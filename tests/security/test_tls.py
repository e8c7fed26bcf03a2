"""TLS is verified and failures are refused with a clear error (issue 8, item 5).

Against a real ``FakeApiServer(tls=True)`` (its own CA, a certificate for the loopback
names), both client runtimes: the right CA connects; a wrong CA, no CA (system roots) or a
hostname mismatch raise :class:`TransportError` naming the server and TLS, and no request
ever reaches the server (never a silent insecure retry). ``insecure-skip-tls-verify`` in a
kubeconfig connects but warns.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme
import yaml

from kinformer._errors import TransportError
from kinformer.testing import FakeApiServer
from kinformer.transport._config import ClientConfig
from kinformer.transport._http import AsyncClient, Client
from kinformer.transport._resolver import ResourceInfo

CONFIGMAPS = ResourceInfo("", "v1", "configmaps", "ConfigMap")
FLAVORS = ["threads", "asyncio"]


@pytest.fixture(scope="module")
def server() -> Iterator[FakeApiServer]:
    with FakeApiServer(tls=True) as fake:
        yield fake


def _list(config: ClientConfig, flavor: str) -> dict[str, Any]:
    if flavor == "threads":
        with Client(config) as client:
            return client.list(CONFIGMAPS)

    async def main() -> dict[str, Any]:
        async with AsyncClient(config) as client:
            return await client.list(CONFIGMAPS)

    return asyncio.run(main())


def _handled(server: FakeApiServer) -> int:
    return server.http_stats().requests


@pytest.mark.parametrize("flavor", FLAVORS)
def test_tls_with_the_server_ca_connects(server: FakeApiServer, flavor: str) -> None:
    assert server.url.startswith("https://127.0.0.1:")
    config = ClientConfig(server=server.url, ca_data=server.ca_pem, token=server.token)
    assert _list(config, flavor)["kind"] == "ConfigMapList"


def _refused(server: FakeApiServer, config: ClientConfig, flavor: str) -> TransportError:
    before = _handled(server)
    with pytest.raises(TransportError) as info:
        _list(config, flavor)
    message = str(info.value)
    assert f"TLS verification failed for {server.url}" in message, message
    assert _handled(server) == before, "a request reached the server despite the TLS failure"
    return info.value


@pytest.mark.parametrize("flavor", FLAVORS)
def test_tls_wrong_ca_is_refused_with_a_clear_error(server: FakeApiServer, flavor: str) -> None:
    other = trustme.CA().cert_pem.bytes()
    error = _refused(
        server, ClientConfig(server=server.url, ca_data=other, token=server.token), flavor
    )
    assert "certificate" in str(error)


@pytest.mark.parametrize("flavor", FLAVORS)
def test_tls_no_ca_uses_system_roots_and_is_refused(server: FakeApiServer, flavor: str) -> None:
    _refused(server, ClientConfig(server=server.url, token=server.token), flavor)


@pytest.mark.parametrize("flavor", FLAVORS)
def test_tls_hostname_mismatch_is_refused(server: FakeApiServer, flavor: str) -> None:
    config = ClientConfig(
        server=server.url,
        ca_data=server.ca_pem,
        tls_server_name="not-the-apiserver.example",
        token=server.token,
    )
    error = _refused(server, config, flavor)
    assert "not-the-apiserver.example" in str(error) or "hostname" in str(error).lower()


def test_tls_insecure_skip_tls_verify_in_a_kubeconfig_warns_and_connects(
    server: FakeApiServer, tmp_path: Path
) -> None:
    kubeconfig = yaml.safe_load(server.kubeconfig_path.read_text())
    cluster = kubeconfig["clusters"][0]["cluster"]
    for key in ("certificate-authority", "certificate-authority-data"):
        cluster.pop(key, None)
    cluster["insecure-skip-tls-verify"] = True
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(kubeconfig))
    with (
        pytest.warns(UserWarning, match="TLS certificate verification is disabled") as record,
        Client.from_kubeconfig(path) as client,
    ):
        assert client.list(CONFIGMAPS)["kind"] == "ConfigMapList"
    assert server.url in str(record[0].message)
    assert "insecure-skip-tls-verify" in str(record[0].message)
