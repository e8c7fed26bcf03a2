"""Both clients end to end against kinformer.testing.FakeApiServer over TLS.

List pages, watch, discovery, TLS with the CA and with a wrong CA, token auth, the
401/403/404/410/429 mapping (A-44, A-46), a rotating token file, an exec plugin script, an
in-cluster layout in a temporary directory, and broken or reset watch streams.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import threading
from collections.abc import Awaitable, Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme

from kinformer._errors import (
    ApiError,
    ExpiredError,
    ForbiddenError,
    NotFoundError,
    RefusedConnectionError,
    TooManyRequestsError,
    TransportError,
    UnauthorizedError,
    is_expired,
)
from kinformer.testing import FakeApiServer
from kinformer.transport._config import ClientConfig, ExecConfig
from kinformer.transport._http import AsyncClient, Client
from kinformer.transport._incluster import in_cluster_config
from kinformer.transport._kubeconfig import load_kubeconfig
from kinformer.transport._wire import ListOptions, WatchEvent

FLAVORS = ["threads", "asyncio"]


@pytest.fixture(scope="module")
def server() -> Iterator[FakeApiServer]:
    with FakeApiServer(tls=True) as fake:
        for namespace in ("pages", "w", "g", "cut", "ctor", "own"):
            fake.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
        fake.seed(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {
                    "name": f"cm-{i:02d}",
                    "namespace": "pages",
                    "labels": {"i": str(i % 2)},
                },
            }
            for i in range(25)
        )
        yield fake


@pytest.fixture(params=FLAVORS)
def flavor(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _seeded(page: dict[str, Any]) -> int:
    return sum(item["metadata"]["name"].startswith("cm-") for item in page["items"])


def _config(server: FakeApiServer, **changes: Any) -> ClientConfig:
    base = load_kubeconfig(server.kubeconfig_path)
    fields = {f: getattr(base, f) for f in ("server", "ca_data", "token", "namespace")}
    fields.update(changes)
    return ClientConfig(**fields)


def _client(flavor: str, config: ClientConfig) -> Client | AsyncClient:
    return Client(config) if flavor == "threads" else AsyncClient(config)


async def call(client: Client | AsyncClient, method: str, *args: Any, **kwargs: Any) -> Any:
    result = getattr(client, method)(*args, **kwargs)
    return await result if isinstance(result, Awaitable) else result


async def close(client: Client | AsyncClient) -> None:
    if isinstance(client, Client):
        client.close()
    else:
        await client.aclose()


async def watch_then(
    client: Client | AsyncClient, resource: str, action: Any, **kwargs: Any
) -> list[WatchEvent]:
    """Open a watch, run ``action()`` once the server accepted it, then read to the end."""
    if isinstance(client, Client):
        with client.watch(resource, **kwargs) as events:
            await asyncio.to_thread(action)
            return list(events)
    async with client.watch(resource, **kwargs) as aevents:
        await asyncio.to_thread(action)
        return [event async for event in aevents]


async def test_integration_list_pages_with_limit_and_continue(
    server: FakeApiServer, flavor: str
) -> None:
    client = _client(flavor, _config(server))
    names: list[str] = []
    token: str | None = None
    pages = 0
    while True:
        page = await call(
            client,
            "list",
            "configmaps",
            namespace="pages",
            params=ListOptions(limit=10, continue_token=token),
        )
        names += [item["metadata"]["name"] for item in page["items"]]
        pages += 1
        token = page["metadata"].get("continue") or None
        if token is None:
            break
    selected = await call(
        client, "list", "cm", namespace="pages", params=ListOptions(label_selector="i=1")
    )
    await close(client)
    assert pages == 3
    assert [n for n in names if n.startswith("cm-")] == [f"cm-{i:02d}" for i in range(25)]
    assert (
        "kube-root-ca.crt" in names
    )  # published in every namespace, as by kube-controller-manager
    assert len(selected["items"]) == 12


async def test_integration_watch_sees_events_then_a_clean_end(
    server: FakeApiServer, flavor: str
) -> None:
    client = _client(flavor, _config(server))
    start = (await call(client, "list", "configmaps", namespace="w"))["metadata"]["resourceVersion"]
    name = f"w-{flavor}"

    def act() -> None:
        server.create(
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "w"}}
        )
        server.delete("v1", "ConfigMap", name, "w")
        server.drop_watches()

    events = await watch_then(
        client,
        "configmaps",
        act,
        namespace="w",
        params=ListOptions(resource_version=start, allow_watch_bookmarks=True),
    )
    await close(client)
    assert [(e.type, e.object["metadata"]["name"]) for e in events] == [
        ("ADDED", name),
        ("DELETED", name),
    ]


async def test_integration_discovery_resolves_kubectl_names(
    server: FakeApiServer, flavor: str
) -> None:
    client = _client(flavor, _config(server))
    deploy = await call(client, "resolve", "deploy")
    lease = await call(client, "resolve", "leases.coordination.k8s.io")
    await close(client)
    assert (deploy.group, deploy.version, deploy.kind) == ("apps", "v1", "Deployment")
    assert lease.kind == "Lease"


async def test_integration_wrong_ca_is_refused(server: FakeApiServer, flavor: str) -> None:
    client = _client(flavor, _config(server, ca_data=trustme.CA().cert_pem.bytes()))
    with pytest.raises(TransportError, match=f"TLS verification failed for {server.url}"):
        await call(client, "list", "configmaps", namespace="pages")
    await close(client)


async def test_integration_unknown_token_is_401_and_limited_user_gets_403(
    server: FakeApiServer, flavor: str
) -> None:
    client = _client(flavor, _config(server, token="not-a-known-token"))
    with pytest.raises(UnauthorizedError) as info:
        await call(client, "list", "configmaps", namespace="pages")
    assert "not-a-known-token" not in str(info.value) + repr(info.value)
    await close(client)
    server.add_token(f"limited-{flavor}", user="limited", namespaces=["own"])
    client = _client(flavor, _config(server, token=f"limited-{flavor}"))
    with pytest.raises(ForbiddenError, match="forbidden"):
        await call(client, "list", "configmaps", namespace="pages")
    await close(client)


async def test_integration_404_status_and_text(server: FakeApiServer, flavor: str) -> None:
    client = _client(flavor, _config(server))
    with pytest.raises(NotFoundError, match='"nope" not found'):
        await call(client, "get", "configmaps", "nope", namespace="pages")
    with pytest.raises(NotFoundError, match="404 page not found"):
        await call(client, "request", "GET", "/apis/nonexistent.example.com/v1/things")
    await close(client)


async def test_integration_410_on_a_compacted_watch_a44(server: FakeApiServer, flavor: str) -> None:
    client = _client(flavor, _config(server))
    old = (await call(client, "list", "configmaps", namespace="pages"))["metadata"][
        "resourceVersion"
    ]
    server.create(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": f"g-{flavor}", "namespace": "g"},
        }
    )
    server.compact()
    with pytest.raises(ApiError) as info:
        await watch_then(
            client, "configmaps", server.drop_watches, params=ListOptions(resource_version=old)
        )
    await close(client)
    assert is_expired(info.value)
    assert info.value.code == 410


async def test_integration_429_with_retry_after(server: FakeApiServer, flavor: str) -> None:
    client = _client(flavor, _config(server))
    server.fail_next("list", code=429, reason="TooManyRequests", message="slow down", retry_after=2)
    with pytest.raises(TooManyRequestsError) as info:
        await call(client, "list", "configmaps", namespace="pages")
    await close(client)
    assert info.value.retry_after == 2.0


async def test_integration_rotating_token_file(
    server: FakeApiServer, flavor: str, tmp_path: Path
) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(server.token)
    client = _client(flavor, _config(server, token=None, token_file=str(token_file)))
    await call(client, "list", "configmaps", namespace="pages")
    token_file.write_text("revoked-token-value")
    with pytest.raises(UnauthorizedError):
        await call(client, "list", "configmaps", namespace="pages")
    rotated = f"rotated-{flavor}-token"
    server.add_token(rotated, user="rotated")
    token_file.write_text(rotated)
    page = await call(client, "list", "configmaps", namespace="pages")
    await close(client)
    assert _seeded(page) == 25


@pytest.mark.slow
async def test_integration_exec_plugin_script(
    server: FakeApiServer, flavor: str, tmp_path: Path
) -> None:
    script = tmp_path / "plugin.py"
    script.write_text(
        f"#!{sys.executable}\nimport json\n"
        "print(json.dumps({'apiVersion': 'client.authentication.k8s.io/v1beta1', "
        f"'kind': 'ExecCredential', 'status': {{'token': {server.token!r}}}}}))\n"
    )
    script.chmod(0o700)
    plugin = ExecConfig(command=str(script), api_version="client.authentication.k8s.io/v1beta1")
    client = _client(flavor, _config(server, token=None, exec=plugin))
    page = await call(client, "list", "configmaps", namespace="pages")
    assert client.exec_runs == 1
    await close(client)
    assert _seeded(page) == 25


async def test_integration_in_cluster_layout(
    server: FakeApiServer, flavor: str, tmp_path: Path
) -> None:
    assert server.ca_pem is not None
    (tmp_path / "token").write_text(server.token)
    (tmp_path / "ca.crt").write_bytes(server.ca_pem)
    (tmp_path / "namespace").write_text("pages")
    env = {"KUBERNETES_SERVICE_HOST": "127.0.0.1", "KUBERNETES_SERVICE_PORT": str(server.port)}
    config = in_cluster_config(base_dir=tmp_path, environ=env)
    client = _client(flavor, config)
    page = await call(client, "list", "configmaps", namespace=client.namespace)
    await close(client)
    assert _seeded(page) == 25


async def test_integration_cut_and_reset_watch_streams_are_transport_errors(
    server: FakeApiServer, flavor: str
) -> None:
    client = _client(flavor, _config(server))

    def cut() -> None:
        server.create(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": f"cut-{flavor}", "namespace": "cut"},
            }
        )

    server.cut_next_response("watch")
    with pytest.raises(TransportError):
        await watch_then(
            client, "configmaps", cut, namespace="cut", params=ListOptions(resource_version="0")
        )

    def reset() -> None:
        server.reset_watches()

    with pytest.raises(TransportError):
        await watch_then(
            client, "configmaps", reset, namespace="cut", params=ListOptions(resource_version="0")
        )
    await close(client)


async def test_integration_connection_refused_after_the_server_stops(flavor: str) -> None:
    with FakeApiServer() as fake:
        config = ClientConfig(server=fake.url, token=fake.token)
    client = _client(flavor, config)
    with pytest.raises(RefusedConnectionError):
        await call(client, "list", "configmaps")
    await close(client)


@pytest.mark.slow
def test_integration_from_kubeconfig_and_in_cluster_constructors(server: FakeApiServer) -> None:
    with Client.from_kubeconfig(server.kubeconfig_path) as client:
        assert client.get("namespaces", "default", namespace=None)["metadata"]["name"] == "default"
        created = client.create(
            "cm", {"metadata": {"name": "ctor", "namespace": "ctor"}, "data": {"a": "1"}}
        )
        patched = client.patch("cm", "ctor", {"data": {"a": "2"}}, namespace="ctor")
        assert patched["data"] == {"a": "2"}
        created["data"] = {"a": "3"}
        created["metadata"]["resourceVersion"] = patched["metadata"]["resourceVersion"]
        assert client.replace("cm", created)["data"] == {"a": "3"}
        client.delete("cm", "ctor", namespace="ctor")
        with pytest.raises(NotFoundError):
            client.get("cm", "ctor", namespace="ctor")
    with Client.from_config(_config(server)) as client:
        assert client.list("cm", namespace="pages")["kind"] == "ConfigMapList"


async def test_integration_expired_continue_token_is_expired_error_a18(
    server: FakeApiServer,
) -> None:
    async with AsyncClient.from_kubeconfig(server.kubeconfig_path) as client:
        first = await client.list("cm", namespace="pages", params=ListOptions(limit=5))
        token = first["metadata"]["continue"]
        server.create(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": "bump", "namespace": "g"},
            }
        )
        server.compact()
        with pytest.raises(ExpiredError) as info:
            await client.list(
                "cm", namespace="pages", params=ListOptions(limit=5, continue_token=token)
            )
        assert info.value.reason == "Expired"


async def test_integration_watch_events_close_from_another_thread_ends_the_stream(
    server: FakeApiServer,
) -> None:
    with Client(_config(server)) as client:
        with client.watch(
            "configmaps", namespace="w", params=ListOptions(resource_version="0")
        ) as events:
            closer = threading.Thread(target=events.close)
            closer.start()
            closer.join()
            with contextlib.suppress(TransportError):
                for _event in events:
                    pass  # the initial ADDED events may be read before the shutdown
        assert client.list("cm", namespace="pages")["kind"] == "ConfigMapList"


def test_integration_credentials_never_reach_the_logs(
    server: FakeApiServer, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    server.add_token("log-check-secret-token", user="log-check")
    config = _config(server, token="log-check-secret-token")
    # Other code (the demo, the CLI) may have raised the httpx logger's own level: reset it here.
    with (
        caplog.at_level(logging.DEBUG),
        caplog.at_level(logging.DEBUG, logger="httpx"),
        Client(config) as client,
    ):
        client.list("cm", namespace="pages")
        with pytest.raises(NotFoundError) as info:
            client.get("cm", "missing", namespace="pages")
    text = caplog.text + repr(config) + str(config) + repr(info.value) + str(info.value)
    assert "HTTP Request" in caplog.text  # httpx did log the requests
    assert "log-check-secret-token" not in text
