"""Scenario suite, golden 10: metadata-only answers (PartialObjectMetadata[List]) for lists,
gets and watches, negotiated with the Accept header."""

from __future__ import annotations

import pytest

from ._fake_apiserver_golden import (
    Target,
    api_fixture,
    golden,
    replay,
    without_root_ca,
)

_ = api_fixture

AS_ITEM = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1"
AS_LIST = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"


def _seeded(api: Target) -> str:
    ns = api.namespace("kf-meta")
    for seq in (3, 4, 5):
        assert replay(api, "10", seq, ns, check=False).status_code == 201
    return ns


def test_metadata_list_and_get_golden_10_seq_6_to_8(api: Target) -> None:
    ns = _seeded(api)
    listing = replay(api, "10", 6, ns)
    body = listing.json()
    assert listing.headers["content-type"] == "application/json"
    assert (body["kind"], body["apiVersion"]) == ("PartialObjectMetadataList", "meta.k8s.io/v1")
    items = [i for i in body["items"] if i["metadata"]["name"] != "kube-root-ca.crt"]
    assert [i["metadata"]["name"] for i in items] == ["m-0", "m-1", "m-2"]
    for item in items:
        assert sorted(item) == ["apiVersion", "kind", "metadata"]
        assert (item["kind"], item["apiVersion"]) == ("PartialObjectMetadata", "meta.k8s.io/v1")
    assert items[2]["metadata"]["labels"] == {"n": "2"}
    one = replay(api, "10", 8, ns)
    assert sorted(one.json()) == ["apiVersion", "kind", "metadata"]
    assert one.json()["kind"] == "PartialObjectMetadata"


@pytest.mark.parametrize("seq", [10, 11, 12, 13, 14])
def test_metadata_negotiation_golden_10(api: Target, seq: int) -> None:
    """Seq 10-11: singular/list mismatch → 406; 12: v1beta1 works; 13: v2 → 406;
    14: unknown version with a JSON fallback → the full objects."""
    ns = _seeded(api)
    answer = replay(api, "10", seq, ns)
    if answer.status_code == 200:
        assert answer.json()["kind"] == golden("10", seq).body["kind"]


def test_metadata_watch_golden_10_seq_15_to_18(api: Target) -> None:
    ns = _seeded(api)
    path = f"/api/v1/namespaces/{ns}/configmaps"
    rv = api.list_rv(path)
    with api.watch(path, headers={"Accept": AS_ITEM}, watch="1", resourceVersion=rv) as w:
        for seq in (16, 17, 18):
            assert replay(api, "10", seq, ns, check=False).is_success
        events = w.wait_count(3)
    recorded = golden("10", 15).events[:3]
    assert [e["type"] for e in events] == [e["type"] for e in recorded]
    for event in events:
        assert sorted(event["object"]) == ["apiVersion", "kind", "metadata"]
        assert event["object"]["kind"] == "PartialObjectMetadata"


def test_metadata_streaming_list_golden_10_seq_19(api: Target) -> None:
    ns = _seeded(api)
    path = f"/api/v1/namespaces/{ns}/configmaps"
    params = {"watch": "1", "sendInitialEvents": "true", "resourceVersionMatch": "NotOlderThan",
              "allowWatchBookmarks": "true"}  # fmt: skip
    with api.watch(path, headers={"Accept": AS_ITEM}, **params) as w:
        events = w.wait_for(lambda evs: any(e["type"] == "BOOKMARK" for e in evs))
    events = without_root_ca(events)
    assert [e["type"] for e in events] == ["ADDED", "ADDED", "ADDED", "BOOKMARK"]
    for event in events:
        assert event["object"]["kind"] == "PartialObjectMetadata"
    assert events[-1]["object"]["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}


def test_metadata_watch_with_list_form_ends_at_once_golden_10_seq_20(api: Target) -> None:
    ns = _seeded(api)
    path = f"/api/v1/namespaces/{ns}/configmaps"
    rv = api.list_rv(path)
    with api.watch(path, headers={"Accept": AS_LIST}, watch="1", resourceVersion=rv) as w:
        assert w.status == 200
        assert w.wait_end(5) == []
    assert w.error is None
    assert golden("10", 20).events == []
