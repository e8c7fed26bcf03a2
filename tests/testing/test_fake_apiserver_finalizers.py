"""Scenario suite, golden 07: finalizers, graceful deletion, deletecollection, garbage
collection, namespace termination."""

from __future__ import annotations

import time
from typing import Any

import httpx
import orjson
import pytest

from ._fake_apiserver_golden import (
    Target,
    api_fixture,
    assert_like_golden,
    golden,
    names,
    replay,
    without_root_ca,
)

_ = api_fixture


def _story(events: list[dict[str, Any]]) -> list[tuple[str, str, Any, bool, Any]]:
    return [
        (
            e["type"],
            e["object"]["metadata"]["name"],
            e["object"]["metadata"].get("finalizers"),
            "deletionTimestamp" in e["object"]["metadata"],
            e["object"].get("data"),
        )
        for e in without_root_ca(events)
    ]


def _poll(check: Any, timeout: float = 30) -> Any:
    """Wait for a controller's work (a real cluster's GC); the fake is usually done at once."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.05)


@pytest.mark.slow
def test_finalizer_keeps_a_deleted_object_until_removed_golden_07_seq_5_to_12(
    api: Target,
) -> None:
    ns = api.namespace("kf-fin")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    rv = api.list_rv(path)
    with api.watch(path, watch="1", resourceVersion=rv) as w:
        replay(api, "07", 5, ns, check=False)
        first = api.client.delete(f"{path}/held")
        assert first.status_code == 200
        held = first.json()
        assert held["kind"] == "ConfigMap"
        assert "deletionTimestamp" in held["metadata"]
        assert held["metadata"]["deletionGracePeriodSeconds"] == 0
        assert held["metadata"]["finalizers"] == ["example.com/hold"]
        assert api.client.get(f"{path}/held").json()["metadata"]["deletionTimestamp"]
        again = api.client.delete(f"{path}/held")
        assert again.status_code == 200
        assert again.json()["metadata"]["resourceVersion"] == held["metadata"]["resourceVersion"]
        assert replay(api, "07", 9, ns, check=False).status_code == 200
        released = replay(api, "07", 11, ns, check=False)
        assert released.status_code == 200
        assert "finalizers" not in released.json()["metadata"]
        replay(api, "07", 12, ns)
        events = w.wait_count(4)
    recorded = [e for e in golden("07", 4).events if e["object"]["metadata"]["name"] == "held"]
    assert _story(events) == _story(recorded)


def test_finalizer_cannot_be_added_while_terminating_golden_07_seq_10(api: Target) -> None:
    ns = api.namespace("kf-fin")
    replay(api, "07", 5, ns, check=False)
    assert api.client.delete(f"/api/v1/namespaces/{ns}/configmaps/held").status_code == 200
    replay(api, "07", 10, ns)


def test_deletecollection_by_label_answers_the_deleted_list_golden_07_seq_13_to_20(
    api: Target,
) -> None:
    ns = api.namespace("kf-fin")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    for seq in range(13, 18):
        assert replay(api, "07", seq, ns, check=False).status_code == 201
    rv = api.list_rv(path)
    with api.watch(path, watch="1", resourceVersion=rv) as w:
        answer = api.client.delete(path, params={"labelSelector": "batch=x"})
        assert answer.status_code == 200
        body = answer.json()
        assert body["kind"] == "ConfigMapList"
        assert [i["metadata"]["name"] for i in body["items"]] == ["batch-0", "batch-1", "batch-2",
                                                                  "batch-3"]  # fmt: skip
        assert all("deletionTimestamp" not in i["metadata"] for i in body["items"])
        left = api.client.get(path).json()["items"]
        assert sorted(names({"items": left})) == ["batch-3", "keeper"]
        replay(api, "07", 20, ns, check=False)
        events = w.wait_count(5)
    recorded = [e for e in golden("07", 4).events if e["object"]["metadata"]["name"].startswith("batch")
                and e["type"] != "ADDED"]  # fmt: skip
    assert _story(events) == _story(recorded)


def _delete_with_options(api: Target, path: str, options: dict[str, Any]) -> httpx.Response:
    return api.client.request(
        "DELETE",
        path,
        content=orjson.dumps({"apiVersion": "v1", "kind": "DeleteOptions", **options}),
        headers={"Content-Type": "application/json"},
    )


def test_foreground_delete_marks_then_removes_golden_07_seq_21_to_23(api: Target) -> None:
    ns = api.namespace("kf-fin")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    api.configmap(ns, "fg", {"v": "1"})
    answer = _delete_with_options(api, f"{path}/fg", {"propagationPolicy": "Foreground"})
    assert answer.status_code == 200
    meta = answer.json()["metadata"]
    assert meta["finalizers"] == ["foregroundDeletion"]
    assert "deletionTimestamp" in meta
    assert _poll(lambda: api.client.get(f"{path}/fg").status_code == 404)


def test_background_owner_delete_removes_dependents_golden_07_seq_24_to_27(api: Target) -> None:
    ns = api.namespace("kf-fin")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    owner = api.configmap(ns, "owner", {"v": "1"})
    reference = {"apiVersion": "v1", "kind": "ConfigMap", "name": "owner",
                 "uid": owner["metadata"]["uid"]}  # fmt: skip
    api.configmap(ns, "dependent", {"v": "1"}, ownerReferences=[reference])
    deleted = api.client.delete(f"{path}/owner")
    assert deleted.json()["status"] == "Success"
    assert _poll(lambda: api.client.get(f"{path}/dependent").status_code == 404)


def test_orphan_delete_keeps_dependents_golden_07_seq_28_to_32(api: Target) -> None:
    ns = api.namespace("kf-fin")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    owner = api.configmap(ns, "orphan-owner", {"v": "1"})
    reference = {"apiVersion": "v1", "kind": "ConfigMap", "name": "orphan-owner",
                 "uid": owner["metadata"]["uid"]}  # fmt: skip
    api.configmap(ns, "orphan-dependent", {"v": "1"}, ownerReferences=[reference])
    answer = api.client.delete(f"{path}/orphan-owner", params={"propagationPolicy": "Orphan"})
    assert answer.status_code == 200
    assert answer.json()["metadata"]["finalizers"] == ["orphan"]
    assert _poll(lambda: api.client.get(f"{path}/orphan-owner").status_code == 404)
    dependent = api.client.get(f"{path}/orphan-dependent").json()
    assert "ownerReferences" not in dependent["metadata"]


def test_namespace_termination_golden_07_seq_35_to_39(api: Target) -> None:
    ns = api.namespace("kf-fin")
    api.configmap(ns, "inside")
    first = api.client.delete(f"/api/v1/namespaces/{ns}")
    assert first.status_code == 200
    body = first.json()
    assert body["kind"] == "Namespace"
    assert body["status"]["phase"] == "Terminating"
    assert body["spec"]["finalizers"] == ["kubernetes"]
    late = replay(api, "07", 36, ns, check=False)
    if late.status_code != 404:  # the fake may already be done terminating
        assert_like_golden(late, golden("07", 36), substitutions={"golden-finalizers": ns})
    assert _poll(lambda: api.client.get(f"/api/v1/namespaces/{ns}").status_code == 404)
