"""Watch semantics (golden 05a, 05b, 05c, 05d, 06a, 10)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from kinformer.testing._apiserver._engine import ApiServerState
from kinformer.testing._apiserver._protocol import WatchResponse

from .conftest import Call, configmap, events, golden, summary

NS = "/api/v1/namespaces/golden-watch/configmaps"
MERGE = "application/merge-patch+json"
Watch = Callable[..., WatchResponse]


@pytest.fixture
def ns(state: ApiServerState, call: Call) -> Call:
    state.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "golden-watch"}})
    call("POST", NS, body=configmap("cm-a", data={"v": "1"}))
    return call


def test_watch_from_rv_sees_added_modified_deleted(
    ns: Call, watch: Watch, state: ApiServerState
) -> None:
    # golden 05a seq 5-10: ADDED, MODIFIED, (no event for a no-op), MODIFIED, DELETED with a
    # new RV and the last state; timeoutSeconds is returned for the HTTP layer to enforce
    rv = ns("GET", NS).body["metadata"]["resourceVersion"]
    opened = watch(NS, query={"watch": "1", "resourceVersion": rv, "timeoutSeconds": "5"})
    assert opened.timeout_seconds == 5
    created = ns("POST", NS, body=configmap("cm-b", data={"v": "1"})).body
    updated = ns("PUT", f"{NS}/cm-b", body=created | {"data": {"v": "2"}}).body
    ns("PUT", f"{NS}/cm-b", body=updated)
    ns("PATCH", f"{NS}/cm-b", body={"metadata": {"labels": {"patched": "yes"}}}, content_type=MERGE)
    ns("DELETE", f"{NS}/cm-b")
    got = events(opened)
    assert [e["type"] for e in got] == ["ADDED", "MODIFIED", "MODIFIED", "DELETED"]
    assert [e["type"] for e in got] == [
        e["type"] for e in golden("05a-watch-basics", 5)["response_body"]
    ]
    rvs = [int(e["object"]["metadata"]["resourceVersion"]) for e in got]
    assert rvs == sorted(rvs)
    assert len(set(rvs)) == 4
    assert got[3]["object"]["metadata"]["labels"] == {"patched": "yes"}
    assert got[3]["object"]["data"] == {"v": "2"}
    assert list(got[0]["object"]) == ["kind", "apiVersion", "metadata", "data"]
    # re-watch from the same RV replays the history (seq 13)
    replay = watch(NS, query={"watch": "1", "resourceVersion": rv})
    assert summary(events(replay)) == summary(got)


@pytest.mark.parametrize("query", [{"resourceVersion": "0"}, {}], ids=["rv-0", "rv-unset"])
def test_watch_rv0_or_unset_sends_synthetic_added(
    ns: Call, watch: Watch, query: dict[str, str]
) -> None:
    # golden 05a seq 11, 12: one ADDED per existing object, in key order, then live events
    opened = watch(NS, query={"watch": "1"} | query)
    assert summary(events(opened)) == [("ADDED", "cm-a"), ("ADDED", "kube-root-ca.crt")]
    ns("POST", NS, body=configmap("cm-live"))
    assert summary(events(opened)) == [("ADDED", "cm-live")]


def test_watch_paths_and_filters(ns: Call, watch: Watch, state: ApiServerState) -> None:
    # golden 05a seq 14, 18, 19, 20, 28: fieldSelector=metadata.name, all namespaces, the legacy
    # /watch/ path, watch=true, a missing namespace (silent)
    rv = str(state.revision)
    single = watch(
        NS, query={"watch": "1", "resourceVersion": rv, "fieldSelector": "metadata.name=cm-a"}
    )
    everywhere = watch("/api/v1/configmaps", query={"watch": "1", "resourceVersion": rv})
    legacy = watch(
        "/api/v1/watch/namespaces/golden-watch/configmaps", query={"resourceVersion": rv}
    )
    true = watch(NS, query={"watch": "true", "resourceVersion": rv})
    missing = watch("/api/v1/namespaces/golden-no-such-namespace/configmaps", query={"watch": "1"})
    ns("PATCH", f"{NS}/cm-a", body={"data": {"v": "2"}}, content_type=MERGE)
    ns("POST", NS, body=configmap("cm-c"))
    assert summary(events(single)) == [("MODIFIED", "cm-a")]
    for opened in (everywhere, legacy, true):
        assert summary(events(opened)) == [("MODIFIED", "cm-a"), ("ADDED", "cm-c")]
    assert events(missing) == []


def test_watch_future_rv_is_silent_until_reached(
    ns: Call, watch: Watch, state: ApiServerState
) -> None:
    # golden 05a seq 23: a future RV is accepted, no events until it is reached
    opened = watch(
        NS,
        query={
            "watch": "1",
            "resourceVersion": str(state.revision + 2),
            "allowWatchBookmarks": "true",
        },
    )
    opened.watch.bookmark()
    assert events(opened) == []
    ns("POST", NS, body=configmap("one"))
    ns("POST", NS, body=configmap("two"))
    ns("POST", NS, body=configmap("three"))
    assert summary(events(opened)) == [("ADDED", "three")]


def test_watch_bookmarks_shape_and_opt_in(ns: Call, watch: Watch, state: ApiServerState) -> None:
    # golden 05b: {"type":"BOOKMARK","object":{"kind":"ConfigMap","apiVersion":"v1",
    # "metadata":{"resourceVersion":"N"}}}; none without allowWatchBookmarks
    rv = str(state.revision)
    with_bookmarks = watch(
        NS, query={"watch": "1", "resourceVersion": rv, "allowWatchBookmarks": "true"}
    )
    without = watch(NS, query={"watch": "1", "resourceVersion": rv})
    ns(
        "POST",
        "/api/v1/namespaces/golden-watch/secrets",
        body={"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}},
    )
    with_bookmarks.watch.bookmark()
    without.watch.bookmark()
    assert events(with_bookmarks) == [
        {
            "type": "BOOKMARK",
            "object": {
                "kind": "ConfigMap",
                "apiVersion": "v1",
                "metadata": {"resourceVersion": str(state.revision)},
            },
        }
    ]
    assert events(without) == []


def test_watch_send_initial_events_end_bookmark(
    ns: Call, watch: Watch, state: ApiServerState
) -> None:
    # golden 05c seq 6, 11, 12: initial ADDED, the initial-events-end bookmark (only with
    # allowWatchBookmarks), label selector filters the initial events
    base = {"watch": "1", "sendInitialEvents": "true", "resourceVersionMatch": "NotOlderThan"}
    ns("POST", NS, body=configmap("pick", labels={"pick": "yes"}))
    full = watch(NS, query=base | {"allowWatchBookmarks": "true"})
    got = events(full)
    assert summary(got) == [
        ("ADDED", "cm-a"),
        ("ADDED", "kube-root-ca.crt"),
        ("ADDED", "pick"),
        ("BOOKMARK", None),
    ]
    expected_end = golden("05c-watch-initial-events", 6)["response_body"][4]["object"]
    assert got[3]["object"] == expected_end | {
        "metadata": expected_end["metadata"] | {"resourceVersion": str(state.revision)}
    }
    picked = watch(NS, query=base | {"allowWatchBookmarks": "true", "labelSelector": "pick=yes"})
    assert summary(events(picked)) == [("ADDED", "pick"), ("BOOKMARK", None)]
    quiet = watch(NS, query=base)
    assert summary(events(quiet)) == [
        ("ADDED", "cm-a"),
        ("ADDED", "kube-root-ca.crt"),
        ("ADDED", "pick"),
    ]
    plain = watch(
        NS,
        query={
            "watch": "1",
            "sendInitialEvents": "false",
            "resourceVersionMatch": "NotOlderThan",
            "resourceVersion": str(state.revision),
        },
    )
    assert events(plain) == []


def test_watch_selector_transitions(ns: Call, watch: Watch, state: ApiServerState) -> None:
    # golden 05d: leaving → DELETED with the previous state stamped with the change's RV;
    # re-entering → ADDED; changes outside → nothing; deleting a non-matching object → nothing
    ns("POST", NS, body=configmap("obj", labels={"app": "demo"}, data={"v": "1"}))
    ns("POST", NS, body=configmap("other", labels={"app": "else"}))
    rv = str(state.revision)
    selected = watch(NS, query={"watch": "1", "resourceVersion": rv, "labelSelector": "app=demo"})
    unfiltered = watch(NS, query={"watch": "1", "resourceVersion": rv})
    left = ns(
        "PATCH",
        f"{NS}/obj",
        body={"metadata": {"labels": {"app": "gone"}}, "data": {"v": "2"}},
        content_type=MERGE,
    ).body
    ns("PATCH", f"{NS}/obj", body={"data": {"v": "3"}}, content_type=MERGE)
    ns("PATCH", f"{NS}/obj", body={"metadata": {"labels": {"app": "demo"}}}, content_type=MERGE)
    ns("PATCH", f"{NS}/obj", body={"data": {"v": "4"}}, content_type=MERGE)
    ns("DELETE", f"{NS}/other")
    got = events(selected)
    assert summary(got) == [("DELETED", "obj"), ("ADDED", "obj"), ("MODIFIED", "obj")]
    exit_object = got[0]["object"]
    assert exit_object["metadata"]["labels"] == {"app": "demo"}
    assert exit_object["data"] == {"v": "1"}
    assert exit_object["metadata"]["resourceVersion"] == left["metadata"]["resourceVersion"]
    assert [t for t, _ in summary(events(unfiltered))] == ["MODIFIED"] * 4 + ["DELETED"]


def test_watch_too_old_rv_gets_one_error_event_and_closes(
    ns: Call, watch: Watch, state: ApiServerState
) -> None:
    # golden 06a seq 124: 200 + one ERROR {"too old resource version: X (Y)", Expired, 410}
    old = state.revision
    ns("POST", NS, body=configmap("x"))
    state.compact()
    opened = watch(
        NS, query={"watch": "1", "resourceVersion": str(old), "allowWatchBookmarks": "true"}
    )
    assert opened.watch.closed
    got = events(opened)
    expected = golden("06a-too-old-watchcache", 124)["response_body"][0]
    assert len(got) == 1
    assert got[0]["type"] == "ERROR"
    assert got[0]["object"] == expected["object"] | {
        "message": f"too old resource version: {old} ({state.revision + 1})"
    }


def test_watch_bounded_history_window() -> None:
    # issue 3: a bounded history of history_limit events; older watches get the ERROR event
    state = ApiServerState(history_limit=3, wall_clock=lambda: 0.0)
    start = state.revision
    for i in range(5):
        state.create(configmap(f"c{i}", "default"))
    from .conftest import make_request

    old = state.handle(
        make_request(
            "GET",
            "/api/v1/namespaces/default/configmaps",
            query={"watch": "1", "resourceVersion": str(start)},
        )
    )
    assert isinstance(old, WatchResponse)
    assert old.watch.closed
    recent = state.handle(
        make_request(
            "GET",
            "/api/v1/namespaces/default/configmaps",
            query={"watch": "1", "resourceVersion": str(state.revision - 3)},
        )
    )
    assert isinstance(recent, WatchResponse)
    assert not recent.watch.closed
    assert summary(events(recent)) == [("ADDED", "c2"), ("ADDED", "c3"), ("ADDED", "c4")]


def test_watch_drop_close_waker_and_restart(ns: Call, watch: Watch, state: ApiServerState) -> None:
    # _protocol: waker called on append and on close; drop_watches ends cleanly; close unsubscribes
    opened = watch(NS, query={"watch": "1", "resourceVersion": str(state.revision)})
    calls: list[int] = []
    opened.watch.set_waker(lambda: calls.append(1))
    ns("POST", NS, body=configmap("w1"))
    assert calls
    assert not opened.watch.closed
    state.drop_watches()
    assert opened.watch.closed
    assert summary(events(opened)) == [("ADDED", "w1")]
    closed = watch(NS, query={"watch": "1", "resourceVersion": str(state.revision)})
    closed.watch.close()
    closed.watch.close()
    ns("POST", NS, body=configmap("w2"))
    assert events(closed) == []
    survivor = watch(NS, query={"watch": "1", "resourceVersion": str(state.revision)})
    state.restart(keep_data=True)
    assert survivor.watch.closed


def test_metadata_only_watch_and_list(ns: Call, watch: Watch, state: ApiServerState) -> None:
    # golden 10 seq 6, 8, 15, 19, 20: PartialObjectMetadata objects everywhere, Content-Type JSON
    accept_list = {"accept": "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"}
    accept_one = {"accept": "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1"}
    listed = ns("GET", NS, headers=accept_list)
    assert listed.content_type == "application/json"
    assert (listed.body["kind"], listed.body["apiVersion"]) == (
        "PartialObjectMetadataList",
        "meta.k8s.io/v1",
    )
    assert listed.body["items"][0]["kind"] == "PartialObjectMetadata"
    assert set(listed.body["items"][0]) == {"kind", "apiVersion", "metadata"}
    one = ns("GET", f"{NS}/cm-a", headers=accept_one).body
    assert (one["kind"], one["apiVersion"], set(one)) == (
        "PartialObjectMetadata",
        "meta.k8s.io/v1",
        {"kind", "apiVersion", "metadata"},
    )
    empty = ns("GET", "/apis/apps/v1/namespaces/kube-system/deployments", headers=accept_list).body
    assert empty["items"] is None  # golden 10 seq 26
    opened = watch(
        NS,
        query={"watch": "1", "resourceVersion": str(state.revision), "allowWatchBookmarks": "true"},
        headers=accept_one,
    )
    ns("PATCH", f"{NS}/cm-a", body={"data": {"v": "9"}}, content_type=MERGE)
    opened.watch.bookmark()
    got = events(opened)
    assert [e["type"] for e in got] == ["MODIFIED", "BOOKMARK"]
    assert all(e["object"]["kind"] == "PartialObjectMetadata" for e in got)
    assert "data" not in got[0]["object"]
    ended = watch(NS, query={"watch": "1"}, headers=accept_list)
    assert ended.watch.closed
    assert events(ended) == []
    wrong = ns("GET", f"{NS}/cm-a", headers=accept_list)
    assert (wrong.status, wrong.body["message"]) == (
        406,
        golden("10-metadata-only", 11)["response_body"]["message"],
    )


def test_watch_events_share_lines(ns: Call, watch: Watch, state: ApiServerState) -> None:
    # issue 3 speed: one line per event, shared by every watcher that sees it unchanged
    rv = str(state.revision)
    first = watch(NS, query={"watch": "1", "resourceVersion": rv})
    second = watch("/api/v1/configmaps", query={"watch": "1", "resourceVersion": rv})
    ns("POST", NS, body=configmap("shared"))
    [a] = first.watch.drain()
    [b] = second.watch.drain()
    assert a is b


def test_watch_crd_deletion_closes_custom_watches(
    call: Call, watch: Watch, state: ApiServerState
) -> None:
    # golden 08 seq 33, 34: DELETED for each object, then the stream ends
    from .test_crd import CRD, FOOS, foo

    state.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "golden-crd"}})
    call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", body=CRD)
    call("POST", FOOS, body=foo("alpha"))
    opened = watch(FOOS, query={"watch": "1", "resourceVersion": str(state.revision)})
    call(
        "DELETE",
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/foos.samplecontroller.example.com",
    )
    assert summary(events(opened)) == [("DELETED", "alpha")]
    assert opened.watch.closed


def test_watch_send_initial_events_false_without_rv_starts_now(ns: Call, watch: Watch) -> None:
    # golden 05c seq 17: sendInitialEvents=false + NotOlderThan, no RV → no initial events
    opened = watch(
        NS,
        query={"watch": "1", "sendInitialEvents": "false", "resourceVersionMatch": "NotOlderThan"},
    )
    assert events(opened) == []
    ns("POST", NS, body=configmap("later"))
    assert summary(events(opened)) == [("ADDED", "later")]


def test_watch_named_object_with_watch_param(ns: Call, watch: Watch, state: ApiServerState) -> None:
    # a named GET with watch=true watches that object only
    opened = watch(f"{NS}/cm-a", query={"watch": "true", "resourceVersion": str(state.revision)})
    ns("POST", NS, body=configmap("other"))
    ns("PATCH", f"{NS}/cm-a", body={"data": {"v": "5"}}, content_type=MERGE)
    assert summary(events(opened)) == [("MODIFIED", "cm-a")]


def test_dry_run_patch_is_not_stored(ns: Call, state: ApiServerState) -> None:
    revision = state.revision
    dry = ns("PATCH", f"{NS}/cm-a?dryRun=All", body={"data": {"v": "dry"}}, content_type=MERGE)
    assert dry.body["data"] == {"v": "dry"}
    assert state.revision == revision
    assert ns("GET", f"{NS}/cm-a").body["data"] == {"v": "1"}


def test_watch_lines_stay_ordered_under_concurrent_writers(
    state: ApiServerState, watch: Watch
) -> None:
    # _protocol invariants: complete lines, revision order, drain never blocks — with writers
    # on two threads and a reader draining on a third (the engine's one lock)
    import threading

    import orjson

    opened = watch(
        "/api/v1/configmaps", query={"watch": "1", "resourceVersion": str(state.revision)}
    )
    received: list[bytes] = []
    done = threading.Event()

    def reader() -> None:
        while not done.is_set():
            received.extend(opened.watch.drain())
        received.extend(opened.watch.drain())

    def writer(prefix: str) -> None:
        for i in range(150):
            state.create(configmap(f"{prefix}-{i}", "default"))

    drainer = threading.Thread(target=reader)
    drainer.start()
    writers = [threading.Thread(target=writer, args=(p,)) for p in ("a", "b")]
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join()
    done.set()
    drainer.join()
    revisions = [
        int(orjson.loads(line)["object"]["metadata"]["resourceVersion"]) for line in received
    ]
    assert len(revisions) == 300
    assert revisions == sorted(revisions)
    assert len(set(revisions)) == 300
