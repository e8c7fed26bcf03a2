"""Scenario suite, golden 08: a CustomResourceDefinition's lifecycle (Foo,
samplecontroller.k8s.io/v1alpha1): served after creation, validated, gone after deletion."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from ._fake_apiserver_golden import (
    Target,
    api_fixture,
    assert_like_golden,
    golden,
    replay,
)

_ = api_fixture

CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
CRD_NAME = "foos.samplecontroller.k8s.io"
GROUP_VERSION = "/apis/samplecontroller.k8s.io/v1alpha1"


def _wait_served(api: Target, ns: str) -> None:
    """Poll the foos list until it answers 200 (golden 08 seq 15-16: 404, then 429, then 200)."""
    deadline = time.monotonic() + 30
    while True:
        answer = api.client.get(f"{GROUP_VERSION}/namespaces/{ns}/foos")
        if answer.status_code == 200:
            return
        assert answer.status_code in (404, 429), answer.text
        if answer.status_code == 429:
            assert_like_golden(answer, golden("08", 15))
        assert time.monotonic() < deadline, "the CRD was never served"
        time.sleep(0.1)


def _wait_gone(api: Target) -> None:
    deadline = time.monotonic() + 60
    while api.client.get(f"{CRDS}/{CRD_NAME}").status_code != 404:
        assert time.monotonic() < deadline, "the CRD was never removed"
        time.sleep(0.1)


@pytest.fixture
def crd_namespace(api: Target) -> Iterator[str]:
    """A namespace, and the Foo CRD (golden 08 seq 8) created, served and finally deleted."""
    ns = api.namespace("kf-crd")
    replay(api, "08", 3, ns)  # foos before the CRD: text/plain 404
    replay(api, "08", 4, ns)
    replay(api, "08", 7, ns)  # *.k8s.io without the approval annotation: 422
    created = replay(api, "08", 8, ns, check=False)
    assert created.status_code == 201, created.text
    try:
        _wait_served(api, ns)
        yield ns
    finally:
        api.client.delete(f"{CRDS}/{CRD_NAME}")
        _wait_gone(api)


def test_crd_discovery_shows_the_new_group_golden_08_seq_11_to_13(
    api: Target, crd_namespace: str
) -> None:
    group = api.client.get("/apis/samplecontroller.k8s.io")
    assert group.status_code == 200
    assert group.json() == golden("08", 11).body
    resources = api.client.get(GROUP_VERSION).json()
    recorded = {r["name"]: r for r in golden("08", 12).body["resources"]}
    served = {r["name"]: r for r in resources["resources"]}
    assert sorted(served) == sorted(recorded) == ["foos", "foos/status"]
    for name, entry in recorded.items():
        for key in ("singularName", "namespaced", "kind", "verbs", "shortNames"):
            assert served[name].get(key) == entry.get(key), f"{name}.{key}"
    groups = [g["name"] for g in api.client.get("/apis").json()["groups"]]
    assert "samplecontroller.k8s.io" in groups


def test_crd_custom_resources_served_golden_08_seq_18_25_27_to_30(
    api: Target, crd_namespace: str
) -> None:
    ns = crd_namespace
    alpha = replay(api, "08", 18, ns, check=False)
    assert alpha.status_code == 201
    assert alpha.json()["metadata"]["generation"] == 1
    replay(api, "08", 25, ns)  # strategic merge patch: 415
    replay(api, "08", 29, ns)  # field selector on a spec field: 400
    replay(api, "08", 30, ns)  # undeclared /scale: 404
    api.create(f"{GROUP_VERSION}/namespaces/{ns}/foos", {
        "apiVersion": "samplecontroller.k8s.io/v1alpha1", "kind": "Foo",
        "metadata": {"name": "gamma"}, "spec": {"replicas": 2}})  # fmt: skip
    listed = api.client.get(f"{GROUP_VERSION}/namespaces/{ns}/foos").json()
    assert listed["kind"] == "FooList"
    assert [i["metadata"]["name"] for i in listed["items"]] == ["alpha", "gamma"]
    everywhere = api.client.get(f"{GROUP_VERSION}/foos").json()
    assert [i["metadata"]["name"] for i in everywhere["items"]] == ["alpha", "gamma"]


def test_crd_schema_violation_is_422_golden_08_seq_19(api: Target, crd_namespace: str) -> None:
    replay(api, "08", 19, crd_namespace)  # replicas 20 > maximum 10


def test_crd_unknown_fields_are_pruned_golden_08_seq_20(api: Target, crd_namespace: str) -> None:
    pruned = replay(api, "08", 20, crd_namespace, check=False)
    assert pruned.status_code == 201
    assert pruned.json()["spec"] == golden("08", 20).body["spec"]


def test_crd_status_subresource_and_generation_golden_08_seq_22_23(
    api: Target, crd_namespace: str
) -> None:
    ns = crd_namespace
    path = f"{GROUP_VERSION}/namespaces/{ns}/foos/alpha"
    foo = replay(api, "08", 18, ns, check=False).json()
    foo["status"] = {"availableReplicas": 1}
    foo["spec"]["replicas"] = 5
    status = api.client.put(f"{path}/status", json=foo).json()
    assert status["status"] == {"availableReplicas": 1}
    assert status["spec"]["replicas"] == 1  # /status ignores spec
    assert status["metadata"]["generation"] == 1
    status["spec"]["replicas"] = 3
    status["status"] = {"availableReplicas": 9}
    main = api.client.put(path, json=status).json()
    assert main["spec"]["replicas"] == 3
    assert main["status"] == {"availableReplicas": 1}  # the main resource ignores status
    assert main["metadata"]["generation"] == 2


def test_crd_delete_ends_watches_and_unserves_golden_08_seq_33_to_36(api: Target) -> None:
    ns = api.namespace("kf-crd")
    assert replay(api, "08", 8, ns, check=False).status_code == 201
    try:
        _wait_served(api, ns)
        replay(api, "08", 18, ns, check=False)
        path = f"{GROUP_VERSION}/namespaces/{ns}/foos"
        rv = api.list_rv(path)
        with api.watch(path, watch="1", resourceVersion=rv) as w:
            assert api.client.delete(f"{CRDS}/{CRD_NAME}").status_code == 200
            events = w.wait_end(30)
        assert w.error is None
        assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [
            ("DELETED", "alpha")
        ]
        assert golden("08", 33).event_types == ["DELETED"]
        _wait_gone(api)
        deadline = time.monotonic() + 30
        while api.client.get(path).status_code != 404:
            assert time.monotonic() < deadline
            time.sleep(0.1)
        replay(api, "08", 36, ns)
    finally:
        api.client.delete(f"{CRDS}/{CRD_NAME}")
