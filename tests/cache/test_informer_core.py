"""The informer's pure core: deltas into the cache and notifications out (spec D.2 … D.6)."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from kinformer._objects import DeletedFinalStateUnknown
from kinformer.cache._fifo import BookmarkInfo, Delta, DeltaType, ReplacedAllInfo, SyncAllInfo
from kinformer.cache._handlers import (
    FilteringResourceEventHandler,
    ResourceEventHandlerFuncs,
    as_handler,
    notification_key,
)
from kinformer.cache._indexer import Indexer
from kinformer.cache._informer import ADD, DELETE, UPDATE, HandlerRegistration, InformerCore


def pod(name: str, rv: str = "1", ns: str = "default", **labels: str) -> dict[str, Any]:
    return {"metadata": {"namespace": ns, "name": name, "resourceVersion": rv, "labels": labels}}


class Recorder:
    """A handler that records calls as tuples."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def on_add(self, obj: Any, is_in_initial_list: bool) -> None:
        self.calls.append(("add", name_of(obj), is_in_initial_list))

    def on_update(self, old: Any, new: Any) -> None:
        self.calls.append(("update", name_of(old), name_of(new)))

    def on_delete(self, obj: Any) -> None:
        self.calls.append(("delete", name_of(obj)))


def name_of(obj: Any) -> str:
    if isinstance(obj, DeletedFinalStateUnknown):
        return f"tombstone:{obj.key}"
    return f"{obj['metadata']['name']}@{obj['metadata']['resourceVersion']}"


class Harness:
    def __init__(self, resync: float = 0.0, synced: bool = True) -> None:
        self.indexer: Indexer[Any] = Indexer()
        self.synced = synced
        self.core = InformerCore(self.indexer, resync_period=resync, is_synced=lambda: self.synced)
        self.wakes = 0

    def waker(self) -> None:
        self.wakes += 1

    def register(
        self, handler: Any = None, *, resync: float | None = None, now: float = 0.0
    ) -> tuple[Recorder, HandlerRegistration]:
        recorder = Recorder() if handler is None else handler
        reg = self.core.register(recorder, resync_period=resync, now=now, waker=self.waker)
        return recorder, reg


def deliver(reg: HandlerRegistration, handler: Any) -> None:
    """What a driver's delivery loop does, synchronously."""
    while (n := reg.take()) is not None:
        kind, a, b = n
        if kind == ADD:
            handler.on_add(a, b)
        elif kind == UPDATE:
            handler.on_update(a, b)
        else:
            handler.on_delete(a)
        reg.delivered(n)


def d(kind: DeltaType, obj: Any) -> Delta:
    return Delta(kind, obj)


@pytest.mark.parametrize(
    ("cached", "delta_type", "expected"),
    [
        pytest.param(False, DeltaType.ADDED, ("add", "a@2", False), id="added-uncached-adds"),
        pytest.param(True, DeltaType.ADDED, ("update", "a@1", "a@2"), id="added-cached-updates"),
        pytest.param(False, DeltaType.UPDATED, ("add", "a@2", False), id="updated-uncached-adds"),
        pytest.param(
            True, DeltaType.REPLACED, ("update", "a@1", "a@2"), id="replaced-cached-updates"
        ),
        pytest.param(False, DeltaType.SYNC, ("add", "a@2", False), id="sync-uncached-adds"),
    ],
)
def test_add_or_update_is_decided_by_the_cache_D_20(
    cached: bool, delta_type: DeltaType, expected: tuple[str, ...]
) -> None:
    h = Harness()
    if cached:
        h.indexer.add(pod("a", "1"))
    rec, reg = h.register()
    h.core.handle_deltas([d(delta_type, pod("a", "2"))], False)
    deliver(reg, rec)
    assert rec.calls == [expected]
    assert h.indexer.get_by_key("default/a") == pod("a", "2")


def test_deleted_removes_then_notifies_with_queued_object_D_20() -> None:
    h = Harness()
    h.indexer.add(pod("a", "1"))
    rec, reg = h.register()
    tomb = DeletedFinalStateUnknown("default/b", None)
    h.core.handle_deltas([d(DeltaType.DELETED, pod("a", "3")), d(DeltaType.DELETED, tomb)], False)
    deliver(reg, rec)
    assert rec.calls == [("delete", "a@3"), ("delete", "tombstone:default/b")]
    assert h.indexer.list() == []


def test_deltas_applied_oldest_first_and_cache_first_D_20_D_54() -> None:
    h = Harness()
    seen_in_cache: list[Any] = []

    class Reader(Recorder):
        def on_add(self, obj: Any, is_in_initial_list: bool) -> None:
            seen_in_cache.append(h.indexer.get_by_key("default/a"))
            super().on_add(obj, is_in_initial_list)

    rec, reg = h.register(Reader())
    h.core.handle_deltas(
        [d(DeltaType.ADDED, pod("a", "1")), d(DeltaType.UPDATED, pod("a", "2"))], True
    )
    deliver(reg, rec)
    assert rec.calls == [("add", "a@1", True), ("update", "a@1", "a@2")]
    # Notifications are delivered after the cache update, possibly after later ones (D-54).
    assert seen_in_cache == [pod("a", "2")]


def test_same_rv_updates_go_only_to_syncing_listeners_D_50_D_52() -> None:
    h = Harness(resync=10.0)
    a, reg_a = h.register(resync=10.0, now=0.0)
    b, reg_b = h.register(resync=0.0, now=0.0)
    h.indexer.add(pod("x", "5"))
    # Before any check every listener is flagged syncing (D-52).
    h.core.handle_deltas([d(DeltaType.SYNC, pod("x", "5"))], False)
    assert h.core.should_resync(now=10.0) is True
    assert (reg_a.syncing, reg_b.syncing) == (True, False)
    h.core.handle_deltas([d(DeltaType.SYNC, pod("x", "5"))], False)
    # A changed RV goes to everyone.
    h.core.handle_deltas([d(DeltaType.REPLACED, pod("x", "6"))], False)
    deliver(reg_a, a)
    deliver(reg_b, b)
    assert a.calls == [("update", "x@5", "x@5"), ("update", "x@5", "x@5"), ("update", "x@5", "x@6")]
    assert b.calls == [("update", "x@5", "x@5"), ("update", "x@5", "x@6")]


def test_should_resync_schedules_each_listener_D_42_D_52() -> None:
    h = Harness(resync=30.0)
    _, reg = h.register(now=100.0)
    assert reg.next_resync == 130.0
    assert h.core.should_resync(now=129.0) is False
    assert reg.syncing is False
    assert h.core.should_resync(now=130.0) is True
    assert reg.next_resync == 160.0


def test_informer_with_resync_zero_never_resyncs_anyone_D_41_J_7() -> None:
    h = Harness(resync=0.0)
    _, reg = h.register(resync=5.0)
    assert reg.resync_period == 0.0
    assert h.core.should_resync(now=1e9) is False


@pytest.mark.parametrize(
    ("requested", "check_after", "effective"),
    [
        pytest.param(0.0, 43200.0, 0.0, id="zero-stays-zero"),
        pytest.param(60.0, 60.0, 60.0, id="smaller-lowers-check-period"),
        pytest.param(55.0, 55.0, 55.0, id="lower-again"),
        pytest.param(0.5, 1.0, 1.0, id="below-one-second-raised-to-minimum"),
    ],
)
def test_resync_period_resolution_before_start_D_41(
    requested: float, check_after: float, effective: float
) -> None:
    h = Harness(resync=43200.0)
    _, reg = h.register(resync=requested)
    assert h.core.resync_check_period == check_after
    assert reg.resync_period == effective


def test_resync_period_resolution_example_of_the_spec_D_41() -> None:
    h = Harness(resync=12 * 3600.0)
    regs = [h.register(resync=p)[1] for p in (0.0, 60.0, 55.0, 5.0)]
    assert h.core.resync_check_period == 5.0
    assert [r.resync_period for r in regs] == [0.0, 60.0, 55.0, 5.0]


def test_resync_period_raised_after_start_D_41() -> None:
    h = Harness(resync=30.0)
    h.core.started = True
    _, reg = h.register(resync=10.0)
    assert h.core.resync_check_period == 30.0
    assert reg.resync_period == 30.0


def test_default_handler_resync_is_informer_resync_D_30() -> None:
    h = Harness(resync=30.0)
    _, reg = h.register()
    assert reg.resync_period == 30.0
    with pytest.raises(ValueError, match=">= 0"):
        h.register(resync=-1.0)
    with pytest.raises(ValueError, match=">= 0"):
        InformerCore(Indexer(), resync_period=-1, is_synced=lambda: True)


def test_late_registration_gets_synthetic_initial_adds_D_43_D_44_J_5() -> None:
    h = Harness()
    h.indexer.add(pod("a"))
    h.indexer.add(pod("b"))
    h.core.started = True
    rec, reg = h.register()
    assert reg.backlog == 2
    assert reg.has_synced is False  # initial adds not delivered yet (D-45)
    h.core.handle_deltas([d(DeltaType.UPDATED, pod("a", "2"))], False)
    deliver(reg, rec)
    assert sorted(rec.calls[:2]) == [("add", "a@1", True), ("add", "b@1", True)]
    assert rec.calls[2] == ("update", "a@1", "a@2")
    assert reg.has_synced is True


def test_registration_synced_needs_informer_synced_D_45() -> None:
    h = Harness(synced=False)
    rec, reg = h.register()
    h.core.handle_deltas([d(DeltaType.REPLACED, pod("a"))], True)
    deliver(reg, rec)
    assert reg.has_synced is False
    h.synced = True
    assert reg.has_synced is True
    h.synced = False
    assert reg.has_synced is True  # latched


def test_initial_add_that_raises_still_counts_as_delivered_M_4() -> None:
    h = Harness()
    h.core.started = True
    h.indexer.add(pod("a"))
    _, reg = h.register()
    n = reg.take()
    assert n is not None
    reg.delivered(n)  # the driver calls delivered() whether the handler returned or raised
    assert reg.has_synced is True


def test_remove_drops_buffer_and_is_idempotent_D_46() -> None:
    h = Harness()
    _rec, reg = h.register()
    h.core.handle_deltas([d(DeltaType.ADDED, pod("a"))], False)
    wakes = h.wakes
    h.core.unregister(reg)
    h.core.unregister(reg)
    assert reg.stopped
    assert reg.backlog == 0
    assert h.wakes > wakes  # the delivery loop is woken to notice
    h.core.handle_deltas([d(DeltaType.ADDED, pod("b"))], False)
    assert reg.backlog == 0
    assert h.core.registrations == []


def test_stop_refuses_new_registrations_D_33_D_40_D_56() -> None:
    h = Harness()
    _, reg = h.register()
    h.core.stop()
    assert reg.stopped
    with pytest.raises(RuntimeError, match="has stopped already"):
        h.register()


def test_replaced_all_replaces_store_then_deletes_then_adds_D_22_J_4() -> None:
    h = Harness()
    for p in (pod("p1", "1"), pod("p2", "1"), pod("p4", "1")):
        h.indexer.add(p)
    rec, reg = h.register()
    observed: list[list[str]] = []
    info = ReplacedAllInfo("9", (pod("p1", "1"), pod("p2", "2"), pod("p3", "3")))

    class Observer(Recorder):
        def on_delete(self, obj: Any) -> None:
            observed.append(sorted(h.indexer.list_keys()))
            super().on_delete(obj)

    obs = Observer()
    h.core.unregister(reg)
    reg = h.core.register(obs, resync_period=None, now=0, waker=h.waker)
    h.core.handle_deltas([d(DeltaType.REPLACED_ALL, info)], False)
    deliver(reg, obs)
    assert obs.calls == [
        ("delete", "tombstone:default/p4"),
        ("update", "p1@1", "p1@1"),
        ("update", "p2@1", "p2@2"),
        ("add", "p3@3", False),
    ]
    assert observed == [["default/p1", "default/p2", "default/p3"]]
    assert h.indexer.last_store_sync_resource_version == "9"
    assert rec.calls == []


def test_sync_all_updates_every_cached_object_D_21() -> None:
    h = Harness()
    h.indexer.add(pod("a", "1"))
    rec, reg = h.register()
    h.core.handle_deltas([d(DeltaType.SYNC_ALL, SyncAllInfo())], False)
    deliver(reg, rec)
    assert rec.calls == [("update", "a@1", "a@1")]


def test_bookmark_sets_store_rv_without_notification_D_20() -> None:
    h = Harness()
    rec, reg = h.register()
    h.core.handle_deltas([d(DeltaType.BOOKMARK, BookmarkInfo("42"))], False)
    deliver(reg, rec)
    assert rec.calls == []
    assert h.indexer.last_store_sync_resource_version == "42"


# ----------------------------------------------------------------------- adapters (D.6)


@pytest.mark.parametrize(
    ("old_passes", "new_passes", "expected"),
    [
        pytest.param(True, True, [("update", "o@1", "n@2")], id="both-update"),
        pytest.param(False, True, [("add", "n@2", False)], id="enters-add-not-initial"),
        pytest.param(True, False, [("delete", "o@1")], id="leaves-delete-old-object"),
        pytest.param(False, False, [], id="neither-nothing"),
    ],
)
def test_filtering_handler_transitions_D_70(
    old_passes: bool, new_passes: bool, expected: list[tuple[str, ...]]
) -> None:
    rec = Recorder()
    old = {"metadata": {"name": "o", "resourceVersion": "1"}, "pass": old_passes}
    new = {"metadata": {"name": "n", "resourceVersion": "2"}, "pass": new_passes}
    handler = FilteringResourceEventHandler(lambda o: bool(o["pass"]), rec)
    handler.on_update(old, new)
    assert rec.calls == expected


def test_filtering_handler_add_delete_and_tombstones_D_70() -> None:
    rec = Recorder()
    seen: list[Any] = []

    def keep(obj: Any) -> bool:
        seen.append(obj)
        return isinstance(obj, DeletedFinalStateUnknown) or obj["metadata"]["name"] == "yes"

    handler = as_handler(rec, filter=keep)
    handler.on_add(pod("yes"), True)
    handler.on_add(pod("no"), True)
    tomb = DeletedFinalStateUnknown("default/x", None)
    handler.on_delete(tomb)
    handler.on_delete(pod("no"))
    assert rec.calls == [("add", "yes@1", True), ("delete", "tombstone:default/x")]
    assert tomb in seen  # the filter receives the tombstone as is


def test_funcs_missing_functions_are_noops_D_71() -> None:
    added: list[Any] = []
    handler = as_handler(on_add=lambda obj, initial: added.append((obj, initial)))
    assert isinstance(handler, ResourceEventHandlerFuncs)
    handler.on_add("x", True)
    assert handler.on_update("a", "b") is None
    assert handler.on_delete("a") is None
    assert added == [("x", True)]
    both = as_handler(on_update=lambda o, n: (o, n), on_delete=lambda o: o)
    assert both.on_update(1, 2) == (1, 2)
    assert both.on_delete(3) == 3
    assert both.on_add(4, False) is None


def test_as_handler_rejects_bad_arguments() -> None:
    with pytest.raises(TypeError, match="either"):
        as_handler(Recorder(), on_add=lambda o, i: None)
    with pytest.raises(TypeError, match="at least one"):
        as_handler()
    with pytest.raises(TypeError, match="no on_add"):
        as_handler(object())  # type: ignore[arg-type]


def test_notification_key_never_raises() -> None:
    assert notification_key(pod("a")) == "default/a"
    assert notification_key({"metadata": {"name": "n"}}) == "n"
    assert notification_key(DeletedFinalStateUnknown("k", None)) == "k"
    assert notification_key(42) == "<unknown>"


def test_registration_repr_and_small_resync_warning(caplog: pytest.LogCaptureFixture) -> None:
    h = Harness(resync=30.0)
    with caplog.at_level(logging.WARNING, logger="kinformer.informer"):
        _, reg = h.register(resync=0.1)
    assert "minimum" in caplog.text
    assert "backlog=0" in repr(reg)
    assert reg.take() is None
    assert [DELETE, UPDATE, ADD] == [2, 1, 0]


def test_objects_without_metadata_are_never_sync_updates_D_50() -> None:
    indexer: Indexer[Any] = Indexer(key_func=lambda o: o["k"])
    core = InformerCore(indexer, resync_period=10.0, is_synced=lambda: True)
    reg = core.register(Recorder(), resync_period=None, now=0, waker=lambda: None)
    core.should_resync(now=1.0)  # nobody due: syncing flags cleared
    core.handle_deltas(
        [Delta(DeltaType.ADDED, {"k": "a"}), Delta(DeltaType.SYNC, {"k": "a"})], False
    )
    assert reg.backlog == 2  # the update without RVs is not a sync update, so it is delivered
    assert notification_key({"metadata": 1}) == "<unknown>"


def test_non_dict_objects_are_never_sync_updates_D_50() -> None:
    indexer: Indexer[Any] = Indexer(key_func=str)
    core = InformerCore(indexer, resync_period=10.0, is_synced=lambda: True)
    reg = core.register(ResourceEventHandlerFuncs(), resync_period=None, now=0, waker=lambda: None)
    core.should_resync(now=1.0)
    core.handle_deltas([Delta(DeltaType.ADDED, "a"), Delta(DeltaType.SYNC, "a")], False)
    assert reg.backlog == 2


def test_mutation_detector_helpers_D_57() -> None:
    from kinformer.cache._handlers import check_unmodified, snapshot
    from kinformer.cache._informer_options import InformerOptions, mutation_detector_from_env

    obj = pod("a", "1", app="web")
    before = snapshot(obj)
    assert check_unmodified(obj, before) is None
    obj["metadata"]["labels"]["app"] = "x"
    obj["spec"] = [1, {"y": 2}]
    message = check_unmodified(obj, before)
    assert message is not None
    assert "default/a" in message
    assert obj == pod("a", "1", app="web")
    assert snapshot(DeletedFinalStateUnknown("k", None)) is None
    assert check_unmodified("unchanged", snapshot("unchanged")) is None
    assert check_unmodified(["a"], snapshot(["b"])) is not None  # reported, not restorable
    assert mutation_detector_from_env({"KUBE_CACHE_MUTATION_DETECTOR": "True"}) is True
    assert mutation_detector_from_env({"KINFORMER_CACHE_MUTATION_DETECTOR": "1"}) is False
    assert mutation_detector_from_env({}) is False
    assert isinstance(InformerOptions().detect_mutations, bool)
    with pytest.raises(ValueError, match="queue must be one of"):
        InformerOptions(queue="lifo")  # type: ignore[arg-type]
