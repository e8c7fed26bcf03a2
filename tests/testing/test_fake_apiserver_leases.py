"""Scenario suite, golden 09: a coordination.k8s.io/v1 Lease as leader election uses it."""

from __future__ import annotations

from typing import Any

import pytest

from ._fake_apiserver_golden import (
    Target,
    api_fixture,
    assert_like_golden,
    golden,
    replay,
)

_ = api_fixture


def _lease_path(ns: str) -> str:
    return f"/apis/coordination.k8s.io/v1/namespaces/{ns}/leases/my-controller"


def _created(api: Target, ns: str) -> dict[str, Any]:
    answer = replay(api, "09", 4, ns, check=False)
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    assert body["spec"] == golden("09", 4).body["spec"]
    return body


def test_lease_leader_election_flow_golden_09_seq_3_to_10(api: Target) -> None:
    ns = api.namespace("kf-lease")
    replay(api, "09", 3, ns)  # 404 leases.coordination.k8s.io "my-controller" not found
    lease = _created(api, ns)
    replay(api, "09", 5, ns)  # rival create: 409 AlreadyExists
    renewed = dict(lease, spec={**lease["spec"], "renewTime": "2026-11-26T23:39:55.779706Z"})
    first = api.client.put(_lease_path(ns), json=renewed)
    assert first.status_code == 200
    stale = dict(lease, spec={**lease["spec"], "holderIdentity": "candidate-b_2222"})
    conflict = api.client.put(_lease_path(ns), json=stale)
    assert_like_golden(conflict, golden("09", 8))
    current = api.client.get(_lease_path(ns)).json()
    takeover = dict(current, spec={**current["spec"], "holderIdentity": "candidate-b_2222",
                                   "leaseTransitions": 1})  # fmt: skip
    taken = api.client.put(_lease_path(ns), json=takeover)
    assert taken.status_code == 200
    assert taken.json()["spec"]["holderIdentity"] == "candidate-b_2222"


def test_lease_microtime_six_digits_with_offset_is_stored_as_utc_golden_09_seq_14_15(
    api: Target,
) -> None:
    ns = api.namespace("kf-lease")
    _created(api, ns)
    for seq in (14, 15):
        answer = replay(api, "09", seq, ns, check=False)
        assert answer.status_code == 200, answer.text
        assert answer.json()["spec"]["renewTime"] == golden("09", seq).body["spec"]["renewTime"]


@pytest.mark.parametrize("seq", [18, 19])
def test_lease_duration_must_be_positive_golden_09(api: Target, seq: int) -> None:
    ns = api.namespace("kf-lease")
    _created(api, ns)
    replay(api, "09", seq, ns)


@pytest.mark.parametrize("seq", [11, 12, 13])
def test_lease_microtime_needs_six_digits_in_a_patch_golden_09(api: Target, seq: int) -> None:
    ns = api.namespace("kf-lease")
    _created(api, ns)
    answer = replay(api, "09", seq, ns, check=False)
    recorded = golden("09", seq)
    assert answer.status_code == recorded.status == 422
    body = answer.json()
    assert body["reason"] == "Invalid"
    assert body["message"].startswith(' "" is invalid: patch: Invalid value: "{')


def test_lease_microtime_needs_six_digits_in_a_put_golden_09_seq_16(api: Target) -> None:
    ns = api.namespace("kf-lease")
    lease = _created(api, ns)
    body = dict(lease, spec={**lease["spec"], "renewTime": "2030-01-02T03:04:05.123Z"})
    assert_like_golden(api.client.put(_lease_path(ns), json=body), golden("09", 16))
