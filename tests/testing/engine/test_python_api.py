"""The Python API the HTTP layer, tests, the demo and benchmarks use (typed errors)."""

from __future__ import annotations

from collections import Counter

import pytest

from kinformer._errors import (
    ConflictError,
    ExpiredError,
    InternalError,
    NotFoundError,
    TooManyRequestsError,
)
from kinformer.testing._apiserver._engine import ApiServerState, RequestRecord
from kinformer.testing._apiserver._protocol import ApiResponse, WatchResponse

from .conftest import NOW, answer_of, configmap, events, make_request, summary


def test_python_crud_and_typed_errors(state: ApiServerState) -> None:
    created = state.create(configmap("a", "default", data={"k": "v"}))
    assert created["metadata"]["creationTimestamp"] == "2026-11-18T11:06:40Z"
    assert int(created["metadata"]["resourceVersion"]) == state.revision
    assert state.get("v1", "ConfigMap", "a", "default")["data"] == {"k": "v"}
    with pytest.raises(NotFoundError, match='configmaps "b" not found'):
        state.get("v1", "ConfigMap", "b", "default")
    stale = dict(created, data={"k": "w"})
    state.update(stale)
    with pytest.raises(ConflictError, match="the object has been modified"):
        state.update(stale)
    patched = state.patch("v1", "ConfigMap", "a", {"data": {"x": "1"}}, "default")
    assert patched["data"] == {"k": "w", "x": "1"}
    strategic = state.patch(
        "v1", "ConfigMap", "a", {"data": {"y": "2"}}, "default", patch_type="strategic"
    )
    assert strategic["data"]["y"] == "2"
    assert [o["metadata"]["name"] for o in state.list("v1", "ConfigMap", "default")] == [
        "a",
        "kube-root-ca.crt",
    ]
    assert state.delete("v1", "ConfigMap", "a", "default") is None
    with pytest.raises(NotFoundError):
        state.delete("v1", "ConfigMap", "a", "default")


def test_python_returned_dicts_are_copies(state: ApiServerState) -> None:
    created = state.create(configmap("a", "default", data={"k": "v"}))
    created["data"]["k"] = "mutated"
    assert state.get("v1", "ConfigMap", "a", "default")["data"] == {"k": "v"}


def test_python_delete_with_finalizer_returns_object(state: ApiServerState) -> None:
    state.create(
        configmap("held", metadata={"name": "held", "namespace": "default", "finalizers": ["a/b"]})
    )
    kept = state.delete("v1", "ConfigMap", "held", "default")
    assert kept is not None
    assert kept["metadata"]["deletionTimestamp"]


def test_seed_bulk_loads_with_revisions_and_namespaces(state: ApiServerState) -> None:
    start = state.revision
    count = state.seed(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": f"p{i}", "namespace": "bulk", "labels": {"i": str(i)}},
            "spec": {},
        }
        for i in range(50)
    )
    assert count == 50
    pods = state.list("v1", "Pod", "bulk")
    assert len(pods) == 50
    assert all(p["metadata"]["uid"] and p["metadata"]["generation"] == 1 for p in pods)
    assert state.get("v1", "Namespace", "bulk")["metadata"]["name"] == "bulk"
    assert state.revision > start + 50
    listed = answer_of(
        state.handle(
            make_request(
                "GET", "/api/v1/namespaces/bulk/pods", query={"labelSelector": "i in (1,2)"}
            )
        )
    )  # type: ignore[arg-type]
    assert len(listed.body["items"]) == 2


def test_fail_next_answers_injected_status(state: ApiServerState) -> None:
    state.fail_next("list", 2, code=429, message="slow down", retry_after=3, resource="configmaps")
    path = "/api/v1/namespaces/default/configmaps"
    assert (
        answer_of(state.handle(make_request("GET", "/api/v1/namespaces/default/pods"))).status
        == 200
    )  # type: ignore[arg-type]
    for _ in range(2):
        answer = answer_of(state.handle(make_request("GET", path)))  # type: ignore[arg-type]
        assert answer.status == 429
        assert answer.headers == {"Retry-After": "3"}
        assert answer.body["details"] == {"retryAfterSeconds": 3}
        assert answer.body["reason"] == "TooManyRequests"
    assert answer_of(state.handle(make_request("GET", path))).status == 200  # type: ignore[arg-type]
    state.fail_next("watch", code=500, message="boom")
    failed = state.handle(make_request("GET", path, query={"watch": "1"}))
    assert isinstance(failed, ApiResponse)
    assert answer_of(failed).body["message"] == "boom"
    state.fail_next("get", code=410, reason="Expired", message="gone")
    gone = answer_of(state.handle(make_request("GET", "/version")))  # type: ignore[arg-type]
    assert (gone.status, gone.body["reason"]) == (410, "Expired")


def test_fail_next_typed_errors() -> None:
    from kinformer.testing._apiserver._status import too_many_requests

    error = too_many_requests("x", 2).api_error()
    assert isinstance(error, TooManyRequestsError)
    assert error.retry_after == 2.0


def test_requests_and_counts(state: ApiServerState) -> None:
    state.handle(make_request("GET", "/api/v1/namespaces/default/configmaps", query={"limit": "5"}))
    state.handle(make_request("GET", "/api/v1/namespaces/default/configmaps/x"))
    state.handle(make_request("GET", "/api/v1/configmaps", query={"watch": "1"}))
    assert state.requests[0] == RequestRecord("list", "configmaps", "default", None, {"limit": "5"})
    assert state.request_counts() == Counter(
        {("list", "configmaps"): 1, ("get", "configmaps"): 1, ("watch", "configmaps"): 1}
    )


def test_restart_without_data_goes_backwards(state: ApiServerState) -> None:
    for i in range(20):
        state.create(configmap(f"c{i}", "default"))
    before = state.revision
    opened = state.handle(
        make_request(
            "GET", "/api/v1/configmaps", query={"watch": "1", "resourceVersion": str(before)}
        )
    )
    assert isinstance(opened, WatchResponse)
    state.restart(keep_data=False)
    assert opened.watch.closed
    assert state.revision < before
    with pytest.raises(NotFoundError):
        state.get("v1", "ConfigMap", "c0", "default")
    assert state.get("v1", "Namespace", "kube-system")


def test_restart_with_data_keeps_objects_and_expires_old_watches(state: ApiServerState) -> None:
    state.create(configmap("kept", "default"))
    old = state.revision - 1
    state.restart(keep_data=True)
    assert state.get("v1", "ConfigMap", "kept", "default")
    again = state.handle(
        make_request("GET", "/api/v1/configmaps", query={"watch": "1", "resourceVersion": str(old)})
    )
    assert isinstance(again, WatchResponse)
    assert summary(events(again)) == [("ERROR", None)]


def test_compact_expires_exact_lists_typed(state: ApiServerState) -> None:
    old = state.revision
    state.create(configmap("x", "default"))
    state.compact(old + 1)
    answer = state.handle(
        make_request(
            "GET",
            "/api/v1/configmaps",
            query={"resourceVersion": str(old), "resourceVersionMatch": "Exact"},
        )
    )
    assert isinstance(answer, ApiResponse)
    assert answer.status == 410
    from kinformer.testing._apiserver._status import expired

    assert isinstance(expired("x").api_error(), ExpiredError)


def test_unknown_kind_raises(state: ApiServerState) -> None:
    with pytest.raises(NotFoundError, match="could not find the requested resource"):
        state.create({"apiVersion": "v1", "kind": "Nope", "metadata": {"name": "x"}})


def test_internal_error_typed(state: ApiServerState) -> None:
    state.create(configmap("frozen", "default"))
    with pytest.raises(InternalError):
        state.update(
            configmap(
                "frozen",
                metadata={"name": "frozen", "namespace": "default", "resourceVersion": "abc"},
            )
        )


def test_wall_clock_is_injected() -> None:
    state = ApiServerState(wall_clock=lambda: NOW + 60)
    assert (
        state.create(configmap("t", "default"))["metadata"]["creationTimestamp"]
        == "2026-11-18T11:07:40Z"
    )


def test_namespace_defaults_can_be_disabled() -> None:
    state = ApiServerState(namespace_defaults=False)
    state.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "bare"}})
    assert state.list("v1", "ConfigMap", "bare") == []


def test_seed_twice_replaces_and_notifies_watchers(state: ApiServerState) -> None:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "namespace": "default"},
        "spec": {"n": 1},
    }
    state.seed([pod])
    opened = state.handle(
        make_request(
            "GET",
            "/api/v1/namespaces/default/pods",
            query={"watch": "1", "resourceVersion": str(state.revision)},
        )
    )
    assert isinstance(opened, WatchResponse)
    state.seed(
        [
            pod | {"spec": {"n": 2}},
            {"apiVersion": "v1", "kind": "Pod", "metadata": {"generateName": "g-"}},
        ]
    )
    assert [t for t, _ in summary(events(opened))] == ["MODIFIED", "ADDED"]
    assert state.get("v1", "Pod", "p", "default")["spec"] == {"n": 2}
    with pytest.raises(Exception, match="name or generateName is required"):
        state.seed([{"apiVersion": "v1", "kind": "Pod", "metadata": {}}])


def test_stored_labels_do_not_alias_the_callers_dict(state: ApiServerState) -> None:
    labels = {"app": "web"}
    state.create(configmap("a", "default", labels=labels))
    state.seed([configmap("b", "default", labels=labels)])
    labels["app"] = "changed"
    selected = state.handle(
        make_request(
            "GET", "/api/v1/namespaces/default/configmaps", query={"labelSelector": "app=web"}
        )
    )
    assert [i["metadata"]["name"] for i in answer_of(selected).body["items"]] == ["a", "b"]  # type: ignore[arg-type]
