"""Scenario suite, golden 11: authentication, authorization and request errors
(401, 403, 404, 405, 406, 400, 415, 422, 500)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from ._fake_apiserver_golden import (
    Target,
    api_fixture,
    assert_like_golden,
    golden,
    replay,
)

_ = api_fixture

NS = "golden-errors"
OTHER = "golden-errors-other"


@pytest.fixture
def anonymous(api: Target) -> Iterator[httpx.Client]:
    with api.new_client() as client:
        yield client


def test_errors_anonymous_reads_only_version_and_health_golden_11_seq_5_to_10(
    api: Target, anonymous: httpx.Client
) -> None:
    ns = api.namespace("kf-err")
    for seq in range(5, 11):
        replay(api, "11", seq, ns, client=anonymous)


def test_errors_unknown_token_is_401_everywhere_golden_11_seq_11_12(api: Target) -> None:
    ns = api.namespace("kf-err")
    with api.new_client(headers={"Authorization": "Bearer not-a-known-token"}) as stranger:
        for seq in (11, 12):
            replay(api, "11", seq, ns, client=stranger)


def test_errors_namespace_limited_token_gets_rbac_texts_golden_11_seq_15_to_25(
    api: Target,
) -> None:
    server = api.fake()
    ns, other = api.namespace("kf-err"), api.namespace("kf-err-other")
    user = f"system:serviceaccount:{ns}:reader"
    subs = {OTHER: other, NS: ns}
    server.add_token("reader-token", user=user, namespaces=[ns], verbs=["get", "list", "watch"])
    with api.new_client(headers={"Authorization": "Bearer reader-token"}) as reader:
        for seq in (15, 23, 24, 25):
            replay(api, "11", seq, client=reader, substitutions=subs)
        assert reader.get(f"/api/v1/namespaces/{ns}/configmaps").status_code == 200
        with reader.stream(
            "GET",
            f"/api/v1/namespaces/{ns}/configmaps",
            params={"watch": "1", "timeoutSeconds": "1"},
        ) as watch:
            assert watch.status_code == 200


@pytest.mark.parametrize("seq", [30, 31, 32, 33, 34, 35, 36, 37])
def test_errors_three_shapes_of_404_golden_11(api: Target, seq: int) -> None:
    replay(api, "11", seq, api.namespace("kf-err"))


def test_errors_create_in_a_missing_namespace_golden_11_seq_39(api: Target) -> None:
    replay(api, "11", 39)  # the recorded namespace does not exist here either


@pytest.mark.parametrize("seq", [38, 40, 41, 42, 43, 44])
def test_errors_method_not_allowed_golden_11(api: Target, seq: int) -> None:
    replay(api, "11", seq, api.namespace("kf-err"))


@pytest.mark.parametrize("seq", [45, 46])
def test_errors_not_acceptable_golden_11(api: Target, seq: int) -> None:
    replay(api, "11", seq, api.namespace("kf-err"))


@pytest.mark.parametrize("seq", [47, 48, 49, 51, 52, 53])
def test_errors_undecodable_bodies_are_400_golden_11(api: Target, seq: int) -> None:
    replay(api, "11", seq, api.namespace("kf-err"))


@pytest.mark.parametrize("seq", [50, 55])
def test_errors_lenient_bodies_are_created_golden_11(api: Target, seq: int) -> None:
    """Seq 50: no apiVersion/kind; seq 55: a YAML body."""
    answer = replay(api, "11", seq, api.namespace("kf-err"))
    assert answer.json()["kind"] == "ConfigMap"
    assert answer.json()["data"] == golden("11", seq).body["data"]


def test_errors_text_plain_body_is_415_golden_11_seq_54(api: Target) -> None:
    replay(api, "11", 54, api.namespace("kf-err"))


@pytest.mark.parametrize("seq", [56, 57, 58, 59, 60])
def test_errors_invalid_objects_are_422_golden_11(api: Target, seq: int) -> None:
    replay(api, "11", seq, api.namespace("kf-err"))


def test_errors_immutable_configmap_golden_11_seq_61_to_64(api: Target) -> None:
    ns = api.namespace("kf-err")
    assert replay(api, "11", 61, ns, check=False).status_code == 201
    for seq in (62, 63, 64):
        replay(api, "11", seq, ns)


def test_errors_rename_uid_change_and_bad_resource_version_golden_11_seq_65_to_67(
    api: Target,
) -> None:
    ns = api.namespace("kf-err")
    replay(api, "11", 61, ns, check=False)
    api.configmap(ns, "named")
    rename = api.merge_patch(f"/api/v1/namespaces/{ns}/configmaps/named",
                             {"metadata": {"name": "renamed"}})  # fmt: skip
    assert_like_golden(rename, golden("11", 65), substitutions={"kube-root-ca.crt": "named"})
    uid = api.merge_patch(f"/api/v1/namespaces/{ns}/configmaps/named",
                          {"metadata": {"uid": "00000000-0000-0000-0000-000000000001"}})  # fmt: skip
    assert_like_golden(uid, golden("11", 66), substitutions={"kube-root-ca.crt": "named"})
    replay(api, "11", 67, ns)
