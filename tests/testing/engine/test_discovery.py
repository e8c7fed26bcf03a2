"""Discovery documents and path routing (golden 01, 11)."""

from __future__ import annotations

import pytest

from kinformer.testing._apiserver._engine import ApiServerState

from .conftest import Call, golden

AGGREGATED = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"


def _entries(document: dict, version_key: str = "resources") -> dict[str, dict]:
    return {r["name"]: r for r in document[version_key]}


@pytest.mark.parametrize(
    ("seq", "path"),
    [
        (3, "/api/v1"),
        (6, "/apis/apps/v1"),
        (7, "/apis/coordination.k8s.io/v1"),
        (8, "/apis/apiextensions.k8s.io/v1"),
    ],
)
def test_discovery_resource_entries_match_golden(call: Call, seq: int, path: str) -> None:
    # golden 01 seq 3, 6-8: every entry we serve is the recorded one (verbs, shortNames,
    # singularName, categories, storageVersionHash), subresources as separate entries
    ours = call("GET", path).body
    recorded = golden("01-discovery", seq)["response_body"]
    assert {k: v for k, v in ours.items() if k != "resources"} == {
        k: v for k, v in recorded.items() if k != "resources"
    }
    recorded_entries = _entries(recorded)
    for name, entry in _entries(ours).items():
        assert entry == recorded_entries[name], name


def test_discovery_groups_and_group(call: Call) -> None:
    # golden 01 seq 4, 5: APIGroupList; one APIGroup with apiVersion v1
    groups = call("GET", "/apis").body
    recorded = {g["name"]: g for g in golden("01-discovery", 4)["response_body"]["groups"]}
    assert (groups["kind"], groups["apiVersion"]) == ("APIGroupList", "v1")
    for group in groups["groups"]:
        assert group == recorded[group["name"]]
    assert call("GET", "/apis/apps").body == golden("01-discovery", 5)["response_body"]


def test_aggregated_discovery_etag_and_304(call: Call) -> None:
    # golden 01 seq 9-12: Content-Type echoes the parameters, Cache-Control public, quoted
    # upper-case hex ETag, Vary: Accept; If-None-Match → 304 empty; JSON fallback: first wins
    first = call("GET", "/apis", headers={"accept": AGGREGATED})
    assert first.content_type == AGGREGATED
    assert first.headers["Cache-Control"] == "public"
    assert first.headers["Vary"] == "Accept"
    etag = first.headers["Etag"]
    assert etag.startswith('"')
    assert etag[1:-1] == etag[1:-1].upper()
    assert len(etag) == 130
    assert first.body["kind"] == "APIGroupDiscoveryList"
    cached = call("GET", "/apis", headers={"accept": AGGREGATED, "if-none-match": etag})
    assert (cached.status, cached.raw) == (304, b"")
    fallback = call("GET", "/apis", headers={"accept": AGGREGATED + ",application/json"})
    assert fallback.content_type == AGGREGATED
    recorded = {
        item["metadata"]["name"]: item
        for item in golden("01-discovery", 10)["response_body"]["items"]
    }
    ours = {item["metadata"]["name"]: item for item in first.body["items"]}
    deployments = next(
        r for r in ours["apps"]["versions"][0]["resources"] if r["resource"] == "deployments"
    )
    assert deployments == next(
        r for r in recorded["apps"]["versions"][0]["resources"] if r["resource"] == "deployments"
    )


def test_aggregated_core_group(call: Call) -> None:
    # golden 01 seq 9: /api aggregated: one item without a name
    body = call("GET", "/api", headers={"accept": AGGREGATED}).body
    recorded = golden("01-discovery", 9)["response_body"]["items"][0]["versions"][0]
    ours = body["items"][0]
    assert ours["metadata"] == {}
    entries = {r["resource"]: r for r in recorded["resources"]}
    for resource in ours["versions"][0]["resources"]:
        if resource["resource"] in ("configmaps", "namespaces", "secrets", "nodes"):
            expected = dict(entries[resource["resource"]])
            if resource["resource"] == "nodes":
                expected["subresources"] = [
                    s for s in expected["subresources"] if s["subresource"] == "status"
                ]
            assert resource == expected


def test_aggregated_not_served_on_group_versions(call: Call) -> None:
    # golden 01 seq 13, 14, 15: v2beta1 only → 406; with a JSON fallback → plain; on /apis/apps/v1 → 406
    assert (
        call("GET", "/apis", headers={"accept": AGGREGATED.replace("v=v2", "v=v2beta1")}).status
        == 406
    )
    assert (
        call(
            "GET",
            "/apis",
            headers={"accept": AGGREGATED.replace("v=v2", "v=v2beta1") + ",application/json"},
        ).body["kind"]
        == "APIGroupList"
    )
    assert call("GET", "/apis/apps/v1", headers={"accept": AGGREGATED}).status == 406


def test_health_endpoints(call: Call) -> None:
    # golden 01 seq 16-18
    for path in ("/healthz", "/readyz", "/livez"):
        answer = call("GET", path)
        assert (answer.status, answer.raw, answer.content_type) == (
            200,
            b"ok",
            "text/plain; charset=utf-8",
        )


def test_default_namespaces_exist(call: Call, state: ApiServerState) -> None:
    # task: default, kube-system, kube-public, kube-node-lease exist at start
    names = [i["metadata"]["name"] for i in call("GET", "/api/v1/namespaces").body["items"]]
    assert names == ["default", "kube-node-lease", "kube-public", "kube-system"]
    assert state.get("v1", "Namespace", "default")["status"] == {"phase": "Active"}
