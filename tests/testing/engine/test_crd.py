"""Custom resources served from CRDs (golden 08)."""

from __future__ import annotations

from typing import Any

from kinformer.testing._apiserver._engine import ApiServerState

from .conftest import Call, golden

CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
GROUP = "samplecontroller.example.com"
FOOS = f"/apis/{GROUP}/v1alpha1/namespaces/golden-crd/foos"
CRD: dict[str, Any] = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": f"foos.{GROUP}"},
    "spec": {
        "group": GROUP,
        "names": {"plural": "foos", "singular": "foo", "kind": "Foo", "shortNames": ["foo"]},
        "scope": "Namespaced",
        "versions": [
            {
                "name": "v1alpha1",
                "served": True,
                "storage": True,
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "x-kubernetes-preserve-unknown-fields": True,
                    }
                },
                "subresources": {"status": {}},
            }
        ],
    },
}


def foo(name: str, replicas: int = 1) -> dict[str, Any]:
    return {
        "apiVersion": f"{GROUP}/v1alpha1",
        "kind": "Foo",
        "metadata": {"name": name},
        "spec": {"replicas": replicas},
    }


def test_crd_serves_group_discovery_and_objects(state: ApiServerState, call: Call) -> None:
    state.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "golden-crd"}})
    # golden 08 seq 3, 4: before the CRD: text/plain 404
    assert call("GET", FOOS).body == "404 page not found\n"
    created = call("POST", CRDS, body=CRD)
    assert created.status == 201
    assert created.body["metadata"]["generation"] == 1
    crd = call("GET", f"{CRDS}/foos.{GROUP}").body
    assert [c["type"] for c in crd["status"]["conditions"]] == ["NamesAccepted", "Established"]
    # golden 08 seq 11, 12
    assert call("GET", f"/apis/{GROUP}").body == {
        "kind": "APIGroup",
        "apiVersion": "v1",
        "name": GROUP,
        "versions": [{"groupVersion": f"{GROUP}/v1alpha1", "version": "v1alpha1"}],
        "preferredVersion": {"groupVersion": f"{GROUP}/v1alpha1", "version": "v1alpha1"},
    }
    resources = call("GET", f"/apis/{GROUP}/v1alpha1").body["resources"]
    recorded = golden("08-crd", 12)["response_body"]["resources"]
    assert [{k: v for k, v in r.items() if k != "storageVersionHash"} for r in resources] == [
        {k: v for k, v in r.items() if k != "storageVersionHash"} for r in recorded
    ]
    assert GROUP in [g["name"] for g in call("GET", "/apis").body["groups"]]
    # golden 08 seq 16, 18, 27: list shape of custom resources (items with kind, continue "")
    empty = call("GET", FOOS).body
    assert (empty["kind"], empty["apiVersion"], list(empty["metadata"])) == (
        "FooList",
        f"{GROUP}/v1alpha1",
        ["continue", "resourceVersion"],
    )
    alpha = call("POST", FOOS, body=foo("alpha") | {"status": {"ready": True}}).body
    assert alpha["metadata"]["generation"] == 1
    assert "status" not in alpha
    listed = call("GET", FOOS).body
    assert listed["items"][0]["kind"] == "Foo"
    assert listed["items"][0]["apiVersion"] == f"{GROUP}/v1alpha1"


def test_custom_resource_status_generation_patch_selectors(
    state: ApiServerState, call: Call
) -> None:
    state.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "golden-crd"}})
    call("POST", CRDS, body=CRD)
    alpha = call("POST", FOOS, body=foo("alpha")).body
    # golden 08 seq 22: /status PUT ignores spec
    status = call(
        "PUT",
        f"{FOOS}/alpha/status",
        body=alpha | {"spec": {"replicas": 9}, "status": {"ready": True}},
    ).body
    assert status["spec"] == {"replicas": 1}
    assert status["status"] == {"ready": True}
    assert status["metadata"]["generation"] == 1
    # golden 08 seq 23: main PUT bumps generation, drops status changes
    main = call(
        "PUT", f"{FOOS}/alpha", body=status | {"spec": {"replicas": 4}, "status": {"ready": False}}
    ).body
    assert main["metadata"]["generation"] == 2
    assert main["status"] == {"ready": True}
    # golden 08 seq 24: labels-only merge patch keeps generation
    labels = call(
        "PATCH",
        f"{FOOS}/alpha",
        body={"metadata": {"labels": {"x": "y"}}},
        content_type="application/merge-patch+json",
    ).body
    assert labels["metadata"]["generation"] == 2
    # golden 08 seq 25: strategic merge → 415 with the custom-resource text
    strategic = call(
        "PATCH",
        f"{FOOS}/alpha",
        body={"spec": {"replicas": 5}},
        content_type="application/strategic-merge-patch+json",
    )
    assert (strategic.status, strategic.body) == (415, golden("08-crd", 25)["response_body"])
    # golden 08 seq 26: JSON patch works
    assert (
        call(
            "PATCH",
            f"{FOOS}/alpha",
            body=[{"op": "replace", "path": "/spec/replicas", "value": 5}],
            content_type="application/json-patch+json",
        ).status
        == 200
    )
    # golden 08 seq 29, 30
    field = call("GET", FOOS, query={"fieldSelector": "spec.replicas=4"})
    assert (field.status, field.body) == (400, golden("08-crd", 29)["response_body"])
    scale = call("GET", f"{FOOS}/alpha/scale")
    assert scale.status == 404
    assert scale.body["message"] == f'foos.{GROUP} "alpha" not found'
    # golden 08 seq 31: delete answers the Success Status with the group
    deleted = call("DELETE", f"{FOOS}/alpha").body
    assert deleted["details"]["group"] == GROUP
    assert deleted["details"]["kind"] == "foos"


def test_crd_delete_unserves_and_recreate(state: ApiServerState, call: Call) -> None:
    state.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "golden-crd"}})
    call("POST", CRDS, body=CRD)
    call("POST", FOOS, body=foo("alpha"))
    # golden 08 seq 34-36: CRD DELETE answers the CRD with the cleanup finalizer; then gone
    deleted = call("DELETE", f"{CRDS}/foos.{GROUP}").body
    assert deleted["metadata"]["finalizers"] == ["customresourcecleanup.apiextensions.k8s.io"]
    assert call("GET", f"{CRDS}/foos.{GROUP}").status == 404
    assert call("GET", FOOS).body == "404 page not found\n"
    assert call("GET", f"/apis/{GROUP}").status == 404
    call("POST", CRDS, body=CRD)
    assert call("GET", FOOS).body["items"] == []


def test_crd_protected_group_needs_approval(call: Call) -> None:
    # golden 08 seq 7
    crd = dict(CRD)
    crd["metadata"] = {"name": "foos.samplecontroller.k8s.io"}
    crd["spec"] = CRD["spec"] | {"group": "samplecontroller.k8s.io"}
    rejected = call("POST", CRDS, body=crd)
    assert (rejected.status, rejected.body) == (422, golden("08-crd", 7)["response_body"])
    crd["metadata"] = {
        "name": "foos.samplecontroller.k8s.io",
        "annotations": {"api-approved.kubernetes.io": "unapproved, experimental-only"},
    }
    assert call("POST", CRDS, body=crd).status == 201
