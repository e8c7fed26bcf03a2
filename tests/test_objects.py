"""Object keys, key parsing and tombstones (spec C-1 .. C-4)."""

from __future__ import annotations

from collections import OrderedDict
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import given, strategies as st

from kinformer._errors import KeyFuncError
from kinformer._objects import (
    DeletedFinalStateUnknown,
    ExplicitKey,
    ObjectName,
    deletion_handling_meta_namespace_key,
    meta_namespace_key,
    object_meta,
    split_meta_namespace_key,
)


def obj(name: Any = "web-1", namespace: Any = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name}
    if namespace is not None:
        meta["namespace"] = namespace
    return {"metadata": meta}


@pytest.mark.parametrize(
    ("value", "key"),
    [
        pytest.param(obj("web-1", "default"), "default/web-1", id="namespaced"),
        pytest.param(obj("node-a"), "node-a", id="cluster-scoped"),
        pytest.param(obj("node-a", ""), "node-a", id="empty-namespace-is-cluster-scoped"),
        pytest.param({"metadata": {"namespace": "ns"}}, "ns/", id="no-name"),
        pytest.param({"metadata": {"name": None}}, "", id="null-name"),
        pytest.param({"metadata": {}}, "", id="empty-metadata"),
        pytest.param(obj("a/b", "ns"), "ns/a/b", id="slash-in-name-is-not-validated"),
        pytest.param(ExplicitKey("any/thing"), "any/thing", id="explicit-key-unchanged"),
        pytest.param(
            MappingProxyType({"metadata": MappingProxyType({"name": "m", "namespace": "n"})}),
            "n/m",
            id="any-mapping",
        ),
        pytest.param(OrderedDict(metadata={"name": "o"}), "o", id="mapping-subclass"),
    ],
)
def test_meta_namespace_key_C_1(value: object, key: str) -> None:
    assert meta_namespace_key(value) == key


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(None, id="none"),
        pytest.param("default/web-1", id="plain-string-is-not-an-explicit-key"),
        pytest.param({"kind": "Pod"}, id="no-metadata"),
        pytest.param({"metadata": "x"}, id="metadata-not-a-mapping"),
        pytest.param(["metadata"], id="list"),
    ],
)
def test_meta_namespace_key_without_meta_raises_C_1(value: object) -> None:
    with pytest.raises(KeyFuncError, match="object has no meta") as caught:
        meta_namespace_key(value)
    assert caught.value.obj is value
    assert str(caught.value).startswith("couldn't create key for object: object has no meta: ")


def test_meta_namespace_key_error_message_is_bounded_C_1() -> None:
    huge = {"spec": "x" * 10_000}
    with pytest.raises(KeyFuncError) as caught:
        meta_namespace_key(huge)
    assert caught.value.reason.endswith("...")
    assert len(caught.value.reason) == len("object has no meta: ") + 80


def test_explicit_key_is_a_str_C_1() -> None:
    key = ExplicitKey("ns/a")
    assert key == "ns/a"
    by_key: dict[str, int] = {key: 1}
    assert by_key["ns/a"] == 1


@pytest.mark.parametrize(
    ("value", "key"),
    [
        pytest.param(DeletedFinalStateUnknown("ns/gone", None), "ns/gone", id="tombstone-no-obj"),
        pytest.param(
            DeletedFinalStateUnknown("ns/gone", obj("other", "elsewhere")),
            "ns/gone",
            id="tombstone-key-wins-over-its-obj",
        ),
        pytest.param(obj("web-1", "default"), "default/web-1", id="object"),
        pytest.param(ExplicitKey("k"), "k", id="explicit-key"),
    ],
)
def test_deletion_handling_meta_namespace_key_C_2(value: object, key: str) -> None:
    assert deletion_handling_meta_namespace_key(value) == key


def test_deletion_handling_meta_namespace_key_propagates_key_errors_C_2() -> None:
    with pytest.raises(KeyFuncError):
        deletion_handling_meta_namespace_key({"no": "meta"})


@pytest.mark.parametrize(
    ("key", "parts"),
    [
        pytest.param("default/web-1", ("default", "web-1"), id="namespaced"),
        pytest.param("node-a", ("", "node-a"), id="cluster-scoped"),
        pytest.param("", ("", ""), id="empty"),
        pytest.param("/x", ("", "x"), id="empty-namespace-accepted"),
        pytest.param("ns/", ("ns", ""), id="empty-name-accepted"),
        pytest.param("/", ("", ""), id="both-empty"),
    ],
)
def test_split_meta_namespace_key_C_3(key: str, parts: tuple[str, str]) -> None:
    assert split_meta_namespace_key(key) == parts


@pytest.mark.parametrize(
    ("key", "message"),
    [
        pytest.param("a/b/c", 'unexpected key format: "a/b/c"', id="three-parts"),
        pytest.param("//", 'unexpected key format: "//"', id="three-empty-parts"),
        pytest.param("a'b/\"c/d", 'unexpected key format: "a\'b/\\"c/d"', id="quotes-escaped"),
    ],
)
def test_split_meta_namespace_key_rejects_three_parts_C_3(key: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        split_meta_namespace_key(key)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("name", "text"),
    [
        pytest.param(ObjectName("default", "web-1"), "default/web-1", id="namespaced"),
        pytest.param(ObjectName("", "node-a"), "node-a", id="cluster-scoped"),
    ],
)
def test_object_name_str_is_the_key_C_4(name: ObjectName, text: str) -> None:
    assert str(name) == text
    assert ObjectName.parse(text) == name


def test_object_name_parse_rejects_bad_keys_C_4() -> None:
    with pytest.raises(ValueError, match="unexpected key format"):
        ObjectName.parse("a/b/c")


@pytest.mark.parametrize(
    ("value", "name"),
    [
        pytest.param(obj("web-1", "default"), ObjectName("default", "web-1"), id="object"),
        pytest.param(obj("node-a"), ObjectName("", "node-a"), id="cluster-scoped-object"),
        pytest.param(
            DeletedFinalStateUnknown("ns/gone", obj("x", "y")),
            ObjectName("ns", "gone"),
            id="tombstone-uses-its-key",
        ),
    ],
)
def test_object_name_of_C_4(value: object, name: ObjectName) -> None:
    assert ObjectName.of(value) == name


def test_object_name_is_frozen_and_hashable_C_4() -> None:
    name = ObjectName("ns", "a")
    with pytest.raises(AttributeError):
        name.name = "b"  # type: ignore[misc]
    assert {name: 1}[ObjectName("ns", "a")] == 1


_segment = st.text(
    alphabet=st.characters(exclude_characters="/", exclude_categories=["Cs"]), max_size=12
)


@given(namespace=_segment, name=_segment.filter(bool))
def test_object_name_round_trips_through_its_key_C_1_C_3_C_4(namespace: str, name: str) -> None:
    key = meta_namespace_key(obj(name, namespace))
    assert str(ObjectName(namespace, name)) == key
    assert ObjectName.parse(key) == ObjectName(namespace, name)


def test_tombstone_is_a_frozen_value_B_2() -> None:
    stone = DeletedFinalStateUnknown("ns/a", {"metadata": {"name": "a"}})
    assert stone == DeletedFinalStateUnknown("ns/a", {"metadata": {"name": "a"}})
    with pytest.raises(AttributeError):
        stone.key = "other"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("value", "meta"),
    [
        pytest.param({"metadata": {"name": "a"}}, {"name": "a"}, id="dict"),
        pytest.param({"metadata": None}, None, id="null-metadata"),
        pytest.param({}, None, id="no-metadata"),
        pytest.param(42, None, id="not-a-mapping"),
    ],
)
def test_object_meta(value: object, meta: object) -> None:
    assert object_meta(value) == meta
