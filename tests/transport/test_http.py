"""Client and AsyncClient over httpx.MockTransport: requests, list, watch, discovery, error mapping.

Every test runs for both flavours (``threads`` and ``asyncio``) through the :func:`call`
helper, so the two drivers are held to the same behaviour.
"""

from __future__ import annotations

import asyncio
import json
import socket
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from kinformer._errors import (
    ApiError,
    ConfigError,
    ExpiredError,
    ForbiddenError,
    NotFoundError,
    RefusedConnectionError,
    ResourceNotFoundError,
    TooManyRequestsError,
    TransportError,
    UnauthorizedError,
)
from kinformer.transport._config import ClientConfig
from kinformer.transport._http import AsyncClient, Client, translate_transport_error
from kinformer.transport._resolver import ResourceInfo
from kinformer.transport._wire import (
    ListOptions,
    MalformedWatchEventError,
    PatchType,
    TruncatedWatchStreamError,
    WatchEvent,
)

GOLDEN = Path("/work/shared/golden/kube-apiserver-1.36")
AGG_TYPE = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
PODS = ResourceInfo("", "v1", "pods", "Pod")
FLAVORS = ["threads", "asyncio"]


def _golden(name: str, path: str, aggregated: bool) -> dict[str, Any]:
    data = json.loads((GOLDEN / name).read_text())
    for exchange in data["exchanges"]:
        accept = exchange["request_headers"].get("Accept", "")
        if (
            exchange["path"] == path
            and exchange["status"] == 200
            and ("apidiscovery" in accept) == aggregated
        ):
            body: dict[str, Any] = exchange["response_body"]
            return body
    raise LookupError(path)


class Stream(httpx.SyncByteStream, httpx.AsyncByteStream):
    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks

    def __iter__(self) -> Iterator[bytes]:
        yield from self.chunks

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            yield chunk


def _pod(name: str, rv: int) -> dict[str, Any]:
    return {
        "kind": "Pod",
        "apiVersion": "v1",
        "metadata": {"name": name, "namespace": "default", "resourceVersion": str(rv)},
    }


class FakeServer:
    """Answers like kube-apiserver for the few paths these tests use; records requests."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.crd = False
        self.legacy = False
        self.watch_chunks: list[bytes] = []
        self.error: Callable[[], httpx.Response] | None = None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.error is not None and request.url.path.startswith("/api/v1/namespaces"):
            return self.error()
        path = request.url.path
        accept = request.headers.get("accept", "")
        if path in ("/api", "/apis") and "apidiscovery" in accept and not self.legacy:
            source = "08-crd.json" if self.crd and path == "/apis" else "01-discovery.json"
            return httpx.Response(
                200,
                content=orjson.dumps(_golden(source, path, True)),
                headers={"Content-Type": AGG_TYPE},
            )
        if path in ("/api", "/apis", "/api/v1", "/apis/apps/v1"):
            if path == "/apis":
                body = {
                    "kind": "APIGroupList",
                    "groups": [
                        {
                            "name": "apps",
                            "versions": [{"groupVersion": "apps/v1", "version": "v1"}],
                            "preferredVersion": {"groupVersion": "apps/v1", "version": "v1"},
                        },
                        {
                            "name": "metrics.k8s.io",
                            "versions": [
                                {"groupVersion": "metrics.k8s.io/v1beta1", "version": "v1beta1"}
                            ],
                        },
                    ],
                }
            else:
                body = _golden("01-discovery.json", path, False)
            return httpx.Response(200, json=body)
        if path.startswith("/apis/metrics.k8s.io"):
            return httpx.Response(503, text="service unavailable")
        if request.url.params.get("watch") == "1":
            return httpx.Response(
                200, stream=Stream(self.watch_chunks), headers={"Content-Type": "application/json"}
            )
        if request.method == "GET" and path.endswith("/pods"):
            items = [_pod("a", 5), _pod("b", 6)]
            meta = {"resourceVersion": "7", "continue": request.url.params.get("continue", "")}
            return httpx.Response(
                200, json={"kind": "PodList", "apiVersion": "v1", "metadata": meta, "items": items}
            )
        if request.method in ("POST", "PUT", "PATCH", "DELETE", "GET"):
            echo = request.content if request.content.startswith(b"{") else b""
            return httpx.Response(200, content=echo or b'{"kind": "Status", "status": "Success"}')
        return httpx.Response(405)


CONFIG = ClientConfig(server="https://k.example:6443", token="tok", namespace="team")


def _client(flavor: str, server: FakeServer) -> Client | AsyncClient:
    if flavor == "threads":
        return Client(CONFIG, transport=httpx.MockTransport(server))
    return AsyncClient(CONFIG, transport=httpx.MockTransport(server))


async def call(client: Client | AsyncClient, method: str, *args: Any, **kwargs: Any) -> Any:
    result = getattr(client, method)(*args, **kwargs)
    if isinstance(result, Awaitable):
        return await result
    return result


async def watch_all(client: Client | AsyncClient, resource: Any, **kwargs: Any) -> list[WatchEvent]:
    if isinstance(client, Client):
        with client.watch(resource, **kwargs) as events:
            return list(events)
    async with client.watch(resource, **kwargs) as aevents:
        return [event async for event in aevents]


async def close(client: Client | AsyncClient) -> None:
    if isinstance(client, Client):
        client.close()
    else:
        await client.aclose()


@pytest.fixture(params=FLAVORS)
def flavor(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def test_client_list_builds_the_request_and_returns_the_page(flavor: str) -> None:
    server = FakeServer()
    client = _client(flavor, server)
    page = await call(
        client,
        "list",
        PODS,
        namespace="default",
        params=ListOptions(resource_version="0", limit=500, label_selector="app=web"),
    )
    await close(client)
    assert [i["metadata"]["name"] for i in page["items"]] == ["a", "b"]
    [request] = server.requests
    assert request.url.path == "/api/v1/namespaces/default/pods"
    assert dict(request.url.params) == {
        "resourceVersion": "0",
        "limit": "500",
        "labelSelector": "app=web",
    }
    assert request.headers["authorization"] == "Bearer tok"
    assert request.headers["accept"] == "application/json"
    assert request.headers["user-agent"].startswith("kinformer/")


async def test_client_list_as_metadata_sends_the_partial_object_metadata_accept(
    flavor: str,
) -> None:
    server = FakeServer()
    client = _client(flavor, server)
    await call(client, "list", PODS, params=ListOptions(as_metadata=True))
    await close(client)
    assert server.requests[0].url.path == "/api/v1/pods"  # all namespaces
    assert (
        server.requests[0]
        .headers["accept"]
        .startswith("application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1")
    )


async def test_client_watch_decodes_events_across_chunks(flavor: str) -> None:
    server = FakeServer()
    data = b"".join(
        orjson.dumps({"type": t, "object": _pod(n, rv)}) + b"\n"
        for t, n, rv in [("ADDED", "a", 8), ("MODIFIED", "a", 9), ("DELETED", "a", 10)]
    )
    server.watch_chunks = [data[:7], data[7:100], data[100:]]
    client = _client(flavor, server)
    events = await watch_all(
        client,
        PODS,
        namespace="default",
        params=ListOptions(resource_version="7", allow_watch_bookmarks=True, timeout_seconds=300),
    )
    await close(client)
    assert [(e.type, e.object["metadata"]["resourceVersion"]) for e in events] == [
        ("ADDED", "8"),
        ("MODIFIED", "9"),
        ("DELETED", "10"),
    ]
    assert dict(server.requests[0].url.params) == {
        "watch": "1",
        "resourceVersion": "7",
        "allowWatchBookmarks": "true",
        "timeoutSeconds": "300",
    }


async def test_client_watch_error_event_raises_expired_a44(flavor: str) -> None:
    server = FakeServer()
    status = {
        "kind": "Status",
        "apiVersion": "v1",
        "status": "Failure",
        "reason": "Expired",
        "code": 410,
        "message": "too old resource version: 1 (50)",
    }
    server.watch_chunks = [orjson.dumps({"type": "ERROR", "object": status}) + b"\n"]
    client = _client(flavor, server)
    with pytest.raises(ExpiredError, match="too old resource version"):
        await watch_all(client, PODS)
    await close(client)


async def test_client_watch_half_written_line_is_a_truncation_error(flavor: str) -> None:
    server = FakeServer()
    server.watch_chunks = [
        orjson.dumps({"type": "ADDED", "object": _pod("a", 8)}) + b'\n{"type": "ADD'
    ]
    client = _client(flavor, server)
    with pytest.raises(TruncatedWatchStreamError):
        await watch_all(client, PODS)
    await close(client)


async def test_client_watch_garbage_line(flavor: str) -> None:
    server = FakeServer()
    server.watch_chunks = [b"<html>oops</html>\n"]
    client = _client(flavor, server)
    with pytest.raises(MalformedWatchEventError, match="oops"):
        await watch_all(client, PODS)
    await close(client)


ERRORS = [
    pytest.param(
        lambda: httpx.Response(
            401,
            json={
                "kind": "Status",
                "reason": "Unauthorized",
                "code": 401,
                "message": "Unauthorized",
            },
        ),
        UnauthorizedError,
        None,
        id="401",
    ),
    pytest.param(
        lambda: httpx.Response(
            403,
            json={
                "kind": "Status",
                "reason": "Forbidden",
                "code": 403,
                "message": "pods is forbidden",
            },
        ),
        ForbiddenError,
        None,
        id="403",
    ),
    pytest.param(
        lambda: httpx.Response(404, text="404 page not found\n"), NotFoundError, None, id="404-text"
    ),
    pytest.param(
        lambda: httpx.Response(
            410, json={"kind": "Status", "reason": "Expired", "code": 410, "message": "too old"}
        ),
        ExpiredError,
        None,
        id="410",
    ),
    pytest.param(
        lambda: httpx.Response(
            429, text="Too many requests, please try again later.\n", headers={"Retry-After": "1"}
        ),
        TooManyRequestsError,
        1.0,
        id="429-text",
    ),
    pytest.param(
        lambda: httpx.Response(
            429,
            json={
                "kind": "Status",
                "reason": "TooManyRequests",
                "code": 429,
                "message": "storage is (re)initializing",
                "details": {"retryAfterSeconds": 2},
            },
        ),
        TooManyRequestsError,
        2.0,
        id="429-status-details",
    ),
]


@pytest.mark.parametrize(("response", "error_type", "retry_after"), ERRORS)
@pytest.mark.parametrize("verb", ["list", "watch"])
async def test_client_http_errors_are_typed_for_list_and_watch(
    flavor: str,
    verb: str,
    response: Callable[[], httpx.Response],
    error_type: type[ApiError],
    retry_after: float | None,
) -> None:
    server = FakeServer()
    server.error = response
    client = _client(flavor, server)
    operation = (
        call(client, "list", PODS, namespace="default")
        if verb == "list"
        else watch_all(client, PODS, namespace="default")
    )
    with pytest.raises(error_type) as info:
        await operation
    await close(client)
    assert info.value.retry_after == retry_after
    assert "tok" not in str(info.value)


async def test_client_writes_build_the_right_requests(flavor: str) -> None:
    server = FakeServer()
    client = _client(flavor, server)
    cm = ResourceInfo("", "v1", "configmaps", "ConfigMap")
    body = {"metadata": {"name": "c"}, "data": {"a": "1"}}
    await call(client, "create", cm, body)
    await call(client, "create", cm, {"metadata": {"name": "c", "namespace": "own"}})
    await call(client, "replace", cm, body, namespace="x")
    await call(client, "patch", cm, "c", {"data": {"a": "2"}})
    await call(
        client, "patch", cm, "c", [{"op": "remove", "path": "/data/a"}], patch_type=PatchType.JSON
    )
    await call(
        client,
        "patch",
        cm,
        "c",
        {"data": {}},
        patch_type="application/apply-patch+yaml",
        field_manager="me",
        force=True,
    )
    await call(client, "get", cm, "c", as_metadata=True)
    await call(
        client, "delete", cm, "c", propagation_policy="Foreground", preconditions={"uid": "u"}
    )
    await call(client, "delete", ResourceInfo("", "v1", "nodes", "Node", namespaced=False), "n1")
    response = await call(
        client,
        "request",
        "POST",
        "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
        json={"kind": "SelfSubjectAccessReview"},
    )
    await close(client)
    assert response.status_code == 200
    seen = [
        (r.method, r.url.path, dict(r.url.params), r.headers.get("content-type"))
        for r in server.requests
    ]
    assert seen == [
        ("POST", "/api/v1/namespaces/team/configmaps", {}, "application/json"),
        ("POST", "/api/v1/namespaces/own/configmaps", {}, "application/json"),
        ("PUT", "/api/v1/namespaces/x/configmaps/c", {}, "application/json"),
        ("PATCH", "/api/v1/namespaces/team/configmaps/c", {}, "application/merge-patch+json"),
        ("PATCH", "/api/v1/namespaces/team/configmaps/c", {}, "application/json-patch+json"),
        (
            "PATCH",
            "/api/v1/namespaces/team/configmaps/c",
            {"fieldManager": "me", "force": "true"},
            "application/apply-patch+yaml",
        ),
        ("GET", "/api/v1/namespaces/team/configmaps/c", {}, None),
        ("DELETE", "/api/v1/namespaces/team/configmaps/c", {}, "application/json"),
        ("DELETE", "/api/v1/nodes/n1", {}, None),
        ("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", {}, "application/json"),
    ]
    assert orjson.loads(server.requests[7].content) == {
        "kind": "DeleteOptions",
        "apiVersion": "v1",
        "propagationPolicy": "Foreground",
        "preconditions": {"uid": "u"},
    }
    assert (
        server.requests[6]
        .headers["accept"]
        .startswith("application/json;as=PartialObjectMetadata;")
    )


async def test_client_resolves_names_through_cached_discovery(flavor: str) -> None:
    server = FakeServer()
    client = _client(flavor, server)
    await call(client, "list", "deploy", namespace="default")
    await call(client, "list", "po")
    assert [r.url.path for r in server.requests] == [
        "/api",
        "/apis",
        "/apis/apps/v1/namespaces/default/deployments",
        "/api/v1/pods",
    ]
    with pytest.raises(ResourceNotFoundError, match="did you mean"):
        await call(client, "list", "podz")  # one refresh, then the error
    assert client.discovery.fetches == 2
    server.crd = True
    await call(client, "list", "foos")  # a CRD created since: found by the refresh on a miss
    assert server.requests[-1].url.path == "/apis/samplecontroller.k8s.io/v1alpha1/foos"
    assert client.discovery.fetches == 3
    await close(client)


async def test_client_legacy_discovery_skips_failing_groups(
    flavor: str, caplog: pytest.LogCaptureFixture
) -> None:
    server = FakeServer()
    server.legacy = True
    client = _client(flavor, server)
    info = await call(client, "resolve", "deployments")
    await close(client)
    assert info.group == "apps"
    assert info.version == "v1"
    assert "couldn't get resource list for metrics.k8s.io/v1beta1" in caplog.text


def test_client_repr_and_properties() -> None:
    client = Client(CONFIG, transport=httpx.MockTransport(FakeServer()))
    with client:
        assert "tok" not in repr(client)
        assert client.namespace == "team"
        assert client.config is CONFIG
        assert client.exec_runs == 0


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_client_connection_refused_is_retriable_a46(flavor: str) -> None:
    config = ClientConfig(server=f"http://127.0.0.1:{_closed_port()}", token="tok")
    client = Client(config) if flavor == "threads" else AsyncClient(config)
    with pytest.raises(RefusedConnectionError, match=r"connection refused by http://127\.0\.0\.1"):
        await call(client, "list", PODS)
    with pytest.raises(RefusedConnectionError):
        await watch_all(client, PODS)
    await close(client)


@pytest.mark.parametrize(
    ("error", "expected", "message"),
    [
        (httpx.ConnectTimeout("timed out"), TransportError, "timed out talking to https://k"),
        (
            httpx.RemoteProtocolError("peer closed connection"),
            TransportError,
            "connection to https://k broken",
        ),
        (httpx.ConnectError("[Errno 111] Connection refused"), RefusedConnectionError, "refused"),
        (
            httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"),
            TransportError,
            "TLS verification failed for https://k",
        ),
        (httpx.ReadError(""), TransportError, "cannot talk to https://k: ReadError"),
    ],
)
def test_translate_transport_error_messages(
    error: httpx.TransportError, expected: type[Exception], message: str
) -> None:
    translated = translate_transport_error(error, "https://k")
    assert type(translated) is expected
    assert message in str(translated)


def test_translate_transport_error_follows_the_cause_chain() -> None:
    verify = ssl.SSLCertVerificationError(1, "certificate verify failed")
    verify.verify_message = "unable to get local issuer certificate"
    outer = httpx.ConnectError("x")
    outer.__cause__ = verify
    assert "TLS verification failed for https://k: unable to get local issuer certificate" in str(
        translate_transport_error(outer, "https://k")
    )
    handshake = httpx.ConnectError("x")
    handshake.__cause__ = ssl.SSLError(1, "WRONG_VERSION_NUMBER")
    assert "TLS handshake with https://k failed" in str(
        translate_transport_error(handshake, "https://k")
    )
    every_address = httpx.ConnectError("All connection attempts failed")
    every_address.__cause__ = ExceptionGroup(
        "attempts", [ConnectionRefusedError(111, "a"), ConnectionRefusedError(111, "b")]
    )
    assert isinstance(translate_transport_error(every_address, "https://k"), RefusedConnectionError)
    mixed = httpx.ConnectError("All connection attempts failed")
    mixed.__cause__ = ExceptionGroup("attempts", [ConnectionRefusedError(111, "a"), TimeoutError()])
    assert type(translate_transport_error(mixed, "https://k")) is TransportError
    refused = httpx.ConnectError("x")
    refused.__context__ = ConnectionRefusedError(111, "refused")
    assert isinstance(translate_transport_error(refused, "https://k"), RefusedConnectionError)


def test_async_flavour_runs_inside_a_loop() -> None:
    async def main() -> list[WatchEvent]:
        server = FakeServer()
        server.watch_chunks = [orjson.dumps({"type": "ADDED", "object": _pod("a", 1)}) + b"\n"]
        async with AsyncClient(CONFIG, transport=httpx.MockTransport(server)) as client:
            return await watch_all(client, PODS)

    assert len(asyncio.run(main())) == 1


async def test_client_proxy_url_routes_requests_through_the_proxy(flavor: str) -> None:
    config = ClientConfig(
        server="http://k.example:6443", token="tok", proxy_url=f"http://127.0.0.1:{_closed_port()}"
    )
    client = Client(config) if flavor == "threads" else AsyncClient(config)
    with pytest.raises(RefusedConnectionError):  # the proxy, not k.example, refused
        await call(client, "list", PODS)
    await close(client)


@pytest.mark.parametrize(
    ("proxy", "message"),
    [
        ("socks5://user:hunter2@127.0.0.1:1080", "proxy-url socks5://127.0.0.1:1080"),
        ("ftp://proxy:21", "proxy-url ftp://proxy:21"),
    ],
)
def test_client_unusable_proxy_url_is_a_config_error(proxy: str, message: str) -> None:
    import importlib.util

    if proxy.startswith("socks") and importlib.util.find_spec("socksio") is not None:
        pytest.skip("socksio is installed: socks proxies work")
    with pytest.raises(ConfigError, match=message) as info:
        Client(ClientConfig(server="https://k", proxy_url=proxy))
    assert "hunter2" not in str(info.value)
