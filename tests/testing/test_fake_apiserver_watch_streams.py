"""Scenario suite, golden 05b (bookmarks), 05c (sendInitialEvents and the initial-events-end
bookmark) and 05d (label-selector transitions on a watch)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest

from kinformer.testing import FakeApiServer

from ._fake_apiserver_golden import (
    Target,
    api_fixture,
    golden,
    replay,
    without_root_ca,
)

_ = api_fixture

INITIAL_EVENTS_END = {"k8s.io/initial-events-end": "true"}


def _streaming_list(**extra: str) -> dict[str, str]:
    return {"watch": "1", "sendInitialEvents": "true", "resourceVersionMatch": "NotOlderThan",
            **extra}  # fmt: skip


def _seed_items(api: Target, ns: str) -> None:
    """Golden 05c seq 3-5: item-0 (pick=yes), item-1 (pick=no), item-2 (pick=yes)."""
    for seq in (3, 4, 5):
        assert replay(api, "05c", seq, ns, check=False).status_code == 201


def _names(events: list[dict[str, Any]]) -> list[tuple[str, str | None]]:
    return [(e["type"], e["object"]["metadata"].get("name")) for e in without_root_ca(events)]


@pytest.mark.slow
def test_watch_initial_events_then_end_bookmark_then_live_golden_05c_seq_6(api: Target) -> None:
    ns = api.namespace("kf-wl")
    _seed_items(api, ns)
    path = f"/api/v1/namespaces/{ns}/configmaps"
    with api.watch(path, **_streaming_list(allowWatchBookmarks="true")) as w:
        events = w.wait_for(lambda evs: any(e["type"] == "BOOKMARK" for e in evs))
        api.configmap(ns, "live-1")
        events = w.wait_for(lambda evs: any(e["type"] == "ADDED" and
                                            e["object"]["metadata"]["name"] == "live-1"
                                            for e in evs))  # fmt: skip
    assert _names(events)[:5] == [
        ("ADDED", "item-0"), ("ADDED", "item-1"), ("ADDED", "item-2"),
        ("BOOKMARK", None), ("ADDED", "live-1"),
    ]  # fmt: skip
    end = next(e for e in events if e["type"] == "BOOKMARK")
    recorded_end = golden("05c", 6).events[4]
    assert end["object"]["kind"] == recorded_end["object"]["kind"] == "ConfigMap"
    assert end["object"]["apiVersion"] == "v1"
    assert sorted(end["object"]["metadata"]) == ["annotations", "resourceVersion"]
    assert end["object"]["metadata"]["annotations"] == INITIAL_EVENTS_END
    newest = max(int(e["object"]["metadata"]["resourceVersion"]) for e in events[:3])
    assert int(end["object"]["metadata"]["resourceVersion"]) >= newest


@pytest.mark.parametrize("extra", [{"resourceVersion": "0"}, {"labelSelector": "pick=yes"}])
def test_watch_initial_events_variants_golden_05c_seq_8_11(
    api: Target, extra: dict[str, str]
) -> None:
    ns = api.namespace("kf-wl")
    _seed_items(api, ns)
    path = f"/api/v1/namespaces/{ns}/configmaps"
    with api.watch(path, **_streaming_list(allowWatchBookmarks="true", **extra)) as w:
        events = w.wait_for(lambda evs: any(e["type"] == "BOOKMARK" for e in evs))
    expected = ["item-0", "item-2"] if "labelSelector" in extra else ["item-0", "item-1", "item-2"]
    assert _names(events) == [*(("ADDED", n) for n in expected), ("BOOKMARK", None)]
    assert golden("05c", 11).event_types == ["ADDED", "ADDED", "BOOKMARK"]


def test_watch_initial_events_from_an_explicit_revision_golden_05c_seq_10(api: Target) -> None:
    ns = api.namespace("kf-wl")
    _seed_items(api, ns)
    path = f"/api/v1/namespaces/{ns}/configmaps"
    rv = api.list_rv(path)
    with api.watch(path, **_streaming_list(allowWatchBookmarks="true", resourceVersion=rv)) as w:
        events = w.wait_for(lambda evs: any(e["type"] == "BOOKMARK" for e in evs))
    assert [t for t, _ in _names(events)] == ["ADDED"] * 3 + ["BOOKMARK"]
    assert events[-1]["object"]["metadata"]["annotations"] == INITIAL_EVENTS_END


def test_watch_initial_events_without_bookmarks_have_no_end_marker_golden_05c_seq_12(
    api: Target,
) -> None:
    ns = api.namespace("kf-wl")
    _seed_items(api, ns)
    path = f"/api/v1/namespaces/{ns}/configmaps"
    with api.watch(path, **_streaming_list()) as w:
        w.wait_for(lambda evs: len(without_root_ca(evs)) >= 3)
        api.configmap(ns, "after")
        events = w.wait_for(lambda evs: len(without_root_ca(evs)) >= 4)
    assert [t for t, _ in _names(events)] == ["ADDED"] * 4
    assert "BOOKMARK" not in golden("05c", 12).event_types


@pytest.mark.parametrize("seq", [13, 14, 15])
def test_watch_initial_events_option_errors_golden_05c(api: Target, seq: int) -> None:
    replay(api, "05c", seq, api.namespace("kf-wl"))


def test_watch_send_initial_events_false_is_a_plain_watch_golden_05c_seq_16(api: Target) -> None:
    ns = api.namespace("kf-wl")
    _seed_items(api, ns)
    path = f"/api/v1/namespaces/{ns}/configmaps"
    rv = api.list_rv(path)
    params = {"watch": "1", "sendInitialEvents": "false", "resourceVersionMatch": "NotOlderThan",
              "resourceVersion": rv}  # fmt: skip
    with api.watch(path, **params) as w:
        assert w.status == 200
        api.configmap(ns, "after")
        events = w.wait_count(1)
    assert _names(events) == [("ADDED", "after")]
    assert golden("05c", 16).events == []


def _selector_story(api: Target, ns: str) -> None:
    """Golden 05d seq 8-15."""
    for seq in range(8, 16):
        answer = replay(api, "05d", seq, ns, check=False)
        assert answer.is_success, answer.text


def _transitions(events: list[dict[str, Any]]) -> list[tuple[str, str, Any, Any]]:
    return [
        (e["type"], e["object"]["metadata"]["name"], e["object"]["metadata"].get("labels"),
         e["object"].get("data"))
        for e in without_root_ca(events)
    ]  # fmt: skip


def _watch_story(api: Target, **params: str) -> tuple[list[Any], list[Any]]:
    """Run golden 05d's writes under a label-selector watch and an unfiltered one."""
    ns = api.namespace("kf-sel")
    for seq in (3, 4):
        replay(api, "05d", seq, ns, check=False)
    path = f"/api/v1/namespaces/{ns}/configmaps"
    rv = api.list_rv(path)
    with (
        api.watch(path, watch="1", resourceVersion=rv, labelSelector="color=blue") as selected,
        api.watch(path, watch="1", resourceVersion=rv) as everything,
    ):
        _selector_story(api, ns)
        got_selected = selected.wait_count(len(golden("05d", 6).events))
        got_all = everything.wait_count(len(golden("05d", 7).events))
        time.sleep(0.05)
        assert len(selected.events) == len(got_selected)
    return got_selected, got_all


@pytest.mark.slow
def test_watch_selector_transitions_golden_05d_seq_6(api: Target) -> None:
    """Leaving: DELETED with the previous state; re-entering: ADDED; outside: nothing."""
    got_selected, got_all = _watch_story(api)
    assert _transitions(got_selected) == _transitions(golden("05d", 6).events)
    # A DELETED for an object leaving the selector carries its previous state, stamped
    # with the resourceVersion of the change (golden 05d seq 6, first event).
    leave = got_selected[0]
    change = next(e for e in got_all if e["type"] == "MODIFIED")
    assert (
        leave["object"]["metadata"]["resourceVersion"]
        == (change["object"]["metadata"]["resourceVersion"])
    )


@pytest.mark.slow
def test_watch_unfiltered_sees_every_write_golden_05d_seq_7(api: Target) -> None:
    _, got_all = _watch_story(api)
    assert _transitions(got_all) == _transitions(golden("05d", 7).events)


# ----------------------------------------------------------------------- bookmarks (05b)


@pytest.fixture
def quick_bookmarks() -> Iterator[tuple[FakeApiServer, httpx.Client]]:
    with FakeApiServer(bookmark_interval=0.3) as server:
        client = httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {server.token}"}, timeout=10
        )
        with client:
            yield server, client


def _read_events(client: httpx.Client, path: str, **params: str) -> tuple[list[Any], list[float]]:
    events: list[Any] = []
    times: list[float] = []
    started = time.monotonic()
    with client.stream("GET", path, params=params) as response:
        assert response.status_code == 200
        for line in response.iter_lines():
            if line:
                events.append(orjson.loads(line))
                times.append(time.monotonic() - started)
    return events, times


@pytest.mark.slow
def test_watch_bookmarks_periodic_and_before_timeout_golden_05b_seq_5(
    quick_bookmarks: tuple[FakeApiServer, httpx.Client],
) -> None:
    server, client = quick_bookmarks
    server.create({"apiVersion": "v1", "kind": "ConfigMap",
                   "metadata": {"name": "quiet", "namespace": "default"}})  # fmt: skip
    rv = str(server.revision)
    events, times = _read_events(
        client, "/api/v1/namespaces/default/configmaps",
        watch="1", resourceVersion=rv, allowWatchBookmarks="true", timeoutSeconds="1",
    )  # fmt: skip
    assert events
    assert {e["type"] for e in events} == {"BOOKMARK"}
    shape = golden("05b", 5).events[1]["object"]
    for event in events:
        assert sorted(event["object"]) == sorted(shape) == ["apiVersion", "kind", "metadata"]
        assert event["object"]["kind"] == "ConfigMap"
        assert sorted(event["object"]["metadata"]) == ["resourceVersion"]
        assert int(event["object"]["metadata"]["resourceVersion"]) >= int(rv)
    assert len(events) >= 3  # every 0.3 s in a 1 s watch, plus one before the end
    assert times[-1] < 1.2


@pytest.mark.slow
def test_watch_no_bookmarks_without_allow_watch_bookmarks_golden_05b_seq_7(
    quick_bookmarks: tuple[FakeApiServer, httpx.Client],
) -> None:
    server, client = quick_bookmarks
    events, _ = _read_events(
        client, "/api/v1/namespaces/default/configmaps",
        watch="1", resourceVersion=str(server.revision), timeoutSeconds="1",
    )  # fmt: skip
    assert events == []
    assert "BOOKMARK" not in golden("05b", 7).event_types
