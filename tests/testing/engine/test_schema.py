"""Unknown fields, CRD schemas, Lease MicroTime validation (golden 02, 08, 09)."""

from __future__ import annotations

from typing import Any

import pytest

from kinformer.testing._apiserver._engine import ApiServerState
from kinformer.testing._apiserver._schema import prune_custom, validate_custom

from .conftest import Call, configmap, golden, status_shape
from .test_crd import CRDS, GROUP

NS = "/api/v1/namespaces/golden-crud/configmaps"


@pytest.fixture
def ns(state: ApiServerState, call: Call) -> Call:
    for name in ("golden-crud", "golden-crd", "golden-lease"):
        state.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    return call


def test_unknown_fields_warn_strict_ignore(ns: Call) -> None:
    # golden 02 seq 27-29: dropped + one Warning per field; Strict → 400; Ignore → silent
    body = golden("02-configmap-crud", 27)["request_body"]
    lenient = ns("POST", NS, body=body)
    assert lenient.status == 201
    assert "spec" not in lenient.body
    assert "bogus" not in lenient.body["metadata"]
    assert lenient.headers == {"Warning": '299 - "unknown field \\"spec\\""'}  # dict keeps the last
    strict = ns(
        "POST", f"{NS}?fieldValidation=Strict", body=golden("02-configmap-crud", 28)["request_body"]
    )
    assert (strict.status, status_shape(strict.body)) == (
        400,
        golden("02-configmap-crud", 28)["response_body"],
    )
    ignored = ns(
        "POST", f"{NS}?fieldValidation=Ignore", body=golden("02-configmap-crud", 29)["request_body"]
    )
    assert ignored.status == 201
    assert ignored.headers == {}


def test_unknown_field_warning_headers_in_order(state: ApiServerState, ns: Call) -> None:
    from .conftest import make_request

    response = state.handle(
        make_request("POST", NS, body=golden("02-configmap-crud", 27)["request_body"])
    )
    assert response.headers == tuple(  # type: ignore[union-attr]
        ("Warning", w) for w in golden("02-configmap-crud", 27)["response_headers"]["Warning"]
    )


SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "spec": {
            "type": "object",
            "properties": {
                "replicas": {"type": "integer", "minimum": 0, "maximum": 10},
                "color": {"type": "string", "enum": ["red", "blue"]},
            },
            "required": ["replicas"],
        },
        "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
    },
}


def schema_crd() -> dict[str, Any]:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"bars.{GROUP}"},
        "spec": {
            "group": GROUP,
            "names": {"plural": "bars", "singular": "bar", "kind": "Bar"},
            "scope": "Namespaced",
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {"openAPIV3Schema": SCHEMA},
                    "subresources": {"status": {}},
                }
            ],
        },
    }


def bar(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": f"{GROUP}/v1", "kind": "Bar", "metadata": {"name": name}, "spec": spec}


def test_custom_resource_schema_validation_and_pruning(ns: Call) -> None:
    # golden 08 seq 19-21
    bars = f"/apis/{GROUP}/v1/namespaces/golden-crd/bars"
    ns("POST", CRDS, body=schema_crd())
    too_many = ns("POST", bars, body=bar("beta", {"replicas": 20}))
    expected = golden("08-crd", 19)["response_body"]
    assert too_many.status == 422
    assert too_many.body["details"]["causes"] == expected["details"]["causes"]
    assert too_many.body["message"] == expected["message"].replace(
        "Foo.samplecontroller.k8s.io", f"Bar.{GROUP}"
    )
    pruned = ns("POST", bars, body=bar("gamma", {"replicas": 1, "unknownField": True}))
    assert pruned.status == 201
    assert pruned.body["spec"] == {"replicas": 1}
    assert pruned.headers == {"Warning": golden("08-crd", 20)["response_headers"]["Warning"]}
    strict = ns(
        "POST",
        f"{bars}?fieldValidation=Strict",
        body=bar("delta", {"replicas": 1, "unknownField": True}),
    )
    assert (strict.status, strict.body["message"]) == (
        400,
        golden("08-crd", 21)["response_body"]["message"]
        .replace("Foo", "Bar")
        .replace("v1alpha1", "v1"),
    )


def test_schema_helpers() -> None:
    obj = {"spec": {"replicas": -1, "color": "green"}, "status": {"anything": 1}}
    causes = validate_custom(obj, SCHEMA)
    assert [c[2] for c in causes] == ["spec.replicas", "spec.color"]
    assert validate_custom({"spec": {"color": "red"}}, SCHEMA) == [
        ("FieldValueRequired", "Required value", "spec.replicas")
    ]
    assert validate_custom({"spec": "x"}, SCHEMA)[0][0] == "FieldValueTypeInvalid"
    assert validate_custom({}, {"properties": {}, "required": ["spec"]}) == [
        ("FieldValueRequired", "Required value", "spec")
    ]
    assert validate_custom({"spec": 1}, None) == []
    items = {
        "type": "object",
        "properties": {
            "spec": {
                "type": "object",
                "properties": {
                    "l": {
                        "type": "array",
                        "items": {"type": "object", "properties": {"a": {"type": "integer"}}},
                    },
                    "m": {
                        "type": "object",
                        "additionalProperties": {
                            "type": "object",
                            "properties": {"x": {"type": "string"}},
                        },
                    },
                },
            }
        },
    }
    doc = {
        "metadata": {"name": "n", "weird": 1},
        "spec": {"l": [{"a": 1, "b": 2}], "m": {"k": {"x": "1", "y": 2}}, "z": 0},
        "top": 1,
    }
    assert prune_custom(doc, items) == [
        "metadata.weird",
        "spec.l[0].b",
        "spec.m[k].y",
        "spec.z",
        "top",
    ]
    assert doc == {"metadata": {"name": "n"}, "spec": {"l": [{"a": 1}], "m": {"k": {"x": "1"}}}}
    assert prune_custom({"metadata": {}, "anything": 1}, {"type": "object"}) == []


LEASES = "/apis/coordination.k8s.io/v1/namespaces/golden-lease/leases"


def lease(**spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {"name": "my-controller"},
        "spec": spec,
    }


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("2030-01-02T03:04:05Z", 'cannot parse "Z" as ".000000"'),
        ("2030-01-02T03:04:05.123Z", 'cannot parse ".123Z" as ".000000"'),
        ("2030-01-02T03:04:05.123456789Z", 'cannot parse "789Z" as "Z07:00"'),
        ("yesterday", 'cannot parse "yesterday" as "2006"'),
    ],
)
def test_lease_microtime_needs_six_digits(ns: Call, value: str, problem: str) -> None:
    # golden 09 seq 11-13, 16, 20: PATCH → 422 (patch: Invalid value: <object>), PUT → 400
    created = ns("POST", LEASES, body=lease(holderIdentity="a", leaseDurationSeconds=15)).body
    patched = ns(
        "PATCH",
        f"{LEASES}/my-controller",
        body={"spec": {"renewTime": value}},
        content_type="application/merge-patch+json",
    )
    parse_error = f'parsing time "{value}" as "2006-01-02T15:04:05.000000Z07:00": {problem}'
    assert patched.status == 422
    assert patched.body["message"].startswith(' "" is invalid: patch: Invalid value: "{')
    assert patched.body["message"].endswith(parse_error)
    assert patched.body["details"]["causes"][0]["field"] == "patch"
    put = ns("PUT", f"{LEASES}/my-controller", body=created | {"spec": {"renewTime": value}})
    assert (put.status, put.body["message"]) == (
        400,
        f'Lease in version "v1" cannot be handled as a Lease: {parse_error}',
    )


def test_lease_microtime_offset_stored_as_utc_and_duration_positive(ns: Call) -> None:
    # golden 09 seq 14, 15, 18, 19
    ns("POST", LEASES, body=lease(holderIdentity="a", leaseDurationSeconds=15))
    merge = "application/merge-patch+json"
    shifted = ns(
        "PATCH",
        f"{LEASES}/my-controller",
        body={"spec": {"renewTime": "2030-01-02T05:04:05.123456+02:00"}},
        content_type=merge,
    )
    assert shifted.body["spec"]["renewTime"] == "2030-01-02T03:04:05.123456Z"
    same = ns(
        "PATCH",
        f"{LEASES}/my-controller",
        body={"spec": {"renewTime": "2030-01-02T03:04:05.123456Z"}},
        content_type=merge,
    )
    assert same.body["metadata"]["resourceVersion"] == shifted.body["metadata"]["resourceVersion"]
    for seq, duration in ((18, -5), (19, 0)):
        rejected = ns(
            "PATCH",
            f"{LEASES}/my-controller",
            body={"spec": {"leaseDurationSeconds": duration}},
            content_type=merge,
        )
        assert (rejected.status, status_shape(rejected.body)) == (
            422,
            golden("09-leases", seq)["response_body"],
        )


def test_empty_label_map_is_omitted(ns: Call) -> None:
    # golden 05d seq 7: removing the last label leaves no "labels" key (omitempty)
    ns("POST", NS, body=configmap("l", labels={"a": "b"}))
    patched = ns(
        "PATCH",
        f"{NS}/l",
        body={"metadata": {"labels": {"a": None}}},
        content_type="application/merge-patch+json",
    ).body
    assert "labels" not in patched["metadata"]
