"""kubectl-style resource names resolved against recorded kube-apiserver 1.36 discovery documents."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from kinformer._errors import ResourceNotFoundError
from kinformer.transport._resolver import DiscoveryIndex, ResourceInfo, parse_resource_arg

GOLDEN = Path("/work/shared/golden/kube-apiserver-1.36")


def _exchanges(name: str) -> list[dict[str, Any]]:
    data: dict[str, Any] = json.loads((GOLDEN / name).read_text())
    return list(data["exchanges"])


def _body(name: str, path: str, accept_part: str = "application/json") -> dict[str, Any]:
    for exchange in _exchanges(name):
        if (
            exchange["path"] == path
            and exchange["status"] == 200
            and exchange["request_headers"].get("Accept", "").startswith(accept_part)
        ):
            body: dict[str, Any] = exchange["response_body"]
            return body
    raise LookupError(path)


AGG = "application/json;g=apidiscovery.k8s.io;v=v2"
pytestmark = pytest.mark.skipif(not GOLDEN.is_dir(), reason="golden recordings not available")


@cache
def aggregated() -> DiscoveryIndex:
    return DiscoveryIndex.from_aggregated(
        _body("01-discovery.json", "/api", AGG), _body("01-discovery.json", "/apis", AGG)
    )


@cache
def aggregated_with_crd() -> DiscoveryIndex:
    return DiscoveryIndex.from_aggregated(
        _body("01-discovery.json", "/api", AGG), _body("08-crd.json", "/apis", AGG)
    )


@cache
def legacy() -> DiscoveryIndex:
    api = _body("01-discovery.json", "/api")
    apis = _body("08-crd.json", "/apis")
    lists = {
        "v1": _body("01-discovery.json", "/api/v1"),
        "apps/v1": _body("01-discovery.json", "/apis/apps/v1"),
        "coordination.k8s.io/v1": _body("01-discovery.json", "/apis/coordination.k8s.io/v1"),
        "samplecontroller.k8s.io/v1alpha1": _body(
            "08-crd.json", "/apis/samplecontroller.k8s.io/v1alpha1"
        ),
    }
    core = {"name": "", "versions": [{"version": v} for v in api["versions"]]}
    return DiscoveryIndex.from_legacy([core, *apis["groups"]], lists)


INDEXES = [pytest.param(aggregated_with_crd, id="aggregated"), pytest.param(legacy, id="legacy")]


@pytest.mark.parametrize("index", INDEXES)
@pytest.mark.parametrize(
    ("name", "group", "version", "resource"),
    [
        ("pods", "", "v1", "pods"),
        ("pod", "", "v1", "pods"),
        ("po", "", "v1", "pods"),
        ("Pod", "", "v1", "pods"),
        ("cm", "", "v1", "configmaps"),
        ("events", "", "v1", "events"),  # core wins over events.k8s.io
        ("ev", "", "v1", "events"),
        ("deployments", "apps", "v1", "deployments"),
        ("deploy", "apps", "v1", "deployments"),
        ("deployments.apps", "apps", "v1", "deployments"),
        ("deployment.v1.apps", "apps", "v1", "deployments"),
        ("deploy.apps", "apps", "v1", "deployments"),
        ("apps/v1/deployments", "apps", "v1", "deployments"),
        ("apps/v1/Deployment", "apps", "v1", "deployments"),
        ("v1/pods", "", "v1", "pods"),
        ("leases", "coordination.k8s.io", "v1", "leases"),
        ("foos", "samplecontroller.k8s.io", "v1alpha1", "foos"),
        ("foo", "samplecontroller.k8s.io", "v1alpha1", "foos"),
        ("Foo", "samplecontroller.k8s.io", "v1alpha1", "foos"),
        ("foos.samplecontroller.k8s.io", "samplecontroller.k8s.io", "v1alpha1", "foos"),
        ("foo.v1alpha1.samplecontroller.k8s.io", "samplecontroller.k8s.io", "v1alpha1", "foos"),
    ],
)
def test_resolve_kubectl_names(
    index: Any, name: str, group: str, version: str, resource: str
) -> None:
    info = index().resolve(name)
    assert info is not None, name
    assert (info.group, info.version, info.resource) == (group, version, resource)


def test_resolve_gives_kind_scope_verbs_and_names() -> None:
    info = aggregated().resolve("deploy")
    assert info == ResourceInfo(
        group="apps",
        version="v1",
        resource="deployments",
        kind="Deployment",
        namespaced=True,
        verbs=("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"),
        short_names=("deploy",),
        singular_name="deployment",
    )
    assert (info.api_version, info.group_resource, info.singular) == (
        "apps/v1",
        "deployments.apps",
        "deployment",
    )
    nodes = aggregated().resolve("no")
    assert nodes is not None
    assert not nodes.namespaced
    assert nodes.api_version == "v1"


def test_resolve_prefers_the_preferred_version() -> None:
    hpa = aggregated().resolve("hpa")
    assert hpa is not None
    assert (hpa.group, hpa.version) == ("autoscaling", "v2")
    v1 = aggregated().resolve("horizontalpodautoscalers.v1.autoscaling")
    assert v1 is not None
    assert v1.version == "v1"


def test_resolve_legacy_orders_the_preferred_version_first() -> None:
    groups = [
        {
            "name": "g",
            "versions": [{"version": "v1"}, {"version": "v2"}],
            "preferredVersion": {"version": "v2"},
        }
    ]
    doc = {
        "resources": [
            {"name": "things", "kind": "Thing", "namespaced": True, "verbs": ["list"]},
            {"name": "things/status", "kind": "Thing"},
        ]
    }
    index = DiscoveryIndex.from_legacy(groups, {"g/v1": doc, "g/v2": doc})
    assert [(e.version, e.resource) for e in index.entries] == [("v2", "things"), ("v1", "things")]
    thing = index.resolve("thing")  # no singularName published: the lower-cased kind
    assert thing is not None
    assert thing.version == "v2"


def test_resolve_skips_subresources_and_missing_group_versions() -> None:
    index = legacy()
    assert all("/" not in e.resource for e in index.entries)
    assert index.resolve("pods/status") is None
    assert {e.group for e in index.entries} == {
        "",
        "apps",
        "coordination.k8s.io",
        "samplecontroller.k8s.io",
    }


def test_resolve_an_exact_name_beats_a_short_name() -> None:
    index = DiscoveryIndex(
        [
            ResourceInfo("a.io", "v1", "widgets", "Widget", short_names=("gadgets",)),
            ResourceInfo("b.io", "v1", "gadgets", "Gadget"),
        ]
    )
    found = index.resolve("gadgets")
    assert found is not None
    assert found.group == "b.io"


@pytest.mark.parametrize("name", ["", "   ", "a/b/c/d", "/pods", "apps//deployments"])
def test_resolve_unparseable_names_match_nothing(name: str) -> None:
    assert aggregated().resolve(name) is None


def test_resolve_unknown_name_lists_close_matches() -> None:
    with pytest.raises(ResourceNotFoundError, match=r'resource type "deploymnets".*deployments'):
        aggregated().resolve_or_raise("deploymnets")
    with pytest.raises(ResourceNotFoundError) as info:
        aggregated().resolve_or_raise("zzzzqqq")
    assert "did you mean" not in str(info.value)


def test_resolve_crd_missing_before_it_exists() -> None:
    assert aggregated().resolve("foos") is None
    assert aggregated_with_crd().resolve_or_raise("foos").kind == "Foo"


def test_parse_resource_arg_readings() -> None:
    readings = [(a.resource, a.group, a.version) for a in parse_resource_arg("foos.example.com")]
    assert readings == [("foos", "com", "example"), ("foos", "example.com", None)]


def test_from_aggregated_tolerates_missing_fields() -> None:
    index = DiscoveryIndex.from_aggregated(
        {"items": [{"versions": [{"version": "v1", "resources": [{"resource": "x"}]}]}, "junk"]},
        {"items": "not a list"},
    )
    assert index.entries == (ResourceInfo("", "v1", "x", "", namespaced=False),)
