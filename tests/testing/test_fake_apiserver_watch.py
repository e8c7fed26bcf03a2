"""Scenario suite, golden 05a: watch events, initial events for RV 0 / unset, replay, endings."""

from __future__ import annotations

import time
from typing import Any

import pytest

from ._fake_apiserver_golden import (
    Target,
    api_fixture,
    assert_like_golden,
    golden,
    replay,
    without_root_ca,
)

_ = api_fixture


def _summary(events: list[dict[str, Any]]) -> list[tuple[str, str, Any]]:
    return [
        (event["type"], event["object"]["metadata"]["name"], event["object"].get("data"))
        for event in without_root_ca(events)
    ]


def _cm_b_lifecycle(api: Target, ns: str) -> None:
    """Golden 05a seq 6-10: create, update, no-op update, merge patch, delete of cm-b."""
    path = f"/api/v1/namespaces/{ns}/configmaps/cm-b"
    created = api.configmap(ns, "cm-b", {"v": "1"})
    updated = api.client.put(path, json=dict(created, data={"v": "2"})).json()
    assert api.client.put(path, json=updated).status_code == 200  # no-op: no event
    assert api.merge_patch(path, {"metadata": {"labels": {"patched": "yes"}}}).is_success
    assert api.client.delete(path).status_code == 200


EXPECTED_LIFECYCLE = [
    ("ADDED", "cm-b", {"v": "1"}),
    ("MODIFIED", "cm-b", {"v": "2"}),
    ("MODIFIED", "cm-b", {"v": "2"}),
    ("DELETED", "cm-b", {"v": "2"}),
]


def test_watch_events_from_a_list_revision_golden_05a_seq_5(api: Target) -> None:
    ns = api.namespace("kf-watch")
    api.configmap(ns, "cm-a", {"v": "1"})
    rv = api.list_rv(f"/api/v1/namespaces/{ns}/configmaps")
    with api.watch(f"/api/v1/namespaces/{ns}/configmaps", watch="1", resourceVersion=rv) as w:
        assert w.status == 200
        assert w.headers is not None
        assert w.headers["content-type"] == "application/json"
        assert w.headers["transfer-encoding"] == "chunked"
        _cm_b_lifecycle(api, ns)
        events = w.wait_count(4)
    assert _summary(events) == EXPECTED_LIFECYCLE == _summary(golden("05a", 5).events)
    rvs = [int(event["object"]["metadata"]["resourceVersion"]) for event in events]
    assert rvs == sorted(set(rvs))
    assert rvs[0] > int(rv)
    for event in events:
        assert event["object"]["kind"] == "ConfigMap"
        assert event["object"]["apiVersion"] == "v1"
    assert events[-1]["object"]["metadata"]["labels"] == {"patched": "yes"}  # last state


@pytest.mark.parametrize("params", [{"resourceVersion": "0"}, {}], ids=["rv-0", "rv-unset"])
def test_watch_rv_0_or_unset_sends_synthetic_added_golden_05a_seq_11_12(
    api: Target, params: dict[str, str]
) -> None:
    ns = api.namespace("kf-watch")
    for name in ("cm-c", "cm-a", "cm-b"):
        api.configmap(ns, name, {"v": name})
    with api.watch(f"/api/v1/namespaces/{ns}/configmaps", watch="1", **params) as w:
        events = w.wait_for(lambda evs: len(without_root_ca(evs)) >= 3)
        assert [(t, n) for t, n, _ in _summary(events)] == [
            ("ADDED", "cm-a"),
            ("ADDED", "cm-b"),
            ("ADDED", "cm-c"),
        ]  # fmt: skip  (key order)
        api.configmap(ns, "cm-d")
        after = w.wait_for(lambda evs: len(without_root_ca(evs)) >= 4)
    assert _summary(after)[-1][:2] == ("ADDED", "cm-d")
    assert golden("05a", 11).event_types == ["ADDED", "ADDED"]


def test_watch_rewatch_from_old_revision_replays_history_golden_05a_seq_13(api: Target) -> None:
    ns = api.namespace("kf-watch")
    api.configmap(ns, "cm-a", {"v": "1"})
    rv = api.list_rv(f"/api/v1/namespaces/{ns}/configmaps")
    _cm_b_lifecycle(api, ns)
    with api.watch(f"/api/v1/namespaces/{ns}/configmaps", watch="1", resourceVersion=rv) as w:
        events = w.wait_count(4)
    assert _summary(events) == _summary(golden("05a", 13).events)


@pytest.mark.slow
def test_watch_single_object_all_namespaces_and_legacy_paths_golden_05a_seq_14_18_19_20(
    api: Target,
) -> None:
    ns = api.namespace("kf-watch")
    api.configmap(ns, "cm-a", {"v": "1"})
    api.configmap(ns, "cm-c", {"v": "1"})
    rv = api.list_rv(f"/api/v1/namespaces/{ns}/configmaps")
    watches = [
        api.watch(f"/api/v1/namespaces/{ns}/configmaps", watch="1", resourceVersion=rv,
                  fieldSelector="metadata.name=cm-a"),
        api.watch("/api/v1/configmaps", watch="1", resourceVersion=rv),
        api.watch(f"/api/v1/watch/namespaces/{ns}/configmaps", resourceVersion=rv),
        api.watch(f"/api/v1/namespaces/{ns}/configmaps", watch="true", resourceVersion=rv),
    ]  # fmt: skip
    try:
        api.merge_patch(f"/api/v1/namespaces/{ns}/configmaps/cm-a", {"data": {"v": "2"}})
        for w in watches:
            events = w.wait_count(1)
            assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [
                ("MODIFIED", "cm-a")
            ]
    finally:
        for w in watches:
            w.close()
    assert golden("05a", 14).event_types == ["MODIFIED"]


def test_watch_false_is_a_plain_list_golden_05a_seq_22(api: Target) -> None:
    ns = api.namespace("kf-watch")
    answer = api.client.get(f"/api/v1/namespaces/{ns}/configmaps", params={"watch": "false"})
    assert answer.status_code == 200
    assert answer.json()["kind"] == golden("05a", 22).body["kind"]


@pytest.mark.parametrize("seq", [24, 25, 26, 27])
def test_watch_invalid_options_are_errors_not_streams(api: Target, seq: int) -> None:
    """Golden 05a seq 24 (RV abc: 500 without reason), 25-26 (422), 27 (bad selector: 400)."""
    replay(api, "05a", seq, api.namespace("kf-watch"))


@pytest.mark.slow
def test_watch_ends_cleanly_at_timeout_without_a_final_event_golden_05a_seq_28_32(
    api: Target,
) -> None:
    ns = api.namespace("kf-watch")
    started = time.monotonic()
    missing = api.watch(
        "/api/v1/namespaces/kf-no-such-namespace/configmaps", watch="1", timeoutSeconds="1"
    )
    rv = api.list_rv(f"/api/v1/namespaces/{ns}/configmaps")
    with api.watch(
        f"/api/v1/namespaces/{ns}/configmaps", watch="1", resourceVersion=rv, timeoutSeconds="1"
    ) as w:
        api.configmap(ns, "cm-c")
        events = w.wait_end(5)
    assert w.error is None
    assert [e["type"] for e in without_root_ca(events)] == ["ADDED"]
    assert missing.wait_end(5) == []
    assert missing.error is None
    assert 0.9 <= time.monotonic() - started < 3
    missing.close()
    assert golden("05a", 28).events == []


def test_watch_future_revision_is_silent_golden_05a_seq_23(api: Target) -> None:
    ns = api.namespace("kf-watch")
    future = str(int(api.list_rv(f"/api/v1/namespaces/{ns}/configmaps")) + 1000)
    with api.watch(f"/api/v1/namespaces/{ns}/configmaps", watch="1", resourceVersion=future) as w:
        assert w.status == 200
        api.configmap(ns, "cm-x")
        time.sleep(0.1)
        assert w.events == []
    assert golden("05a", 23).events == []


def test_watch_client_close_after_first_event_golden_05a_seq_31(api: Target) -> None:
    ns = api.namespace("kf-watch")
    api.configmap(ns, "cm-a", {"v": "2"})
    w = api.watch(f"/api/v1/namespaces/{ns}/configmaps", watch="1", resourceVersion="0")
    w.wait_count(1)
    w.close()
    # The server keeps serving after the client went away.
    assert api.client.get(f"/api/v1/namespaces/{ns}/configmaps").status_code == 200
    server = api.server
    if server is not None:
        deadline = time.monotonic() + 5
        while server.http_stats().watches_open:
            assert time.monotonic() < deadline
            time.sleep(0.01)


@pytest.mark.slow
def test_watch_idle_stream_sends_nothing_golden_05a_seq_30(api: Target) -> None:
    ns = api.namespace("kf-watch")
    rv = api.list_rv(f"/api/v1/namespaces/{ns}/configmaps")
    with api.watch(f"/api/v1/namespaces/{ns}/configmaps", watch="1", resourceVersion=rv) as w:
        time.sleep(0.2)
        assert w.events == []
        assert not w.ended.is_set()
    assert golden("05a", 30).events == []


def test_watch_error_status_matches_golden_05a_seq_24(api: Target) -> None:
    ns = api.namespace("kf-watch")
    answer = api.client.get(
        f"/api/v1/namespaces/{ns}/configmaps", params={"watch": "1", "resourceVersion": "abc"}
    )
    assert_like_golden(answer, golden("05a", 24))
    assert "reason" not in answer.json()
