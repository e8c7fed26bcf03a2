"""Scenario suite, golden 04: list resourceVersion semantics, pagination, selectors."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import orjson
import pytest

from ._fake_apiserver_golden import (
    ROOT_CA,
    Target,
    api_fixture,
    assert_like_golden,
    golden,
    names,
    replay,
)

_ = api_fixture

ALL_25 = [f"cm-{i:02d}" for i in range(25)]


@dataclass(frozen=True)
class Seeded:
    ns: str
    rv_after_10: str
    """The resourceVersion right after the 10th create (golden's 395)."""
    total: int
    """Items in the namespace (25, plus kube-root-ca.crt on a real cluster)."""

    @property
    def path(self) -> str:
        return f"/api/v1/namespaces/{self.ns}/configmaps"


def seed_list25(api: Target) -> Seeded:
    """Golden 04 seq 4-28: the same 25 labelled ConfigMaps."""
    ns = api.namespace("kf-list")
    rv_after_10 = ""
    for seq in range(4, 29):
        answer = replay(api, "04", seq, ns, check=False)
        assert answer.status_code == 201, answer.text
        if seq == 13:
            rv_after_10 = answer.json()["metadata"]["resourceVersion"]
    total = len(api.client.get(f"/api/v1/namespaces/{ns}/configmaps").json()["items"])
    return Seeded(ns, rv_after_10, total)


def _get(api: Target, path: str, **params: str) -> dict[str, Any]:
    answer = api.client.get(path, params=params)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_list_kind_items_and_revision_golden_04_seq_29(api: Target) -> None:
    seeded = seed_list25(api)
    body = _get(api, seeded.path)
    recorded = golden("04", 29).body
    assert body["kind"] == recorded["kind"] == "ConfigMapList"
    assert body["apiVersion"] == "v1"
    assert names(body) == ALL_25
    assert all("kind" not in item and "apiVersion" not in item for item in body["items"])
    newest = max(int(item["metadata"]["resourceVersion"]) for item in body["items"])
    assert int(body["metadata"]["resourceVersion"]) >= newest


def test_list_resource_version_semantics_golden_04_seq_30_to_34(api: Target) -> None:
    seeded = seed_list25(api)
    current = _get(api, seeded.path)["metadata"]["resourceVersion"]
    assert names(_get(api, seeded.path, resourceVersion="0")) == ALL_25
    exact_now = _get(api, seeded.path, resourceVersion=current, resourceVersionMatch="Exact")
    assert names(exact_now) == ALL_25
    past = _get(api, seeded.path, resourceVersion=seeded.rv_after_10, resourceVersionMatch="Exact")
    assert names(past) == ALL_25[:10]
    assert past["metadata"]["resourceVersion"] == seeded.rv_after_10
    not_older = _get(
        api, seeded.path, resourceVersion=seeded.rv_after_10, resourceVersionMatch="NotOlderThan"
    )
    assert names(not_older) == ALL_25
    assert names(_get(api, seeded.path, resourceVersion=seeded.rv_after_10)) == ALL_25


@pytest.mark.parametrize("seq", [35, 36, 37, 38])
def test_list_invalid_resource_version_options_golden_04(api: Target, seq: int) -> None:
    seeded = seed_list25(api) if seq == 37 else None
    ns = seeded.ns if seeded else api.namespace()
    replay(api, "04", seq, ns)


def test_list_future_resource_version_is_504_golden_04_seq_39(api: Target) -> None:
    ns = api.namespace()
    path = f"/api/v1/namespaces/{ns}/configmaps"
    current = int(_get(api, path)["metadata"]["resourceVersion"])
    future = current + 1000
    answer = api.client.get(
        path, params={"resourceVersion": str(future), "resourceVersionMatch": "NotOlderThan"}
    )
    recorded = golden("04", 39)
    got_current = answer.json()["message"].rsplit(" ", 1)[-1] if answer.status_code == 504 else ""
    assert_like_golden(
        answer,
        recorded,
        substitutions={"1410": str(future), "current: 410": f"current: {got_current}"},
    )
    assert answer.headers["retry-after"] == "1"


def test_list_pagination_with_remaining_item_count_golden_04_seq_41_to_43(api: Target) -> None:
    seeded = seed_list25(api)
    first = _get(api, seeded.path, limit="10")
    assert names(first) == ALL_25[:10]
    assert first["metadata"]["remainingItemCount"] == seeded.total - 10
    token = first["metadata"]["continue"]
    decoded = orjson.loads(base64.b64decode(token + "=" * (-len(token) % 4)))
    assert decoded["v"] == "meta.k8s.io/v1"
    assert decoded["start"] == "/cm-09\x00"
    assert decoded["rv"] == int(first["metadata"]["resourceVersion"])
    second = _get(api, seeded.path, limit="10", **{"continue": token})
    assert names(second) == ALL_25[10:20]
    assert second["metadata"]["remainingItemCount"] == seeded.total - 20
    assert second["metadata"]["resourceVersion"] == first["metadata"]["resourceVersion"]
    third = _get(api, seeded.path, limit="10", **{"continue": second["metadata"]["continue"]})
    assert names(third) == ALL_25[20:]
    assert "continue" not in third["metadata"]
    assert "remainingItemCount" not in third["metadata"]


def test_list_pages_are_a_consistent_snapshot(api: Target) -> None:
    """Writes between pages do not show up in later pages (the list's revision is kept)."""
    seeded = seed_list25(api)
    first = _get(api, seeded.path, limit="10")
    api.configmap(seeded.ns, "cm-99", {"late": "yes"})
    api.client.delete(f"{seeded.path}/cm-15")
    rest: list[str] = []
    token = first["metadata"]["continue"]
    while token:
        page = _get(api, seeded.path, limit="10", **{"continue": token})
        rest.extend(names(page))
        token = page["metadata"].get("continue", "")
    assert rest == ALL_25[10:]


def test_list_limit_ignored_with_resource_version_0_golden_04_seq_44(api: Target) -> None:
    seeded = seed_list25(api)
    body = _get(api, seeded.path, limit="10", resourceVersion="0")
    assert names(body) == ALL_25
    assert "continue" not in body["metadata"]


def test_list_limit_with_old_resource_version_pages_the_past_golden_04_seq_45_to_47(
    api: Target,
) -> None:
    seeded = seed_list25(api)
    for options in ({"resourceVersionMatch": "Exact"}, {}):
        first = _get(api, seeded.path, limit="10", resourceVersion=seeded.rv_after_10, **options)
        assert names(first) == ALL_25[:10]
        assert first["metadata"]["resourceVersion"] == seeded.rv_after_10
        assert first["metadata"]["remainingItemCount"] == seeded.total - 25
        rest = _get(api, seeded.path, limit="10", **{"continue": first["metadata"]["continue"]})
        assert names(rest) == []
        assert rest["metadata"]["resourceVersion"] == seeded.rv_after_10


def test_list_continue_option_errors_golden_04_seq_48_to_50(api: Target) -> None:
    seeded = seed_list25(api)
    token = _get(api, seeded.path, limit="10")["metadata"]["continue"]
    with_rv = api.client.get(
        seeded.path, params={"limit": "10", "resourceVersion": "1", "continue": token}
    )
    assert_like_golden(with_rv, golden("04", 48))
    with_rvm = api.client.get(
        seeded.path,
        params={"limit": "10", "resourceVersion": "1", "resourceVersionMatch": "NotOlderThan",
                "continue": token},
    )  # fmt: skip
    assert_like_golden(with_rvm, golden("04", 49))
    replay(api, "04", 50, seeded.ns)


def test_list_forged_token_for_revision_1_is_empty_golden_04_seq_51(api: Target) -> None:
    seeded = seed_list25(api)
    answer = replay(api, "04", 51, seeded.ns, check=False)
    assert answer.status_code == 200
    assert answer.json()["items"] == []
    assert answer.json()["metadata"]["resourceVersion"] == "1"


@pytest.mark.parametrize("limit", ["0", "-1"])
def test_list_zero_or_negative_limit_is_no_limit_golden_04_seq_52_53(
    api: Target, limit: str
) -> None:
    seeded = seed_list25(api)
    body = _get(api, seeded.path, limit=limit)
    assert names(body) == ALL_25
    assert "continue" not in body["metadata"]


LABEL_SEQS = [*range(54, 66), 76]
FIELD_SEQS = [*range(77, 83), 88]


@pytest.mark.parametrize("seq", LABEL_SEQS + FIELD_SEQS)
def test_list_selectors_select_what_golden_selects(api: Target, seq: int) -> None:
    """Golden 04 seq 54-65, 76 (label) and 77-82, 88 (field selectors)."""
    seeded = seed_list25(api)
    answer = replay(api, "04", seq, seeded.ns)
    recorded = golden("04", seq).body
    assert names(answer.json()) == names(recorded)


@pytest.mark.parametrize("seq", [*range(66, 76), 83, 84, 85, 86, 87, 103, 104, 105])
def test_list_invalid_selectors_are_400_with_parser_texts(api: Target, seq: int) -> None:
    """Golden 04 seq 66-75 (labels), 83-87 (ConfigMap fields), 103-105 (Pod fields)."""
    replay(api, "04", seq, api.namespace())


def test_list_pod_field_selectors_golden_04_seq_93_to_102(api: Target) -> None:
    ns = api.namespace("kf-pods")
    for seq in (89, 90, 91):
        assert replay(api, "04", seq, ns, check=False).status_code == 201
    pod = api.client.get(f"/api/v1/namespaces/{ns}/pods/on-node-b").json()
    pod["status"] = {"phase": "Running", "podIP": "10.1.2.3"}
    assert api.client.put(f"/api/v1/namespaces/{ns}/pods/on-node-b/status", json=pod).is_success
    for seq in range(93, 103):
        answer = replay(api, "04", seq, ns)
        assert names(answer.json()) == names(golden("04", seq).body), f"seq {seq}"


@pytest.mark.slow
def test_list_all_namespaces_with_selector_and_limit_golden_04_seq_108_109(api: Target) -> None:
    seeded = seed_list25(api)
    answer = api.client.get(
        "/api/v1/configmaps", params={"labelSelector": "tier=cache,set=list25", "limit": "5"}
    )
    body = answer.json()
    assert [item["metadata"]["name"] for item in body["items"]] == names(golden("04", 108).body)
    assert "continue" in body["metadata"]
    assert "remainingItemCount" not in body["metadata"]
    by_field = api.client.get(
        "/api/v1/configmaps",
        params={"fieldSelector": f"metadata.namespace={seeded.ns}", "limit": "3"},
    ).json()
    assert names(by_field) == ALL_25[:3]
    assert "continue" in by_field["metadata"]
    assert "remainingItemCount" not in by_field["metadata"]


def test_list_missing_namespace_is_empty_but_get_is_404_golden_04_seq_110_111(
    api: Target,
) -> None:
    for seq in (110, 111):
        replay(api, "04", seq)


def test_list_deletecollection_answers_the_deleted_list_golden_04_seq_112(api: Target) -> None:
    ns = api.namespace("kf-pods")
    for seq in (89, 90, 91):
        replay(api, "04", seq, ns, check=False)
    answer = api.client.delete(f"/api/v1/namespaces/{ns}/pods", params={"gracePeriodSeconds": "0"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["kind"] == "PodList"
    assert sorted(item["metadata"]["name"] for item in body["items"]) == [
        "on-node-a", "on-node-b", "unbound",
    ]  # fmt: skip
    remaining = api.client.get(f"/api/v1/namespaces/{ns}/pods").json()["items"]
    assert [p for p in remaining if "deletionTimestamp" not in p["metadata"]] == []
    assert ROOT_CA not in names(body)
