"""Scenario suite, golden 01: version, discovery documents, aggregated discovery, health."""

from __future__ import annotations

from typing import Any

import pytest

from ._fake_apiserver_golden import Target, api_fixture, assert_like_golden, golden

_ = api_fixture

AGGREGATED = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
V2BETA1 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"
RESOURCE_KEYS = ("name", "singularName", "namespaced", "kind", "verbs", "shortNames")

CORE_RESOURCES = [
    "configmaps", "events", "namespaces", "nodes", "pods", "pods/status", "secrets",
    "serviceaccounts", "services",
]  # fmt: skip


def _by_name(resource_list: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["name"]: entry for entry in resource_list["resources"]}


def test_discovery_version_shape_golden_01_seq_1(api: Target) -> None:
    answer = api.client.get("/version")
    assert_like_golden(answer, golden("01", 1))
    assert sorted(answer.json()) == sorted(golden("01", 1).body)
    assert answer.headers["content-type"] == "application/json"


def test_discovery_api_versions_golden_01_seq_2(api: Target) -> None:
    answer = api.client.get("/api")
    assert answer.status_code == 200
    body = answer.json()
    assert body["kind"] == "APIVersions"
    assert "apiVersion" not in body
    assert body["versions"] == ["v1"]
    assert body["serverAddressByClientCIDRs"][0]["clientCIDR"] == "0.0.0.0/0"


@pytest.mark.parametrize(
    ("path", "seq", "expected"),
    [
        ("/api/v1", 3, CORE_RESOURCES),
        ("/apis/apps/v1", 6, ["deployments", "deployments/scale", "deployments/status",
                              "replicasets", "statefulsets", "daemonsets"]),
        ("/apis/coordination.k8s.io/v1", 7, ["leases"]),
        ("/apis/apiextensions.k8s.io/v1", 8, ["customresourcedefinitions",
                                              "customresourcedefinitions/status"]),
    ],
)  # fmt: skip
def test_discovery_resource_lists_match_golden(
    api: Target, path: str, seq: int, expected: list[str]
) -> None:
    """Every resource the server lists has the real server's name, kind, verbs, short names."""
    answer = api.client.get(path)
    assert answer.status_code == 200
    body = answer.json()
    reference = golden("01", seq).body
    assert body["kind"] == "APIResourceList"
    assert body["groupVersion"] == reference["groupVersion"]
    served = _by_name(body)
    recorded = _by_name(reference)
    assert set(expected) <= set(served)
    for name, entry in served.items():
        if name in recorded:
            for key in RESOURCE_KEYS:
                assert entry.get(key) == recorded[name].get(key), f"{name}.{key}"


def test_discovery_group_list_and_group_golden_01_seq_4_5(api: Target) -> None:
    groups = api.client.get("/apis").json()
    assert groups["kind"] == "APIGroupList"
    assert groups["apiVersion"] == "v1"
    names = [group["name"] for group in groups["groups"]]
    for group in ("apps", "coordination.k8s.io", "apiextensions.k8s.io"):
        assert group in names
    recorded = {group["name"]: group for group in golden("01", 4).body["groups"]}
    for group in groups["groups"]:
        if group["name"] in recorded:
            assert group["preferredVersion"] == recorded[group["name"]]["preferredVersion"]
    apps = api.client.get("/apis/apps")
    assert apps.status_code == 200
    assert apps.json() == golden("01", 5).body


def test_discovery_aggregated_golden_01_seq_9_to_11(api: Target) -> None:
    answer = api.client.get("/apis", headers={"Accept": AGGREGATED})
    assert answer.status_code == 200
    assert answer.json()["kind"] == "APIGroupDiscoveryList"
    recorded = golden("01", 10)
    assert answer.headers["content-type"] == recorded.headers["content-type"]
    assert answer.headers["cache-control"] == "public"
    assert answer.headers["vary"] == "Accept"
    etag = answer.headers["etag"]
    assert etag.startswith('"')
    assert etag.endswith('"')
    again = api.client.get("/apis", headers={"Accept": AGGREGATED, "If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    core = api.client.get("/api", headers={"Accept": AGGREGATED})
    assert core.json()["kind"] == "APIGroupDiscoveryList"


def test_discovery_aggregated_fallbacks_golden_01_seq_12_to_15(api: Target) -> None:
    first_choice = api.client.get("/apis", headers={"Accept": f"{AGGREGATED},application/json"})
    assert first_choice.json()["kind"] == "APIGroupDiscoveryList"
    assert_like_golden(api.client.get("/apis", headers={"Accept": V2BETA1}), golden("01", 13))
    fallback = api.client.get("/apis", headers={"Accept": f"{V2BETA1},application/json"})
    assert fallback.json()["kind"] == "APIGroupList"
    assert_like_golden(
        api.client.get("/apis/apps/v1", headers={"Accept": AGGREGATED}), golden("01", 15)
    )


@pytest.mark.parametrize(("path", "seq"), [("/healthz", 16), ("/readyz", 17), ("/livez", 18)])
def test_discovery_health_endpoints_are_plain_ok(api: Target, path: str, seq: int) -> None:
    assert_like_golden(api.client.get(path), golden("01", seq))
