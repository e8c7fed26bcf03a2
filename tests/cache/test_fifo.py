"""DeltaFIFO (spec B.1 … B.6): client-go's ``delta_fifo_test.go`` scenarios as tables."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import Any

import pytest

from kinformer._errors import FIFOClosedError, KeyFuncError
from kinformer._objects import DeletedFinalStateUnknown, meta_namespace_key
from kinformer.cache._fifo import (
    BookmarkInfo,
    Delta,
    DeltaFIFO,
    Deltas,
    DeltaType,
    ReplacedAllInfo,
    SyncAllInfo,
    key_of,
)

ADDED, UPDATED, DELETED = DeltaType.ADDED, DeltaType.UPDATED, DeltaType.DELETED
REPLACED, SYNC = DeltaType.REPLACED, DeltaType.SYNC


def obj(name: str, val: Any = 0) -> dict[str, Any]:
    return {"metadata": {"name": name}, "val": val}


def tomb(name: str, last: Any) -> DeletedFinalStateUnknown:
    return DeletedFinalStateUnknown(name, last)


class KnownDict:
    """A dict-backed known-objects store (the informer passes its indexer)."""

    def __init__(self, *objects: dict[str, Any], failing: Iterable[str] = ()) -> None:
        self.objects = {meta_namespace_key(o): o for o in objects}
        self.failing = set(failing)

    def list_keys(self) -> list[str]:
        return [*self.objects, *sorted(self.failing)]

    def get_by_key(self, key: str) -> Any:
        if key in self.failing:
            raise RuntimeError(f"lookup of {key} failed")
        return self.objects.get(key)


def known(*objects: dict[str, Any], failing: Iterable[str] = ()) -> KnownDict:
    return KnownDict(*objects, failing=failing)


def check_invariants(fifo: DeltaFIFO) -> None:
    """B-4 and the sync-accounting invariants."""
    queue = list(fifo._queue)
    assert len(queue) == len(set(queue)), "queue has duplicates"
    assert set(queue) == set(fifo._items), "a key is in the queue iff it is in items"
    assert all(fifo._items[key] for key in queue), "every items list is non-empty"
    assert all(isinstance(fifo._items[key], Deltas) for key in queue)
    assert fifo._initial_population_count >= 0
    if fifo.has_synced:
        assert fifo._populated
        assert fifo._initial_population_count == 0


def pop(fifo: DeltaFIFO) -> tuple[Deltas, bool]:
    seen: list[tuple[Deltas, bool]] = []
    fifo.pop(lambda deltas, initial: seen.append((deltas, initial)))
    check_invariants(fifo)
    return seen[0]


def pop_all(fifo: DeltaFIFO) -> list[list[tuple[DeltaType, Any]]]:
    out = []
    while len(fifo):
        deltas, _ = pop(fifo)
        out.append([(d.type, d.object) for d in deltas])
    return out


def val(deltas: Deltas) -> Any:
    newest = deltas.newest()
    assert newest is not None
    return newest.object["val"]


# -- B-1 ----------------------------------------------------------------------------------


def test_delta_type_values_are_client_go_strings_B_1() -> None:
    assert [t.value for t in DeltaType] == [
        "Added",
        "Updated",
        "Deleted",
        "Replaced",
        "Sync",
        "ReplacedAll",
        "SyncAll",
        "Bookmark",
    ]
    assert str(DeltaType.ADDED) == "Added"
    assert DeltaType("Deleted") is DeltaType.DELETED


def test_delta_is_a_frozen_value_B_1() -> None:
    delta = Delta(ADDED, obj("a"))
    assert delta == Delta(ADDED, obj("a"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        delta.type = UPDATED  # type: ignore[misc]
    assert not hasattr(delta, "__dict__")


@pytest.mark.parametrize(
    ("deltas", "oldest", "newest"),
    [
        pytest.param(Deltas(), None, None, id="empty"),
        pytest.param(Deltas([Delta(ADDED, 1)]), Delta(ADDED, 1), Delta(ADDED, 1), id="one"),
        pytest.param(
            Deltas([Delta(ADDED, 1), Delta(UPDATED, 2), Delta(DELETED, 3)]),
            Delta(ADDED, 1),
            Delta(DELETED, 3),
            id="three",
        ),
    ],
)
def test_deltas_newest_and_oldest_B_1(
    deltas: Deltas, oldest: Delta | None, newest: Delta | None
) -> None:
    assert deltas.oldest() == oldest
    assert deltas.newest() == newest


def test_mode_a_payloads_are_values_B_1() -> None:
    assert ReplacedAllInfo("5", (1, 2)) == ReplacedAllInfo("5", (1, 2))
    assert SyncAllInfo() == SyncAllInfo()
    assert BookmarkInfo("7").resource_version == "7"


# -- B-2, B-3 -----------------------------------------------------------------------------


def test_tombstones_come_only_from_replace_B_2() -> None:
    fifo = DeltaFIFO(known_objects=known(obj("a", 1), obj("b", 2)))
    fifo.add(obj("a", 3))
    fifo.update(obj("a", 4))
    fifo.delete(obj("a", 5))
    fifo.delete(obj("b", 6))
    fifo.resync()
    popped = pop_all(fifo)
    assert not any(isinstance(o, DeletedFinalStateUnknown) for ds in popped for _, o in ds)
    fifo.add(obj("c", 7))
    fifo.replace([], "1")
    assert pop_all(fifo) == [
        [(ADDED, obj("c", 7)), (DELETED, tomb("c", obj("c", 7)))],
        [(DELETED, tomb("a", obj("a", 1)))],
        [(DELETED, tomb("b", obj("b", 2)))],
    ]


def test_defaults_are_client_go_defaults_B_3() -> None:
    fifo = DeltaFIFO()
    assert fifo.transformer is None
    assert not fifo.has_synced
    assert not fifo.is_closed
    assert len(fifo) == 0
    fifo.replace([{"metadata": {"namespace": "ns", "name": "a"}}], "1")
    # Default key function is meta_namespace_key; default delta type for replace is Sync.
    assert list(fifo._items) == ["ns/a"]
    assert fifo._items["ns/a"][0].type is SYNC
    with pytest.raises(TypeError):
        DeltaFIFO(meta_namespace_key)  # type: ignore[call-arg]  # options are keyword-only


# -- B-4, B-5 -----------------------------------------------------------------------------


def test_invariants_hold_after_every_operation_B_4() -> None:
    fifo = DeltaFIFO(known_objects=known(obj("k", 0)), emit_delta_type_replaced=True)
    operations: list[Callable[[], object]] = [
        lambda: fifo.add(obj("a", 1)),
        lambda: fifo.add(obj("b", 2)),
        lambda: fifo.update(obj("a", 3)),
        lambda: fifo.delete(obj("a", 4)),
        lambda: fifo.replace([obj("b", 5), obj("c", 6)], "1"),
        lambda: fifo.resync(),
        lambda: pop(fifo),
        lambda: fifo.delete(obj("k", 7)),
        lambda: pop(fifo),
    ]
    for operation in operations:
        operation()
        check_invariants(fifo)


def test_no_line_jumping_B_5() -> None:
    # TestDeltaFIFO_detectLineJumpers
    fifo = DeltaFIFO()
    for name, value in [("foo", 10), ("bar", 1), ("foo", 11), ("foo", 13), ("zab", 30)]:
        fifo.add(obj(name, value))
    deltas, _ = pop(fifo)
    assert [d.object["val"] for d in deltas] == [10, 11, 13]
    fifo.add(obj("foo", 14))  # foo must not jump back in line
    assert [val(pop(fifo)[0]) for _ in range(3)] == [1, 30, 14]


# -- B-6 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        pytest.param(obj("A"), "A", id="object"),
        pytest.param(tomb("B", None), "B", id="tombstone"),
        pytest.param(Deltas([Delta(ADDED, obj("C"))]), "C", id="deltas"),
        pytest.param(Deltas([Delta(DELETED, tomb("D", None))]), "D", id="deltas-of-tombstone"),
        pytest.param(Delta(ADDED, obj("E")), "E", id="delta"),
    ],
)
def test_key_of_B_6(item: Any, expected: str) -> None:
    # TestDeltaFIFO_KeyOf
    assert DeltaFIFO().key_of(item) == expected


def test_key_of_empty_deltas_fails_B_6() -> None:
    with pytest.raises(KeyFuncError, match="0 length Deltas object"):
        DeltaFIFO().key_of(Deltas())


def test_key_of_tombstone_skips_key_func_B_6() -> None:
    def refuse(_: Any) -> str:
        raise AssertionError("key function called")

    assert key_of(refuse, tomb("ns/x", None)) == "ns/x"


def test_key_func_errors_become_key_func_errors_B_6() -> None:
    def broken(_: Any) -> str:
        raise ValueError("no name")

    fifo = DeltaFIFO(key_func=broken)
    with pytest.raises(KeyFuncError, match="ValueError: no name") as info:
        fifo.add(obj("a"))
    assert info.value.obj == obj("a")
    assert isinstance(info.value.__cause__, ValueError)
    with pytest.raises(KeyFuncError, match="object has no meta"):
        DeltaFIFO().add({"no": "meta"})


# -- B-7, B-8 -----------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["add", "update"])
def test_add_and_update_populate_even_when_key_fails_B_7(method: str) -> None:
    fifo = DeltaFIFO()
    with pytest.raises(KeyFuncError):
        getattr(fifo, method)({"no": "meta"})
    assert fifo.has_synced
    assert len(fifo) == 0


def test_add_update_queue_their_types_B_7() -> None:
    # TestDeltaFIFO_addUpdate
    fifo = DeltaFIFO()
    fifo.add(obj("foo", 10))
    fifo.update(obj("foo", 12))
    fifo.delete(obj("foo", 15))
    assert pop_all(fifo) == [
        [(ADDED, obj("foo", 10)), (UPDATED, obj("foo", 12)), (DELETED, obj("foo", 15))]
    ]
    assert len(fifo) == 0
    assert fifo._items == {}


class Xfrm:
    """A transformer that records what it saw and marks its output."""

    def __init__(self, fail_on: str | None = None) -> None:
        self.seen: list[Any] = []
        self.fail_on = fail_on

    def __call__(self, o: Any) -> Any:
        self.seen.append(o)
        if isinstance(o, DeletedFinalStateUnknown):
            raise AssertionError("tombstones must not be transformed")
        if o["metadata"]["name"] == self.fail_on:
            raise RuntimeError("transform failed")
        return {**o, "xfrm": True, "metadata": {"name": o["metadata"]["name"] + "-renamed"}}


def test_transformer_runs_on_add_update_delete_replace_not_resync_B_8() -> None:
    store = known(obj("k", 1))
    xfrm = Xfrm()
    fifo = DeltaFIFO(known_objects=store, transformer=xfrm)
    assert fifo.transformer is xfrm
    fifo.add(obj("a", 1))
    fifo.update(obj("a", 2))
    fifo.delete(obj("a", 3))
    fifo.replace([obj("b", 4)], "1")  # also queues a tombstone for k, not transformed
    fifo.resync()
    assert [o["val"] for o in xfrm.seen] == [1, 2, 3, 4]
    popped = pop_all(fifo)
    # The key is computed before transforming: "a", not "a-renamed".
    assert popped[0] == [
        (ADDED, {**obj("a-renamed", 1), "xfrm": True}),
        (UPDATED, {**obj("a-renamed", 2), "xfrm": True}),
        (DELETED, {**obj("a-renamed", 3), "xfrm": True}),  # the tombstone collapsed (B-9)
    ]
    assert popped[1] == [(SYNC, {**obj("b-renamed", 4), "xfrm": True})]
    assert popped[2] == [(DELETED, tomb("k", obj("k", 1)))]
    fifo.resync()  # Sync deltas are not transformed
    assert pop_all(fifo) == [[(SYNC, obj("k", 1))]]
    assert len(xfrm.seen) == 4


def test_transformer_error_queues_nothing_B_8() -> None:
    fifo = DeltaFIFO(transformer=Xfrm(fail_on="bad"))
    with pytest.raises(RuntimeError, match="transform failed"):
        fifo.add(obj("bad"))
    assert len(fifo) == 0
    fifo.add(obj("good"))
    with pytest.raises(RuntimeError):
        fifo.update(obj("bad"))
    assert list(fifo._items) == ["good"]
    check_invariants(fifo)


# -- B-9 ----------------------------------------------------------------------------------

O1, O2 = obj("x", 1), obj("x", 2)
T1, T2 = tomb("x", obj("x", 3)), tomb("x", obj("x", 4))


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        pytest.param((DELETED, O1), (DELETED, T1), [(DELETED, O1)], id="obj-then-tombstone"),
        pytest.param((DELETED, T1), (DELETED, O1), [(DELETED, O1)], id="tombstone-then-obj"),
        pytest.param((DELETED, T1), (DELETED, T2), [(DELETED, T2)], id="tombstone-twice"),
        pytest.param((DELETED, O1), (DELETED, O2), [(DELETED, O1)], id="obj-twice"),
        pytest.param((ADDED, O1), (ADDED, O2), [(ADDED, O1), (ADDED, O2)], id="added-kept"),
        pytest.param((UPDATED, O1), (UPDATED, O2), [(UPDATED, O1), (UPDATED, O2)], id="upd-kept"),
        pytest.param((SYNC, O1), (SYNC, O2), [(SYNC, O1), (SYNC, O2)], id="sync-kept"),
        pytest.param((REPLACED, O1), (REPLACED, O2), [(REPLACED, O1), (REPLACED, O2)], id="repl"),
        pytest.param((UPDATED, O1), (DELETED, O2), [(UPDATED, O1), (DELETED, O2)], id="upd-del"),
        pytest.param((DELETED, O1), (ADDED, O2), [(DELETED, O1), (ADDED, O2)], id="del-add"),
    ],
)
def test_dedup_only_collapses_two_deletions_B_9(
    first: tuple[DeltaType, Any], second: tuple[DeltaType, Any], expected: list[Any]
) -> None:
    fifo = DeltaFIFO()
    with fifo._lock:
        for action, o in (first, second):
            fifo._queue_action_locked("x", action, o, True)
    check_invariants(fifo)
    assert pop_all(fifo) == [expected]


def test_dedup_keeps_non_tombstone_B_9() -> None:
    # A watch DELETED followed by a relist that no longer has the object.
    fifo = DeltaFIFO(known_objects=known(obj("baz", 7)))
    fifo.delete(obj("baz", 10))
    fifo.replace([], "1")
    assert pop_all(fifo) == [[(DELETED, obj("baz", 10))]]


# -- B-10, B-11 ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("store", "pending", "queued"),
    [
        pytest.param(None, False, False, id="no-known-not-pending-ignored"),
        pytest.param(None, True, True, id="no-known-pending-queued"),
        pytest.param(known(obj("x", 1)), False, True, id="known-queued"),
        pytest.param(known(), False, False, id="unknown-not-pending-ignored"),
        pytest.param(known(), True, True, id="unknown-pending-queued"),
        pytest.param(known(failing=["x"]), False, True, id="lookup-error-queued"),
    ],
)
def test_delete_ignore_rules_B_10(store: KnownDict | None, pending: bool, queued: bool) -> None:
    fifo = DeltaFIFO(known_objects=store)
    if pending:
        with fifo._lock:
            fifo._queue_action_locked("x", UPDATED, obj("x", 0), True)
    fifo.delete(obj("x", 2))
    assert fifo.has_synced  # populated either way
    expected = [(UPDATED, obj("x", 0))] if pending else []
    if queued:
        expected.append((DELETED, obj("x", 2)))
    assert pop_all(fifo) == ([expected] if expected else [])


def test_delete_enqueueing_with_and_without_lister_B_10() -> None:
    # TestDeltaFIFO_enqueueingNoLister / enqueueingWithLister
    fifo = DeltaFIFO()
    fifo.add(obj("foo", 10))
    fifo.update(obj("bar", 15))
    fifo.add(obj("qux", 17))
    fifo.delete(obj("qux", 18))
    fifo.delete(obj("baz", 20))  # not queued: baz does not exist
    assert [val(pop(fifo)[0]) for _ in range(3)] == [10, 15, 18]
    assert len(fifo) == 0
    fifo = DeltaFIFO(known_objects=known(obj("foo", 5), obj("bar", 6), obj("baz", 7)))
    fifo.add(obj("foo", 10))
    fifo.update(obj("bar", 15))
    fifo.delete(obj("baz", 20))  # queued: baz is known
    assert [val(pop(fifo)[0]) for _ in range(3)] == [10, 15, 20]


def test_delete_key_error_leaves_populated_untouched_B_10() -> None:
    fifo = DeltaFIFO()
    with pytest.raises(KeyFuncError):
        fifo.delete({"no": "meta"})
    assert not fifo.has_synced
    assert not fifo._populated


def test_delete_existing_non_propagated_B_10() -> None:
    # TestDeltaFIFO_DeleteExistingNonPropagated
    fifo = DeltaFIFO(known_objects=known())
    fifo.add(obj("foo", 5))
    fifo.delete(obj("foo", 6))
    assert [d.type for d in fifo._items["foo"]] == [ADDED, DELETED]


def test_closed_queue_still_accepts_producers_B_11() -> None:
    fifo = DeltaFIFO(known_objects=known(obj("k", 1)))
    fifo.close()
    fifo.add(obj("a", 1))
    fifo.update(obj("a", 2))
    fifo.delete(obj("a", 3))
    fifo.replace([obj("b", 4)], "1")
    fifo.resync()
    assert fifo.is_closed
    assert list(fifo._queue) == ["a", "b", "k"]
    assert len(pop_all(fifo)) == 3
    with pytest.raises(FIFOClosedError, match="DeltaFIFO: manipulating with closed queue"):
        fifo.pop(lambda d, i: None)


# -- B-12 … B-15 --------------------------------------------------------------------------

STORE3 = (obj("foo", 5), obj("bar", 6), obj("baz", 7))


@pytest.mark.parametrize(
    ("store", "before", "listed", "expected"),
    [
        pytest.param(
            known(*STORE3),
            [("delete", obj("baz", 10))],
            [obj("foo", 5)],
            [
                [(DELETED, obj("baz", 10))],
                [(REPLACED, obj("foo", 5))],
                [(DELETED, tomb("bar", obj("bar", 6)))],
            ],
            id="pending-delete",
        ),
        pytest.param(
            known(*STORE3),
            [("add", obj("baz", 10))],
            [obj("foo", 5)],
            [
                [(ADDED, obj("baz", 10)), (DELETED, tomb("baz", obj("baz", 10)))],
                [(REPLACED, obj("foo", 5))],
                [(DELETED, tomb("bar", obj("bar", 6)))],
            ],
            id="pending-add",
        ),
        pytest.param(
            None,
            [("add", obj("baz", 10))],
            [obj("foo", 5)],
            [
                [(ADDED, obj("baz", 10)), (DELETED, tomb("baz", obj("baz", 10)))],
                [(REPLACED, obj("foo", 5))],
            ],
            id="no-known-objects",
        ),
        pytest.param(
            known(obj("foo", 1)),
            [("delete", obj("foo", 1))],
            [obj("foo", 2)],
            [[(DELETED, obj("foo", 1)), (REPLACED, obj("foo", 2))]],
            id="replace-with-delete-delta-in",
        ),
        pytest.param(
            known(obj("foo", 5)),
            [],
            [obj("foo", 5)],
            [[(REPLACED, obj("foo", 5))]],
            id="replace-delta-type",
        ),
        pytest.param(
            known(obj("a", 1), failing=["gone"]),
            [],
            [obj("a", 1)],
            [[(REPLACED, obj("a", 1))], [(DELETED, tomb("gone", None))]],
            id="known-lookup-error-tombstone-without-object",
        ),
    ],
)
def test_replace_makes_deletions_B_12(
    store: KnownDict | None,
    before: list[tuple[str, Any]],
    listed: list[Any],
    expected: list[Any],
) -> None:
    # TestDeltaFIFO_ReplaceMakesDeletions(Replaced), replaceWithDeleteDeltaIn, ReplaceDeltaType
    fifo = DeltaFIFO(known_objects=store, emit_delta_type_replaced=True)
    for method, o in before:
        getattr(fifo, method)(o)
    fifo.replace(listed, "0")
    check_invariants(fifo)
    assert pop_all(fifo) == expected


def test_replace_known_key_vanishing_between_list_and_get_B_12() -> None:
    class Vanishing(KnownDict):
        def list_keys(self) -> list[str]:
            return ["ghost"]

    fifo = DeltaFIFO(known_objects=Vanishing())
    fifo.replace([], "1")
    assert pop_all(fifo) == [[(DELETED, tomb("ghost", None))]]


def test_replace_unwraps_a_pending_tombstone_B_12() -> None:
    fifo = DeltaFIFO(known_objects=known(obj("a", 1)))
    fifo.replace([], "1")  # a: Deleted(tombstone(a, a1))
    fifo.replace([], "2")  # a is pending with a tombstone: the new tombstone carries a1
    assert fifo._items["a"] == [Delta(DELETED, tomb("a", obj("a", 1)))]  # collapsed (B-9)
    fifo = DeltaFIFO()
    with fifo._lock:
        fifo._queue_action_locked("a", UPDATED, obj("a", 1), True)
        fifo._queue_action_locked("a", SYNC, tomb("a", obj("a", 2)), True)
    fifo.replace([], "1")
    assert fifo._items["a"][-1] == Delta(DELETED, tomb("a", obj("a", 2)))


def test_replace_key_error_keeps_earlier_items_B_12() -> None:
    fifo = DeltaFIFO()
    with pytest.raises(KeyFuncError):
        fifo.replace([obj("a", 1), {"no": "meta"}, obj("c", 3)], "1")
    assert list(fifo._queue) == ["a"]
    assert not fifo._populated  # the count was not set


@pytest.mark.parametrize(
    ("actions", "synced"),
    [
        pytest.param([], False, id="nothing"),
        pytest.param([("add", obj("a", 1))], True, id="add"),
        pytest.param([("replace", [])], True, id="empty-replace"),
        pytest.param([("replace", [obj("a", 1), obj("b", 2)])], False, id="replace"),
        pytest.param([("replace", [obj("a", 1), obj("b", 2)]), ("pop", None)], False, id="pop-1"),
        pytest.param(
            [("replace", [obj("a", 1), obj("b", 2)]), ("pop", None), ("pop", None)],
            True,
            id="pop-2",
        ),
        pytest.param(
            [("replace", [obj("a", 1), obj("a", 2)]), ("pop", None)], True, id="duplicate-keys"
        ),
        pytest.param(
            [("replace", [obj("a", 1)]), ("replace", [obj("b", 1), obj("c", 1)]), ("pop", None)],
            True,
            id="later-replace-does-not-change-count",
        ),
    ],
)
def test_has_synced_B_12_B_21(actions: list[tuple[str, Any]], synced: bool) -> None:
    # TestDeltaFIFO_HasSynced
    fifo = DeltaFIFO()
    for action, arg in actions:
        if action == "pop":
            pop(fifo)
        elif action == "replace":
            fifo.replace(arg, "0")
        else:
            fifo.add(arg)
    assert fifo.has_synced is synced


def test_replace_counts_deletions_in_initial_population_B_12_B_21() -> None:
    # TestDeltaFIFO_HasSyncedCorrectOnDeletion
    fifo = DeltaFIFO(known_objects=known(*STORE3), emit_delta_type_replaced=True)
    fifo.replace([obj("foo", 5)], "0")
    expected = [
        [(REPLACED, obj("foo", 5))],
        [(DELETED, tomb("bar", obj("bar", 6)))],
        [(DELETED, tomb("baz", obj("baz", 7)))],
    ]
    for want in expected:
        assert not fifo.has_synced
        deltas, initial = pop(fifo)
        assert [(d.type, d.object) for d in deltas] == want
        assert initial
    assert fifo.has_synced


def test_relist_without_known_objects_misses_popped_objects_B_13() -> None:
    fifo = DeltaFIFO()
    fifo.add(obj("a", 1))
    pop(fifo)
    fifo.add(obj("b", 1))
    fifo.replace([], "1")
    assert pop_all(fifo) == [[(ADDED, obj("b", 1)), (DELETED, tomb("b", obj("b", 1)))]]
    fifo = DeltaFIFO(known_objects=known(obj("a", 1)))
    fifo.replace([], "1")
    assert pop_all(fifo) == [[(DELETED, tomb("a", obj("a", 1)))]]


def test_replace_appends_after_pending_deltas_B_14() -> None:
    fifo = DeltaFIFO(emit_delta_type_replaced=True)
    fifo.add(obj("x", 0))
    fifo.update(obj("a", 1))
    fifo.replace([obj("a", 2), obj("x", 3)], "1")
    assert list(fifo._queue) == ["x", "a"]
    assert fifo._items["a"] == [Delta(UPDATED, obj("a", 1)), Delta(REPLACED, obj("a", 2))]


@pytest.mark.parametrize("emit", [False, True])
def test_replace_never_emits_added_or_updated_B_15(emit: bool) -> None:
    fifo = DeltaFIFO(known_objects=known(obj("a", 1)), emit_delta_type_replaced=emit)
    fifo.replace([obj("a", 2), obj("b", 3)], "1")
    types = {t for deltas in pop_all(fifo) for t, _ in deltas}
    assert types == {REPLACED if emit else SYNC}


# -- B-16 ---------------------------------------------------------------------------------


def test_resync_without_known_objects_is_a_noop_B_16() -> None:
    fifo = DeltaFIFO()
    fifo.resync()
    assert len(fifo) == 0
    assert not fifo.has_synced


def test_resync_skips_pending_keys_B_16() -> None:
    # TestDeltaFIFO_UpdateResyncRace
    fifo = DeltaFIFO(known_objects=known(obj("foo", 5), obj("bar", 6)))
    fifo.update(obj("foo", 6))
    fifo.resync()
    assert pop_all(fifo) == [[(UPDATED, obj("foo", 6))], [(SYNC, obj("bar", 6))]]


def test_resync_skips_lookup_errors_and_missing_B_16() -> None:
    class Vanishing(KnownDict):
        def list_keys(self) -> list[str]:
            return [*super().list_keys(), "ghost"]

    fifo = DeltaFIFO(known_objects=Vanishing(obj("a", 1), failing=["broken"]))
    fifo.resync()
    assert pop_all(fifo) == [[(SYNC, obj("a", 1))]]
    assert not fifo.has_synced  # resync does not populate


def test_resync_uses_the_key_of_the_known_object_B_16() -> None:
    class Misfiled(KnownDict):
        def get_by_key(self, key: str) -> Any:
            return {"no": "meta"}

    fifo = DeltaFIFO(known_objects=Misfiled(obj("a", 1)))
    with pytest.raises(KeyFuncError):
        fifo.resync()


# -- B-17 … B-24 --------------------------------------------------------------------------


def test_pop_returns_processed_deltas_B_17() -> None:
    fifo = DeltaFIFO()
    fifo.add(obj("a", 1))
    got: list[Deltas] = []
    returned = fifo.pop(lambda deltas, initial: got.append(deltas))
    assert returned is got[0]
    assert returned == [Delta(ADDED, obj("a", 1))]


def test_pop_on_closed_queue_drains_then_raises_B_17() -> None:
    fifo = DeltaFIFO()
    fifo.add(obj("a", 1))
    fifo.close()
    assert val(pop(fifo)[0]) == 1
    with pytest.raises(FIFOClosedError):
        fifo.pop(lambda d, i: None)
    with pytest.raises(FIFOClosedError):
        fifo.pop_nowait(lambda d, i: None)


def test_pop_nowait_B_17() -> None:
    fifo = DeltaFIFO()
    got: list[Any] = []
    assert fifo.pop_nowait(lambda d, i: got.append(d)) is False
    fifo.add(obj("a", 1))
    assert fifo.pop_nowait(lambda d, i: got.append((val(d), i))) is True
    assert got == [(1, False)]


def test_popped_item_is_not_requeued_when_process_raises_B_18() -> None:
    fifo = DeltaFIFO()
    fifo.replace([obj("a", 1)], "1")

    def fail(deltas: Deltas, initial: bool) -> None:
        raise RuntimeError("handler failed")

    with pytest.raises(RuntimeError, match="handler failed"):
        fifo.pop(fail)
    assert len(fifo) == 0
    assert fifo.has_synced  # the item still counts as processed
    check_invariants(fifo)


def test_process_runs_under_the_queue_lock_B_19() -> None:
    fifo = DeltaFIFO()
    fifo.add(obj("a", 1))
    held: list[bool] = []
    fifo.pop(lambda d, i: held.append(fifo._lock.locked()))
    assert held == [True]


def test_single_consumer_sees_per_key_versions_in_order_B_20() -> None:
    # With one consumer, one pop hands out every pending version of a key at once, so no
    # two versions of an object are ever processed in parallel (the hazard of B-20).
    fifo = DeltaFIFO()
    for v in range(3):
        fifo.update(obj("a", v))
    fifo.add(obj("b", 0))
    nested: list[bool] = []

    def process(deltas: Deltas, initial: bool) -> None:
        nested.append(fifo._lock.locked())  # a second consumer would block here

    fifo.pop(process)
    assert nested == [True]
    assert list(fifo._queue) == ["b"]


def test_synced_is_signalled_after_the_last_initial_item_is_processed_B_21() -> None:
    # The QUIRK of B-21, fixed: client-go closes its "synced" channel before processing.
    fifo = DeltaFIFO()
    fifo.replace([obj("a", 1), obj("b", 2)], "1")
    during: list[bool] = []
    fifo.pop(lambda d, i: during.append(fifo.has_synced))
    fifo.pop(lambda d, i: during.append(fifo.has_synced))
    assert during == [False, False]
    assert fifo.has_synced
    assert fifo._initial_population_count == 0


def test_is_in_initial_list_B_22() -> None:
    fifo = DeltaFIFO()
    fifo.replace([obj("a", 1), obj("b", 2)], "1")
    fifo.add(obj("c", 3))
    assert [pop(fifo)[1] for _ in range(3)] == [True, True, False]
    fifo = DeltaFIFO()
    fifo.add(obj("x", 1))  # synced at once
    assert pop(fifo)[1] is False


def test_close_sets_is_closed_B_23() -> None:
    fifo = DeltaFIFO()
    assert not fifo.is_closed
    fifo.close()
    fifo.close()
    assert fifo.is_closed


def test_transformer_is_exposed_B_24() -> None:
    def strip(o: Any) -> Any:
        return o

    assert DeltaFIFO(transformer=strip).transformer is strip
    assert DeltaFIFO().transformer is None
