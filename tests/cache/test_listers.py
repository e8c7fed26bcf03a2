"""Listers read the cache through label selectors and the namespace index (spec F.1)."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from kinformer import labels
from kinformer._errors import KeyFuncError, NotFoundError
from kinformer.cache._indexer import NAMESPACE_INDEX, Indexer, meta_namespace_index_func
from kinformer.cache._listers import Lister


def obj(name: str, ns: str = "", **lbls: str) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "labels": lbls}
    if ns:
        meta["namespace"] = ns
    return {"metadata": meta}


def names(objects: list[Any]) -> list[str]:
    return sorted(o["metadata"]["name"] for o in objects)


@pytest.fixture
def indexer() -> Indexer[Any]:
    ix: Indexer[Any] = Indexer(indexers={NAMESPACE_INDEX: meta_namespace_index_func})
    for o in (
        obj("a", "ns1", app="web"),
        obj("b", "ns1", app="db"),
        obj("c", "ns2", app="web"),
        obj("d", "ns2"),
    ):
        ix.add(o)
    return ix


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        pytest.param(None, ["a", "b", "c", "d"], id="none-is-everything"),
        pytest.param("", ["a", "b", "c", "d"], id="empty-string-is-everything"),
        pytest.param(labels.everything(), ["a", "b", "c", "d"], id="everything"),
        pytest.param(labels.nothing(), [], id="nothing"),
        pytest.param("app=web", ["a", "c"], id="equality"),
        pytest.param("app!=web", ["b", "d"], id="not-equal-matches-missing-label"),
        pytest.param(labels.parse("!app"), ["d"], id="parsed-selector"),
    ],
)
def test_list_all_filters_by_labels_F_1(
    indexer: Indexer[Any], selector: Any, expected: list[str]
) -> None:
    assert names(Lister(indexer, resource="pod").list(selector)) == expected


@pytest.mark.parametrize(
    ("namespace", "selector", "expected"),
    [
        pytest.param("ns1", None, ["a", "b"], id="namespace"),
        pytest.param("ns2", "app=web", ["c"], id="namespace-and-labels"),
        pytest.param("", "app=web", ["a", "c"], id="empty-namespace-is-all"),
        pytest.param("ns1", labels.nothing(), [], id="nothing"),
        pytest.param("missing", None, [], id="unknown-namespace"),
    ],
)
def test_list_by_namespace_uses_index_F_2(
    indexer: Indexer[Any], namespace: str, selector: Any, expected: list[str]
) -> None:
    assert names(Lister(indexer, resource="pod").namespaced(namespace).list(selector)) == expected


def test_list_by_namespace_without_index_scans_and_warns_F_2(
    caplog: pytest.LogCaptureFixture,
) -> None:
    ix: Indexer[Any] = Indexer()
    ix.add(obj("a", "ns1"))
    ix.add(obj("b", "ns2"))
    ix.add(obj("n"))
    with caplog.at_level(logging.WARNING, logger="kinformer.lister"):
        assert names(Lister(ix, resource="pod").namespaced("ns1").list()) == ["a"]
    assert "index does not exist" in caplog.text


def test_get_not_found_reads_like_the_server_F_3(indexer: Indexer[Any]) -> None:
    pods = Lister(indexer, resource="pod")
    assert pods.namespaced("ns1").get("a")["metadata"]["name"] == "a"
    with pytest.raises(NotFoundError) as info:
        pods.namespaced("ns1").get("web-1")
    assert str(info.value) == 'pod "web-1" not found'
    assert info.value.code == 404
    assert info.value.details == {"name": "web-1", "group": "", "kind": "pod"}
    deployments = Lister(indexer, resource="deployment", group="apps")
    with pytest.raises(NotFoundError, match=r'^deployment\.apps "x" not found$'):
        deployments.get("x")


def test_cluster_scoped_get_uses_name_as_key_F_3() -> None:
    ix: Indexer[Any] = Indexer()
    ix.add(obj("node-a"))
    nodes = Lister(ix, resource="node")
    assert nodes.get("node-a")["metadata"]["name"] == "node-a"
    assert repr(nodes) == "<Lister node objects=1>"
    assert nodes.indexer is ix


def test_object_without_metadata_is_an_error_F_1() -> None:
    ix: Indexer[Any] = Indexer(key_func=lambda o: "k")
    ix.add({"spec": {}})
    with pytest.raises(KeyFuncError):
        Lister(ix, resource="thing").list("a=b")
    assert Lister(ix, resource="thing").list() == [{"spec": {}}]  # empty selector: no label look-up


def test_by_index_with_labels(indexer: Indexer[Any]) -> None:
    pods = Lister(indexer, resource="pod", group="")
    assert names(pods.by_index(NAMESPACE_INDEX, "ns2", "app=web")) == ["c"]
    assert pods.by_index(NAMESPACE_INDEX, "ns2", labels.nothing()) == []
    assert "deployment.apps" in repr(Lister(indexer, resource="deployment", group="apps"))
    assert "ns1" in repr(pods.namespaced("ns1"))


def test_invalid_selector_string_raises(indexer: Indexer[Any]) -> None:
    with pytest.raises(labels.SelectorParseError):
        Lister(indexer, resource="pod").list("a b")
