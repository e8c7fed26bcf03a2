"""List semantics (golden 04, 06a): resourceVersion, pagination, selectors, expiry."""

from __future__ import annotations

import base64
from typing import Any

import orjson
import pytest

from kinformer.testing._apiserver._engine import ApiServerState

from .conftest import Call, configmap, golden, status_shape

NS = "/api/v1/namespaces/golden-list/configmaps"


@pytest.fixture
def listed(state: ApiServerState, call: Call) -> dict[str, Any]:
    """25 ConfigMaps cm-00..cm-24 (+ kube-root-ca.crt) with golden 04's labels; returns the
    revision right after the 10th create."""
    state.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "golden-list"}})
    after_ten = 0
    for i in range(25):
        labels = {
            "set": "list25",
            "idx": str(i),
            "tier": ("frontend", "backend", "cache")[i % 3],
            "parity": ("even", "odd")[i % 2],
        }
        if i % 5 == 0:
            labels["canary"] = "true"
        call("POST", NS, body=configmap(f"cm-{i:02d}", labels=labels, data={"i": str(i)}))
        if i == 9:
            after_ten = state.revision
    return {"after_ten": after_ten}


def names(body: dict[str, Any]) -> list[str]:
    return [item["metadata"]["name"] for item in body["items"]]


def token(body: dict[str, Any]) -> dict[str, Any]:
    text = body["metadata"]["continue"]
    decoded: dict[str, Any] = orjson.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    return decoded


def test_list_newest_state_any_rv(
    listed: dict[str, Any], call: Call, state: ApiServerState
) -> None:
    # golden 04 seq 29-31, 33, 34: unset / 0 / current+Exact / older+NotOlderThan / older → newest
    current = str(state.revision)
    for query in ({}, {"resourceVersion": "0"}, {"resourceVersion": current, "resourceVersionMatch": "Exact"},
                  {"resourceVersion": str(listed["after_ten"]), "resourceVersionMatch": "NotOlderThan"},
                  {"resourceVersion": str(listed["after_ten"])}):  # fmt: skip
        body = call("GET", NS, query=query).body
        assert (body["kind"], body["apiVersion"], body["metadata"]) == (
            "ConfigMapList",
            "v1",
            {"resourceVersion": current},
        ), query
        assert len(body["items"]) == 26
        assert set(body["items"][0]) == {"metadata", "data"}  # items carry no kind/apiVersion


def test_list_exact_past_state(listed: dict[str, Any], call: Call) -> None:
    # golden 04 seq 32: older RV + Exact → the past state (10 ConfigMaps + kube-root-ca.crt)
    rv = str(listed["after_ten"])
    body = call("GET", NS, query={"resourceVersion": rv, "resourceVersionMatch": "Exact"}).body
    assert body["metadata"] == {"resourceVersion": rv}
    assert names(body) == [f"cm-{i:02d}" for i in range(10)] + ["kube-root-ca.crt"]


def test_list_future_rv_answers_504_at_once(
    listed: dict[str, Any], call: Call, state: ApiServerState
) -> None:
    # golden 04 seq 39: Timeout: Too large resource version, cause, Retry-After 1
    future = state.revision + 1000
    answer = call(
        "GET", NS, query={"resourceVersion": str(future), "resourceVersionMatch": "NotOlderThan"}
    )
    expected = golden("04-list-semantics", 39)
    assert answer.status == 504
    assert answer.headers == {"Retry-After": "1"}
    assert answer.body == expected["response_body"] | {
        "message": f"Timeout: Too large resource version: {future}, current: {state.revision}"
    }


def test_list_pagination_tokens_and_remaining(
    listed: dict[str, Any], call: Call, state: ApiServerState
) -> None:
    # golden 04 seq 41-43: pages of 10, remainingItemCount 16, 6, then none; token shape
    first = call("GET", NS, query={"limit": "10"}).body
    assert names(first) == [f"cm-{i:02d}" for i in range(10)]
    assert first["metadata"]["remainingItemCount"] == 16
    assert token(first) == {"v": "meta.k8s.io/v1", "rv": state.revision, "start": "/cm-09\x00"}
    recorded = token(golden("04-list-semantics", 41)["response_body"])
    assert set(recorded) == set(token(first))
    assert recorded["start"] == token(first)["start"]
    second = call("GET", NS, query={"limit": "10", "continue": first["metadata"]["continue"]}).body
    assert second["metadata"]["remainingItemCount"] == 6
    assert names(second)[0] == "cm-10"
    third = call("GET", NS, query={"limit": "10", "continue": second["metadata"]["continue"]}).body
    assert third["metadata"] == {"resourceVersion": str(state.revision)}
    assert names(third) == ["cm-20", "cm-21", "cm-22", "cm-23", "cm-24", "kube-root-ca.crt"]


def test_list_pages_stay_consistent_during_writes(
    listed: dict[str, Any], call: Call, state: ApiServerState
) -> None:
    # golden 04: a continue token pins the list to its revision
    first = call("GET", NS, query={"limit": "10"}).body
    call("DELETE", f"{NS}/cm-15")
    call("POST", NS, body=configmap("cm-100"))
    rest = call("GET", NS, query={"limit": "100", "continue": first["metadata"]["continue"]}).body
    assert rest["metadata"]["resourceVersion"] == first["metadata"]["resourceVersion"]
    assert "cm-15" in names(rest)
    assert "cm-100" not in names(rest)


def test_list_limit_with_rv0_ignored_and_zero_negative(listed: dict[str, Any], call: Call) -> None:
    # golden 04 seq 44, 52, 53
    for query in ({"limit": "10", "resourceVersion": "0"}, {"limit": "0"}, {"limit": "-1"}):
        body = call("GET", NS, query=query).body
        assert len(body["items"]) == 26
        assert "continue" not in body["metadata"]


def test_list_limit_with_older_rv_pages_past_state(listed: dict[str, Any], call: Call) -> None:
    # golden 04 seq 45-47: limit + older RV (with or without Exact) pages the past state
    rv = str(listed["after_ten"])
    for query in (
        {"limit": "10", "resourceVersion": rv, "resourceVersionMatch": "Exact"},
        {"limit": "10", "resourceVersion": rv},
    ):
        body = call("GET", NS, query=query).body
        assert body["metadata"]["resourceVersion"] == rv
        assert body["metadata"]["remainingItemCount"] == 1
    nxt = call("GET", NS, query={"limit": "10", "continue": body["metadata"]["continue"]}).body
    assert names(nxt) == ["kube-root-ca.crt"]
    assert nxt["metadata"] == {"resourceVersion": rv}


@pytest.mark.parametrize(
    ("selector", "count"),
    [
        ("tier=frontend", 9), ("tier==frontend", 9), ("tier!=frontend", 17), ("tier in (frontend,cache)", 17),
        ("tier notin (frontend,cache)", 9), ("canary", 5), ("!canary", 21), ("tier=frontend,parity=even", 5),
        ("idx>20", 4), ("idx<3,set=list25", 3), ("tier=nope", 0), ("", 26), ("tier in ()", 0),
    ],
)  # fmt: skip
def test_list_label_selectors_golden_counts(
    listed: dict[str, Any], call: Call, selector: str, count: int
) -> None:
    # golden 04 seq 54-65, 76
    answer = call("GET", NS, query={"labelSelector": selector})
    assert answer.status == 200
    assert len(answer.body["items"]) == count


@pytest.mark.parametrize(
    ("selector", "count"),
    [("metadata.name=cm-03", 1), ("metadata.name==cm-03", 1), ("metadata.name!=cm-03", 25),
     ("metadata.namespace=golden-list", 26), ("metadata.namespace=golden-list,metadata.name=cm-04", 1),
     ("metadata.name=cm-03,metadata.name=cm-04", 0)],
)  # fmt: skip
def test_list_field_selectors_golden_counts(
    listed: dict[str, Any], call: Call, selector: str, count: int
) -> None:
    # golden 04 seq 77-82
    assert len(call("GET", NS, query={"fieldSelector": selector}).body["items"]) == count


def test_list_selectors_omit_remaining_count(listed: dict[str, Any], call: Call) -> None:
    # golden 04 seq 108: with a selector and a limit: continue but no remainingItemCount
    body = call(
        "GET", "/api/v1/configmaps", query={"labelSelector": "tier=cache", "limit": "5"}
    ).body
    assert names(body) == ["cm-02", "cm-05", "cm-08", "cm-11", "cm-14"]
    assert "continue" in body["metadata"]
    assert "remainingItemCount" not in body["metadata"]
    assert token(body)["start"] == "/golden-list/cm-14\x00"


def test_list_all_namespaces_and_missing_namespace(listed: dict[str, Any], call: Call) -> None:
    # golden 04 seq 107, 110
    everything = call("GET", "/api/v1/configmaps").body
    keys = [f"{i['metadata']['namespace']}/{i['metadata']['name']}" for i in everything["items"]]
    assert keys == sorted(keys)
    assert len(keys) == 26 + 4
    empty = call("GET", "/api/v1/namespaces/golden-no-such-namespace/configmaps")
    assert empty.status == 200
    assert empty.body["items"] == []


def test_pod_field_selectors(state: ApiServerState, call: Call) -> None:
    # golden 04 seq 89-102
    state.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "golden-list"}})
    pods = "/api/v1/namespaces/golden-list/pods"
    for name, node in (("unbound", None), ("on-node-a", "node-a"), ("on-node-b", "node-b")):
        spec: dict[str, Any] = {"containers": [{"name": "main", "image": "registry.example/app:1"}]}
        if node:
            spec["nodeName"] = node
        call(
            "POST",
            pods,
            body={"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec},
        )
    pod = call("GET", f"{pods}/on-node-b").body
    call(
        "PUT",
        f"{pods}/on-node-b/status",
        body=pod | {"status": {"phase": "Running", "podIP": "10.1.2.3"}},
    )
    for selector, expected in (
        ("spec.nodeName=node-a", ["on-node-a"]), ("spec.nodeName=", ["unbound"]), ("spec.nodeName!=", ["on-node-a", "on-node-b"]),
        ("status.phase=Pending", ["on-node-a", "unbound"]), ("status.phase=Running", ["on-node-b"]),
        ("status.phase!=Running,spec.nodeName!=", ["on-node-a"]), ("status.podIP=10.1.2.3", ["on-node-b"]),
        ("spec.restartPolicy=Always", ["on-node-a", "on-node-b", "unbound"]),
    ):  # fmt: skip
        assert names(call("GET", pods, query={"fieldSelector": selector}).body) == expected, (
            selector
        )
    assert names(
        call("GET", "/api/v1/pods", query={"fieldSelector": "spec.nodeName=node-a"}).body
    ) == ["on-node-a"]
    deleted = call("DELETE", f"{pods}?gracePeriodSeconds=0")
    assert deleted.body["kind"] == "PodList"
    assert len(deleted.body["items"]) == 3


def test_list_after_compaction_expires(
    listed: dict[str, Any], call: Call, state: ApiServerState
) -> None:
    # golden 06a seq 15, 16, 21: Exact at a compacted RV → 410; old continue token → 410 with a
    # fresh token (rv -1) that continues at the current revision; NotOlderThan still works
    old = str(state.revision)
    page = call("GET", NS, query={"limit": "2"}).body
    call("POST", NS, body=configmap("zz-after"))
    state.compact()
    exact = call("GET", NS, query={"resourceVersion": old, "resourceVersionMatch": "Exact"})
    assert (exact.status, status_shape(exact.body)) == (
        410,
        golden("06a-too-old-watchcache", 15)["response_body"],
    )
    limited = call("GET", NS, query={"resourceVersion": old, "limit": "2"})
    assert limited.status == 410
    assert (
        call(
            "GET", NS, query={"resourceVersion": old, "resourceVersionMatch": "NotOlderThan"}
        ).status
        == 200
    )
    stale = call("GET", NS, query={"limit": "2", "continue": page["metadata"]["continue"]})
    expected = golden("06a-too-old-watchcache", 16)["response_body"]
    assert stale.status == 410
    assert stale.body["message"] == expected["message"]
    assert stale.body["reason"] == "Expired"
    fresh = token(stale.body)
    assert fresh == {"v": "meta.k8s.io/v1", "rv": -1, "start": "cm-01\x00"}
    resumed = call(
        "GET", NS, query={"limit": "100", "continue": stale.body["metadata"]["continue"]}
    ).body
    assert names(resumed)[0] == "cm-02"
    assert "zz-after" in names(resumed)
    assert resumed["metadata"]["resourceVersion"] == str(state.revision)
