"""The indexed thread-safe store (spec C-5 .. C-21)."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

import orjson
import pytest
from hypothesis import settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from kinformer._errors import KeyFuncError, KinformerError
from kinformer._objects import DeletedFinalStateUnknown, ExplicitKey
from kinformer.cache._codec import CodecError, JSONCodec
from kinformer.cache._indexer import (
    NAMESPACE_INDEX,
    Indexer,
    IndexerConflictError,
    IndexFunc,
    IndexFuncError,
    IndexNotFoundError,
    Transaction,
    TransactionError,
    TransactionType,
    TransformError,
    index_func_to_key_func_adapter,
    meta_namespace_index_func,
)

Obj = dict[str, Any]
ADD, UPDATE, DELETE = TransactionType.ADD, TransactionType.UPDATE, TransactionType.DELETE


def pod(
    name: str,
    namespace: str = "default",
    *,
    rv: str | None = "1",
    app: str | None = None,
    tags: tuple[str, ...] = (),
) -> Obj:
    meta: Obj = {"name": name, "labels": {}, "annotations": {}}
    if namespace:
        meta["namespace"] = namespace
    if rv is not None:
        meta["resourceVersion"] = rv
    if app is not None:
        meta["labels"]["app"] = app
    if tags:
        meta["annotations"]["tags"] = ",".join(tags)
    return {"metadata": meta, "spec": {}}


def by_app(obj: Obj) -> list[str]:
    app = obj["metadata"]["labels"].get("app")
    return [] if app is None else [app]


def by_tags(obj: Obj) -> list[str]:
    tags = obj["metadata"]["annotations"].get("tags")
    return tags.split(",") if tags else []


def failing_on(name: str, base: IndexFunc = by_app) -> IndexFunc:
    """An index function that raises for objects called ``name``."""

    def index_func(obj: Obj) -> list[str]:
        if obj["metadata"]["name"] == name:
            raise RuntimeError(f"cannot index {name}")
        return base(obj)

    return index_func


def make(*objects: Obj, **indexers: IndexFunc) -> Indexer[Obj]:
    if not indexers:
        indexers = {NAMESPACE_INDEX: meta_namespace_index_func, "app": by_app, "tags": by_tags}
    indexer: Indexer[Obj] = Indexer(indexers=indexers)
    for obj in objects:
        indexer.add(obj)
    return indexer


def snapshot(indexer: Indexer[Obj]) -> tuple[dict[str, int], Any, str]:
    """Everything observable about an indexer: item identities, index content, last RV."""
    return (
        {key: id(obj) for key, obj in indexer._items.items()},
        {
            name: {
                value: {key: id(obj) for key, obj in members.items()}
                for value, members in index.items()
            }
            for name, index in indexer._indices.items()
        },
        indexer.last_store_sync_resource_version,
    )


def indices(indexer: Indexer[Obj], name: str) -> dict[str, list[str]]:
    return {
        value: indexer.index_keys(name, value)
        for value in sorted(indexer.list_index_func_values(name))
    }


# ----------------------------------------------------------------------------------- C.1 keys


@pytest.mark.parametrize(
    ("values", "outcome"),
    [
        pytest.param(["uid-1"], "uid-1", id="one-value-is-the-key"),
        pytest.param([], "unexpected empty indexKeys", id="no-value"),
        pytest.param(["a", "b"], "too many keys: ['a', 'b']", id="several-values"),
    ],
)
def test_index_func_to_key_func_adapter_C_5(values: list[str], outcome: str) -> None:
    key_func = index_func_to_key_func_adapter(lambda obj: values)
    if values == [outcome]:
        assert key_func(object()) == outcome
    else:
        with pytest.raises(KeyFuncError) as caught:
            key_func(object())
        assert caught.value.reason == outcome


def test_index_func_to_key_func_adapter_as_store_key_C_5() -> None:
    indexer: Indexer[Obj] = Indexer(
        key_func=index_func_to_key_func_adapter(lambda obj: [obj["metadata"]["uid"]])
    )
    obj = {"metadata": {"name": "a", "uid": "u-1"}}
    indexer.add(obj)
    assert indexer.list_keys() == ["u-1"]
    with pytest.raises(KeyFuncError, match="unexpected empty indexKeys"):
        Indexer[Obj](key_func=index_func_to_key_func_adapter(lambda obj: [])).add(obj)


# ---------------------------------------------------------------------------------- C.2 store


def test_add_and_update_are_both_upserts_C_6() -> None:
    first, second, third = pod("a", rv="1"), pod("a", rv="2"), pod("b", rv="3")
    indexer = make()
    assert indexer.add(first) is None
    assert indexer.add(second) is first
    assert indexer.update(third) is None
    assert indexer.update(first) is second
    assert sorted(indexer.list_keys()) == ["default/a", "default/b"]
    assert indexer.get_by_key("default/a") is first


def test_key_is_computed_from_the_original_object_C_6() -> None:
    def rename(obj: Obj) -> Obj:
        return {"metadata": {**obj["metadata"], "name": "renamed"}, "stripped": True}

    indexer: Indexer[Obj] = Indexer(transform=rename)
    indexer.add(pod("a"))
    stored = indexer.get_by_key("default/a")
    assert stored is not None
    assert stored["stripped"] is True
    assert indexer.list_keys() == ["default/a"]


@pytest.mark.parametrize("method", ["add", "update", "replace"])
def test_transform_applies_to_stored_objects_C_6(method: str) -> None:
    seen: list[Obj] = []

    def strip(obj: Obj) -> Obj:
        seen.append(obj)
        return {"metadata": {k: v for k, v in obj["metadata"].items() if k != "managedFields"}}

    indexer: Indexer[Obj] = Indexer(
        transform=strip, indexers={NAMESPACE_INDEX: meta_namespace_index_func}
    )
    original = pod("a")
    original["metadata"]["managedFields"] = [{"manager": "kubectl"}]
    if method == "replace":
        indexer.replace([original], "5")
    else:
        getattr(indexer, method)(original)
    stored = indexer.get_by_key("default/a")
    assert seen == [original]
    assert stored is not None
    assert "managedFields" not in stored["metadata"]
    assert indexer.by_index(NAMESPACE_INDEX, "default") == [stored]


def test_transform_is_not_applied_to_deletes_C_6() -> None:
    calls: list[object] = []

    def transform(obj: Obj) -> Obj:
        calls.append(obj)
        return obj

    indexer: Indexer[Obj] = Indexer(transform=transform)
    indexer.add(pod("a"))
    indexer.delete(pod("a"))
    indexer.delete(DeletedFinalStateUnknown("default/a", None))
    assert len(calls) == 1


def boom(obj: Obj) -> Obj:
    raise ValueError("bad object")


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(lambda ix: ix.add(pod("new")), id="add"),
        pytest.param(lambda ix: ix.update(pod("a", rv="9")), id="update"),
        pytest.param(lambda ix: ix.replace([pod("x")], "9"), id="replace"),
    ],
)
def test_transform_error_is_typed_and_leaves_store_unchanged_C_6(
    write: Callable[[Indexer[Obj]], object],
) -> None:
    indexer: Indexer[Obj] = Indexer(transform=lambda obj: obj, indexers={"app": by_app})
    indexer.add(pod("a", app="web"))
    before = snapshot(indexer)
    indexer._transform = boom
    with pytest.raises(TransformError, match=r"^transforming: bad object$") as caught:
        write(indexer)
    assert isinstance(caught.value.__cause__, ValueError)
    assert isinstance(caught.value, KinformerError)
    assert snapshot(indexer) == before


NO_META: Obj = {"kind": "Pod"}


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda ix: ix.add(NO_META), id="add"),
        pytest.param(lambda ix: ix.update(NO_META), id="update"),
        pytest.param(lambda ix: ix.delete(NO_META), id="delete"),
        pytest.param(lambda ix: ix.get(NO_META), id="get"),
        pytest.param(lambda ix: ix.replace([pod("x"), NO_META], "9"), id="replace"),
    ],
)
def test_key_errors_raise_key_func_error_and_change_nothing_C_6_C_7_C_8_C_10(
    call: Callable[[Indexer[Obj]], object],
) -> None:
    indexer = make(pod("a", app="web"))
    indexer.bookmark("3")
    before = snapshot(indexer)
    with pytest.raises(KeyFuncError, match="object has no meta") as caught:
        call(indexer)
    assert caught.value.obj is NO_META
    assert snapshot(indexer) == before


def test_custom_key_func_errors_are_wrapped_C_6() -> None:
    def key_func(obj: Obj) -> str:
        raise LookupError("no uid")

    indexer: Indexer[Obj] = Indexer(key_func=key_func)
    with pytest.raises(KeyFuncError, match="no uid") as caught:
        indexer.add(pod("a"))
    assert isinstance(caught.value.__cause__, LookupError)


def test_delete_removes_by_key_and_unindexes_the_stored_object_C_7_C_14() -> None:
    stored = pod("a", app="web", tags=("x", "y"))
    indexer = make(stored, pod("b", app="web"))
    # The deleted object's own content does not matter: only its key (and RV) do.
    assert indexer.delete(pod("a", app="other", rv="7")) is stored
    assert indexer.list_keys() == ["default/b"]
    assert indices(indexer, "app") == {"web": ["default/b"]}
    assert indices(indexer, "tags") == {}
    assert indexer.last_store_sync_resource_version == "7"


def test_delete_of_absent_key_is_a_no_op_C_7() -> None:
    indexer = make(pod("a", app="web"))
    before = snapshot(indexer)
    assert indexer.delete(pod("missing", rv="1")) is None
    assert snapshot(indexer) == before


def test_delete_accepts_tombstones_C_2_C_7() -> None:
    indexer = make(pod("a", app="web"))
    assert indexer.delete(DeletedFinalStateUnknown("default/a", None)) is not None
    assert len(indexer) == 0
    assert indexer.list_index_func_values("app") == []


def test_get_returns_the_stored_instance_C_8() -> None:
    stored = pod("a")
    indexer = make(stored)
    assert indexer.get(pod("a", rv="other")) is stored
    assert indexer.get_by_key("default/a") is stored
    assert indexer.get(pod("b")) is None
    assert indexer.get_by_key("default/b") is None
    assert indexer.get(DeletedFinalStateUnknown("default/a", None)) is stored


def test_list_and_list_keys_are_snapshots_C_9() -> None:
    a, b = pod("a"), pod("b", "")
    indexer = make(a, b)
    objects, keys = indexer.list(), indexer.list_keys()
    assert sorted(map(id, objects)) == sorted([id(a), id(b)])
    assert sorted(keys) == ["b", "default/a"]
    objects.clear()
    keys.clear()
    indexer.add(pod("c"))
    assert len(indexer.list()) == 3
    assert len(indexer.list_keys()) == 3
    assert objects == []
    assert keys == []


def test_replace_makes_the_store_equal_the_list_C_10() -> None:
    indexer = make(pod("old", app="web", tags=("t",)), pod("kept", app="web"))
    kept, new = pod("kept", app="db"), pod("new", "other", app="db")
    indexer.replace([kept, new], "42")
    assert sorted(indexer.list_keys()) == ["default/kept", "other/new"]
    assert indexer.get_by_key("default/kept") is kept
    assert indices(indexer, "app") == {"db": ["default/kept", "other/new"]}
    assert indices(indexer, "tags") == {}
    assert indices(indexer, NAMESPACE_INDEX) == {
        "default": ["default/kept"],
        "other": ["other/new"],
    }
    assert indexer.last_store_sync_resource_version == "42"


def test_replace_with_duplicate_keys_last_one_wins_C_10() -> None:
    first, last = pod("a", app="one", rv="1"), pod("a", app="two", rv="2")
    indexer = make()
    indexer.replace(iter([first, last]), "2")
    assert indexer.list() == [last]
    assert indexer.get_by_key("default/a") is last
    assert indices(indexer, "app") == {"two": ["default/a"]}


def test_replace_with_nothing_empties_the_store_C_10() -> None:
    indexer = make(pod("a", app="web"))
    indexer.replace([], "")
    assert len(indexer) == 0
    assert indexer.list_index_func_values("app") == []
    assert indexer.last_store_sync_resource_version == ""


def test_replace_index_error_leaves_store_unchanged_C_10_C_15() -> None:
    indexer = make(pod("a", app="web"), app=failing_on("bad"))
    before = snapshot(indexer)
    with pytest.raises(IndexFuncError, match="'default/bad' on index 'app'"):
        indexer.replace([pod("x", app="y"), pod("bad")], "9")
    assert snapshot(indexer) == before


def test_replace_indexes_with_indexers_added_while_it_built_C_10_C_18() -> None:
    # Simulates an add_indexers from another thread landing while replace() indexes its list
    # outside the lock: the replace must come out indexed by every registered index.
    added = False

    def app_and_register(obj: Obj) -> list[str]:
        nonlocal added
        if not added:
            added = True
            indexer.add_indexers({"late": lambda o: [o["metadata"]["name"]]})
        return by_app(obj)

    indexer = make(app=app_and_register)
    indexer.replace([pod("a", app="web"), pod("b", app="web")], "9")
    assert indices(indexer, "late") == {"a": ["default/a"], "b": ["default/b"]}
    assert indices(indexer, "app") == {"web": ["default/a", "default/b"]}


# -------------------------------------------------------------------------------- C-12, C-20


def rv_after(*steps: Callable[[Indexer[Any]], object]) -> str:
    indexer: Indexer[Any] = Indexer()
    indexer.bookmark("start")
    for step in steps:
        step(indexer)
    return indexer.last_store_sync_resource_version


@pytest.mark.parametrize(
    ("steps", "rv"),
    [
        pytest.param([], "start", id="bookmark-sets-it"),
        pytest.param([lambda ix: ix.add(pod("a", rv="5"))], "5", id="add"),
        pytest.param([lambda ix: ix.update(pod("a", rv="6"))], "6", id="update"),
        pytest.param([lambda ix: ix.add(pod("a", rv=None))], "", id="meta-without-rv-gives-empty"),
        pytest.param(
            [lambda ix: ix.add(pod("a", rv="5")), lambda ix: ix.add(ExplicitKey("k"))],
            "5",
            id="no-metadata-keeps-it",
        ),
        pytest.param(
            [lambda ix: ix.add(pod("a", rv="5")), lambda ix: ix.delete(pod("a", rv="8"))],
            "8",
            id="delete-uses-deleted-object",
        ),
        pytest.param([lambda ix: ix.delete(pod("absent", rv="8"))], "8", id="delete-absent"),
        pytest.param(
            [
                lambda ix: ix.add(pod("a", rv="5")),
                lambda ix: ix.delete(DeletedFinalStateUnknown("default/a", pod("a", rv="4"))),
            ],
            "5",
            id="tombstone-has-no-metadata",
        ),
        pytest.param([lambda ix: ix.replace([pod("a", rv="5")], "")], "", id="replace-even-empty"),
        pytest.param(
            [lambda ix: ix.add(pod("a", rv="5")), lambda ix: ix.bookmark("99")],
            "99",
            id="bookmark-after-write",
        ),
        pytest.param(
            [
                lambda ix: ix.transaction(
                    [Transaction(ADD, pod("a", rv="10")), Transaction(UPDATE, pod("b", rv="11"))]
                )
            ],
            "11",
            id="transaction-last-object",
        ),
        pytest.param(
            [
                lambda ix: ix.transaction(
                    [Transaction(ADD, pod("a", rv="10")), Transaction(ADD, ExplicitKey("k"))]
                )
            ],
            "10",
            id="transaction-last-object-with-metadata",
        ),
    ],
)
def test_last_store_sync_resource_version_C_12_C_20(
    steps: list[Callable[[Indexer[Obj]], object]], rv: str
) -> None:
    assert rv_after(*steps) == rv


def test_last_store_sync_resource_version_starts_empty_C_20() -> None:
    assert make().last_store_sync_resource_version == ""


def test_resource_version_is_read_before_the_transform_C_20() -> None:
    indexer: Indexer[Obj] = Indexer(transform=lambda obj: {"metadata": {"name": "x"}})
    indexer.add(pod("a", rv="77"))
    assert indexer.last_store_sync_resource_version == "77"


# ------------------------------------------------------------------------------- C.3 indexes


def test_index_functions_may_give_zero_one_or_many_values_C_13() -> None:
    indexer = make(pod("none"), pod("one", tags=("x",)), pod("two", tags=("x", "y")))
    assert indices(indexer, "tags") == {
        "x": ["default/one", "default/two"],
        "y": ["default/two"],
    }


def test_duplicate_values_of_one_object_index_it_once_C_13_C_14() -> None:
    indexer = make(pod("a", tags=("x", "x")))
    assert indices(indexer, "tags") == {"x": ["default/a"]}
    indexer.update(pod("a", tags=("y",)))
    assert indices(indexer, "tags") == {"y": ["default/a"]}


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        pytest.param(("x",), ("y",), {"y": ["default/a"]}, id="single-value-moves"),
        pytest.param(("x",), ("x",), {"x": ["default/a"]}, id="single-value-unchanged"),
        pytest.param(("x", "y"), ("y", "z"), {"y": ["default/a"], "z": ["default/a"]}, id="multi"),
        pytest.param(("x",), (), {}, id="loses-all-values"),
        pytest.param((), ("x",), {"x": ["default/a"]}, id="gains-a-value"),
    ],
)
def test_update_moves_the_key_between_values_C_14(
    before: tuple[str, ...], after: tuple[str, ...], expected: dict[str, list[str]]
) -> None:
    indexer = make(pod("a", tags=before), pod("b", tags=("other",)))
    indexer.update(pod("a", tags=after))
    assert indices(indexer, "tags") == {**expected, "other": ["default/b"]}


def test_empty_value_sets_are_deleted_C_14() -> None:
    indexer = make(pod("a", app="web"), pod("b", app="web"), pod("c", app="db"))
    indexer.update(pod("c", app="web"))
    assert sorted(indexer.list_index_func_values("app")) == ["web"]
    indexer.delete(pod("a"))
    indexer.delete(pod("b"))
    indexer.delete(pod("c"))
    assert indexer.list_index_func_values("app") == []
    assert indexer._indices["app"] == {}


def test_unchanged_single_value_is_not_touched_C_14() -> None:
    indexer = make(pod("a", app="web"))
    members = indexer._indices["app"]["web"]
    newer = pod("a", app="web", rv="2")
    indexer.update(newer)
    # Without the fast path the value map would have been emptied, deleted and made again.
    assert indexer._indices["app"]["web"] is members
    assert indexer.by_index("app", "web") == [newer]
    assert indexer.by_index("app", "web")[0] is newer
    newest = pod("a", app="web", tags=("t",))
    indexer.update(newest)
    assert indexer._indices["app"]["web"] is members
    assert indexer.by_index("app", "web")[0] is newest


class Poisoned:
    """A tags index function that raises for chosen object instances."""

    def __init__(self) -> None:
        self.bad: set[int] = set()

    def __call__(self, obj: Obj) -> list[str]:
        if id(obj) in self.bad:
            raise RuntimeError("poisoned")
        return by_tags(obj)


@pytest.mark.parametrize(
    ("poison", "name", "write"),
    [
        pytest.param("new", "c", Indexer.add, id="add-new-object-fails"),
        pytest.param("new", "a", Indexer.update, id="update-new-object-fails"),
        pytest.param("stored", "a", Indexer.update, id="update-old-object-fails"),
        pytest.param("stored", "a", Indexer.delete, id="delete-stored-object-fails"),
    ],
)
def test_index_error_during_write_leaves_store_exactly_unchanged_C_15(
    poison: str, name: str, write: Callable[[Indexer[Obj], Obj], object]
) -> None:
    poisoned = Poisoned()
    stored = pod("a", app="web", tags=("x",), rv="1")
    # The failing index is registered last, so a store that mutates index by index (as
    # client-go does before it panics) would already have moved "a" in "app" and "tags".
    indexer = make(stored, pod("b", app="web"), app=by_app, tags=by_tags, zz=poisoned)
    before = snapshot(indexer)
    new = pod(name, app="db", tags=("y",), rv="2")
    poisoned.bad.add(id(new if poison == "new" else stored))
    with pytest.raises(IndexFuncError) as caught:
        write(indexer, new)
    assert caught.value.index_name == "zz"
    assert caught.value.key == f"default/{name}"
    assert isinstance(caught.value.__cause__, RuntimeError)
    assert snapshot(indexer) == before


def test_index_error_message_names_key_and_index_C_15() -> None:
    indexer = make(app=failing_on("a"))
    with pytest.raises(IndexFuncError) as caught:
        indexer.add(pod("a"))
    assert str(caught.value) == (
        "unable to calculate an index entry for key 'default/a' on index 'app': cannot index a"
    )
    assert len(indexer) == 0


def test_meta_namespace_index_func_error_is_an_index_error_C_15_C_19() -> None:
    indexer: Indexer[Any] = Indexer(indexers={NAMESPACE_INDEX: meta_namespace_index_func})
    with pytest.raises(IndexFuncError, match="object has no meta"):
        indexer.add(ExplicitKey("k"))
    assert len(indexer) == 0


def test_index_returns_objects_sharing_a_value_C_16() -> None:
    a, b, c = pod("a", tags=("x",)), pod("b", tags=("x", "y")), pod("c", tags=("z",))
    indexer = make(a, b, c)
    assert sorted(map(id, indexer.index("tags", pod("q", tags=("x",))))) == sorted([id(a), id(b)])
    found = indexer.index("tags", pod("q", tags=("x", "y", "nothing")))
    assert sorted(map(id, found)) == sorted([id(a), id(b)])  # b once, not twice
    assert indexer.index("tags", pod("q")) == []
    assert indexer.index("tags", pod("q", tags=("nothing",))) == []
    assert indexer.index("tags", c) == [c]


def test_index_errors_C_16() -> None:
    indexer = make(pod("a"), app=failing_on("q"))
    with pytest.raises(IndexNotFoundError, match=r"^Index with name nope does not exist$"):
        indexer.index("nope", pod("a"))
    with pytest.raises(IndexFuncError, match=r"^unable to calculate an index entry on index 'app'"):
        indexer.index("app", pod("q"))


def test_by_index_C_17() -> None:
    a, b = pod("a", app="web"), pod("b", "other", app="web")
    indexer = make(a, b, pod("c", app="db"))
    assert sorted(map(id, indexer.by_index("app", "web"))) == sorted([id(a), id(b)])
    assert indexer.by_index("app", "unknown") == []
    assert indexer.by_index(NAMESPACE_INDEX, "other") == [b]


def test_index_keys_sorted_C_17() -> None:
    names = ["m", "b", "z", "a", "k"]
    indexer = make(*(pod(n, app="web") for n in names))
    assert indexer.index_keys("app", "web") == [f"default/{n}" for n in sorted(names)]
    assert indexer.index_keys("app", "unknown") == []


@pytest.mark.parametrize(
    "read",
    [
        pytest.param(lambda ix: ix.by_index("nope", "v"), id="by_index"),
        pytest.param(lambda ix: ix.index_keys("nope", "v"), id="index_keys"),
        pytest.param(lambda ix: ix.index("nope", pod("a")), id="index"),
    ],
)
def test_unknown_index_is_a_typed_error_C_16_C_17(read: Callable[[Indexer[Obj]], object]) -> None:
    with pytest.raises(IndexNotFoundError) as caught:
        read(make(pod("a")))
    assert str(caught.value) == "Index with name nope does not exist"
    assert caught.value.name == "nope"
    assert isinstance(caught.value, KinformerError)
    assert isinstance(caught.value, LookupError)


def test_list_index_func_values_C_17() -> None:
    indexer = make(pod("a", tags=("x", "y")), pod("b", tags=("y",)))
    assert sorted(indexer.list_index_func_values("tags")) == ["x", "y"]
    assert indexer.list_index_func_values("nope") == []
    assert indexer.list_index_func_values("app") == []


def test_indexers_is_a_read_only_view_C_17() -> None:
    indexer = make(app=by_app)
    view = indexer.indexers
    assert dict(view) == {"app": by_app}
    with pytest.raises(TypeError):
        view["x"] = by_app  # type: ignore[index]
    indexer.add_indexers({"tags": by_tags})
    assert set(indexer.indexers) == {"app", "tags"}


def test_add_indexers_indexes_existing_items_at_once_C_18() -> None:
    indexer = make(pod("a", app="web", tags=("x",)), pod("b", tags=("x", "y")), app=by_app)
    indexer.add_indexers({"tags": by_tags, NAMESPACE_INDEX: meta_namespace_index_func})
    assert indices(indexer, "tags") == {"x": ["default/a", "default/b"], "y": ["default/b"]}
    assert indices(indexer, NAMESPACE_INDEX) == {"default": ["default/a", "default/b"]}
    indexer.update(pod("b", tags=("z",)))
    assert indices(indexer, "tags") == {"x": ["default/a"], "z": ["default/b"]}


@pytest.mark.parametrize(
    ("new", "clashes"),
    [
        pytest.param({"app": by_tags}, "app", id="one-clash"),
        pytest.param(
            {"tags": by_tags, "app": by_app, "namespace": by_app}, "app, namespace", id="all-named"
        ),
    ],
)
def test_add_indexers_conflict_adds_nothing_C_18(new: dict[str, IndexFunc], clashes: str) -> None:
    indexer = make(pod("a", app="web"), app=by_app, namespace=meta_namespace_index_func)
    before = snapshot(indexer)
    with pytest.raises(IndexerConflictError) as caught:
        indexer.add_indexers(new)
    assert str(caught.value) == f"indexer conflict: {clashes}"
    assert caught.value.names == tuple(clashes.split(", "))
    assert set(indexer.indexers) == {"app", "namespace"}
    assert snapshot(indexer) == before


def test_add_indexers_index_error_adds_nothing_C_18_C_15() -> None:
    indexer = make(pod("a"), pod("bad"), app=by_app)
    before = snapshot(indexer)
    with pytest.raises(IndexFuncError, match="'default/bad' on index 'tags'"):
        indexer.add_indexers({"ok": by_app, "tags": failing_on("bad", by_tags)})
    assert set(indexer.indexers) == {"app"}
    assert snapshot(indexer) == before
    with pytest.raises(IndexNotFoundError):
        indexer.by_index("ok", "x")


def test_add_no_indexers_is_a_no_op_C_18() -> None:
    indexer = make(pod("a", app="web"), app=by_app)
    indexer.add_indexers({})
    assert set(indexer.indexers) == {"app"}


@pytest.mark.parametrize(
    ("obj", "values"),
    [
        pytest.param(pod("a", "default"), ["default"], id="namespaced"),
        pytest.param(pod("n", ""), [""], id="cluster-scoped"),
        pytest.param({"metadata": {"name": "n", "namespace": None}}, [""], id="null-namespace"),
    ],
)
def test_meta_namespace_index_func_C_19(obj: Obj, values: list[str]) -> None:
    assert NAMESPACE_INDEX == "namespace"
    assert meta_namespace_index_func(obj) == values


def test_meta_namespace_index_func_without_meta_raises_C_15_C_19() -> None:
    with pytest.raises(ValueError, match="object has no meta"):
        meta_namespace_index_func({"kind": "Pod"})


def test_cluster_scoped_objects_index_under_empty_namespace_C_19() -> None:
    node = pod("node-a", "")
    indexer = make(node, pod("a"))
    assert indexer.by_index(NAMESPACE_INDEX, "") == [node]
    assert sorted(indexer.list_index_func_values(NAMESPACE_INDEX)) == ["", "default"]


# ------------------------------------------------------------------------------ C-21 batches


def test_transaction_applies_writes_in_order_C_21() -> None:
    a1, a2, b = (
        pod("a", app="one", rv="2"),
        pod("a", app="two", rv="3"),
        pod("b", app="one", rv="4"),
    )
    indexer = make(pod("gone", app="one"))
    indexer.transaction(
        [
            Transaction(ADD, a1),
            Transaction(UPDATE, a2),
            Transaction(ADD, b),
            Transaction(DELETE, pod("gone", rv="5")),
            Transaction(DELETE, pod("absent", rv="6")),
        ]
    )
    assert indexer.get_by_key("default/a") is a2
    assert sorted(indexer.list_keys()) == ["default/a", "default/b"]
    assert indices(indexer, "app") == {"one": ["default/b"], "two": ["default/a"]}
    assert indexer.last_store_sync_resource_version == "6"


def test_transaction_skips_and_reports_failed_writes_C_21() -> None:
    indexer: Indexer[Obj] = Indexer(
        indexers={"app": failing_on("bad-index")},
        transform=lambda obj: boom(obj) if obj["metadata"]["name"] == "bad-transform" else obj,
    )
    indexer.add(pod("kept", app="web", rv="1"))
    batch = [
        Transaction(ADD, pod("a", app="web", rv="2")),
        Transaction(UPDATE, pod("bad-index", app="web", rv="3")),
        Transaction(ADD, NO_META),
        Transaction(DELETE, pod("kept", rv="4")),
        Transaction(ADD, pod("bad-transform", rv="5")),
        Transaction(ADD, pod("c", app="db", rv="6")),
        Transaction(DELETE, NO_META),
    ]
    with pytest.raises(TransactionError) as caught:
        indexer.transaction(batch)
    error = caught.value
    assert error.successful_indices == [0, 3, 5]
    assert error.total_transactions == 7
    assert [type(e) for e in error.errors] == [
        IndexFuncError,
        KeyFuncError,
        TransformError,
        KeyFuncError,
    ]
    assert str(error).startswith("failed to apply 4 of 7 transactions: unable to calculate")
    assert sorted(indexer.list_keys()) == ["default/a", "default/c"]
    assert indices(indexer, "app") == {"db": ["default/c"], "web": ["default/a"]}
    assert indexer.last_store_sync_resource_version == "6"


def test_empty_transaction_is_a_no_op_C_21() -> None:
    indexer = make(pod("a"))
    before = snapshot(indexer)
    indexer.transaction([])
    assert snapshot(indexer) == before


# ---------------------------------------------------------------------------------- dunders


def test_len_contains_repr() -> None:
    indexer = make(pod("a"), pod("n", ""), app=by_app)
    assert len(indexer) == 2
    assert "default/a" in indexer
    assert "n" in indexer
    assert "default/n" not in indexer
    assert repr(indexer) == "<Indexer items=2 indexes=['app']>"


def test_no_indexers_store_works_C_6_C_7() -> None:
    indexer: Indexer[Obj] = Indexer()
    a = pod("a")
    indexer.add(a)
    assert indexer.update(pod("a")) is a
    assert indexer.delete(pod("a")) is not None
    assert len(indexer) == 0
    assert indexer.indexers == {}


# --------------------------------------------------------------------------- concurrency


@pytest.fixture
def fast_thread_switching() -> Iterator[None]:
    """Switch threads every microsecond, so a missing lock shows up within a few writes."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(interval)


N_OBJECTS = 40
GENERATIONS = 60


@pytest.mark.slow
def test_readers_never_see_a_half_applied_write_C_14_C_21(fast_thread_switching: None) -> None:
    """A writer moves every object to the next generation in one batch, and single objects
    between two label values; readers check each answer is consistent with one state."""
    names = [f"p{i:02d}" for i in range(N_OBJECTS)]
    indexer = make(*(pod(n, app="gen-0", tags=("even",)) for n in names))
    probe = pod("probe", tags=("even", "odd"))
    done = threading.Event()
    problems: list[str] = []

    def writer() -> None:
        try:
            for gen in range(1, GENERATIONS + 1):
                indexer.transaction(
                    [Transaction(UPDATE, pod(n, app=f"gen-{gen}", tags=("even",))) for n in names]
                )
                parity = "odd" if gen % 2 else "even"
                indexer.update(pod(names[0], app=f"gen-{gen}", tags=(parity,)))
        finally:
            done.set()

    def reader() -> None:
        reads = 0
        while not done.is_set() or reads < 20:
            reads += 1
            objects = indexer.list()
            gens = {o["metadata"]["labels"]["app"] for o in objects}
            if len(objects) != N_OBJECTS or len(gens) != 1:
                problems.append(f"list saw {len(objects)} objects of generations {gens}")
            values = indexer.list_index_func_values("app")
            if len(values) != 1:
                problems.append(f"app index has values {values}")
            for value in values:
                found = indexer.by_index("app", value)
                if any(o["metadata"]["labels"]["app"] != value for o in found):
                    problems.append(f"by_index({value}) returned objects of other values")
            tagged = indexer.index("tags", probe)
            if len(tagged) != N_OBJECTS:
                problems.append(f"{len(tagged)} objects tagged even or odd")

    readers = [threading.Thread(target=reader) for _ in range(2)]
    write = threading.Thread(target=writer)
    for thread in [*readers, write]:
        thread.start()
    for thread in [write, *readers]:
        thread.join(timeout=30)
    assert not problems, problems[:5]
    assert {o["metadata"]["labels"]["app"] for o in indexer.list()} == {f"gen-{GENERATIONS}"}


# ------------------------------------------------------------------ random operations (C-14)

NAMES = ["a", "b", "c", "d", "e", "f"]


def guard(obj: Obj) -> list[str]:
    """Raises for app "poison": such objects can never be stored (spec C-15)."""
    if obj["metadata"]["labels"].get("app") == "poison":
        raise ValueError("poison")
    return []


def by_namespace_and_app(obj: Obj) -> list[str]:
    return [obj["metadata"].get("namespace", ""), *by_app(obj)]


def by_first_letter(obj: Obj) -> list[str]:
    return [obj["metadata"]["name"][0]]


LATE_INDEXERS: dict[str, IndexFunc] = {
    "ns+app": by_namespace_and_app,
    "letter": by_first_letter,
    "app": by_app,  # always clashes
}

objects = st.builds(
    pod,
    st.sampled_from(NAMES),
    st.sampled_from(["", "default", "kube-system"]),
    rv=st.sampled_from([None, "1", "2", "3"]),
    app=st.sampled_from([None, "web", "db", "poison"]),
    tags=st.lists(st.sampled_from(["x", "y", "z"]), max_size=3).map(tuple),
)
transactions = st.builds(Transaction, st.sampled_from(list(TransactionType)), objects)


def key_of(obj: Obj) -> str:
    meta = obj["metadata"]
    return f"{meta['namespace']}/{meta['name']}" if meta.get("namespace") else str(meta["name"])


def poisoned(obj: Obj) -> bool:
    return bool(obj["metadata"]["labels"].get("app") == "poison")


class IndexerMachine(RuleBasedStateMachine):
    """Random writes against a plain-dict model; the indexes are recomputed after every step."""

    codec: JSONCodec | None = None

    def __init__(self) -> None:
        super().__init__()
        self.indexers: dict[str, IndexFunc] = {
            NAMESPACE_INDEX: meta_namespace_index_func,
            "app": by_app,
            "tags": by_tags,
            "guard": guard,
        }
        self.indexer: Indexer[Obj] = Indexer(indexers=self.indexers, codec=self.codec)
        self.model: dict[str, Obj] = {}
        self.rv = ""

    def _write(self, obj: Obj, write: Callable[[Obj], object]) -> None:
        if poisoned(obj):
            with pytest.raises(IndexFuncError):
                write(obj)
            return
        expected_old = self.model.get(key_of(obj))
        self.assert_same(write(obj), expected_old)
        self.model[key_of(obj)] = obj
        self.rv = obj["metadata"].get("resourceVersion", "")

    @rule(obj=objects)
    def add(self, obj: Obj) -> None:
        self._write(obj, self.indexer.add)

    @rule(obj=objects)
    def update(self, obj: Obj) -> None:
        self._write(obj, self.indexer.update)

    @rule(obj=objects, tombstone=st.booleans())
    def delete(self, obj: Obj, tombstone: bool) -> None:
        key = key_of(obj)
        expected = self.model.pop(key, None)
        if tombstone:
            self.assert_same(self.indexer.delete(DeletedFinalStateUnknown(key, obj)), expected)
        else:
            self.assert_same(self.indexer.delete(obj), expected)
            self.rv = obj["metadata"].get("resourceVersion", "")

    @rule(new=st.lists(objects, max_size=8), rv=st.sampled_from(["", "7", "8"]))
    def replace(self, new: list[Obj], rv: str) -> None:
        final = {key_of(obj): obj for obj in new}  # duplicates: the last one wins (C-10)
        if any(map(poisoned, final.values())):
            with pytest.raises(IndexFuncError):
                self.indexer.replace(new, rv)
            return
        self.indexer.replace(new, rv)
        self.model = final
        self.rv = rv

    @rule(batch=st.lists(transactions, max_size=6))
    def transaction(self, batch: list[Transaction]) -> None:
        successful = []
        for position, txn in enumerate(batch):
            key = key_of(txn.obj)
            if txn.type is TransactionType.DELETE:
                self.model.pop(key, None)
            elif poisoned(txn.obj):
                continue
            else:
                self.model[key] = txn.obj
            successful.append(position)
            self.rv = txn.obj["metadata"].get("resourceVersion", "")
        if len(successful) == len(batch):
            self.indexer.transaction(batch)
        else:
            with pytest.raises(TransactionError) as caught:
                self.indexer.transaction(batch)
            assert caught.value.successful_indices == successful

    @rule(name=st.sampled_from(sorted(LATE_INDEXERS)))
    def add_indexer(self, name: str) -> None:
        if name in self.indexers:
            with pytest.raises(IndexerConflictError):
                self.indexer.add_indexers({name: LATE_INDEXERS[name]})
            return
        self.indexer.add_indexers({name: LATE_INDEXERS[name]})
        self.indexers[name] = LATE_INDEXERS[name]

    @rule(rv=st.sampled_from(["b1", "b2"]))
    def bookmark(self, rv: str) -> None:
        self.indexer.bookmark(rv)
        self.rv = rv

    @invariant()
    def store_matches_model(self) -> None:
        indexer = self.indexer
        assert sorted(indexer.list_keys()) == sorted(self.model)
        self.assert_same_objects(indexer.list(), list(self.model.values()))
        for key, obj in self.model.items():
            self.assert_same(indexer.get_by_key(key), obj)
            assert key in indexer
        assert len(indexer) == len(self.model)
        assert indexer.last_store_sync_resource_version == self.rv

    @invariant()
    def indexes_equal_a_recomputation(self) -> None:
        indexer = self.indexer
        assert set(indexer.indexers) == set(self.indexers)
        assert set(indexer._indices) == set(self.indexers)
        for name, index_func in self.indexers.items():
            expected: dict[str, set[str]] = {}
            for key, obj in self.model.items():
                for value in index_func(obj):
                    expected.setdefault(value, set()).add(key)
            index = indexer._indices[name]
            assert {value: set(members) for value, members in index.items()} == expected
            assert all(index.values()), "an empty value map survived"
            for members in index.values():
                for key, stored in members.items():
                    assert stored is indexer._items[key]
            assert sorted(indexer.list_index_func_values(name)) == sorted(expected)
            for value, keys in expected.items():
                assert indexer.index_keys(name, value) == sorted(keys)
                found = indexer.by_index(name, value)
                self.assert_same_objects(found, [self.model[key] for key in keys])

    @invariant()
    def kept_values_equal_a_recomputation(self) -> None:
        indexer = self.indexer
        if self.codec is None:
            assert indexer._values is None
            return
        kept = indexer._values
        assert kept is not None
        if not indexer._specs:
            assert kept == {}
            return
        assert set(kept) == set(self.model)
        for key, obj in self.model.items():
            expected = tuple(tuple(index_func(obj)) for _, index_func, _ in indexer._specs)
            assert kept[key] == expected

    def assert_same(self, got: object, expected: Obj | None) -> None:
        """The stored instance itself; in the compact mode an equal, new object."""
        if self.codec is None or expected is None:
            assert got is expected
        else:
            assert got == expected
            assert got is not expected

    def assert_same_objects(self, got: list[Obj], expected: list[Obj]) -> None:
        if self.codec is None:
            assert sorted(map(id, got)) == sorted(map(id, expected))
        else:
            assert sorted(map(orjson.dumps, got)) == sorted(map(orjson.dumps, expected))


TestIndexerMachine = pytest.mark.slow(IndexerMachine.TestCase)
TestIndexerMachine.settings = settings(max_examples=60, stateful_step_count=50, deadline=None)


class CompactIndexerMachine(IndexerMachine):
    """The same random writes on a compact indexer (JSON codec): equal, fresh objects."""

    codec = JSONCodec()


TestCompactIndexerMachine = pytest.mark.slow(CompactIndexerMachine.TestCase)
TestCompactIndexerMachine.settings = settings(
    max_examples=25, stateful_step_count=50, deadline=None
)


# ------------------------------------------------------------------ the compact mode (codec)


class CountingCodec:
    """A JSON codec that counts its calls, to show what the compact mode decodes."""

    def __init__(self) -> None:
        self.inner = JSONCodec()
        self.encodes = 0
        self.decodes = 0

    def encode(self, obj: Any, /) -> bytes:
        self.encodes += 1
        return self.inner.encode(obj)

    def decode(self, stored: bytes, /) -> Any:
        self.decodes += 1
        return self.inner.decode(stored)


def compact(*objects: Obj, codec: Any = None, **indexers: IndexFunc) -> Indexer[Obj]:
    if not indexers:
        indexers = {NAMESPACE_INDEX: meta_namespace_index_func, "app": by_app, "tags": by_tags}
    indexer: Indexer[Obj] = Indexer(indexers=indexers, codec=codec or JSONCodec())
    for obj in objects:
        indexer.add(obj)
    return indexer


READS: list[Any] = [
    pytest.param(lambda ix: ix.get(pod("a")), id="get"),
    pytest.param(lambda ix: ix.get_by_key("default/a"), id="get_by_key"),
    pytest.param(lambda ix: ix.list()[0], id="list"),
    pytest.param(lambda ix: ix.by_index("app", "web")[0], id="by_index"),
    pytest.param(lambda ix: ix.index("tags", pod("q", tags=("x",)))[0], id="index-one-value"),
    pytest.param(lambda ix: ix.index("tags", pod("q", tags=("x", "y")))[0], id="index-merged"),
    pytest.param(lambda ix: ix.update(pod("a", app="web", tags=("x",))), id="update-returns"),
    pytest.param(lambda ix: ix.delete(pod("a")), id="delete-returns"),
]


@pytest.mark.parametrize("read", READS)
def test_compact_reads_return_fresh_equal_objects(read: Callable[[Indexer[Obj]], Obj]) -> None:
    original = pod("a", app="web", tags=("x",))
    indexer = compact(original)
    first, second = read(indexer), read(indexer) if len(indexer) else None
    assert first == original
    assert first is not original
    assert first is not second
    first["metadata"]["labels"]["app"] = "mutated"
    first["spec"]["added"] = True
    original["spec"]["changed"] = True  # the writer's object is not shared either
    if len(indexer):
        assert indexer.get_by_key("default/a") == pod("a", app="web", tags=("x",))


def test_compact_store_keeps_encoded_objects_shared_by_the_indexes() -> None:
    obj = pod("a", app="web", tags=("x", "y"))
    indexer = compact(obj)
    stored = indexer._items["default/a"]
    assert isinstance(stored, bytes)
    assert orjson.loads(stored) == obj
    assert indexer._indices["app"]["web"]["default/a"] is stored
    assert indexer._indices["tags"]["y"]["default/a"] is stored
    assert indexer._values == {"default/a": (("default",), ("web",), ("x", "y"))}
    assert indexer.codec is not None
    assert repr(indexer) == "<Indexer items=1 indexes=['app', 'namespace', 'tags'] compact>"


def test_compact_index_values_and_keys_come_from_the_object_before_encoding_C_6() -> None:
    seen: list[object] = []

    def transform(obj: Obj) -> Obj:
        return {**obj, "transformed": True}

    def recording(obj: Obj) -> list[str]:
        seen.append(obj)
        return by_app(obj)

    indexer: Indexer[Obj] = Indexer(
        transform=transform, indexers={"app": recording}, codec=JSONCodec()
    )
    indexer.add(pod("a", app="web"))
    indexer.replace([pod("b", app="db")], "3")
    assert all(isinstance(obj, dict) and obj["transformed"] for obj in seen)
    assert indexer.index_keys("app", "db") == ["default/b"]
    assert indexer.get_by_key("default/b") == {**pod("b", app="db"), "transformed": True}


@pytest.mark.parametrize("write", ["update", "delete"])
def test_compact_index_functions_never_run_on_the_stored_object_C_14_C_15(write: str) -> None:
    """Compact updates and deletes unindex with the values kept from the write: a function
    that would now fail on the stored object is not called on it."""
    broken = {"on": False}

    def fragile(obj: Obj) -> list[str]:
        if broken["on"] and obj["metadata"]["labels"].get("app") == "web":
            raise RuntimeError("cannot index web any more")
        return by_tags(obj)

    indexer = compact(pod("a", app="web", tags=("x",), rv="1"), app=by_app, tags=fragile)
    broken["on"] = True
    if write == "update":
        assert indexer.update(pod("a", app="db", tags=("y",), rv="2")) == pod(
            "a", app="web", tags=("x",), rv="1"
        )
        assert indices(indexer, "app") == {"db": ["default/a"]}
        assert indices(indexer, "tags") == {"y": ["default/a"]}
        assert indexer._values == {"default/a": (("db",), ("y",))}
    else:
        indexer.delete(pod("a", rv="2"))
        assert indices(indexer, "app") == {}
        assert indices(indexer, "tags") == {}
        assert indexer._values == {}
    assert indexer.last_store_sync_resource_version == "2"


@pytest.mark.slow  # two full collections of the test process
def test_compact_kept_values_are_not_tracked_by_the_garbage_collector() -> None:
    """Kept values are tuples of strings, which the cyclic GC stops tracking after one pass."""
    import gc

    indexer = compact(*(pod(f"p{i}", app="web", tags=("x", "y")) for i in range(3)))
    indexer.replace([pod("r", app="db")], "2")
    indexer.update(pod("r", app="web"))
    gc.collect()
    gc.collect()
    assert indexer._values
    for values in indexer._values.values():
        assert isinstance(values, tuple)
        assert all(isinstance(v, tuple) for v in values)
        assert not gc.is_tracked(values)


def test_compact_writes_decode_only_what_they_return_C_14() -> None:
    """Unindexing uses the kept values: the old object is decoded only to be returned."""
    codec = CountingCodec()
    indexer = compact(codec=codec)
    indexer.add(pod("a", app="web"))
    assert (codec.encodes, codec.decodes) == (1, 0)
    indexer.update(pod("a", app="db", tags=("x",)))
    assert (codec.encodes, codec.decodes) == (2, 1)
    indexer.delete(pod("a"))
    assert (codec.encodes, codec.decodes) == (2, 2)
    indexer.transaction([Transaction(ADD, pod("b", app="web")), Transaction(DELETE, pod("b"))])
    indexer.replace([pod("c", app="web")], "5")
    assert (codec.encodes, codec.decodes) == (4, 2)
    assert indices(indexer, "app") == {"web": ["default/c"]}


class NotJSON:
    """An object orjson cannot encode."""


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(lambda ix, bad: ix.add(bad), id="add"),
        pytest.param(lambda ix, bad: ix.update(bad), id="update"),
        pytest.param(lambda ix, bad: ix.replace([pod("x"), bad], "9"), id="replace"),
    ],
)
def test_compact_encoding_error_is_typed_and_leaves_store_unchanged(
    write: Callable[[Indexer[Obj], Obj], object],
) -> None:
    indexer = compact(pod("a", app="web"))
    indexer.bookmark("3")
    before = snapshot(indexer)
    bad = pod("a", app="db", rv="9")
    bad["spec"]["value"] = NotJSON()
    with pytest.raises(CodecError, match=r"^encoding: Type is not JSON serializable") as caught:
        write(indexer, bad)
    assert isinstance(caught.value.__cause__, TypeError)
    assert isinstance(caught.value, KinformerError)
    assert snapshot(indexer) == before


def test_compact_transaction_skips_unencodable_writes_C_21() -> None:
    indexer = compact()
    bad = pod("bad", app="web", rv="2")
    bad["spec"]["value"] = NotJSON()
    batch = [
        Transaction(ADD, pod("a", app="web", rv="1")),
        Transaction(ADD, bad),
        Transaction(DELETE, bad),  # deletes are not encoded
        Transaction(UPDATE, pod("a", app="db", rv="3")),
    ]
    with pytest.raises(TransactionError) as caught:
        indexer.transaction(batch)
    assert caught.value.successful_indices == [0, 2, 3]
    assert [type(error) for error in caught.value.errors] == [CodecError]
    assert indexer.list() == [pod("a", app="db", rv="3")]
    assert indices(indexer, "app") == {"db": ["default/a"]}
    assert indexer.last_store_sync_resource_version == "3"


def test_compact_add_indexers_decodes_stored_objects_C_18() -> None:
    indexer: Indexer[Obj] = Indexer(codec=JSONCodec())
    indexer.add(pod("a", app="web"))
    indexer.add(pod("b", "", app="db"))
    indexer.add_indexers({"app": by_app})
    indexer.add_indexers({NAMESPACE_INDEX: meta_namespace_index_func})
    assert indices(indexer, "app") == {"db": ["b"], "web": ["default/a"]}
    assert indices(indexer, NAMESPACE_INDEX) == {"": ["b"], "default": ["default/a"]}
    assert indexer._values == {"default/a": (("web",), ("default",)), "b": (("db",), ("",))}
    assert indexer.by_index("app", "web") == [pod("a", app="web")]
    indexer.update(pod("a", app="db"))
    assert indices(indexer, "app") == {"db": ["b", "default/a"]}


def test_compact_without_indexes_and_missing_keys() -> None:
    indexer: Indexer[Obj] = Indexer(codec=JSONCodec(level=1))
    assert indexer.add(pod("a")) is None
    assert indexer.get_by_key("default/missing") is None
    assert indexer.delete(pod("missing")) is None
    assert indexer.list() == [pod("a")]
    assert indexer._values == {}
    assert indexer.delete(DeletedFinalStateUnknown("default/a", None)) == pod("a")
    assert len(indexer) == 0
    indexer.replace([pod("b"), pod("c")], "3")
    assert sorted(indexer.list_keys()) == ["default/b", "default/c"]
    assert indexer._values == {}


def test_compact_objects_without_metadata_keep_the_last_rv_C_20() -> None:
    indexer: Indexer[Obj] = Indexer(key_func=lambda obj: str(obj["id"]), codec=JSONCodec())
    indexer.bookmark("5")
    assert indexer.add({"id": "x", "value": 1}) is None
    assert indexer.update({"id": "x", "value": 2}) == {"id": "x", "value": 1}
    assert indexer.last_store_sync_resource_version == "5"
