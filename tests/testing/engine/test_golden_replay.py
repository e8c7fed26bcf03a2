"""Golden replays: requests recorded against kube-apiserver 1.36, answered by the engine.

Each case replays one exchange of /work/shared/golden/kube-apiserver-1.36/<file>.json in a
fresh engine holding the scenario's namespace, and compares the status code and the whole
``Status`` body (kind, apiVersion, metadata, status, message, reason, details, code), or the
plain-text body — everything but run-specific values.
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from kinformer.testing._apiserver._engine import ApiServerState
from kinformer.testing._apiserver._protocol import ApiResponse

from .conftest import answer_of, golden, make_request, status_shape

# (file, seq, the namespace the scenario created, what the case shows)
CASES = [
    ("11-errors", 30, "golden-errors", "unknown resource in the core group: JSON 404, details {}"),
    ("11-errors", 31, "golden-errors", "unknown resource in a known group"),
    ("11-errors", 32, "golden-errors", "unknown group: text/plain 404 page not found"),
    ("11-errors", 33, "golden-errors", "unknown version of a known group"),
    ("11-errors", 34, "golden-errors", "unknown core version"),
    ("11-errors", 35, "golden-errors", "unknown top-level path: text/plain"),
    ("11-errors", 36, "golden-errors", "unknown subresource"),
    ("11-errors", 37, "golden-errors", "cluster-scoped resource under a namespace"),
    ("11-errors", 38, "golden-errors", "POST of a namespaced resource without namespace: 405"),
    ("11-errors", 39, "golden-errors", "create in a missing namespace: namespaces not found"),
    ("11-errors", 40, "golden-errors", "PUT on a collection: 405"),
    ("11-errors", 41, "golden-errors", "POST on a named object: 405"),
    ("11-errors", 42, "golden-errors", "PATCH on a collection: 405"),
    ("11-errors", 43, "golden-errors", "DELETE on a discovery document: 405"),
    ("11-errors", 45, "golden-errors", "Accept application/xml: 406 with the representations"),
    ("11-errors", 46, "golden-errors", "Accept with an unknown as=: 406"),
    ("11-errors", 47, "golden-errors", "truncated JSON body: 400"),
    ("11-errors", 48, "golden-errors", "a JSON array body: 400"),
    ("11-errors", 49, "golden-errors", "an empty body: 400"),
    ("11-errors", 51, "golden-errors", "a Secret posted to configmaps: 400"),
    ("11-errors", 52, "golden-errors", "a ConfigMap with apiVersion apps/v1: 400"),
    ("11-errors", 53, "golden-errors", "a number in data: 400"),
    ("11-errors", 54, "golden-errors", "text/plain body: 415"),
    ("11-errors", 56, "golden-errors", "an invalid name: 422"),
    ("11-errors", 57, "golden-errors", "a name longer than 253 characters: 422"),
    ("11-errors", 58, "golden-errors", "an invalid data key: 422"),
    ("11-errors", 59, "golden-errors", "invalid label key and value: 422 with two causes"),
    ("11-errors", 60, "golden-errors", "an invalid namespace name: 422"),
    ("02-configmap-crud", 23, "golden-crud", "get a missing name: 404"),
    ("02-configmap-crud", 22, "golden-crud", "PUT of a missing name: 404"),
    ("02-configmap-crud", 25, "golden-crud", "POST whose namespace differs from the URL: 400"),
    ("02-configmap-crud", 41, "golden-crud", "neither name nor generateName: 422"),
    ("04-list-semantics", 35, "golden-list", "resourceVersionMatch without resourceVersion: 422"),
    ("04-list-semantics", 36, "golden-list", "Exact with resourceVersion=0: 422"),
    ("04-list-semantics", 37, "golden-list", "unknown resourceVersionMatch: 422"),
    ("04-list-semantics", 38, "golden-list", "resourceVersion=abc on a list: 400"),
    ("04-list-semantics", 48, "golden-list", "continue with resourceVersion: 400"),
    ("04-list-semantics", 49, "golden-list", "continue with resourceVersionMatch: 422"),
    ("04-list-semantics", 50, "golden-list", "a garbage continue token: 400 with Go's JSON text"),
    ("04-list-semantics", 66, "golden-list", "invalid label selector: two equals signs"),
    ("04-list-semantics", 67, "golden-list", "invalid label selector: in without parentheses"),
    ("04-list-semantics", 70, "golden-list", "invalid label selector: missing operator"),
    ("04-list-semantics", 75, "golden-list", "invalid label selector: gt with a non-integer"),
    ("04-list-semantics", 83, "golden-list", "ConfigMaps know only metadata.name/namespace"),
    ("04-list-semantics", 85, "golden-list", "field selector without operator"),
    ("04-list-semantics", 86, "golden-list", "set-based field selector"),
    ("04-list-semantics", 103, "golden-list", "pods: field label not supported"),
    ("04-list-semantics", 111, "golden-list", "get in a missing namespace: 404 of the object"),
    ("05a-watch-basics", 24, "golden-watch", "watch with resourceVersion=abc: 500 without reason"),
    (
        "05a-watch-basics",
        25,
        "golden-watch",
        "resourceVersionMatch on a watch without sendInitialEvents",
    ),
    ("05a-watch-basics", 26, "golden-watch", "Exact on a watch: two causes"),
    ("05a-watch-basics", 27, "golden-watch", "watch with an invalid label selector: 400"),
    (
        "05c-watch-initial-events",
        13,
        "golden-watchlist",
        "sendInitialEvents without resourceVersionMatch",
    ),
    (
        "05c-watch-initial-events",
        14,
        "golden-watchlist",
        "sendInitialEvents with Exact: two causes",
    ),
    ("05c-watch-initial-events", 15, "golden-watchlist", "sendInitialEvents on a list: 422"),
    ("10-metadata-only", 10, "golden-meta", "as=PartialObjectMetadata on a list: 406"),
    ("10-metadata-only", 13, "golden-meta", "an unknown metadata version: 406"),
    ("01-discovery", 13, None, "aggregated discovery v2beta1 only: 406"),
    ("01-discovery", 2, None, "/api: APIVersions"),
    ("01-discovery", 1, None, "/version"),
    ("01-discovery", 16, None, "/healthz: text/plain ok"),
    ("01-discovery", 5, None, "/apis/apps: one APIGroup"),
    ("01-discovery", 7, None, "/apis/coordination.k8s.io/v1 resource list"),
    ("08-crd", 3, None, "custom resource before its CRD: text/plain 404"),
]


def replay(state: ApiServerState, exchange: dict[str, Any]) -> tuple[int, Any, str]:
    headers = {
        k.lower(): v
        for k, v in exchange["request_headers"].items()
        if k.lower() in ("accept", "content-type")
    }
    body: Any = None
    if "request_body" in exchange:
        body = orjson.dumps(exchange["request_body"])
    elif "request_body_text" in exchange:
        body = exchange["request_body_text"].encode()
    request = make_request(exchange["method"], exchange["path"], body=body, headers=headers)
    if body is None:
        request = make_request(exchange["method"], exchange["path"], headers=headers)
    response = state.handle(request)
    assert isinstance(response, ApiResponse), response
    answer = answer_of(response)
    return answer.status, answer.body, answer.content_type


@pytest.mark.parametrize(
    ("file", "seq", "namespace", "shows"), CASES, ids=[f"{c[0][:3]}-{c[1]}" for c in CASES]
)
def test_golden_exchange_reproduced(
    state: ApiServerState, file: str, seq: int, namespace: str | None, shows: str
) -> None:
    if namespace is not None:
        state.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
    exchange = golden(file, seq)
    status, body, content_type = replay(state, exchange)
    assert status == exchange["status"], (shows, body)
    expected = exchange.get("response_body", exchange.get("response_body_text"))
    if "response_body_text" in exchange:
        assert content_type.startswith("text/plain")
        assert body.strip() == expected.strip()
    elif isinstance(expected, dict) and expected.get("kind") == "Status":
        assert status_shape(body) == status_shape(expected), shows
    elif file == "01-discovery":
        assert body == expected
