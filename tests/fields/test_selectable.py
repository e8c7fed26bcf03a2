"""Per-kind field labels: conversion (400 texts) and selectable field sets (kube-apiserver)."""

from __future__ import annotations

from typing import Any

import pytest

from kinformer.fields import (
    SelectorParseError,
    check_field_selector,
    convert_field_selector,
    parse,
    selectable_fields,
)

# kube-apiserver v1.36.2 recordings: 04-list-semantics.json (82, 83, 86, 102, 103, 104) and
# 08-crd.json (28, a custom resource whose CRD declares no selectableFields).
RECORDED_REFUSALS = [
    (
        "v1",
        "ConfigMap",
        "data.i=3",
        '"data.i" is not a known field selector: only "metadata.name", "metadata.namespace"',
        False,
    ),
    (
        "v1",
        "ConfigMap",
        "metadata.labels.tier=frontend",
        '"metadata.labels.tier" is not a known field selector: only "metadata.name", "metadata.namespace"',
        False,
    ),
    (
        "v1",
        "ConfigMap",
        "metadata.uid=x",
        '"metadata.uid" is not a known field selector: only "metadata.name", "metadata.namespace"',
        False,
    ),
    (
        "v1",
        "Pod",
        "spec.containers.image=x",
        "field label not supported: spec.containers.image",
        False,
    ),
    ("v1", "Pod", "status.hostIP=192.0.2.10", "field label not supported: status.hostIP", False),
    ("v1", "Pod", "spec.nodename=node-a", "field label not supported: spec.nodename", False),
    (
        "samplecontroller.k8s.io/v1alpha1",
        "Foo",
        "spec.replicas=4",
        "field label not supported: spec.replicas",
        True,
    ),
]


@pytest.mark.parametrize(("api_version", "kind", "text", "message", "custom"), RECORDED_REFUSALS)
def test_check_field_selector_recorded_texts(
    api_version: str, kind: str, text: str, message: str, custom: bool
) -> None:
    with pytest.raises(SelectorParseError) as info:
        check_field_selector(api_version, kind, parse(text), custom_resource=custom)
    assert str(info.value) == message


# Texts from each kind's conversion function in k8s.io/kubernetes pkg/apis (not recorded).
DERIVED_REFUSALS = [
    (
        "apps/v1",
        "ReplicaSet",
        "status.replicas=1",
        '"status.replicas" is not a known field selector: only "metadata.name", "metadata.namespace"',
    ),
    ("v1", "Node", "metadata.namespace=x", "field label not supported: metadata.namespace"),
    ("v1", "Namespace", "metadata.namespace=x", "field label not supported: metadata.namespace"),
    ("v1", "Secret", "data=x", "field label not supported: data"),
    ("v1", "Service", "spec.ports=x", "field label not supported: spec.ports"),
    ("v1", "ReplicationController", "spec.replicas=1", "field label not supported: spec.replicas"),
    ("v1", "Event", "regarding.kind=Pod", "field label not supported: regarding.kind"),
    (
        "events.k8s.io/v1",
        "Event",
        "involvedObject.kind=Pod",
        "field label not supported: involvedObject.kind",
    ),
    (
        "batch/v1",
        "Job",
        "status.succeeded=1",
        'field label "status.succeeded" not supported for Job',
    ),
    (
        "certificates.k8s.io/v1",
        "CertificateSigningRequest",
        "metadata.namespace=x",
        "field label not supported: metadata.namespace",
    ),
    (
        "certificates.k8s.io/v1beta1",
        "ClusterTrustBundle",
        "spec.trustBundle=x",
        "field label not supported: spec.trustBundle",
    ),
    (
        "certificates.k8s.io/v1",
        "PodCertificateRequest",
        "metadata.namespace=x",
        "field label not supported: metadata.namespace",
    ),
    (
        "resource.k8s.io/v1",
        "ResourceSlice",
        "spec.pool=x",
        "field label not supported for resource.k8s.io/v1, Kind=ResourceSlice: spec.pool",
    ),
    (
        "v1",
        "ConfigMap",
        'a"b=x',
        '"a\\"b" is not a known field selector: only "metadata.name", "metadata.namespace"',
    ),
]


@pytest.mark.parametrize(("api_version", "kind", "text", "message"), DERIVED_REFUSALS)
def test_check_field_selector_per_kind_texts(
    api_version: str, kind: str, text: str, message: str
) -> None:
    with pytest.raises(SelectorParseError) as info:
        check_field_selector(api_version, kind, parse(text))
    assert str(info.value) == message


def test_check_field_selector_first_refused_term_in_selector_order_wins() -> None:
    with pytest.raises(SelectorParseError, match=r"^field label not supported: a$"):
        check_field_selector("v1", "Pod", parse("z=1,metadata.name=x,a=2"))


@pytest.mark.parametrize(
    ("api_version", "kind", "text", "converted"),
    [
        (
            "v1",
            "ConfigMap",
            "metadata.name=a,metadata.namespace=b",
            "metadata.name=a,metadata.namespace=b",
        ),
        ("v1", "Pod", "spec.host=n1", "spec.nodeName=n1"),
        (
            "v1",
            "Pod",
            "status.podIPs=10.0.0.1,spec.hostNetwork=true",
            "spec.hostNetwork=true,status.podIPs=10.0.0.1",
        ),
        (
            "v1",
            "Node",
            "spec.unschedulable=true,metadata.name=n",
            "metadata.name=n,spec.unschedulable=true",
        ),
        (
            "events.k8s.io/v1",
            "Event",
            "regarding.name=p,reportingController=c",
            "involvedObject.name=p,reportingComponent=c",
        ),
        (
            "v1",
            "Event",
            "involvedObject.name=p,source=kubelet",
            "involvedObject.name=p,source=kubelet",
        ),
        ("batch/v1", "Job", "status.successful=1", "status.successful=1"),
        (
            "resource.k8s.io/v1",
            "ResourceSlice",
            "spec.driver=d,spec.nodeName=n",
            "spec.driver=d,spec.nodeName=n",
        ),
        (
            "rbac.authorization.k8s.io/v1",
            "ClusterRole",
            "metadata.namespace=",
            "metadata.namespace=",
        ),
        ("v1", "Pod", "", ""),
    ],
)
def test_convert_field_selector_accepts_and_renames(
    api_version: str, kind: str, text: str, converted: str
) -> None:
    selector = parse(text)
    assert str(convert_field_selector(api_version, kind, selector)) == converted
    check_field_selector(api_version, kind, selector)


def test_convert_field_selector_custom_resources() -> None:
    selector = parse("metadata.namespace=d,spec.color=red")
    with pytest.raises(SelectorParseError, match=r"^field label not supported: spec\.color$"):
        check_field_selector("example.com/v1", "Widget", selector, custom_resource=True)
    converted = convert_field_selector(
        "example.com/v1", "Widget", selector, custom_resource=True, custom_fields=[".spec.color"]
    )
    assert converted == selector
    with pytest.raises(
        SelectorParseError, match=r"^field label not supported: metadata\.namespace$"
    ):
        check_field_selector(
            "example.com/v1",
            "Widget",
            selector,
            custom_resource=True,
            namespaced=False,
            custom_fields=["spec.color"],
        )
    # A custom resource is not a ConfigMap: same kind name, different converter.
    with pytest.raises(SelectorParseError, match=r'^"spec\.color" is not a known field selector'):
        check_field_selector("example.com/v1", "Widget", selector)


def _pod(**spec_status: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web-1", "namespace": "default"},
        **spec_status,
    }


def test_selectable_fields_pod_defaults() -> None:
    assert selectable_fields(_pod()) == {
        "metadata.name": "web-1",
        "metadata.namespace": "default",
        "spec.nodeName": "",
        "spec.restartPolicy": "",
        "spec.schedulerName": "",
        "spec.serviceAccountName": "",
        "spec.hostNetwork": "false",
        "status.phase": "",
        "status.podIP": "",
        "status.nominatedNodeName": "",
    }


def test_selectable_fields_pod_values() -> None:
    pod = _pod(
        spec={
            "nodeName": "node-a",
            "restartPolicy": "Always",
            "schedulerName": "default-scheduler",
            "serviceAccountName": "default",
            "hostNetwork": True,
        },
        status={"phase": "Running", "podIPs": [{"ip": "10.1.2.3"}], "nominatedNodeName": "n2"},
    )
    fields = selectable_fields(pod)
    assert fields["spec.nodeName"] == "node-a"
    assert fields["spec.restartPolicy"] == "Always"
    assert fields["spec.schedulerName"] == "default-scheduler"
    assert fields["spec.serviceAccountName"] == "default"
    assert fields["spec.hostNetwork"] == "true"
    assert fields["status.phase"] == "Running"
    assert fields["status.podIP"] == "10.1.2.3"
    assert fields["status.nominatedNodeName"] == "n2"
    assert "status.podIPs" not in fields  # accepted by the converter, never projected


@pytest.mark.parametrize(
    ("status", "ip"),
    [
        ({"podIP": "10.0.0.1", "podIPs": [{"ip": "10.0.0.2"}]}, "10.0.0.1"),
        ({"podIPs": [{"ip": "fd00::1"}, {"ip": "10.0.0.3"}]}, "fd00::1"),
        ({"podIPs": []}, ""),
        ({"podIPs": ["junk"]}, ""),
        ({"podIP": 5}, ""),
    ],
)
def test_selectable_fields_pod_ip(status: dict[str, Any], ip: str) -> None:
    assert selectable_fields(_pod(status=status))["status.podIP"] == ip


def test_selectable_fields_pods_recorded_queries() -> None:
    # 04-list-semantics.json 92..101: which of three pods each pods fieldSelector returned.
    pods = [
        _pod(
            spec={
                "nodeName": "node-a",
                "restartPolicy": "Always",
                "schedulerName": "default-scheduler",
                "serviceAccountName": "default",
            },
            status={"phase": "Running", "podIP": "10.1.2.3", "podIPs": [{"ip": "10.1.2.3"}]},
        ),
        _pod(
            spec={
                "nodeName": "node-b",
                "restartPolicy": "Always",
                "schedulerName": "default-scheduler",
                "serviceAccountName": "default",
            },
            status={"phase": "Pending"},
        ),
        _pod(
            spec={
                "restartPolicy": "Always",
                "schedulerName": "default-scheduler",
                "serviceAccountName": "default",
            },
            status={"phase": "Pending"},
        ),
    ]
    counts = {
        "spec.nodeName=node-a": 1,
        "spec.nodeName=": 1,
        "spec.nodeName!=": 2,
        "status.phase=Pending": 2,
        "status.phase=Running": 1,
        "status.phase!=Running,spec.nodeName!=": 1,
        "status.podIP=10.1.2.3": 1,
        "spec.restartPolicy=Always": 3,
        "spec.schedulerName=default-scheduler": 3,
        "spec.serviceAccountName=default": 3,
    }
    for text, count in counts.items():
        selector = convert_field_selector("v1", "Pod", parse(text))
        assert sum(selector.matches(selectable_fields(p)) for p in pods) == count, text


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        (
            {
                "apiVersion": "v1",
                "kind": "Node",
                "metadata": {"name": "n"},
                "spec": {"unschedulable": True},
            },
            {"spec.unschedulable": "true", "metadata.namespace": ""},
        ),
        (
            {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n"}},
            {"spec.unschedulable": "false"},
        ),
        (
            {
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": {"name": "ns"},
                "status": {"phase": "Terminating"},
            },
            {"status.phase": "Terminating"},
        ),
        (
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": "s", "namespace": "d"},
                "type": "Opaque",
            },
            {"type": "Opaque", "metadata.namespace": "d"},
        ),
        (
            {
                "apiVersion": "v1",
                "kind": "Service",
                "spec": {"clusterIP": "None", "type": "ClusterIP"},
            },
            {"spec.clusterIP": "None", "spec.type": "ClusterIP", "metadata.name": ""},
        ),
        (
            {"apiVersion": "v1", "kind": "ReplicationController", "status": {"replicas": 3}},
            {"status.replicas": "3"},
        ),
        (
            {"apiVersion": "v1", "kind": "ReplicationController", "status": {"replicas": True}},
            {"status.replicas": "0"},
        ),
        ({"apiVersion": "v1", "kind": "ReplicationController"}, {"status.replicas": "0"}),
        (
            {"apiVersion": "batch/v1", "kind": "Job", "status": {"succeeded": 2}},
            {"status.successful": "2"},
        ),
        ({"apiVersion": "batch/v1", "kind": "Job"}, {"status.successful": "0"}),
        (
            {
                "apiVersion": "certificates.k8s.io/v1",
                "kind": "CertificateSigningRequest",
                "spec": {"signerName": "example.com/s"},
            },
            {"spec.signerName": "example.com/s"},
        ),
        (
            {
                "apiVersion": "certificates.k8s.io/v1beta1",
                "kind": "ClusterTrustBundle",
                "spec": {"signerName": "x/y"},
            },
            {"spec.signerName": "x/y"},
        ),
        (
            {
                "apiVersion": "certificates.k8s.io/v1",
                "kind": "PodCertificateRequest",
                "spec": {"signerName": "s", "podName": "p", "nodeName": "n"},
            },
            {"spec.signerName": "s", "spec.podName": "p", "spec.nodeName": "n"},
        ),
        (
            {
                "apiVersion": "resource.k8s.io/v1",
                "kind": "ResourceSlice",
                "spec": {"driver": "gpu.example.com", "nodeName": "n"},
            },
            {"spec.driver": "gpu.example.com", "spec.nodeName": "n"},
        ),
        (
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": "c", "namespace": "d"},
                "data": {"i": "3"},
            },
            {"metadata.name": "c", "metadata.namespace": "d"},
        ),
        ({"kind": "Pod", "metadata": "junk"}, {"metadata.name": "", "metadata.namespace": ""}),
    ],
)
def test_selectable_fields_per_kind(obj: dict[str, Any], expected: dict[str, str]) -> None:
    fields = selectable_fields(obj)
    for label, value in expected.items():
        assert fields[label] == value


def test_selectable_fields_kind_given_for_list_items_without_type_meta() -> None:
    item = {"metadata": {"name": "p", "namespace": "d"}, "spec": {"nodeName": "n1"}}
    assert "spec.nodeName" not in selectable_fields(item)
    assert selectable_fields(item, api_version="v1", kind="Pod")["spec.nodeName"] == "n1"
    typed = {**item, "apiVersion": "v1", "kind": "ConfigMap"}
    assert selectable_fields(typed, api_version="v1", kind="Pod")["spec.nodeName"] == "n1"


def test_selectable_fields_configmap_has_only_metadata() -> None:
    obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "d"}}
    assert selectable_fields(obj) == {"metadata.name": "c", "metadata.namespace": "d"}


def test_selectable_fields_core_event_source_falls_back_to_reporting_component() -> None:
    event = {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": "e", "namespace": "d"},
        "involvedObject": {
            "kind": "Pod",
            "namespace": "d",
            "name": "p",
            "uid": "u",
            "apiVersion": "v1",
            "resourceVersion": "5",
            "fieldPath": "spec",
        },
        "reason": "Started",
        "reportingComponent": "kubelet",
        "type": "Normal",
    }
    fields = selectable_fields(event)
    assert fields["involvedObject.kind"] == "Pod"
    assert fields["involvedObject.fieldPath"] == "spec"
    assert fields["source"] == "kubelet"
    event["source"] = {"component": "scheduler"}
    assert selectable_fields(event)["source"] == "scheduler"
    assert parse("reason=Started,type=Normal").matches(fields)


def test_selectable_fields_events_k8s_io_event_uses_canonical_labels() -> None:
    event = {
        "apiVersion": "events.k8s.io/v1",
        "kind": "Event",
        "metadata": {"name": "e", "namespace": "d"},
        "regarding": {"kind": "Pod", "name": "p"},
        "reportingController": "kubelet",
        "reason": "Started",
        "type": "Normal",
    }
    fields = selectable_fields(event)
    assert fields["involvedObject.kind"] == "Pod"
    assert fields["reportingComponent"] == "kubelet"
    assert fields["source"] == "kubelet"
    event["deprecatedSource"] = {"component": "old"}
    assert selectable_fields(event)["source"] == "old"
    selector = convert_field_selector(
        "events.k8s.io/v1", "Event", parse("regarding.kind=Pod,regarding.name=p")
    )
    assert selector.matches(fields)


def test_selectable_fields_custom_fields() -> None:
    obj = {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w", "namespace": "d"},
        "spec": {"color": "red", "size": 3, "shiny": False, "tags": ["x"]},
    }
    fields = selectable_fields(
        obj,
        custom_fields=[".spec.color", "spec.size", ".spec.shiny", ".spec.tags", ".spec.missing"],
    )
    assert fields == {
        "metadata.name": "w",
        "metadata.namespace": "d",
        "spec.color": "red",
        "spec.size": "3",
        "spec.shiny": "false",
        "spec.tags": "",
        "spec.missing": "",
    }
    assert (
        selectable_fields({**obj, "spec": {"shiny": True}}, custom_fields=[".spec.shiny"])[
            "spec.shiny"
        ]
        == "true"
    )
