"""RealFIFO, the in-order FIFO (spec B.7): client-go's ``the_real_fifo_test.go`` as tables."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest

from kinformer._errors import FIFOClosedError, KeyFuncError
from kinformer._objects import DeletedFinalStateUnknown, meta_namespace_key
from kinformer.cache._fifo import (
    BookmarkInfo,
    Delta,
    Deltas,
    DeltaType,
    ReplacedAllInfo,
    SyncAllInfo,
)
from kinformer.cache._real_fifo import DEFAULT_BATCH_SIZE, RealFIFO

ADDED, UPDATED, DELETED = DeltaType.ADDED, DeltaType.UPDATED, DeltaType.DELETED
REPLACED, SYNC = DeltaType.REPLACED, DeltaType.SYNC
REPLACED_ALL, SYNC_ALL, BOOKMARK = DeltaType.REPLACED_ALL, DeltaType.SYNC_ALL, DeltaType.BOOKMARK


def obj(name: str, val: Any = 0) -> dict[str, Any]:
    return {"metadata": {"name": name}, "val": val}


def tomb(name: str, last: Any) -> DeletedFinalStateUnknown:
    return DeletedFinalStateUnknown(name, last)


class KnownDict:
    """A dict-backed known-objects store."""

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


def mode_r(*objects: dict[str, Any], **options: Any) -> RealFIFO:
    return RealFIFO(known_objects=known(*objects), **options)


def check_invariants(fifo: RealFIFO) -> None:
    assert all(isinstance(d, Delta) for d in fifo._items)
    assert fifo._initial_population_count >= 0
    if fifo.has_synced:
        assert fifo._populated
        assert fifo._initial_population_count == 0


def items(fifo: RealFIFO) -> list[tuple[DeltaType, Any]]:
    return [(d.type, d.object) for d in fifo._items]


def pop(fifo: RealFIFO) -> tuple[Delta, bool]:
    seen: list[tuple[Deltas, bool]] = []
    fifo.pop(lambda deltas, initial: seen.append((deltas, initial)))
    check_invariants(fifo)
    deltas, initial = seen[0]
    assert len(deltas) == 1
    return deltas[0], initial


def pop_all(fifo: RealFIFO) -> list[tuple[DeltaType, Any]]:
    out = []
    while len(fifo):
        delta, _ = pop(fifo)
        out.append((delta.type, delta.object))
    return out


# -- construction (B-31, B-32: what known_objects means per mode) ------------------------


def test_mode_r_requires_known_objects_B_31() -> None:
    with pytest.raises(ValueError, match="known_objects is required"):
        RealFIFO()


def test_mode_a_rejects_known_objects_B_32() -> None:
    with pytest.raises(ValueError, match="known_objects must be None"):
        RealFIFO(known_objects=known(), atomic=True)
    fifo = RealFIFO(atomic=True)
    assert fifo.atomic
    assert fifo.transformer is None
    assert not fifo.has_synced


# -- B-30 ---------------------------------------------------------------------------------


def test_every_call_appends_one_delta_B_30() -> None:
    # TestRealFIFO_addUpdate
    fifo = mode_r()
    fifo.add(obj("foo", 10))
    fifo.update(obj("foo", 12))
    fifo.delete(obj("foo", 15))
    assert fifo.has_synced
    assert items(fifo) == [
        (ADDED, obj("foo", 10)),
        (UPDATED, obj("foo", 12)),
        (DELETED, obj("foo", 15)),
    ]
    assert pop_all(fifo) == [
        (ADDED, obj("foo", 10)),
        (UPDATED, obj("foo", 12)),
        (DELETED, obj("foo", 15)),
    ]
    assert len(fifo) == 0


def test_delete_of_unknown_object_is_queued_B_30() -> None:
    # TestRealFIFO_enqueueingNoLister
    fifo = mode_r()
    fifo.add(obj("foo", 10))
    fifo.update(obj("bar", 15))
    fifo.add(obj("qux", 17))
    fifo.delete(obj("qux", 18))
    fifo.delete(obj("baz", 20))
    assert [o["val"] for _, o in pop_all(fifo)] == [10, 15, 17, 18, 20]


@pytest.mark.parametrize("method", ["add", "update", "delete"])
def test_producers_populate_even_when_key_fails_B_30(method: str) -> None:
    fifo = RealFIFO(atomic=True)
    with pytest.raises(KeyFuncError):
        getattr(fifo, method)({"no": "meta"})
    assert fifo.has_synced
    assert len(fifo) == 0


def test_no_line_jumping_order_is_global_B_30() -> None:
    # TestRealFIFO_detectLineJumpers
    fifo = mode_r()
    for name, value in [("foo", 10), ("bar", 1), ("foo", 11), ("foo", 13), ("zab", 30)]:
        fifo.add(obj(name, value))
    assert pop(fifo)[0].object["val"] == 10
    fifo.add(obj("foo", 14))
    assert [o["val"] for _, o in pop_all(fifo)] == [1, 11, 13, 30, 14]


def test_transformer_B_30() -> None:
    # TestRealFIFO_transformer (mode R): tombstones are not transformed again.
    calls: list[Any] = []

    def xfrm(o: Any) -> Any:
        assert not isinstance(o, DeletedFinalStateUnknown)
        calls.append(o["val"])
        return {**o, "xfrm": True}

    def x(name: str, v: int) -> dict[str, Any]:
        return {**obj(name, v), "xfrm": True}

    fifo = mode_r(transformer=xfrm)
    fifo.add(obj("foo", 10))
    fifo.add(obj("bar", 11))
    fifo.update(obj("foo", 12))
    fifo.delete(obj("foo", 15))
    fifo.replace([], "")
    fifo.add(obj("bar", 16))
    fifo.replace([], "")
    assert calls == [10, 11, 12, 15, 16]
    assert pop_all(fifo) == [
        (ADDED, x("foo", 10)),
        (ADDED, x("bar", 11)),
        (UPDATED, x("foo", 12)),
        (DELETED, x("foo", 15)),
        (DELETED, tomb("bar", x("bar", 11))),
        (ADDED, x("bar", 16)),
        (DELETED, tomb("bar", x("bar", 16))),
    ]


def test_transformer_error_queues_nothing_B_30() -> None:
    def fail(o: Any) -> Any:
        raise RuntimeError("transform failed")

    fifo = RealFIFO(atomic=True, transformer=fail)
    with pytest.raises(RuntimeError):
        fifo.add(obj("a"))
    with pytest.raises(RuntimeError):
        fifo.replace([obj("a")], "1")
    assert len(fifo) == 0
    assert fifo.has_synced


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        pytest.param(obj("A"), "A", id="object"),
        pytest.param(tomb("B", None), "B", id="tombstone"),
        pytest.param(Deltas([Delta(ADDED, obj("C"))]), "C", id="deltas"),
        pytest.param(Deltas([Delta(DELETED, tomb("D", None))]), "D", id="deltas-of-tombstone"),
        pytest.param(Delta(UPDATED, obj("E")), "E", id="delta"),
    ],
)
def test_key_of_B_30(item: Any, expected: str) -> None:
    # TestRealFIFO_KeyOf
    assert RealFIFO(atomic=True).key_of(item) == expected


# -- B-31 ---------------------------------------------------------------------------------

FOO2, FOO3 = obj("foo", 2), obj("foo", 3)
STORE3 = (obj("foo", 5), obj("bar", 6), obj("baz", 7))


@pytest.mark.parametrize(
    ("store", "operations", "expected"),
    [
        pytest.param(
            (),
            [("add", FOO2), ("replace", [])],
            [(ADDED, FOO2), (DELETED, tomb("foo", FOO2))],
            id="added-object-deleted-on-replace",
        ),
        pytest.param(
            (),
            [("add", FOO2), ("delete", FOO2), ("replace", [])],
            [(ADDED, FOO2), (DELETED, FOO2)],
            id="deleted-object-single-delete",
        ),
        pytest.param(
            (),
            [("add", FOO2), ("replace", [FOO2]), ("replace", [FOO2]), ("replace", [])],
            [(ADDED, FOO2), (REPLACED, FOO2), (REPLACED, FOO2), (DELETED, tomb("foo", FOO2))],
            id="synced-objects-single-delete",
        ),
        pytest.param(
            (),
            [("add", FOO2), ("replace", []), ("replace", [])],
            [(ADDED, FOO2), (DELETED, tomb("foo", FOO2))],
            id="added-object-single-delete-on-multiple-replaces",
        ),
        pytest.param(
            (),
            [("add", FOO2), ("delete", FOO2), ("add", FOO3), ("replace", [])],
            [(ADDED, FOO2), (DELETED, FOO2), (ADDED, FOO3), (DELETED, tomb("foo", FOO3))],
            id="added-deleted-added-object-deleted",
        ),
        pytest.param(
            (obj("foo", 1),),
            [("delete", obj("foo", 1)), ("replace", [FOO2])],
            [(DELETED, obj("foo", 1)), (REPLACED, FOO2)],
            id="replace-with-delete-delta-in",
        ),
        pytest.param(
            STORE3,
            [("delete", obj("baz", 10)), ("replace", [obj("foo", 5)])],
            [
                (DELETED, obj("baz", 10)),
                (DELETED, tomb("bar", obj("bar", 6))),
                (REPLACED, obj("foo", 5)),
            ],
            id="pending-delete-deletions-first",
        ),
        pytest.param(
            STORE3,
            [("add", obj("baz", 10)), ("replace", [obj("foo", 5)])],
            [
                (ADDED, obj("baz", 10)),
                (DELETED, tomb("baz", obj("baz", 10))),
                (DELETED, tomb("bar", obj("bar", 6))),
                (REPLACED, obj("foo", 5)),
            ],
            id="pending-add",
        ),
        pytest.param(
            STORE3,
            [("delete", obj("bar", 6)), ("add", obj("bar", 100)), ("replace", [obj("foo", 5)])],
            [
                (DELETED, obj("bar", 6)),
                (ADDED, obj("bar", 100)),
                (DELETED, tomb("bar", obj("bar", 100))),
                (DELETED, tomb("baz", obj("baz", 7))),
                (REPLACED, obj("foo", 5)),
            ],
            id="deleted-and-recreated-in-queue",
        ),
        pytest.param(
            STORE3,
            [("replace", [obj("bar", 100), obj("foo", 5)]), ("replace", [obj("foo", 5)])],
            [
                (DELETED, tomb("baz", obj("baz", 7))),
                (REPLACED, obj("bar", 100)),
                (REPLACED, obj("foo", 5)),
                (DELETED, tomb("bar", obj("bar", 100))),
                (REPLACED, obj("foo", 5)),
            ],
            id="sync-first-delete-uses-latest",
        ),
    ],
)
def test_replace_makes_deletions_first_B_31(
    store: tuple[dict[str, Any], ...], operations: list[tuple[str, Any]], expected: list[Any]
) -> None:
    # TestRealFIFOW_ReplaceMakesDeletionsForObjectsOnlyInQueue, TestRealFIFO_ReplaceMakesDeletions
    fifo = mode_r(*store)
    for method, arg in operations:
        if method == "replace":
            fifo.replace(arg, "0")
        else:
            getattr(fifo, method)(arg)
    check_invariants(fifo)
    assert pop_all(fifo) == expected
    assert len(fifo) == 0


def test_replace_known_lookup_failures_give_empty_tombstones_B_31() -> None:
    class Vanishing(KnownDict):
        def list_keys(self) -> list[str]:
            return [*super().list_keys(), "ghost"]

    fifo = RealFIFO(known_objects=Vanishing(failing=["broken"]))
    fifo.replace([], "1")
    assert items(fifo) == [(DELETED, tomb("broken", None)), (DELETED, tomb("ghost", None))]


def test_replace_key_error_queues_nothing_B_31() -> None:
    fifo = mode_r(obj("k", 1))
    with pytest.raises(KeyFuncError):
        fifo.replace([obj("a"), {"no": "meta"}], "1")
    assert len(fifo) == 0
    assert not fifo._populated


def test_replace_transformer_error_keeps_earlier_deltas_B_31() -> None:
    def fail_on_b(o: Any) -> Any:
        if o["metadata"]["name"] == "b":
            raise RuntimeError("transform failed")
        return o

    fifo = mode_r(obj("k", 1), transformer=fail_on_b)
    with pytest.raises(RuntimeError):
        fifo.replace([obj("a"), obj("b")], "1")
    assert items(fifo) == [(DELETED, tomb("k", obj("k", 1))), (REPLACED, obj("a"))]
    assert not fifo._populated  # as client-go: the count is set only on success


# -- B-32 ---------------------------------------------------------------------------------


def test_atomic_replace_queues_one_replaced_all_B_32() -> None:
    def xfrm(o: Any) -> Any:
        return {**o, "xfrm": True}

    fifo = RealFIFO(atomic=True, transformer=xfrm)
    fifo.add(obj("a", 1))
    fifo.replace(iter([obj("b", 2), obj("c", 3)]), "42")
    fifo.replace([], "43")
    assert items(fifo) == [
        (ADDED, {**obj("a", 1), "xfrm": True}),
        (
            REPLACED_ALL,
            ReplacedAllInfo("42", ({**obj("b", 2), "xfrm": True}, {**obj("c", 3), "xfrm": True})),
        ),
        (REPLACED_ALL, ReplacedAllInfo("43", ())),
    ]


# -- B-33 ---------------------------------------------------------------------------------


def test_pop_hands_out_one_delta_B_33() -> None:
    fifo = RealFIFO(atomic=True)
    fifo.add(obj("a", 1))
    fifo.update(obj("a", 2))
    got: list[Deltas] = []
    returned = fifo.pop(lambda deltas, initial: got.append(deltas))
    assert returned is got[0]
    assert isinstance(returned, Deltas)
    assert returned == [Delta(ADDED, obj("a", 1))]
    assert len(fifo) == 1


def test_mode_r_processes_under_the_lock_B_33() -> None:
    fifo = mode_r()
    fifo.add(obj("a"))
    held: list[bool] = []
    fifo.pop(lambda d, i: held.append(fifo._lock.locked()))
    assert held == [True]


def test_mode_a_unlocks_while_processing_a_short_queue_B_33() -> None:
    fifo = RealFIFO(atomic=True)
    fifo.add(obj("a", 1))
    held: list[bool] = []

    def process(deltas: Deltas, initial: bool) -> None:
        held.append(fifo._lock.locked())
        fifo.add(obj("b", 2))  # a producer may run meanwhile

    fifo.pop(process)
    assert held == [False]
    assert items(fifo) == [(ADDED, obj("b", 2))]


def test_mode_a_holds_the_lock_when_2000_deltas_are_queued_B_33() -> None:
    fifo = RealFIFO(atomic=True)
    for i in range(2 * DEFAULT_BATCH_SIZE + 1):
        fifo.add(obj(f"o{i}"))
    held: list[bool] = []
    fifo.pop(lambda d, i: held.append(fifo._lock.locked()))  # 2000 left: held
    fifo.pop(lambda d, i: held.append(fifo._lock.locked()))  # 1999 left: released
    assert held == [True, False]


def test_a_second_consumer_can_see_another_version_while_unlocked_B_20() -> None:
    # Why B-20 forbids concurrent consumers: in mode A the lock is released while processing,
    # so a second pop would process foo v2 while foo v1 is still being processed.
    fifo = RealFIFO(atomic=True)
    fifo.update(obj("foo", 1))
    fifo.update(obj("foo", 2))
    inner: list[int] = []

    def outer(deltas: Deltas, initial: bool) -> None:
        fifo.pop_nowait(lambda d, i: inner.append(d[0].object["val"]))

    fifo.pop(outer)
    assert inner == [2]


def test_process_error_propagates_and_drops_the_delta_B_33() -> None:
    fifo = RealFIFO(atomic=True)
    fifo.replace([obj("a")], "1")

    def fail(deltas: Deltas, initial: bool) -> None:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        fifo.pop(fail)
    assert len(fifo) == 0
    assert fifo.has_synced
    assert not fifo._lock.locked()


def test_pop_closed_B_33() -> None:
    fifo = RealFIFO(atomic=True)
    assert fifo.pop_nowait(lambda d, i: None) is False
    fifo.add(obj("a"))
    fifo.close()
    assert fifo.pop_nowait(lambda d, i: None) is True
    with pytest.raises(FIFOClosedError):
        fifo.pop_nowait(lambda d, i: None)
    with pytest.raises(FIFOClosedError):
        fifo.pop(lambda d, i: None)


# -- B-34 ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("atomic", "actions", "synced"),
    [
        pytest.param(False, [], False, id="R-nothing"),
        pytest.param(False, [("add", obj("a", 1))], True, id="R-add"),
        pytest.param(False, [("replace", [])], True, id="R-empty-replace"),
        pytest.param(False, [("replace", [obj("a"), obj("b")])], False, id="R-replace"),
        pytest.param(False, [("replace", [obj("a"), obj("b")]), ("pop", 1)], False, id="R-pop-1"),
        pytest.param(False, [("replace", [obj("a"), obj("b")]), ("pop", 2)], True, id="R-pop-2"),
        pytest.param(
            False, [("replace", [obj("a", 1), obj("a", 2)]), ("pop", 1)], False, id="R-dup-keys-1"
        ),
        pytest.param(
            False, [("replace", [obj("a", 1), obj("a", 2)]), ("pop", 2)], True, id="R-dup-keys-2"
        ),
        pytest.param(True, [("replace", [])], False, id="A-empty-replace-queues-one-delta"),
        pytest.param(True, [("replace", []), ("pop", 1)], True, id="A-replace-pop"),
        pytest.param(
            True,
            [("replace", [obj("a")]), ("replace", [obj("b")]), ("pop", 1)],
            True,
            id="A-later-replace-does-not-change-count",
        ),
        pytest.param(True, [("resync", None)], False, id="A-resync-does-not-populate"),
        pytest.param(True, [("bookmark", "5")], False, id="A-bookmark-does-not-populate"),
    ],
)
def test_initial_population_B_34(
    atomic: bool, actions: list[tuple[str, Any]], synced: bool
) -> None:
    # TestRealFIFO_HasSynced
    fifo = RealFIFO(atomic=True) if atomic else mode_r()
    for action, arg in actions:
        if action == "pop":
            for _ in range(arg):
                pop(fifo)
        elif action == "replace":
            fifo.replace(arg, "0")
        elif action == "resync":
            fifo.resync()
        elif action == "bookmark":
            fifo.bookmark(arg)
        else:
            fifo.add(arg)
    assert fifo.has_synced is synced


def test_initial_population_counts_deletions_B_34() -> None:
    # TestRealFIFO_HasSyncedCorrectOnDeletion
    fifo = mode_r(*STORE3)
    fifo.replace([obj("foo", 5)], "0")
    expected = [
        (DELETED, tomb("bar", obj("bar", 6))),
        (DELETED, tomb("baz", obj("baz", 7))),
        (REPLACED, obj("foo", 5)),
    ]
    for want in expected:
        assert not fifo.has_synced
        delta, initial = pop(fifo)
        assert (delta.type, delta.object) == want
        assert initial
    assert fifo.has_synced


@pytest.mark.parametrize("atomic", [False, True])
def test_synced_only_after_the_last_initial_delta_is_processed_B_34(atomic: bool) -> None:
    fifo = RealFIFO(atomic=True) if atomic else mode_r()
    fifo.replace([obj("a")], "1")
    fifo.add(obj("b"))
    during: list[tuple[bool, bool]] = []
    for _ in range(2):
        fifo.pop(lambda d, initial: during.append((fifo.has_synced, initial)))
    assert during == [(False, True), (True, False)]


# -- B-35, B-36 ---------------------------------------------------------------------------


def test_atomic_resync_appends_sync_all_each_call_B_35() -> None:
    fifo = RealFIFO(atomic=True)
    fifo.resync()
    fifo.resync()
    assert items(fifo) == [(SYNC_ALL, SyncAllInfo()), (SYNC_ALL, SyncAllInfo())]


def test_mode_r_resync_B_35() -> None:
    # TestRealFIFO_Resync, ResyncNonExisting, UpdateResyncRace
    def xfrm(o: Any) -> Any:
        raise AssertionError("resync objects are not transformed")

    fifo = mode_r(obj("foo", 5), transformer=xfrm)
    fifo.resync()
    assert items(fifo) == [(SYNC, obj("foo", 5))]

    fifo = mode_r(obj("foo", 5))
    fifo.delete(obj("foo", 10))
    fifo.resync()
    assert items(fifo) == [(DELETED, obj("foo", 10))]

    fifo = mode_r(obj("foo", 5), obj("bar", 6))
    fifo.update(obj("foo", 6))
    fifo.resync()
    assert pop_all(fifo) == [(UPDATED, obj("foo", 6)), (SYNC, obj("bar", 6))]


def test_mode_r_resync_skips_lookup_failures_B_35() -> None:
    class Vanishing(KnownDict):
        def list_keys(self) -> list[str]:
            return [*super().list_keys(), "ghost"]

    fifo = RealFIFO(known_objects=Vanishing(obj("a", 1), failing=["broken"]))
    fifo.resync()
    assert items(fifo) == [(SYNC, obj("a", 1))]
    assert not fifo.has_synced


def test_mode_r_resync_known_object_without_key_B_35() -> None:
    class Misfiled(KnownDict):
        def get_by_key(self, key: str) -> Any:
            return {"no": "meta"}

    fifo = RealFIFO(known_objects=Misfiled(obj("a", 1)))
    with pytest.raises(KeyFuncError):
        fifo.resync()


def test_bookmark_B_36() -> None:
    fifo = RealFIFO(atomic=True)
    fifo.bookmark("7")
    assert items(fifo) == [(BOOKMARK, BookmarkInfo("7"))]
    fifo = mode_r()
    fifo.bookmark("7")
    assert len(fifo) == 0


# -- B-37 ---------------------------------------------------------------------------------


class BatchRecorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, list[Any], bool]] = []

    def batch(self, deltas: list[Delta], initial: bool) -> None:
        assert type(deltas) is list
        assert len(deltas) > 1
        self.calls.append(("batch", [self.show(d) for d in deltas], initial))

    def single(self, deltas: Deltas, initial: bool) -> None:
        assert isinstance(deltas, Deltas)
        assert len(deltas) == 1
        self.calls.append(("single", [self.show(deltas[0])], initial))

    @staticmethod
    def show(delta: Delta) -> Any:
        o = delta.object
        if isinstance(o, dict):
            return o["metadata"]["name"] if "metadata" in o else "nokey"
        return delta.type.value


def drain_batches(fifo: RealFIFO) -> list[tuple[str, list[Any], bool]]:
    recorder = BatchRecorder()
    while len(fifo):
        fifo.pop_batch(recorder.batch, recorder.single)
        check_invariants(fifo)
    return recorder.calls


def test_pop_batch_stops_at_a_repeated_key_B_37() -> None:
    fifo = RealFIFO(atomic=True)
    for name in ["a", "b", "c", "a", "d", "e", "e"]:
        fifo.add(obj(name))
    assert drain_batches(fifo) == [
        ("batch", ["a", "b", "c"], False),
        ("batch", ["a", "d", "e"], False),
        ("single", ["e"], False),
    ]


def test_pop_batch_non_batchable_deltas_go_alone_B_37() -> None:
    fifo = RealFIFO(atomic=True)
    fifo.add(obj("a"))
    fifo.add(obj("b"))
    fifo.resync()
    fifo.bookmark("9")
    fifo.add(obj("c"))
    fifo.replace([obj("x")], "10")
    assert drain_batches(fifo) == [
        ("batch", ["a", "b"], False),
        ("single", ["SyncAll"], False),
        ("single", ["Bookmark"], False),
        ("single", ["c"], False),
        ("single", ["ReplacedAll"], False),
    ]


def test_pop_batch_never_mixes_initial_and_later_deltas_B_37() -> None:
    fifo = mode_r(obj("gone", 0))
    fifo.replace([obj("a"), obj("b")], "1")  # 3 initial deltas: tombstone(gone), a, b
    fifo.add(obj("c"))
    fifo.add(obj("d"))
    assert drain_batches(fifo) == [
        ("batch", ["Deleted", "a", "b"], True),
        ("batch", ["c", "d"], False),
    ]
    assert fifo.has_synced


def test_pop_batch_item_without_key_is_included_and_closes_B_37() -> None:
    fifo = mode_r()
    fifo.add(obj("a"))
    fifo.add(obj("b"))
    # Queued with another key function in force: this delta has no key now.
    fifo._items.append(Delta(ADDED, {"nometa": True}))
    fifo.add(obj("c"))
    recorder = BatchRecorder()
    assert fifo.pop_batch(recorder.batch, recorder.single) == 3
    assert recorder.calls == [("batch", ["a", "b", "nokey"], False)]
    fifo._items.appendleft(Delta(ADDED, {"nometa": True}))
    assert fifo.pop_batch_nowait(recorder.batch, recorder.single) == 1
    assert recorder.calls[-1] == ("single", ["nokey"], False)


def test_pop_batch_size_is_1000_B_37() -> None:
    fifo = RealFIFO(atomic=True)
    for i in range(DEFAULT_BATCH_SIZE + 5):
        fifo.add(obj(f"o{i}"))
    sizes: list[int] = []
    while len(fifo):
        sizes.append(fifo.pop_batch(lambda d, i: None, lambda d, i: None))
    assert sizes == [1000, 5]


def test_pop_batch_decrements_after_processing_B_37() -> None:
    fifo = RealFIFO(atomic=True)
    fifo.replace([obj("a")], "1")
    fifo.add(obj("b"))
    seen: list[bool] = []
    fifo.pop_batch(lambda d, i: None, lambda d, i: seen.append(fifo.has_synced))
    assert seen == [False]
    assert fifo.has_synced


def test_pop_batch_nowait_and_closed_B_37() -> None:
    fifo = RealFIFO(atomic=True)
    assert fifo.pop_batch_nowait(lambda d, i: None, lambda d, i: None) == 0
    fifo.add(obj("a"))
    fifo.add(obj("b"))
    fifo.close()
    assert fifo.pop_batch_nowait(lambda d, i: None, lambda d, i: None) == 2
    with pytest.raises(FIFOClosedError):
        fifo.pop_batch_nowait(lambda d, i: None, lambda d, i: None)
    with pytest.raises(FIFOClosedError):
        fifo.pop_batch(lambda d, i: None, lambda d, i: None)


def test_pop_batch_holds_the_lock_in_mode_r_B_37() -> None:
    fifo = mode_r()
    fifo.add(obj("a"))
    fifo.add(obj("b"))
    held: list[bool] = []
    fifo.pop_batch(lambda d, i: held.append(fifo._lock.locked()), lambda d, i: None)
    assert held == [True]
