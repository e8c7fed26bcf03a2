"""Scenario suite, golden 06a/06b: too-old resourceVersions after compaction, the exact 410
texts for lists, continue tokens and watches. Compaction is a fault knob: fake server only."""

from __future__ import annotations

import base64
import re
from typing import Any

import orjson

from ._fake_apiserver_golden import (
    Target,
    api_fixture,
    assert_like_golden,
    golden,
    names,
)

_ = api_fixture


def _compacted(api: Target) -> tuple[str, str, str]:
    """Golden 06a seq 3-14: five ConfigMaps, a list RV and a first page's continue token,
    then one update each and a compaction that makes both too old."""
    server = api.fake()
    ns = api.namespace("kf-old")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    for i in range(5):
        api.configmap(ns, f"cm-{i}", {"v": "0"})
    old_rv = api.list_rv(path)
    token = api.client.get(path, params={"limit": "2"}).json()["metadata"]["continue"]
    for i in range(5):
        assert api.merge_patch(f"{path}/cm-{i}", {"data": {"v": "1"}}).is_success
    server.compact()
    return ns, old_rv, token


def _decode(token: str) -> Any:
    return orjson.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))


def test_expired_exact_list_is_410_golden_06a_seq_15(api: Target) -> None:
    ns, old_rv, _ = _compacted(api)
    answer = api.client.get(
        f"/api/v1/namespaces/{ns}/configmaps",
        params={"resourceVersion": old_rv, "resourceVersionMatch": "Exact"},
    )
    assert_like_golden(answer, golden("06a", 15))
    assert_like_golden(answer, golden("06b", 15))


def test_expired_list_with_limit_uses_exact_semantics_golden_06a_seq_21(api: Target) -> None:
    ns, old_rv, _ = _compacted(api)
    answer = api.client.get(
        f"/api/v1/namespaces/{ns}/configmaps", params={"resourceVersion": old_rv, "limit": "2"}
    )
    assert_like_golden(answer, golden("06a", 21))


def test_expired_not_older_than_and_no_match_still_answer_golden_06a_seq_19_20(
    api: Target,
) -> None:
    ns, old_rv, _ = _compacted(api)
    path = f"/api/v1/namespaces/{ns}/configmaps"
    for params in ({"resourceVersionMatch": "NotOlderThan"}, {}):
        answer = api.client.get(path, params={"resourceVersion": old_rv, **params})
        assert answer.status_code == 200
        assert names(answer.json()) == [f"cm-{i}" for i in range(5)]


def test_expired_continue_token_offers_an_inconsistent_one_golden_06a_seq_16_to_18(
    api: Target,
) -> None:
    ns, _, token = _compacted(api)
    path = f"/api/v1/namespaces/{ns}/configmaps"
    answer = api.client.get(path, params={"limit": "2", "continue": token})
    assert_like_golden(answer, golden("06a", 16))
    fresh = answer.json()["metadata"]["continue"]
    recorded = _decode(golden("06a", 16).body["metadata"]["continue"])
    assert sorted(_decode(fresh)) == sorted(recorded) == ["rv", "start", "v"]
    assert _decode(fresh)["rv"] == recorded["rv"] == -1
    assert _decode(fresh)["v"] == recorded["v"]
    # The fresh token starts after the same key as the expired one (golden: "cm-1\x00").
    assert _decode(fresh)["start"].lstrip("/") == _decode(token)["start"].lstrip("/")
    pages: list[str] = []
    while fresh:
        page = api.client.get(path, params={"limit": "2", "continue": fresh})
        assert page.status_code == 200, page.text
        pages.extend(names(page.json()))
        fresh = page.json()["metadata"].get("continue", "")
    assert pages == ["cm-2", "cm-3", "cm-4"]


def test_expired_watch_is_one_error_event_then_close_golden_06a_seq_124_125(
    api: Target,
) -> None:
    ns, old_rv, _ = _compacted(api)
    path = f"/api/v1/namespaces/{ns}/configmaps"
    for extra in ({}, {"allowWatchBookmarks": "true"}):
        with api.watch(path, watch="1", resourceVersion=old_rv, **extra) as w:
            assert w.status == 200
            events = w.wait_end(5)
        assert w.error is None
        assert [e["type"] for e in events] == golden("06a", 124).event_types == ["ERROR"]
        status = events[0]["object"]
        recorded = golden("06a", 124).events[0]["object"]
        assert sorted(status) == sorted(recorded)
        for key in ("kind", "apiVersion", "status", "reason", "code"):
            assert status[key] == recorded[key]
        match = re.fullmatch(r"too old resource version: (\d+) \((\d+)\)", status["message"])
        assert match is not None, status["message"]
        assert match.group(1) == old_rv
        assert int(match.group(2)) > int(old_rv)


def test_expired_watch_from_the_window_start_replays_golden_06a_seq_22(api: Target) -> None:
    """A watch from the first revision still in the window replays what followed."""
    server = api.fake()
    ns = api.namespace("kf-old")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    api.configmap(ns, "cm-0", {"v": "0"})
    server.compact()
    window_start = str(server.revision)
    api.merge_patch(f"{path}/cm-0", {"data": {"v": "1"}})
    with api.watch(path, watch="1", resourceVersion=window_start) as w:
        events = w.wait_count(1)
    assert [(e["type"], e["object"]["data"]) for e in events] == [("MODIFIED", {"v": "1"})]
